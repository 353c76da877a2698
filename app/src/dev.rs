//! Dev and test builds only (cargo feature `dev`): the virtual cards and the dev kiosk
//! key, all TEST-ONLY fixtures. A release kiosk build does not compile this file.

use kofu_card::virtual_card::VirtualCard;

use crate::session::KioskIdentity;

/// The PIN of every virtual card.
pub const VIRTUAL_PIN: &[u8; 4] = b"1234";
pub const DEV_KIOSK_ID: &str = "kiosk-dev-001";

/// Cards 1–3 hold served residents; 4–7 residents the service refuses (moved out,
/// deceased, DV support measure, card issued today); 8 a name the kiosk cannot print;
/// 9 a resident of 千代田区 — as seeded by the municipal servers.
const CARDS: [(&[u8], &[u8]); 9] = [
    (
        include_bytes!("../../fixtures/test-only/card-1.key.der"),
        include_bytes!("../../fixtures/test-only/card-1.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-2.key.der"),
        include_bytes!("../../fixtures/test-only/card-2.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-3.key.der"),
        include_bytes!("../../fixtures/test-only/card-3.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-4.key.der"),
        include_bytes!("../../fixtures/test-only/card-4.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-5.key.der"),
        include_bytes!("../../fixtures/test-only/card-5.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-6.key.der"),
        include_bytes!("../../fixtures/test-only/card-6.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-7.key.der"),
        include_bytes!("../../fixtures/test-only/card-7.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-8.key.der"),
        include_bytes!("../../fixtures/test-only/card-8.cert.der"),
    ),
    (
        include_bytes!("../../fixtures/test-only/card-9.key.der"),
        include_bytes!("../../fixtures/test-only/card-9.cert.der"),
    ),
];
const KIOSK_KEY: &[u8] = include_bytes!("../../fixtures/test-only/kiosk-dev-001.key.der");

pub const VIRTUAL_CARD_COUNT: usize = CARDS.len();

/// Virtual card `n` (1-based; out of range picks card 1).
pub fn virtual_card(n: usize) -> Option<VirtualCard> {
    let (key, cert) = CARDS.get(n.wrapping_sub(1)).unwrap_or(&CARDS[0]);
    VirtualCard::new(key, cert, VIRTUAL_PIN).ok()
}

pub fn kiosk_identity() -> Option<KioskIdentity> {
    let key = kofu_shared::signing::p256_signing_key(KIOSK_KEY).ok()?;
    Some(KioskIdentity::software(DEV_KIOSK_ID, key))
}
