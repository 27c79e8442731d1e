-- Statistics dashboard (#7): the monthly figures summed per city and without
-- the funding (a fifteenth of stats_monthly's rows), which the province view
-- reads unless it filters by funding, kept up to date by db::stats::drain and
-- rebuild like the other summary tables; and an index for the county view. Keep migrations/{sqlite,postgres}/0019_stats_city.sql in step.
CREATE TABLE stats_city_monthly (
  month TEXT NOT NULL,
  city_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  method TEXT NOT NULL,
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
  PRIMARY KEY (month, city_code, industry_code, method)
);

INSERT INTO stats_city_monthly (month, city_code, industry_code, method, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT month, city_code, industry_code, method, SUM(published), SUM(selected), SUM(failed), SUM(budget_fen), SUM(award_fen), SUM(contract_fen), SUM(participants), SUM(completed), SUM(on_time), SUM(service_days), SUM(rating_sum), SUM(rating_count)
FROM stats_monthly GROUP BY month, city_code, industry_code, method;

CREATE INDEX stats_monthly_region ON stats_monthly(region_code, month);
