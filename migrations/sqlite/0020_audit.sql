-- Tamper-evident audit trail (#8): every state-changing request (who, role,
-- when, what, the subject's status before and after, the outcome) as one
-- entry of a hash chain. `hash` = SHA-256 over the canonical form of all other
-- columns and `prev_hash` (domain::audit::canonical); `seq` runs 1, 2, 3, …
-- without gaps. Entries are only ever appended (db::audit::append, one writer
-- at a time): the triggers below refuse UPDATE and DELETE, and the verifier
-- (`server audit-verify`, /supervision/audit) finds any row changed behind
-- their back. No foreign keys: the log outlives what it mentions.
-- Keep migrations/postgres/0020_audit.sql in step.

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  actor_username TEXT,
  role TEXT,
  action TEXT NOT NULL,
  subject_kind TEXT,
  subject TEXT,
  args TEXT NOT NULL,
  before_status TEXT,
  after_status TEXT,
  http_status INTEGER NOT NULL,
  error TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_username, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_subject ON audit_log(subject, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
