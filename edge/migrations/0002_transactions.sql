-- Which municipality served which transaction, and the kiosk's print outcome.
-- No personal data: ids, codes, times and the outcome only.
CREATE TABLE transactions (
  transaction_id TEXT PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  municipality TEXT NOT NULL,
  forwarded_at INTEGER NOT NULL,
  outcome TEXT CHECK (outcome IN ('printed', 'print_failed'))
);
