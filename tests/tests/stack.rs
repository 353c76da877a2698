//! The real stack: the edge in workerd (`wrangler dev`), the municipal server and its
//! SQLite database, driven by the kiosk app's own session code over HTTP.

use futures_executor::block_on;
use kofu_app::session::{EdgeCallError, IssueStep, Session, SessionError};
use kofu_card::{Pin, PinState, VerifyOutcome};
use kofu_shared::wire::{CertificateChoice, CertificateKind, DocumentBody, Health, IssueEnvelope};
use kofu_shared::{ApiError, ErrorCode};
use kofu_tests::*;

fn choice() -> CertificateChoice {
    CertificateChoice::new(CertificateKind::Juminhyo, 1)
}

type Issued = Result<kofu_app::session::VerifiedDocument, SessionError>;

/// Runs a whole issuance with `card`, recording the envelope sent.
fn issue_with(card_name: &str, n: u64) -> (Issued, Vec<IssueEnvelope>) {
    let (result, edge) = issue_recorded(card_name, n);
    (result, edge.sent.into_inner())
}

fn issue_recorded(card_name: &str, n: u64) -> (Issued, RecordingEdge) {
    let edge = RecordingEdge::new();
    let result = block_on(async {
        let (mut session, state) = Session::start(card(card_name)).await?;
        assert_eq!(state, PinState::TriesLeft(3));
        assert_eq!(session.verify_pin(Pin::parse("1234").unwrap()).await?, VerifyOutcome::Verified);
        let steps = std::cell::RefCell::new(Vec::new());
        let record = |step| steps.borrow_mut().push(step);
        let issued =
            session.issue_showing(&edge, &dev_kiosk(), choice(), fresh_transaction_id(n), now_ms(), &record).await;
        if issued.is_ok() {
            assert_eq!(steps.into_inner(), [IssueStep::Card, IssueStep::Municipality, IssueStep::Checking]);
        }
        issued
    });
    (result, edge)
}

fn refusal(status_and_body: (u16, Vec<u8>)) -> (u16, ErrorCode) {
    let (status, body) = status_and_body;
    let e: ApiError = serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not an API error: {status}"));
    (status, e.error.code)
}

#[test]
fn health_of_edge_and_municipal() {
    let (status, body) = get(&format!("{}/v1/health", env("KOFU_EDGE_URL")));
    assert_eq!(status, 200);
    let health: Health = serde_json::from_slice(&body).unwrap();
    assert_eq!(health.service, "kofu-edge");
    assert_eq!((health.status.as_str(), health.schema), ("ok", Some(kofu_edge::core::SCHEMA_VERSION)));
    assert_eq!(get(&format!("{}/health", env("KOFU_MUNICIPAL_URL"))).0, 200);
}

#[test]
fn a_juminhyo_is_issued_through_workerd_and_bound_to_the_transaction() {
    let (result, edge) = issue_recorded("card-2", 1);
    let verified = result.expect("issuance");
    let DocumentBody::Juminhyo(body) = &verified.document.body else { panic!("not a 住民票") };
    assert_eq!(body.members[0].name, "佐藤 健一");
    assert_eq!(verified.document.municipality.to_string(), "122319");
    assert_eq!(edge.sent.borrow().len(), 1);
    // The edge relayed only a sealed answer: neither the name nor the document bytes.
    let relayed = edge.received.borrow()[0].clone();
    assert!(!relayed.contains("佐藤"));
    assert!(!relayed.contains(&kofu_shared::Bytes::encode(&verified.signed.document.0[..24])));
}

#[test]
fn a_replayed_request_is_refused_with_challenge_used() {
    let (result, sent) = issue_with("card-1", 2);
    result.expect("first issuance");
    let body = serde_json::to_vec(&sent[0]).unwrap();
    let (status, code) = refusal(post(&format!("{}/v1/issue", env("KOFU_EDGE_URL")), &body));
    assert_eq!((status, code), (409, ErrorCode::ChallengeUsed));
}

