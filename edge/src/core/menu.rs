//! `POST /v1/menu`: after the PIN, what the card holder's municipality offers at kiosks —
//! kinds, fee per copy, whether each can be issued now — so the kiosk shows only what it
//! can issue and the fee before the resident confirms. Signed by the kiosk; the card
//! certificate must chain to an anchor and the card be valid. No personal data involved.

use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::signing::menu_message;
use kofu_shared::wire::{MenuEnvelope, MenuItem, MenuRequest, MenuResponse, RequestFault, parse_limited};

use super::audit::{self, AuditEntry};
use super::challenge::parse_error;
use super::issue::{
    active_kiosk, card_residence, enabled_municipality, kiosk_key, rate_limit, verify_card_certificate,
};
use super::verify::{Check, Verifier, VerifyError};
use super::{Backend, EdgeConfig, EdgeError};

/// How far the kiosk's clock may be from the center's.
pub const MENU_SKEW_MS: u64 = 300_000;

pub async fn menu<B: Backend, V: Verifier>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
) -> Result<MenuResponse, EdgeError> {
    let mut kiosk_id = String::new();
    let mut municipality = None;
    let result = menu_steps(config, backend, verifier, body, now_ms, &mut kiosk_id, &mut municipality).await;
    let entry = AuditEntry {
        at_ms: now_ms,
        step: "menu".into(),
        kiosk_id,
        municipality,
        outcome: match &result {
            Ok(_) => "menu".into(),
            Err(e) => e.code().as_str().into(),
        },
        card_tag: None,
    };
    audit::append(backend, entry).await.map_err(EdgeError::Storage)?;
    result
}

async fn menu_steps<B: Backend, V: Verifier>(
    config: &EdgeConfig,
    backend: &B,
    verifier: &V,
    body: &[u8],
    now_ms: u64,
    kiosk_id: &mut String,
    municipality_code: &mut Option<kofu_shared::MunicipalityCode>,
) -> Result<MenuResponse, EdgeError> {
    let envelope: MenuEnvelope = parse_limited(body, MAX_BODY_BYTES).map_err(parse_error)?;
    let request: MenuRequest =
        parse_limited(&envelope.request.0, MAX_BODY_BYTES).map_err(|_| EdgeError::Malformed("request"))?;
    request.check().map_err(|fault| match fault {
        RequestFault::CardCertificate => EdgeError::Malformed("card_certificate"),
        _ => EdgeError::Malformed("request"),
    })?;
    if request.requested_at.abs_diff(now_ms) > MENU_SKEW_MS {
        return Err(EdgeError::Malformed("requested_at"));
    }
    kiosk_id.clone_from(&request.kiosk_id);
    let kiosk = active_kiosk(backend, &request.kiosk_id).await?;
    let key = kiosk_key(&kiosk)?;
    let message = menu_message(&envelope.request.0);
    let [signed] = verifier
        .verify_all([Check::EcdsaP256 { key: &key, message: &message, signature: &envelope.kiosk_signature.0 }])
        .await;
    signed.map_err(|e| match e {
        VerifyError::Backend(what) => EdgeError::Storage(super::BackendError::Storage(what)),
        _ => EdgeError::KioskSignature,
    })?;
    rate_limit(backend, &format!("kiosk:{}", request.kiosk_id), config.rate_limits.per_kiosk, now_ms).await?;
    let card = verify_card_certificate(verifier, config, &request.card_certificate.0, now_ms).await?;
    let code = card_residence(backend, &card).await?;
    *municipality_code = Some(code);
    let m = enabled_municipality(backend, code).await?;
    let open = m.hours.is_open(now_ms);
    let items = m
        .kinds
        .iter()
        .map(|&kind| MenuItem {
            kind,
            fee_per_copy: m.fee(kind),
            available_now: open && m.closures.allows(kind, now_ms),
        })
        .collect();
    Ok(MenuResponse {
        municipality: m.code,
        municipality_name: m.name,
        open_minute: m.hours.open_minute,
        close_minute: m.hours.close_minute,
        items,
    })
}
