//! What the core needs from the runtime: the directory, single-use challenges, the card
//! validation service and the municipalities. D1 + fetch in workerd; memory in tests.

use kofu_shared::MunicipalityCode;
use kofu_shared::wire::{CardStatusAnswer, CardStatusQuery};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskRecord {
    pub id: String,
    /// P-256 public key, SEC1 or SubjectPublicKeyInfo DER.
    pub public_key: Vec<u8>,
    pub active: bool,
}

/// A kiosk as the ops API enrolls it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskEnrollment {
    pub id: String,
    /// P-256 public key: SubjectPublicKeyInfo DER, or uncompressed SEC1 (65 bytes).
    pub public_key: kofu_shared::Bytes,
    pub operator: String,
    pub store: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityRecord {
    pub code: MunicipalityCode,
    pub name: String,
    /// Base URL of the municipal issuing server.
    pub endpoint: String,
    /// P-256 public key, SEC1 or SubjectPublicKeyInfo DER.
    pub public_key: Vec<u8>,
    pub enabled: bool,
    pub hours: super::hours::ServiceHours,
    /// The certificates it offers at kiosks.
    pub kinds: Vec<kofu_shared::wire::CertificateKind>,
    pub closures: super::hours::Closures,
    /// Fee per copy in yen, per kind, as the municipality publishes it.
    pub fees: Vec<(kofu_shared::wire::CertificateKind, u32)>,
}

impl MunicipalityRecord {
    pub fn fee(&self, kind: kofu_shared::wire::CertificateKind) -> Option<u32> {
        self.fees.iter().find(|(k, _)| *k == kind).map(|(_, yen)| *yen)
    }
}

/// Result of trying to use a challenge once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeOutcome {
    Consumed,
    Unknown,
    Expired,
    AlreadyUsed,
}

/// What the center remembers of a forwarded transaction (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    pub transaction_id: String,
    pub kiosk_id: String,
    pub municipality: MunicipalityCode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("storage failed: {0}")]
    Storage(String),
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
    #[error("upstream answered malformed data")]
    BadUpstream,
}

#[allow(async_fn_in_trait)]
pub trait Backend {
    async fn kiosk(&self, id: &str) -> Result<Option<KioskRecord>, BackendError>;

    async fn store_challenge(&self, nonce: &[u8], kiosk_id: &str, expires_at: u64) -> Result<(), BackendError>;

    /// Marks the challenge used if it is this kiosk's, unused and unexpired — atomically,
    /// so of any number of concurrent callers exactly one gets `Consumed`.
    async fn consume_challenge(&self, nonce: &[u8], kiosk_id: &str, now: u64)
    -> Result<ChallengeOutcome, BackendError>;

    async fn card_status(&self, query: &CardStatusQuery) -> Result<CardStatusAnswer, BackendError>;

    async fn municipality(&self, code: MunicipalityCode) -> Result<Option<MunicipalityRecord>, BackendError>;

    /// Every registered municipality's document-signing key (enabled or not: its papers
    /// stay checkable), by code.
    async fn municipal_keys(&self) -> Result<Vec<kofu_shared::wire::MunicipalKey>, BackendError>;

    /// Records a transaction before it is forwarded; `false` if its id is already known.
    async fn record_transaction(&self, record: &TransactionRecord, now: u64) -> Result<bool, BackendError>;

    async fn transaction(&self, transaction_id: &str) -> Result<Option<TransactionRecord>, BackendError>;

    /// Stores the kiosk's print outcome once the municipality acknowledged it.
    async fn set_outcome(&self, transaction_id: &str, outcome: &str) -> Result<(), BackendError>;

    /// POSTs `body` (JSON) to `url` (a municipality's endpoint + path).
    async fn forward(&self, url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError>;

    /// Enrolls a kiosk, or replaces its key and store (ops API). Active from now on.
    async fn put_kiosk(&self, kiosk: &KioskEnrollment) -> Result<(), BackendError>;

    /// Every enrolled kiosk's store (for the inspection report).
    async fn kiosk_stores(&self) -> Result<std::collections::HashMap<String, String>, BackendError>;

    /// Revokes a kiosk; `false` if no such kiosk.
    async fn revoke_kiosk(&self, id: &str) -> Result<bool, BackendError>;

    /// Registers a municipality or updates it (ops API).
    async fn put_municipality(&self, municipality: &MunicipalityRecord) -> Result<(), BackendError>;

    /// Remembers a signed ops request (SHA-256 of its signed message) until `expires_at`;
    /// `false` if it was already seen: a replay. Atomic, like `consume_challenge`.
    async fn first_use_of_ops_request(
        &self,
        digest: &[u8; 32],
        expires_at: u64,
        now: u64,
    ) -> Result<bool, BackendError>;

    /// `pkcs8_sha256` of the center key the last rotation put in force; `None` before any.
    async fn signing_center_key(&self) -> Result<Option<String>, BackendError>;

    /// Records a rotation in one write: `retiring` gets its end (a key recorded before keeps
    /// its start and endorsement), `next` signs from now.
    async fn rotate_center_key(
        &self,
        retiring: &super::center_key::StoredCenterKey,
        next: &super::center_key::StoredCenterKey,
    ) -> Result<(), BackendError>;

    /// Counts one request against `key`'s window; `false` when the limit is reached.
    async fn take_rate(&self, key: &str, limit: super::rate::Limit, now: u64) -> Result<bool, BackendError>;

    /// The audit chain's last (sequence number, hash), if any record exists.
    async fn last_audit(&self) -> Result<Option<(u64, [u8; 32])>, BackendError>;

    /// Stores `record` unless its sequence number is taken (`false`: someone appended first).
    async fn insert_audit(&self, record: &super::audit::AuditRecord) -> Result<bool, BackendError>;

    /// Audit records from `from_seq` on, in order, at most `limit`.
    async fn audit_records(&self, from_seq: u64, limit: u32) -> Result<Vec<super::audit::AuditRecord>, BackendError>;
}
