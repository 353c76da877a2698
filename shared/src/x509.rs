//! Card certificates: parse with `x509-cert`, check the issuer's signature over the
//! original TBS bytes (never a re-encoding), the validity period, and RSA signatures.
//! Which keys are allowed is [`policy`]'s to say; which anchor issued a card, [`anchors`]'.

pub mod anchors;
pub mod policy;

use der::asn1::{BitStringRef, ObjectIdentifier};
use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber};
use rsa::PublicKey;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use x509_cert::time::Validity;

use crate::limits::MAX_CARD_CERT_BYTES;
use policy::KeyKind;

/// sha256WithRSAEncryption.
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate is over the size limit")]
    TooLarge,
    #[error("certificate is not valid DER X.509")]
    Malformed,
    #[error("certificate public key is neither RSA-2048 with e = 65537 nor P-256")]
    UnsupportedKey,
    #[error("certificate signature algorithm is not sha256WithRSAEncryption")]
    UnsupportedAlgorithm,
    #[error("no configured trust anchor issued this certificate")]
    Untrusted,
    #[error("certificate is outside its validity period")]
    OutOfDate,
    #[error("signature does not verify")]
    BadSignature,
    #[error("certificate's key usage does not allow signing")]
    KeyUsage,
}

/// A parsed certificate, with the raw slices that signatures cover.
pub struct ParsedCert {
    pub serial_hex: String,
    pub issuer_der: Vec<u8>,
    pub subject_der: Vec<u8>,
    pub not_before_ms: u64,
    pub not_after_ms: u64,
    /// The SubjectPublicKeyInfo as it appears in the certificate.
    pub spki_der: Vec<u8>,
    /// The first byte of keyUsage (bit 0x80 digitalSignature, 0x04 keyCertSign), if present.
    pub key_usage: Option<u8>,
    pub key_kind: KeyKind,
    tbs_der: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
}

impl ParsedCert {
    /// Reads the fields kofu uses and keeps the raw bytes signatures cover. Each field is
    /// decoded with `der`/`x509-cert` types; the names and extensions stay raw TLVs (they are
    /// compared byte for byte and covered by the issuer's signature), which makes this about
    /// twice as fast as a full `x509_cert::Certificate` decode: it runs on every request.
    pub fn parse(der_bytes: &[u8]) -> Result<Self, CertError> {
        if der_bytes.len() > MAX_CARD_CERT_BYTES {
            return Err(CertError::TooLarge);
        }
        let malformed = |_| CertError::Malformed;
        let mut reader = SliceReader::new(der_bytes).map_err(malformed)?;
        let (tbs_der, signature_algorithm, signature) = reader
            .sequence(|cert| {
                let tbs = cert.tlv_bytes()?;
                let algorithm: AlgorithmIdentifierRef<'_> = cert.decode()?;
                let signature: BitStringRef<'_> = cert.decode()?;
                Ok::<_, der::Error>((tbs, algorithm.oid, signature))
            })
            .map_err(malformed)?;
        reader.finish().map_err(malformed)?;
        let signature = signature.as_bytes().ok_or(CertError::Malformed)?.to_vec();
        let mut reader = SliceReader::new(tbs_der).map_err(malformed)?;
        let tbs = reader.sequence(read_tbs).map_err(malformed)?;
        reader.finish().map_err(malformed)?;
        let spki = SubjectPublicKeyInfoRef::from_der(tbs.spki_der).map_err(malformed)?;
        let key_kind = policy::key_kind_of(&spki)?;
        Ok(ParsedCert {
            serial_hex: hex::encode(tbs.serial),
            issuer_der: tbs.issuer.to_vec(),
            subject_der: tbs.subject.to_vec(),
            not_before_ms: tbs.validity.not_before.to_unix_duration().as_millis() as u64,
            not_after_ms: tbs.validity.not_after.to_unix_duration().as_millis() as u64,
            spki_der: tbs.spki_der.to_vec(),
            key_usage: tbs.key_usage,
            key_kind,
            tbs_der: tbs_der.to_vec(),
            signature_algorithm,
            signature,
        })
    }

    /// Whether the certificate may sign (keyUsage digitalSignature), as a card's must.
    pub fn may_sign(&self) -> bool {
        self.key_usage.is_some_and(|bits| bits & 0x80 != 0)
    }

