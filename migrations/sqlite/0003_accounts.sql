-- Accounts and roles. Passwords are Argon2id PHC strings (never plain text);
-- failed sign-ins lock an account for a while.
-- Keep migrations/postgres/0003_accounts.sql in step.

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'regulator', 'leader', 'firm', 'owner')),
  display_name TEXT NOT NULL,
  firm_id INTEGER REFERENCES firms(id),
  owner_id INTEGER REFERENCES owners(id),
  region_code TEXT REFERENCES regions(code),
  industry_code TEXT REFERENCES industries(code),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_sign_ins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  password_changed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX users_firm ON users(firm_id);
CREATE INDEX users_owner ON users(owner_id);
