//! Operator requests: each carries an ops key id, the time, and a P-256 signature over
//! `kofu/v1/ops-request` ‖ method ‖ path ‖ time ‖ body (docs/PROTOCOL.md, "Ops API").
//! Ops keys come from configuration (`OPS_KEYS`), never from the database they manage.

use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::signed_message;
use kofu_shared::wire::{CertificateKind, is_kiosk_id, parse_limited};
use kofu_shared::{Bytes, MunicipalityCode};

use super::audit::{ChainBreak, GENESIS, continue_chain};
use super::verify::{P256Key, Verifier};
use super::{Backend, EdgeError};

pub use kofu_shared::signing::LABEL_OPS_REQUEST;
/// How far an ops request's time may be from the center's clock.
pub const OPS_WINDOW_MS: u64 = 300_000;
/// Audit records read per page while verifying.
const AUDIT_PAGE: u32 = 500;

pub struct OpsKey {
    pub id: String,
    pub key: P256Key,
}

/// `OPS_KEYS`: one `id=base64url(P-256 SPKI or SEC1)` per line; ids of `[a-z0-9-]`.
pub fn parse_ops_keys(text: &str) -> Result<Vec<OpsKey>, usize> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let (id, key) = line.split_once('=').ok_or(i)?;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let key = Bytes::decode(key.trim()).ok().and_then(|k| P256Key::from_bytes(&k).ok()).ok_or(i)?;
        if !valid_id {
            return Err(i);
        }
        keys.push(OpsKey { id: id.to_owned(), key });
    }
    Ok(keys)
}

pub fn ops_message(method: &str, path: &str, time_ms: u64, body: &[u8]) -> Vec<u8> {
    signed_message(LABEL_OPS_REQUEST, &[method.as_bytes(), path.as_bytes(), &time_ms.to_be_bytes(), body])
}

/// One signed ops request: what was asked (method, path with its query, body) and the
/// `x-kofu-ops-*` headers that sign it.
pub struct OpsRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
    pub key_id: &'a str,
    pub time_ms: u64,
    pub signature: &'a [u8],
}

impl OpsRequest<'_> {
    /// The exact bytes the ops key signed.
    pub fn message(&self) -> Vec<u8> {
        ops_message(self.method, self.path, self.time_ms, self.body)
    }
}

/// The ops key id that signed the request, or `OpsUnauthorized` (one answer for every
/// reason, so a caller learns nothing about which part failed).
pub async fn authorize<'k, V: Verifier>(
    verifier: &V,
    keys: &'k [OpsKey],
    request: &OpsRequest<'_>,
    now_ms: u64,
) -> Result<&'k str, EdgeError> {
    checked(verifier, keys, request, &request.message(), now_ms).await
}

async fn checked<'k, V: Verifier>(
    verifier: &V,
    keys: &'k [OpsKey],
    request: &OpsRequest<'_>,
    message: &[u8],
    now_ms: u64,
) -> Result<&'k str, EdgeError> {
    let key = keys.iter().find(|k| k.id == request.key_id).ok_or(EdgeError::OpsUnauthorized)?;
    if request.time_ms.abs_diff(now_ms) > OPS_WINDOW_MS {
        return Err(EdgeError::OpsUnauthorized);
    }
    verifier.ecdsa_p256(&key.key, message, request.signature).await.map_err(|_| EdgeError::OpsUnauthorized)?;
    Ok(&key.id)
}

/// [`authorize`], and each signed request is good once: the same request replayed inside
/// the time window is refused with the same answer as a bad signature. Keyed by the signed
/// message, not the signature (an ECDSA signature has a second valid form).
pub async fn authorize_once<'k, V: Verifier, B: Backend>(
    verifier: &V,
    backend: &B,
    keys: &'k [OpsKey],
    request: &OpsRequest<'_>,
    now_ms: u64,
) -> Result<&'k str, EdgeError> {
    let message = request.message();
    let id = checked(verifier, keys, request, &message, now_ms).await?;
    let digest = kofu_shared::signing::sha256(&message);
    let until = request.time_ms + OPS_WINDOW_MS;
    match backend.first_use_of_ops_request(&digest, until, now_ms).await.map_err(EdgeError::Storage)? {
        true => Ok(id),
        false => Err(EdgeError::OpsUnauthorized),
    }
}

