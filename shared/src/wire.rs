//! Messages on the wire (JSON). Signed payloads travel as base64url of their exact bytes,
//! so receivers verify what was signed and parse it only afterwards.

use crate::Bytes;
use crate::municipality::MunicipalityCode;
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

/// `POST /v1/challenges` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    pub kiosk_id: String,
}

/// `POST /v1/challenges` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeResponse {
    pub challenge: Bytes,
    /// Unix milliseconds.
    pub expires_at: u64,
}

pub use crate::document::{
    CertificateKind, CertificateOptions, DocumentBody, HouseholdListBody, HouseholdListMember, HouseholdScope,
    InkanBody, JuminhyoBody, JuminhyoMember, TaxBody,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateChoice {
    pub kind: CertificateKind,
    pub copies: u8,
    /// Left out when every option has its default.
    #[serde(default, skip_serializing_if = "CertificateOptions::is_empty")]
    pub options: CertificateOptions,
}

impl CertificateChoice {
    pub fn new(kind: CertificateKind, copies: u8) -> Self {
        CertificateChoice { kind, copies, options: CertificateOptions::default() }
    }
}

/// The request the card and the kiosk sign. Its JSON bytes are signed as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub version: u32,
    /// 16 random bytes, lowercase hex.
    pub transaction_id: String,
    pub kiosk_id: String,
    pub challenge: Bytes,
    pub certificate: CertificateChoice,
    /// The card's user-authentication certificate (DER), as read from EF 000A.
    pub card_certificate: Bytes,
    /// A fresh P-256 public key (uncompressed SEC1) that the answer is sealed to.
    pub reply_key: Bytes,
    /// Unix milliseconds, from the kiosk's clock; informative only.
    pub created_at: u64,
    /// Left out for an issuance, so protocol-1 issue requests stay byte-identical.
    #[serde(default, skip_serializing_if = "Purpose::is_issue")]
    pub purpose: Purpose,
}

impl IssueRequest {
    /// The request's own fields within their bounds, before any signature is looked at:
    /// the one list of checks the center and the municipality both apply.
    pub fn check(&self) -> Result<(), RequestFault> {
        use crate::limits::{CHALLENGE_BYTES, MAX_COPIES};
        let fault = |ok: bool, fault: RequestFault| if ok { Ok(()) } else { Err(fault) };
        fault(self.version == PROTOCOL_VERSION, RequestFault::Version)?;
        fault(is_transaction_id(&self.transaction_id), RequestFault::TransactionId)?;
        fault(is_kiosk_id(&self.kiosk_id), RequestFault::KioskId)?;
        fault(self.challenge.0.len() == CHALLENGE_BYTES, RequestFault::Challenge)?;
        fault((1..=MAX_COPIES).contains(&self.certificate.copies), RequestFault::Copies)?;
        fault(self.choice_fits(), RequestFault::Options)?;
        fault(card_certificate_fits(&self.card_certificate.0), RequestFault::CardCertificate)?;
        // Only its length: whether it is a point on the curve, HPKE finds when sealing.
        fault(self.reply_key.0.len() == crate::seal::REPLY_KEY_BYTES, RequestFault::ReplyKey)
    }

    /// The options fit the kind, and a household list asks for nothing else.
    pub fn choice_fits(&self) -> bool {
        let c = &self.certificate;
        c.options.fits(c.kind)
            && match self.purpose {
                Purpose::Issue => true,
                Purpose::HouseholdList => c.kind == CertificateKind::Juminhyo && c.copies == 1 && c.options.is_empty(),
            }
    }
}

/// A card certificate is there and within [`crate::limits::MAX_CARD_CERT_BYTES`]; what it
/// holds, the X.509 reader decides.
fn card_certificate_fits(der: &[u8]) -> bool {
    !der.is_empty() && der.len() <= crate::limits::MAX_CARD_CERT_BYTES
}

/// The first field of an issue request out of bounds ([`IssueRequest::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFault {
    Version,
    TransactionId,
    KioskId,
    Challenge,
    Copies,
    Options,
    CardCertificate,
    ReplyKey,
}

impl RequestFault {
    /// The field's name in the request, as error details give it.
    pub fn field(self) -> &'static str {
        match self {
            RequestFault::Version => "version",
            RequestFault::TransactionId => "transaction_id",
            RequestFault::KioskId => "kiosk_id",
            RequestFault::Challenge => "challenge",
            RequestFault::Copies => "copies",
            RequestFault::Options => "options",
            RequestFault::CardCertificate => "card_certificate",
            RequestFault::ReplyKey => "reply_key",
        }
    }

    /// A fault in what the resident chose rather than in how the request was built.
    pub fn is_choice(self) -> bool {
        matches!(self, RequestFault::Copies | RequestFault::Options)
    }
}

