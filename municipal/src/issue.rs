//! `POST /v1/issue`: verify the center's attestation over the exact bytes received, find
//! the resident, sign a document bound to the transaction, record it once.

use kofu_shared::kiosk::expected_binding;
use kofu_shared::limits::{MAX_BODY_BYTES, MAX_DOCUMENT_BYTES};
use kofu_shared::seal::seal;
use kofu_shared::signing::{card_message, center_message, municipal_message, p256_sign, sha256};
use kofu_shared::wire::{
    Document, DocumentBody, Forward, ForwardEnvelope, IssueRequest, MunicipalAnswer, PROTOCOL_VERSION, Purpose,
    SignedDocument, parse_limited,
};
use kofu_shared::x509::ParsedCert;
use kofu_shared::{ApiError, ErrorCode};

use crate::Municipality;
use crate::certificates::{self, BodyError};
use crate::db::{Db, DbError, NewIssuance};
use crate::eligibility::{self, Ineligible};

#[derive(Debug, thiserror::Error)]
pub enum MunicipalError {
    #[error("body over the size limit")]
    BodyTooLarge,
    #[error("malformed: {0}")]
    Malformed(&'static str),
    #[error("center attestation does not verify")]
    Attestation,
    #[error("forwarded to the wrong municipality")]
    WrongMunicipality,
    #[error("card certificate does not match the attested serial or signature")]
    CardMismatch,
    #[error("no resident holds this card")]
    ResidentNotFound,
    #[error("transaction id already used for another request")]
    TransactionConflict,
    #[error("the reply key is not a P-256 point")]
    BadReplyKey,
    #[error("options that do not fit the certificate kind, or copies out of range")]
    BadChoice,
    /// The reason stays inside the municipality; the message names no detail.
    #[error("resident not eligible for kiosk issuance")]
    Ineligible(Ineligible),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl MunicipalError {
    pub fn code(&self) -> ErrorCode {
        match self {
            MunicipalError::BodyTooLarge => ErrorCode::BodyTooLarge,
            MunicipalError::Malformed(_)
            | MunicipalError::TransactionConflict
            | MunicipalError::BadReplyKey
            | MunicipalError::BadChoice => ErrorCode::BadRequest,
            MunicipalError::Attestation | MunicipalError::WrongMunicipality => ErrorCode::AttestationInvalid,
            MunicipalError::CardMismatch => ErrorCode::CardSignatureInvalid,
            MunicipalError::ResidentNotFound => ErrorCode::ResidentNotFound,
            MunicipalError::Ineligible(Ineligible::MovedOut) => ErrorCode::ResidentMovedOut,
            MunicipalError::Ineligible(Ineligible::NotYetActive) => ErrorCode::NotYetActive,
            // One generic code: a DV support measure must never show on a kiosk screen.
            MunicipalError::Ineligible(Ineligible::Deceased | Ineligible::SupportMeasure) => ErrorCode::NotServed,
            MunicipalError::Ineligible(Ineligible::NoSealRegistration) => ErrorCode::NoSealRegistration,
            MunicipalError::Ineligible(Ineligible::NameNotPrintable) => ErrorCode::NameNotPrintable,
            MunicipalError::Ineligible(Ineligible::FiscalYearUnavailable) => ErrorCode::FiscalYearUnavailable,
            MunicipalError::Ineligible(Ineligible::KindNotOffered) => ErrorCode::KindNotOffered,
            MunicipalError::Db(_) => ErrorCode::Internal,
        }
    }

    pub fn to_api_error(&self) -> ApiError {
        let message = match self {
            MunicipalError::Db(_) => String::from("internal error"),
            other => other.to_string(),
        };
        ApiError::new(self.code(), message)
    }
}

pub fn handle_issue(m: &Municipality, db: &Db, body: &[u8], now_ms: u64) -> Result<MunicipalAnswer, MunicipalError> {
    let envelope: ForwardEnvelope = parse_limited(body, MAX_BODY_BYTES).map_err(|e| match e {
        kofu_shared::wire::ParseError::TooLarge => MunicipalError::BodyTooLarge,
        _ => MunicipalError::Malformed("body"),
    })?;
    if !m.center_signed(&center_message(&envelope.forward.0), &envelope.attestation.0, now_ms) {
        return Err(MunicipalError::Attestation);
    }
    let forward: Forward =
        parse_limited(&envelope.forward.0, MAX_BODY_BYTES).map_err(|_| MunicipalError::Malformed("forward"))?;
    if forward.version != PROTOCOL_VERSION {
        return Err(MunicipalError::Malformed("version"));
    }
    if forward.municipality != m.code {
        return Err(MunicipalError::WrongMunicipality);
    }
    let request: IssueRequest =
        parse_limited(&forward.request.0, MAX_BODY_BYTES).map_err(|_| MunicipalError::Malformed("request"))?;
    request.check().map_err(|fault| match fault.is_choice() {
        true => MunicipalError::BadChoice,
        false => MunicipalError::Malformed(fault.field()),
    })?;
    let choice = &request.certificate;
    // The center vouched for the card; checking its consent here too costs 0.1 ms.
    let card = ParsedCert::parse(&request.card_certificate.0).map_err(|_| MunicipalError::CardMismatch)?;
    if card.serial_hex != forward.card_serial {
        return Err(MunicipalError::CardMismatch);
    }
    card.verify_signature(&card_message(&forward.request.0), &forward.card_signature.0)
        .map_err(|_| MunicipalError::CardMismatch)?;

    let request_sha256 = hex::encode(sha256(&forward.request.0));
    if let Some(signed) = already_issued(db, &request.transaction_id, &request_sha256)? {
        return seal_for(&request, &signed);
    }
    let resident = db
        .resident_by_card(&hex::encode(card.issuer_sha256()), &card.serial_hex)?
        .ok_or(MunicipalError::ResidentNotFound)?;
    eligibility::check(&resident, &eligibility::jst_date(now_ms)).map_err(MunicipalError::Ineligible)?;
    let to_municipal = |e: BodyError| match e {
        BodyError::Ineligible(reason) => MunicipalError::Ineligible(reason),
        BodyError::NoSuchMember => MunicipalError::BadChoice,
        BodyError::Db(e) => MunicipalError::Db(e),
    };
    if request.purpose == Purpose::HouseholdList {
        // Not an issuance: nothing registered, nothing charged, asked again answered anew.
        let body = certificates::household_list(db, &resident).map_err(to_municipal)?;
        let (document, signature) = sign_document(m, &request, now_ms, 0, body)?;
        return seal_for(&request, &SignedDocument { document: document.into(), signature: signature.into() });
    }
    let settings = db.settings()?;
    let fee_per_copy =
        settings.fee(choice.kind.as_str()).ok_or(MunicipalError::Ineligible(Ineligible::KindNotOffered))?;
    let body = certificates::build(db, &settings, &resident, choice).map_err(to_municipal)?;
    let (document_bytes, signature) = sign_document(m, &request, now_ms, fee_per_copy, body)?;
    let entry = NewIssuance {
        transaction_id: &request.transaction_id,
        request_sha256: &request_sha256,
        resident_id: resident.id,
        kind: choice.kind.as_str(),
        kiosk_id: &request.kiosk_id,
        issued_at: now_ms,
        copies: choice.copies,
        fee_yen: fee_per_copy.saturating_mul(u32::from(choice.copies)),
    };
    if !db.record_issuance(&entry, &document_bytes, &signature)? {
        // A concurrent identical request won the race: answer with what it registered.
        let signed =
            already_issued(db, &request.transaction_id, &request_sha256)?.ok_or(MunicipalError::TransactionConflict)?;
        return seal_for(&request, &signed);
    }
    seal_for(&request, &SignedDocument { document: document_bytes.into(), signature: signature.into() })
}

/// The document bound to `request`, and the municipality's signature over its bytes.
fn sign_document(
    m: &Municipality,
    request: &IssueRequest,
    now_ms: u64,
    fee_per_copy: u32,
    body: DocumentBody,
) -> Result<(Vec<u8>, Vec<u8>), MunicipalError> {
    let document = Document {
        version: PROTOCOL_VERSION,
        kind: request.certificate.kind,
        serial: document_serial(m, &request.transaction_id),
        municipality: m.code,
        municipality_name: m.name.clone(),
        issued_at: now_ms,
        binding: expected_binding(request),
        copies: request.certificate.copies,
        fee_per_copy,
        body,
    };
    let bytes = serde_json::to_vec(&document).map_err(|_| MunicipalError::Malformed("document"))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(MunicipalError::Malformed("document too large"));
    }
    let signature = p256_sign(&m.signing_key, &municipal_message(&bytes)).to_vec();
    Ok((bytes, signature))
}

/// Seals the signed document to the kiosk's reply key; the center relays it unread.
fn seal_for(request: &IssueRequest, signed: &SignedDocument) -> Result<MunicipalAnswer, MunicipalError> {
    let plaintext = serde_json::to_vec(signed).map_err(|_| MunicipalError::Malformed("document"))?;
    let sealed = seal(&request.reply_key.0, request.transaction_id.as_bytes(), &plaintext)
        .map_err(|_| MunicipalError::BadReplyKey)?;
    Ok(MunicipalAnswer { sealed })
}

fn already_issued(
    db: &Db,
    transaction_id: &str,
    request_sha256: &str,
) -> Result<Option<SignedDocument>, MunicipalError> {
    match db.issuance(transaction_id)? {
        None => Ok(None),
        Some(record) if record.request_sha256 == request_sha256 => {
            Ok(Some(SignedDocument { document: record.document.into(), signature: record.signature.into() }))
        }
        Some(_) => Err(MunicipalError::TransactionConflict),
    }
}

/// Deterministic per transaction, so a repeated request gets the same serial.
fn document_serial(m: &Municipality, transaction_id: &str) -> String {
    let digest = sha256(transaction_id.as_bytes());
    format!("{}-{}", m.code, hex::encode(&digest[..6]).to_uppercase())
}
