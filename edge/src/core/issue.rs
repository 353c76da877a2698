//! `POST /v1/issue`: the verification pipeline, one function per step, in the order of
//! DESIGN.md step 6. Cheap checks that need no state come first; the challenge is
//! consumed only after the kiosk's signature proves the request is the kiosk's.

use kofu_shared::limits::{MAX_BODY_BYTES, MAX_DOCUMENT_BYTES};
use kofu_shared::signing::{card_message, center_message, kiosk_message};
use kofu_shared::wire::{
    CardStatus, CardStatusQuery, Forward, ForwardEnvelope, IssueEnvelope, IssueRequest, IssueResponse, MunicipalAnswer,
    PROTOCOL_VERSION, parse_limited,
};
use kofu_shared::x509::anchors::{self, Candidates};
use kofu_shared::x509::policy::{self, KeyKind};
use kofu_shared::x509::{CertError, ParsedCert};
use kofu_shared::{ApiError, ErrorCode, MunicipalityCode};

use super::audit::{self, AuditEntry};
use super::challenge::parse_error;
use super::verify::{CenterSigner, Check, P256Key, RsaKey, Verifier, VerifyError};
use super::{Backend, ChallengeOutcome, EdgeConfig, EdgeError, KioskRecord, MunicipalityRecord};

/// The card's key, past the key policy: RSA-2048 (JPKI today) or P-256.
enum CardKey {
    Rsa(RsaKey),
    P256(P256Key),
}

/// What the audit record of a request can say, filled in as the steps pass.
#[derive(Default)]
struct Trail {
    kiosk_id: Option<String>,
    municipality: Option<MunicipalityCode>,
    card_tag: Option<String>,
    /// A household list, not an issuance: audited apart so reports count only issuances.
    household_list: bool,
}

/// Runs the whole pipeline and returns what the kiosk receives; the outcome, success or
/// refusal, goes to the audit trail.
pub async fn issue<B: Backend, V: Verifier + CenterSigner>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
) -> Result<IssueResponse, EdgeError> {
    let mut trail = Trail::default();
    let result = issue_steps(config, backend, verifier, body, now_ms, &mut trail).await;
    let success = if trail.household_list { "household_listed" } else { "issued" };
    let entry = AuditEntry {
        at_ms: now_ms,
        step: "issue".into(),
        kiosk_id: trail.kiosk_id.unwrap_or_default(),
        municipality: trail.municipality,
        outcome: match &result {
            Ok(_) => success.into(),
            Err(e) => e.code().as_str().into(),
        },
        card_tag: trail.card_tag,
    };
    audit::append(backend, entry).await.map_err(EdgeError::Storage)?;
    result
}

async fn issue_steps<B: Backend, V: Verifier + CenterSigner>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
    trail: &mut Trail,
) -> Result<IssueResponse, EdgeError> {
    let envelope = parse_envelope(body)?;
    let request = parse_request(&envelope.request.0)?;
    trail.kiosk_id = Some(request.kiosk_id.clone());
    trail.household_list = request.purpose == kofu_shared::wire::Purpose::HouseholdList;
    let kiosk = active_kiosk(backend, &request.kiosk_id).await?;
    let card = verify_request_signatures(verifier, config, &kiosk, &envelope, &request, now_ms).await?;
    let card_tag = audit::card_tag(&config.audit_key, &card.issuer_sha256(), &card.serial_hex);
    trail.card_tag = Some(card_tag.clone());
    // After the signatures: nobody can spend a kiosk's or a card's allowance without them.
    rate_limit(backend, &format!("kiosk:{}", request.kiosk_id), config.rate_limits.per_kiosk, now_ms).await?;
    rate_limit(backend, &format!("card:{card_tag}"), config.rate_limits.per_card, now_ms).await?;
    consume_challenge(backend, &request, now_ms).await?;
    let municipality_code = card_residence(backend, &card).await?;
    trail.municipality = Some(municipality_code);
    let municipality = enabled_municipality(backend, municipality_code).await?;
    if !municipality.kinds.contains(&request.certificate.kind) {
        return Err(EdgeError::KindNotOffered);
    }
    if !municipality.hours.is_open(now_ms) || !municipality.closures.allows(request.certificate.kind, now_ms) {
        return Err(EdgeError::OutsideServiceHours);
    }
    let center_key = super::center_key::active_center_key(config, backend).await?;
    let forward = attest(verifier, center_key, &envelope, &card, municipality_code, now_ms).await?;
    remember(backend, &request, municipality_code, now_ms).await?;
    let answer = forward_to_municipality(backend, &municipality, forward).await?;
    Ok(IssueResponse {
        answer,
        municipality: municipality.code,
        municipality_key: municipality.public_key.clone().into(),
    })
}