/// What a signed request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A certificate.
    #[default]
    Issue,
    /// The household's members, so the resident can choose whom a 住民票 lists. Nothing is
    /// issued, registered or charged; the list is sealed like a document.
    HouseholdList,
}

impl Purpose {
    pub fn is_issue(&self) -> bool {
        *self == Purpose::Issue
    }
}

/// `POST /v1/issue` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueEnvelope {
    /// Exact bytes of an [`IssueRequest`].
    pub request: Bytes,
    /// RSA PKCS#1 v1.5 SHA-256 by the card over `card_message(request)`.
    pub card_signature: Bytes,
    /// ECDSA P-256 r‖s by the kiosk over `kiosk_message(request, card_signature)`.
    pub kiosk_signature: Bytes,
}

/// What the center attests and forwards to the municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    pub version: u32,
    /// Exact request bytes the card signed.
    pub request: Bytes,
    pub card_signature: Bytes,
    pub municipality: MunicipalityCode,
    /// Card certificate serial number, lowercase hex of its DER integer bytes.
    pub card_serial: String,
    /// Unix milliseconds when the center finished verification.
    pub verified_at: u64,
}

/// `POST {municipality endpoint}/v1/issue` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardEnvelope {
    /// Exact bytes of a [`Forward`].
    pub forward: Bytes,
    /// ECDSA P-256 r‖s by the center over `center_message(forward)`.
    pub attestation: Bytes,
}

/// A municipality's answer, relayed by the center to the kiosk unchanged: the
/// [`SignedDocument`] JSON sealed to the request's `reply_key`, which only the kiosk opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalAnswer {
    pub sealed: crate::seal::Sealed,
}

/// What is sealed: the document and the municipality's signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedDocument {
    /// Exact bytes of a [`Document`].
    pub document: Bytes,
    /// ECDSA P-256 r‖s by the municipality over `municipal_message(document)`.
    pub signature: Bytes,
}

/// `POST /v1/issue` answer to the kiosk. Unknown fields are ignored, so a kiosk one
/// version older keeps working when the center adds one (docs/PROTOCOL.md, "Versions").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueResponse {
    pub answer: MunicipalAnswer,
    pub municipality: MunicipalityCode,
    /// The municipality's P-256 public key (SEC1) from the center's directory.
    pub municipality_key: Bytes,
}

/// Ties a document to exactly one transaction; the kiosk refuses any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    pub transaction_id: String,
    pub kiosk_id: String,
    pub challenge: Bytes,
    /// SHA-256 of the card certificate DER.
    pub card_certificate_sha256: Bytes,
}

/// A signed certificate document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub version: u32,
    pub kind: CertificateKind,
    /// The municipality's document serial.
    pub serial: String,
    pub municipality: MunicipalityCode,
    pub municipality_name: String,
    /// Unix milliseconds.
    pub issued_at: u64,
    pub binding: Binding,
    pub copies: u8,
    /// The municipality's fee per copy, in yen; the kiosk charges `copies × fee_per_copy`.
    pub fee_per_copy: u32,
    pub body: DocumentBody,
}

/// `GET /v1/municipal-keys`: every municipality's published document-signing key, so a
/// printed certificate's QR code can be checked by anyone (`crate::printed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalKeys {
    pub keys: Vec<MunicipalKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalKey {
    pub code: MunicipalityCode,
    pub name: String,
    /// P-256, SEC1 or SubjectPublicKeyInfo DER.
    pub public_key: Bytes,
}

/// `GET /v1/center-keys`: the keys the center has signed forwards with since its first
/// rotation, and when municipal servers stop accepting each. Empty before any rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CenterKeys {
    pub keys: Vec<CenterKeyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CenterKeyEntry {
    /// SHA-256 of `public_key`, hex.
    pub key_id: String,
    /// P-256 SubjectPublicKeyInfo DER.
    pub public_key: Bytes,
    /// When the center started signing with it (ms; 0: before the first recorded rotation).
    pub active_from: u64,
    /// Set once a rotation replaced it: its attestations are accepted up to this time (ms).
    /// `null` while it signs.
    pub retire_at: Option<u64>,
    /// ECDSA P-256 r‖s by the key it replaced over
    /// `center_key_endorsement_message(public_key, retire_at of the replaced key)`; `null`
    /// for a key in force before the first rotation.
    pub endorsement: Option<Bytes>,
}

