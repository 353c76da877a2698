//! The reference backend: RustCrypto's `p256` and `rsa`. Native tests and the municipal
//! server use it; in the worker it is the slow baseline of the benchmark.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};

use super::{CenterSigner, P256Key, RsaKey, Verifier, VerifyError, check_lengths};

#[derive(Debug, Default, Clone, Copy)]
pub struct RustCrypto;

impl Verifier for RustCrypto {
    async fn ecdsa_p256(&self, key: &P256Key, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        check_lengths(signature, 64)?;
        let key = VerifyingKey::from_sec1_bytes(&key.0).map_err(|_| VerifyError::Key)?;
        // r or s of zero or ≥ n is not a signature at all.
        let signature = Signature::from_slice(signature).map_err(|_| VerifyError::Mismatch)?;
        // WebCrypto accepts high-S; so do we, or the two backends would disagree.
        let signature = signature.normalize_s();
        key.verify(message, &signature).map_err(|_| VerifyError::Mismatch)
    }

    async fn rsa_pkcs1_sha256(&self, key: &RsaKey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        check_lengths(signature, 256)?;
        let key = rsa::PublicKey::from_public_key_der(&key.spki).map_err(|_| VerifyError::Key)?;
        let hashed = Sha256::digest(message);
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, signature).map_err(|_| VerifyError::Mismatch)
    }
}

impl CenterSigner for RustCrypto {
    async fn sign_center(
        &self,
        key: &crate::core::config::CenterSigningKey,
        message: &[u8],
    ) -> Result<[u8; 64], VerifyError> {
        Ok(kofu_shared::signing::p256_sign(&key.signing, message))
    }
}
