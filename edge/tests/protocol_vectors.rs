//! docs/PROTOCOL.md's ops, audit and center-key vectors (the blocks tagged
//! `vectors edge/tests/protocol_vectors.rs`) are what this code computes, and every signed
//! byte string the document's table describes (`kofu_shared::protocol::SIGNED_MESSAGES`,
//! from which that table is written) is exactly what the code that builds it builds.

use kofu_edge::core::EdgeConfig;
use kofu_edge::core::audit::{AuditEntry, GENESIS, card_tag, record_hash};
use kofu_edge::core::ops::ops_message;
use kofu_shared::Bytes;
use kofu_shared::doc_check::vectors as doc_vectors;
use kofu_shared::protocol::SIGNED_MESSAGES;
use kofu_shared::signing::*;

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const OPS_KEY: &[u8] = include_bytes!("../../fixtures/test-only/ops-dev.key.der");
const CENTER_KEY: &[u8] = include_bytes!("../../fixtures/test-only/center.key.der");
const CENTER_NEXT_PUB: &[u8] = include_bytes!("../../fixtures/test-only/center-next.pub.der");
const TEST_CA_PEM: &str = include_str!("../../fixtures/test-only/test-jpki-ca.cert.pem");

fn computed() -> Vec<(&'static str, String)> {
    let message = ops_message("GET", "/v1/ops/audit/verify", 1_795_575_600_000, b"");
    let key = p256_signing_key(OPS_KEY).unwrap();
    let endorsement = center_key_endorsement_message(CENTER_NEXT_PUB, 1_795_576_200_000);
    let center = p256_signing_key(CENTER_KEY).unwrap();
    let tag = card_tag(&[0x42; 32], &[0x07; 32], "4b4f465500000001");
    let entry = AuditEntry {
        at_ms: 1_795_575_600_000,
        step: "issue".into(),
        kiosk_id: "kiosk-dev-001".into(),
        municipality: "122319".parse().ok(),
        outcome: "issued".into(),
        card_tag: Some(tag.clone()),
    };
    vec![
        ("ops_message", hex::encode(&message)),
        ("ops_signature_rfc6979", hex::encode(p256_sign(&key, &message))),
        ("card_tag_key_42_issuer_07", tag),
        ("audit_record_1_hash", hex::encode(record_hash(1, &GENESIS, &entry))),
        ("center_next_key_id", hex::encode(sha256(CENTER_NEXT_PUB))),
        ("center_key_endorsement_sha256", hex::encode(sha256(&endorsement))),
        ("center_key_endorsement_rfc6979", hex::encode(p256_sign(&center, &endorsement))),
    ]
}

#[test]
fn ops_and_audit_vectors_match_the_code() {
    let problems = doc_vectors::check(PROTOCOL, "edge/tests/protocol_vectors.rs", &computed());
    assert!(problems.is_empty(), "docs/PROTOCOL.md disagrees with the code:\n{}", problems.join("\n"));
}

/// What the code builds for `label` from `parts`, by the function each sender calls; the
/// parts are in the catalogue's order. `None`: no builder known for the label.
fn built_by_the_code(label: &str, parts: &[Vec<u8>]) -> Option<Vec<u8>> {
    let text = |i: usize| std::str::from_utf8(&parts[i]).unwrap().to_owned();
    let number = |i: usize| u64::from_be_bytes(parts[i].as_slice().try_into().unwrap());
    Some(match label {
        LABEL_MENU_REQUEST => menu_message(&parts[0]),
        LABEL_ISSUE_REQUEST => card_message(&parts[0]),
        LABEL_KIOSK_ENVELOPE => kiosk_message(&parts[0], &parts[1]),
        LABEL_CENTER_FORWARD => center_message(&parts[0]),
        LABEL_MUNICIPAL_DOCUMENT => municipal_message(&parts[0]),
        LABEL_PRINT_OUTCOME => outcome_message(&parts[0]),
        LABEL_CENTER_OUTCOME => center_outcome_message(&parts[0]),
        LABEL_CENTER_KEY_ENDORSEMENT => center_key_endorsement_message(&parts[0], number(1)),
        LABEL_CENTER_KEY_PROBE => center_key_probe_message(&parts[0]),
        LABEL_OPS_REQUEST => ops_message(&text(0), &text(1), number(2), &parts[3]),
        // Hashed, not signed: the code keeps only the digest, so compare digests.
        LABEL_AUDIT_RECORD => {
            let entry = AuditEntry {
                at_ms: number(2),
                step: text(3),
                kiosk_id: text(4),
                municipality: text(5).parse().ok(),
                outcome: text(6),
                card_tag: Some(text(7)),
            };
            record_hash(number(0), parts[1].as_slice().try_into().unwrap(), &entry).to_vec()
        }
        LABEL_AUDIT_KEY => {
            let config = EdgeConfig::from_text(TEST_CA_PEM, &Bytes::encode(&parts[0])).unwrap();
            config.audit_key.to_vec()
        }
        _ => return None,
    })
}

/// Sample parts, one per catalogued part, each distinct and of its kind.
fn samples(label: &str) -> Vec<Vec<u8>> {
    let u64_bytes = |n: u64| n.to_be_bytes().to_vec();
    match label {
        LABEL_CENTER_KEY_ENDORSEMENT => vec![CENTER_NEXT_PUB.to_vec(), u64_bytes(1_795_576_200_000)],
        LABEL_KIOSK_ENVELOPE => vec![b"{\"request\":1}".to_vec(), vec![0xAB; 64]],
        LABEL_OPS_REQUEST => {
            vec![b"POST".to_vec(), b"/v1/ops/audit/report?from=1&to=2".to_vec(), u64_bytes(7), b"{}".to_vec()]
        }
        LABEL_AUDIT_RECORD => vec![
            u64_bytes(3),
            vec![9; 32],
            u64_bytes(1_795_575_600_000),
            b"outcome".to_vec(),
            b"kiosk-dev-001".to_vec(),
            b"131016".to_vec(),
            b"printed".to_vec(),
            b"ab".repeat(32),
        ],
        LABEL_AUDIT_KEY => vec![CENTER_KEY.to_vec()],
        _ => vec![b"{\"example\":1}".to_vec()],
    }
}

#[test]
fn every_catalogued_layout_is_what_the_code_builds() {
    for message in SIGNED_MESSAGES {
        let parts = samples(message.label);
        assert_eq!(parts.len(), message.parts.len(), "{}: sample parts", message.label);
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let by_rule = signed_message(message.label, &refs);
        let expected = match message.algorithm {
            kofu_shared::protocol::Algorithm::Sha256 => sha256(&by_rule).to_vec(),
            _ => by_rule,
        };
        let built = built_by_the_code(message.label, &parts)
            .unwrap_or_else(|| panic!("{}: catalogued, but no builder is checked here", message.label));
        assert_eq!(built, expected, "{}: the code builds other bytes than the catalogue says", message.label);
    }
}
