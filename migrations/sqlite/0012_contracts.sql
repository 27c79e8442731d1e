-- Contracts (网上签约), payment (网上支付), service execution, urging (催办).
-- Keep migrations/postgres/0012_contracts.sql in step.
--
-- The foundation's contracts table allowed one contract per procurement and no
-- 'completed' / 'lapsed' states; SQLite cannot drop those constraints, so the
-- table is copied out, dropped, recreated with the same columns and copied back
-- inside the migration's transaction. Foreign keys are checked at commit
-- (defer_foreign_keys): copying the rows back satisfies the ratings that point
-- at them. 'paid' (the foundation's last state) becomes 'completed'.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE contracts_rebuild (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  owner_id INTEGER NOT NULL REFERENCES owners(id),
  price_fen INTEGER NOT NULL CHECK (price_fen > 0),
  status TEXT NOT NULL CHECK (status IN ('drafted', 'signed', 'delivered', 'accepted', 'completed', 'lapsed', 'terminated')),
  created_at INTEGER NOT NULL,
  signed_at INTEGER,
  due_at INTEGER,
  delivered_at INTEGER,
  accepted_at INTEGER,
  paid_at INTEGER
);
INSERT INTO contracts_rebuild (id, procurement_id, firm_id, owner_id, price_fen, status, created_at, signed_at, due_at, delivered_at, accepted_at, paid_at)
  SELECT id, procurement_id, firm_id, owner_id, price_fen, CASE status WHEN 'paid' THEN 'completed' ELSE status END,
         created_at, signed_at, due_at, delivered_at, accepted_at, paid_at FROM contracts;
DROP TABLE contracts;
CREATE TABLE contracts (
  id INTEGER PRIMARY KEY,
  procurement_id INTEGER NOT NULL REFERENCES procurements(id),
  firm_id INTEGER NOT NULL REFERENCES firms(id),
  owner_id INTEGER NOT NULL REFERENCES owners(id),
  price_fen INTEGER NOT NULL CHECK (price_fen > 0),
  status TEXT NOT NULL CHECK (status IN ('drafted', 'signed', 'delivered', 'accepted', 'completed', 'lapsed', 'terminated')),
  created_at INTEGER NOT NULL,
  signed_at INTEGER,
  due_at INTEGER,
  delivered_at INTEGER,
  accepted_at INTEGER,
  paid_at INTEGER
);
INSERT INTO contracts SELECT * FROM contracts_rebuild;
DROP TABLE contracts_rebuild;
CREATE INDEX contracts_firm ON contracts(firm_id);
CREATE INDEX contracts_status ON contracts(status);

-- What a contract is now: its number, its rank in the award's candidate list,
-- the current text version, and the time limits of #5.
ALTER TABLE contracts ADD COLUMN code TEXT;
ALTER TABLE contracts ADD COLUMN rank INTEGER NOT NULL DEFAULT 1;
-- The version in force (0: a record from before electronic signing, no text).
ALTER TABLE contracts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN sign_due_at INTEGER;
ALTER TABLE contracts ADD COLUMN lapsed_at INTEGER;
ALTER TABLE contracts ADD COLUMN accept_due_at INTEGER;
ALTER TABLE contracts ADD COLUMN completed_at INTEGER;
ALTER TABLE contracts ADD COLUMN terminated_at INTEGER;
ALTER TABLE contracts ADD COLUMN termination_reason TEXT;
ALTER TABLE contracts ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE contracts SET code = (SELECT p.code FROM procurements p WHERE p.id = contracts.procurement_id) || '-HT1', updated_at = created_at;
UPDATE contracts SET completed_at = paid_at WHERE status = 'completed';
CREATE UNIQUE INDEX contracts_code ON contracts(code);
CREATE INDEX contracts_procurement ON contracts(procurement_id);
CREATE INDEX contracts_owner ON contracts(owner_id, status);
-- At most one live contract per procurement (a lapsed one makes room for the next-ranked firm's).
CREATE UNIQUE INDEX contracts_live ON contracts(procurement_id) WHERE status NOT IN ('lapsed', 'terminated');
CREATE INDEX contracts_sign_due ON contracts(status, sign_due_at);

-- Every text version: the structured terms (JSON of domain::contract::Terms), the
-- canonical text rendered from them and its SHA-256. Version 1 is generated from
-- the award; before signing each amendment adds a version; after signing an
-- accepted amendment (contract_amendments) adds one.
CREATE TABLE contract_versions (
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  version INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('generated', 'amendment', 'change', 'extension')),
  terms TEXT NOT NULL,
  text TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  party TEXT NOT NULL CHECK (party IN ('system', 'owner', 'firm')),
  proposed_by INTEGER REFERENCES users(id),
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (contract_id, version)
);

-- Signatures: who confirmed which text (its hash), when. A newer version voids
-- the signatures of older ones (void_at).
CREATE TABLE contract_signatures (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  version INTEGER NOT NULL,
  party TEXT NOT NULL CHECK (party IN ('owner', 'firm')),
  user_id INTEGER NOT NULL REFERENCES users(id),
  sha256 TEXT NOT NULL,
  signed_at INTEGER NOT NULL,
  void_at INTEGER
);
CREATE INDEX contract_signatures_contract ON contract_signatures(contract_id, version);

