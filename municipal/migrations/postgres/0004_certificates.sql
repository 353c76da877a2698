-- PostgreSQL dialect of sqlite/0004.
CREATE TABLE households (
  id BIGINT PRIMARY KEY,
  address TEXT NOT NULL,
  householder TEXT NOT NULL
);
ALTER TABLE residents ADD COLUMN household_id BIGINT REFERENCES households (id);
ALTER TABLE residents ADD COLUMN household_order INTEGER NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN honseki TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN hittousha TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN individual_number TEXT;
ALTER TABLE residents ADD COLUMN name_printable BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX residents_household ON residents (household_id, household_order);

CREATE TABLE seal_registrations (
  resident_id BIGINT PRIMARY KEY REFERENCES residents (id),
  registration_number TEXT NOT NULL,
  registered_on TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'abolished')),
  seal_svg TEXT NOT NULL
);

CREATE TABLE tax_records (
  resident_id BIGINT NOT NULL REFERENCES residents (id),
  fiscal_year INTEGER NOT NULL,
  total_income BIGINT NOT NULL,
  salary_income BIGINT NOT NULL,
  deductions BIGINT NOT NULL,
  taxable_income BIGINT NOT NULL,
  municipal_tax BIGINT NOT NULL,
  prefectural_tax BIGINT NOT NULL,
  PRIMARY KEY (resident_id, fiscal_year)
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES
  ('fee.juminhyo', '200'), ('fee.inkan', '200'), ('fee.shotoku', '200'), ('fee.kazei', '200'),
  ('print_individual_number', '0'), ('kiosk_fiscal_years', '5')
  ON CONFLICT (key) DO NOTHING;

ALTER TABLE issuances ADD COLUMN copies INTEGER NOT NULL DEFAULT 1;
ALTER TABLE issuances ADD COLUMN fee_yen INTEGER NOT NULL DEFAULT 0;
