//! Fictional towns for dev and tests: 印西市 (122319) and 千代田区 (131016). Each gets a
//! generated population and the residents who hold the TEST-ONLY virtual cards, whom
//! tests rely on by name. Nobody here exists.

mod generate;
mod holders;
mod names;

use crate::db::engine::params;
use crate::db::{Db, DbError, Engine};
pub use generate::individual_number;
pub use holders::{CARD_HOLDERS, CardHousehold};
use kofu_shared::x509::ParsedCert;

pub struct Town {
    pub code: &'static str,
    pub name: &'static str,
    pub address_prefix: &'static str,
    pub areas: &'static [&'static str],
}

pub const INZAI: &str = "122319";
pub const CHIYODA: &str = "131016";

pub const INZAI_TOWN: Town = Town {
    code: INZAI,
    name: "印西市",
    address_prefix: "千葉県印西市",
    areas: &["大森", "中央北一丁目", "原三丁目", "木下", "小林", "牧の原二丁目", "高花四丁目", "竹袋", "船尾", "草深"],
};

pub const CHIYODA_TOWN: Town = Town {
    code: CHIYODA,
    name: "千代田区",
    address_prefix: "東京都千代田区",
    areas: &[
        "神田神保町二丁目",
        "麹町三丁目",
        "九段北一丁目",
        "一番町",
        "富士見二丁目",
        "飯田橋一丁目",
        "神田駿河台四丁目",
        "外神田三丁目",
    ],
};

pub fn town(code: &str) -> Option<&'static Town> {
    [&INZAI_TOWN, &CHIYODA_TOWN].into_iter().find(|t| t.code == code)
}

/// One person to seed. Owned strings: most are generated.
pub struct Person {
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub relationship: &'static str,
    pub resident_since: String,
    pub honseki: String,
    pub hittousha: String,
    pub individual_number: String,
    pub status: &'static str,
    pub support_measure: bool,
    pub name_printable: bool,
    /// Card issued today (Japan time, at seeding): served from tomorrow.
    pub card_new_today: bool,
    pub seal: bool,
    /// Yearly pay or pension (yen) behind the tax records; `None`: no records.
    pub income: Option<u64>,
    /// A TEST-ONLY virtual card's certificate; generated people get a made-up serial.
    pub card: Option<&'static [u8]>,
    pub card_serial: String,
}

pub struct Household {
    pub address: String,
    pub householder: String,
    pub members: Vec<Person>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("a seed card certificate does not parse")]
    Certificate,
    #[error("no seed town has code {0}")]
    UnknownTown(String),
}

/// Households generated per town beside the card holders'.
pub const GENERATED_HOUSEHOLDS: usize = 150;

/// Every person seeded for `code`: the card holders' households, then the generated town.
pub fn population(code: &str, this_year: i32) -> Result<Vec<Household>, SeedError> {
    let town = town(code).ok_or_else(|| SeedError::UnknownTown(code.to_owned()))?;
    let mut households: Vec<Household> =
        CARD_HOLDERS.iter().filter(|h| h.municipality == code).map(|h| h.household()).collect();
    households.extend(generate::town(town, GENERATED_HOUSEHOLDS, this_year));
    Ok(households)
}

/// Replaces everything seeded before: the town's residents, households, seals, tax
/// records and settings, and the validation stand-in's view of every seed card (both
/// towns, so one validation service answers for all). `today` is the ISO date in Japan.
pub fn seed_town(db: &Db, code: &str, today: &str) -> Result<usize, SeedError> {
    let this_year: i32 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let households = population(code, this_year)?;
    let issuer = ParsedCert::parse(CARD_HOLDERS[0].members[0].card.unwrap_or_default())
        .map_err(|_| SeedError::Certificate)?
        .issuer_sha256();
    let issuer = hex::encode(issuer);
    let latest_year = latest_fiscal_year(today);
    let mut count = 0;
    db.transaction(|tx| {
        for table in ["issuances", "tax_records", "seal_registrations", "card_holders", "residents", "households"] {
            tx.execute(&format!("DELETE FROM {table}"), &[])?;
        }
        for (h, household) in households.iter().enumerate() {
            let household_id = h as i64 + 1;
            tx.execute(
                "INSERT INTO households (id, address, householder) VALUES (?1, ?2, ?3)",
                params![household_id, &household.address, &household.householder],
            )?;
            for (m, person) in household.members.iter().enumerate() {
                count += 1;
                insert_person(tx, count as i64, household_id, m + 1, household, person, today, latest_year)?;
                let serial = match person.card {
                    Some(der) => ParsedCert::parse(der).map(|c| c.serial_hex).unwrap_or_default(),
                    // Family members of card holders have no card in the seed.
                    None if person.card_serial.is_empty() => continue,
                    None => person.card_serial.clone(),
                };
                tx.execute(
                    "INSERT INTO card_holders (issuer_sha256, serial, resident_id) VALUES (?1, ?2, ?3)",
                    params![&issuer, &serial, count as i64],
                )?;
                if person.card.is_none() {
                    tx.execute(VALID_CARD, params![&issuer, &serial, code])?;
                }
            }
        }
        for holder in CARD_HOLDERS {
            for person in holder.members.iter().filter(|p| p.card.is_some()) {
                let serial = person.card.and_then(|der| ParsedCert::parse(der).ok()).map(|c| c.serial_hex);
                tx.execute(VALID_CARD, params![&issuer, &serial.unwrap_or_default(), holder.municipality])?;
            }
        }
        Ok::<_, SeedError>(())
    })?;
    Ok(count)
}

