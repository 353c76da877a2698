-- Center key rotations (ops API): the keys the center has signed with since the first
-- rotation. Exactly one row has no retire_at: the key that signs now. Before any rotation
-- the table is empty and CENTER_KEY signs. No secret here: pkcs8_sha256 only finds which
-- configured secret (CENTER_KEY or CENTER_KEY_NEXT) is meant.
CREATE TABLE center_keys (
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  pkcs8_sha256 TEXT NOT NULL,
  active_from INTEGER NOT NULL,
  retire_at INTEGER,
  endorsement TEXT
);
