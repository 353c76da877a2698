//! `POST /v1/challenges`: a single-use nonce for an enrolled, active kiosk.

use kofu_shared::limits::{CHALLENGE_BYTES, MAX_BODY_BYTES};
use kofu_shared::wire::{ChallengeRequest, ChallengeResponse, ParseError, is_kiosk_id, parse_limited};

use super::{Backend, EdgeConfig, EdgeError};

pub async fn create_challenge<B: Backend>(
    config: &EdgeConfig,
    backend: &B,
    body: &[u8],
    now_ms: u64,
    nonce: [u8; CHALLENGE_BYTES],
) -> Result<ChallengeResponse, EdgeError> {
    let request: ChallengeRequest = parse_limited(body, MAX_BODY_BYTES).map_err(parse_error)?;
    if !is_kiosk_id(&request.kiosk_id) {
        return Err(EdgeError::Malformed("kiosk_id"));
    }
    let kiosk = backend.kiosk(&request.kiosk_id).await.map_err(EdgeError::Storage)?.ok_or(EdgeError::UnknownKiosk)?;
    if !kiosk.active {
        return Err(EdgeError::KioskInactive);
    }
    let expires_at = now_ms + config.challenge_ttl_ms;
    backend.store_challenge(&nonce, &kiosk.id, expires_at).await.map_err(EdgeError::Storage)?;
    Ok(ChallengeResponse { challenge: nonce.to_vec().into(), expires_at })
}

pub(crate) fn parse_error(e: ParseError) -> EdgeError {
    match e {
        ParseError::TooLarge => EdgeError::BodyTooLarge,
        ParseError::Malformed(_) => EdgeError::Malformed("body"),
    }
}
