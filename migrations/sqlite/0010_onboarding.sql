-- Firm onboarding (入驻) and profile changes. An application holds the whole
-- proposed profile (JSON); approval copies it into the live tables, so the public
-- profile stays as it is until then. Events keep the history of every step.
-- Keep migrations/postgres/0010_onboarding.sql in step.

CREATE TABLE firm_applications (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  kind TEXT NOT NULL CHECK (kind IN ('onboarding', 'change')),
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
  data TEXT NOT NULL,
  region_code TEXT NOT NULL,
  industries TEXT NOT NULL,
  findings TEXT,
  submitted_at INTEGER,
  due_at INTEGER,
  decided_at INTEGER,
  decided_by INTEGER REFERENCES users(id),
  decision_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX firm_applications_firm ON firm_applications(firm_id, status);
CREATE INDEX firm_applications_queue ON firm_applications(status, submitted_at);

CREATE TABLE firm_application_events (
  id INTEGER PRIMARY KEY,
  application_id INTEGER NOT NULL REFERENCES firm_applications(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  action TEXT NOT NULL CHECK (action IN ('created', 'submitted', 'approved', 'auto_approved', 'returned')),
  actor_id INTEGER REFERENCES users(id),
  reason TEXT,
  data TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX firm_application_events_firm ON firm_application_events(firm_id, at);

-- the scanned certificate of a live qualification (an uploaded file's id)
ALTER TABLE firm_qualifications ADD COLUMN file_id BIGINT;
