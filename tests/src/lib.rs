//! Helpers for tests against the running stack. `cargo xtask test` starts the stack and
//! passes its URLs in `KOFU_*` variables; without them these tests fail, never skip.

use kofu_app::session::{EdgeApi, EdgeCallError, KioskIdentity};
use kofu_card::virtual_card::VirtualCard;
use kofu_shared::ApiError;
use kofu_shared::wire::{
    ChallengeRequest, ChallengeResponse, IssueEnvelope, IssueResponse, MenuEnvelope, MenuResponse, OutcomeAck,
    OutcomeEnvelope,
};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run these tests with `cargo xtask test`"))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/{name}", env("KOFU_FIXTURES").trim_end_matches('/'));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// POSTs raw bytes; returns status and body.
pub fn post(url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut response = agent()
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    let body = response.body_mut().with_config().limit(1 << 20).read_to_vec().unwrap();
    (status, body)
}

pub fn get(url: &str) -> (u16, Vec<u8>) {
    let mut response = agent().get(url).call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().unwrap())
}

/// The edge over real HTTP, as the kiosk app's session sees it.
pub struct HttpEdge {
    pub base: String,
}

impl HttpEdge {
    pub fn from_env() -> Self {
        HttpEdge { base: env("KOFU_EDGE_URL") }
    }

    fn call<R: serde::de::DeserializeOwned>(&self, path: &str, body: Vec<u8>) -> Result<R, EdgeCallError> {
        let (status, body) = post(&format!("{}{path}", self.base), &body);
        edge_answer(status, &body)
    }
}

/// An edge answer as the kiosk's session reads it: 200 → the value, else the typed refusal.
pub fn edge_answer<R: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<R, EdgeCallError> {
    if status == 200 {
        serde_json::from_slice(body).map_err(|_| EdgeCallError::Malformed)
    } else {
        let e: ApiError = serde_json::from_slice(body).map_err(|_| EdgeCallError::Network)?;
        Err(EdgeCallError::Refused(e.error.code))
    }
}

impl EdgeApi for HttpEdge {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError> {
        let body = serde_json::to_vec(&ChallengeRequest { kiosk_id: kiosk_id.into() }).unwrap();
        self.call("/v1/challenges", body)
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError> {
        self.call("/v1/issue", serde_json::to_vec(envelope).unwrap())
    }

    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError> {
        self.call("/v1/outcome", serde_json::to_vec(envelope).unwrap())
    }

    async fn menu(&self, envelope: &MenuEnvelope) -> Result<MenuResponse, EdgeCallError> {
        self.call("/v1/menu", serde_json::to_vec(envelope).unwrap())
    }
}

/// An edge client that records the envelope it sends, for replay and tamper tests.
pub struct RecordingEdge {
    pub inner: HttpEdge,
    pub sent: std::cell::RefCell<Vec<IssueEnvelope>>,
    /// Each answer as the edge relayed it, re-encoded as JSON.
    pub received: std::cell::RefCell<Vec<String>>,
}

impl RecordingEdge {
    pub fn new() -> Self {
        RecordingEdge { inner: HttpEdge::from_env(), sent: Default::default(), received: Default::default() }
    }
}

impl Default for RecordingEdge {
    fn default() -> Self {
        Self::new()
    }
}

impl EdgeApi for RecordingEdge {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError> {
        self.inner.challenge(kiosk_id).await
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError> {
        self.sent.borrow_mut().push(envelope.clone());
        let answer = self.inner.issue(envelope).await?;
        self.received.borrow_mut().push(serde_json::to_string(&answer).unwrap_or_default());
        Ok(answer)
    }

    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError> {
        self.inner.outcome(envelope).await
    }
}

pub fn card(name: &str) -> VirtualCard {
    VirtualCard::new(&fixture(&format!("{name}.key.der")), &fixture(&format!("{name}.cert.der")), b"1234").unwrap()
}

pub fn dev_kiosk() -> KioskIdentity {
    let key = kofu_shared::signing::p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
    KioskIdentity::software("kiosk-dev-001", key)
}

pub fn fresh_transaction_id(n: u64) -> [u8; 16] {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&nanos.to_be_bytes());
    id[8..].copy_from_slice(&n.to_be_bytes());
    id
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// The ops headers for `method path body`, signed with the TEST-ONLY dev operator key.
pub fn ops_headers(method: &str, path: &str, body: &[u8]) -> [(&'static str, String); 3] {
    let key = kofu_shared::signing::p256_signing_key(&fixture("ops-dev.key.der")).unwrap();
    // A signed request is good once: two identical calls in one millisecond need two times.
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = now_ms();
    let previous = LAST.fetch_update(SeqCst, SeqCst, |last| Some(now.max(last + 1))).unwrap_or(0);
    let time = now.max(previous + 1);
    let signature = kofu_shared::signing::p256_sign(&key, &kofu_edge::core::ops::ops_message(method, path, time, body));
    [
        ("x-kofu-ops-key", "ops-dev".into()),
        ("x-kofu-ops-time", time.to_string()),
        ("x-kofu-ops-signature", kofu_shared::Bytes::encode(&signature)),
    ]
}

/// A signed GET to the edge's ops API.
pub fn ops_get(path: &str) -> (u16, Vec<u8>) {
    let mut request = agent().get(&format!("{}{path}", env("KOFU_EDGE_URL")));
    for (name, value) in ops_headers("GET", path, b"") {
        request = request.header(name, &value);
    }
    let mut response = request.call().unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().unwrap())
}

/// A signed POST to the edge's ops API.
pub fn ops_post(path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut request =
        agent().post(&format!("{}{path}", env("KOFU_EDGE_URL"))).header("content-type", "application/json");
    for (name, value) in ops_headers("POST", path, body) {
        request = request.header(name, &value);
    }
    let mut response = request.send(body).unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().unwrap())
}

/// The edge's ops check of its audit chain.
#[derive(serde::Deserialize, Debug, Clone, Copy)]
pub struct AuditVerification {
    pub verified: u64,
    pub broken_at: Option<u64>,
}

pub fn verify_audit() -> AuditVerification {
    let (status, body) = ops_get("/v1/ops/audit/verify");
    assert_eq!(status, 200, "audit verify: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("audit verification")
}
