-- Public firm directory: staff (legal representative, senior managers, key
-- technical staff) and the indexes the directory's filters use.
-- Keep migrations/postgres/0002_firm_directory.sql in step.

CREATE TABLE firm_staff (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  role TEXT NOT NULL CHECK (role IN ('legal_rep', 'manager', 'technical')),
  name TEXT NOT NULL,
  title TEXT NOT NULL,
  certificate TEXT,
  id_number TEXT NOT NULL,
  phone TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX firm_staff_firm ON firm_staff(firm_id, role);

CREATE INDEX firm_qualifications_grade ON firm_qualifications(grade, firm_id);
CREATE INDEX firms_name ON firms(status, name);

-- Completed services (contracts accepted or paid), kept on the firm so the
-- directory can sort 100,000 firms without counting contracts per request.
-- Updated where a contract is accepted; the demo loader computes it.
ALTER TABLE firms ADD COLUMN completed_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX firms_completed ON firms(status, completed_count);
CREATE INDEX firms_registered ON firms(status, registered_at);
