//! The kiosk's half of the protocol, in plain Rust so the app, tests and third-party
//! kiosks share one definition: build the signed envelope, and accept a document only
//! when it is provably this transaction's.

use p256::ecdsa::SigningKey;

use crate::seal::ReplyKey;
use crate::signing::{kiosk_message, municipal_message, p256_public_key, p256_sign, p256_verify, sha256};
use crate::wire::{
    Binding, CertificateChoice, Document, DocumentBody, IssueEnvelope, IssueRequest, IssueResponse, SignedDocument,
    parse_limited,
};
use crate::{Bytes, limits};

/// The binding this kiosk expects back for `request`.
pub fn expected_binding(request: &IssueRequest) -> Binding {
    Binding {
        transaction_id: request.transaction_id.clone(),
        kiosk_id: request.kiosk_id.clone(),
        challenge: request.challenge.clone(),
        card_certificate_sha256: sha256(&request.card_certificate.0).to_vec().into(),
    }
}

/// Wraps the exact request bytes and the card's signature with the kiosk's signature.
pub fn sign_envelope(request_bytes: Vec<u8>, card_signature: Vec<u8>, kiosk_key: &SigningKey) -> IssueEnvelope {
    let kiosk_signature = p256_sign(kiosk_key, &kiosk_message(&request_bytes, &card_signature));
    IssueEnvelope {
        request: Bytes(request_bytes),
        card_signature: Bytes(card_signature),
        kiosk_signature: Bytes(kiosk_signature.to_vec()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the municipality key is not a P-256 key")]
    BadKey,
    #[error("the sealed answer does not open with this transaction's key")]
    NotSealedToUs,
    #[error("the municipal signature does not verify")]
    BadSignature,
    #[error("the document is malformed or too large")]
    Malformed,
    #[error("the document is bound to another transaction")]
    NotThisTransaction,
    #[error("the document is from another municipality than the center named")]
    WrongMunicipality,
    #[error("the document is not the certificate, copies or options that were asked for")]
    NotWhatWasAsked,
}

/// The document must be exactly what the resident chose: a right-transaction document of
/// another kind, count or year is not printed either.
pub fn check_choice(document: &Document, choice: &CertificateChoice) -> Result<(), DocumentError> {
    let body_kind = document.body.kind();
    let year_ok = match (&document.body, choice.options.fiscal_year) {
        (DocumentBody::Shotoku(tax) | DocumentBody::Kazei(tax), Some(year)) => tax.fiscal_year == year,
        _ => true,
    };
    if !document.body.is_certificate()
        || document.kind != choice.kind
        || body_kind != choice.kind
        || document.copies != choice.copies
        || !year_ok
    {
        return Err(DocumentError::NotWhatWasAsked);
    }
    Ok(())
}

/// Opens the sealed answer with this transaction's reply key (associated data: the
/// transaction id), verifies the municipal signature over the exact document bytes, then
/// that the document is bound to `expected` — field by field, nothing else accepted.
pub fn open_answer(
    response: &IssueResponse,
    expected: &Binding,
    reply_key: &ReplyKey,
) -> Result<(Document, SignedDocument), DocumentError> {
    let key = p256_public_key(&response.municipality_key.0).map_err(|_| DocumentError::BadKey)?;
    let plaintext = reply_key
        .open(expected.transaction_id.as_bytes(), &response.answer.sealed)
        .map_err(|_| DocumentError::NotSealedToUs)?;
    let signed: SignedDocument =
        parse_limited(&plaintext, limits::MAX_DOCUMENT_BYTES * 2).map_err(|_| DocumentError::Malformed)?;
    let bytes = &signed.document.0;
    p256_verify(&key, &municipal_message(bytes), &signed.signature.0).map_err(|_| DocumentError::BadSignature)?;
    let document: Document = parse_limited(bytes, limits::MAX_DOCUMENT_BYTES).map_err(|_| DocumentError::Malformed)?;
    if &document.binding != expected {
        return Err(DocumentError::NotThisTransaction);
    }
    if document.municipality != response.municipality {
        return Err(DocumentError::WrongMunicipality);
    }
    Ok((document, signed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MunicipalityCode;
    use crate::seal::seal;
    use crate::wire::{CertificateKind, DocumentBody, JuminhyoBody, JuminhyoMember, MunicipalAnswer};

    fn binding(tx: &str) -> Binding {
        Binding {
            transaction_id: tx.into(),
            kiosk_id: "kiosk-a".into(),
            challenge: vec![1; 32].into(),
            card_certificate_sha256: vec![2; 32].into(),
        }
    }

    /// A municipality answer for `bound_to`, sealed to `reply` under `sealed_for`'s id.
    fn answer(bound_to: Binding, sealed_for: &str, reply: &ReplyKey, code: &str) -> IssueResponse {
        let municipal = SigningKey::from_slice(&[5u8; 32]).unwrap();
        let document = Document {
            version: 1,
            kind: CertificateKind::Juminhyo,
            serial: "S".into(),
            municipality: MunicipalityCode::parse("122319").unwrap(),
            municipality_name: "印西市".into(),
            issued_at: 0,
            binding: bound_to,
            copies: 1,
            fee_per_copy: 200,
            body: DocumentBody::Juminhyo(JuminhyoBody {
                address: String::new(),
                householder: None,
                whole_household: false,
                members: vec![JuminhyoMember {
                    name: "前の人".into(),
                    name_kana: String::new(),
                    birth_date: String::new(),
                    sex: String::new(),
                    relationship: None,
                    resident_since: String::new(),
                    honseki: None,
                    hittousha: None,
                    individual_number: None,
                }],
            }),
        };
        let bytes = serde_json::to_vec(&document).unwrap();
        let signature = p256_sign(&municipal, &municipal_message(&bytes)).to_vec();
        let signed =
            serde_json::to_vec(&SignedDocument { document: bytes.into(), signature: signature.into() }).unwrap();
        IssueResponse {
            answer: MunicipalAnswer { sealed: seal(reply.public_bytes(), sealed_for.as_bytes(), &signed).unwrap() },
            municipality: MunicipalityCode::parse(code).unwrap(),
            municipality_key: p256::ecdsa::VerifyingKey::from(&municipal)
                .to_sec1_point(false)
                .as_bytes()
                .to_vec()
                .into(),
        }
    }

    #[test]
    fn the_previous_applicants_document_is_refused_even_when_sealed_to_us() {
        // The 2023 incidents: the right kiosk, the wrong person's certificate.
        let reply = ReplyKey::generate();
        let response = answer(binding("previous"), "current", &reply, "122319");
        assert_eq!(open_answer(&response, &binding("current"), &reply).unwrap_err(), DocumentError::NotThisTransaction);
        let ours = answer(binding("current"), "current", &reply, "122319");
        assert!(open_answer(&ours, &binding("current"), &reply).is_ok());
    }

    #[test]
    fn any_other_key_signature_or_municipality_is_refused() {
        let reply = ReplyKey::generate();
        let ours = answer(binding("t"), "t", &reply, "122319");
        assert_eq!(open_answer(&ours, &binding("t"), &ReplyKey::generate()).unwrap_err(), DocumentError::NotSealedToUs);
        let mut forged = ours.clone();
        forged.municipality_key = p256::ecdsa::VerifyingKey::from(&SigningKey::from_slice(&[6u8; 32]).unwrap())
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
            .into();
        assert_eq!(open_answer(&forged, &binding("t"), &reply).unwrap_err(), DocumentError::BadSignature);
        let elsewhere = answer(binding("t"), "t", &reply, "131016");
        let (document, _) = open_answer(&ours, &binding("t"), &reply).unwrap();
        assert_eq!(check_choice(&document, &CertificateChoice::new(CertificateKind::Juminhyo, 1)), Ok(()));
        assert_eq!(
            check_choice(&document, &CertificateChoice::new(CertificateKind::Juminhyo, 2)),
            Err(DocumentError::NotWhatWasAsked)
        );
        assert_eq!(
            check_choice(&document, &CertificateChoice::new(CertificateKind::Inkan, 1)),
            Err(DocumentError::NotWhatWasAsked)
        );
        assert_eq!(open_answer(&elsewhere, &binding("t"), &reply).unwrap_err(), DocumentError::WrongMunicipality);
    }
}
