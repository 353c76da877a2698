-- What the four certificates need (issue 5): households (世帯), 本籍・筆頭者, seal
-- registrations with their images, income and tax per fiscal year, and fees.
CREATE TABLE IF NOT EXISTS households (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  householder TEXT NOT NULL
);
ALTER TABLE residents ADD COLUMN household_id INTEGER REFERENCES households (id);
-- Position in the household register (1 = listed first, the householder).
ALTER TABLE residents ADD COLUMN household_order INTEGER NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN honseki TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN hittousha TEXT NOT NULL DEFAULT '';
-- 個人番号; printed only where the municipality's setting allows it.
ALTER TABLE residents ADD COLUMN individual_number TEXT;
-- 0 when the record holds characters (外字) the kiosk service cannot print.
ALTER TABLE residents ADD COLUMN name_printable INTEGER NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS residents_household ON residents (household_id, household_order);

CREATE TABLE IF NOT EXISTS seal_registrations (
  resident_id INTEGER PRIMARY KEY REFERENCES residents (id),
  registration_number TEXT NOT NULL,
  registered_on TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'abolished')),
  seal_svg TEXT NOT NULL
);

-- One row per resident and fiscal year (年度); the income is of the calendar year before.
CREATE TABLE IF NOT EXISTS tax_records (
  resident_id INTEGER NOT NULL REFERENCES residents (id),
  fiscal_year INTEGER NOT NULL,
  total_income INTEGER NOT NULL,
  salary_income INTEGER NOT NULL,
  deductions INTEGER NOT NULL,
  taxable_income INTEGER NOT NULL,
  municipal_tax INTEGER NOT NULL,
  prefectural_tax INTEGER NOT NULL,
  -- Fiscal years the kiosk may issue are the latest few; older ones need the counter.
  PRIMARY KEY (resident_id, fiscal_year)
);

-- Municipality settings: fee per copy per kind (yen), whether 個人番号 may be printed.
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT OR IGNORE INTO settings (key, value) VALUES
  ('fee.juminhyo', '200'), ('fee.inkan', '200'), ('fee.shotoku', '200'), ('fee.kazei', '200'),
  ('print_individual_number', '0'), ('kiosk_fiscal_years', '5');

ALTER TABLE issuances ADD COLUMN copies INTEGER NOT NULL DEFAULT 1;
ALTER TABLE issuances ADD COLUMN fee_yen INTEGER NOT NULL DEFAULT 0;
