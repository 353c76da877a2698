//! Helpers shared by the municipal integration tests.
#![allow(dead_code)]

pub mod http;

use futures_executor::block_on;
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{Jpki, Pin};
use kofu_municipal::db::Db;
use kofu_municipal::seed::seed_town;
use kofu_municipal::{CenterKey, Municipality};
use kofu_shared::MunicipalityCode;
use kofu_shared::seal::ReplyKey;
use kofu_shared::signing::*;
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;

/// 2026-11-25 12:00 JST: the dev seed's "today" in these tests.
pub const NOW: u64 = 1_795_575_600_000;

pub const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only/");

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIX}{name}")).unwrap()
}

pub fn setup() -> (Municipality, Db, Scratch) {
    let (db, scratch) = scratch_db();
    seed_town(&db, "122319", &kofu_municipal::eligibility::jst_date(NOW)).unwrap();
    let m = Municipality {
        code: MunicipalityCode::parse("122319").unwrap(),
        name: "印西市".into(),
        signing_key: p256_signing_key(&fixture("municipal-122319.key.der")).unwrap(),
        center_keys: vec![CenterKey { key: p256_public_key(&fixture("center.pub.der")).unwrap(), until_ms: None }],
        followed: Default::default(),
    };
    (m, db, scratch)
}

/// What the center sends for `card` asking a 住民票, signed with `center_key`.
pub fn forward(card: &str, center_key: &str, transaction_id: &str) -> (IssueRequest, Vec<u8>) {
    forward_choice(card, center_key, transaction_id, CertificateChoice::new(CertificateKind::Juminhyo, 1))
}

pub fn forward_choice(
    card: &str,
    center_key: &str,
    transaction_id: &str,
    choice: CertificateChoice,
) -> (IssueRequest, Vec<u8>) {
    let reply_key = ReplyKey::derive_for_tests(transaction_id.as_bytes());
    forward_with_key(card, center_key, transaction_id, &reply_key, choice, Purpose::Issue)
}

pub fn forward_household_list(card: &str, transaction_id: &str) -> (IssueRequest, Vec<u8>) {
    let reply_key = ReplyKey::derive_for_tests(transaction_id.as_bytes());
    let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
    forward_with_key(card, "center.key.der", transaction_id, &reply_key, choice, Purpose::HouseholdList)
}

pub fn forward_with_key(
    card: &str,
    center_key: &str,
    transaction_id: &str,
    reply_key: &ReplyKey,
    choice: CertificateChoice,
    purpose: Purpose,
) -> (IssueRequest, Vec<u8>) {
    block_on(async {
        let vc = VirtualCard::new(&fixture(&format!("{card}.key.der")), &fixture(&format!("{card}.cert.der")), b"1234")
            .unwrap();
        let mut jpki = Jpki::new(vc);
        jpki.select_jpki().await.unwrap();
        let certificate = jpki.read_auth_certificate().await.unwrap();
        jpki.pin_state().await.unwrap();
        jpki.verify_pin(&Pin::parse("1234").unwrap()).await.unwrap();
        let request = IssueRequest {
            version: 1,
            transaction_id: transaction_id.into(),
            kiosk_id: "kiosk-dev-001".into(),
            challenge: vec![9u8; 32].into(),
            certificate: choice,
            card_certificate: certificate.clone().into(),
            reply_key: reply_key.public_bytes().to_vec().into(),
            created_at: 0,
            purpose,
        };
        let request_bytes = serde_json::to_vec(&request).unwrap();
        let card_signature = jpki.sign_digest_info(&card_digest_info(&request_bytes)).await.unwrap();
        let forward = Forward {
            version: 1,
            request: request_bytes.into(),
            card_signature: card_signature.into(),
            municipality: MunicipalityCode::parse("122319").unwrap(),
            card_serial: ParsedCert::parse(&certificate).unwrap().serial_hex,
            verified_at: 1,
        };
        let forward_bytes = serde_json::to_vec(&forward).unwrap();
        let key = p256_signing_key(&fixture(center_key)).unwrap();
        let attestation = p256_sign(&key, &center_message(&forward_bytes)).to_vec();
        let envelope = ForwardEnvelope { forward: forward_bytes.into(), attestation: attestation.into() };
        (request, serde_json::to_vec(&envelope).unwrap())
    })
}

/// What the center sends when `kiosk_id` reports `outcome` for `transaction_id`, signed with `center_key`.
pub fn outcome_forward(center_key: &str, transaction_id: &str, kiosk_id: &str, outcome: PrintOutcome) -> Vec<u8> {
    let report = OutcomeReport {
        version: 1,
        transaction_id: transaction_id.into(),
        kiosk_id: kiosk_id.into(),
        document_serial: String::new(),
        outcome,
        reported_at: 0,
    };
    let forward = OutcomeForward {
        version: 1,
        report: serde_json::to_vec(&report).unwrap().into(),
        kiosk_signature: vec![0; 64].into(),
        municipality: MunicipalityCode::parse("122319").unwrap(),
        verified_at: 0,
    };
    let forward = serde_json::to_vec(&forward).unwrap();
    let key = p256_signing_key(&fixture(center_key)).unwrap();
    let attestation = p256_sign(&key, &center_outcome_message(&forward)).to_vec();
    serde_json::to_vec(&ForwardEnvelope { forward: forward.into(), attestation: attestation.into() }).unwrap()
}

/// Where a test's database lives; removed on drop.
pub enum Scratch {
    Sqlite(tempdir::Dir),
    Postgres { server: String, database: String },
}

/// The PostgreSQL server the municipal tests run against instead of SQLite: a base URL
/// without a database, e.g. `postgres://postgres@127.0.0.1:18796` (`cargo xtask test`
/// starts a throwaway one and runs these tests once on each engine).
const POSTGRES_ENV: &str = "KOFU_TEST_POSTGRES";

/// A fresh, migrated database for one test.
pub fn scratch_db() -> (Db, Scratch) {
    let scratch = Scratch::new();
    (Db::open(&scratch.location()).unwrap(), scratch)
}

impl Scratch {
    /// An empty database, not yet opened (nor migrated).
    pub fn new() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) => {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let database = format!("kofu_test_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
                let mut admin = postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={server}: {e}"));
                admin.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
                Scratch::Postgres { server, database }
            }
            Err(_) => Scratch::Sqlite(tempdir::Dir::new()),
        }
    }
}

impl Scratch {
    /// What `Db::open` takes to open this database again.
    pub fn location(&self) -> String {
        match self {
            Scratch::Sqlite(dir) => dir.path("m.sqlite").display().to_string(),
            Scratch::Postgres { server, database } => format!("{server}/{database}"),
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Scratch::Sqlite(_) => "sqlite",
            Scratch::Postgres { .. } => "postgresql",
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Postgres { server, database } = self
            && let Ok(mut admin) = postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
        }
    }
}

/// A temporary folder removed on drop (std only).
pub mod tempdir {
    use std::path::PathBuf;
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new() -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "kofu-municipal-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
