-- Statistics dashboard (#7): one summary table that answers every view
-- without a service item in a few thousand rows at most, replacing
-- stats_monthly and stats_city_monthly (the province over 12 months read
-- ~16,000 of their rows per query, 60 months five times as many).
-- Each project counts in rows at three levels — level 3 its own region (a
-- county, or a city's own projects: 市本级), level 2 its city, level 1 its
-- province — under its method and also under method '*' (all methods), under
-- its funding and also under funding '*', in its month ('YYYY-MM') and also in
-- its year ('YYYY'): 24 rows, always with its industry. A view reads the rows
-- of its region (or of the regions just below it, by parent_code) with exactly
-- the method and funding it filters on, or '*', and the whole years of its
-- period as year rows. The primary key leads with the parent, so both are
-- ranges of it (on SQLite the table is clustered by it: WITHOUT ROWID). Kept up to date by db::stats::drain and rebuilt by
-- db::stats::rebuild like stats_daily; the statements below are the rebuild's.
-- Keep migrations/{sqlite,postgres}/0025_stats_cube.sql in step.
CREATE TABLE stats_cube (
  level INTEGER NOT NULL,
  region_code TEXT NOT NULL,
  parent_code TEXT NOT NULL,
  method TEXT NOT NULL,
  funding TEXT NOT NULL,
  period TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  published INTEGER NOT NULL DEFAULT 0,
  selected INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  budget_fen INTEGER NOT NULL DEFAULT 0,
  award_fen INTEGER NOT NULL DEFAULT 0,
  contract_fen INTEGER NOT NULL DEFAULT 0,
  participants INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0,
  on_time INTEGER NOT NULL DEFAULT 0,
  service_days INTEGER NOT NULL DEFAULT 0,
  rating_sum INTEGER NOT NULL DEFAULT 0,
  rating_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (level, parent_code, method, funding, period, region_code, industry_code)
) WITHOUT ROWID;

-- level 3, months, exact method and funding
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT 3, region_code, city_code, method, funding, month, industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_contrib GROUP BY region_code, city_code, method, funding, month, industry_code;
-- level 2 (cities) from level 3
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT 2, parent_code, substr(parent_code, 1, 2) || '0000', method, funding, period, industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_cube WHERE level = 3 GROUP BY parent_code, method, funding, period, industry_code;
-- level 1 (the province) from level 2
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT 1, parent_code, '', method, funding, period, industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_cube WHERE level = 2 GROUP BY parent_code, method, funding, period, industry_code;
-- every method
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT level, region_code, parent_code, '*', funding, period, industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_cube GROUP BY level, region_code, parent_code, funding, period, industry_code;
-- every funding
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT level, region_code, parent_code, method, '*', period, industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_cube GROUP BY level, region_code, parent_code, method, period, industry_code;
-- years
INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT level, region_code, parent_code, method, funding, substr(period, 1, 4), industry_code, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_cube GROUP BY level, region_code, parent_code, method, funding, substr(period, 1, 4), industry_code;

DROP TABLE stats_monthly;
DROP TABLE stats_city_monthly;
