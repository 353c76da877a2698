//! The edge's configuration: trust anchors (PEM bundle) and the center key (secret).

use kofu_shared::Bytes;
use kofu_shared::signing::{LABEL_AUDIT_KEY, signed_message};
use kofu_shared::x509::ParsedCert;
#[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::verify::RsaKey;

pub struct EdgeConfig {
    pub anchors: Vec<ParsedCert>,
    /// Each anchor's key, past the key policy once (same order as `anchors`).
    pub anchor_keys: Vec<RsaKey>,
    /// The center's signing keys: `CENTER_KEY`, then `CENTER_KEY_NEXT` when one is set for
    /// a rotation. Which one signs is decided by the rotation record (`center_key`).
    pub center_keys: Vec<CenterSigningKey>,
    /// Keys the card tags of the audit trail. Set with [`Self::with_audit_key`]; derived
    /// from `CENTER_KEY` otherwise (set it before a rotation swaps that secret, or card tags
    /// change).
    pub audit_key: Zeroizing<Vec<u8>>,
    /// Operators allowed to call the ops API (`OPS_KEYS`); none by default.
    pub ops_keys: Vec<super::ops::OpsKey>,
    pub rate_limits: super::rate::RateLimits,
    pub challenge_ttl_ms: u64,
}

pub struct CenterSigningKey {
    /// Parsed for RustCrypto (native, lab builds); the deployed worker signs with WebCrypto
    /// from `pkcs8` and carries no P-256 arithmetic.
    #[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
    pub signing: SigningKey,
    /// PKCS#8 DER, for backends that import it (WebCrypto).
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// SHA-256 of `pkcs8`, hex: names the key where its public half is not at hand (the
    /// deployed worker cannot derive it).
    pub pkcs8_sha256: String,
}

impl CenterSigningKey {
    /// base64url PKCS#8 DER of a P-256 key.
    pub fn from_b64(text: &str) -> Result<Self, ConfigError> {
        let der = Zeroizing::new(Bytes::decode(text.trim()).map_err(|_| ConfigError::BadCenterKey)?);
        #[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
        let signing = kofu_shared::signing::p256_signing_key(&der).map_err(|_| ConfigError::BadCenterKey)?;
        // Without p256 the deployed worker checks the PKCS#8 shape; WebCrypto checks the key.
        #[cfg(all(target_arch = "wasm32", not(feature = "lab")))]
        if !der.starts_with(&[0x30]) || der.len() < 64 {
            return Err(ConfigError::BadCenterKey);
        }
        let pkcs8_sha256 = hex::encode(Sha256::digest(&der[..]));
        Ok(CenterSigningKey {
            #[cfg(any(not(target_arch = "wasm32"), feature = "lab"))]
            signing,
            pkcs8: der,
            pkcs8_sha256,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("TRUST_ANCHORS holds no certificate")]
    NoAnchors,
    #[error("TRUST_ANCHORS certificate {0} is not PEM X.509 RSA-2048")]
    BadAnchor(usize),
    #[error("CENTER_KEY is not base64url PKCS#8 DER of a P-256 key")]
    BadCenterKey,
    #[error("AUDIT_KEY is not base64url of at least 32 bytes")]
    BadAuditKey,
    #[error("RATE_LIMITS is not `kiosk=MAX/WINDOW_MS,card=MAX/WINDOW_MS`")]
    BadRateLimits,
    #[error("OPS_KEYS line {0} is not `id=base64url P-256 key`")]
    BadOpsKey(usize),
}

const PEM_END: &str = "-----END CERTIFICATE-----";

impl EdgeConfig {
    /// `anchors_pem`: one or more PEM certificates. `center_key_b64`: base64url PKCS#8 DER.
    pub fn from_text(anchors_pem: &str, center_key_b64: &str) -> Result<Self, ConfigError> {
        let anchors = parse_pem_bundle(anchors_pem)?;
        let anchor_keys = anchors
            .iter()
            .enumerate()
            .map(|(i, a)| {
                kofu_shared::x509::policy::anchor(a).map_err(|_| ConfigError::BadAnchor(i))?;
                RsaKey::anchor(&a.spki_der).map_err(|_| ConfigError::BadAnchor(i))
            })
            .collect::<Result<_, _>>()?;
        let center_key = CenterSigningKey::from_b64(center_key_b64)?;
        let audit_key = Zeroizing::new(Sha256::digest(signed_message(LABEL_AUDIT_KEY, &[&center_key.pkcs8])).to_vec());
        Ok(EdgeConfig {
            anchors,
            anchor_keys,
            center_keys: vec![center_key],
            audit_key,
            ops_keys: Vec::new(),
            rate_limits: super::rate::RateLimits::default(),
            challenge_ttl_ms: kofu_shared::limits::CHALLENGE_TTL_MS,
        })
    }
}

impl EdgeConfig {
    /// `CENTER_KEY_NEXT`: the key a rotation switches to (base64url PKCS#8 DER).
    pub fn with_next_center_key(mut self, key_b64: &str) -> Result<Self, ConfigError> {
        self.center_keys.truncate(1);
        self.center_keys.push(CenterSigningKey::from_b64(key_b64)?);
        Ok(self)
    }

    /// `AUDIT_KEY`: base64url, at least 32 bytes.
    pub fn with_audit_key(mut self, key_b64: &str) -> Result<Self, ConfigError> {
        let key = Bytes::decode(key_b64.trim()).map_err(|_| ConfigError::BadAuditKey)?;
        if key.len() < 32 {
            return Err(ConfigError::BadAuditKey);
        }
        self.audit_key = Zeroizing::new(key);
        Ok(self)
    }

    /// `RATE_LIMITS`: see [`super::rate::RateLimits::parse`].
    pub fn with_rate_limits(mut self, text: &str) -> Result<Self, ConfigError> {
        self.rate_limits = super::rate::RateLimits::parse(text).map_err(|_| ConfigError::BadRateLimits)?;
        Ok(self)
    }

    /// `OPS_KEYS`: see [`super::ops::parse_ops_keys`].
    pub fn with_ops_keys(mut self, text: &str) -> Result<Self, ConfigError> {
        self.ops_keys = super::ops::parse_ops_keys(text).map_err(ConfigError::BadOpsKey)?;
        Ok(self)
    }
}

pub fn parse_pem_bundle(text: &str) -> Result<Vec<ParsedCert>, ConfigError> {
    let mut anchors = Vec::new();
    for (i, block) in text.split_inclusive(PEM_END).enumerate() {
        let block = block.trim();
        if !block.contains(PEM_END) {
            continue;
        }
        let (label, der) = pem_rfc7468::decode_vec(block.as_bytes()).map_err(|_| ConfigError::BadAnchor(i))?;
        if label != "CERTIFICATE" {
            return Err(ConfigError::BadAnchor(i));
        }
        anchors.push(ParsedCert::parse(&der).map_err(|_| ConfigError::BadAnchor(i))?);
    }
    if anchors.is_empty() {
        return Err(ConfigError::NoAnchors);
    }
    Ok(anchors)
}
