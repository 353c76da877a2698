//! The key policy: which keys a card or CA certificate may carry and what a card
//! certificate must allow. Decided from DER alone (no big-number set-up), so the edge's
//! WebCrypto path does no RSA arithmetic in wasm; the backends only verify.

use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoRef;

use super::{CertError, ParsedCert};

/// rsaEncryption, the only key type JPKI certificates carry today.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey and its prime256v1 curve: a card key may be P-256 (ECDSA).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// The one public exponent accepted, 65537, as its DER integer bytes.
const RSA_EXPONENT: [u8; 3] = [0x01, 0x00, 0x01];
/// RSA-2048: the modulus is 256 bytes.
const RSA_MODULUS_BYTES: usize = 256;
/// An uncompressed SEC1 point (`04 ‖ x ‖ y`): the edge hands it to WebCrypto as it is.
const P256_POINT_BYTES: usize = 65;

/// The kinds of key a certificate may carry. JPKI cards and CAs are RSA-2048 today; the
/// card's own key may be P-256, so a future card verifies without a protocol change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA-2048, e = 65537: signatures are RSASSA-PKCS1-v1_5 / SHA-256, 256 bytes.
    Rsa2048,
    /// P-256: signatures are ECDSA / SHA-256, r‖s, 64 bytes.
    P256,
}

impl KeyKind {
    /// Every kind the policy accepts.
    pub const ALL: [KeyKind; 2] = [KeyKind::Rsa2048, KeyKind::P256];

    pub fn signature_bytes(self) -> usize {
        match self {
            KeyKind::Rsa2048 => 256,
            KeyKind::P256 => 64,
        }
    }
}

/// A key the policy refuses: neither RSA-2048 with e = 65537 nor an uncompressed P-256 point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the key is neither RSA-2048 with e = 65537 nor an uncompressed P-256 point")]
pub struct UnsupportedKey;

impl From<UnsupportedKey> for CertError {
    fn from(_: UnsupportedKey) -> Self {
        CertError::UnsupportedKey
    }
}

/// The kind of a SubjectPublicKeyInfo (DER), if the policy accepts it.
pub fn key_kind(spki_der: &[u8]) -> Result<KeyKind, UnsupportedKey> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| UnsupportedKey)?;
    key_kind_of(&spki)
}

/// The same for an already decoded SubjectPublicKeyInfo.
pub fn key_kind_of(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<KeyKind, UnsupportedKey> {
    let key_bits = spki.subject_public_key.as_bytes().ok_or(UnsupportedKey)?;
    match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            let key = pkcs1::RsaPublicKeyRef::from_der(key_bits).map_err(|_| UnsupportedKey)?;
            let accepted =
                key.modulus.as_bytes().len() == RSA_MODULUS_BYTES && key.public_exponent.as_bytes() == RSA_EXPONENT;
            accepted.then_some(KeyKind::Rsa2048).ok_or(UnsupportedKey)
        }
        EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters_oid().map_err(|_| UnsupportedKey)?;
            let accepted = curve == PRIME256V1 && key_bits.len() == P256_POINT_BYTES && key_bits[0] == 0x04;
            accepted.then_some(KeyKind::P256).ok_or(UnsupportedKey)
        }
        _ => Err(UnsupportedKey),
    }
}

/// An RSA-2048 key with e = 65537 (SPKI DER): what a trust anchor must carry, since the
/// one issuer algorithm is sha256WithRSAEncryption.
pub fn rsa_2048(spki_der: &[u8]) -> Result<(), UnsupportedKey> {
    match key_kind(spki_der)? {
        KeyKind::Rsa2048 => Ok(()),
        KeyKind::P256 => Err(UnsupportedKey),
    }
}

/// A trust anchor's certificate: its key must be able to verify a card certificate.
pub fn anchor(anchor: &ParsedCert) -> Result<(), CertError> {
    match anchor.key_kind {
        KeyKind::Rsa2048 => Ok(()),
        KeyKind::P256 => Err(CertError::UnsupportedKey),
    }
}