#[test]
fn one_byte_changed_after_signing_is_refused() {
    let (result, sent) = issue_with("card-3", 3);
    result.expect("issuance");
    // Same request again with a fresh challenge is not possible without the card, so
    // tamper with the recorded one: the kiosk signature check comes before the challenge.
    let mut tampered = sent[0].clone();
    // "copies":1 → "copies":2: one byte, still a well-formed request.
    let marker = b"\"copies\":1";
    let pos = tampered.request.0.windows(marker.len()).position(|w| w == marker).unwrap() + marker.len() - 1;
    tampered.request.0[pos] = b'2';
    let body = serde_json::to_vec(&tampered).unwrap();
    let (status, code) = refusal(post(&format!("{}/v1/issue", env("KOFU_EDGE_URL")), &body));
    assert_eq!((status, code), (403, ErrorCode::KioskSignatureInvalid));
}

#[test]
fn a_card_from_another_ca_is_refused() {
    let (result, _) = issue_with("card-rogue", 4);
    assert_eq!(result.err(), Some(SessionError::Edge(EdgeCallError::Refused(ErrorCode::CardCertificateUntrusted))));
}

#[test]
fn oversized_and_garbage_bodies_get_typed_errors() {
    let edge = env("KOFU_EDGE_URL");
    let big = vec![b'{'; kofu_shared::limits::MAX_BODY_BYTES + 1];
    assert_eq!(refusal(post(&format!("{edge}/v1/issue"), &big)), (413, ErrorCode::BodyTooLarge));
    for junk in [&b""[..], b"{", b"null", b"{\"request\":1}", b"\xff\xfe\xfd"] {
        assert_eq!(refusal(post(&format!("{edge}/v1/issue"), junk)), (400, ErrorCode::BadRequest));
        assert_eq!(refusal(post(&format!("{edge}/v1/challenges"), junk)), (400, ErrorCode::BadRequest));
    }
    let municipal = env("KOFU_MUNICIPAL_URL");
    assert_eq!(refusal(post(&format!("{municipal}/v1/issue"), b"{}")).0, 400);
    assert_eq!(refusal(post(&format!("{municipal}/v1/issue"), &big)).0, 413);
}

#[test]
fn an_unknown_kiosk_gets_no_challenge() {
    let body = br#"{"kiosk_id":"kiosk-unknown"}"#;
    let (status, code) = refusal(post(&format!("{}/v1/challenges", env("KOFU_EDGE_URL")), body));
    assert_eq!((status, code), (403, ErrorCode::UnknownKiosk));
}

#[test]
fn of_concurrent_copies_of_one_request_exactly_one_is_served() {
    let edge = RecordingEdge::new();
    // Build one valid envelope without sending it: the recorder keeps it, the edge refuses
    // nothing because we send it only below.
    let envelope = block_on(async {
        let (mut session, _) = Session::start(card("card-1")).await.unwrap();
        session.verify_pin(Pin::parse("1234").unwrap()).await.unwrap();
        let held = HoldingEdge { inner: &edge };
        let _ = session.issue(&held, &dev_kiosk(), choice(), fresh_transaction_id(5), now_ms()).await;
        held.inner.sent.borrow()[0].clone()
    });
    let body = serde_json::to_vec(&envelope).unwrap();
    let url = format!("{}/v1/issue", env("KOFU_EDGE_URL"));
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16).map(|_| s.spawn(|| post(&url, &body).0)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 15, "{statuses:?}");
}

/// Records the envelope and sends nothing.
struct HoldingEdge<'a> {
    inner: &'a RecordingEdge,
}

impl kofu_app::session::EdgeApi for HoldingEdge<'_> {
    async fn challenge(&self, kiosk_id: &str) -> Result<kofu_shared::wire::ChallengeResponse, EdgeCallError> {
        kofu_app::session::EdgeApi::challenge(self.inner, kiosk_id).await
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<kofu_shared::wire::IssueResponse, EdgeCallError> {
        self.inner.sent.borrow_mut().push(envelope.clone());
        Err(EdgeCallError::Network)
    }

    async fn outcome(
        &self,
        envelope: &kofu_shared::wire::OutcomeEnvelope,
    ) -> Result<kofu_shared::wire::OutcomeAck, EdgeCallError> {
        kofu_app::session::EdgeApi::outcome(self.inner, envelope).await
    }
}

