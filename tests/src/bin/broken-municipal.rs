//! A deliberately broken municipal server, TEST-ONLY: it stands in front of a real one and,
//! when told, commits the 2023 incidents' errors on purpose, so the browser tests can show
//! the kiosk refuses to print. The edge cannot tell: both answers are sealed.
//!
//! Usage: `broken-municipal <listen host:port> <upstream url> <municipal key.der>`.
//! `POST /_mode` with body `honest`, `replay` (answer with the previous transaction's sealed
//! document) or `misbind` (a validly signed document bound to the previous transaction,
//! sealed to this one's key), or `attested-by:KEY` (pass on only forwards whose center
//! attestation verifies under KEY, base64url SPKI; refuse others as the municipal server
//! would: the stack test of a center-key rotation sees which key signs), or `chaos` (the
//! soak's: of every three issue requests one is honest, one replayed, one misbound, as far
//! as an earlier honest answer allows). `GET /_stats` counts what it did since the mode was
//! set: `{"honest":…,"replayed":…,"misbound":…}`. The fault modes fail every issue
//! request: `fault:down` (503 from a proxy), `fault:garbage` (200 that is not JSON),
//! `fault:truncated` (the upstream's real answer, half of it), `fault:slow` (the upstream's
//! answer 12 s late, past the edge's deadline). Every other request goes to the upstream
//! unchanged.

use std::io::Read;
use std::sync::Mutex;

use kofu_shared::seal::seal;
use kofu_shared::signing::{
    center_message, municipal_message, p256_public_key, p256_sign, p256_signing_key, p256_verify,
};
use kofu_shared::wire::{
    Document, DocumentBody, ForwardEnvelope, IssueRequest, JuminhyoBody, JuminhyoMember, MunicipalAnswer,
    SignedDocument,
};
use kofu_shared::{ApiError, ErrorCode};
use p256::ecdsa::SigningKey;

#[derive(Default)]
struct State {
    mode: String,
    /// The last honest answer and the request it answered.
    previous: Option<(Vec<u8>, IssueRequest)>,
    /// Issue requests seen in this mode.
    seen: u64,
    stats: Stats,
}

#[derive(Default, Clone, Copy, serde::Serialize)]
struct Stats {
    honest: u64,
    replayed: u64,
    misbound: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, listen, upstream, key] = args.as_slice() else {
        eprintln!("usage: broken-municipal <listen> <upstream url> <municipal key.der>");
        std::process::exit(2);
    };
    let key = std::fs::read(key).ok().and_then(|der| p256_signing_key(&der).ok()).unwrap_or_else(|| {
        eprintln!("broken-municipal: unusable municipal key");
        std::process::exit(2);
    });
    let server = tiny_http::Server::http(listen.as_str()).unwrap_or_else(|e| {
        eprintln!("broken-municipal: bind {listen}: {e}");
        std::process::exit(1);
    });
    let state = Mutex::new(State { mode: "honest".into(), ..State::default() });
    eprintln!("broken-municipal listening on http://{listen} (TEST ONLY)");
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        if request.as_reader().take(64 * 1024).read_to_end(&mut body).is_err() {
            continue;
        }
        let url = request.url().to_owned();
        let (status, answer) = match url.as_str() {
            "/_mode" => {
                let mode = String::from_utf8_lossy(&body).trim().to_owned();
                if let Ok(mut s) = state.lock() {
                    *s = State { mode, previous: s.previous.take(), ..State::default() };
                }
                (200, b"ok".to_vec())
            }
            "/_stats" => match state.lock() {
                Ok(s) => (200, serde_json::to_vec(&s.stats).unwrap_or_default()),
                Err(_) => (500, b"{}".to_vec()),
            },
            "/v1/issue" => issue(&state, upstream, &key, &body),
            _ => forward(upstream, &url, &body, request.method() == &tiny_http::Method::Post),
        };
        let header = tiny_http::Header::from_bytes("content-type", "application/json").ok();
        let mut response = tiny_http::Response::from_data(answer).with_status_code(status);
        if let Some(header) = header {
            response.add_header(header);
        }
        let _ = request.respond(response);
    }
}

fn forward(upstream: &str, path: &str, body: &[u8], post: bool) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{upstream}{path}");
    let result = if post {
        agent.post(&url).header("content-type", "application/json").send(body)
    } else {
        agent.get(&url).call()
    };
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            (status, response.body_mut().read_to_vec().unwrap_or_default())
        }
        Err(_) => (502, b"{}".to_vec()),
    }
}

fn request_of(body: &[u8]) -> Option<IssueRequest> {
    let envelope: ForwardEnvelope = serde_json::from_slice(body).ok()?;
    let forward: kofu_shared::wire::Forward = serde_json::from_slice(&envelope.forward.0).ok()?;
    serde_json::from_slice(&forward.request.0).ok()
}

