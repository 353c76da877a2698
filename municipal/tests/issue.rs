//! The municipal issuing core against a real SQLite database with the dev seed.

mod common;

use common::{NOW, fixture, forward, outcome_forward, setup};
use kofu_municipal::CenterKey;
use kofu_municipal::issue::{MunicipalError, handle_issue};
use kofu_municipal::validation::card_status;
use kofu_shared::ErrorCode;
use kofu_shared::kiosk::expected_binding;
use kofu_shared::seal::ReplyKey;
use kofu_shared::signing::*;
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;

const TX: &str = "00112233445566778899aabbccddeeff";

#[test]
fn issues_a_signed_juminhyo_bound_to_the_transaction_once() {
    let (m, db, _dir) = setup();
    let (request, body) = forward("card-1", "center.key.der", TX);
    let reply_key = ReplyKey::derive_for_tests(TX.as_bytes());
    let answer = handle_issue(&m, &db, &body, NOW).unwrap();
    let open = |answer: &MunicipalAnswer| -> SignedDocument {
        serde_json::from_slice(&reply_key.open(TX.as_bytes(), &answer.sealed).unwrap()).unwrap()
    };
    let signed = open(&answer);
    let key = p256_public_key(&fixture("municipal-122319.pub.der")).unwrap();
    p256_verify(&key, &municipal_message(&signed.document.0), &signed.signature.0).unwrap();
    let document: Document = serde_json::from_slice(&signed.document.0).unwrap();
    assert_eq!(document.binding, expected_binding(&request));
    let DocumentBody::Juminhyo(body_fields) = &document.body else { panic!("not a 住民票") };
    assert_eq!(body_fields.members[0].name, "木下 花子");
    assert_eq!(body_fields.members.len(), 1, "the holder only, by default");
    // Sealed: the bytes on the wire carry none of it.
    let wire = serde_json::to_string(&answer).unwrap();
    assert!(!wire.contains("木下") && !wire.contains(&kofu_shared::Bytes::encode(&signed.document.0[..24])));
    // Asked again: the same document, no second register entry.
    let again = handle_issue(&m, &db, &body, NOW).unwrap();
    assert_eq!(open(&again), signed);
    assert_eq!(db.issuance_count().unwrap(), 1);
}

#[test]
fn a_reused_transaction_id_with_another_request_is_refused() {
    let (m, db, _dir) = setup();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX).1, NOW).unwrap();
    let err = handle_issue(&m, &db, &forward("card-2", "center.key.der", TX).1, NOW).unwrap_err();
    assert!(matches!(err, MunicipalError::TransactionConflict));
}

#[test]
fn only_the_center_can_ask() {
    let (m, db, _dir) = setup();
    let (_, body) = forward("card-1", "kiosk-dev-001.key.der", TX);
    let err = handle_issue(&m, &db, &body, NOW).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AttestationInvalid);
    assert_eq!(db.issuance_count().unwrap(), 0);
}

#[test]
fn a_card_nobody_holds_is_not_found() {
    let (m, db, _dir) = setup();
    let (_, body) = forward("card-rogue", "center.key.der", TX);
    let err = handle_issue(&m, &db, &body, NOW).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ResidentNotFound);
}

#[test]
fn garbage_is_a_typed_error_and_errors_carry_no_personal_data() {
    let (m, db, _dir) = setup();
    for junk in [&b""[..], b"{}", b"[1,2]", b"\xff\xfe", br#"{"forward":"AA","attestation":"AA"}"#] {
        let err = handle_issue(&m, &db, junk, NOW).unwrap_err();
        let text = err.to_api_error().to_json();
        assert!(!text.contains("木下"), "{text}");
    }
    let big = vec![b'x'; kofu_shared::limits::MAX_BODY_BYTES + 1];
    assert!(matches!(handle_issue(&m, &db, &big, NOW), Err(MunicipalError::BodyTooLarge)));
}

#[test]
fn validation_service_names_the_residence_municipality() {
    let (_, db, _dir) = setup();
    let cert = ParsedCert::parse(&fixture("card-1.cert.der")).unwrap();
    let query =
        CardStatusQuery { card_serial: cert.serial_hex.clone(), issuer_sha256: cert.issuer_sha256().to_vec().into() };
    let answer = card_status(&db, &serde_json::to_vec(&query).unwrap(), NOW).unwrap();
    assert_eq!(answer.status, CardStatus::Valid);
    assert_eq!(answer.municipality.unwrap().to_string(), "122319");
    let rogue = ParsedCert::parse(&fixture("card-rogue.cert.der")).unwrap();
    let query =
        CardStatusQuery { card_serial: rogue.serial_hex.clone(), issuer_sha256: rogue.issuer_sha256().to_vec().into() };
    assert_eq!(card_status(&db, &serde_json::to_vec(&query).unwrap(), NOW).unwrap().status, CardStatus::Unknown);
}

