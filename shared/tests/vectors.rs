//! docs/PROTOCOL.md's test vectors are what this code computes: every vector in a block
//! tagged `vectors shared/tests/vectors.rs` equals the value computed here, every value
//! computed here is in such a block, and no vector block is left without a test that checks it.

use kofu_shared::MunicipalityCode;
use kofu_shared::doc_check::vectors as doc_vectors;
use kofu_shared::signing::*;

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const KIOSK_KEY: &[u8] = include_bytes!("../../fixtures/test-only/kiosk-dev-001.key.der");
const CARD_1: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");

fn computed() -> Vec<(&'static str, String)> {
    let request = br#"{"example":1}"#;
    let card_sig = [0xAB; 4];
    let kiosk_key = p256_signing_key(KIOSK_KEY).unwrap();
    let kiosk_msg = kiosk_message(request, &card_sig);
    vec![
        ("card_message", hex::encode(card_message(request))),
        ("card_message_sha256", hex::encode(sha256(&card_message(request)))),
        ("card_digest_info", hex::encode(card_digest_info(request))),
        ("kiosk_message", hex::encode(&kiosk_msg)),
        ("kiosk_signature_rfc6979", hex::encode(p256_sign(&kiosk_key, &kiosk_msg))),
        ("center_message", hex::encode(center_message(request))),
        ("municipal_message", hex::encode(municipal_message(request))),
        ("menu_message", hex::encode(menu_message(request))),
        ("outcome_message", hex::encode(outcome_message(request))),
        ("center_outcome_message", hex::encode(center_outcome_message(request))),
        ("card_1_certificate_sha256", kofu_shared::Bytes::encode(&sha256(CARD_1))),
        ("binding_example", binding_example()),
        (
            "reply_key_from_ikm_32x07",
            hex::encode(kofu_shared::seal::ReplyKey::derive_for_tests(&[7u8; 32]).public_bytes()),
        ),
        ("base45_ietf", base45::encode(b"ietf!")),
        ("qr_line_example", qr_line_example()),
        ("check_digit_12231", MunicipalityCode::check_digit([1, 2, 2, 3, 1]).to_string()),
        ("check_digit_42000", MunicipalityCode::check_digit([4, 2, 0, 0, 0]).to_string()),
    ]
}

/// The binding a municipality writes for a request of card 1's with these fields.
fn binding_example() -> String {
    let request = kofu_shared::wire::IssueRequest {
        version: 1,
        transaction_id: "000102030405060708090a0b0c0d0e0f".into(),
        kiosk_id: "kiosk-dev-001".into(),
        challenge: vec![7; 32].into(),
        certificate: kofu_shared::wire::CertificateChoice::new(kofu_shared::wire::CertificateKind::Juminhyo, 1),
        card_certificate: CARD_1.to_vec().into(),
        reply_key: vec![4; 65].into(),
        created_at: 0,
        purpose: kofu_shared::wire::Purpose::Issue,
    };
    serde_json::to_string(&kofu_shared::kiosk::expected_binding(&request)).unwrap()
}

fn qr_line_example() -> String {
    let document = br#"{"example":1}"#;
    let key = p256_signing_key(include_bytes!("../../fixtures/test-only/municipal-122319.key.der")).unwrap();
    let signature = p256_sign(&key, &municipal_message(document));
    let signed =
        kofu_shared::wire::SignedDocument { document: document.to_vec().into(), signature: signature.to_vec().into() };
    let mut lines = kofu_shared::printed::qr_lines(MunicipalityCode::parse("122319").unwrap(), &signed);
    assert_eq!(lines.len(), 1);
    lines.remove(0)
}

fn documented(name: &str) -> String {
    let vectors = doc_vectors::parse(PROTOCOL).unwrap();
    vectors.into_iter().find(|v| v.name == name).map(|v| v.value).unwrap()
}

#[test]
fn protocol_vectors_match_the_code() {
    let problems = doc_vectors::check(PROTOCOL, "shared/tests/vectors.rs", &computed());
    assert!(problems.is_empty(), "docs/PROTOCOL.md disagrees with the code:\n{}", problems.join("\n"));
}

#[test]
fn a_vector_block_nobody_checks_fails() {
    let computed = [("a", String::from("1"))];
    let checked = "```vectors shared/tests/vectors.rs\na: 1\n```\n";
    assert!(doc_vectors::check(checked, "shared/tests/vectors.rs", &computed).is_empty());
    let untagged = format!("{checked}```\nb: 2\n```\n");
    assert!(!doc_vectors::check(&untagged, "shared/tests/vectors.rs", &computed).is_empty());
    let unknown_checker = format!("{checked}```vectors nowhere.rs\nb: 2\n```\n");
    assert!(!doc_vectors::check(&unknown_checker, "shared/tests/vectors.rs", &computed).is_empty());
    let not_computed = "```vectors shared/tests/vectors.rs\na: 1\nb: 2\n```\n";
    assert!(!doc_vectors::check(not_computed, "shared/tests/vectors.rs", &computed).is_empty());
    let missing = "```vectors shared/tests/vectors.rs\n```\n";
    assert!(!doc_vectors::check(missing, "shared/tests/vectors.rs", &computed).is_empty());
    let wrong = "```vectors shared/tests/vectors.rs\na: 2\n```\n";
    assert!(!doc_vectors::check(wrong, "shared/tests/vectors.rs", &computed).is_empty());
    let twice = format!("{checked}```vectors edge/tests/protocol_vectors.rs\na: 1\n```\n");
    assert!(!doc_vectors::check(&twice, "shared/tests/vectors.rs", &computed).is_empty());
    // Blocks that are not vectors (JSON, prose) need no tag.
    let json = format!("{checked}```json\n{{\"a\": 1}}\n```\n```\nlabel ‖ 0x00\n```\n");
    assert!(doc_vectors::check(&json, "shared/tests/vectors.rs", &computed).is_empty());
}

#[test]
fn the_documented_kiosk_signature_verifies() {
    let key = p256_public_key(include_bytes!("../../fixtures/test-only/kiosk-dev-001.pub.der")).unwrap();
    let msg = hex::decode(documented("kiosk_message")).unwrap();
    let sig = hex::decode(documented("kiosk_signature_rfc6979")).unwrap();
    p256_verify(&key, &msg, &sig).unwrap();
}
