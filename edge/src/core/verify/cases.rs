//! One signature check described as data, so the same corpus runs through every backend:
//! natively, and inside workerd through the lab route (differential tests).

use kofu_shared::Bytes;
use serde::{Deserialize, Serialize};

use super::{P256Key, RsaKey, Verifier, VerifyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// ECDSA P-256 / SHA-256, r‖s signature; key as SEC1 or SPKI.
    P256,
    /// The same with an ASN.1 DER signature.
    P256Der,
    /// RSASSA-PKCS1-v1_5 / SHA-256; key as SPKI.
    Rsa,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    pub alg: Algorithm,
    pub key: Bytes,
    pub message: Bytes,
    pub signature: Bytes,
}

/// What a verifier said about a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    BadKey,
    BadEncoding,
    Mismatch,
    Backend(String),
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        *self == Verdict::Valid
    }
}

impl From<Result<(), VerifyError>> for Verdict {
    fn from(result: Result<(), VerifyError>) -> Self {
        match result {
            Ok(()) => Verdict::Valid,
            Err(VerifyError::Key) => Verdict::BadKey,
            Err(VerifyError::Encoding) => Verdict::BadEncoding,
            Err(VerifyError::Mismatch) => Verdict::Mismatch,
            Err(VerifyError::Backend(what)) => Verdict::Backend(what),
        }
    }
}

/// Runs one case: key policy first (shared by all backends), then the backend.
pub async fn run<V: Verifier>(verifier: &V, case: &Case) -> Verdict {
    let (message, signature) = (&case.message.0, &case.signature.0);
    let result = match case.alg {
        Algorithm::P256 => match P256Key::from_bytes(&case.key.0) {
            Ok(key) => verifier.ecdsa_p256(&key, message, signature).await,
            Err(e) => Err(e),
        },
        Algorithm::P256Der => match P256Key::from_bytes(&case.key.0) {
            Ok(key) => verifier.ecdsa_p256_der(&key, message, signature).await,
            Err(e) => Err(e),
        },
        Algorithm::Rsa => match RsaKey::from_spki(&case.key.0) {
            Ok(key) => verifier.rsa_pkcs1_sha256(&key, message, signature).await,
            Err(e) => Err(e),
        },
    };
    result.into()
}
