//! Which trust anchor issued a certificate. Anchors may share a name (J-LIS's 2015 and
//! 2023 CAs do), so the name picks the candidates and the one whose key verifies the
//! certificate is its issuer. The signature checks themselves are the caller's (RustCrypto
//! here, WebCrypto in the worker); the rule of what to try and when it is done is this one.

use super::{CertError, ParsedCert};

/// The anchors named as a certificate's issuer, as indexes into the configured list, in
/// its order; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    first: usize,
    others: Vec<usize>,
}

impl Candidates {
    /// The anchors whose subject is `cert`'s issuer name; none is [`CertError::Untrusted`].
    pub fn named(cert: &ParsedCert, anchors: &[ParsedCert]) -> Result<Self, CertError> {
        let mut named = anchors.iter().enumerate().filter(|(_, a)| a.subject_der == cert.issuer_der).map(|(i, _)| i);
        let first = named.next().ok_or(CertError::Untrusted)?;
        Ok(Candidates { first, others: named.collect() })
    }

    /// The one to try first (a verifier may batch it with other checks).
    pub fn first(&self) -> usize {
        self.first
    }

    /// The ones to try, in order, only while none has verified.
    pub fn others(&self) -> &[usize] {
        &self.others
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.first).chain(self.others.iter().copied())
    }
}

/// The verdict once the candidates were tried: `issuer` is the one whose key verified the
/// certificate, if any. Both the certificate and that anchor must be in their validity
/// periods at `now_ms`. Returns the issuer's index.
pub fn conclude(
    cert: &ParsedCert,
    anchors: &[ParsedCert],
    issuer: Option<usize>,
    now_ms: u64,
) -> Result<usize, CertError> {
    let index = issuer.ok_or(CertError::BadSignature)?;
    let anchor = anchors.get(index).ok_or(CertError::Untrusted)?;
    if !cert.is_valid_at(now_ms) || !anchor.is_valid_at(now_ms) {
        return Err(CertError::OutOfDate);
    }
    Ok(index)
}

/// The whole search natively: the candidates tried in order with RustCrypto. Returns the
/// issuing anchor's index.
pub fn verify_chain(cert: &ParsedCert, anchors: &[ParsedCert], now_ms: u64) -> Result<usize, CertError> {
    let candidates = Candidates::named(cert, anchors)?;
    let issuer = candidates.iter().find(|&i| anchors.get(i).is_some_and(|a| cert.verify_issued_by(a).is_ok()));
    conclude(cert, anchors, issuer, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(name: &str) -> ParsedCert {
        let path = format!("{}/../fixtures/test-only/{name}.cert.der", env!("CARGO_MANIFEST_DIR"));
        ParsedCert::parse(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
    }

    fn now_ms() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
    }

    /// A rogue CA, then two anchors with one name (only the second issued card-1).
    fn anchors() -> Vec<ParsedCert> {
        vec![parsed("rogue-ca"), parsed("test-jpki-ca-previous"), parsed("test-jpki-ca")]
    }

    #[test]
    fn the_anchor_whose_key_verifies_is_chosen_among_several() {
        let (anchors, card) = (anchors(), parsed("card-1"));
        let candidates = Candidates::named(&card, &anchors).unwrap();
        assert_eq!((candidates.first(), candidates.others()), (1, &[2][..]));
        assert_eq!(verify_chain(&card, &anchors, now_ms()), Ok(2));
        assert_eq!(verify_chain(&parsed("card-rogue"), &anchors, now_ms()), Ok(0));
    }

    #[test]
    fn no_anchor_with_the_issuer_name_is_untrusted() {
        let anchors = [parsed("test-jpki-ca"), parsed("test-jpki-ca-previous")];
        let rogue = parsed("card-rogue");
        assert_eq!(rogue.serial_hex, "4b4f465500000001", "card-1's serial");
        assert_eq!(Candidates::named(&rogue, &anchors), Err(CertError::Untrusted));
        assert_eq!(verify_chain(&rogue, &anchors, now_ms()), Err(CertError::Untrusted));
        assert_eq!(verify_chain(&rogue, &[], now_ms()), Err(CertError::Untrusted));
    }

    #[test]
    fn a_name_without_a_verifying_key_is_a_bad_signature() {
        let card = parsed("card-1");
        assert_eq!(verify_chain(&card, &[parsed("test-jpki-ca-previous")], now_ms()), Err(CertError::BadSignature));
        assert_eq!(conclude(&card, &anchors(), None, now_ms()), Err(CertError::BadSignature));
    }

    #[test]
    fn card_and_anchor_must_both_be_in_date() {
        let (anchors, card) = (anchors(), parsed("card-1"));
        assert_eq!(verify_chain(&card, &anchors, 0), Err(CertError::OutOfDate));
        // After the card's end (2031) but within the CA's (20 years).
        let after_card = card.not_after_ms + 1;
        assert!(anchors[2].is_valid_at(after_card));
        assert_eq!(conclude(&card, &anchors, Some(2), after_card), Err(CertError::OutOfDate));
        assert_eq!(conclude(&card, &anchors, Some(9), now_ms()), Err(CertError::Untrusted));
    }

    #[test]
    fn one_flipped_tbs_bit_breaks_the_chain() {
        let path = format!("{}/../fixtures/test-only/card-1.cert.der", env!("CARGO_MANIFEST_DIR"));
        let mut bytes = std::fs::read(path).unwrap();
        // Inside the subject CN, well within the TBS.
        let pos = bytes.windows(6).position(|w| w == b"card-1").unwrap();
        bytes[pos + 5] ^= 0x01;
        let card = ParsedCert::parse(&bytes).unwrap();
        assert_eq!(verify_chain(&card, &anchors(), now_ms()), Err(CertError::BadSignature));
    }
}
