-- Uploaded files and notices / policies (通知公告 / 政策法规).
-- Files live in the database (several server instances share them). Only PDF,
-- JPEG and PNG, at most 5 MiB, content type sniffed from the bytes. Who may read
-- a file: everyone when it is attached to a published notice; otherwise its
-- uploader, the accounts of the firm it belongs to (firm_id: qualification
-- documents), operators and administrators.
-- Keep migrations/postgres/0007_files_notices.sql in step.

CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 5242880),
  original_name TEXT NOT NULL,
  bytes BLOB NOT NULL,
  uploaded_by INTEGER REFERENCES users(id),
  firm_id INTEGER REFERENCES firms(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX files_uploader ON files(uploaded_by, sha256);
CREATE INDEX files_firm ON files(firm_id);

CREATE TABLE notices (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('notice', 'policy')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
  published_at INTEGER,
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- public list: one kind (or all), published only, pinned first, newest first
CREATE INDEX notices_public ON notices(kind, pinned, published_at);
CREATE INDEX notices_latest ON notices(pinned, published_at);

CREATE TABLE notice_attachments (
  notice_id INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
  file_id INTEGER NOT NULL REFERENCES files(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (notice_id, file_id)
);
CREATE INDEX notice_attachments_file ON notice_attachments(file_id);
