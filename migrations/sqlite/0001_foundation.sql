-- Foundation schema: reference data (regions, industries, departments, qualification
-- types, service items), firms, owners, procurements and what follows from them.
-- Money: integer fen. Times: epoch milliseconds UTC (BIGINT). Dates: 'YYYY-MM-DD' text.
-- Keep migrations/postgres/0001_foundation.sql in step (a test compares the two).

CREATE TABLE app_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE regions (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  parent_code TEXT REFERENCES regions(code),
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3)
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE departments (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL
);

CREATE TABLE industries (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  regulator TEXT NOT NULL
);

CREATE TABLE qualification_types (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  grades TEXT NOT NULL,
  issuer TEXT NOT NULL
);

CREATE TABLE service_items (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  industry_code TEXT NOT NULL REFERENCES industries(code),
  department_code TEXT NOT NULL REFERENCES departments(code),
  approval_item TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  qualification_type_code TEXT REFERENCES qualification_types(code),
  min_grade TEXT,
  time_limit_days INTEGER NOT NULL CHECK (time_limit_days > 0),
  fee_basis TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions(code),
  status TEXT NOT NULL DEFAULT 'in_force' CHECK (status IN ('in_force', 'retired')),
  effective_from TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX service_items_industry ON service_items(status, industry_code);
CREATE INDEX service_items_department ON service_items(status, department_code);

CREATE TABLE firms (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  credit_code TEXT NOT NULL UNIQUE,
  region_code TEXT NOT NULL REFERENCES regions(code),
  address TEXT NOT NULL,
  legal_rep TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'active', 'suspended', 'expelled')),
  registered_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX firms_region ON firms(region_code, status);
CREATE INDEX firms_status ON firms(status, registered_at);

CREATE TABLE firm_items (
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  item_id INTEGER NOT NULL REFERENCES service_items(id),
  fee_standard TEXT NOT NULL,
  promised_days INTEGER NOT NULL CHECK (promised_days > 0),
  PRIMARY KEY (firm_id, item_id)
);
CREATE INDEX firm_items_item ON firm_items(item_id);

CREATE TABLE firm_qualifications (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  type_code TEXT NOT NULL REFERENCES qualification_types(code),
  grade TEXT NOT NULL,
  certificate_no TEXT NOT NULL,
  issuer TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL
);
CREATE INDEX firm_qualifications_firm ON firm_qualifications(firm_id);

CREATE TABLE owners (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  credit_code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('company', 'public_body')),
  region_code TEXT NOT NULL REFERENCES regions(code),
  created_at INTEGER NOT NULL
);

CREATE TABLE procurements (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES owners(id),
  item_id INTEGER NOT NULL REFERENCES service_items(id),
  region_code TEXT NOT NULL REFERENCES regions(code),
  industry_code TEXT NOT NULL REFERENCES industries(code),
  funding TEXT NOT NULL CHECK (funding IN ('fiscal', 'social')),
  budget_fen INTEGER NOT NULL CHECK (budget_fen > 0),
  method TEXT NOT NULL CHECK (method IN ('direct', 'random_draw', 'price_competition', 'merit')),
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed', 'selected', 'failed', 'cancelled')),
  service_days INTEGER NOT NULL CHECK (service_days > 0),
  published_at INTEGER,
  deadline_at INTEGER,
  closed_at INTEGER,
  cancel_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX procurements_published ON procurements(published_at);
CREATE INDEX procurements_status ON procurements(status, deadline_at);
CREATE INDEX procurements_item ON procurements(item_id);
CREATE INDEX procurements_region ON procurements(region_code);
CREATE INDEX procurements_owner ON procurements(owner_id);

CREATE TABLE participations (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  status TEXT NOT NULL CHECK (status IN ('registered', 'withdrawn')),
  registered_at INTEGER NOT NULL,
  UNIQUE (procurement_id, firm_id)
);
CREATE INDEX participations_firm ON participations(firm_id);

CREATE TABLE quotes (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  submitted_at INTEGER NOT NULL,
  UNIQUE (procurement_id, firm_id)
);
CREATE INDEX quotes_firm ON quotes(firm_id);

CREATE TABLE awards (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL UNIQUE REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  reason TEXT NOT NULL,
  awarded_at INTEGER NOT NULL
);
CREATE INDEX awards_firm ON awards(firm_id);

CREATE TABLE contracts (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL UNIQUE REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  owner_id INTEGER NOT NULL REFERENCES owners(id),
  price_fen INTEGER NOT NULL CHECK (price_fen > 0),
  status TEXT NOT NULL CHECK (status IN ('drafted', 'signed', 'delivered', 'accepted', 'paid', 'terminated')),
  created_at INTEGER NOT NULL,
  signed_at INTEGER,
  due_at INTEGER,
  delivered_at INTEGER,
  accepted_at INTEGER,
  paid_at INTEGER
);
CREATE INDEX contracts_firm ON contracts(firm_id);
CREATE INDEX contracts_status ON contracts(status);

CREATE TABLE ratings (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL UNIQUE REFERENCES contracts(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  timeliness INTEGER NOT NULL CHECK (timeliness BETWEEN 1 AND 5),
  quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
  attitude INTEGER NOT NULL CHECK (attitude BETWEEN 1 AND 5),
  fee_compliance INTEGER NOT NULL CHECK (fee_compliance BETWEEN 1 AND 5),
  comment TEXT,
  rated_at INTEGER NOT NULL
);
CREATE INDEX ratings_firm ON ratings(firm_id);
