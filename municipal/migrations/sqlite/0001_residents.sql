-- Residents (住民), the card certificates that identify them, the validation service's
-- view of cards, and the issuance register (交付記録).
CREATE TABLE IF NOT EXISTS residents (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  name_kana TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  sex TEXT NOT NULL,
  address TEXT NOT NULL,
  householder TEXT NOT NULL,
  relationship TEXT NOT NULL,
  resident_since TEXT NOT NULL
);

-- Card certificate (issuer, serial) → resident. Issuer is SHA-256 of its DER name, hex.
CREATE TABLE IF NOT EXISTS card_holders (
  issuer_sha256 TEXT NOT NULL,
  serial TEXT NOT NULL,
  resident_id INTEGER NOT NULL REFERENCES residents (id),
  PRIMARY KEY (issuer_sha256, serial)
);

-- The JPKI service centre stand-in: card status and residence municipality.
CREATE TABLE IF NOT EXISTS validation_cards (
  issuer_sha256 TEXT NOT NULL,
  serial TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
  municipality TEXT NOT NULL,
  PRIMARY KEY (issuer_sha256, serial)
);

-- One row per transaction: asking twice returns the same document, never a second entry.
CREATE TABLE IF NOT EXISTS issuances (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  transaction_id TEXT NOT NULL UNIQUE,
  request_sha256 TEXT NOT NULL,
  resident_id INTEGER NOT NULL REFERENCES residents (id),
  kind TEXT NOT NULL,
  kiosk_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  document BLOB NOT NULL,
  signature BLOB NOT NULL,
  state TEXT NOT NULL DEFAULT 'issued'
);