/// `POST /v1/menu` body: after the PIN, what this card's holder may be offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuEnvelope {
    /// Exact bytes of a [`MenuRequest`].
    pub request: Bytes,
    /// ECDSA P-256 r‖s by the kiosk over `menu_message(request)`.
    pub kiosk_signature: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuRequest {
    pub version: u32,
    pub kiosk_id: String,
    /// The card's user-authentication certificate (DER).
    pub card_certificate: Bytes,
    /// Unix milliseconds; the center accepts ±300 s.
    pub requested_at: u64,
}

impl MenuRequest {
    /// The same field checks as [`IssueRequest::check`], for the fields a menu request has
    /// (the clock skew is the center's to judge).
    pub fn check(&self) -> Result<(), RequestFault> {
        let fault = |ok: bool, fault: RequestFault| if ok { Ok(()) } else { Err(fault) };
        fault(self.version == PROTOCOL_VERSION, RequestFault::Version)?;
        fault(is_kiosk_id(&self.kiosk_id), RequestFault::KioskId)?;
        fault(card_certificate_fits(&self.card_certificate.0), RequestFault::CardCertificate)
    }
}

/// The certificates the resident's municipality offers at kiosks, with fees and hours.
/// No personal data: the municipality and its directory entry only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuResponse {
    pub municipality: MunicipalityCode,
    pub municipality_name: String,
    /// Service hours, minutes after midnight Japan time.
    pub open_minute: u16,
    pub close_minute: u16,
    pub items: Vec<MenuItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    pub kind: CertificateKind,
    /// Yen per copy, where the municipality publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_per_copy: Option<u32>,
    /// Whether it can be issued now (hours, closed dates, weekday-only kinds).
    pub available_now: bool,
}

/// What became of an issued document at the kiosk (DESIGN.md step 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintOutcome {
    Printed,
    /// Printing failed: the issuance is voided and nothing is charged.
    PrintFailed,
}

/// The kiosk's report, signed as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeReport {
    pub version: u32,
    pub transaction_id: String,
    pub kiosk_id: String,
    pub document_serial: String,
    pub outcome: PrintOutcome,
    pub reported_at: u64,
}

/// `POST /v1/outcome` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeEnvelope {
    /// Exact bytes of an [`OutcomeReport`].
    pub report: Bytes,
    /// ECDSA P-256 r‖s by the kiosk over `outcome_message(report)`.
    pub kiosk_signature: Bytes,
}

/// What the center attests when it passes an outcome on to the municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeForward {
    pub version: u32,
    /// Exact report bytes the kiosk signed.
    pub report: Bytes,
    pub kiosk_signature: Bytes,
    pub municipality: MunicipalityCode,
    pub verified_at: u64,
}

/// The register's final state for a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterState {
    Issued,
    Printed,
    Voided,
}

/// Answer to an outcome report. Unknown fields are ignored (see [`IssueResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeAck {
    pub transaction_id: String,
    pub state: RegisterState,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Health {
    /// `ok`, or `schema_mismatch` when the database is not at the schema this build expects.
    pub status: String,
    pub service: String,
    pub version: String,
    /// Database migrations applied (the edge's D1); absent where a service has none to report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<u32>,
}

/// Validation service query (JPKI service-centre stand-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardStatusQuery {
    pub card_serial: String,
    /// SHA-256 of the issuer's DER name, so serials of different CAs never collide.
    pub issuer_sha256: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    Valid,
    Revoked,
    /// Temporarily stopped (一時停止), e.g. reported lost.
    Suspended,
    /// Not usable before a date the validation service knows.
    NotYetActive,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardStatusAnswer {
    pub status: CardStatus,
    pub municipality: Option<MunicipalityCode>,
}

/// Parses JSON with the body limit applied first.
pub fn parse_limited<T: serde::de::DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, ParseError> {
    if bytes.len() > limit {
        return Err(ParseError::TooLarge);
    }
    serde_json::from_slice(bytes).map_err(|e| ParseError::Malformed(e.classify_str()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("body over the size limit")]
    TooLarge,
    #[error("malformed JSON ({0})")]
    Malformed(&'static str),
}

trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

// The serde message may quote input bytes, which may be personal; report only the class.
impl ClassifyStr for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "schema",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// Lowercase hex of 16 bytes, exactly.
pub fn is_transaction_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Kiosk ids: 1–64 chars of `[a-z0-9-]`.
pub fn is_kiosk_id(text: &str) -> bool {
    (1..=crate::limits::MAX_KIOSK_ID_CHARS).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