/// What a card certificate must be, besides chaining to an anchor: issued with the one
/// algorithm JPKI uses, and allowed to sign (a JPKI user-authentication certificate carries
/// keyUsage digitalSignature). The card's key kind, which tells how its signature verifies.
pub fn card(card: &ParsedCert) -> Result<KeyKind, CertError> {
    if !card.signed_with_sha256_rsa() {
        return Err(CertError::UnsupportedAlgorithm);
    }
    if !card.may_sign() {
        return Err(CertError::KeyUsage);
    }
    Ok(card.key_kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../fixtures/test-only/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The SPKI of a certificate read with a full X.509 decode, which applies no policy.
    fn spki_of(cert: &str) -> Vec<u8> {
        let full = x509_cert::Certificate::from_der(&fixture(cert)).unwrap();
        full.tbs_certificate().subject_public_key_info().to_der().unwrap()
    }

    #[test]
    fn rsa_2048_with_e_65537_is_accepted() {
        for cert in ["card-1.cert.der", "test-jpki-ca.cert.der"] {
            assert_eq!(key_kind(&spki_of(cert)), Ok(KeyKind::Rsa2048), "{cert}");
            assert_eq!(rsa_2048(&spki_of(cert)), Ok(()), "{cert}");
        }
    }

    #[test]
    fn rsa_1024_is_refused() {
        assert_eq!(key_kind(&spki_of("card-rsa1024.cert.der")), Err(UnsupportedKey));
        assert_eq!(ParsedCert::parse(&fixture("card-rsa1024.cert.der")).err(), Some(CertError::UnsupportedKey));
    }

    #[test]
    fn rsa_2048_with_e_3_is_refused() {
        assert_eq!(key_kind(&spki_of("card-rsa-e3.cert.der")), Err(UnsupportedKey));
        assert_eq!(rsa_2048(&spki_of("card-rsa-e3.cert.der")), Err(UnsupportedKey));
        assert_eq!(ParsedCert::parse(&fixture("card-rsa-e3.cert.der")).err(), Some(CertError::UnsupportedKey));
    }

    #[test]
    fn p256_uncompressed_is_accepted_for_a_card_not_an_anchor() {
        let spki = spki_of("card-p256.cert.der");
        assert_eq!(key_kind(&spki), Ok(KeyKind::P256));
        assert_eq!(rsa_2048(&spki), Err(UnsupportedKey));
        let card = ParsedCert::parse(&fixture("card-p256.cert.der")).unwrap();
        assert_eq!(self::card(&card), Ok(KeyKind::P256));
        assert_eq!(anchor(&card), Err(CertError::UnsupportedKey));
    }

    #[test]
    fn p256_compressed_is_refused() {
        let spki = spki_of("card-p256.cert.der");
        let point = &spki[spki.len() - 65..];
        // The same SPKI with the point compressed (02/03 ‖ x): 33 bytes in a 34-byte BIT STRING.
        let mut compressed = vec![0x30, 0x39];
        compressed.extend_from_slice(&spki[2..23]);
        compressed.extend_from_slice(&[0x03, 0x22, 0x00, 0x02 | (point[64] & 1)]);
        compressed.extend_from_slice(&point[1..33]);
        assert!(SubjectPublicKeyInfoRef::from_der(&compressed).is_ok(), "well-formed DER");
        assert_eq!(key_kind(&compressed), Err(UnsupportedKey));
    }

    #[test]
    fn p384_is_refused() {
        assert_eq!(key_kind(&spki_of("card-p384.cert.der")), Err(UnsupportedKey));
        assert_eq!(ParsedCert::parse(&fixture("card-p384.cert.der")).err(), Some(CertError::UnsupportedKey));
    }

    #[test]
    fn not_a_key_is_refused() {
        for junk in [&b""[..], b"\x30\x00", &fixture("card-1.cert.der")] {
            assert_eq!(key_kind(junk), Err(UnsupportedKey));
        }
    }

    #[test]
    fn a_card_must_be_issued_with_sha256_rsa_and_allowed_to_sign() {
        let card = ParsedCert::parse(&fixture("card-1.cert.der")).unwrap();
        assert_eq!(self::card(&card), Ok(KeyKind::Rsa2048));
        let sha384 = ParsedCert::parse(&fixture("card-sha384.cert.der")).unwrap();
        assert_eq!(self::card(&sha384), Err(CertError::UnsupportedAlgorithm));
        // A CA certificate may sign certificates, not requests.
        let ca = ParsedCert::parse(&fixture("test-jpki-ca.cert.der")).unwrap();
        assert_eq!(self::card(&ca), Err(CertError::KeyUsage));
        assert_eq!(anchor(&ca), Ok(()));
    }
}