/// The audit chain checked from its first record to its last.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditVerification {
    /// Records that verified, from the start.
    pub verified: u64,
    /// The first record that does not, if any.
    pub broken_at: Option<u64>,
    /// Hash of the last verified record (hex): a checkpoint to keep outside the center.
    pub head: String,
}

pub async fn verify_audit<B: Backend>(backend: &B) -> Result<AuditVerification, EdgeError> {
    let mut last = (0, GENESIS);
    loop {
        let page = backend.audit_records(last.0 + 1, AUDIT_PAGE).await.map_err(EdgeError::Storage)?;
        let done = page.len() < AUDIT_PAGE as usize;
        match continue_chain(last, &page) {
            Ok(next) => last = next,
            Err(ChainBreak { seq }) => {
                // The records before the break in this page did verify: find the last one.
                let before = continue_chain(
                    last,
                    page.iter().take_while(|r| r.seq < seq).cloned().collect::<Vec<_>>().as_slice(),
                );
                let (verified, head) = before.unwrap_or(last);
                return Ok(AuditVerification { verified, broken_at: Some(seq), head: hex::encode(head) });
            }
        }
        if done {
            return Ok(AuditVerification { verified: last.0, broken_at: None, head: hex::encode(last.1) });
        }
    }
}

/// Longest operator, store or municipality name accepted.
const MAX_NAME: usize = 100;

/// An ops body: over the body limit is `body_too_large`, as at every route (not only
/// when the adapter is in front); anything else unreadable is `bad_request` naming `what`.
pub(crate) fn ops_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    limit: usize,
    what: &'static str,
) -> Result<T, EdgeError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(EdgeError::BodyTooLarge);
    }
    parse_limited(body, limit).map_err(|_| EdgeError::Malformed(what))
}

/// A name shown to operators and residents (reports, the kiosk's menu): at most
/// `MAX_NAME` characters, none that hide or reorder text (controls, bidi controls,
/// zero-width characters, BOM, noncharacters).
fn is_display_name(name: &str) -> bool {
    name.chars().count() <= MAX_NAME
        && !name.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                || matches!(c, '\u{061c}' | '\u{feff}' | '\u{fdd0}'..='\u{fdef}')
                || (c as u32) & 0xfffe == 0xfffe
        })
}

