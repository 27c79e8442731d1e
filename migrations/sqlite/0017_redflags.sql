-- Red flags (风险预警): review cases opened by the nightly red-flag run
-- (db::redflags, indicators in domain::redflags). One row per raised flag and
-- subject; an inspector closes it with a finding. Thresholds: app_meta key
-- `redflags.settings` (JSON of domain::redflags::RedFlagSettings; missing = defaults).
-- Keep migrations/postgres/0017_redflags.sql in step.

CREATE TABLE redflag_cases (
  id INTEGER PRIMARY KEY,
  -- R003 … R058, ZJ01, ZJ02
  code TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('procurement', 'firm', 'owner', 'owner_firm')),
  -- 'p:<procurement id>', 'f:<firm id>', 'o:<owner id>', 'of:<owner id>:<firm id>'
  subject_key TEXT NOT NULL,
  procurement_id INTEGER REFERENCES procurements(id),
  firm_id INTEGER REFERENCES firms(id),
  owner_id INTEGER REFERENCES owners(id),
  -- procurement subjects: the procurement's region and industry; firm, owner and
  -- owner-firm subjects: the firm's (owner's) registered region and '' (any industry)
  region_code TEXT NOT NULL,
  industry_code TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  first_raised_at INTEGER NOT NULL,
  last_raised_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  finding TEXT,
  closed_by INTEGER REFERENCES users(id),
  closed_at INTEGER
);
-- At most one open case per flag and subject.
CREATE UNIQUE INDEX redflag_cases_open ON redflag_cases(code, subject_key) WHERE status = 'open';
CREATE INDEX redflag_cases_list ON redflag_cases(status, last_raised_at);
CREATE INDEX redflag_cases_region ON redflag_cases(region_code, industry_code);
