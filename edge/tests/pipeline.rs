//! The verification pipeline end to end in memory: a real virtual card signs, a real
//! kiosk key signs, and the fake municipality checks the center's attestation.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::challenge::create_challenge;
use kofu_edge::core::hours::ServiceHours;
use kofu_edge::core::issue::issue;
use kofu_edge::core::memory::{ForwardFn, MemoryBackend};
use kofu_edge::core::outcome::report_outcome;
use kofu_edge::core::verify::RustCrypto;
use kofu_edge::core::{EdgeConfig, EdgeError};
use kofu_shared::kiosk::{expected_binding, open_answer, sign_envelope};
use kofu_shared::signing::{p256_sign, p256_signing_key};
use kofu_shared::wire::*;
use kofu_shared::x509::{CertError, ParsedCert};
use kofu_shared::{Bytes, ErrorCode};

#[test]
fn the_kiosk_reports_the_print_outcome_of_its_own_transactions_only() {
    let (config, backend) = (config(), backend());
    let (request, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let tx = request.transaction_id.clone();
    let ack = block_on(report_outcome(
        &config,
        &backend,
        &RustCrypto,
        &outcome_body("kiosk-dev-001.key.der", &tx, PrintOutcome::PrintFailed),
        now(),
    ))
    .unwrap();
    assert_eq!(ack.state, RegisterState::Voided);
    assert_eq!(backend.transactions.borrow()[&tx].1.as_deref(), Some("print_failed"));
    // Signed by another key: refused. Unknown transaction: refused without detail.
    let forged = outcome_body("center.key.der", &tx, PrintOutcome::Printed);
    assert_eq!(
        block_on(report_outcome(&config, &backend, &RustCrypto, &forged, now())).unwrap_err(),
        EdgeError::KioskSignature
    );
    let unknown = outcome_body("kiosk-dev-001.key.der", &"ab".repeat(16), PrintOutcome::Printed);
    assert_eq!(
        block_on(report_outcome(&config, &backend, &RustCrypto, &unknown, now())).unwrap_err(),
        EdgeError::TransactionUnknown
    );
}

#[test]
fn a_transaction_id_is_forwarded_once() {
    let (config, backend) = (config(), backend());
    let (request, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    // A second, valid request (fresh challenge) that reuses the transaction id.
    let (_, _, second) = kiosk_request_with_tx(&config, &backend, "card-1", &request.transaction_id);
    assert_eq!(
        block_on(issue(&config, &backend, &RustCrypto, &second, now())).unwrap_err(),
        EdgeError::TransactionReused
    );
    assert_eq!(backend.forwarded.borrow().len(), 1);
}

#[test]
fn valid_request_is_forwarded_and_the_document_is_bound_to_it() {
    let (config, backend) = (config(), backend());
    let (request, reply_key, body) = kiosk_request(&config, &backend, "card-1");
    let response = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let (document, _) = open_answer(&response, &expected_binding(&request), &reply_key).unwrap();
    assert_eq!(document.binding.transaction_id, request.transaction_id);
    assert_eq!(backend.forwarded.borrow().len(), 1);
    // What the center relays holds no personal data in the clear.
    let relayed = serde_json::to_string(&response).unwrap();
    assert!(!relayed.contains("試験") && !relayed.contains(&kofu_shared::Bytes::encode("試験".as_bytes())));
}

#[test]
fn a_document_for_another_transaction_is_refused_by_the_kiosk() {
    let (config, backend) = (config(), backend());
    let (first, first_key, body) = kiosk_request(&config, &backend, "card-1");
    let first_response = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let (second, second_key, body) = kiosk_request(&config, &backend, "card-1");
    let second_response = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    // Another transaction's answer does not even open with this transaction's key…
    assert_eq!(
        open_answer(&second_response, &expected_binding(&first), &first_key).unwrap_err(),
        kofu_shared::kiosk::DocumentError::NotSealedToUs
    );
    assert!(open_answer(&first_response, &expected_binding(&first), &first_key).is_ok());
    assert!(open_answer(&second_response, &expected_binding(&second), &second_key).is_ok());
}

#[test]
fn every_single_byte_change_after_signing_is_refused() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let envelope: IssueEnvelope = serde_json::from_slice(&body).unwrap();
    for pos in (0..envelope.request.0.len()).step_by(41) {
        let mut tampered = envelope.clone();
        tampered.request.0[pos] ^= 0x01;
        let body = serde_json::to_vec(&tampered).unwrap();
        let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
        assert!(matches!(err, EdgeError::KioskSignature | EdgeError::Malformed(_)), "byte {pos}: {err:?}");
    }
    assert!(backend.forwarded.borrow().is_empty());
}

#[test]
fn a_kiosk_that_changes_the_request_cannot_forge_the_card_signature() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let envelope: IssueEnvelope = serde_json::from_slice(&body).unwrap();
    let text = String::from_utf8(envelope.request.0.clone()).unwrap().replace("\"copies\":1", "\"copies\":2");
    let kiosk_key = p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
    let resigned = sign_envelope(text.into_bytes(), envelope.card_signature.0.clone(), &kiosk_key);
    let err =
        block_on(issue(&config, &backend, &RustCrypto, &serde_json::to_vec(&resigned).unwrap(), now())).unwrap_err();
    assert_eq!(err, EdgeError::CardSignature);
    assert_eq!(err.code(), ErrorCode::CardSignatureInvalid);
}

