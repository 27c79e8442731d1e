-- Stage time limits and supervision lights (时限监察, #8). Keep
-- migrations/postgres/0021_time_limits.sql in step.
--
-- stage_limits: the operator's limits in working days, a default per stage
-- (item_code '') or an override for one service item (item_code = its code).
CREATE TABLE stage_limits (
  stage TEXT NOT NULL,
  item_code TEXT NOT NULL DEFAULT '',
  working_days INTEGER NOT NULL CHECK (working_days > 0),
  warn_working_days INTEGER NOT NULL DEFAULT 1 CHECK (warn_working_days >= 0),
  updated_by INTEGER REFERENCES users(id),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (stage, item_code)
);

-- One clock per subject and stage while the stage is open (closed_at NULL);
-- the deadline is fixed when the stage starts, under the calendar version then
-- in force. responsible: owner, firm, department, operator.
CREATE TABLE stage_clocks (
  id INTEGER PRIMARY KEY,
  subject_kind TEXT NOT NULL,
  subject_key TEXT NOT NULL,
  subject_label TEXT NOT NULL DEFAULT '',
  stage TEXT NOT NULL,
  responsible TEXT NOT NULL CHECK (responsible IN ('owner', 'firm', 'department', 'operator')),
  owner_id INTEGER REFERENCES owners(id),
  firm_id INTEGER REFERENCES firms(id),
  department_code TEXT,
  region_code TEXT NOT NULL,
  industry_code TEXT,
  item_code TEXT,
  started_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  calendar_version INTEGER NOT NULL,
  light TEXT NOT NULL CHECK (light IN ('green', 'yellow', 'red')),
  light_since INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX stage_clocks_open ON stage_clocks(subject_kind, subject_key, stage) WHERE closed_at IS NULL;
CREATE INDEX stage_clocks_subject ON stage_clocks(subject_kind, subject_key);
CREATE INDEX stage_clocks_board ON stage_clocks(closed_at, light, region_code);
CREATE INDEX stage_clocks_red ON stage_clocks(light, closed_at, due_at);
CREATE INDEX stage_clocks_owner ON stage_clocks(owner_id, closed_at);

-- Every change of light (from_light NULL: the stage's first light).
CREATE TABLE stage_light_changes (
  id INTEGER PRIMARY KEY,
  clock_id INTEGER NOT NULL REFERENCES stage_clocks(id),
  at INTEGER NOT NULL,
  from_light TEXT,
  to_light TEXT NOT NULL
);
CREATE INDEX stage_light_changes_clock ON stage_light_changes(clock_id, at);
