-- Fee per copy (yen) of each kind a municipality offers, as `kind:yen` pairs separated by
-- commas; empty: not published (the kiosk then shows the fee from the document).
ALTER TABLE municipalities ADD COLUMN fees TEXT NOT NULL DEFAULT '';