#[test]
fn a_replayed_challenge_is_refused() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err, EdgeError::ChallengeUsed);
    assert_eq!(err.code().http_status(), 409);
    assert_eq!(backend.forwarded.borrow().len(), 1);
}

#[test]
fn an_expired_challenge_is_refused() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let later = now() + config.challenge_ttl_ms + 1;
    assert_eq!(block_on(issue(&config, &backend, &RustCrypto, &body, later)).unwrap_err(), EdgeError::ChallengeExpired);
}

#[test]
fn a_card_from_another_ca_is_refused() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-rogue");
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err, EdgeError::CardCertificate(CertError::Untrusted));
    assert_eq!(err.code(), ErrorCode::CardCertificateUntrusted);
    assert!(backend.forwarded.borrow().is_empty());
}

#[test]
fn unknown_or_inactive_kiosks_get_no_challenge() {
    let (config, backend) = (config(), backend());
    let body = br#"{"kiosk_id":"kiosk-nobody"}"#;
    let err = block_on(create_challenge(&config, &backend, body, now(), [0; 32])).unwrap_err();
    assert_eq!(err, EdgeError::UnknownKiosk);
    backend.kiosks.borrow_mut().get_mut("kiosk-dev-001").unwrap().active = false;
    let body = br#"{"kiosk_id":"kiosk-dev-001"}"#;
    let err = block_on(create_challenge(&config, &backend, body, now(), [0; 32])).unwrap_err();
    assert_eq!(err, EdgeError::KioskInactive);
}

#[test]
fn revoked_card_and_unknown_municipality_are_refused() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    for answer in backend.cards.borrow_mut().values_mut() {
        answer.status = CardStatus::Revoked;
    }
    assert_eq!(block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err(), EdgeError::CardRevoked);

    let backend = self::backend();
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    backend.municipalities.borrow_mut().clear();
    assert_eq!(
        block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err(),
        EdgeError::MunicipalityUnknown
    );
}

#[test]
fn outside_service_hours_nothing_is_forwarded() {
    let (config, backend) = (config(), backend());
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let closed = ServiceHours { open_minute: 0, close_minute: 0, year_end_closed: false };
    backend.municipalities.borrow_mut().get_mut(&inzai()).unwrap().hours = closed;
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err, EdgeError::OutsideServiceHours);
    assert_eq!(err.code(), ErrorCode::OutsideServiceHours);
    assert!(backend.forwarded.borrow().is_empty());
}

#[test]
fn a_municipality_that_is_down_is_a_clear_refusal() {
    let config = config();
    let down = |_: &str, _: &[u8]| Err(kofu_edge::core::BackendError::Unreachable("refused".into()));
    let backend = backend();
    let backend = swap_forward(backend, Box::new(down));
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MunicipalityUnavailable);
}

