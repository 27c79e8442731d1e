-- Approval cases from other platforms (数据上传接口, issue #8).
-- Other approval platforms report case stage events (接件 received → 受理 accepted
-- → 审核 reviewing → 办结 concluded) through POST /api/ingest/v1/events
-- (server/src/ingest.rs; validation in app/src/domain/ingest.rs, storage in
-- app/src/db/ingest.rs). The time-limit supervision reads approval_cases as one
-- more source of open stages. Keep migrations/postgres/0023_approval_cases.sql in step.

-- A platform allowed to report cases; region_code (optional) limits the cases it
-- may report to that region and its subregions.
CREATE TABLE approval_platforms (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  region_code TEXT REFERENCES regions(code),
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
);

-- API keys: the secret is shown once when issued; only its SHA-256 (hex) is kept.
CREATE TABLE approval_api_keys (
  id INTEGER PRIMARY KEY,
  platform_id INTEGER NOT NULL REFERENCES approval_platforms(id),
  key_prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX approval_api_keys_platform ON approval_api_keys(platform_id);

CREATE TABLE approval_cases (
  id INTEGER PRIMARY KEY,
  platform_id INTEGER NOT NULL REFERENCES approval_platforms(id),
  case_no TEXT NOT NULL,                 -- the platform's own case number
  title TEXT NOT NULL,
  applicant TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions(code),
  department_code TEXT NOT NULL REFERENCES departments(code),
  item_code TEXT,                        -- service item if known (may be NULL)
  stage TEXT NOT NULL CHECK (stage IN ('received', 'accepted', 'reviewing', 'concluded')), -- 接件 受理 审核 办结
  stage_started_at INTEGER NOT NULL,     -- epoch ms when the current stage began
  received_at INTEGER NOT NULL,
  concluded_at INTEGER,
  updated_at INTEGER NOT NULL,
  UNIQUE (platform_id, case_no)
);
CREATE INDEX approval_cases_stage ON approval_cases(stage, stage_started_at);
CREATE INDEX approval_cases_region ON approval_cases(region_code, department_code);
CREATE INDEX approval_cases_updated ON approval_cases(updated_at);

CREATE TABLE approval_case_procurements (
  case_id INTEGER NOT NULL REFERENCES approval_cases(id),
  procurement_code TEXT NOT NULL,
  PRIMARY KEY (case_id, procurement_code)
);
CREATE INDEX approval_case_procurements_code ON approval_case_procurements(procurement_code);

-- Every applied stage event (rejected events are not kept, so a platform can
-- correct and resend them under the same event id). UNIQUE (platform_id,
-- event_id) makes a replay a no-op that returns the stored result.
CREATE TABLE approval_events (
  id INTEGER PRIMARY KEY,
  platform_id INTEGER NOT NULL REFERENCES approval_platforms(id),
  event_id TEXT NOT NULL,
  case_id INTEGER NOT NULL REFERENCES approval_cases(id),
  case_no TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('received', 'accepted', 'reviewing', 'concluded')),
  event_at INTEGER NOT NULL,             -- event time reported by the platform
  received_at INTEGER NOT NULL,          -- when we accepted it
  payload TEXT NOT NULL,                 -- the event as sent (JSON)
  payload_hash TEXT NOT NULL,            -- SHA-256 of the canonical payload
  warnings TEXT NOT NULL DEFAULT '[]',   -- JSON [{field, message}] returned with the original result
  UNIQUE (platform_id, event_id)
);
CREATE INDEX approval_events_case ON approval_events(case_id, event_at);
