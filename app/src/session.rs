//! One resident's transaction, from card in to a verified document. Plain async Rust over
//! any card transport and any edge client, so native tests drive the same code the
//! browser runs. Everything it holds is dropped (and zeroized where secret) at the end.

use kofu_card::{CardError, CardTransport, Jpki, Pin, PinState, VerifyOutcome};
use kofu_shared::kiosk::{DocumentError, check_choice, expected_binding, open_answer};
use kofu_shared::seal::ReplyKey;
use kofu_shared::signing::{card_digest_info, kiosk_message, menu_message, outcome_message};
use kofu_shared::wire::{
    CertificateChoice, CertificateKind, ChallengeResponse, Document, DocumentBody, HouseholdListMember, IssueEnvelope,
    IssueRequest, IssueResponse, MenuEnvelope, MenuRequest, MenuResponse, OutcomeAck, OutcomeEnvelope, OutcomeReport,
    PROTOCOL_VERSION, PrintOutcome, Purpose, SignedDocument,
};
use kofu_shared::{Bytes, MunicipalityCode};
use kofu_shared::{ErrorCode, limits};
use zeroize::Zeroize;

pub use crate::identity::{KioskIdentity, KioskKeyError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeCallError {
    #[error("refused: {0}")]
    Refused(ErrorCode),
    #[error("network failure")]
    Network,
    #[error(transparent)]
    KioskKey(#[from] KioskKeyError),
    #[error("malformed answer")]
    Malformed,
}

/// The exchange center as the kiosk sees it.
#[allow(async_fn_in_trait)]
pub trait EdgeApi {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError>;
    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError>;
    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError>;
    /// `POST /v1/menu`. Test doubles that never list a menu keep this default.
    async fn menu(&self, _envelope: &MenuEnvelope) -> Result<MenuResponse, EdgeCallError> {
        Err(EdgeCallError::Network)
    }
}

/// Reports what became of the printed document. Printing failed → the municipality voids
/// the issuance and nothing is charged.
pub async fn report_outcome<E: EdgeApi>(
    edge: &E,
    kiosk: &KioskIdentity,
    document: &Document,
    outcome: PrintOutcome,
    now_ms: u64,
) -> Result<OutcomeAck, EdgeCallError> {
    let report = OutcomeReport {
        version: PROTOCOL_VERSION,
        transaction_id: document.binding.transaction_id.clone(),
        kiosk_id: kiosk.kiosk_id.clone(),
        document_serial: document.serial.clone(),
        outcome,
        reported_at: now_ms,
    };
    let report = serde_json::to_vec(&report).map_err(|_| EdgeCallError::Malformed)?;
    let signature = kiosk.sign(&outcome_message(&report)).await?;
    edge.outcome(&OutcomeEnvelope { report: report.into(), kiosk_signature: signature.to_vec().into() }).await
}

/// What one signed request asks the municipality for.
struct Asked {
    choice: CertificateChoice,
    purpose: Purpose,
    transaction_id: [u8; limits::TRANSACTION_ID_BYTES],
    now_ms: u64,
}

/// Where an issuance is, in the order the steps begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IssueStep {
    /// The card signs the request (keep it still).
    Card,
    /// The center forwards it; the municipality issues.
    Municipality,
    /// The sealed answer is opened and its signature and binding checked.
    Checking,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Edge(#[from] EdgeCallError),
    #[error("document refused: {0}")]
    Document(#[from] DocumentError),
    #[error("challenge malformed")]
    BadChallenge,
}

/// A document whose municipal signature and binding were checked, with the signed bytes
/// (the printed QR code carries them so anyone can check the paper).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedDocument {
    pub document: Document,
    pub signed: SignedDocument,
    pub municipality: MunicipalityCode,
    pub municipality_key: Bytes,
}

impl VerifiedDocument {
    /// The printed QR codes' text: signature and exact document bytes (`kofu_shared::printed`).
    pub fn qr_lines(&self) -> Vec<String> {
        kofu_shared::printed::qr_lines(self.municipality, &self.signed)
    }
}

impl Drop for VerifiedDocument {
    fn drop(&mut self) {
        self.signed.document.0.zeroize();
    }
}

pub struct Session<T: CardTransport> {
    jpki: Jpki<T>,
    certificate: Vec<u8>,
}

impl<T: CardTransport> Session<T> {
    /// Card in: select JPKI, read the certificate, read the PIN tries left.
    pub async fn start(transport: T) -> Result<(Self, PinState), SessionError> {
        let mut jpki = Jpki::new(transport);
        jpki.select_jpki().await?;
        let certificate = jpki.read_auth_certificate().await?;
        let state = jpki.pin_state().await?;
        Ok((Session { jpki, certificate }, state))
    }

    /// What the card holder's municipality offers, with fees: asked right after the PIN.
    pub async fn menu<E: EdgeApi>(
        &self,
        edge: &E,
        kiosk: &KioskIdentity,
        now_ms: u64,
    ) -> Result<MenuResponse, SessionError> {
        let request = MenuRequest {
            version: PROTOCOL_VERSION,
            kiosk_id: kiosk.kiosk_id.clone(),
            card_certificate: self.certificate.clone().into(),
            requested_at: now_ms,
        };
        let request = serde_json::to_vec(&request).map_err(|_| SessionError::BadChallenge)?;
        let kiosk_signature = kiosk.sign(&menu_message(&request)).await.map_err(EdgeCallError::from)?.to_vec();
        Ok(edge.menu(&MenuEnvelope { request: request.into(), kiosk_signature: kiosk_signature.into() }).await?)
    }

    /// Exactly one VERIFY for the PIN the resident entered. Never retried.
    pub async fn verify_pin(&mut self, pin: Pin) -> Result<VerifyOutcome, SessionError> {
        Ok(self.jpki.verify_pin(&pin).await?)
    }

    pub fn apdus_sent(&self) -> u32 {
        self.jpki.apdus_sent()
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.jpki.transport_mut()
    }

    /// Challenge → request → card signs → kiosk signs → edge → a document that is
    /// provably this transaction's, or an error. `transaction_id` is 16 fresh random bytes.
    pub async fn issue<E: EdgeApi>(
        &mut self,
        edge: &E,
        kiosk: &KioskIdentity,
        choice: CertificateChoice,
        transaction_id: [u8; limits::TRANSACTION_ID_BYTES],
        now_ms: u64,
    ) -> Result<VerifiedDocument, SessionError> {
        self.issue_showing(edge, kiosk, choice, transaction_id, now_ms, &|_| {}).await
    }

    /// [`Self::issue`], telling `progress` each step as it begins (the processing screen).
    pub async fn issue_showing<E: EdgeApi>(
        &mut self,
        edge: &E,
        kiosk: &KioskIdentity,
        choice: CertificateChoice,
        transaction_id: [u8; limits::TRANSACTION_ID_BYTES],
        now_ms: u64,
        progress: &dyn Fn(IssueStep),
    ) -> Result<VerifiedDocument, SessionError> {
        let asked = Asked { choice: choice.clone(), purpose: Purpose::Issue, transaction_id, now_ms };
        let verified = self.ask(edge, kiosk, asked, progress).await?;
        check_choice(&verified.document, &choice)?;
        Ok(verified)
    }

    /// The household's members, for choosing whom a 住民票 lists: one more card signature,
    /// nothing issued or charged. The list is sealed and signed like a document.
    pub async fn household_list<E: EdgeApi>(
        &mut self,
        edge: &E,
        kiosk: &KioskIdentity,
        transaction_id: [u8; limits::TRANSACTION_ID_BYTES],
        now_ms: u64,
    ) -> Result<Vec<HouseholdListMember>, SessionError> {
        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
        let asked = Asked { choice, purpose: Purpose::HouseholdList, transaction_id, now_ms };
        let verified = self.ask(edge, kiosk, asked, &|_| {}).await?;
        match &verified.document.body {
            DocumentBody::HouseholdList(list) => Ok(list.members.clone()),
            _ => Err(SessionError::Document(DocumentError::NotWhatWasAsked)),
        }
    }

    async fn ask<E: EdgeApi>(
        &mut self,
        edge: &E,
        kiosk: &KioskIdentity,
        asked: Asked,
        progress: &dyn Fn(IssueStep),
    ) -> Result<VerifiedDocument, SessionError> {
        let Asked { choice, purpose, transaction_id, now_ms } = asked;
        progress(IssueStep::Card);
        let challenge = edge.challenge(&kiosk.kiosk_id).await?;
        if challenge.challenge.0.len() != limits::CHALLENGE_BYTES {
            return Err(SessionError::BadChallenge);
        }
        // Only this transaction can open the answer; the key dies with this call.
        let reply_key = ReplyKey::generate();
        let request = IssueRequest {
            version: PROTOCOL_VERSION,
            transaction_id: hex::encode(transaction_id),
            kiosk_id: kiosk.kiosk_id.clone(),
            challenge: challenge.challenge,
            certificate: choice,
            card_certificate: self.certificate.clone().into(),
            reply_key: reply_key.public_bytes().to_vec().into(),
            created_at: now_ms,
            purpose,
        };
        let request_bytes = serde_json::to_vec(&request).map_err(|_| SessionError::BadChallenge)?;
        let card_signature = self.jpki.sign_digest_info(&card_digest_info(&request_bytes)).await?;
        let kiosk_signature = kiosk.sign(&kiosk_message(&request_bytes, &card_signature)).await;
        let envelope = IssueEnvelope {
            kiosk_signature: kiosk_signature.map_err(EdgeCallError::from)?.to_vec().into(),
            request: request_bytes.into(),
            card_signature: card_signature.into(),
        };
        progress(IssueStep::Municipality);
        let response = edge.issue(&envelope).await?;
        progress(IssueStep::Checking);
        let (document, signed) = open_answer(&response, &expected_binding(&request), &reply_key)?;
        Ok(VerifiedDocument {
            document,
            signed,
            municipality: response.municipality,
            municipality_key: response.municipality_key,
        })
    }
}

impl<T: CardTransport> Drop for Session<T> {
    fn drop(&mut self) {
        self.certificate.zeroize();
    }
}
