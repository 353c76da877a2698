//! `POST /v1/outcome`: the print outcome, attested by the center. Printed → the register
//! entry is final; print failed → it is voided and nothing is charged.

use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::center_outcome_message;
use kofu_shared::wire::{
    ForwardEnvelope, OutcomeAck, OutcomeForward, OutcomeReport, PROTOCOL_VERSION, PrintOutcome, RegisterState,
    is_kiosk_id, is_transaction_id, parse_limited,
};
use kofu_shared::{ApiError, ErrorCode};

use crate::Municipality;
use crate::db::{Db, DbError};

#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    #[error("malformed: {0}")]
    Malformed(&'static str),
    #[error("center attestation does not verify")]
    Attestation,
    #[error("no such issuance for this kiosk")]
    Unknown,
    #[error("another outcome was already recorded")]
    Conflict,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl OutcomeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            OutcomeError::Malformed(_) => ErrorCode::BadRequest,
            OutcomeError::Attestation => ErrorCode::AttestationInvalid,
            OutcomeError::Unknown => ErrorCode::TransactionUnknown,
            OutcomeError::Conflict => ErrorCode::OutcomeConflict,
            OutcomeError::Db(_) => ErrorCode::Internal,
        }
    }

    pub fn to_api_error(&self) -> ApiError {
        let message = match self {
            OutcomeError::Db(_) => String::from("internal error"),
            other => other.to_string(),
        };
        ApiError::new(self.code(), message)
    }
}

pub fn handle_outcome(m: &Municipality, db: &Db, body: &[u8], now_ms: u64) -> Result<OutcomeAck, OutcomeError> {
    let envelope: ForwardEnvelope = parse_limited(body, MAX_BODY_BYTES).map_err(|_| OutcomeError::Malformed("body"))?;
    if !m.center_signed(&center_outcome_message(&envelope.forward.0), &envelope.attestation.0, now_ms) {
        return Err(OutcomeError::Attestation);
    }
    let forward: OutcomeForward =
        parse_limited(&envelope.forward.0, MAX_BODY_BYTES).map_err(|_| OutcomeError::Malformed("forward"))?;
    if forward.version != PROTOCOL_VERSION || forward.municipality != m.code {
        return Err(OutcomeError::Malformed("forward"));
    }
    let report: OutcomeReport =
        parse_limited(&forward.report.0, MAX_BODY_BYTES).map_err(|_| OutcomeError::Malformed("report"))?;
    if !is_transaction_id(&report.transaction_id) {
        return Err(OutcomeError::Malformed("transaction_id"));
    }
    if !is_kiosk_id(&report.kiosk_id) {
        return Err(OutcomeError::Malformed("kiosk_id"));
    }
    let wanted = match report.outcome {
        PrintOutcome::Printed => "printed",
        PrintOutcome::PrintFailed => "voided",
    };
    match db.finish_issuance(&report.transaction_id, &report.kiosk_id, wanted)?.as_deref() {
        None => Err(OutcomeError::Unknown),
        Some(state) if state == wanted => Ok(OutcomeAck {
            transaction_id: report.transaction_id,
            state: if wanted == "printed" { RegisterState::Printed } else { RegisterState::Voided },
        }),
        Some(_) => Err(OutcomeError::Conflict),
    }
}
