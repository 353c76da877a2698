-- Service hours in Japan time, per municipality (DESIGN.md defaults: 6:30–23:00,
-- closed 29 Dec – 3 Jan). Minutes after midnight; close is exclusive (1440 = midnight).
ALTER TABLE municipalities ADD COLUMN open_minute INTEGER NOT NULL DEFAULT 390;
ALTER TABLE municipalities ADD COLUMN close_minute INTEGER NOT NULL DEFAULT 1380;
ALTER TABLE municipalities ADD COLUMN year_end_closed INTEGER NOT NULL DEFAULT 1;
