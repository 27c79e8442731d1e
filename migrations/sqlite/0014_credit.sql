-- Credit archive (中介信用库, #6): rewards and penalties, red list and
-- blacklist entries, and the credit score and grade cached on firms
-- (domain::credit has the published formula).
CREATE TABLE credit_records (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  kind TEXT NOT NULL CHECK (kind IN ('reward', 'penalty')),
  title TEXT NOT NULL,
  points INTEGER NOT NULL CHECK (points BETWEEN -20 AND 20 AND points <> 0),
  decided_on TEXT NOT NULL,
  valid_to TEXT,
  source TEXT NOT NULL CHECK (source IN ('regulator', 'import')),
  decided_by INTEGER REFERENCES users(id),
  document_no TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX credit_records_firm ON credit_records(firm_id, decided_on);

CREATE TABLE credit_list_entries (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  list TEXT NOT NULL CHECK (list IN ('red', 'black')),
  reason TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  entered_by INTEGER REFERENCES users(id),
  entered_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoke_reason TEXT
);
CREATE INDEX credit_list_entries_firm ON credit_list_entries(firm_id, list);

ALTER TABLE firms ADD COLUMN credit_score INTEGER;
ALTER TABLE firms ADD COLUMN credit_grade TEXT;
ALTER TABLE firms ADD COLUMN credit_computed_at INTEGER;
CREATE INDEX firms_credit_grade ON firms(credit_grade);