/// Every signature check of one issue request from its body, nothing stateful: what the
/// benchmark measures.
pub async fn verify_signatures<V: Verifier>(
    verifier: &V,
    config: &EdgeConfig,
    kiosk: &KioskRecord,
    body: &[u8],
    now_ms: u64,
) -> Result<ParsedCert, EdgeError> {
    let envelope = parse_envelope(body)?;
    let request = parse_request(&envelope.request.0)?;
    verify_request_signatures(verifier, config, kiosk, &envelope, &request, now_ms).await
}

/// The directory's `kinds` column: comma-separated kind ids; unknown ids are skipped (a
/// newer directory may list kinds an older edge does not issue).
pub fn parse_kinds(text: &str) -> Vec<kofu_shared::wire::CertificateKind> {
    text.split(',').filter_map(|id| kofu_shared::wire::CertificateKind::parse(id.trim())).collect()
}

/// The directory's `fees` column: `kind:yen` pairs, comma-separated; malformed or unknown
/// pairs are skipped.
pub fn parse_fees(text: &str) -> Vec<(kofu_shared::wire::CertificateKind, u32)> {
    text.split(',')
        .filter_map(|pair| {
            let (kind, yen) = pair.trim().split_once(':')?;
            Some((kofu_shared::wire::CertificateKind::parse(kind)?, yen.parse().ok()?))
        })
        .collect()
}

pub fn fees_column(fees: &[(kofu_shared::wire::CertificateKind, u32)]) -> String {
    fees.iter().map(|(kind, yen)| format!("{}:{yen}", kind.as_str())).collect::<Vec<_>>().join(",")
}

pub fn parse_envelope(body: &[u8]) -> Result<IssueEnvelope, EdgeError> {
    let envelope: IssueEnvelope = parse_limited(body, MAX_BODY_BYTES).map_err(parse_error)?;
    // A signature of a kind the key policy allows; which one the card certificate decides, later.
    if !KeyKind::ALL.iter().any(|k| k.signature_bytes() == envelope.card_signature.0.len()) {
        return Err(EdgeError::Malformed("card_signature"));
    }
    if envelope.kiosk_signature.0.len() != 64 {
        return Err(EdgeError::Malformed("kiosk_signature"));
    }
    Ok(envelope)
}

pub fn parse_request(bytes: &[u8]) -> Result<IssueRequest, EdgeError> {
    let request: IssueRequest = parse_limited(bytes, MAX_BODY_BYTES).map_err(|_| EdgeError::Malformed("request"))?;
    request.check().map_err(|fault| EdgeError::Malformed(fault.field()))?;
    Ok(request)
}

pub(crate) async fn active_kiosk<B: Backend>(backend: &B, kiosk_id: &str) -> Result<KioskRecord, EdgeError> {
    let kiosk = backend.kiosk(kiosk_id).await.map_err(EdgeError::Storage)?.ok_or(EdgeError::UnknownKiosk)?;
    if !kiosk.active {
        return Err(EdgeError::KioskInactive);
    }
    Ok(kiosk)
}

pub(crate) fn kiosk_key(kiosk: &KioskRecord) -> Result<P256Key, EdgeError> {
    P256Key::from_bytes(&kiosk.public_key).map_err(|_| {
        EdgeError::Storage(super::BackendError::Storage(String::from("kiosk key in directory is not P-256")))
    })
}

pub(crate) async fn rate_limit<B: Backend>(
    backend: &B,
    key: &str,
    limit: super::rate::Limit,
    now_ms: u64,
) -> Result<(), EdgeError> {
    match backend.take_rate(key, limit, now_ms).await.map_err(EdgeError::Storage)? {
        true => Ok(()),
        false => Err(EdgeError::RateLimited),
    }
}

async fn consume_challenge<B: Backend>(backend: &B, request: &IssueRequest, now_ms: u64) -> Result<(), EdgeError> {
    match backend
        .consume_challenge(&request.challenge.0, &request.kiosk_id, now_ms)
        .await
        .map_err(EdgeError::Storage)?
    {
        ChallengeOutcome::Consumed => Ok(()),
        ChallengeOutcome::Unknown => Err(EdgeError::ChallengeUnknown),
        ChallengeOutcome::Expired => Err(EdgeError::ChallengeExpired),
        ChallengeOutcome::AlreadyUsed => Err(EdgeError::ChallengeUsed),
    }
}

/// A card certificate (no card signature: the menu asks for none) under a configured
/// anchor and in its validity period, with the anchor's, checked by `verifier`.
pub(crate) async fn verify_card_certificate<V: Verifier>(
    verifier: &V,
    config: &EdgeConfig,
    certificate: &[u8],
    now_ms: u64,
) -> Result<ParsedCert, EdgeError> {
    let (card, candidates, _) = card_and_candidates(config, certificate)?;
    let mut issuer = None;
    for i in candidates.iter() {
        let [result] = verifier.verify_all([chain_check(config, &card, i)]).await;
        if result.is_ok() {
            issuer = Some(i);
            break;
        }
    }
    anchors::conclude(&card, &config.anchors, issuer, now_ms).map_err(EdgeError::CardCertificate)?;
    Ok(card)
}

