//! Bad input at the municipal server's HTTP surface (issuing API and the dev validation
//! service), over real HTTP on 127.0.0.1: every case answers within the deadline, never
//! 5xx, with the documented typed error, never echoing the input; and the server still
//! serves a good request afterwards.

mod common;

use common::http::{Answer, DEADLINE, Server, send, send_with, serve};
use common::{fixture, forward, outcome_forward, setup};
use kofu_shared::hostile::{self, MARKER};
use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::{center_message, center_outcome_message, p256_sign, p256_signing_key};
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;
use kofu_shared::{ApiError, ErrorCode};

const TX: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const JSON: Option<&str> = Some("application/json");

/// Collects every failed expectation, so one run shows them all.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// A typed refusal with `code`: status, JSON body, header, in time, no echo of `hostile`.
    fn refused(&mut self, case: &str, answer: &Answer, code: ErrorCode, hostile: Option<&str>) {
        self.answered(case, answer, hostile);
        let body: Option<ApiError> = serde_json::from_slice(&answer.body).ok();
        let got = body.as_ref().map(|e| e.error.code);
        if answer.status != code.http_status() || got != Some(code) {
            self.0.push(format!("{case}: {} {:?}, wanted {} {code}", answer.status, got, code.http_status()));
        }
        if answer.header("x-kofu-error") != Some(code.as_str()) {
            self.0.push(format!("{case}: x-kofu-error {:?}", answer.header("x-kofu-error")));
        }
        if answer.header("content-type") != Some("application/json") {
            self.0.push(format!("{case}: content-type {:?}", answer.header("content-type")));
        }
    }

    /// What every answer must be, refusal or not.
    fn answered(&mut self, case: &str, answer: &Answer, hostile: Option<&str>) {
        if answer.took > DEADLINE {
            self.0.push(format!("{case}: took {:?}", answer.took));
        }
        if answer.status >= 500 {
            self.0.push(format!("{case}: {}", answer.status));
        }
        if hostile.is_some_and(|h| hostile::reflects(&answer.body, h))
            || answer.body.windows(MARKER.len()).any(|w| w == MARKER.as_bytes())
        {
            self.0.push(format!("{case}: the answer reflects the input"));
        }
    }

    fn assert_none(self) {
        assert!(self.0.is_empty(), "{} findings:\n{}", self.0.len(), self.0.join("\n"));
    }
}

fn card_query(card: &str) -> Vec<u8> {
    let cert = ParsedCert::parse(&fixture(&format!("{card}.cert.der"))).unwrap();
    let query = CardStatusQuery { issuer_sha256: cert.issuer_sha256().to_vec().into(), card_serial: cert.serial_hex };
    serde_json::to_vec(&query).unwrap()
}

fn outcome_envelope(transaction_id: &str, outcome: PrintOutcome) -> Vec<u8> {
    outcome_forward("center.key.der", transaction_id, "kiosk-dev-001", outcome)
}

fn attested(forward: Vec<u8>, message: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let key = p256_signing_key(&fixture("center.key.der")).unwrap();
    let attestation = p256_sign(&key, &message(&forward)).to_vec();
    serde_json::to_vec(&ForwardEnvelope { forward: forward.into(), attestation: attestation.into() }).unwrap()
}

/// The server is well afterwards: health, a card query, an issuance and its outcome.
fn still_serves(server: &Server, findings: &mut Findings) {
    let health = send(server.addr, "GET", "/health", None, b"");
    findings.answered("health afterwards", &health, None);
    assert_eq!(health.status, 200, "health afterwards");
    let answer = send(server.addr, "POST", "/validation/v1/cards", JSON, &card_query("card-1"));
    let status: CardStatusAnswer = serde_json::from_slice(&answer.body).expect("a card status afterwards");
    assert_eq!(status.status, CardStatus::Valid);
    let (_, body) = forward("card-1", "center.key.der", TX);
    let issued = send(server.addr, "POST", "/v1/issue", JSON, &body);
    assert_eq!(issued.status, 200, "an issuance afterwards: {}", String::from_utf8_lossy(&issued.body));
    serde_json::from_slice::<MunicipalAnswer>(&issued.body).expect("a sealed answer");
    let printed = send(server.addr, "POST", "/v1/outcome", JSON, &outcome_envelope(TX, PrintOutcome::Printed));
    let ack: OutcomeAck = serde_json::from_slice(&printed.body).expect("an acknowledgement afterwards");
    assert_eq!(ack.state, RegisterState::Printed);
}

/// The routes, each with a body it accepts.
fn routes() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("/v1/issue", forward("card-1", "center.key.der", TX).1),
        ("/v1/outcome", outcome_envelope(TX, PrintOutcome::Printed)),
        ("/validation/v1/cards", card_query("card-1")),
    ]
}

