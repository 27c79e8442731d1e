-- The authoritative qualification register (资质权威登记库) that registrations are
-- checked against; imported by the operator from CSV (see README), behind a trait
-- so a real credit platform can replace it.
-- Keep migrations/postgres/0004_qualification_register.sql in step.

CREATE TABLE qualification_register (
  id INTEGER PRIMARY KEY,
  type_code TEXT NOT NULL REFERENCES qualification_types(code),
  certificate_no TEXT NOT NULL,
  holder_credit_code TEXT NOT NULL,
  holder_name TEXT NOT NULL,
  grade TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  imported_at INTEGER NOT NULL,
  UNIQUE (type_code, certificate_no)
);
CREATE INDEX qualification_register_holder ON qualification_register(holder_credit_code);
