-- Catalogue maintenance (服务事项清单维护): every service item has an effective
-- window [effective_from, effective_to] (dates, NULL end = open) and may be retired
-- (废止) from a date on; it is "in force" on a day inside the window and before
-- its retirement date (domain::catalogue::in_force). Every create, adjustment and
-- retirement writes a full snapshot into service_item_versions (history).
-- `status` becomes 'retired' once a retirement is recorded; whether an item is in
-- force on a day is decided by the dates alone.
-- Keep migrations/postgres/0008_catalogue_history.sql in step.

CREATE TABLE service_item_versions (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES service_items(id),
  version INTEGER NOT NULL CHECK (version > 0),
  action TEXT NOT NULL CHECK (action IN ('create', 'adjust', 'retire')),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  department_code TEXT NOT NULL,
  region_code TEXT NOT NULL,
  approval_item TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  qualification_type_code TEXT,
  min_grade TEXT,
  time_limit_days INTEGER NOT NULL,
  fee_basis TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  retired_on TEXT,
  reason TEXT NOT NULL,
  changed_by INTEGER REFERENCES users(id),
  changed_at INTEGER NOT NULL,
  UNIQUE (item_id, version)
);
ALTER TABLE service_items ADD COLUMN effective_to TEXT;
ALTER TABLE service_items ADD COLUMN retired_on TEXT;
ALTER TABLE service_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX service_items_scope ON service_items(industry_code, region_code);
CREATE INDEX service_item_versions_user ON service_item_versions(changed_by);

-- an item retired before this migration is out of force from its first day
UPDATE service_items SET retired_on = effective_from WHERE status = 'retired' AND retired_on IS NULL;

-- version 1 of the items already loaded (the reference loader does the same for
-- items it inserts later; both skip items that have a history)
INSERT INTO service_item_versions (item_id, version, action, code, name, industry_code, department_code,
  region_code, approval_item, legal_basis, qualification_type_code, min_grade, time_limit_days, fee_basis,
  effective_from, effective_to, retired_on, reason, changed_by, changed_at)
SELECT s.id, 1, 'create', s.code, s.name, s.industry_code, s.department_code, s.region_code, s.approval_item,
  s.legal_basis, s.qualification_type_code, s.min_grade, s.time_limit_days, s.fee_basis, s.effective_from,
  s.effective_to, s.retired_on, '首次发布:四川省行政审批中介服务事项清单', NULL, s.updated_at
FROM service_items s
WHERE NOT EXISTS (SELECT 1 FROM service_item_versions v WHERE v.item_id = s.id);
