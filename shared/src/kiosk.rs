//! The kiosk's half of the protocol, in plain Rust so the app, tests and third-party
//! kiosks share one definition: build the signed envelope, and accept a document only
//! when it is provably this transaction's.

use p256::ecdsa::SigningKey;

use crate::signing::{kiosk_message, municipal_message, p256_public_key, p256_sign, p256_verify, sha256};
use crate::wire::{Binding, Document, IssueEnvelope, IssueRequest, IssueResponse, parse_limited};
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
    #[error("the municipal signature does not verify")]
    BadSignature,
    #[error("the document is malformed or too large")]
    Malformed,
    #[error("the document is bound to another transaction")]
    NotThisTransaction,
    #[error("the document is from another municipality than the center named")]
    WrongMunicipality,
}

/// Verifies the municipal signature over the exact document bytes, then that the
/// document is bound to `expected` — field by field, nothing else accepted.
pub fn open_answer(response: &IssueResponse, expected: &Binding) -> Result<Document, DocumentError> {
    let key = p256_public_key(&response.municipality_key.0).map_err(|_| DocumentError::BadKey)?;
    let bytes = &response.answer.document.0;
    p256_verify(&key, &municipal_message(bytes), &response.answer.signature.0)
        .map_err(|_| DocumentError::BadSignature)?;
    let document: Document = parse_limited(bytes, limits::MAX_DOCUMENT_BYTES).map_err(|_| DocumentError::Malformed)?;
    if &document.binding != expected {
        return Err(DocumentError::NotThisTransaction);
    }
    if document.municipality != response.municipality {
        return Err(DocumentError::WrongMunicipality);
    }
    Ok(document)
}
