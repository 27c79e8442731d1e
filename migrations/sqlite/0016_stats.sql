-- Statistics dashboard (统计分析, #7): summary tables kept up to date from a
-- queue of changed procurements. Keep migrations/postgres/0016_stats.sql in step.
-- A project and everything that follows from it (award, contract, delivery,
-- rating) count in the Asia/Shanghai day it was published, in its region,
-- industry, item, method and funding (app/src/db/stats/mod.rs computes them).

-- Figures per Shanghai day of publication and every dimension the dashboard
-- filters on; read only when a service item is chosen.
CREATE TABLE stats_daily (
  day TEXT NOT NULL,
  month TEXT NOT NULL,
  region_code TEXT NOT NULL,
  city_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  item_id INTEGER NOT NULL,
  method TEXT NOT NULL,
  funding TEXT NOT NULL,
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
  PRIMARY KEY (day, region_code, industry_code, item_id, method, funding)
);
CREATE INDEX stats_daily_item ON stats_daily(item_id, day);

-- The same figures per month without the item: what every other query reads.
CREATE TABLE stats_monthly (
  month TEXT NOT NULL,
  region_code TEXT NOT NULL,
  city_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  method TEXT NOT NULL,
  funding TEXT NOT NULL,
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
  PRIMARY KEY (month, region_code, industry_code, method, funding)
);
CREATE INDEX stats_monthly_city ON stats_monthly(city_code, month);
CREATE INDEX stats_monthly_month ON stats_monthly(month);

-- What each published procurement currently contributes (its dimensions and
-- measures), so a change applies the difference old → new.
CREATE TABLE stats_contrib (
  procurement_id INTEGER PRIMARY KEY,
  day TEXT NOT NULL,
  month TEXT NOT NULL,
  region_code TEXT NOT NULL,
  city_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  item_id INTEGER NOT NULL,
  method TEXT NOT NULL,
  funding TEXT NOT NULL,
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
  rating_count INTEGER NOT NULL DEFAULT 0
);

-- Procurements whose figures may have changed, filled by the triggers below
-- and drained by the server every second (db::stats::drain).
CREATE TABLE stats_dirty (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL
);

CREATE TRIGGER stats_dirty_procurements_insert AFTER INSERT ON procurements
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.id);
END;
CREATE TRIGGER stats_dirty_procurements_update AFTER UPDATE OF published_at, status, region_code, industry_code, item_id, method, funding, budget_fen ON procurements
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.id);
END;
CREATE TRIGGER stats_dirty_participations_insert AFTER INSERT ON participations
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
END;
CREATE TRIGGER stats_dirty_participations_update AFTER UPDATE OF status, procurement_id ON participations
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
  INSERT INTO stats_dirty (procurement_id) SELECT OLD.procurement_id WHERE OLD.procurement_id <> NEW.procurement_id;
END;
CREATE TRIGGER stats_dirty_awards_insert AFTER INSERT ON awards
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
END;
CREATE TRIGGER stats_dirty_awards_update AFTER UPDATE OF status, amount_fen, procurement_id ON awards
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
  INSERT INTO stats_dirty (procurement_id) SELECT OLD.procurement_id WHERE OLD.procurement_id <> NEW.procurement_id;
END;
CREATE TRIGGER stats_dirty_contracts_insert AFTER INSERT ON contracts
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
END;
CREATE TRIGGER stats_dirty_contracts_update AFTER UPDATE OF status, price_fen, signed_at, due_at, delivered_at, procurement_id ON contracts
BEGIN
  INSERT INTO stats_dirty (procurement_id) VALUES (NEW.procurement_id);
  INSERT INTO stats_dirty (procurement_id) SELECT OLD.procurement_id WHERE OLD.procurement_id <> NEW.procurement_id;
END;
CREATE TRIGGER stats_dirty_ratings_insert AFTER INSERT ON ratings
BEGIN
  INSERT INTO stats_dirty (procurement_id) SELECT procurement_id FROM contracts WHERE id = NEW.contract_id;
END;
CREATE TRIGGER stats_dirty_ratings_update AFTER UPDATE OF timeliness, quality, attitude, fee_compliance, contract_id ON ratings
BEGIN
  INSERT INTO stats_dirty (procurement_id) SELECT procurement_id FROM contracts WHERE id IN (NEW.contract_id, OLD.contract_id);
END;
