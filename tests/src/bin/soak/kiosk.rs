//! One simulated kiosk: an enrolled key, the kiosk app's `Session` on a virtual card, and
//! the edge over HTTP. What it does with each issuance follows a fixed plan by number, so a
//! run is the same mix every time.

use std::cell::RefCell;
use std::time::Instant;

use kofu_app::session::{EdgeApi, EdgeCallError, KioskIdentity, Session, SessionError, report_outcome};
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{Pin, VerifyOutcome};
use kofu_shared::ErrorCode;
use kofu_shared::kiosk::DocumentError;
use kofu_shared::wire::{
    CertificateChoice, CertificateKind, ChallengeRequest, ChallengeResponse, IssueEnvelope, IssueResponse,
    MenuEnvelope, MenuResponse, OutcomeAck, OutcomeEnvelope, PrintOutcome, RegisterState,
};
use sha2::Digest;

/// The residents the dev towns serve: three of 印西市, one of 千代田区 (reached through the
/// broken server). Few residents for many kiosks: the same one is often at several at once.
pub const CARDS: [&str; 4] = ["card-1", "card-2", "card-3", "card-9"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Printed and reported.
    Print,
    /// The printer fails; the kiosk reports it (voided, not charged).
    PrintFails,
    /// The kiosk loses its network after the answer and never reports (lapses).
    NetworkLost,
    /// The issue request goes out twice (a proxy's retry): the second must be refused.
    Retry,
}