#[test]
fn oversized_and_garbage_bodies_are_typed_errors() {
    let (config, backend) = (config(), backend());
    let big = vec![b' '; kofu_shared::limits::MAX_BODY_BYTES + 1];
    assert_eq!(block_on(issue(&config, &backend, &RustCrypto, &big, now())).unwrap_err(), EdgeError::BodyTooLarge);
    let mut seed = 7u32;
    for len in 0..300 {
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        assert!(block_on(issue(&config, &backend, &RustCrypto, &junk, now())).is_err());
        assert!(block_on(create_challenge(&config, &backend, &junk, now(), [0; 32])).is_err());
    }
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    for cut in (0..body.len()).step_by(97) {
        assert!(block_on(issue(&config, &backend, &RustCrypto, &body[..cut], now())).is_err());
    }
}

#[test]
fn error_bodies_never_echo_input() {
    let err = EdgeError::Malformed("body").to_api_error();
    assert_eq!(err.to_json(), r#"{"error":{"code":"bad_request","message":"malformed request: body"}}"#);
}

/// Two anchors with one name (J-LIS's 2015 and 2023 CAs share theirs): the card chains to
/// the one whose key verifies, in either order; with only the other, it is refused.
#[test]
fn anchors_sharing_a_name_are_each_tried() {
    let current = String::from_utf8(fixture("test-jpki-ca.cert.pem")).unwrap();
    let previous = String::from_utf8(fixture("test-jpki-ca-previous.cert.pem")).unwrap();
    let center = Bytes::encode(&fixture("center.key.der"));
    for bundle in [format!("{previous}\n{current}"), format!("{current}\n{previous}")] {
        let config = EdgeConfig::from_text(&bundle, &center).unwrap();
        let backend = backend();
        let (_, _, body) = kiosk_request(&config, &backend, "card-1");
        block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    }
    let config = EdgeConfig::from_text(&previous, &center).unwrap();
    let backend = backend();
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err, EdgeError::CardCertificate(CertError::BadSignature));
    assert!(backend.forwarded.borrow().is_empty());
}