-- Amendments after signing (changes, extensions of the service end date): the
-- proposer signs the proposed text, the other party accepts (signs) or refuses.
CREATE TABLE contract_amendments (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  kind TEXT NOT NULL CHECK (kind IN ('change', 'extension')),
  base_version INTEGER NOT NULL,
  terms TEXT NOT NULL,
  text TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  reason TEXT NOT NULL,
  party TEXT NOT NULL CHECK (party IN ('owner', 'firm')),
  proposed_by INTEGER NOT NULL REFERENCES users(id),
  proposed_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'refused', 'withdrawn')),
  decided_by INTEGER REFERENCES users(id),
  decided_at INTEGER,
  decision_reason TEXT,
  result_version INTEGER
);
CREATE INDEX contract_amendments_contract ON contract_amendments(contract_id, status);

-- Installments (分期) from the payment terms of the version in force; amounts
-- always sum to the contract price. due_at is set once the condition is met.
CREATE TABLE contract_installments (
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  seq INTEGER NOT NULL,
  label TEXT NOT NULL,
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  condition TEXT NOT NULL,
  due_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('waiting', 'due', 'paid')),
  paid_at INTEGER,
  PRIMARY KEY (contract_id, seq)
);
CREATE INDEX contract_installments_due ON contract_installments(status, due_at);

-- Payments: online (through a payment provider) or offline (fiscal funds,
-- recorded by the owner and confirmed by the firm).
CREATE TABLE payments (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  seq INTEGER NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('online', 'offline')),
  provider TEXT,
  order_no TEXT NOT NULL UNIQUE,
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  status TEXT NOT NULL CHECK (status IN ('created', 'pending', 'paid', 'failed', 'closed', 'refunded')),
  provider_txn TEXT,
  voucher_no TEXT,
  paid_on TEXT,
  file_id INTEGER REFERENCES files(id),
  recorded_by INTEGER REFERENCES users(id),
  confirmed_by INTEGER REFERENCES users(id),
  confirmed_at INTEGER,
  paid_at INTEGER,
  refund_reason TEXT,
  refunded_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX payments_contract ON payments(contract_id, seq);
CREATE INDEX payments_status ON payments(status, updated_at);

-- Every callback a provider sent, with what it did: applied, duplicate (already
-- applied: nothing changed), forged (bad signature: nothing changed), rejected.
CREATE TABLE payment_callbacks (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  notify_id TEXT NOT NULL,
  order_no TEXT NOT NULL,
  body TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'forged', 'rejected')),
  detail TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL
);
CREATE INDEX payment_callbacks_order ON payment_callbacks(order_no, received_at);
CREATE UNIQUE INDEX payment_callbacks_applied ON payment_callbacks(provider, notify_id) WHERE outcome = 'applied';

-- The sandbox payment gateway's own books (it behaves like an external gateway:
-- the platform sees them only through the provider interface).
CREATE TABLE sandbox_gateway_orders (
  order_no TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  notify_url TEXT NOT NULL,
  return_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('unpaid', 'paid', 'closed', 'refunded')),
  txn_id TEXT,
  refunded_fen INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  paid_at INTEGER
);
CREATE INDEX sandbox_gateway_orders_open ON sandbox_gateway_orders(status, created_at);
-- Its outbox of asynchronous notifications, retried until acknowledged.
CREATE TABLE sandbox_gateway_notifications (
  id INTEGER PRIMARY KEY,
  order_no TEXT NOT NULL,
  notify_id TEXT NOT NULL,
  body TEXT NOT NULL,
  signature TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX sandbox_gateway_notifications_due ON sandbox_gateway_notifications(delivered_at, next_at);

-- Milestones (节点) from the terms: the firm reports one done, the owner confirms.
CREATE TABLE contract_milestones (
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  due_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('open', 'reported', 'done')),
  reported_at INTEGER,
  done_at INTEGER,
  PRIMARY KEY (contract_id, seq)
);

-- The message thread between the two parties.
CREATE TABLE contract_messages (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  party TEXT NOT NULL CHECK (party IN ('owner', 'firm')),
  author_id INTEGER NOT NULL REFERENCES users(id),
  body TEXT NOT NULL,
  file_id INTEGER REFERENCES files(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX contract_messages_contract ON contract_messages(contract_id, id);

-- Urges (催办): by a party (by_user) or by the system as a time limit approaches
-- ('approaching') and when it passes ('overdue'); one automatic urge per subject and kind.
CREATE TABLE urges (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  target TEXT NOT NULL CHECK (target IN ('owner', 'firm')),
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  by_user INTEGER REFERENCES users(id),
  auto_kind TEXT CHECK (auto_kind IN ('approaching', 'overdue')),
  created_at INTEGER NOT NULL,
  seen_at INTEGER
);
CREATE INDEX urges_contract ON urges(contract_id, created_at);
CREATE UNIQUE INDEX urges_automatic ON urges(contract_id, subject, auto_kind) WHERE by_user IS NULL;

-- Deliveries (成果提交): each round is a version of the results; the owner accepts
-- (验收) or rejects with reasons; a rejection reopens delivery.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  round INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  submitted_by INTEGER NOT NULL REFERENCES users(id),
  submitted_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected')),
  decided_by INTEGER REFERENCES users(id),
  decided_at INTEGER,
  reason TEXT,
  UNIQUE (contract_id, round)
);
CREATE TABLE delivery_files (
  delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
  file_id INTEGER NOT NULL REFERENCES files(id),
  PRIMARY KEY (delivery_id, file_id)
);

-- The contract's timeline (like procurement_events).
CREATE TABLE contract_events (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor_id INTEGER REFERENCES users(id),
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contract_events_contract ON contract_events(contract_id, at);
