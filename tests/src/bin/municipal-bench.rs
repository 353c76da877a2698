//! The municipal server's own costs on one core, for `cargo xtask bench`: the SQL lookups of
//! an issuance against a seeded town, and building + signing + sealing a document. Each is
//! also given as a ratio to a baseline measured in the same run (a bare `SELECT 1`, a bare
//! P-256 signature). Prints a Markdown section.

use std::time::{Duration, Instant};

use kofu_municipal::certificates;
use kofu_municipal::db::Db;
use kofu_municipal::seed::seed_town;
use kofu_shared::MunicipalityCode;
use kofu_shared::seal::{ReplyKey, seal};
use kofu_shared::signing::{municipal_message, p256_sign, p256_signing_key};
use kofu_shared::wire::{
    Binding, CertificateChoice, CertificateKind, CertificateOptions, Document, HouseholdScope, SignedDocument,
};

fn per_op(n: u32, mut f: impl FnMut(u32)) -> Duration {
    for i in 0..n / 10 {
        f(i); // warm up
    }
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed() / n
}

fn main() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("kofu-municipal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = Db::open(dir.join("bench.sqlite").to_str().unwrap_or_default()).map_err(|e| e.to_string())?;
    let residents = seed_town(&db, "122319", "2026-11-25").map_err(|e| e.to_string())?;
    let cards: Vec<(String, String)> = db
        .query("SELECT issuer_sha256, serial FROM card_holders", &[])
        .and_then(|rows| rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?))).collect())
        .map_err(|e| e.to_string())?;
    let household = CertificateChoice {
        kind: CertificateKind::Juminhyo,
        copies: 1,
        options: CertificateOptions { scope: HouseholdScope::Household, with_relationship: true, ..Default::default() },
    };

    let select_one = per_op(20_000, |_| {
        let _ = db.count("SELECT 1");
    });
    let lookup = per_op(20_000, |i| {
        let (issuer, serial) = &cards[i as usize % cards.len()];
        if let Ok(Some(resident)) = db.resident_by_card(issuer, serial)
            && let Ok(settings) = db.settings()
        {
            let _ = certificates::build(&db, &settings, &resident, &household);
        }
    });

    let key = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only/municipal-122319.key.der"))
        .ok()
        .and_then(|der| p256_signing_key(&der).ok())
        .ok_or("municipal key")?;
    let reply = ReplyKey::generate();
    let (issuer, serial) = &cards[0];
    let resident = db.resident_by_card(issuer, serial).map_err(|e| e.to_string())?.ok_or("resident")?;
    let settings = db.settings().map_err(|e| e.to_string())?;
    let body = certificates::build(&db, &settings, &resident, &household).map_err(|e| e.to_string())?;
    let document = Document {
        version: 1,
        kind: CertificateKind::Juminhyo,
        serial: "122319-BENCH".into(),
        municipality: MunicipalityCode::parse("122319").map_err(|e| e.to_string())?,
        municipality_name: "印西市".into(),
        issued_at: 0,
        binding: Binding {
            transaction_id: "0".repeat(32),
            kiosk_id: "kiosk-bench".into(),
            challenge: vec![0; 32].into(),
            card_certificate_sha256: vec![0; 32].into(),
        },
        copies: 1,
        fee_per_copy: 200,
        body,
    };
    let bare_sign = per_op(2_000, |_| {
        let _ = p256_sign(&key, b"kofu");
    });
    let sign_and_seal = per_op(2_000, |_| {
        let bytes = serde_json::to_vec(&document).unwrap_or_default();
        let signature = p256_sign(&key, &municipal_message(&bytes)).to_vec();
        let signed = serde_json::to_vec(&SignedDocument { document: bytes.into(), signature: signature.into() })
            .unwrap_or_default();
        let _ = seal(reply.public_bytes(), document.binding.transaction_id.as_bytes(), &signed);
    });
    let _ = std::fs::remove_dir_all(&dir);

    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("## Municipal server, one core\n");
    println!(
        "Against 印西市 as seeded ({residents} residents); a 住民票 of the whole household with 続柄, \
         measured in-process (release build).\n"
    );
    println!("| what | per operation | per second per core | baseline in this run | ratio |\n|---|---|---|---|---|");
    println!(
        "| SQL lookups of an issuance (resident by card, settings, household) + body | {:.1} µs | {:.0} | `SELECT 1` {:.1} µs | {:.1}× |",
        us(lookup),
        1e6 / us(lookup),
        us(select_one),
        us(lookup) / us(select_one)
    );
    println!(
        "| document signed (P-256) and sealed (HPKE P-256/AES-128-GCM) | {:.1} µs | {:.0} | bare P-256 signature {:.1} µs | {:.1}× |\n",
        us(sign_and_seal),
        1e6 / us(sign_and_seal),
        us(bare_sign),
        us(sign_and_seal) / us(bare_sign)
    );
    Ok(())
}