/// `POST /v1/ops/kiosks`: enroll a kiosk (or replace its key); it is active at once.
pub async fn enroll_kiosk<B: Backend>(backend: &B, body: &[u8]) -> Result<String, EdgeError> {
    let kiosk: super::KioskEnrollment = ops_body(body, MAX_BODY_BYTES, "kiosk")?;
    if !is_kiosk_id(&kiosk.id) || !is_display_name(&kiosk.operator) || !is_display_name(&kiosk.store) {
        return Err(EdgeError::Malformed("kiosk"));
    }
    P256Key::from_bytes(&kiosk.public_key.0).map_err(|_| EdgeError::Malformed("public_key"))?;
    backend.put_kiosk(&kiosk).await.map_err(EdgeError::Storage)?;
    Ok(kiosk.id)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KioskRevocation {
    id: String,
}

/// `POST /v1/ops/kiosks/revoke`: the kiosk's next request is refused as unknown.
pub async fn revoke_kiosk<B: Backend>(backend: &B, body: &[u8]) -> Result<String, EdgeError> {
    let revocation: KioskRevocation = ops_body(body, 4096, "kiosk")?;
    match backend.revoke_kiosk(&revocation.id).await.map_err(EdgeError::Storage)? {
        true => Ok(revocation.id),
        false => Err(EdgeError::UnknownKiosk),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MunicipalityRegistration {
    code: MunicipalityCode,
    name: String,
    endpoint: String,
    public_key: Bytes,
    enabled: bool,
    open_minute: u16,
    close_minute: u16,
    year_end_closed: bool,
    kinds: Vec<CertificateKind>,
    /// ISO dates (Japan time) closed beyond the hours; optional.
    #[serde(default)]
    closed_dates: Vec<String>,
    /// Kinds issued Monday to Friday only; optional.
    #[serde(default)]
    weekday_only_kinds: Vec<CertificateKind>,
    /// Fee per copy in yen by kind, e.g. `{"juminhyo": 200}`; optional.
    #[serde(default)]
    fees: std::collections::HashMap<CertificateKind, u32>,
}

/// No kiosk certificate costs more than this per copy; a larger figure is a typo.
const MAX_FEE_YEN: u32 = 10_000;

/// `POST /v1/ops/municipalities`: connect a municipality or change its entry.
pub async fn register_municipality<B: Backend>(backend: &B, body: &[u8]) -> Result<MunicipalityCode, EdgeError> {
    let m: MunicipalityRegistration = ops_body(body, MAX_BODY_BYTES, "municipality")?;
    // Municipal servers are reached over HTTPS; plain HTTP only on this machine (dev).
    let endpoint_ok =
        m.endpoint.len() <= 200 && (m.endpoint.starts_with("https://") || m.endpoint.starts_with("http://127.0.0.1:"));
    if !endpoint_ok || m.name.is_empty() || !is_display_name(&m.name) {
        return Err(EdgeError::Malformed("municipality"));
    }
    if m.open_minute > 1440 || m.close_minute > 1440 {
        return Err(EdgeError::Malformed("hours"));
    }
    P256Key::from_bytes(&m.public_key.0).map_err(|_| EdgeError::Malformed("public_key"))?;
    if m.closed_dates.len() > super::hours::MAX_CLOSED_DATES
        || !m.closed_dates.iter().all(|d| super::hours::is_iso_date(d))
    {
        return Err(EdgeError::Malformed("closed_dates"));
    }
    if m.fees.values().any(|yen| *yen > MAX_FEE_YEN) {
        return Err(EdgeError::Malformed("fees"));
    }
    let mut fees: Vec<(CertificateKind, u32)> = m.fees.into_iter().collect();
    fees.sort_by_key(|(kind, _)| kind.as_str());
    let record = super::MunicipalityRecord {
        code: m.code,
        name: m.name,
        endpoint: m.endpoint,
        public_key: m.public_key.0,
        enabled: m.enabled,
        hours: super::hours::ServiceHours {
            open_minute: m.open_minute,
            close_minute: m.close_minute,
            year_end_closed: m.year_end_closed,
        },
        kinds: m.kinds,
        closures: super::hours::Closures { dates: m.closed_dates, weekday_only: m.weekday_only_kinds },
        fees,
    };
    backend.put_municipality(&record).await.map_err(EdgeError::Storage)?;
    Ok(record.code)
}

/// Most records per export page.
pub const EXPORT_PAGE: u32 = 1000;

/// One audit record as exported: everything needed to recompute and check the chain
/// elsewhere (docs/PROTOCOL.md, "Audit records"), hashes in hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportedRecord {
    pub seq: u64,
    pub at_ms: u64,
    pub step: String,
    pub kiosk_id: String,
    pub municipality: Option<String>,
    pub outcome: String,
    pub card_tag: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /v1/ops/audit/export?from_seq=N&limit=M`: records from `from_seq` on, in order.
pub async fn export_audit<B: Backend>(
    backend: &B,
    from_seq: u64,
    limit: u32,
) -> Result<Vec<ExportedRecord>, EdgeError> {
    let records =
        backend.audit_records(from_seq.max(1), limit.clamp(1, EXPORT_PAGE)).await.map_err(EdgeError::Storage)?;
    Ok(records
        .into_iter()
        .map(|r| ExportedRecord {
            seq: r.seq,
            at_ms: r.entry.at_ms,
            step: r.entry.step,
            kiosk_id: r.entry.kiosk_id,
            municipality: r.entry.municipality.map(|m| m.to_string()),
            outcome: r.entry.outcome,
            card_tag: r.entry.card_tag,
            prev_hash: hex::encode(r.prev_hash),
            hash: hex::encode(r.hash),
        })
        .collect())
}
