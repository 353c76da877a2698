//! The reference municipal issuing server (証明発行サーバ): it trusts only the exchange
//! center's attestation, finds the resident by card certificate, and signs a document
//! bound to the transaction. The dev card-validation service lives beside it.

pub mod center_keys;
pub mod certificates;
pub mod db;
pub mod eligibility;
pub mod http;
pub mod issue;
pub mod outcome;
pub mod reconcile;
pub mod seed;
pub mod validation;

use kofu_shared::MunicipalityCode;
use p256::ecdsa::{SigningKey, VerifyingKey};

/// Who this server is and whom it trusts.
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    pub signing_key: SigningKey,
    /// The exchange center's keys. During a rotation the retiring key stays accepted until
    /// its `until_ms`, beside the new one, so no request in flight is refused.
    pub center_keys: Vec<CenterKey>,
    /// With `--center-keys-url`: `center_keys` as the center's published rotations extend
    /// them (`center_keys::follow`); empty until the first answer.
    pub followed: std::sync::RwLock<Vec<CenterKey>>,
}

#[derive(Clone)]
pub struct CenterKey {
    pub key: VerifyingKey,
    /// Accepted up to and including this time (ms); `None`: no end set.
    pub until_ms: Option<u64>,
}

impl CenterKey {
    /// `--center-key PATH[@UNTIL_MS]`: the SPKI DER file, and when a retiring key stops.
    pub fn from_arg(arg: &str) -> Result<Self, String> {
        let (path, until) = match arg.rsplit_once('@') {
            Some((path, until)) => {
                (path, Some(until.parse().map_err(|_| format!("{arg}: @UNTIL_MS is not a number"))?))
            }
            None => (arg, None),
        };
        let der = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
        let key = kofu_shared::signing::p256_public_key(&der).map_err(|e| format!("center key {path}: {e}"))?;
        Ok(CenterKey { key, until_ms: until })
    }
}

impl Municipality {
    /// Whether a center key in force at `now_ms` signed `message`.
    pub fn center_signed(&self, message: &[u8], signature: &[u8], now_ms: u64) -> bool {
        let followed = self.followed.read();
        let keys: &[CenterKey] = match &followed {
            Ok(followed) if !followed.is_empty() => followed,
            _ => &self.center_keys,
        };
        keys.iter()
            .filter(|k| k.until_ms.is_none_or(|until| now_ms <= until))
            .any(|k| kofu_shared::signing::p256_verify(&k.key, message, signature).is_ok())
    }
}
