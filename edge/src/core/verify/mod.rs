//! Signature verification behind one trait, so the worker can use the runtime's own
//! WebCrypto (BoringSSL, 16–20× faster than RustCrypto compiled to wasm) while native
//! tests, the municipal server and the differential tests use RustCrypto. Keys reach a
//! backend only after the shared key policy (`kofu_shared::x509::policy`) accepted them.

pub mod cases;
// In the worker only for the lab (differential tests, benchmark); natively always.
#[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
mod rustcrypto;
#[cfg(target_arch = "wasm32")]
pub mod webcrypto;

#[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
pub use rustcrypto::RustCrypto;

/// Why a signature was not accepted. Callers map every variant to their own refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the key is not one the policy accepts")]
    Key,
    #[error("the signature is not well formed")]
    Encoding,
    #[error("the signature does not verify")]
    Mismatch,
    #[error("the crypto backend failed: {0}")]
    Backend(String),
}

/// The uncompressed SEC1 point of a P-256 public key (`04 ‖ x ‖ y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P256Key(pub [u8; 65]);

/// An RSA-2048 public key, e = 65537, as SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    pub spki: Vec<u8>,
    /// Trust anchors are worth caching in a backend; a card's key is seen once.
    pub long_lived: bool,
}

/// DER prefix of a P-256 SubjectPublicKeyInfo up to the point (id-ecPublicKey, prime256v1).
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE,
    0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

impl P256Key {
    /// From uncompressed SEC1 or SPKI DER, as kiosk keys are enrolled. Compressed points are
    /// refused: decompressing needs P-256 arithmetic the deployed worker does not carry.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let point = match bytes {
            [0x04, ..] if bytes.len() == 65 => bytes,
            _ if bytes.len() == 91 && bytes.starts_with(&P256_SPKI_PREFIX) => &bytes[26..],
            _ => return Err(VerifyError::Key),
        };
        let mut out = [0u8; 65];
        out.copy_from_slice(point);
        Ok(P256Key(out))
    }
}

impl RsaKey {
    /// From SubjectPublicKeyInfo DER, when the key policy says RSA-2048 with e = 65537 (as
    /// JPKI issues). Decided by DER alone, so the WebCrypto path does no big-number work.
    pub fn from_spki(der_bytes: &[u8]) -> Result<Self, VerifyError> {
        kofu_shared::x509::policy::rsa_2048(der_bytes).map_err(|_| VerifyError::Key)?;
        Ok(RsaKey { spki: der_bytes.to_vec(), long_lived: false })
    }

    /// The same, for a trust anchor's key.
    pub fn anchor(der_bytes: &[u8]) -> Result<Self, VerifyError> {
        Ok(RsaKey { long_lived: true, ..Self::from_spki(der_bytes)? })
    }
}

/// One check of a batch.
#[derive(Debug, Clone, Copy)]
pub enum Check<'a> {
    EcdsaP256 { key: &'a P256Key, message: &'a [u8], signature: &'a [u8] },
    RsaPkcs1Sha256 { key: &'a RsaKey, message: &'a [u8], signature: &'a [u8] },
}

/// ECDSA P-256 / SHA-256 and RSASSA-PKCS1-v1_5 / SHA-256 over whole messages.
#[allow(async_fn_in_trait)]
pub trait Verifier {
    /// Independent checks at once: WebCrypto runs them in one round trip instead of one
    /// await each. The default runs them in order.
    async fn verify_all<const N: usize>(&self, checks: [Check<'_>; N]) -> [Result<(), VerifyError>; N] {
        let mut out = [const { Ok(()) }; N];
        for (slot, check) in out.iter_mut().zip(checks) {
            *slot = match check {
                Check::EcdsaP256 { key, message, signature } => self.ecdsa_p256(key, message, signature).await,
                Check::RsaPkcs1Sha256 { key, message, signature } => {
                    self.rsa_pkcs1_sha256(key, message, signature).await
                }
            };
        }
        out
    }

    /// `signature` is fixed-width r‖s (64 bytes), as WebCrypto produces. High-S is accepted.
    async fn ecdsa_p256(&self, key: &P256Key, message: &[u8], signature: &[u8]) -> Result<(), VerifyError>;

    /// `signature` is exactly the modulus size (256 bytes).
    async fn rsa_pkcs1_sha256(&self, key: &RsaKey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError>;

    /// The same check for an ASN.1 DER `ECDSA-Sig-Value`, converted to r‖s here so both
    /// backends see the same bytes (strict DER: no padding, no trailing data).
    async fn ecdsa_p256_der(&self, key: &P256Key, message: &[u8], der: &[u8]) -> Result<(), VerifyError> {
        let signature = p256::ecdsa::Signature::from_der(der).map_err(|_| VerifyError::Encoding)?;
        self.ecdsa_p256(key, message, &signature.to_bytes()).await
    }
}

/// Shared by both backends: the length checks come before any crypto.
fn check_lengths(signature: &[u8], expected: usize) -> Result<(), VerifyError> {
    if signature.len() == expected { Ok(()) } else { Err(VerifyError::Encoding) }
}

/// The center's own signatures (attestations): ECDSA P-256 / SHA-256, r‖s, with the key
/// from the configuration. Same backends as [`Verifier`].
#[allow(async_fn_in_trait)]
pub trait CenterSigner {
    async fn sign_center(&self, key: &super::config::CenterSigningKey, message: &[u8])
    -> Result<[u8; 64], VerifyError>;
}
