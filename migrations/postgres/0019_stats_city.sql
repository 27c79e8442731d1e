-- Statistics dashboard (#7): the monthly figures summed per city and without
-- the funding (a fifteenth of stats_monthly's rows), which the province view
-- reads unless it filters by funding, kept up to date by db::stats::drain and
-- rebuild like the other summary tables; and an index for the county view. Keep migrations/{sqlite,postgres}/0019_stats_city.sql in step.
CREATE TABLE stats_city_monthly (
  month TEXT NOT NULL,
  city_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  method TEXT NOT NULL,
  published BIGINT NOT NULL DEFAULT 0,
  selected BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  budget_fen BIGINT NOT NULL DEFAULT 0,
  award_fen BIGINT NOT NULL DEFAULT 0,
  contract_fen BIGINT NOT NULL DEFAULT 0,
  participants BIGINT NOT NULL DEFAULT 0,
  completed BIGINT NOT NULL DEFAULT 0,
  on_time BIGINT NOT NULL DEFAULT 0,
  service_days BIGINT NOT NULL DEFAULT 0,
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (month, city_code, industry_code, method)
);

INSERT INTO stats_city_monthly (month, city_code, industry_code, method, published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count)
SELECT month, city_code, industry_code, method, CAST(SUM(published) AS BIGINT), CAST(SUM(selected) AS BIGINT), CAST(SUM(failed) AS BIGINT), CAST(SUM(budget_fen) AS BIGINT), CAST(SUM(award_fen) AS BIGINT), CAST(SUM(contract_fen) AS BIGINT), CAST(SUM(participants) AS BIGINT), CAST(SUM(completed) AS BIGINT), CAST(SUM(on_time) AS BIGINT), CAST(SUM(service_days) AS BIGINT), CAST(SUM(rating_sum) AS BIGINT), CAST(SUM(rating_count) AS BIGINT)
FROM stats_monthly GROUP BY month, city_code, industry_code, method;

CREATE INDEX stats_monthly_region ON stats_monthly(region_code, month);
