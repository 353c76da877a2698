//! The kiosk's identity at the exchange center: its id and the P-256 key that signs every
//! request. An enrolled kiosk keeps its key in the browser's WebCrypto, non-extractable
//! (`stored`, made on the operator screen); native tests and dev builds may hold a software
//! key instead. A release kiosk build has no software key at all.

#[cfg(target_arch = "wasm32")]
pub mod stored;

pub struct KioskIdentity {
    pub kiosk_id: String,
    pub key: KioskKey,
}

pub enum KioskKey {
    /// A key in wasm memory: native tests, and dev builds' TEST-ONLY dev kiosk key.
    #[cfg(any(not(target_arch = "wasm32"), feature = "dev"))]
    Software(p256::ecdsa::SigningKey),
    /// The enrolled key: WebCrypto signs with it; its private half never reaches wasm.
    #[cfg(target_arch = "wasm32")]
    WebCrypto(wasm_bindgen::JsValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the kiosk key could not sign")]
pub struct KioskKeyError;

impl KioskIdentity {
    #[cfg(any(not(target_arch = "wasm32"), feature = "dev"))]
    pub fn software(kiosk_id: &str, key: p256::ecdsa::SigningKey) -> Self {
        KioskIdentity { kiosk_id: kiosk_id.to_owned(), key: KioskKey::Software(key) }
    }

    /// ECDSA P-256 / SHA-256 over `message`, as fixed r‖s.
    pub async fn sign(&self, message: &[u8]) -> Result<[u8; 64], KioskKeyError> {
        match &self.key {
            #[cfg(any(not(target_arch = "wasm32"), feature = "dev"))]
            KioskKey::Software(key) => Ok(kofu_shared::signing::p256_sign(key, message)),
            #[cfg(target_arch = "wasm32")]
            KioskKey::WebCrypto(key) => stored::sign(key, message).await,
        }
    }
}

impl KioskKey {
    /// Whether the private key can be read out (`Some(false)`: a non-extractable WebCrypto key).
    pub fn extractable(&self) -> Option<bool> {
        match self {
            #[cfg(any(not(target_arch = "wasm32"), feature = "dev"))]
            KioskKey::Software(_) => Some(true),
            #[cfg(target_arch = "wasm32")]
            KioskKey::WebCrypto(key) => stored::extractable(key),
        }
    }
}
