-- Monthly performance scores (绩效评估, #8): one row per month, kind of
-- subject and subject, computed by the nightly run (db::performance) from the
-- stage clocks, urges, upheld complaints and upheld objections with the formula
-- of domain::performance, and published on the public statistics pages.
-- Keep migrations/{sqlite,postgres}/0024_performance.sql in step.
CREATE TABLE performance_scores (
  id INTEGER PRIMARY KEY,
  month TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('public_body', 'department', 'owner', 'firm')),
  subject_key TEXT NOT NULL,
  subject_name TEXT NOT NULL,
  region_code TEXT NOT NULL DEFAULT '',
  rank INTEGER NOT NULL,
  total REAL NOT NULL,
  on_time_rate REAL NOT NULL,
  timeliness REAL NOT NULL,
  urges_points REAL NOT NULL,
  complaints_points REAL NOT NULL,
  objections_points REAL NOT NULL,
  stages_counted INTEGER NOT NULL,
  indicators TEXT NOT NULL,
  computed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX performance_scores_subject ON performance_scores(month, kind, subject_key);
CREATE INDEX performance_scores_rank ON performance_scores(month, kind, rank);
