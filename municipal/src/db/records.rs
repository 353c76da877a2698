//! The resident records the certificates are made from. None of these types derive
//! Debug: they are personal data and must never reach a log.

use super::engine::{Row, params};
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

fn resident(row: &Row) -> Result<Resident, DbError> {
    Ok(Resident {
        id: row.int(0)?,
        name: row.text(1)?,
        name_kana: row.text(2)?,
        birth_date: row.text(3)?,
        sex: row.text(4)?,
        address: row.text(5)?,
        householder: row.text(6)?,
        relationship: row.text(7)?,
        resident_since: row.text(8)?,
        status: row.text(9)?,
        support_measure: row.flag(10)?,
        card_issued_on: row.opt_text(11)?,
        pin_set_on: row.opt_text(12)?,
        moved_in_on: row.opt_text(13)?,
        household_id: row.opt_int(14)?,
        household_order: row.num(15)?,
        honseki: row.text(16)?,
        hittousha: row.text(17)?,
        individual_number: row.opt_text(18)?,
        name_printable: row.flag(19)?,
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
        self.query_row(&sql, params![issuer_sha256, serial])?.as_ref().map(resident).transpose()
    }

    /// The household's current members (not those moved out or deceased), in register order.
    pub fn household_members(&self, household_id: i64) -> Result<Vec<Resident>, DbError> {
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents r
             WHERE r.household_id = ?1 AND r.status = 'resident' ORDER BY r.household_order, r.id"
        );
        self.query(&sql, params![household_id])?.iter().map(resident).collect()
    }

    /// The resident's seal registration, if it is in force.
    pub fn active_seal(&self, resident_id: i64) -> Result<Option<SealRegistration>, DbError> {
        self.query_row(
            "SELECT registration_number, seal_svg FROM seal_registrations WHERE resident_id = ?1 AND status = 'active'",
            params![resident_id],
        )?
        .map(|row| Ok(SealRegistration { registration_number: row.text(0)?, seal_svg: row.text(1)? }))
        .transpose()
    }

    /// The fiscal years on record for a resident, newest first.
    pub fn fiscal_years(&self, resident_id: i64) -> Result<Vec<u16>, DbError> {
        self.query(
            "SELECT fiscal_year FROM tax_records WHERE resident_id = ?1 ORDER BY fiscal_year DESC",
            params![resident_id],
        )?
        .iter()
        .map(|row| row.num(0))
        .collect()
    }

    pub fn tax_record(&self, resident_id: i64, fiscal_year: u16) -> Result<Option<TaxRecord>, DbError> {
        self.query_row(
            "SELECT fiscal_year, total_income, salary_income, deductions, taxable_income, municipal_tax,
                    prefectural_tax
             FROM tax_records WHERE resident_id = ?1 AND fiscal_year = ?2",
            params![resident_id, fiscal_year],
        )?
        .map(|row| {
            Ok(TaxRecord {
                fiscal_year: row.num(0)?,
                total_income: row.num(1)?,
                salary_income: row.num(2)?,
                deductions: row.num(3)?,
                taxable_income: row.num(4)?,
                municipal_tax: row.num(5)?,
                prefectural_tax: row.num(6)?,
            })
        })
        .transpose()
    }

    pub fn settings(&self) -> Result<Settings, DbError> {
        let rows = self.query("SELECT key, value FROM settings", &[])?;
        let mut settings = Settings { fees: Vec::new(), print_individual_number: false, kiosk_fiscal_years: 5 };
        for row in rows {
            let (key, value) = (row.text(0)?, row.text(1)?);
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
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )
        .map(drop)
    }
}
