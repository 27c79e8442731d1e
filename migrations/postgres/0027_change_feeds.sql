-- Public read API (#9): announcements, contracts and firms each have a change
-- feed sorted by modification time (ProZorro's /tenders feed is the model).
-- `modified_at` is the app clock of the last write that changed something
-- public, kept by triggers so that no write path can forget it; the feed
-- pages by (modified_at, id).
-- Keep migrations/{sqlite,postgres}/0027_change_feeds.sql in step.

-- Announcements: the row itself, its public timeline and its award.
ALTER TABLE procurements ADD COLUMN modified_at BIGINT NOT NULL DEFAULT 0;
UPDATE procurements p SET modified_at = GREATEST(
  p.updated_at, p.published_at, p.closed_at, p.opened_at,
  (SELECT MAX(e.at) FROM procurement_events e WHERE e.procurement_id = p.id),
  (SELECT MAX(GREATEST(a.awarded_at, a.final_at, a.confirmed_at)) FROM awards a WHERE a.procurement_id = p.id));
CREATE INDEX procurements_modified ON procurements(modified_at, id);
CREATE FUNCTION procurements_modified_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.modified_at := GREATEST(NEW.modified_at, NEW.updated_at, NEW.published_at, NEW.closed_at, NEW.opened_at);
  RETURN NEW;
END $$;
CREATE TRIGGER procurements_modified_row BEFORE INSERT OR UPDATE ON procurements
  FOR EACH ROW EXECUTE FUNCTION procurements_modified_row();
CREATE FUNCTION procurements_modified_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE procurements SET modified_at = NEW.at WHERE id = NEW.procurement_id AND modified_at < NEW.at;
  RETURN NULL;
END $$;
CREATE TRIGGER procurements_modified_event AFTER INSERT ON procurement_events
  FOR EACH ROW EXECUTE FUNCTION procurements_modified_event();
CREATE FUNCTION procurements_modified_award() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t BIGINT := GREATEST(NEW.awarded_at, NEW.final_at, NEW.confirmed_at);
BEGIN
  UPDATE procurements SET modified_at = t WHERE id = NEW.procurement_id AND modified_at < t;
  RETURN NULL;
END $$;
CREATE TRIGGER procurements_modified_award AFTER INSERT OR UPDATE ON awards
  FOR EACH ROW EXECUTE FUNCTION procurements_modified_award();

-- Contracts: the row, its timeline and its payments.
ALTER TABLE contracts ADD COLUMN modified_at BIGINT NOT NULL DEFAULT 0;
UPDATE contracts k SET modified_at = GREATEST(
  k.updated_at, k.created_at, k.signed_at, k.completed_at, k.terminated_at, k.lapsed_at,
  (SELECT MAX(e.at) FROM contract_events e WHERE e.contract_id = k.id),
  (SELECT MAX(y.updated_at) FROM payments y WHERE y.contract_id = k.id));
CREATE INDEX contracts_modified ON contracts(modified_at, id);
CREATE FUNCTION contracts_modified_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.modified_at := GREATEST(NEW.modified_at, NEW.updated_at, NEW.created_at, NEW.signed_at, NEW.completed_at, NEW.terminated_at, NEW.lapsed_at);
  RETURN NEW;
END $$;
CREATE TRIGGER contracts_modified_row BEFORE INSERT OR UPDATE ON contracts
  FOR EACH ROW EXECUTE FUNCTION contracts_modified_row();
CREATE FUNCTION contracts_modified_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contracts SET modified_at = NEW.at WHERE id = NEW.contract_id AND modified_at < NEW.at;
  RETURN NULL;
END $$;
CREATE TRIGGER contracts_modified_event AFTER INSERT ON contract_events
  FOR EACH ROW EXECUTE FUNCTION contracts_modified_event();
CREATE FUNCTION contracts_modified_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contracts SET modified_at = NEW.updated_at WHERE id = NEW.contract_id AND modified_at < NEW.updated_at;
  RETURN NULL;
END $$;
CREATE TRIGGER contracts_modified_payment AFTER INSERT OR UPDATE ON payments
  FOR EACH ROW EXECUTE FUNCTION contracts_modified_payment();

-- Firms: the profile, and the star level and credit grade when they change
-- (the nightly recomputation rewrites them unchanged: that is no change).
ALTER TABLE firms ADD COLUMN modified_at BIGINT NOT NULL DEFAULT 0;
UPDATE firms SET modified_at = GREATEST(updated_at, registered_at, star_computed_at, credit_computed_at);
CREATE INDEX firms_modified ON firms(modified_at, id);
CREATE FUNCTION firms_modified_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.modified_at := GREATEST(NEW.modified_at, NEW.updated_at, NEW.registered_at);
  IF TG_OP = 'UPDATE' AND (OLD.star_level IS DISTINCT FROM NEW.star_level OR OLD.credit_grade IS DISTINCT FROM NEW.credit_grade) THEN
    NEW.modified_at := GREATEST(NEW.modified_at, NEW.star_computed_at, NEW.credit_computed_at);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER firms_modified_row BEFORE INSERT OR UPDATE ON firms
  FOR EACH ROW EXECUTE FUNCTION firms_modified_row();

-- Service items: updated_at already moves with each version.
CREATE INDEX service_items_modified ON service_items(updated_at, id);
