-- What decides whether the kiosk service may serve a resident (DESIGN.md).
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'resident'
  CHECK (status IN ('resident', 'moved_out', 'deceased'));
-- DV等支援措置: never served at a kiosk, never revealed on its screen.
ALTER TABLE residents ADD COLUMN support_measure INTEGER NOT NULL DEFAULT 0;
-- ISO dates (Japan time); the service starts the day after each.
ALTER TABLE residents ADD COLUMN card_issued_on TEXT;
ALTER TABLE residents ADD COLUMN pin_set_on TEXT;
ALTER TABLE residents ADD COLUMN moved_in_on TEXT;
