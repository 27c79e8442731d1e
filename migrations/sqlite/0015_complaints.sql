-- Complaints (投诉) against a firm, an owner or a department, filed by owners,
-- firms or members of the public (name + phone, never shown publicly), routed
-- to the regulator of (region_code, industry_code). The regulator accepts or
-- declines within 5 working days (accept_due_at) and decides an accepted
-- complaint by decide_due_at (30 working days from acceptance). An escalated
-- objection (质疑, #4) becomes a complaint against the owner, accepted at once
-- (objection_id); its decision is the objection's decision.
-- Keep migrations/postgres/0015_complaints.sql in step.

CREATE TABLE complaints (
  id INTEGER PRIMARY KEY,
  filer_user_id INTEGER REFERENCES users(id),
  filer_name TEXT,
  filer_phone TEXT,
  against_kind TEXT NOT NULL CHECK (against_kind IN ('firm', 'owner', 'department')),
  firm_id INTEGER REFERENCES firms(id),
  owner_id INTEGER REFERENCES owners(id),
  department_code TEXT REFERENCES departments(code),
  procurement_id INTEGER REFERENCES procurements(id),
  contract_id INTEGER REFERENCES contracts(id),
  objection_id INTEGER REFERENCES objections(id),
  region_code TEXT NOT NULL REFERENCES regions(code),
  industry_code TEXT NOT NULL REFERENCES industries(code),
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  file_id INTEGER REFERENCES files(id),
  status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'declined', 'decided')),
  accept_due_at INTEGER NOT NULL,
  decide_due_at INTEGER,
  accepted_at INTEGER,
  declined_reason TEXT,
  decision TEXT CHECK (decision IN ('upheld', 'dismissed')),
  decision_reason TEXT,
  decided_by INTEGER REFERENCES users(id),
  decided_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX complaints_scope ON complaints(region_code, industry_code, status);
CREATE INDEX complaints_filer ON complaints(filer_user_id, created_at);
CREATE INDEX complaints_firm ON complaints(firm_id, status);
CREATE INDEX complaints_objection ON complaints(objection_id);
CREATE INDEX complaints_phone ON complaints(filer_phone, created_at);

CREATE TABLE complaint_events (
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor_id INTEGER REFERENCES users(id),
  detail TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, at);