#[test]
fn the_print_outcome_reaches_the_municipal_register_through_the_edge() {
    use kofu_app::session::report_outcome;
    use kofu_shared::wire::{PrintOutcome, RegisterState};
    let edge = HttpEdge::from_env();
    let kiosk = dev_kiosk();
    let (printed, _) = issue_with("card-1", 6);
    let printed = printed.expect("issuance");
    let ack = block_on(report_outcome(&edge, &kiosk, &printed.document, PrintOutcome::Printed, now_ms())).unwrap();
    assert_eq!(ack.state, RegisterState::Printed);
    // Printed is final: a later "failed" is refused, the entry stays printed.
    let again = block_on(report_outcome(&edge, &kiosk, &printed.document, PrintOutcome::PrintFailed, now_ms()));
    assert_eq!(again.unwrap_err(), EdgeCallError::Refused(ErrorCode::OutcomeConflict));

    let (failed, _) = issue_with("card-3", 7);
    let failed = failed.expect("issuance");
    let ack = block_on(report_outcome(&edge, &kiosk, &failed.document, PrintOutcome::PrintFailed, now_ms())).unwrap();
    assert_eq!(ack.state, RegisterState::Voided);
}

#[test]
fn residents_the_service_may_not_serve_are_refused_through_the_edge() {
    let cases = [
        ("card-4", ErrorCode::ResidentMovedOut),
        ("card-5", ErrorCode::NotServed),
        ("card-6", ErrorCode::NotServed),
        ("card-7", ErrorCode::NotYetActive),
    ];
    for (i, (card_name, code)) in cases.into_iter().enumerate() {
        let (result, _) = issue_with(card_name, 100 + i as u64);
        assert_eq!(result.err(), Some(SessionError::Edge(EdgeCallError::Refused(code))), "{card_name}");
    }
}

/// The per-key counter behind the rate limits is the real Durable Object in workerd:
/// `max` takes pass in a window, the next is refused, another key is unaffected.
#[test]
fn rate_limits_are_counted_in_a_durable_object() {
    let url = format!("{}/v1/_lab/rate", env("KOFU_EDGE_URL"));
    let key = format!("stack-test-{}", now_ms());
    let take = |key: &str| {
        let body = serde_json::json!({ "key": key, "max": 2, "window_ms": 60_000 }).to_string();
        let (status, answer) = post(&url, body.as_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        serde_json::from_slice::<serde_json::Value>(&answer).unwrap()["allowed"].as_bool().unwrap()
    };
    assert_eq!([take(&key), take(&key), take(&key)], [true, true, false]);
    assert!(take(&format!("{key}-other")));
}

/// The menu through workerd: the card holder's municipality, its kinds and fees from the
/// directory; a card from another CA gets none.
#[test]
fn the_menu_lists_the_municipality_kinds_and_fees() {
    let edge = HttpEdge::from_env();
    let menu = block_on(async {
        let (session, _) = Session::start(card("card-9")).await.unwrap();
        session.menu(&edge, &dev_kiosk(), now_ms()).await
    })
    .unwrap();
    assert_eq!((menu.municipality.to_string().as_str(), menu.municipality_name.as_str()), ("131016", "千代田区"));
    let kinds: Vec<_> = menu.items.iter().map(|i| (i.kind, i.fee_per_copy, i.available_now)).collect();
    assert_eq!(
        kinds,
        CertificateKind::ALL.map(|k| (k, Some(200), true)),
        "the dev directory offers all four at 200 yen, around the clock"
    );
    let rogue = block_on(async {
        let (session, _) = Session::start(card("card-rogue")).await.unwrap();
        session.menu(&edge, &dev_kiosk(), now_ms()).await
    });
    assert!(matches!(rogue, Err(SessionError::Edge(EdgeCallError::Refused(ErrorCode::CardCertificateUntrusted)))));
}

/// The keys a verifier of printed certificates needs, from the center's directory through
/// workerd: every municipality's document key, public and cacheable.
#[test]
fn the_center_publishes_each_municipality_document_key() {
    let url = format!("{}/v1/municipal-keys", kofu_tests::env("KOFU_EDGE_URL"));
    let mut response = kofu_tests::agent().get(&url).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "public, max-age=3600");
    let keys: kofu_shared::wire::MunicipalKeys =
        serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap();
    for (code, name) in [("122319", "印西市"), ("131016", "千代田区")] {
        let listed = keys.keys.iter().find(|k| k.code.to_string() == code).unwrap_or_else(|| panic!("{code} listed"));
        assert_eq!(listed.name, name);
        let published = kofu_shared::signing::p256_public_key(&listed.public_key.0).unwrap();
        let fixture = kofu_tests::fixture(&format!("municipal-{code}.pub.der"));
        assert_eq!(published, kofu_shared::signing::p256_public_key(&fixture).unwrap());
    }
}