    /// The RSA key as RustCrypto needs it (native verifiers; the edge uses `spki_der`).
    pub fn rsa_key(&self) -> Result<PublicKey, CertError> {
        PublicKey::from_public_key_der(&self.spki_der).map_err(|_| CertError::UnsupportedKey)
    }

    /// Checks a signature by this certificate's key over `message` (natively, RustCrypto):
    /// RSA PKCS#1 v1.5 or ECDSA r‖s, both over SHA-256, as the key kind says.
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> Result<(), CertError> {
        match self.key_kind {
            KeyKind::Rsa2048 => verify_rsa_sha256(&self.rsa_key()?, message, signature),
            KeyKind::P256 => {
                let key = crate::signing::p256_public_key(&self.spki_der).map_err(|_| CertError::UnsupportedKey)?;
                crate::signing::p256_verify(&key, message, signature).map_err(|_| CertError::BadSignature)
            }
        }
    }

    /// The bytes the issuer signed: the TBSCertificate exactly as received.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs_der
    }

    /// The issuer's signature over [`Self::tbs_der`].
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The one issuer algorithm JPKI uses today.
    pub fn signed_with_sha256_rsa(&self) -> bool {
        self.signature_algorithm == SHA256_WITH_RSA
    }

    pub fn issuer_sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.issuer_der).into()
    }

    pub fn is_valid_at(&self, now_ms: u64) -> bool {
        self.not_before_ms <= now_ms && now_ms <= self.not_after_ms
    }

    /// Checks that `issuer` signed this certificate (over the original TBS bytes).
    pub fn verify_issued_by(&self, issuer: &ParsedCert) -> Result<(), CertError> {
        if self.issuer_der != issuer.subject_der {
            return Err(CertError::Untrusted);
        }
        if self.signature_algorithm != SHA256_WITH_RSA {
            return Err(CertError::UnsupportedAlgorithm);
        }
        policy::anchor(issuer)?;
        verify_rsa_sha256(&issuer.rsa_key()?, &self.tbs_der, &self.signature)
    }
}

/// RSA PKCS#1 v1.5 with a SHA-256 DigestInfo over `message`.
pub fn verify_rsa_sha256(key: &PublicKey, message: &[u8], sig: &[u8]) -> Result<(), CertError> {
    let hashed = Sha256::digest(message);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, sig).map_err(|_| CertError::BadSignature)
}

/// The TBSCertificate's fields (RFC 5280 §4.1), names and key as raw TLVs.
struct Tbs<'a> {
    serial: &'a [u8],
    issuer: &'a [u8],
    validity: Validity,
    subject: &'a [u8],
    spki_der: &'a [u8],
    key_usage: Option<u8>,
}

/// id-ce-keyUsage.
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// The first byte of the keyUsage bits, if the extensions (`[3]` content) carry one.
fn key_usage<'a, R: Reader<'a>>(extensions: &mut R) -> der::Result<Option<u8>> {
    extensions.sequence(|list| {
        let mut found = None;
        while !list.is_finished() {
            list.sequence(|extension| {
                let id: ObjectIdentifier = extension.decode()?;
                if Tag::peek(extension)? == Tag::Boolean {
                    let _critical: bool = extension.decode()?;
                }
                let value: &der::asn1::OctetStringRef = extension.decode()?;
                if id == KEY_USAGE {
                    let bits = BitStringRef::from_der(value.as_bytes())?;
                    found = Some(bits.raw_bytes().first().copied().unwrap_or(0));
                }
                Ok::<_, der::Error>(())
            })?;
        }
        Ok::<_, der::Error>(found)
    })
}