/// Every outcome, served or refused, lands in one hash chain; the card appears only as a
/// keyed tag, and nothing in a record is personal.
#[test]
fn every_request_outcome_is_audited_in_one_chain_without_personal_data() {
    use kofu_edge::core::audit::verify_chain;
    let (config, backend) = (config(), backend());
    let (request, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    let (_, _, rogue) = kiosk_request(&config, &backend, "card-rogue");
    block_on(issue(&config, &backend, &RustCrypto, &rogue, now())).unwrap_err();
    block_on(issue(&config, &backend, &RustCrypto, b"{not json", now())).unwrap_err();
    let outcome = outcome_body("kiosk-dev-001.key.der", &request.transaction_id, PrintOutcome::Printed);
    block_on(report_outcome(&config, &backend, &RustCrypto, &outcome, now())).unwrap();

    let records = backend.audit.borrow().clone();
    assert_eq!(verify_chain(&records), Ok(4));
    let outcomes: Vec<(&str, &str)> =
        records.iter().map(|r| (r.entry.step.as_str(), r.entry.outcome.as_str())).collect();
    assert_eq!(
        outcomes,
        [
            ("issue", "issued"),
            ("issue", "card_certificate_untrusted"),
            ("issue", "bad_request"),
            ("outcome", "printed")
        ]
    );
    assert_eq!(records[0].entry.municipality.map(|m| m.to_string()).as_deref(), Some("122319"));
    let tag = records[0].entry.card_tag.clone().unwrap();
    let serial = ParsedCert::parse(&fixture("card-1.cert.der")).unwrap().serial_hex;
    assert_eq!(tag.len(), 64);
    assert!(!tag.contains(&serial));
    for record in &records {
        let text = format!("{:?}", record.entry);
        for personal in ["木下", "花子", "千葉県", &serial, &request.transaction_id] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
    }
}

/// Ops requests: only a configured operator key, inside the time window, over exactly
/// this method, path and body; and the audit check they run finds a changed record.
#[test]
fn ops_requests_are_signed_and_the_audit_check_finds_a_changed_record() {
    use kofu_edge::core::ops::{OpsRequest, authorize, ops_message, verify_audit};
    let ops_key = p256_signing_key(&fixture("ops-dev.key.der")).unwrap();
    let listed = format!("ops-dev={}", Bytes::encode(&fixture("ops-dev.pub.der")));
    let config = config().with_ops_keys(&listed).unwrap();
    let backend = backend();
    let t = now();
    let signature = p256_sign(&ops_key, &ops_message("GET", "/v1/ops/audit/verify", t, b""));
    let call = |key_id: &str, method: &str, time_ms: u64, signature: &[u8]| {
        let request = OpsRequest { method, path: "/v1/ops/audit/verify", body: b"", key_id, time_ms, signature };
        block_on(authorize(&RustCrypto, &config.ops_keys, &request, t)).map(str::to_owned)
    };
    assert_eq!(call("ops-dev", "GET", t, &signature), Ok("ops-dev".to_owned()));
    assert_eq!(call("ops-other", "GET", t, &signature), Err(EdgeError::OpsUnauthorized));
    assert_eq!(call("ops-dev", "POST", t, &signature), Err(EdgeError::OpsUnauthorized));
    assert_eq!(call("ops-dev", "GET", t + 1, &signature), Err(EdgeError::OpsUnauthorized));
    let stale = p256_sign(&ops_key, &ops_message("GET", "/v1/ops/audit/verify", t - 300_001, b""));
    assert_eq!(call("ops-dev", "GET", t - 300_001, &stale), Err(EdgeError::OpsUnauthorized));
    assert_eq!(EdgeError::OpsUnauthorized.code(), ErrorCode::OpsUnauthorized);

    // Each signed request is good once, whatever form its signature takes.
    use kofu_edge::core::ops::authorize_once;
    let once = |time_ms: u64, signature: &[u8]| {
        let path = "/v1/ops/audit/verify";
        let request = OpsRequest { method: "GET", path, body: b"", key_id: "ops-dev", time_ms, signature };
        block_on(authorize_once(&RustCrypto, &backend, &config.ops_keys, &request, t)).map(str::to_owned)
    };
    assert_eq!(once(t, &signature), Ok("ops-dev".to_owned()));
    assert_eq!(once(t, &signature), Err(EdgeError::OpsUnauthorized), "a replay");
    assert_eq!(once(t, &high_s(&signature)), Err(EdgeError::OpsUnauthorized), "a replay with s flipped");
    let later = p256_sign(&ops_key, &ops_message("GET", "/v1/ops/audit/verify", t + 1, b""));
    assert_eq!(once(t + 1, &later), Ok("ops-dev".to_owned()), "a new request");

    for _ in 0..3 {
        let (_, _, body) = kiosk_request(&config, &backend, "card-1");
        block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    }
    let clean = block_on(verify_audit(&backend)).unwrap();
    assert_eq!((clean.verified, clean.broken_at), (3, None));
    // The export carries what an outside copy needs to check the chain itself.
    let exported = block_on(kofu_edge::core::ops::export_audit(&backend, 2, 10)).unwrap();
    assert_eq!(exported.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(exported[0].prev_hash, hex::encode(backend.audit.borrow()[0].hash));
    assert_eq!(exported[1].hash, clean.head);
    backend.audit.borrow_mut()[1].entry.outcome = "card_revoked".into();
    let broken = block_on(verify_audit(&backend)).unwrap();
    assert_eq!((broken.verified, broken.broken_at), (1, Some(2)));
}

/// A kind the municipality does not offer at kiosks is refused before anything is forwarded.
#[test]
fn a_kind_the_municipality_does_not_offer_is_refused() {
    use kofu_edge::core::issue::parse_kinds;
    assert_eq!(parse_kinds("juminhyo, inkan_future_kind"), [CertificateKind::Juminhyo]);
    assert!(parse_kinds("").is_empty());
    let (config, backend) = (config(), backend());
    backend.municipalities.borrow_mut().get_mut(&inzai()).unwrap().kinds.clear();
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!((err.code(), err), (ErrorCode::KindNotOffered, EdgeError::KindNotOffered));
    assert!(backend.forwarded.borrow().is_empty());
}

/// The validation service's reasons reach the kiosk as their own codes.
#[test]
fn suspended_and_not_yet_active_cards_are_refused_with_their_reason() {
    for (status, expected) in [
        (CardStatus::Suspended, ErrorCode::CardSuspended),
        (CardStatus::NotYetActive, ErrorCode::NotYetActive),
        (CardStatus::Revoked, ErrorCode::CardRevoked),
    ] {
        let (config, backend) = (config(), backend());
        for answer in backend.cards.borrow_mut().values_mut() {
            *answer = CardStatusAnswer { status, municipality: None };
        }
        let (_, _, body) = kiosk_request(&config, &backend, "card-1");
        let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
        assert_eq!(err.code(), expected);
        assert!(backend.forwarded.borrow().is_empty());
    }
}

/// Past its allowance a card is refused with rate_limited, before its challenge is spent;
/// a kiosk likewise.
#[test]
fn a_card_or_kiosk_over_its_allowance_is_refused() {
    let strict = config().with_rate_limits("card=2/3600000").unwrap();
    let backend = backend();
    for _ in 0..2 {
        let (_, _, body) = kiosk_request(&strict, &backend, "card-1");
        block_on(issue(&strict, &backend, &RustCrypto, &body, now())).unwrap();
    }
    let (_, _, body) = kiosk_request(&strict, &backend, "card-1");
    let err = block_on(issue(&strict, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!((err.code(), err.code().http_status()), (ErrorCode::RateLimited, 429));
    // The refused request's challenge was not consumed: with room again, it goes through.
    let relaxed = config().with_rate_limits("card=10/3600000").unwrap();
    block_on(issue(&relaxed, &backend, &RustCrypto, &body, now())).unwrap();

    let one_per_minute = config().with_rate_limits("kiosk=1/60000").unwrap();
    let backend = self::backend();
    let (_, _, first) = kiosk_request(&one_per_minute, &backend, "card-1");
    block_on(issue(&one_per_minute, &backend, &RustCrypto, &first, now())).unwrap();
    let (_, _, second) = kiosk_request(&one_per_minute, &backend, "card-1");
    let err = block_on(issue(&one_per_minute, &backend, &RustCrypto, &second, now())).unwrap_err();
    assert_eq!(err, EdgeError::RateLimited);
}

/// The attack matrix in one place: each attack refused with its own code, and nothing
/// forwarded to a municipality for any of them.
#[test]
fn attack_matrix_each_attack_is_refused_with_its_own_code() {
    type Setup = fn(&EdgeConfig, &MemoryBackend) -> (Vec<u8>, u64);
    let matrix: Vec<(&str, Setup, ErrorCode)> = vec![
        (
            "replayed challenge",
            |c, b| {
                let body = kiosk_request(c, b, "card-1").2;
                block_on(issue(c, b, &RustCrypto, &body, now())).unwrap();
                b.forwarded.borrow_mut().clear();
                (body, now())
            },
            ErrorCode::ChallengeUsed,
        ),
        (
            "expired challenge",
            |c, b| (kiosk_request(c, b, "card-1").2, now() + c.challenge_ttl_ms + 1),
            ErrorCode::ChallengeExpired,
        ),
        (
            "forged kiosk signature",
            |c, b| {
                let mut e: IssueEnvelope = serde_json::from_slice(&kiosk_request(c, b, "card-1").2).unwrap();
                e.kiosk_signature.0[10] ^= 1;
                (serde_json::to_vec(&e).unwrap(), now())
            },
            ErrorCode::KioskSignatureInvalid,
        ),
        (
            "unknown kiosk",
            |c, b| {
                let body = kiosk_request(c, b, "card-1").2;
                b.kiosks.borrow_mut().clear();
                (body, now())
            },
            ErrorCode::UnknownKiosk,
        ),
        (
            "revoked kiosk",
            |c, b| {
                let body = kiosk_request(c, b, "card-1").2;
                b.kiosks.borrow_mut().values_mut().for_each(|k| k.active = false);
                (body, now())
            },
            ErrorCode::UnknownKiosk,
        ),
        (
            "card signature over different bytes",
            |c, b| {
                let other: IssueEnvelope = serde_json::from_slice(&kiosk_request(c, b, "card-1").2).unwrap();
                let mut e: IssueEnvelope = serde_json::from_slice(&kiosk_request(c, b, "card-1").2).unwrap();
                e.card_signature = other.card_signature;
                let key = p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
                let e = sign_envelope(e.request.0, e.card_signature.0, &key);
                (serde_json::to_vec(&e).unwrap(), now())
            },
            ErrorCode::CardSignatureInvalid,
        ),
        (
            "card certificate from another CA",
            |c, b| (kiosk_request(c, b, "card-rogue").2, now()),
            ErrorCode::CardCertificateUntrusted,
        ),
        (
            "expired card certificate",
            // The test cards are valid for five years from 2026.
            |c, b| (kiosk_request(c, b, "card-1").2, now() + 6 * 365 * 86_400_000),
            ErrorCode::CardCertificateExpired,
        ),
        (
            "revoked card",
            |c, b| {
                b.cards.borrow_mut().values_mut().for_each(|a| a.status = CardStatus::Revoked);
                (kiosk_request(c, b, "card-1").2, now())
            },
            ErrorCode::CardRevoked,
        ),
        (
            "municipality disabled",
            |c, b| {
                b.municipalities.borrow_mut().values_mut().for_each(|m| m.enabled = false);
                (kiosk_request(c, b, "card-1").2, now())
            },
            ErrorCode::MunicipalityUnknown,
        ),
        (
            "kind not offered",
            |c, b| {
                b.municipalities.borrow_mut().values_mut().for_each(|m| m.kinds.clear());
                (kiosk_request(c, b, "card-1").2, now())
            },
            ErrorCode::KindNotOffered,
        ),
        (
            "a closed date",
            |c, b| {
                let today =
                    time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap()).date();
                let closures =
                    kofu_edge::core::hours::Closures { dates: vec![today.to_string()], weekday_only: vec![] };
                b.municipalities.borrow_mut().values_mut().for_each(|m| m.closures = closures.clone());
                (kiosk_request(c, b, "card-1").2, now())
            },
            ErrorCode::OutsideServiceHours,
        ),
        (
            "outside service hours",
            |c, b| {
                let closed = ServiceHours { open_minute: 0, close_minute: 0, year_end_closed: true };
                b.municipalities.borrow_mut().values_mut().for_each(|m| m.hours = closed);
                (kiosk_request(c, b, "card-1").2, now())
            },
            ErrorCode::OutsideServiceHours,
        ),
        (
            "oversized body",
            |_, _| (vec![b' '; kofu_shared::limits::MAX_BODY_BYTES + 1], now()),
            ErrorCode::BodyTooLarge,
        ),
        ("malformed JSON", |_, _| (b"{\"request\":".to_vec(), now()), ErrorCode::BadRequest),
    ];
    for (attack, setup, expected) in matrix {
        let (config, backend) = (config(), backend());
        let (body, at) = setup(&config, &backend);
        let err = block_on(issue(&config, &backend, &RustCrypto, &body, at)).unwrap_err();
        assert_eq!(err.code(), expected, "{attack}: {err:?}");
        assert!(backend.forwarded.borrow().is_empty(), "{attack}: forwarded");
    }
    // Rate limit exceeded: the one attack that needs its own configuration.
    let (config, backend) = (config().with_rate_limits("card=1/3600000").unwrap(), backend());
    let first = kiosk_request(&config, &backend, "card-1").2;
    block_on(issue(&config, &backend, &RustCrypto, &first, now())).unwrap();
    let second = kiosk_request(&config, &backend, "card-1").2;
    let err = block_on(issue(&config, &backend, &RustCrypto, &second, now())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
}

/// The directory through the ops API: an enrolled kiosk works at once, a revoked one is
/// unknown, a registered municipality's entry is what the pipeline reads.
#[test]
fn ops_directory_calls_enroll_revoke_and_register() {
    use kofu_edge::core::ops::{enroll_kiosk, register_municipality, revoke_kiosk};
    let (config, backend) = (config(), backend());
    let kiosk = serde_json::json!({
        "id": "kiosk-ops-1", "public_key": Bytes(fixture("kiosk-dev-001.pub.der")),
        "operator": "chain", "store": "store 1",
    });
    block_on(enroll_kiosk(&backend, kiosk.to_string().as_bytes())).unwrap();
    let challenge = br#"{"kiosk_id":"kiosk-ops-1"}"#;
    block_on(create_challenge(&config, &backend, challenge, now(), rand_nonce())).unwrap();
    block_on(revoke_kiosk(&backend, br#"{"id":"kiosk-ops-1"}"#)).unwrap();
    let err = block_on(create_challenge(&config, &backend, challenge, now(), rand_nonce())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownKiosk);
    assert_eq!(block_on(revoke_kiosk(&backend, br#"{"id":"kiosk-none"}"#)).unwrap_err(), EdgeError::UnknownKiosk);
    let bad_key = serde_json::json!({ "id": "kiosk-ops-2", "public_key": "AAAA", "operator": "", "store": "" });
    assert!(block_on(enroll_kiosk(&backend, bad_key.to_string().as_bytes())).is_err());

    let municipality = |endpoint: &str| {
        serde_json::json!({
            "code": "122319", "name": "印西市", "endpoint": endpoint,
            "public_key": Bytes(fixture("municipal-122319.pub.der")), "enabled": true,
            "open_minute": 390, "close_minute": 1380, "year_end_closed": true, "kinds": ["juminhyo"],
        })
        .to_string()
    };
    block_on(register_municipality(&backend, municipality("https://inzai.example/kofu").as_bytes())).unwrap();
    let stored = backend.municipalities.borrow()[&inzai()].clone();
    assert_eq!((stored.endpoint.as_str(), stored.hours.open_minute), ("https://inzai.example/kofu", 390));
    assert!(block_on(register_municipality(&backend, municipality("http://inzai.example").as_bytes())).is_err());
}

/// A municipality that did not answer once is asked again (safe: it is idempotent on the
/// transaction id); one that stays unreachable is `municipality_unavailable`, nothing charged.
#[test]
fn an_unreachable_municipality_is_retried_once() {
    use std::cell::Cell;
    use std::rc::Rc;
    let calls = Rc::new(Cell::new(0));
    let seen = calls.clone();
    let flaky: ForwardFn = Box::new(move |url, body| {
        seen.set(seen.get() + 1);
        if seen.get() == 1 {
            Err(kofu_edge::core::BackendError::Unreachable("reset".into()))
        } else {
            municipality(url, body)
        }
    });
    let (config, backend) = (config(), backend_with(flaky));
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap();
    assert_eq!(calls.get(), 2);

    let down: ForwardFn = Box::new(|_, _| Err(kofu_edge::core::BackendError::Unreachable("down".into())));
    let (config, backend) = (self::config(), backend_with(down));
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    let err = block_on(issue(&config, &backend, &RustCrypto, &body, now())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MunicipalityUnavailable);
}

/// The other valid form of an ECDSA signature: (r, n − s).
fn high_s(signature: &[u8]) -> Vec<u8> {
    let signature = p256::ecdsa::Signature::from_slice(signature).unwrap();
    let (r, s) = signature.split_scalars();
    use p256::elliptic_curve::PrimeField;
    let flipped = p256::ecdsa::Signature::from_scalars(r.to_repr(), (-*s).to_repr()).unwrap();
    assert_ne!(flipped.to_bytes().as_slice(), signature.to_bytes().as_slice());
    flipped.to_bytes().to_vec()
}
