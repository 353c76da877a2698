-- Days a municipality is closed beyond its hours (ISO dates, Japan time, comma-separated),
-- and kinds it issues on weekdays only (kind ids, comma-separated).
ALTER TABLE municipalities ADD COLUMN closed_dates TEXT NOT NULL DEFAULT '';
ALTER TABLE municipalities ADD COLUMN weekday_only_kinds TEXT NOT NULL DEFAULT '';
