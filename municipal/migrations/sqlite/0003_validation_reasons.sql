-- The validation stand-in also knows suspended cards (一時停止, e.g. reported lost) and
-- certificates not usable before a date. SQLite cannot widen a CHECK in place: rebuild.
CREATE TABLE validation_cards_v3 (
  issuer_sha256 TEXT NOT NULL,
  serial TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'suspended')),
  municipality TEXT NOT NULL,
  -- ISO date (Japan time) from which the card may be used; NULL: already.
  active_from TEXT,
  PRIMARY KEY (issuer_sha256, serial)
);
INSERT INTO validation_cards_v3 (issuer_sha256, serial, status, municipality)
  SELECT issuer_sha256, serial, status, municipality FROM validation_cards;
DROP TABLE validation_cards;
ALTER TABLE validation_cards_v3 RENAME TO validation_cards;