#[test]
fn printed_is_final_and_a_failed_print_voids_the_entry() {
    use kofu_municipal::outcome::{OutcomeError, handle_outcome};
    let (m, db, _dir) = setup();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX).1, NOW).unwrap();
    let printed = outcome_forward("center.key.der", TX, "kiosk-dev-001", PrintOutcome::Printed);
    assert_eq!(handle_outcome(&m, &db, &printed, NOW).unwrap().state, RegisterState::Printed);
    // The same report again is acknowledged; a contradicting one is refused.
    assert_eq!(handle_outcome(&m, &db, &printed, NOW).unwrap().state, RegisterState::Printed);
    let failed = outcome_forward("center.key.der", TX, "kiosk-dev-001", PrintOutcome::PrintFailed);
    assert!(matches!(handle_outcome(&m, &db, &failed, NOW), Err(OutcomeError::Conflict)));
    assert_eq!(db.issuance_state(TX).unwrap().as_deref(), Some("printed"));

    let tx2 = "ffeeddccbbaa99887766554433221100";
    handle_issue(&m, &db, &forward("card-2", "center.key.der", tx2).1, NOW).unwrap();
    let failed = outcome_forward("center.key.der", tx2, "kiosk-dev-001", PrintOutcome::PrintFailed);
    assert_eq!(handle_outcome(&m, &db, &failed, NOW).unwrap().state, RegisterState::Voided);
    assert_eq!(db.issuance_state(tx2).unwrap().as_deref(), Some("voided"));
}

#[test]
fn outcomes_need_the_center_and_the_issuing_kiosk() {
    use kofu_municipal::outcome::{OutcomeError, handle_outcome};
    let (m, db, _dir) = setup();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX).1, NOW).unwrap();
    let forged = outcome_forward("kiosk-dev-001.key.der", TX, "kiosk-dev-001", PrintOutcome::PrintFailed);
    assert!(matches!(handle_outcome(&m, &db, &forged, NOW), Err(OutcomeError::Attestation)));
    let other_kiosk = outcome_forward("center.key.der", TX, "kiosk-other", PrintOutcome::PrintFailed);
    assert!(matches!(handle_outcome(&m, &db, &other_kiosk, NOW), Err(OutcomeError::Unknown)));
    assert_eq!(db.issuance_state(TX).unwrap().as_deref(), Some("issued"));
}

#[test]
fn residents_the_service_may_not_serve_get_typed_reasons() {
    let (m, db, _dir) = setup();
    let cases = [
        ("card-4", ErrorCode::ResidentMovedOut),
        ("card-5", ErrorCode::NotServed),
        ("card-6", ErrorCode::NotServed),
        ("card-7", ErrorCode::NotYetActive),
    ];
    for (i, (card, code)) in cases.into_iter().enumerate() {
        let tx = format!("{i:032x}");
        let err = handle_issue(&m, &db, &forward(card, "center.key.der", &tx).1, NOW).unwrap_err();
        assert_eq!(err.code(), code, "{card}");
        // The wire never says why beyond the code: no DV support measure, no names.
        let text = err.to_api_error().to_json();
        assert!(!text.contains("support") && !text.contains("中村"), "{text}");
    }
    assert_eq!(db.issuance_count().unwrap(), 0);
    // The card issued "today" works from tomorrow.
    let tomorrow = NOW + 24 * 3600 * 1000;
    assert!(handle_issue(&m, &db, &forward("card-7", "center.key.der", &format!("{:032x}", 9)).1, tomorrow).is_ok());
}

/// Center key rotation: while the retiring key has time left, attestations by either key
/// are accepted; after, only the new key's.
#[test]
fn during_a_center_key_rotation_both_keys_are_accepted_until_the_old_one_retires() {
    let (mut m, db, _dir) = setup();
    let retiring =
        CenterKey { key: p256_public_key(&fixture("center.pub.der")).unwrap(), until_ms: Some(NOW + 60_000) };
    // The new center key: any other P-256 key will do for the test (the municipal one).
    let new = CenterKey { key: p256_public_key(&fixture("municipal-122319.pub.der")).unwrap(), until_ms: None };
    m.center_keys = vec![retiring, new];
    let tx = |n: u8| format!("{n:02x}").repeat(16);
    let (_, by_old) = forward("card-1", "center.key.der", &tx(1));
    let (_, by_new) = forward("card-1", "municipal-122319.key.der", &tx(2));
    handle_issue(&m, &db, &by_old, NOW).unwrap();
    handle_issue(&m, &db, &by_new, NOW).unwrap();
    let (_, old_late) = forward("card-1", "center.key.der", &tx(3));
    let (_, new_late) = forward("card-1", "municipal-122319.key.der", &tx(4));
    assert!(matches!(handle_issue(&m, &db, &old_late, NOW + 60_001), Err(MunicipalError::Attestation)));
    handle_issue(&m, &db, &new_late, NOW + 60_001).unwrap();
}

/// Suspended and not-yet-active cards are told apart from revoked ones, and name no
/// municipality.
#[test]
fn validation_service_tells_suspended_and_not_yet_active_cards() {
    let (_, db, _dir) = setup();
    let cert = ParsedCert::parse(&fixture("card-2.cert.der")).unwrap();
    let issuer = hex::encode(cert.issuer_sha256());
    let query =
        CardStatusQuery { card_serial: cert.serial_hex.clone(), issuer_sha256: cert.issuer_sha256().to_vec().into() };
    let ask = |now| card_status(&db, &serde_json::to_vec(&query).unwrap(), now).unwrap();
    db.set_card_validation(&issuer, &cert.serial_hex, "suspended", None).unwrap();
    assert_eq!((ask(NOW).status, ask(NOW).municipality), (CardStatus::Suspended, None));
    // Active from tomorrow (Japan time): refused today, valid tomorrow.
    db.set_card_validation(&issuer, &cert.serial_hex, "valid", Some("2026-11-26")).unwrap();
    assert_eq!(ask(NOW).status, CardStatus::NotYetActive);
    assert_eq!(ask(NOW + 86_400_000).status, CardStatus::Valid);
    db.set_card_validation(&issuer, &cert.serial_hex, "revoked", None).unwrap();
    assert_eq!(ask(NOW).status, CardStatus::Revoked);
}
