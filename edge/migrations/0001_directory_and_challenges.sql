-- Directory of enrolled kiosks and connected municipalities, and single-use challenges.
-- Keys are base64url (unpadded) SEC1 or SubjectPublicKeyInfo DER.
CREATE TABLE kiosks (
  id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  operator TEXT NOT NULL DEFAULT '',
  store TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked'))
);

CREATE TABLE municipalities (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  public_key TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1
);

-- A challenge is used at most once: consumed by one conditional UPDATE.
CREATE TABLE challenges (
  nonce TEXT PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