/// The broken municipal server in front of 千代田区 (TEST ONLY) in one of its modes.
fn broken_mode(mode: &str) {
    let (status, _) = post(&format!("{}/_mode", env("KOFU_BROKEN_MUNICIPAL_URL")), mode.as_bytes());
    assert_eq!(status, 200);
}

#[test]
fn the_center_key_rotates_through_the_ops_api_and_the_next_key_signs_at_once() {
    use kofu_shared::Bytes;
    use kofu_shared::signing::{center_key_endorsement_message, p256_public_key, p256_verify};
    use kofu_shared::wire::CenterKeys;
    let published = || -> CenterKeys {
        let (status, body) = get(&format!("{}/v1/center-keys", env("KOFU_EDGE_URL")));
        assert_eq!(status, 200);
        serde_json::from_slice(&body).unwrap()
    };
    // Whichever key signs now: a rerun against the same stack finds the last rotation's.
    let signing = published().keys.into_iter().find(|k| k.retire_at.is_none()).map(|k| k.public_key.0);
    let (from, to) = match signing {
        Some(key) if key == fixture("center-next.pub.der") => ("center-next", "center"),
        _ => ("center", "center-next"),
    };
    let spki = |name: &str| Bytes::encode(&fixture(&format!("{name}.pub.der")));
    // 千代田区's side passes only forwards the key rotated to has attested.
    broken_mode(&format!("attested-by:{}", spki(to)));
    let (before, _) = issue_with("card-9", 1);
    assert!(
        // The center does not pass a municipality's attestation complaint on to kiosks.
        matches!(before, Err(SessionError::Edge(EdgeCallError::Refused(ErrorCode::MunicipalityUnavailable)))),
        "before the rotation the old key signs: {:?}",
        before.err()
    );

    let retire_at = now_ms() + 11 * 60_000;
    let rotation = |previous: &str| {
        format!(r#"{{"public_key":"{}","previous_public_key":"{}","retire_at":{retire_at}}}"#, spki(to), spki(previous))
    };
    // Naming the wrong key in force changes nothing.
    let (status, body) = ops_post("/v1/ops/center-key/rotate", rotation(to).as_bytes());
    assert_eq!(refusal((status, body)), (400, ErrorCode::BadRequest));
    let (status, body) = ops_post("/v1/ops/center-key/rotate", rotation(from).as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    // 千代田区's server learns the new key from `/v1/center-keys` (it polls every 500 ms),
    // trusting it because the key it was given endorsed it.
    let mut after = issue_with("card-9", 2).0;
    for n in 3..20 {
        if after.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        after = issue_with("card-9", n).0;
    }
    broken_mode("honest");
    assert!(after.is_ok(), "after the rotation the next key signs: {:?}", after.err());

    let keys = published().keys;
    let old = keys.iter().find(|k| k.public_key.0 == fixture(&format!("{from}.pub.der"))).unwrap();
    let new = keys.iter().find(|k| k.public_key.0 == fixture(&format!("{to}.pub.der"))).unwrap();
    assert_eq!((old.retire_at, new.retire_at), (Some(retire_at), None));
    let old_key = p256_public_key(&fixture(&format!("{from}.pub.der"))).unwrap();
    let endorsement = new.endorsement.as_ref().expect("the old key endorses the new");
    p256_verify(&old_key, &center_key_endorsement_message(&new.public_key.0, retire_at), &endorsement.0).unwrap();
}