/// Anchor `i`'s signature over the card certificate's original TBS bytes (the config keeps
/// one key per anchor, in the same order).
fn chain_check<'a>(config: &'a EdgeConfig, card: &'a ParsedCert, i: usize) -> Check<'a> {
    Check::RsaPkcs1Sha256 { key: &config.anchor_keys[i], message: card.tbs_der(), signature: card.signature() }
}

/// The kiosk's P-256 signature, the card certificate under a configured anchor (RSA
/// PKCS#1 v1.5 over the original TBS bytes, both in their validity periods) and the card's
/// signature (RSA or P-256, as its certificate's key), verified together. Refusals keep that order of precedence, so a request
/// whose kiosk signature fails is always refused as the kiosk's, whatever else is wrong.
pub async fn verify_request_signatures<V: Verifier>(
    verifier: &V,
    config: &EdgeConfig,
    kiosk: &KioskRecord,
    envelope: &IssueEnvelope,
    request: &IssueRequest,
    now_ms: u64,
) -> Result<ParsedCert, EdgeError> {
    let kiosk_key = kiosk_key(kiosk)?;
    let kiosk_message = kiosk_message(&envelope.request.0, &envelope.card_signature.0);
    let kiosk_check =
        Check::EcdsaP256 { key: &kiosk_key, message: &kiosk_message, signature: &envelope.kiosk_signature.0 };
    let card = match card_and_candidates(config, &request.card_certificate.0) {
        Ok(found) => found,
        Err(e) => {
            let [kiosk_result] = verifier.verify_all([kiosk_check]).await;
            kiosk_verdict(kiosk_result)?;
            return Err(e);
        }
    };
    let (card, candidates, card_key) = card;
    let card_message = card_message(&envelope.request.0);
    let signature = &envelope.card_signature.0;
    let card_check = match &card_key {
        CardKey::Rsa(key) => Check::RsaPkcs1Sha256 { key, message: &card_message, signature },
        CardKey::P256(key) => Check::EcdsaP256 { key, message: &card_message, signature },
    };
    let [kiosk_result, first_result, card_result] =
        verifier.verify_all([kiosk_check, chain_check(config, &card, candidates.first()), card_check]).await;
    kiosk_verdict(kiosk_result)?;
    // The first candidate went with the batch; the others only while none has verified.
    let mut issuer = first_result.is_ok().then_some(candidates.first());
    for &other in candidates.others() {
        if issuer.is_some() {
            break;
        }
        let [result] = verifier.verify_all([chain_check(config, &card, other)]).await;
        issuer = result.is_ok().then_some(other);
    }
    anchors::conclude(&card, &config.anchors, issuer, now_ms).map_err(EdgeError::CardCertificate)?;
    card_result.map_err(|_| EdgeError::CardSignature)?;
    Ok(card)
}

fn kiosk_verdict(result: Result<(), VerifyError>) -> Result<(), EdgeError> {
    result.map_err(|e| match e {
        VerifyError::Backend(what) => EdgeError::Storage(super::BackendError::Storage(what)),
        _ => EdgeError::KioskSignature,
    })
}

/// The card certificate parsed, the anchors named as its issuer, and the card's key past
/// the key policy; refusals in that order.
fn card_and_candidates(
    config: &EdgeConfig,
    certificate: &[u8],
) -> Result<(ParsedCert, Candidates, CardKey), EdgeError> {
    let card = ParsedCert::parse(certificate).map_err(EdgeError::CardCertificate)?;
    let candidates = Candidates::named(&card, &config.anchors).map_err(EdgeError::CardCertificate)?;
    let unsupported = |_| EdgeError::CardCertificate(CertError::UnsupportedKey);
    let card_key = match policy::card(&card).map_err(EdgeError::CardCertificate)? {
        KeyKind::Rsa2048 => CardKey::Rsa(RsaKey::from_spki(&card.spki_der).map_err(unsupported)?),
        KeyKind::P256 => CardKey::P256(P256Key::from_bytes(&card.spki_der).map_err(unsupported)?),
    };
    Ok((card, candidates, card_key))
}

