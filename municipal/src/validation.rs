//! The dev card-validation service (公的個人認証サービスセンター stand-in): is the card
//! usable (not revoked, suspended or before its active-from date), and which municipality
//! does its holder live in.

use kofu_shared::MunicipalityCode;
use kofu_shared::wire::{CardStatus, CardStatusAnswer, CardStatusQuery, parse_limited};

use crate::db::{Db, DbError};

#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error("malformed query")]
    Malformed,
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn card_status(db: &Db, body: &[u8], now_ms: u64) -> Result<CardStatusAnswer, ValidationError> {
    let query: CardStatusQuery = parse_limited(body, 4096).map_err(|_| ValidationError::Malformed)?;
    // Lowercase hex only: anything else names no card, and PostgreSQL refuses NUL in text.
    let serial_ok = (1..=64).contains(&query.card_serial.len())
        && query.card_serial.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if query.issuer_sha256.0.len() != 32 || !serial_ok {
        return Err(ValidationError::Malformed);
    }
    let found = db.card_status(&hex::encode(&query.issuer_sha256.0), &query.card_serial)?;
    let today = crate::eligibility::jst_date(now_ms);
    let status = match &found {
        None => CardStatus::Unknown,
        Some((status, _, _)) if status == "revoked" => CardStatus::Revoked,
        Some((status, _, _)) if status == "suspended" => CardStatus::Suspended,
        // ISO dates compare as text.
        Some((_, _, Some(from))) if from.as_str() > today.as_str() => CardStatus::NotYetActive,
        Some(_) => CardStatus::Valid,
    };
    let municipality = match (&status, found) {
        (CardStatus::Valid, Some((_, code, _))) => MunicipalityCode::parse(&code).ok(),
        _ => None,
    };
    Ok(CardStatusAnswer { status, municipality })
}