fn read_tbs<'a, R: Reader<'a>>(tbs: &mut R) -> der::Result<Tbs<'a>> {
    // version [0] EXPLICIT, absent for v1.
    const VERSION: Tag = Tag::ContextSpecific { constructed: true, number: TagNumber(0) };
    if Tag::peek(tbs)? == VERSION {
        tbs.tlv_bytes()?;
    }
    // The serial exactly as encoded (a leading 00 included): the validation service keys on it.
    let header = Header::decode(tbs)?;
    header.tag().assert_eq(Tag::Integer)?;
    let serial = tbs.read_slice(header.length())?;
    let _signature: AlgorithmIdentifierRef<'_> = tbs.decode()?;
    let issuer = tbs.tlv_bytes()?;
    let validity: Validity = tbs.decode()?;
    let subject = tbs.tlv_bytes()?;
    let spki_der = tbs.tlv_bytes()?;
    // issuerUniqueID [1] and subjectUniqueID [2] are skipped; of the extensions [3] only
    // keyUsage is read (the rest is signed, not interpreted).
    const EXTENSIONS: Tag = Tag::ContextSpecific { constructed: true, number: TagNumber(3) };
    let mut key_usage_bits = None;
    while !tbs.is_finished() {
        if Tag::peek(tbs)? == EXTENSIONS {
            let header = Header::decode(tbs)?;
            let content = tbs.read_slice(header.length())?;
            let mut extensions = SliceReader::new(content)?;
            key_usage_bits = key_usage(&mut extensions)?;
            extensions.finish()?;
        } else {
            tbs.tlv_bytes()?;
        }
    }
    Ok(Tbs { serial, issuer, validity, subject, spki_der, key_usage: key_usage_bits })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &[u8] = include_bytes!("../../fixtures/test-only/test-jpki-ca.cert.der");
    const CARD: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");
    const ROGUE_CARD: &[u8] = include_bytes!("../../fixtures/test-only/card-rogue.cert.der");
    const JLIS_2023: &str = include_str!("../../trust/jpki/auth_ca_2023.pem");
    const JLIS_2015: &str = include_str!("../../trust/jpki/auth_ca_2015.pem");

    #[test]
    fn test_card_chains_to_test_ca() {
        let ca = ParsedCert::parse(CA).unwrap();
        let card = ParsedCert::parse(CARD).unwrap();
        assert_eq!(card.serial_hex, "4b4f465500000001");
        assert_eq!(card.key_kind, KeyKind::Rsa2048);
        card.verify_issued_by(&ca).unwrap();
        assert_eq!(card.verify_issued_by(&card), Err(CertError::Untrusted), "issuer name differs");
    }

    #[test]
    fn key_usage_is_read() {
        let (ca, card) = (ParsedCert::parse(CA).unwrap(), ParsedCert::parse(CARD).unwrap());
        assert!(card.may_sign() && !ca.may_sign());
        assert_eq!(ca.key_usage.map(|b| b & 0x04), Some(0x04), "keyCertSign");
    }

    /// Both J-LIS user-authentication CAs parse and verify their own self-signature.
    #[test]
    fn real_jlis_anchors_parse_and_verify_themselves() {
        for pem in [JLIS_2023, JLIS_2015] {
            let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
            let ca = ParsedCert::parse(&der).unwrap();
            assert_eq!(ca.issuer_der, ca.subject_der, "self-issued");
            ca.verify_issued_by(&ParsedCert::parse(&der).unwrap()).unwrap();
        }
    }

    /// The light reader sees exactly what a full `x509_cert::Certificate` decode sees.
    #[test]
    fn fields_match_a_full_x509_decode() {
        use der::Encode;
        let b64: String = JLIS_2023.lines().filter(|l| !l.starts_with("-----")).collect();
        let jlis = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
        for der_bytes in [CA, CARD, ROGUE_CARD, &jlis[..]] {
            let full = x509_cert::Certificate::from_der(der_bytes).unwrap();
            let tbs = full.tbs_certificate();
            let light = ParsedCert::parse(der_bytes).unwrap();
            assert_eq!(light.serial_hex, hex::encode(tbs.serial_number().as_bytes()));
            assert_eq!(light.issuer_der, tbs.issuer().to_der().unwrap());
            assert_eq!(light.subject_der, tbs.subject().to_der().unwrap());
            assert_eq!(light.spki_der, tbs.subject_public_key_info().to_der().unwrap());
            assert_eq!(light.tbs_der(), tbs.to_der().unwrap());
            assert_eq!(light.signature(), full.signature().as_bytes().unwrap());
            let not_after = tbs.validity().not_after.to_unix_duration().as_millis() as u64;
            assert_eq!(light.not_after_ms, not_after);
        }
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert!(ParsedCert::parse(&junk).is_err());
        }
        for cut in (0..CARD.len()).step_by(7) {
            assert!(ParsedCert::parse(&CARD[..cut]).is_err());
        }
    }
}
