//! Bad input at every body the edge parses (kiosk routes and the ops API's), through the
//! core with the memory backend, where the parsing lives: each case is refused within
//! the deadline with the documented typed error (never 5xx), the answer never echoes the
//! input, the audit chain still verifies and a real issuance still succeeds afterwards.
//! The adapter adds only the body limit and routing (tests/tests/stack.rs tries those).

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_executor::block_on;
use kofu_edge::core::EdgeError;
use kofu_edge::core::audit::verify_chain;
use kofu_edge::core::center_key::MIN_OVERLAP_MS;
use kofu_edge::core::memory::MemoryBackend;
use kofu_edge::core::verify::RustCrypto;
use kofu_shared::hostile::{self, MARKER};
use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::{menu_message, p256_sign, p256_signing_key};
use kofu_shared::wire::*;
use kofu_shared::{Bytes, ErrorCode};

const DEADLINE: Duration = Duration::from_secs(2);

type Handler = fn(&MemoryBackend, &[u8]) -> Result<Vec<u8>, EdgeError>;

fn json<T: serde::Serialize>(value: T) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

fn challenges(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    let config = config();
    block_on(kofu_edge::core::challenge::create_challenge(&config, backend, body, now(), rand_nonce())).map(json)
}

fn menu(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::menu::menu(&config(), backend, &RustCrypto, body, now())).map(json)
}

fn issue(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::issue::issue(&config(), backend, &RustCrypto, body, now())).map(json)
}

fn outcome(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::outcome::report_outcome(&config(), backend, &RustCrypto, body, now())).map(json)
}

fn enroll(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::ops::enroll_kiosk(backend, body)).map(|_| json(serde_json::json!({"ok": true})))
}

fn revoke(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::ops::revoke_kiosk(backend, body)).map(|_| json(serde_json::json!({"ok": true})))
}

fn register(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    block_on(kofu_edge::core::ops::register_municipality(backend, body)).map(|_| json(serde_json::json!({"ok": true})))
}

fn rotate(backend: &MemoryBackend, body: &[u8]) -> Result<Vec<u8>, EdgeError> {
    let config = config().with_next_center_key(&Bytes::encode(&fixture("center-next.key.der"))).unwrap();
    block_on(kofu_edge::core::center_key::rotate_center_key(&RustCrypto, &config, backend, body, now())).map(json)
}

fn menu_body() -> Vec<u8> {
    let request = MenuRequest {
        version: 1,
        kiosk_id: "kiosk-dev-001".into(),
        card_certificate: fixture("card-1.cert.der").into(),
        requested_at: now(),
    };
    let request = serde_json::to_vec(&request).unwrap();
    let key = p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
    let kiosk_signature = p256_sign(&key, &menu_message(&request)).to_vec();
    json(MenuEnvelope { request: request.into(), kiosk_signature: kiosk_signature.into() })
}