fn issue(state: &Mutex<State>, upstream: &str, key: &SigningKey, body: &[u8]) -> (u16, Vec<u8>) {
    let (mode, previous) = match state.lock() {
        Ok(mut s) => {
            s.seen += 1;
            let mode = match (s.mode.as_str(), s.seen % 3) {
                ("chaos", 1) => "replay".to_owned(),
                ("chaos", 2) => "misbind".to_owned(),
                ("chaos", _) => "honest".to_owned(),
                (mode, _) => mode.to_owned(),
            };
            (mode, s.previous.clone())
        }
        Err(_) => return (500, b"{}".to_vec()),
    };
    let request = request_of(body);
    if let Some(key) = mode.strip_prefix("attested-by:")
        && !attested_by(key, body)
    {
        let refusal = ApiError::new(ErrorCode::AttestationInvalid, "attestation does not verify");
        return (401, serde_json::to_vec(&refusal).unwrap_or_default());
    }
    let count = |field: fn(&mut Stats) -> &mut u64| {
        if let Ok(mut s) = state.lock() {
            *field(&mut s.stats) += 1;
        }
    };
    match (mode.as_str(), previous, request) {
        ("fault:down", _, _) => (503, b"<html><body>503 Service Unavailable</body></html>".to_vec()),
        ("fault:garbage", _, _) => (200, b"\x00{\"sealed\": garbage".to_vec()),
        ("fault:truncated", _, _) => {
            let (status, mut answer) = forward(upstream, "/v1/issue", body, true);
            answer.truncate(answer.len() / 2);
            (status, answer)
        }
        ("fault:slow", _, _) => {
            std::thread::sleep(std::time::Duration::from_secs(12));
            forward(upstream, "/v1/issue", body, true)
        }
        ("replay", Some((answer, _)), _) => {
            count(|s| &mut s.replayed);
            (200, answer)
        }
        ("misbind", Some((_, earlier)), Some(current)) => {
            count(|s| &mut s.misbound);
            (200, misbound(key, &earlier, &current))
        }
        _ => {
            let (status, answer) = forward(upstream, "/v1/issue", body, true);
            if let (200, Some(request), Ok(mut s)) = (status, request_of(body), state.lock()) {
                s.previous = Some((answer.clone(), request));
                s.stats.honest += 1;
            }
            (status, answer)
        }
    }
}

fn attested_by(key_b64: &str, body: &[u8]) -> bool {
    let Ok(envelope) = serde_json::from_slice::<ForwardEnvelope>(body) else { return false };
    let key = kofu_shared::Bytes::decode(key_b64).ok().and_then(|der| p256_public_key(&der).ok());
    key.is_some_and(|key| p256_verify(&key, &center_message(&envelope.forward.0), &envelope.attestation.0).is_ok())
}

/// A document properly signed by this municipality, bound to `earlier`'s transaction, yet
/// sealed so that `current`'s kiosk can open it: only the binding check can catch it.
fn misbound(key: &SigningKey, earlier: &IssueRequest, current: &IssueRequest) -> Vec<u8> {
    let binding = kofu_shared::kiosk::expected_binding(earlier);
    let document = Document {
        version: 1,
        kind: current.certificate.kind,
        serial: "131016-MISBOUND".into(),
        municipality: kofu_shared::MunicipalityCode::parse("131016").unwrap_or_else(|_| unreachable!()),
        municipality_name: "千代田区".into(),
        issued_at: current.created_at,
        binding,
        copies: current.certificate.copies,
        fee_per_copy: 300,
        body: DocumentBody::Juminhyo(JuminhyoBody {
            address: "東京都千代田区九段北一丁目2番3号".into(),
            householder: None,
            whole_household: false,
            members: vec![JuminhyoMember {
                name: "前の利用者".into(),
                name_kana: "まえのりようしゃ".into(),
                birth_date: "1979-12-01".into(),
                sex: "女".into(),
                relationship: None,
                resident_since: "2019-07-01".into(),
                honseki: None,
                hittousha: None,
                individual_number: None,
            }],
        }),
    };
    let bytes = serde_json::to_vec(&document).unwrap_or_default();
    let signature = p256_sign(key, &municipal_message(&bytes)).to_vec();
    let signed =
        serde_json::to_vec(&SignedDocument { document: bytes.into(), signature: signature.into() }).unwrap_or_default();
    match seal(&current.reply_key.0, current.transaction_id.as_bytes(), &signed) {
        Ok(sealed) => serde_json::to_vec(&MunicipalAnswer { sealed }).unwrap_or_default(),
        Err(_) => b"{}".to_vec(),
    }
}
