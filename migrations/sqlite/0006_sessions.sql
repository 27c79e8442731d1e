-- Server-side sessions (tower-sessions records, JSON data) shared by every
-- server instance. The cookie holds only the random session id.
-- Keep migrations/postgres/0006_sessions.sql in step.

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
