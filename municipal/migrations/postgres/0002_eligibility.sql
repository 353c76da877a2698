-- PostgreSQL dialect of sqlite/0002. Dates stay ISO text, as in SQLite, so the same
-- statements compare them.
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'resident'
  CHECK (status IN ('resident', 'moved_out', 'deceased'));
ALTER TABLE residents ADD COLUMN support_measure BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE residents ADD COLUMN card_issued_on TEXT;
ALTER TABLE residents ADD COLUMN pin_set_on TEXT;
ALTER TABLE residents ADD COLUMN moved_in_on TEXT;
