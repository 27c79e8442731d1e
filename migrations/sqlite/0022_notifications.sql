-- In-app notifications and their e-mail outbox (#8). `db::notifications::notify`
-- writes one row per user; a second notify with the same (user, dedupe_key) is
-- ignored, so callers may retry. E-mails wait in `email_outbox` until the
-- sender loop (`db::notifications::send_due`) hands them to the SMTP server;
-- a failure keeps them queued with the error and a later `next_attempt_at`.
-- Keep migrations/postgres/0022_notifications.sql in step.

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  -- e.g. 'light_yellow', 'light_red', 'urge', 'complaint'
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  -- a site path to the subject (e.g. '/contracts/12'), never an outside URL
  link TEXT,
  dedupe_key TEXT,
  read_at INTEGER
);
CREATE UNIQUE INDEX notifications_dedupe ON notifications(user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX notifications_user ON notifications(user_id, at);
CREATE INDEX notifications_unread ON notifications(user_id, read_at);

CREATE TABLE email_outbox (
  id INTEGER PRIMARY KEY,
  notification_id INTEGER REFERENCES notifications(id),
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  sent_at INTEGER,
  last_error TEXT
);
CREATE INDEX email_outbox_due ON email_outbox(sent_at, next_attempt_at);