#[test]
fn every_bad_body_at_every_route_is_a_typed_refusal_and_the_server_stays_well() {
    let (m, db, _scratch) = setup();
    let server = serve(m, db);
    let mut findings = Findings::default();
    for (path, valid) in routes() {
        for case in hostile::bodies(MAX_BODY_BYTES) {
            let answer = send(server.addr, "POST", path, JSON, &case.body);
            findings.refused(&format!("{path} {}", case.name), &answer, case.code, None);
        }
        let twice = hostile::duplicate_first_key(&valid);
        let answer = send(server.addr, "POST", path, JSON, &twice);
        findings.refused(&format!("{path} duplicate key"), &answer, ErrorCode::BadRequest, None);
        for (name, text) in hostile::strings() {
            for (field, body) in hostile::with_each_string(&valid, &text) {
                let case = format!("{path} {name} in {field}");
                let answer = send(server.addr, "POST", path, JSON, &body);
                // Any short string is a card serial the service may be asked about: unknown.
                let is_query = path == "/validation/v1/cards" && field == "card_serial" && text.len() <= 64;
                if is_query && answer.status == 200 {
                    findings.answered(&case, &answer, Some(&text));
                    let status: Option<CardStatusAnswer> = serde_json::from_slice(&answer.body).ok();
                    assert_eq!(status.map(|s| s.status), Some(CardStatus::Unknown), "{case}");
                } else {
                    findings.refused(&case, &answer, ErrorCode::BadRequest, Some(&text));
                }
            }
        }
        // The content type is not what decides: junk is junk under any label, or none.
        let labels = [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/json; charset=shift_jis"),
            None,
        ];
        for content_type in labels {
            let answer = send(server.addr, "POST", path, content_type, b"{\"a\":");
            findings.refused(&format!("{path} junk as {content_type:?}"), &answer, ErrorCode::BadRequest, None);
        }
        // Below the router: hyper refuses a header it cannot parse with a bare 400.
        let answer = send(server.addr, "POST", path, Some("\u{7f}"), b"{}");
        findings.answered(&format!("{path} unparsable header"), &answer, None);
        assert_eq!(answer.status, 400, "{path} unparsable header");
        // A declared length over the limit is refused before anything is read.
        let answer = send_with(server.addr, "POST", path, JSON, Some("1000000000"), b"{");
        findings.refused(&format!("{path} declared 1 GB"), &answer, ErrorCode::BodyTooLarge, None);
    }
    still_serves(&server, &mut findings);
    findings.assert_none();
}

/// Past the attestation: forwards the center really signed, carrying hostile values in
/// each of their string fields, and in each field of the request inside them.
#[test]
fn attested_forwards_with_hostile_fields_are_refused_without_echo() {
    let (m, db, _scratch) = setup();
    let server = serve(m, db);
    let mut findings = Findings::default();
    let (_, valid) = forward("card-1", "center.key.der", TX);
    let envelope: ForwardEnvelope = serde_json::from_slice(&valid).unwrap();
    let forward_bytes = envelope.forward.0.clone();
    let inner: Forward = serde_json::from_slice(&forward_bytes).unwrap();
    // The request is not signed by the card any more once changed: refused, as what?
    let allowed = [ErrorCode::BadRequest, ErrorCode::CardSignatureInvalid, ErrorCode::AttestationInvalid];
    for (name, text) in hostile::strings() {
        let mut bodies: Vec<(String, Vec<u8>)> = hostile::with_each_string(&forward_bytes, &text)
            .into_iter()
            .map(|(field, f)| (format!("forward.{field}"), attested(f, center_message)))
            .collect();
        for (field, request) in hostile::with_each_string(&inner.request.0, &text) {
            let mut changed = inner.clone();
            changed.request = request.into();
            bodies.push((format!("request.{field}"), attested(serde_json::to_vec(&changed).unwrap(), center_message)));
        }
        let outcome: ForwardEnvelope =
            serde_json::from_slice(&outcome_envelope(TX, PrintOutcome::PrintFailed)).unwrap();
        for (field, f) in hostile::with_each_string(&outcome.forward.0, &text) {
            bodies.push((format!("outcome forward.{field}"), attested(f, center_outcome_message)));
        }
        let outcome_forward: OutcomeForward = serde_json::from_slice(&outcome.forward.0).unwrap();
        for (field, report) in hostile::with_each_string(&outcome_forward.report.0, &text) {
            let mut changed = outcome_forward.clone();
            changed.report = report.into();
            let body = attested(serde_json::to_vec(&changed).unwrap(), center_outcome_message);
            bodies.push((format!("outcome report.{field}"), body));
        }
        for (field, body) in bodies {
            let path = if field.starts_with("outcome") { "/v1/outcome" } else { "/v1/issue" };
            let case = format!("{name} in {field}");
            let answer = send(server.addr, "POST", path, JSON, &body);
            let code = serde_json::from_slice::<ApiError>(&answer.body).ok().map(|e| e.error.code);
            // An outcome for a transaction never issued is unknown, whatever its fields.
            let expected = match code {
                Some(code) if allowed.contains(&code) || code == ErrorCode::TransactionUnknown => code,
                _ => ErrorCode::BadRequest,
            };
            findings.refused(&case, &answer, expected, Some(&text));
        }
    }
    still_serves(&server, &mut findings);
    findings.assert_none();
}

#[test]
fn wrong_methods_and_unknown_paths_are_typed_refusals() {
    let (m, db, _scratch) = setup();
    let server = serve(m, db);
    let mut findings = Findings::default();
    let calls = [
        ("GET", "/v1/issue"),
        ("PUT", "/v1/issue"),
        ("DELETE", "/v1/outcome"),
        ("PATCH", "/validation/v1/cards"),
        ("GET", "/validation/v1/cards"),
        ("POST", "/health"),
        ("OPTIONS", "/v1/issue"),
        ("POST", "/v1/issue/"),
        ("POST", "/v1/nothing-here"),
        ("GET", "/../../etc/passwd"),
    ];
    for (method, path) in calls {
        let answer = send(server.addr, method, path, JSON, b"{}");
        findings.refused(&format!("{method} {path}"), &answer, ErrorCode::BadRequest, None);
    }
    // Percent-encoded, so it reaches the router (hyper itself answers a bare 400 to raw `<`).
    let hostile_path = format!("/v1/{MARKER}%00%E2%80%AE%3Cscript%3E");
    let answer = send(server.addr, "POST", &hostile_path, JSON, b"{}");
    findings.refused("a hostile path", &answer, ErrorCode::BadRequest, Some(MARKER));
    still_serves(&server, &mut findings);
    findings.assert_none();
}
