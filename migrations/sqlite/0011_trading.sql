-- Trading (交易): selection announcements, participation, sealed quotes,
-- verifiable draws, rankings, result publicity and objections.
-- Keep migrations/postgres/0011_trading.sql in step.

-- The announcement's fields beyond the foundation columns.
ALTER TABLE procurements ADD COLUMN project_code TEXT NOT NULL DEFAULT '';
ALTER TABLE procurements ADD COLUMN scope TEXT NOT NULL DEFAULT '';
-- JSON of domain::eligibility::Requirements.
ALTER TABLE procurements ADD COLUMN requirements TEXT NOT NULL DEFAULT '{"mode":"Any","qualifications":[]}';
-- JSON of model::trading::MethodParams (merit criteria, abnormally-low share, direct choice).
ALTER TABLE procurements ADD COLUMN method_params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE procurements ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE procurements ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE procurements ADD COLUMN min_participants INTEGER NOT NULL DEFAULT 3;
-- The draw secret: its commitment is public from publication; the secret is kept
-- sealed (encrypted with the server's sealing key) until the deadline, then revealed.
ALTER TABLE procurements ADD COLUMN draw_commitment TEXT;
ALTER TABLE procurements ADD COLUMN draw_secret_sealed TEXT;
ALTER TABLE procurements ADD COLUMN draw_secret TEXT;
ALTER TABLE procurements ADD COLUMN opened_at INTEGER;
ALTER TABLE procurements ADD COLUMN created_by INTEGER REFERENCES users(id);
ALTER TABLE procurements ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

ALTER TABLE participations ADD COLUMN updated_at INTEGER;

-- Quotes before opening: only the sealed form (nonce + ciphertext, base64) and a
-- receipt hash. At opening they are decrypted into `quotes`.
CREATE TABLE sealed_quotes (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  sealed TEXT NOT NULL,
  receipt TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('submitted', 'withdrawn')),
  submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  UNIQUE (procurement_id, firm_id)
);
CREATE INDEX sealed_quotes_firm ON sealed_quotes(firm_id);

-- Opened quotes carry what lets anyone check them against the receipt, and the
-- abnormally-low procedure.
ALTER TABLE quotes ADD COLUMN salt TEXT;
ALTER TABLE quotes ADD COLUMN receipt TEXT;
ALTER TABLE quotes ADD COLUMN abnormal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quotes ADD COLUMN justification TEXT;
ALTER TABLE quotes ADD COLUMN justification_at INTEGER;
ALTER TABLE quotes ADD COLUMN justification_decision TEXT CHECK (justification_decision IN ('accepted', 'rejected'));

-- Every draw with the values that let anyone recompute it.
CREATE TABLE draws (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  purpose TEXT NOT NULL,
  draw_code TEXT NOT NULL,
  registrants TEXT NOT NULL,
  registrant_hash TEXT NOT NULL,
  seed TEXT NOT NULL,
  ranking TEXT NOT NULL,
  drawn_at INTEGER NOT NULL,
  UNIQUE (procurement_id, purpose)
);

-- Merit selection: one row per panel member and participant; scores JSON array in
-- criteria order.
CREATE TABLE merit_scores (
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  panelist TEXT NOT NULL,
  scores TEXT NOT NULL,
  scored_by INTEGER REFERENCES users(id),
  scored_at INTEGER NOT NULL,
  PRIMARY KEY (procurement_id, firm_id, panelist)
);

-- The ranking after selection: rank 1 is selected first, the rest are the reserve.
CREATE TABLE candidates (
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  rank INTEGER NOT NULL,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  amount_fen INTEGER,
  score_centi INTEGER,
  status TEXT NOT NULL CHECK (status IN ('reserve', 'selected', 'declined', 'lapsed', 'disqualified')),
  reason TEXT,
  decided_at INTEGER,
  PRIMARY KEY (procurement_id, rank)
);
CREATE INDEX candidates_firm ON candidates(firm_id, status);

-- The award follows the selected candidate through publicity to final.
ALTER TABLE awards ADD COLUMN status TEXT NOT NULL DEFAULT 'final' CHECK (status IN ('publicity', 'final', 'void'));
ALTER TABLE awards ADD COLUMN rank INTEGER NOT NULL DEFAULT 1;
ALTER TABLE awards ADD COLUMN publicity_ends_at INTEGER;
ALTER TABLE awards ADD COLUMN confirm_due_at INTEGER;
ALTER TABLE awards ADD COLUMN confirmed_at INTEGER;
ALTER TABLE awards ADD COLUMN final_at INTEGER;

CREATE TABLE objections (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  status TEXT NOT NULL CHECK (status IN ('draft', 'claim', 'answered', 'resolved', 'escalated')),
  reason TEXT NOT NULL,
  file_id INTEGER REFERENCES files(id),
  answer TEXT,
  decision TEXT CHECK (decision IN ('upheld', 'dismissed')),
  decision_reason TEXT,
  decided_by INTEGER REFERENCES users(id),
  filed_at INTEGER,
  answer_due_at INTEGER,
  answered_at INTEGER,
  reply_due_at INTEGER,
  escalated_at INTEGER,
  resolved_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX objections_procurement ON objections(procurement_id, status);
CREATE INDEX objections_firm ON objections(firm_id);

-- The public timeline of a procurement.
CREATE TABLE procurement_events (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor_id INTEGER REFERENCES users(id),
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX procurement_events_procurement ON procurement_events(procurement_id, at);
CREATE INDEX awards_open ON awards(status, publicity_ends_at);
