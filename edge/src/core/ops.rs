//! Operator requests: each carries an ops key id, the time, and a P-256 signature over
//! `kofu/v1/ops-request` ‖ method ‖ path ‖ time ‖ body (docs/PROTOCOL.md, "Ops API").
//! Ops keys come from configuration (`OPS_KEYS`), never from the database they manage.

use kofu_shared::Bytes;
use kofu_shared::signing::signed_message;

use super::audit::{ChainBreak, GENESIS, continue_chain};
use super::verify::{P256Key, Verifier};
use super::{Backend, EdgeError};

pub const LABEL_OPS_REQUEST: &str = "kofu/v1/ops-request";
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

/// What an ops request carries besides its body (the `x-kofu-ops-*` headers).
pub struct OpsCredentials<'a> {
    pub key_id: &'a str,
    pub time_ms: u64,
    pub signature: &'a [u8],
}

/// The ops key id that signed the request, or `OpsUnauthorized` (one answer for every
/// reason, so a caller learns nothing about which part failed).
pub async fn authorize<'k, V: Verifier>(
    verifier: &V,
    keys: &'k [OpsKey],
    method: &str,
    path: &str,
    body: &[u8],
    credentials: &OpsCredentials<'_>,
    now_ms: u64,
) -> Result<&'k str, EdgeError> {
    let key = keys.iter().find(|k| k.id == credentials.key_id).ok_or(EdgeError::OpsUnauthorized)?;
    if credentials.time_ms.abs_diff(now_ms) > OPS_WINDOW_MS {
        return Err(EdgeError::OpsUnauthorized);
    }
    let message = ops_message(method, path, credentials.time_ms, body);
    verifier.ecdsa_p256(&key.key, &message, credentials.signature).await.map_err(|_| EdgeError::OpsUnauthorized)?;
    Ok(&key.id)
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
