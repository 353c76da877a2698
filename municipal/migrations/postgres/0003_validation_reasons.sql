-- PostgreSQL dialect of sqlite/0003: PostgreSQL widens the CHECK in place.
ALTER TABLE validation_cards DROP CONSTRAINT validation_cards_status;
ALTER TABLE validation_cards ADD CONSTRAINT validation_cards_status
  CHECK (status IN ('valid', 'revoked', 'suspended'));
ALTER TABLE validation_cards ADD COLUMN active_from TEXT;
