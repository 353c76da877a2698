//! Fictional residents of 印西市 (122319) for dev and tests, each holding one of the
//! TEST-ONLY virtual cards. Nobody here exists.

use kofu_shared::cert::ParsedCert;
use rusqlite::params;

use crate::db::{Db, DbError};

pub struct SeedResident {
    pub card_certificate: &'static [u8],
    pub name: &'static str,
    pub name_kana: &'static str,
    pub birth_date: &'static str,
    pub sex: &'static str,
    pub address: &'static str,
    pub householder: &'static str,
    pub relationship: &'static str,
    pub resident_since: &'static str,
}

pub const INZAI: &str = "122319";

pub const RESIDENTS: &[SeedResident] = &[
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-1.cert.der"),
        name: "木下 花子",
        name_kana: "きのした はなこ",
        birth_date: "1985-04-12",
        sex: "女",
        address: "千葉県印西市大森二丁目3番地5",
        householder: "木下 花子",
        relationship: "世帯主",
        resident_since: "2012-06-01",
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-2.cert.der"),
        name: "佐藤 健一",
        name_kana: "さとう けんいち",
        birth_date: "1950-11-03",
        sex: "男",
        address: "千葉県印西市中央北一丁目7番地",
        householder: "佐藤 健一",
        relationship: "世帯主",
        resident_since: "1979-04-01",
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-3.cert.der"),
        name: "高橋 美咲",
        name_kana: "たかはし みさき",
        birth_date: "1999-02-28",
        sex: "女",
        address: "千葉県印西市原三丁目2番地1",
        householder: "高橋 誠",
        relationship: "子",
        resident_since: "1999-03-10",
    },
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("a seed card certificate does not parse")]
    Certificate,
}

/// Idempotent: replaces the seeded rows each time.
pub fn seed_dev(db: &Db) -> Result<(), SeedError> {
    let mut keyed = Vec::new();
    for r in RESIDENTS {
        let cert = ParsedCert::parse(r.card_certificate).map_err(|_| SeedError::Certificate)?;
        keyed.push((hex::encode(cert.issuer_sha256()), cert.serial_hex, r));
    }
    db.with(|c| {
        let tx = c.unchecked_transaction()?;
        for (i, (issuer, serial, r)) in keyed.iter().enumerate() {
            let id = i as i64 + 1;
            tx.execute(
                "INSERT OR REPLACE INTO residents (id, name, name_kana, birth_date, sex, address, householder, relationship, resident_since)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![id, r.name, r.name_kana, r.birth_date, r.sex, r.address, r.householder, r.relationship, r.resident_since],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO card_holders (issuer_sha256, serial, resident_id) VALUES (?1, ?2, ?3)",
                params![issuer, serial, id],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO validation_cards (issuer_sha256, serial, status, municipality) VALUES (?1, ?2, 'valid', ?3)",
                params![issuer, serial, INZAI],
            )?;
        }
        tx.commit()
    })?;
    Ok(())
}
