//! `POST /v1/outcome`: the kiosk reports whether the certificate printed. The center
//! checks the kiosk's signature and that this kiosk made this transaction, passes the
//! report on to the municipality with its attestation, and records the outcome.

use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::{center_outcome_message, outcome_message};
use kofu_shared::wire::{
    OutcomeAck, OutcomeEnvelope, OutcomeForward, OutcomeReport, PROTOCOL_VERSION, PrintOutcome, is_kiosk_id,
    is_transaction_id, parse_limited,
};
use kofu_shared::{ApiError, ErrorCode};

use super::audit::{self, AuditEntry};
use super::challenge::parse_error;
use super::issue::{active_kiosk, kiosk_key, municipal_url};
use super::verify::{CenterSigner, Verifier};
use super::{Backend, BackendError, EdgeConfig, EdgeError};

pub async fn report_outcome<B: Backend, V: Verifier + CenterSigner>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
) -> Result<OutcomeAck, EdgeError> {
    let mut trail = (None, None);
    let result = outcome_steps(config, backend, verifier, body, now_ms, &mut trail).await;
    let (kiosk_id, municipality) = trail;
    let entry = AuditEntry {
        at_ms: now_ms,
        step: "outcome".into(),
        kiosk_id: kiosk_id.unwrap_or_default(),
        municipality,
        outcome: match &result {
            Ok((_, outcome)) => (*outcome).into(),
            Err(e) => e.code().as_str().into(),
        },
        card_tag: None,
    };
    audit::append(backend, entry).await.map_err(EdgeError::Storage)?;
    result.map(|(ack, _)| ack)
}

/// The steps; `trail` gets the kiosk and the municipality as they become known.
async fn outcome_steps<B: Backend, V: Verifier + CenterSigner>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
    trail: &mut (Option<String>, Option<kofu_shared::MunicipalityCode>),
) -> Result<(OutcomeAck, &'static str), EdgeError> {
    let envelope: OutcomeEnvelope = parse_limited(body, MAX_BODY_BYTES).map_err(parse_error)?;
    let report: OutcomeReport =
        parse_limited(&envelope.report.0, MAX_BODY_BYTES).map_err(|_| EdgeError::Malformed("report"))?;
    if report.version != PROTOCOL_VERSION
        || !is_transaction_id(&report.transaction_id)
        || !is_kiosk_id(&report.kiosk_id)
        || report.document_serial.len() > 64
    {
        return Err(EdgeError::Malformed("report"));
    }
    trail.0 = Some(report.kiosk_id.clone());
    let kiosk = active_kiosk(backend, &report.kiosk_id).await?;
    verifier
        .ecdsa_p256(&kiosk_key(&kiosk)?, &outcome_message(&envelope.report.0), &envelope.kiosk_signature.0)
        .await
        .map_err(|_| EdgeError::KioskSignature)?;
    // Only the kiosk that made a transaction may report on it; others learn nothing.
    let transaction = backend
        .transaction(&report.transaction_id)
        .await
        .map_err(EdgeError::Storage)?
        .filter(|t| t.kiosk_id == report.kiosk_id)
        .ok_or(EdgeError::TransactionUnknown)?;
    trail.1 = Some(transaction.municipality);
    // A municipality disabled since still gets the outcome of what it issued.
    let municipality = backend
        .municipality(transaction.municipality)
        .await
        .map_err(EdgeError::Storage)?
        .ok_or(EdgeError::MunicipalityUnknown)?;
    let forward = OutcomeForward {
        version: PROTOCOL_VERSION,
        report: envelope.report.clone(),
        kiosk_signature: envelope.kiosk_signature.clone(),
        municipality: transaction.municipality,
        verified_at: now_ms,
    };
    let forward_bytes = serde_json::to_vec(&forward).map_err(|_| EdgeError::Malformed("forward"))?;
    let center_key = super::center_key::active_center_key(config, backend).await?;
    let attestation = verifier
        .sign_center(center_key, &center_outcome_message(&forward_bytes))
        .await
        .map_err(|_| EdgeError::Storage(BackendError::Storage("center key unusable".into())))?;
    let body = serde_json::to_vec(&kofu_shared::wire::ForwardEnvelope {
        forward: forward_bytes.into(),
        attestation: attestation.to_vec().into(),
    })
    .map_err(|_| EdgeError::Malformed("forward"))?;
    let answer = backend
        .forward(&municipal_url(&municipality.endpoint, "/v1/outcome"), body)
        .await
        .map_err(EdgeError::MunicipalityUnavailable)?;
    let ack = match answer.status {
        200 => parse_limited::<OutcomeAck>(&answer.body, 4096)
            .map_err(|_| EdgeError::MunicipalityUnavailable(BackendError::BadUpstream))?,
        _ => {
            return match parse_limited::<ApiError>(&answer.body, 4096) {
                Ok(e) if matches!(e.error.code, ErrorCode::OutcomeConflict | ErrorCode::TransactionUnknown) => {
                    Err(EdgeError::MunicipalRefusal(e.error.code))
                }
                _ => Err(EdgeError::MunicipalityUnavailable(BackendError::BadUpstream)),
            };
        }
    };
    if ack.transaction_id != report.transaction_id {
        return Err(EdgeError::MunicipalityUnavailable(BackendError::BadUpstream));
    }
    let outcome = match report.outcome {
        PrintOutcome::Printed => "printed",
        PrintOutcome::PrintFailed => "print_failed",
    };
    backend.set_outcome(&report.transaction_id, outcome).await.map_err(EdgeError::Storage)?;
    Ok((ack, outcome))
}
