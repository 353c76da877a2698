//! The resident records the certificates are made from. None of these types derive
//! Debug: they are personal data and must never reach a log.

use rusqlite::{OptionalExtension, Row, params};

use super::{Db, DbError};

pub struct Resident {
    pub id: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub householder: String,
    pub relationship: String,
    pub resident_since: String,
    /// `resident`, `moved_out` or `deceased`.
    pub status: String,
    pub support_measure: bool,
    pub card_issued_on: Option<String>,
    pub pin_set_on: Option<String>,
    pub moved_in_on: Option<String>,
    pub household_id: Option<i64>,
    pub household_order: u8,
    pub honseki: String,
    pub hittousha: String,
    pub individual_number: Option<String>,
    pub name_printable: bool,
}

const RESIDENT_COLUMNS: &str = "r.id, r.name, r.name_kana, r.birth_date, r.sex, r.address, r.householder,
    r.relationship, r.resident_since, r.status, r.support_measure, r.card_issued_on, r.pin_set_on, r.moved_in_on,
    r.household_id, r.household_order, r.honseki, r.hittousha, r.individual_number, r.name_printable";

fn resident(row: &Row<'_>) -> rusqlite::Result<Resident> {
    Ok(Resident {
        id: row.get(0)?,
        name: row.get(1)?,
        name_kana: row.get(2)?,
        birth_date: row.get(3)?,
        sex: row.get(4)?,
        address: row.get(5)?,
        householder: row.get(6)?,
        relationship: row.get(7)?,
        resident_since: row.get(8)?,
        status: row.get(9)?,
        support_measure: row.get(10)?,
        card_issued_on: row.get(11)?,
        pin_set_on: row.get(12)?,
        moved_in_on: row.get(13)?,
        household_id: row.get(14)?,
        household_order: row.get(15)?,
        honseki: row.get(16)?,
        hittousha: row.get(17)?,
        individual_number: row.get(18)?,
        name_printable: row.get(19)?,
    })
}

pub struct SealRegistration {
    pub registration_number: String,
    pub seal_svg: String,
}

pub struct TaxRecord {
    pub fiscal_year: u16,
    pub total_income: u64,
    pub salary_income: u64,
    pub deductions: u64,
    pub taxable_income: u64,
    pub municipal_tax: u64,
    pub prefectural_tax: u64,
}

/// The municipality's settings, read per request so a change needs no restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Yen per copy, by kind (`juminhyo`, `inkan`, `shotoku`, `kazei`).
    pub fees: Vec<(String, u32)>,
    pub print_individual_number: bool,
    /// How many of the latest fiscal years the kiosk may issue.
    pub kiosk_fiscal_years: u16,
}

impl Settings {
    pub fn fee(&self, kind: &str) -> Option<u32> {
        self.fees.iter().find(|(k, _)| k == kind).map(|(_, fee)| *fee)
    }
}

impl Db {
    pub fn resident_by_card(&self, issuer_sha256: &str, serial: &str) -> Result<Option<Resident>, DbError> {
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM card_holders h JOIN residents r ON r.id = h.resident_id
             WHERE h.issuer_sha256 = ?1 AND h.serial = ?2"
        );
        self.with(|c| c.prepare_cached(&sql)?.query_row(params![issuer_sha256, serial], resident).optional())
    }

    /// The household's current members (not those moved out or deceased), in register order.
    pub fn household_members(&self, household_id: i64) -> Result<Vec<Resident>, DbError> {
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents r
             WHERE r.household_id = ?1 AND r.status = 'resident' ORDER BY r.household_order, r.id"
        );
        self.with(|c| c.prepare_cached(&sql)?.query_map(params![household_id], resident)?.collect())
    }

    /// The resident's seal registration, if it is in force.
    pub fn active_seal(&self, resident_id: i64) -> Result<Option<SealRegistration>, DbError> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT registration_number, seal_svg FROM seal_registrations
                 WHERE resident_id = ?1 AND status = 'active'",
            )?
            .query_row(params![resident_id], |row| {
                Ok(SealRegistration { registration_number: row.get(0)?, seal_svg: row.get(1)? })
            })
            .optional()
        })
    }

    /// The fiscal years on record for a resident, newest first.
    pub fn fiscal_years(&self, resident_id: i64) -> Result<Vec<u16>, DbError> {
        self.with(|c| {
            c.prepare_cached("SELECT fiscal_year FROM tax_records WHERE resident_id = ?1 ORDER BY fiscal_year DESC")?
                .query_map(params![resident_id], |row| row.get(0))?
                .collect()
        })
    }

    pub fn tax_record(&self, resident_id: i64, fiscal_year: u16) -> Result<Option<TaxRecord>, DbError> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT fiscal_year, total_income, salary_income, deductions, taxable_income, municipal_tax,
                        prefectural_tax
                 FROM tax_records WHERE resident_id = ?1 AND fiscal_year = ?2",
            )?
            .query_row(params![resident_id, fiscal_year], |row| {
                Ok(TaxRecord {
                    fiscal_year: row.get(0)?,
                    total_income: row.get(1)?,
                    salary_income: row.get(2)?,
                    deductions: row.get(3)?,
                    taxable_income: row.get(4)?,
                    municipal_tax: row.get(5)?,
                    prefectural_tax: row.get(6)?,
                })
            })
            .optional()
        })
    }

    pub fn settings(&self) -> Result<Settings, DbError> {
        let rows: Vec<(String, String)> = self.with(|c| {
            c.prepare_cached("SELECT key, value FROM settings")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })?;
        let mut settings = Settings { fees: Vec::new(), print_individual_number: false, kiosk_fiscal_years: 5 };
        for (key, value) in rows {
            if let Some(kind) = key.strip_prefix("fee.") {
                if let Ok(fee) = value.parse() {
                    settings.fees.push((kind.to_owned(), fee));
                }
            } else if key == "print_individual_number" {
                settings.print_individual_number = value == "1";
            } else if key == "kiosk_fiscal_years" {
                settings.kiosk_fiscal_years = value.parse().unwrap_or(5);
            }
        }
        Ok(settings)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), DbError> {
        self.with(|c| {
            c.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", params![key, value]).map(drop)
        })
    }
}
