//! `POST /v1/menu`: the kinds, fees and availability of the card holder's municipality.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::EdgeError;
use kofu_edge::core::memory::MemoryBackend;
use kofu_edge::core::menu::menu;
use kofu_edge::core::verify::RustCrypto;
use kofu_shared::ErrorCode;
use kofu_shared::signing::{menu_message, p256_sign, p256_signing_key};
use kofu_shared::wire::*;

fn menu_body(card: &str, kiosk_key: &str, requested_at: u64) -> Vec<u8> {
    let request = MenuRequest {
        version: 1,
        kiosk_id: "kiosk-dev-001".into(),
        card_certificate: fixture(&format!("{card}.cert.der")).into(),
        requested_at,
    };
    let request = serde_json::to_vec(&request).unwrap();
    let key = p256_signing_key(&fixture(kiosk_key)).unwrap();
    let kiosk_signature = p256_sign(&key, &menu_message(&request)).to_vec();
    serde_json::to_vec(&MenuEnvelope { request: request.into(), kiosk_signature: kiosk_signature.into() }).unwrap()
}

fn ask(backend: &MemoryBackend, body: &[u8]) -> Result<MenuResponse, EdgeError> {
    block_on(menu(&config(), backend, &RustCrypto, body, now()))
}

#[test]
fn the_menu_names_the_municipality_its_kinds_and_fees() {
    let backend = backend();
    let answer = ask(&backend, &menu_body("card-1", "kiosk-dev-001.key.der", now())).unwrap();
    assert_eq!(answer.municipality, inzai());
    assert_eq!(answer.municipality_name, "印西市");
    assert_eq!(answer.items.len(), 1);
    assert_eq!(answer.items[0].kind, CertificateKind::Juminhyo);
    assert_eq!(answer.items[0].fee_per_copy, Some(200));
    assert!(answer.items[0].available_now, "the test municipality is open around the clock");
    // Audited as a menu step, without a card tag.
    let records = backend.audit.borrow();
    assert_eq!(records.last().map(|r| (r.entry.step.as_str(), r.entry.outcome.as_str())), Some(("menu", "menu")));
}

#[test]
fn the_menu_needs_an_enrolled_kiosk_a_trusted_card_and_a_fresh_clock() {
    let backend = backend();
    let forged = ask(&backend, &menu_body("card-1", "ops-dev.key.der", now())).unwrap_err();
    assert_eq!(forged.code(), ErrorCode::KioskSignatureInvalid);
    let rogue = ask(&backend, &menu_body("card-rogue", "kiosk-dev-001.key.der", now())).unwrap_err();
    assert_eq!(rogue.code(), ErrorCode::CardCertificateUntrusted);
    let stale = ask(&backend, &menu_body("card-1", "kiosk-dev-001.key.der", now() - 600_000)).unwrap_err();
    assert_eq!(stale.code(), ErrorCode::BadRequest);
    let garbage = ask(&backend, b"{\"request\":\"AA\"}").unwrap_err();
    assert_eq!(garbage.code(), ErrorCode::BadRequest);
}
