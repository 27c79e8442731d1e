-- Public read API (#9): announcements, contracts and firms each have a change
-- feed sorted by modification time (ProZorro's /tenders feed is the model).
-- `modified_at` is the app clock of the last write that changed something
-- public, kept by triggers so that no write path can forget it; the feed
-- pages by (modified_at, id).
-- Keep migrations/{sqlite,postgres}/0027_change_feeds.sql in step.

-- Announcements: the row itself, its public timeline and its award.
ALTER TABLE procurements ADD COLUMN modified_at INTEGER NOT NULL DEFAULT 0;
UPDATE procurements SET modified_at = MAX(
  updated_at, COALESCE(published_at, 0), COALESCE(closed_at, 0), COALESCE(opened_at, 0),
  COALESCE((SELECT MAX(e.at) FROM procurement_events e WHERE e.procurement_id = procurements.id), 0),
  COALESCE((SELECT MAX(MAX(a.awarded_at, COALESCE(a.final_at, 0), COALESCE(a.confirmed_at, 0))) FROM awards a WHERE a.procurement_id = procurements.id), 0));
CREATE INDEX procurements_modified ON procurements(modified_at, id);
CREATE TRIGGER procurements_modified_insert AFTER INSERT ON procurements BEGIN
  UPDATE procurements SET modified_at = MAX(NEW.modified_at, NEW.updated_at, COALESCE(NEW.published_at, 0), COALESCE(NEW.closed_at, 0), COALESCE(NEW.opened_at, 0))
  WHERE id = NEW.id;
END;
CREATE TRIGGER procurements_modified_update AFTER UPDATE OF status, title, updated_at, published_at, closed_at, opened_at, cancel_reason ON procurements BEGIN
  UPDATE procurements SET modified_at = MAX(NEW.modified_at, NEW.updated_at, COALESCE(NEW.published_at, 0), COALESCE(NEW.closed_at, 0), COALESCE(NEW.opened_at, 0))
  WHERE id = NEW.id;
END;
CREATE TRIGGER procurements_modified_event AFTER INSERT ON procurement_events BEGIN
  UPDATE procurements SET modified_at = MAX(modified_at, NEW.at) WHERE id = NEW.procurement_id;
END;
CREATE TRIGGER procurements_modified_award_insert AFTER INSERT ON awards BEGIN
  UPDATE procurements SET modified_at = MAX(modified_at, NEW.awarded_at, COALESCE(NEW.final_at, 0), COALESCE(NEW.confirmed_at, 0))
  WHERE id = NEW.procurement_id;
END;
CREATE TRIGGER procurements_modified_award_update AFTER UPDATE ON awards BEGIN
  UPDATE procurements SET modified_at = MAX(modified_at, NEW.awarded_at, COALESCE(NEW.final_at, 0), COALESCE(NEW.confirmed_at, 0))
  WHERE id = NEW.procurement_id;
END;

-- Contracts: the row, its timeline and its payments.
ALTER TABLE contracts ADD COLUMN modified_at INTEGER NOT NULL DEFAULT 0;
UPDATE contracts SET modified_at = MAX(
  updated_at, created_at, COALESCE(signed_at, 0), COALESCE(completed_at, 0), COALESCE(terminated_at, 0), COALESCE(lapsed_at, 0),
  COALESCE((SELECT MAX(e.at) FROM contract_events e WHERE e.contract_id = contracts.id), 0),
  COALESCE((SELECT MAX(y.updated_at) FROM payments y WHERE y.contract_id = contracts.id), 0));
CREATE INDEX contracts_modified ON contracts(modified_at, id);
CREATE TRIGGER contracts_modified_insert AFTER INSERT ON contracts BEGIN
  UPDATE contracts SET modified_at = MAX(NEW.modified_at, NEW.updated_at, NEW.created_at, COALESCE(NEW.signed_at, 0), COALESCE(NEW.completed_at, 0))
  WHERE id = NEW.id;
END;
CREATE TRIGGER contracts_modified_update AFTER UPDATE OF status, price_fen, updated_at, signed_at, due_at, completed_at, terminated_at, lapsed_at ON contracts BEGIN
  UPDATE contracts SET modified_at = MAX(NEW.modified_at, NEW.updated_at, COALESCE(NEW.signed_at, 0), COALESCE(NEW.completed_at, 0),
    COALESCE(NEW.terminated_at, 0), COALESCE(NEW.lapsed_at, 0))
  WHERE id = NEW.id;
END;
CREATE TRIGGER contracts_modified_event AFTER INSERT ON contract_events BEGIN
  UPDATE contracts SET modified_at = MAX(modified_at, NEW.at) WHERE id = NEW.contract_id;
END;
CREATE TRIGGER contracts_modified_payment_insert AFTER INSERT ON payments BEGIN
  UPDATE contracts SET modified_at = MAX(modified_at, NEW.updated_at) WHERE id = NEW.contract_id;
END;
CREATE TRIGGER contracts_modified_payment_update AFTER UPDATE ON payments BEGIN
  UPDATE contracts SET modified_at = MAX(modified_at, NEW.updated_at) WHERE id = NEW.contract_id;
END;

-- Firms: the profile, and the star level and credit grade when they change
-- (the nightly recomputation rewrites them unchanged: that is no change).
ALTER TABLE firms ADD COLUMN modified_at INTEGER NOT NULL DEFAULT 0;
UPDATE firms SET modified_at = MAX(updated_at, registered_at, COALESCE(star_computed_at, 0), COALESCE(credit_computed_at, 0));
CREATE INDEX firms_modified ON firms(modified_at, id);
CREATE TRIGGER firms_modified_insert AFTER INSERT ON firms BEGIN
  UPDATE firms SET modified_at = MAX(NEW.modified_at, NEW.updated_at, NEW.registered_at) WHERE id = NEW.id;
END;
CREATE TRIGGER firms_modified_update AFTER UPDATE OF name, region_code, address, legal_rep, contact_name, contact_phone, status, updated_at ON firms BEGIN
  UPDATE firms SET modified_at = MAX(NEW.modified_at, NEW.updated_at) WHERE id = NEW.id;
END;
CREATE TRIGGER firms_modified_grade AFTER UPDATE OF star_level, credit_grade ON firms
WHEN OLD.star_level IS NOT NEW.star_level OR OLD.credit_grade IS NOT NEW.credit_grade BEGIN
  UPDATE firms SET modified_at = MAX(NEW.modified_at, COALESCE(NEW.star_computed_at, 0), COALESCE(NEW.credit_computed_at, 0)) WHERE id = NEW.id;
END;

-- Service items: updated_at already moves with each version.
CREATE INDEX service_items_modified ON service_items(updated_at, id);
