-- Which certificates a municipality offers at kiosks: comma-separated kind ids
-- (docs/PROTOCOL.md, `certificate.kind`). Kinds this build does not know are ignored.
ALTER TABLE municipalities ADD COLUMN kinds TEXT NOT NULL DEFAULT 'juminhyo';
