//! docs/PROTOCOL.md's ops API field tables (those marked `fields edge/tests/protocol_fields.rs`)
//! name exactly the fields the edge reads and answers, and say rightly which a request may
//! leave out: requests are checked through the very functions the routes call.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::KioskEnrollment;
use kofu_edge::core::center_key::{MIN_OVERLAP_MS, Rotated, rotate_center_key};
use kofu_edge::core::inspection::{Counts, InspectionReport};
use kofu_edge::core::ops::{AuditVerification, ExportedRecord, register_municipality};
use kofu_edge::core::verify::RustCrypto;
use kofu_shared::Bytes;
use kofu_shared::doc_check::fields::{self as doc_fields, Table};
use serde_json::{Value, json};

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const CHECKER: &str = "edge/tests/protocol_fields.rs";

const KNOWN: &[&str] = &[
    "AuditVerification",
    "ExportedRecord",
    "InspectionReport",
    "Counts",
    "KioskEnrollment",
    "municipality registration",
    "center key rotation",
    "Rotated",
];

/// An answer the edge only writes: its names, and every field always sent.
fn answer(table: &Table, sample: impl serde::Serialize) -> Vec<String> {
    let mut problems = doc_fields::check_names(table, &serde_json::to_value(sample).unwrap());
    for row in table.rows.iter().filter(|r| !r.required) {
        problems.push(format!("{}: `{}` is always sent, so required `yes`", table.id, row.name));
    }
    problems
}

fn counts() -> Counts {
    Counts { issued: 1, printed: 1, print_failed: 0, refused: [("card_revoked".to_owned(), 1)].into() }
}

fn registration() -> Value {
    json!({
        "code": "122319", "name": "印西市", "endpoint": "https://inzai.example", "enabled": true,
        "public_key": Bytes::encode(&fixture("municipal-122319.pub.der")),
        "open_minute": 390, "close_minute": 1380, "year_end_closed": true, "kinds": ["juminhyo", "inkan"],
        "closed_dates": ["2027-05-03"], "weekday_only_kinds": ["inkan"], "fees": {"juminhyo": 200},
    })
}

fn rotation() -> Value {
    json!({
        "public_key": Bytes::encode(&fixture("center-next.pub.der")),
        "previous_public_key": Bytes::encode(&fixture("center.pub.der")),
        "retire_at": now() + MIN_OVERLAP_MS + 60_000,
    })
}

fn check(table: &Table) -> Option<Vec<String>> {
    Some(match table.id.as_str() {
        "AuditVerification" => {
            answer(table, AuditVerification { verified: 1, broken_at: Some(2), head: "00".repeat(32) })
        }
        "ExportedRecord" => answer(
            table,
            ExportedRecord {
                seq: 1,
                at_ms: 1,
                step: "issue".into(),
                kiosk_id: "kiosk-dev-001".into(),
                municipality: Some("122319".into()),
                outcome: "issued".into(),
                card_tag: Some("ab".repeat(32)),
                prev_hash: "00".repeat(32),
                hash: "11".repeat(32),
            },
        ),
        "InspectionReport" => answer(
            table,
            InspectionReport {
                from_ms: 0,
                to_ms: 1,
                stores: [("dev".to_owned(), counts())].into(),
                municipalities: [("122319".to_owned(), counts())].into(),
                repeated_refusals: [("ab".repeat(32), [("card_revoked".to_owned(), 3)].into())].into(),
            },
        ),
        "Counts" => answer(table, counts()),
        "Rotated" => answer(table, Rotated { key_id: "00".repeat(32), previous_key_id: "11".repeat(32), retire_at: 1 }),
        "KioskEnrollment" => doc_fields::check(
            table,
            &KioskEnrollment {
                id: "kiosk-0042".into(),
                public_key: fixture("kiosk-dev-001.pub.der").into(),
                operator: "chain".into(),
                store: "store".into(),
            },
        ),
        "municipality registration" => doc_fields::check_with(table, &registration(), |body| {
            block_on(register_municipality(&backend(), body.to_string().as_bytes())).is_ok()
        }),
        "center key rotation" => {
            let config = config().with_next_center_key(&Bytes::encode(&fixture("center-next.key.der"))).unwrap();
            doc_fields::check_with(table, &rotation(), |body| {
                let body = body.to_string();
                block_on(rotate_center_key(&RustCrypto, &config, &backend(), body.as_bytes(), now())).is_ok()
            })
        }
        _ => return None,
    })
}

#[test]
fn every_ops_field_table_is_what_the_edge_reads_and_sends() {
    let problems = doc_fields::check_all(PROTOCOL, CHECKER, KNOWN, check);
    assert!(problems.is_empty(), "docs/PROTOCOL.md field tables disagree with the edge:\n{}", problems.join("\n"));
}
