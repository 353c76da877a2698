//! Which center key signs, and rotating it through the ops API. The secrets stay in the
//! configuration (`CENTER_KEY`, and `CENTER_KEY_NEXT` for a rotation); D1 records which
//! of them is in force, so every isolate switches without a redeploy, and the retiring
//! key's end, which municipal servers honour (docs/PROTOCOL.md "Center key rotation").

use kofu_shared::Bytes;
use kofu_shared::signing::{center_key_endorsement_message, center_key_probe_message, sha256};
use kofu_shared::wire::CenterKeyEntry;

use super::config::CenterSigningKey;
use super::verify::{CenterSigner, P256Key, Verifier};
use super::{Backend, BackendError, EdgeConfig, EdgeError};

/// The shortest overlap a rotation may give: longer than any isolate keeps the record
/// cached and any forward takes, so nothing signed by the old key arrives after its end.
pub const MIN_OVERLAP_MS: u64 = 10 * 60_000;
/// The longest: a retiring key must not stay valid indefinitely.
pub const MAX_OVERLAP_MS: u64 = 90 * 24 * 3_600_000;
const MAX_ROTATION_BYTES: usize = 1024;

/// A recorded center key, with the digest that finds its secret in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCenterKey {
    pub entry: CenterKeyEntry,
    /// [`CenterSigningKey::pkcs8_sha256`] of the secret that pairs with `entry.public_key`.
    pub pkcs8_sha256: String,
}

/// `POST /v1/ops/center-key/rotate` body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RotationRequest {
    /// The new key's SPKI DER; its secret must be configured (`CENTER_KEY_NEXT`).
    public_key: Bytes,
    /// The key in force now, named so an operator cannot rotate away from a key they did
    /// not mean to.
    previous_public_key: Bytes,
    /// Until when (ms) municipal servers keep accepting the previous key.
    retire_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rotated {
    pub key_id: String,
    pub previous_key_id: String,
    pub retire_at: u64,
}

/// The configured key that signs now: the one the last rotation made current, or
/// `CENTER_KEY` before any. A recorded key whose secret is gone is an outage, not a
/// silent fallback to a retired key.
pub async fn active_center_key<'c, B: Backend>(
    config: &'c EdgeConfig,
    backend: &B,
) -> Result<&'c CenterSigningKey, EdgeError> {
    match backend.signing_center_key().await.map_err(EdgeError::Storage)? {
        None => config.center_keys.first().ok_or_else(unusable),
        Some(digest) => config.center_keys.iter().find(|k| k.pkcs8_sha256 == digest).ok_or_else(unusable),
    }
}

fn unusable() -> EdgeError {
    EdgeError::Storage(BackendError::Storage(String::from("center key not configured")))
}

/// Makes the configured key whose public half is `public_key` the signing key; the
/// previous one stays valid at municipal servers until `retire_at`, and endorses the new.
pub async fn rotate_center_key<C: CenterSigner + Verifier, B: Backend>(
    crypto: &C,
    config: &EdgeConfig,
    backend: &B,
    body: &[u8],
    now_ms: u64,
) -> Result<Rotated, EdgeError> {
    let request: RotationRequest = super::ops::ops_body(body, MAX_ROTATION_BYTES, "center key rotation")?;
    if request.retire_at < now_ms + MIN_OVERLAP_MS || request.retire_at > now_ms + MAX_OVERLAP_MS {
        return Err(EdgeError::Malformed("retire_at: 10 minutes to 90 days from now"));
    }
    let spki = |bytes: &Bytes| {
        // SPKI only: the key id is the digest of these exact bytes.
        P256Key::from_bytes(&bytes.0).ok().filter(|_| bytes.0.len() == 91).ok_or(EdgeError::Malformed("public key"))
    };
    let (new_key, previous_key) = (spki(&request.public_key)?, spki(&request.previous_public_key)?);
    let current = active_center_key(config, backend).await?;
    // Each configured secret against the key it should be: the one in force against
    // `previous_public_key`, the others against `public_key`.
    let (mut previous_named, mut next) = (false, None);
    for key in &config.center_keys {
        let in_force = key.pkcs8_sha256 == current.pkcs8_sha256;
        let (spki, public) =
            if in_force { (&request.previous_public_key.0, &previous_key) } else { (&request.public_key.0, &new_key) };
        if pairs(crypto, key, spki, public).await {
            match in_force {
                true => previous_named = true,
                false => next = Some(key),
            }
        }
    }
    if !previous_named {
        return Err(EdgeError::Malformed("previous_public_key is not the center key in force"));
    }
    let next = next.ok_or(EdgeError::Malformed("no configured center key (CENTER_KEY_NEXT) has that public key"))?;
    let endorsement = crypto
        .sign_center(current, &center_key_endorsement_message(&request.public_key.0, request.retire_at))
        .await
        .map_err(|_| unusable())?;
    let previous_key_id = hex::encode(sha256(&request.previous_public_key.0));
    // Recorded before: keeps its start and endorsement, gets its end. Else 0: from before.
    let retiring = StoredCenterKey {
        entry: CenterKeyEntry {
            key_id: previous_key_id.clone(),
            public_key: request.previous_public_key,
            active_from: 0,
            retire_at: Some(request.retire_at),
            endorsement: None,
        },
        pkcs8_sha256: current.pkcs8_sha256.clone(),
    };
    let key_id = hex::encode(sha256(&request.public_key.0));
    let new = StoredCenterKey {
        entry: CenterKeyEntry {
            key_id: key_id.clone(),
            public_key: request.public_key,
            active_from: now_ms,
            retire_at: None,
            endorsement: Some(endorsement.to_vec().into()),
        },
        pkcs8_sha256: next.pkcs8_sha256.clone(),
    };
    backend.rotate_center_key(&retiring, &new).await.map_err(EdgeError::Storage)?;
    Ok(Rotated { key_id, previous_key_id, retire_at: request.retire_at })
}

/// Whether the configured secret `key` is the private half of `public` (SPKI `spki`):
/// it signs a probe naming that key, and the public key verifies it. Boxed: one copy of
/// the WebCrypto round trips in the bundle, not one per await.
fn pairs<'a, C: CenterSigner + Verifier>(
    crypto: &'a C,
    key: &'a CenterSigningKey,
    spki: &'a [u8],
    public: &'a P256Key,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + 'a>> {
    Box::pin(async move {
        let probe = center_key_probe_message(spki);
        match crypto.sign_center(key, &probe).await {
            Ok(signature) => crypto.ecdsa_p256(public, &probe, &signature).await.is_ok(),
            Err(_) => false,
        }
    })
}
