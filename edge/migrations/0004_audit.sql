-- The audit trail: one row per request outcome, hash-chained (edge/src/core/audit.rs).
-- No personal data: ids, codes, times, outcomes, and a card only as a keyed hash.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  step TEXT NOT NULL,
  kiosk_id TEXT NOT NULL,
  municipality TEXT,
  outcome TEXT NOT NULL,
  card_tag TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_kiosk ON audit (kiosk_id, at_ms);
CREATE INDEX audit_by_municipality ON audit (municipality, at_ms);
