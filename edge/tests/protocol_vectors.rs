//! docs/PROTOCOL.md's ops, audit and center-key vectors (`name: value` lines) are what this code computes.

use kofu_edge::core::audit::{AuditEntry, GENESIS, card_tag, record_hash};
use kofu_edge::core::ops::ops_message;
use kofu_shared::signing::{center_key_endorsement_message, p256_sign, p256_signing_key, sha256};

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const OPS_KEY: &[u8] = include_bytes!("../../fixtures/test-only/ops-dev.key.der");
const CENTER_KEY: &[u8] = include_bytes!("../../fixtures/test-only/center.key.der");
const CENTER_NEXT_PUB: &[u8] = include_bytes!("../../fixtures/test-only/center-next.pub.der");

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
    let mut wrong = Vec::new();
    for (name, value) in computed() {
        let prefix = format!("{name}: ");
        let documented = PROTOCOL.lines().find_map(|l| l.trim().strip_prefix(prefix.as_str()).map(str::trim));
        if documented != Some(value.as_str()) {
            wrong.push(format!("{name}: {value}"));
        }
    }
    assert!(wrong.is_empty(), "docs/PROTOCOL.md should say:\n{}", wrong.join("\n"));
}