/// A seed card is valid and lives in `?3` (replacing any earlier state of it).
const VALID_CARD: &str =
    "INSERT INTO validation_cards (issuer_sha256, serial, status, municipality) VALUES (?1, ?2, 'valid', ?3)
    ON CONFLICT (issuer_sha256, serial)
    DO UPDATE SET status = excluded.status, municipality = excluded.municipality, active_from = NULL";

/// The newest fiscal year (年度) with tax records: a year's records exist from June.
pub fn latest_fiscal_year(today: &str) -> u16 {
    let year: u16 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let month: u8 = today.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    if month >= 6 { year } else { year - 1 }
}

#[allow(clippy::too_many_arguments)]
fn insert_person(
    tx: &mut Engine,
    id: i64,
    household_id: i64,
    order: usize,
    household: &Household,
    p: &Person,
    today: &str,
    latest_year: u16,
) -> Result<(), DbError> {
    let card_date = if p.card_new_today { today } else { "2024-04-01" };
    tx.execute(
        "INSERT INTO residents (id, name, name_kana, birth_date, sex, address, householder, relationship,
            resident_since, status, support_measure, card_issued_on, pin_set_on, household_id, household_order,
            honseki, hittousha, individual_number, name_printable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            id,
            &p.name,
            &p.name_kana,
            &p.birth_date,
            p.sex,
            &household.address,
            &household.householder,
            p.relationship,
            &p.resident_since,
            p.status,
            p.support_measure,
            card_date,
            household_id,
            order as i64,
            &p.honseki,
            &p.hittousha,
            &p.individual_number,
            p.name_printable
        ],
    )?;
    if p.seal {
        let family = p.name.split(' ').next().unwrap_or(&p.name);
        tx.execute(
            "INSERT INTO seal_registrations (resident_id, registration_number, registered_on, status, seal_svg)
             VALUES (?1, ?2, '2015-04-01', 'active', ?3)",
            params![id, &format!("第{:06}号", id * 7 + 1000), &seal_svg(family)],
        )?;
    }
    if let Some(income) = p.income {
        for (i, year) in (latest_year - 6..=latest_year).enumerate() {
            // Pay drifts a little from year to year.
            let gross = income + (i as u64 * 37_000) % 150_000;
            let record = tax_record(gross);
            tx.execute(
                "INSERT INTO tax_records (resident_id, fiscal_year, total_income, salary_income, deductions,
                    taxable_income, municipal_tax, prefectural_tax)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id, year, record[0], record[1], record[2], record[3], record[4], record[5]],
            )?;
        }
    }
    Ok(())
}

/// A simplified 住民税 for fictional pay: [total income, salary income, deductions,
/// taxable income, municipal tax, prefectural tax]. 非課税 at 合計所得 ≤ 450,000 yen.
fn tax_record(gross: u64) -> [i64; 6] {
    let salary_income = gross.saturating_sub(550_000.max(gross * 3 / 10));
    let total = salary_income;
    let deductions = 430_000 + gross * 15 / 100;
    let taxable = total.saturating_sub(deductions) / 1000 * 1000;
    let (municipal, prefectural) = if total <= 450_000 {
        (0, 0)
    } else {
        (taxable * 6 / 100 / 100 * 100 + 3500, taxable * 4 / 100 / 100 * 100 + 1500)
    };
    [total, salary_income, deductions, taxable, municipal, prefectural].map(|v| v as i64)
}

/// A round red seal impression with the family name written top to bottom.
fn seal_svg(family: &str) -> String {
    let chars: Vec<char> = family.chars().take(3).collect();
    let size = if chars.len() >= 3 { 18 } else { 24 };
    let mut text = String::new();
    for (i, c) in chars.iter().enumerate() {
        let y = 50 - (chars.len() as i32 - 1) * size / 2 + i as i32 * size + size / 3;
        text.push_str(&format!(r#"<text x="50" y="{y}" font-size="{size}" text-anchor="middle">{c}</text>"#));
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="44" fill="none" stroke="#c8102e" stroke-width="5"/><g fill="#c8102e" font-family="serif" font-weight="bold">{text}</g></svg>"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_turn_in_june() {
        assert_eq!(latest_fiscal_year("2026-05-31"), 2025);
        assert_eq!(latest_fiscal_year("2026-06-01"), 2026);
    }

    #[test]
    fn low_income_is_not_taxed_and_tax_grows_with_pay() {
        assert_eq!(tax_record(1_000_000)[4..], [0, 0]);
        let middle = tax_record(4_000_000);
        let high = tax_record(8_000_000);
        assert!(middle[4] > 0 && high[4] > middle[4] && high[5] > middle[5]);
    }
}
