//! The card check is pluggable: a card whose own key is P-256 (ECDSA over the same
//! `kofu/v1/issue-request` message) verifies under the same RSA JPKI anchor.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::EdgeError;
use kofu_edge::core::challenge::create_challenge;
use kofu_edge::core::issue::issue;
use kofu_edge::core::memory::MemoryBackend;
use kofu_edge::core::verify::RustCrypto;
use kofu_shared::ErrorCode;
use kofu_shared::kiosk::{expected_binding, open_answer, sign_envelope};
use kofu_shared::seal::ReplyKey;
use kofu_shared::signing::{card_message, p256_sign, p256_signing_key};
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;
use kofu_shared::x509::policy::KeyKind;

fn with_p256_card(backend: &MemoryBackend) {
    let cert = ParsedCert::parse(&fixture("card-p256.cert.der")).unwrap();
    let answer = CardStatusAnswer { status: CardStatus::Valid, municipality: Some(inzai()) };
    backend.cards.borrow_mut().insert((cert.issuer_sha256().to_vec(), cert.serial_hex), answer);
}

/// The kiosk's request for the P-256 card, its signature made by `card_key` (a fixture)
/// or replaced by `signature` when given.
fn request(backend: &MemoryBackend, card_key: &str, signature: Option<Vec<u8>>) -> (IssueRequest, ReplyKey, Vec<u8>) {
    let config = config();
    let challenge =
        block_on(create_challenge(&config, backend, br#"{"kiosk_id":"kiosk-dev-001"}"#, now(), rand_nonce())).unwrap();
    let reply_key = ReplyKey::generate();
    let request = IssueRequest {
        version: 1,
        transaction_id: hex::encode(&rand_nonce()[..16]),
        kiosk_id: "kiosk-dev-001".into(),
        challenge: challenge.challenge,
        certificate: CertificateChoice::new(CertificateKind::Juminhyo, 1),
        card_certificate: fixture("card-p256.cert.der").into(),
        reply_key: reply_key.public_bytes().to_vec().into(),
        created_at: now(),
        purpose: Purpose::Issue,
    };
    let bytes = serde_json::to_vec(&request).unwrap();
    let card = p256_signing_key(&fixture(card_key)).unwrap();
    let card_signature = signature.unwrap_or_else(|| p256_sign(&card, &card_message(&bytes)).to_vec());
    let kiosk = p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
    (request, reply_key, serde_json::to_vec(&sign_envelope(bytes, card_signature, &kiosk)).unwrap())
}

#[test]
fn a_card_with_a_p256_key_is_verified_and_forwarded() {
    let cert = ParsedCert::parse(&fixture("card-p256.cert.der")).unwrap();
    assert_eq!(cert.key_kind, KeyKind::P256);
    let (config, backend) = (config(), backend());
    with_p256_card(&backend);
    let (request, reply_key, body) = request(&backend, "card-p256.key.der", None);
    let response = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let (document, _) = open_answer(&response, &expected_binding(&request), &reply_key).unwrap();
    assert_eq!(document.binding.transaction_id, request.transaction_id);
    // The municipal server's native check of the same signature.
    let forwarded = backend.forwarded.borrow();
    let envelope: ForwardEnvelope = serde_json::from_slice(&forwarded[0]).unwrap();
    let forward: Forward = serde_json::from_slice(&envelope.forward.0).unwrap();
    cert.verify_signature(&card_message(&forward.request.0), &forward.card_signature.0).unwrap();
}

#[test]
fn a_p256_card_signature_by_another_key_or_of_the_wrong_size_is_refused() {
    let (config, backend) = (config(), backend());
    with_p256_card(&backend);
    let (_, _, by_another) = request(&backend, "kiosk-dev-001.key.der", None);
    let refused = block_on(issue(&config, &backend, &RustCrypto, &by_another, now())).unwrap_err();
    assert!(matches!(refused, EdgeError::CardSignature), "{refused:?}");
    assert_eq!(refused.code(), ErrorCode::CardSignatureInvalid);
    // An RSA-sized signature with a P-256 card certificate.
    let (_, _, rsa_sized) = request(&backend, "card-p256.key.der", Some(vec![1; 256]));
    let refused = block_on(issue(&config, &backend, &RustCrypto, &rsa_sized, now())).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::CardSignatureInvalid);
    assert!(backend.forwarded.borrow().is_empty());
}
