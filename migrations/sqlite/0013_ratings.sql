-- Evaluation (综合评价) and star levels (星级), issue #6. Keep
-- migrations/postgres/0013_ratings.sql in step. The formula is in
-- app/src/domain/star.rs (published on every firm profile).

-- Who rated (NULL for imported/demo ratings) and the firm's one reply.
ALTER TABLE ratings ADD COLUMN rated_by INTEGER REFERENCES users(id);
ALTER TABLE ratings ADD COLUMN reply TEXT;
ALTER TABLE ratings ADD COLUMN reply_by INTEGER REFERENCES users(id);
ALTER TABLE ratings ADD COLUMN replied_at INTEGER;
CREATE INDEX ratings_firm_time ON ratings(firm_id, rated_at);

-- The owner's score for each key staff member (firm_staff role 'manager' or
-- 'technical') who worked on the contract, with an optional comment.
CREATE TABLE rating_staff (
  id INTEGER PRIMARY KEY,
  rating_id INTEGER NOT NULL REFERENCES ratings(id),
  staff_id INTEGER NOT NULL REFERENCES firm_staff(id),
  score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment TEXT,
  UNIQUE (rating_id, staff_id)
);

-- The cached star level (NULL until first computed), when, and a regulator's
-- downgrade: the level is capped at star_cap until star_cap_until (a date,
-- inclusive). suspended_until: the last day of a suspension (firms.status 'suspended').
ALTER TABLE firms ADD COLUMN star_level INTEGER;
ALTER TABLE firms ADD COLUMN star_computed_at INTEGER;
ALTER TABLE firms ADD COLUMN star_cap INTEGER;
ALTER TABLE firms ADD COLUMN star_cap_until TEXT;
ALTER TABLE firms ADD COLUMN suspended_until TEXT;
CREATE INDEX firms_star ON firms(status, star_level);

-- Automatic downgrade proposals from persistently poor ratings, routed to the
-- regulator of the industry (of the latest poor rating's procurement) within
-- the firm's region. At most one open proposal per firm.
CREATE TABLE firm_sanction_proposals (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  region_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  rating_count INTEGER NOT NULL,
  average_milli INTEGER NOT NULL,
  star_level INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'acted', 'dismissed')),
  created_at INTEGER NOT NULL,
  decided_by INTEGER REFERENCES users(id),
  decided_at INTEGER,
  decision_note TEXT
);
CREATE INDEX firm_sanction_proposals_open ON firm_sanction_proposals(status, region_code, industry_code);
CREATE INDEX firm_sanction_proposals_firm ON firm_sanction_proposals(firm_id, status);
-- at most one open proposal per firm
CREATE UNIQUE INDEX firm_sanction_proposals_one_open ON firm_sanction_proposals(firm_id) WHERE status = 'open';

-- Regulator actions, public and dated: downgrade (star level capped at
-- star_cap until `until`), suspend (until `until`) or expel (清退). The firm may
-- appeal once; the regulator decides; an upheld appeal revokes the action.
CREATE TABLE firm_sanctions (
  id INTEGER PRIMARY KEY,
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  proposal_id INTEGER REFERENCES firm_sanction_proposals(id),
  kind TEXT NOT NULL CHECK (kind IN ('downgrade', 'suspend', 'expel')),
  reason TEXT NOT NULL,
  star_cap INTEGER,
  until TEXT,
  region_code TEXT NOT NULL,
  industry_code TEXT NOT NULL,
  decided_by INTEGER NOT NULL REFERENCES users(id),
  decided_at INTEGER NOT NULL,
  appeal TEXT,
  appealed_at INTEGER,
  appeal_status TEXT CHECK (appeal_status IN ('pending', 'upheld', 'rejected')),
  appeal_decision TEXT,
  appeal_decided_by INTEGER REFERENCES users(id),
  appeal_decided_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX firm_sanctions_firm ON firm_sanctions(firm_id, decided_at);
CREATE INDEX firm_sanctions_scope ON firm_sanctions(region_code, industry_code, decided_at);
