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
    pub status: &'static str,
    pub support_measure: bool,
    /// Card issued today (Japan time, at seeding): served from tomorrow.
    pub card_new_today: bool,
}

const SERVED: (&str, bool, bool) = ("resident", false, false);

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
        status: SERVED.0,
        support_measure: SERVED.1,
        card_new_today: SERVED.2,
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
        status: SERVED.0,
        support_measure: SERVED.1,
        card_new_today: SERVED.2,
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
        status: SERVED.0,
        support_measure: SERVED.1,
        card_new_today: SERVED.2,
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-4.cert.der"),
        name: "山田 太郎",
        name_kana: "やまだ たろう",
        birth_date: "1972-07-07",
        sex: "男",
        address: "千葉県印西市木下東四丁目1番地",
        householder: "山田 太郎",
        relationship: "世帯主",
        resident_since: "2001-10-01",
        status: "moved_out",
        support_measure: false,
        card_new_today: false,
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-5.cert.der"),
        name: "鈴木 和子",
        name_kana: "すずき かずこ",
        birth_date: "1938-12-24",
        sex: "女",
        address: "千葉県印西市小林北二丁目5番地",
        householder: "鈴木 和子",
        relationship: "世帯主",
        resident_since: "1965-05-15",
        status: "deceased",
        support_measure: false,
        card_new_today: false,
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-6.cert.der"),
        name: "中村 葵",
        name_kana: "なかむら あおい",
        birth_date: "1990-09-30",
        sex: "女",
        address: "千葉県印西市牧の原一丁目8番地",
        householder: "中村 葵",
        relationship: "世帯主",
        resident_since: "2023-02-01",
        status: "resident",
        support_measure: true,
        card_new_today: false,
    },
    SeedResident {
        card_certificate: include_bytes!("../../fixtures/test-only/card-7.cert.der"),
        name: "小林 翔",
        name_kana: "こばやし しょう",
        birth_date: "2008-04-02",
        sex: "男",
        address: "千葉県印西市高花三丁目3番地",
        householder: "小林 健",
        relationship: "子",
        resident_since: "2008-04-10",
        status: "resident",
        support_measure: false,
        card_new_today: true,
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
pub fn seed_dev(db: &Db, today: &str) -> Result<(), SeedError> {
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
                "INSERT OR REPLACE INTO residents (id, name, name_kana, birth_date, sex, address, householder, relationship,
                    resident_since, status, support_measure, card_issued_on, pin_set_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    id,
                    r.name,
                    r.name_kana,
                    r.birth_date,
                    r.sex,
                    r.address,
                    r.householder,
                    r.relationship,
                    r.resident_since,
                    r.status,
                    r.support_measure,
                    if r.card_new_today { today } else { "2024-04-01" }
                ],
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
