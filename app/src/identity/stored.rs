//! The enrolled identity as the browser keeps it (`store.js`: WebCrypto key in IndexedDB).

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{KioskIdentity, KioskKey, KioskKeyError};

#[wasm_bindgen(module = "/src/identity/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadIdentity)]
    fn load_identity() -> Promise;
    #[wasm_bindgen(js_name = createIdentity)]
    fn create_identity(kiosk_id: &str, edge_url: &str) -> Promise;
    #[wasm_bindgen(js_name = signWith)]
    fn sign_with(key: &JsValue, message: &[u8]) -> Promise;
    #[wasm_bindgen(js_name = loadGate)]
    fn load_gate() -> Promise;
    #[wasm_bindgen(js_name = saveGate)]
    fn save_gate(failures: u32, locked_until: f64) -> Promise;
}

/// What the operator screen enrolled.
pub struct StoredIdentity {
    pub identity: KioskIdentity,
    /// The exchange center this key is enrolled at; empty: the one in config.json.
    pub edge_url: String,
    /// SubjectPublicKeyInfo DER of the key, for the ops API.
    pub public_key: Vec<u8>,
    /// When the key was made (ms since the epoch).
    pub created_at: f64,
}

/// The center a kiosk talks to: the one its key was enrolled at, else config.json's
/// (`configured`); without a trailing slash.
pub fn center_url<'a>(stored: Option<&'a StoredIdentity>, configured: &'a str) -> &'a str {
    let url = stored.map(|s| s.edge_url.as_str()).filter(|u| !u.is_empty()).unwrap_or(configured);
    url.trim_end_matches('/')
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn read(object: &JsValue) -> Option<StoredIdentity> {
    let kiosk_id = field(object, "kioskId").as_string()?;
    let key = field(object, "privateKey");
    if key.is_undefined() || key.is_null() {
        return None;
    }
    Some(StoredIdentity {
        identity: KioskIdentity { kiosk_id, key: KioskKey::WebCrypto(key) },
        edge_url: field(object, "edgeUrl").as_string().unwrap_or_default(),
        public_key: field(object, "publicKey").dyn_into::<Uint8Array>().ok()?.to_vec(),
        created_at: field(object, "createdAt").as_f64().unwrap_or(0.0),
    })
}

pub fn extractable(key: &JsValue) -> Option<bool> {
    field(key, "extractable").as_bool()
}

/// The enrolled identity, if this kiosk has one.
pub async fn load() -> Option<StoredIdentity> {
    let object = JsFuture::from(load_identity()).await.ok()?;
    read(&object)
}

/// A new non-extractable key for `kiosk_id`, replacing any before it.
pub async fn create(kiosk_id: &str, edge_url: &str) -> Result<StoredIdentity, KioskKeyError> {
    let object = JsFuture::from(create_identity(kiosk_id, edge_url)).await.map_err(|_| KioskKeyError)?;
    read(&object).ok_or(KioskKeyError)
}

pub async fn sign(key: &JsValue, message: &[u8]) -> Result<[u8; 64], KioskKeyError> {
    let signature = JsFuture::from(sign_with(key, message)).await.map_err(|_| KioskKeyError)?;
    let signature = signature.dyn_into::<Uint8Array>().map_err(|_| KioskKeyError)?;
    let mut out = [0u8; 64];
    if signature.length() != 64 {
        return Err(KioskKeyError);
    }
    signature.copy_to(&mut out);
    Ok(out)
}

/// The operator-PIN lockout as last saved: (failures, locked until in ms).
pub async fn gate() -> (u32, f64) {
    let Ok(object) = JsFuture::from(load_gate()).await else { return (0, 0.0) };
    let failures = field(&object, "failures").as_f64().unwrap_or(0.0) as u32;
    (failures, field(&object, "lockedUntil").as_f64().unwrap_or(0.0))
}

pub async fn set_gate(failures: u32, locked_until: f64) -> Result<(), KioskKeyError> {
    JsFuture::from(save_gate(failures, locked_until)).await.map(drop).map_err(|_| KioskKeyError)
}
