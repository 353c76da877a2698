-- Signed ops requests already used (SHA-256 of the signed message, hex), kept until their
-- time window closes: a replay inside the window is refused.
CREATE TABLE ops_requests (
  digest TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
