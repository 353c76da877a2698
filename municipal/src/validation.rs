//! The dev card-validation service (公的個人認証サービスセンター stand-in): is the card
//! revoked, and which municipality does its holder live in.

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

pub fn card_status(db: &Db, body: &[u8]) -> Result<CardStatusAnswer, ValidationError> {
    let query: CardStatusQuery = parse_limited(body, 4096).map_err(|_| ValidationError::Malformed)?;
    if query.issuer_sha256.0.len() != 32 || query.card_serial.len() > 64 {
        return Err(ValidationError::Malformed);
    }
    let found = db.card_status(&hex::encode(&query.issuer_sha256.0), &query.card_serial)?;
    Ok(match found {
        Some((status, municipality)) if status == "valid" => {
            CardStatusAnswer { status: CardStatus::Valid, municipality: MunicipalityCode::parse(&municipality).ok() }
        }
        Some(_) => CardStatusAnswer { status: CardStatus::Revoked, municipality: None },
        None => CardStatusAnswer { status: CardStatus::Unknown, municipality: None },
    })
}
