//! docs/PROTOCOL.md's test vectors are what this code computes: each vector line in the
//! document (`name: value`) must equal the value computed here.

use kofu_shared::MunicipalityCode;
use kofu_shared::signing::*;

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const KIOSK_KEY: &[u8] = include_bytes!("../../fixtures/test-only/kiosk-dev-001.key.der");

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

fn documented(name: &str) -> Option<&'static str> {
    let prefix = format!("{name}: ");
    PROTOCOL.lines().find_map(|line| line.trim().strip_prefix(prefix.as_str()).map(str::trim))
}

#[test]
fn protocol_vectors_match_the_code() {
    let mut wrong = Vec::new();
    for (name, value) in computed() {
        match documented(name) {
            Some(doc) if doc == value => {}
            other => wrong.push(format!("{name}: doc {other:?}, code {value}")),
        }
    }
    assert!(wrong.is_empty(), "docs/PROTOCOL.md disagrees with the code:\n{}", wrong.join("\n"));
}

#[test]
fn the_documented_kiosk_signature_verifies() {
    let key = p256_public_key(include_bytes!("../../fixtures/test-only/kiosk-dev-001.pub.der")).unwrap();
    let msg = hex::decode(documented("kiosk_message").unwrap()).unwrap();
    let sig = hex::decode(documented("kiosk_signature_rfc6979").unwrap()).unwrap();
    p256_verify(&key, &msg, &sig).unwrap();
}
