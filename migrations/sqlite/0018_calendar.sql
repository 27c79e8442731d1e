-- Working-day calendar (#8): versions the operator imports (the official
-- schedules are the first), each a full list of exceptions to "Saturday and
-- Sunday rest". The latest version is in force; deadlines are computed when a
-- stage starts, so a stage keeps the calendar it started under.
CREATE TABLE calendar_versions (
  id INTEGER PRIMARY KEY,
  note TEXT NOT NULL DEFAULT '',
  created_by BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE calendar_days (
  version_id BIGINT NOT NULL REFERENCES calendar_versions(id),
  date TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (version_id, date)
);
