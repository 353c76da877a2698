//! Sealing the municipality's answer to the kiosk's per-transaction key, so the exchange
//! center relays what it cannot read: HPKE (RFC 9180) base mode with DHKEM(P-256,
//! HKDF-SHA256), HKDF-SHA256 and AES-128-GCM; the transaction id is the associated data.

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::DhP256HkdfSha256;
use hpke::{Deserializable, Kem as KemTrait, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};

use crate::Bytes;

type Kem = DhP256HkdfSha256;

/// HPKE `info`: binds the sealed answer to this protocol and purpose. Its ASCII bytes
/// alone, not the signing rule.
pub const LABEL_SEALED_ANSWER: &str = "kofu/v1/sealed-answer";
pub const SEAL_INFO: &[u8] = LABEL_SEALED_ANSWER.as_bytes();
/// An uncompressed SEC1 P-256 point.
pub const REPLY_KEY_BYTES: usize = 65;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the reply key is not a P-256 point")]
    BadKey,
    #[error("sealing failed")]
    Seal,
    #[error("the sealed answer does not open with this transaction's key")]
    Open,
}

/// `enc` (the encapsulated key) and the AES-GCM ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    pub enc: Bytes,
    pub ciphertext: Bytes,
}

/// A fresh key pair for one transaction. The private half never leaves the kiosk and is
/// zeroized when dropped (p256's secret key does that).
pub struct ReplyKey {
    private: <Kem as KemTrait>::PrivateKey,
    public: Vec<u8>,
}

impl ReplyKey {
    pub fn generate() -> Self {
        let (private, public) = Kem::gen_keypair();
        ReplyKey { private, public: public.to_bytes().to_vec() }
    }

    /// Deterministic, for test vectors only.
    pub fn derive_for_tests(ikm: &[u8]) -> Self {
        let (private, public) = Kem::derive_keypair(ikm);
        ReplyKey { private, public: public.to_bytes().to_vec() }
    }

    pub fn public_bytes(&self) -> &[u8] {
        &self.public
    }

    pub fn open(&self, aad: &[u8], sealed: &Sealed) -> Result<Vec<u8>, SealError> {
        let enc = <Kem as KemTrait>::EncappedKey::from_bytes(&sealed.enc.0).map_err(|_| SealError::Open)?;
        hpke::single_shot_open::<AesGcm128, HkdfSha256, Kem>(
            &OpModeR::Base,
            &self.private,
            &enc,
            SEAL_INFO,
            &sealed.ciphertext.0,
            aad,
        )
        .map_err(|_| SealError::Open)
    }
}

/// Seals `plaintext` to the kiosk's reply key.
pub fn seal(reply_key: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Sealed, SealError> {
    let public = <Kem as KemTrait>::PublicKey::from_bytes(reply_key).map_err(|_| SealError::BadKey)?;
    let (enc, ciphertext) =
        hpke::single_shot_seal::<AesGcm128, HkdfSha256, Kem>(&OpModeS::Base, &public, SEAL_INFO, plaintext, aad)
            .map_err(|_| SealError::Seal)?;
    Ok(Sealed { enc: enc.to_bytes().to_vec().into(), ciphertext: ciphertext.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_its_key_and_its_transaction() {
        let key = ReplyKey::generate();
        assert_eq!(key.public_bytes().len(), REPLY_KEY_BYTES);
        let sealed = seal(key.public_bytes(), b"tx-1", b"certificate").unwrap();
        assert_eq!(key.open(b"tx-1", &sealed).unwrap(), b"certificate");
        assert_eq!(key.open(b"tx-2", &sealed), Err(SealError::Open));
        assert_eq!(ReplyKey::generate().open(b"tx-1", &sealed), Err(SealError::Open));
        let mut flipped = sealed.clone();
        flipped.ciphertext.0[0] ^= 1;
        assert_eq!(key.open(b"tx-1", &flipped), Err(SealError::Open));
        let mut short = sealed;
        short.enc.0.truncate(10);
        assert_eq!(key.open(b"tx-1", &short), Err(SealError::Open));
    }

    #[test]
    fn refuses_keys_that_are_not_points() {
        assert_eq!(seal(&[4u8; 65], b"", b"x"), Err(SealError::BadKey));
        assert_eq!(seal(&[], b"", b"x"), Err(SealError::BadKey));
    }
}