impl Plan {
    fn of(n: u64) -> Plan {
        match n % 10 {
            0 => Plan::PrintFails,
            1 => Plan::NetworkLost,
            2 => Plan::Retry,
            _ => Plan::Print,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The session verified the document as this transaction's.
    Accepted { serial: String, reported: Option<RegisterState>, report_error: Option<String> },
    /// Refused before print as another transaction's (`NotSealedToUs`, `NotThisTransaction`).
    SwapRefused(DocumentError),
    /// Any other refusal of the document (must not happen: counted as an error).
    DocumentRefused(DocumentError),
    /// A typed refusal by the center.
    Refused(ErrorCode),
    /// The card, the network or anything else.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub n: u64,
    pub kiosk_id: String,
    pub card: &'static str,
    pub plan: Plan,
    pub transaction_id: String,
    pub result: Ended,
    /// The duplicate's answer, for `Plan::Retry`: it must be a typed refusal.
    pub duplicate: Option<Result<ErrorCode, String>>,
    /// From the burst's release to the verified document (challenge, signatures, issue).
    pub issue_ms: f64,
    pub finished_ms: u64,
}

pub struct Kiosk {
    identity: KioskIdentity,
    edge: SoakEdge,
}

pub struct Prepared {
    n: u64,
    card: &'static str,
    transaction_id: [u8; 16],
    session: Result<Session<VirtualCard>, String>,
}

impl Kiosk {
    /// A fresh key, enrolled through the ops API as `soak-<tag>-<index>`.
    pub fn enrolled(run_tag: u32, index: usize) -> Kiosk {
        let id = format!("soak-{run_tag:08x}-{index}");
        let seed: [u8; 32] = sha2::Sha256::digest(id.as_bytes()).into();
        let key = p256::ecdsa::SigningKey::from_slice(&seed).expect("a SHA-256 output is a P-256 scalar");
        let public = p256::pkcs8::EncodePublicKey::to_public_key_der(key.verifying_key()).expect("SPKI");
        super::enroll(&id, public.as_bytes());
        Kiosk { identity: KioskIdentity::software(&id, key), edge: SoakEdge::new() }
    }

    /// Card in, PIN: everything before the issue request; the card by number.
    pub fn prepare(&self, run_tag: u32, n: u64) -> Prepared {
        self.prepare_card(run_tag, n, CARDS[(n % CARDS.len() as u64) as usize])
    }

    pub fn prepare_card(&self, run_tag: u32, n: u64, card: &'static str) -> Prepared {
        let mut transaction_id = [0u8; 16];
        transaction_id[..4].copy_from_slice(&run_tag.to_be_bytes());
        transaction_id[8..].copy_from_slice(&n.to_be_bytes());
        let session = futures_executor::block_on(async {
            let (mut session, _tries) = Session::start(kofu_tests::card(card)).await.map_err(|e| e.to_string())?;
            let pin = Pin::parse("1234").map_err(|e| e.to_string())?;
            match session.verify_pin(pin).await.map_err(|e| e.to_string())? {
                VerifyOutcome::Verified => Ok(session),
                other => Err(format!("PIN: {other:?}")),
            }
        });
        Prepared { n, card, transaction_id, session }
    }

    /// The issue request and what follows, by the plan for its number.
    pub fn issue(&self, prepared: Prepared) -> Attempt {
        let plan = Plan::of(prepared.n);
        self.issue_planned(prepared, plan)
    }

    pub fn issue_planned(&self, prepared: Prepared, plan: Plan) -> Attempt {
        let started = Instant::now();
        *self.edge.duplicate.borrow_mut() = (plan == Plan::Retry).then_some(None);
        let result = match prepared.session {
            Err(e) => Ended::Failed(e),
            Ok(mut session) => futures_executor::block_on(self.issue_on(&mut session, plan, prepared.transaction_id)),
        };
        let issue_ms = started.elapsed().as_secs_f64() * 1000.0;
        let duplicate = self.edge.duplicate.borrow_mut().take().flatten();
        Attempt {
            n: prepared.n,
            kiosk_id: self.identity.kiosk_id.clone(),
            card: prepared.card,
            plan,
            transaction_id: hex::encode(prepared.transaction_id),
            result,
            duplicate,
            issue_ms,
            finished_ms: kofu_tests::now_ms(),
        }
    }

    async fn issue_on(&self, session: &mut Session<VirtualCard>, plan: Plan, transaction_id: [u8; 16]) -> Ended {
        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
        let verified =
            match session.issue(&self.edge, &self.identity, choice, transaction_id, kofu_tests::now_ms()).await {
                Ok(verified) => verified,
                Err(SessionError::Document(e @ (DocumentError::NotSealedToUs | DocumentError::NotThisTransaction))) => {
                    return Ended::SwapRefused(e);
                }
                Err(SessionError::Document(e)) => return Ended::DocumentRefused(e),
                Err(SessionError::Edge(EdgeCallError::Refused(code))) => return Ended::Refused(code),
                Err(e) => return Ended::Failed(e.to_string()),
            };
        let serial = verified.document.serial.clone();
        let outcome = match plan {
            Plan::NetworkLost => return Ended::Accepted { serial, reported: None, report_error: None },
            Plan::PrintFails => PrintOutcome::PrintFailed,
            Plan::Print | Plan::Retry => PrintOutcome::Printed,
        };
        match report_outcome(&self.edge, &self.identity, &verified.document, outcome, kofu_tests::now_ms()).await {
            Ok(ack) => Ended::Accepted { serial, reported: Some(ack.state), report_error: None },
            Err(e) => Ended::Accepted { serial, reported: None, report_error: Some(e.to_string()) },
        }
    }
}

/// The edge over HTTP with one keep-alive agent per kiosk; a transport failure is the
/// session's `Network`, never a panic. With `duplicate` set it sends each issue request a
/// second time right after the first answer and keeps the second answer.
struct SoakEdge {
    base: String,
    agent: ureq::Agent,
    duplicate: RefCell<Option<Option<Result<ErrorCode, String>>>>,
}

impl SoakEdge {
    fn new() -> SoakEdge {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        SoakEdge { base: kofu_tests::env("KOFU_EDGE_URL"), agent, duplicate: RefCell::new(None) }
    }

    fn send(&self, path: &str, body: &[u8]) -> Result<(u16, Vec<u8>), EdgeCallError> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|_| EdgeCallError::Network)?;
        let status = response.status().as_u16();
        let body =
            response.body_mut().with_config().limit(1 << 20).read_to_vec().map_err(|_| EdgeCallError::Network)?;
        Ok((status, body))
    }

    fn call<R: serde::de::DeserializeOwned>(&self, path: &str, body: &[u8]) -> Result<R, EdgeCallError> {
        let (status, body) = self.send(path, body)?;
        kofu_tests::edge_answer(status, &body)
    }
}

impl EdgeApi for SoakEdge {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError> {
        let body = serde_json::to_vec(&ChallengeRequest { kiosk_id: kiosk_id.into() }).unwrap_or_default();
        self.call("/v1/challenges", &body)
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError> {
        let body = serde_json::to_vec(envelope).unwrap_or_default();
        let first = self.call("/v1/issue", &body);
        let mut duplicate = self.duplicate.borrow_mut();
        if let Some(slot) = duplicate.as_mut() {
            *slot = Some(match self.call::<IssueResponse>("/v1/issue", &body) {
                Err(EdgeCallError::Refused(code)) => Ok(code),
                Ok(_) => Err("the duplicate was answered with a document".into()),
                Err(e) => Err(format!("the duplicate failed untyped: {e}")),
            });
        }
        first
    }

    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError> {
        self.call("/v1/outcome", &serde_json::to_vec(envelope).unwrap_or_default())
    }

    async fn menu(&self, envelope: &MenuEnvelope) -> Result<MenuResponse, EdgeCallError> {
        self.call("/v1/menu", &serde_json::to_vec(envelope).unwrap_or_default())
    }
}