/// Every route that parses a body, with a body it accepts, and the base64 field inside it
/// that carries a signed JSON payload (whose own fields get hostile values too).
fn surfaces(backend: &MemoryBackend) -> Vec<(&'static str, Handler, Vec<u8>, Option<&'static str>)> {
    let (request, _, issue_body) = kiosk_request(&config(), backend, "card-1");
    let outcome_body = outcome_body("kiosk-dev-001.key.der", &request.transaction_id, PrintOutcome::Printed);
    let kiosk = serde_json::json!({
        "id": "kiosk-ops-1", "public_key": Bytes(fixture("kiosk-dev-001.pub.der")),
        "operator": "chain", "store": "store 1",
    });
    let municipality = serde_json::json!({
        "code": "131016", "name": "千代田区", "endpoint": "https://chiyoda.example/kofu",
        "public_key": Bytes(fixture("municipal-131016.pub.der")), "enabled": true,
        "open_minute": 390, "close_minute": 1380, "year_end_closed": true, "kinds": ["juminhyo"],
        "closed_dates": ["2026-12-31"],
    });
    let rotation = serde_json::json!({
        "public_key": Bytes::encode(&fixture("center-next.pub.der")),
        "previous_public_key": Bytes::encode(&fixture("center.pub.der")),
        "retire_at": now() + MIN_OVERLAP_MS + 60_000,
    });
    vec![
        ("/v1/challenges", challenges as Handler, br#"{"kiosk_id":"kiosk-dev-001"}"#.to_vec(), None),
        ("/v1/menu", menu, menu_body(), Some("request")),
        ("/v1/issue", issue, issue_body, Some("request")),
        ("/v1/outcome", outcome, outcome_body, Some("report")),
        ("/v1/ops/kiosks", enroll, json(kiosk), None),
        ("/v1/ops/kiosks/revoke", revoke, br#"{"id":"kiosk-ops-0"}"#.to_vec(), None),
        ("/v1/ops/municipalities", register, json(municipality), None),
        ("/v1/ops/center-key/rotate", rotate, json(rotation), None),
    ]
}

/// Free text an operator names things with: printable text is theirs to choose.
fn free_text(path: &str, field: &str) -> bool {
    matches!((path, field), ("/v1/ops/kiosks", "operator" | "store") | ("/v1/ops/municipalities", "name"))
}

/// Hostile strings that are still printable text of a sane length.
fn printable(name: &str) -> bool {
    matches!(name, "SQL" | "markup" | "path" | "format string")
}

#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// Runs `handler` and checks the answer: in time, typed, `wanted` (a set: which of
    /// several checks refuses first may vary), no 5xx, no echo.
    fn check(
        &mut self,
        case: &str,
        backend: &MemoryBackend,
        handler: Handler,
        body: &[u8],
        wanted: &[ErrorCode],
        hostile: Option<&str>,
    ) {
        let started = Instant::now();
        let result = handler(backend, body);
        let took = started.elapsed();
        if took > DEADLINE {
            self.0.push(format!("{case}: took {took:?}"));
        }
        let answer = match &result {
            Ok(answer) => answer.clone(),
            Err(e) => e.to_api_error().to_json().into_bytes(),
        };
        match &result {
            Ok(_) if wanted.is_empty() => {}
            Ok(_) => self.0.push(format!("{case}: accepted, wanted {wanted:?}")),
            Err(e) => {
                let code = e.code();
                if code.http_status() >= 500 || !wanted.contains(&code) {
                    self.0.push(format!("{case}: {} {code}, wanted {wanted:?}", code.http_status()));
                }
                let typed: Result<kofu_shared::ApiError, _> = serde_json::from_slice(&answer);
                if typed.ok().map(|t| t.error.code) != Some(code) {
                    self.0.push(format!("{case}: the error body is not typed"));
                }
            }
        }
        let marked = answer.windows(MARKER.len()).any(|w| w == MARKER.as_bytes());
        if marked || hostile.is_some_and(|h| hostile::reflects(&answer, h)) {
            self.0.push(format!("{case}: the answer reflects the input"));
        }
    }
}

#[test]
fn every_bad_body_at_every_edge_route_is_a_typed_refusal_and_the_edge_stays_well() {
    use ErrorCode::{BadRequest, KioskSignatureInvalid, UnknownKiosk};
    let backend = backend();
    let mut findings = Findings::default();
    for (path, handler, valid, signed_field) in surfaces(&backend) {
        for case in hostile::bodies(MAX_BODY_BYTES) {
            findings.check(&format!("{path} {}", case.name), &backend, handler, &case.body, &[case.code], None);
        }
        let twice = hostile::duplicate_first_key(&valid);
        findings.check(&format!("{path} duplicate key"), &backend, handler, &twice, &[BadRequest], None);
        for (name, text) in hostile::strings() {
            for (field, body) in hostile::with_each_string(&valid, &text) {
                let case = format!("{path} {name} in {field}");
                let wanted: &[ErrorCode] = match path {
                    _ if free_text(path, &field) && printable(name) => &[],
                    // Any id may be asked to be revoked: one never enrolled is unknown.
                    "/v1/ops/kiosks/revoke" => &[BadRequest, UnknownKiosk],
                    _ => &[BadRequest],
                };
                findings.check(&case, &backend, handler, &body, wanted, Some(&text));
            }
            // Inside the signed payload: refused before or at the kiosk signature.
            let Some(signed_field) = signed_field else { continue };
            let mut envelope: serde_json::Value = serde_json::from_slice(&valid).unwrap();
            let payload = Bytes::decode(envelope[signed_field].as_str().unwrap()).unwrap();
            for (field, changed) in hostile::with_each_string(&payload, &text) {
                envelope[signed_field] = serde_json::Value::String(Bytes::encode(&changed));
                let case = format!("{path} {name} in {signed_field}.{field}");
                let wanted = [BadRequest, KioskSignatureInvalid, UnknownKiosk];
                findings.check(&case, &backend, handler, &json(&envelope), &wanted, Some(&text));
            }
        }
    }
    assert!(findings.0.is_empty(), "{} findings:\n{}", findings.0.len(), findings.0.join("\n"));

    // Every refusal above was audited, and the chain still holds.
    let records = backend.audit.borrow().clone();
    assert!(records.len() > 100, "{} audit records", records.len());
    assert_eq!(verify_chain(&records), Ok(records.len() as u64));
    // A real issuance still goes through.
    let (request, reply_key, body) = kiosk_request(&config(), &backend, "card-1");
    let answer: IssueResponse = serde_json::from_slice(&issue(&backend, &body).unwrap()).unwrap();
    let opened = kofu_shared::kiosk::open_answer(&answer, &kofu_shared::kiosk::expected_binding(&request), &reply_key);
    assert!(opened.is_ok(), "the document after the bad inputs: {:?}", opened.err());
}