pub(crate) async fn card_residence<B: Backend>(backend: &B, card: &ParsedCert) -> Result<MunicipalityCode, EdgeError> {
    let query =
        CardStatusQuery { card_serial: card.serial_hex.clone(), issuer_sha256: card.issuer_sha256().to_vec().into() };
    let answer = backend.card_status(&query).await.map_err(EdgeError::Validation)?;
    match (answer.status, answer.municipality) {
        (CardStatus::Valid, Some(code)) => Ok(code),
        (CardStatus::Valid, None) => Err(EdgeError::Validation(super::BackendError::BadUpstream)),
        (CardStatus::Revoked, _) => Err(EdgeError::CardRevoked),
        (CardStatus::Suspended, _) => Err(EdgeError::CardSuspended),
        (CardStatus::NotYetActive, _) => Err(EdgeError::CardNotYetActive),
        (CardStatus::Unknown, _) => Err(EdgeError::CardUnknown),
    }
}

pub(crate) async fn enabled_municipality<B: Backend>(
    backend: &B,
    code: MunicipalityCode,
) -> Result<MunicipalityRecord, EdgeError> {
    let municipality =
        backend.municipality(code).await.map_err(EdgeError::Storage)?.ok_or(EdgeError::MunicipalityUnknown)?;
    if !municipality.enabled {
        return Err(EdgeError::MunicipalityDisabled);
    }
    Ok(municipality)
}

/// The center's attestation over exactly the bytes it forwards.
pub async fn attest<S: CenterSigner>(
    signer: &S,
    center_key: &super::config::CenterSigningKey,
    envelope: &IssueEnvelope,
    card: &ParsedCert,
    municipality: MunicipalityCode,
    now_ms: u64,
) -> Result<Vec<u8>, EdgeError> {
    let forward = Forward {
        version: PROTOCOL_VERSION,
        request: envelope.request.clone(),
        card_signature: envelope.card_signature.clone(),
        municipality,
        card_serial: card.serial_hex.clone(),
        verified_at: now_ms,
    };
    let forward_bytes = serde_json::to_vec(&forward).map_err(|_| EdgeError::Malformed("forward"))?;
    let attestation = signer
        .sign_center(center_key, &center_message(&forward_bytes))
        .await
        .map_err(|_| EdgeError::Storage(super::BackendError::Storage(String::from("center key unusable"))))?;
    let envelope = ForwardEnvelope { forward: forward_bytes.into(), attestation: attestation.to_vec().into() };
    serde_json::to_vec(&envelope).map_err(|_| EdgeError::Malformed("forward"))
}

/// The center keeps which municipality served which transaction, so the print outcome
/// can follow; a reused transaction id is refused before anything is forwarded.
async fn remember<B: Backend>(
    backend: &B,
    request: &IssueRequest,
    municipality: MunicipalityCode,
    now_ms: u64,
) -> Result<(), EdgeError> {
    let record = super::TransactionRecord {
        transaction_id: request.transaction_id.clone(),
        kiosk_id: request.kiosk_id.clone(),
        municipality,
    };
    match backend.record_transaction(&record, now_ms).await.map_err(EdgeError::Storage)? {
        true => Ok(()),
        false => Err(EdgeError::TransactionReused),
    }
}

async fn forward_to_municipality<B: Backend>(
    backend: &B,
    municipality: &MunicipalityRecord,
    body: Vec<u8>,
) -> Result<MunicipalAnswer, EdgeError> {
    let url = municipal_url(&municipality.endpoint, "/v1/issue");
    // One retry when the municipality could not be reached: it answers a transaction id
    // it has seen with the same document and no second register entry, so a retry after a
    // lost answer can never issue twice.
    let answer = match backend.forward(&url, body.clone()).await {
        Err(super::BackendError::Unreachable(_)) => backend.forward(&url, body).await,
        other => other,
    }
    .map_err(EdgeError::MunicipalityUnavailable)?;
    let limit = MAX_DOCUMENT_BYTES * 2;
    match answer.status {
        200 => parse_limited::<MunicipalAnswer>(&answer.body, limit)
            .map_err(|_| EdgeError::MunicipalityUnavailable(super::BackendError::BadUpstream)),
        _ => match parse_limited::<ApiError>(&answer.body, limit) {
            // Only refusals a municipality may give pass through; anything else is its fault.
            Ok(e) if municipal_refusal(e.error.code) => Err(EdgeError::MunicipalRefusal(e.error.code)),
            _ => Err(EdgeError::MunicipalityUnavailable(super::BackendError::BadUpstream)),
        },
    }
}

pub fn municipal_url(endpoint: &str, path: &str) -> String {
    format!("{}{path}", endpoint.trim_end_matches('/'))
}

fn municipal_refusal(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ResidentNotFound
            | ErrorCode::ResidentMovedOut
            | ErrorCode::NotYetActive
            | ErrorCode::NotServed
            | ErrorCode::NoSealRegistration
            | ErrorCode::NameNotPrintable
            | ErrorCode::FiscalYearUnavailable
            | ErrorCode::KindNotOffered
    )
}
