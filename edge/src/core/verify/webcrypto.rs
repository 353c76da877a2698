//! The worker's backend: the runtime's own WebCrypto (`crypto.subtle`). Imported keys are
//! cached per isolate, so anchors, the center key and active kiosk keys are imported once;
//! a bounded cache, because card keys differ on every request.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, EcKeyImportParams, EcdsaParams, RsaHashedImportParams, SubtleCrypto, WorkerGlobalScope};

use super::{P256Key, RsaKey, Verifier, VerifyError, check_lengths};

/// Most imported keys kept per isolate; the cache starts over when full.
const MAX_CACHED_KEYS: usize = 256;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    EcdsaP256,
    RsaPkcs1Sha256,
}

thread_local! {
    static KEYS: RefCell<HashMap<(Kind, Vec<u8>), CryptoKey>> = RefCell::new(HashMap::new());
}

#[derive(Debug, Default, Clone, Copy)]
pub struct WebCrypto;

fn subtle() -> Result<SubtleCrypto, VerifyError> {
    let scope = js_sys::global().unchecked_into::<WorkerGlobalScope>();
    Ok(scope.crypto().map_err(|_| VerifyError::Backend("no crypto global".into()))?.subtle())
}

fn backend(e: JsValue) -> VerifyError {
    let name = js_sys::Reflect::get(&e, &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
    VerifyError::Backend(name.unwrap_or_else(|| "unknown".into()))
}

async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise?).await
}

async fn import(kind: Kind, key: &[u8], cache: bool) -> Result<CryptoKey, VerifyError> {
    if !cache {
        return import_uncached(kind, key).await;
    }
    if let Some(found) = KEYS.with(|k| k.borrow().get(&(kind, key.to_vec())).cloned()) {
        return Ok(found);
    }
    let imported = import_uncached(kind, key).await?;
    KEYS.with(|k| {
        let mut keys = k.borrow_mut();
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert((kind, key.to_vec()), imported.clone());
    });
    Ok(imported)
}

async fn import_uncached(kind: Kind, key: &[u8]) -> Result<CryptoKey, VerifyError> {
    let subtle = subtle()?;
    let usages = Array::of1(&JsValue::from_str("verify"));
    let data: Object = Uint8Array::from(key).into();
    let (format, algorithm): (&str, Object) = match kind {
        Kind::EcdsaP256 => {
            let params = EcKeyImportParams::new("ECDSA");
            params.set_named_curve("P-256");
            ("raw", params.into())
        }
        Kind::RsaPkcs1Sha256 => {
            let params: Object = RsaHashedImportParams::new(&JsValue::from_str("SHA-256")).into();
            // web-sys's dictionary has no setter for the inherited `name`.
            js_sys::Reflect::set(&params, &JsValue::from_str("name"), &JsValue::from_str("RSASSA-PKCS1-v1_5"))
                .map_err(backend)?;
            ("spki", params)
        }
    };
    let imported = settle(subtle.import_key_with_object(format, &data, &algorithm, false, &usages))
        .await
        // A key WebCrypto will not import (not on the curve, malformed) is the key's fault.
        .map_err(|_| VerifyError::Key)?;
    Ok(imported.unchecked_into())
}

async fn verify(algorithm: &Object, key: &CryptoKey, signature: &[u8], message: &[u8]) -> Result<(), VerifyError> {
    let verdict = settle(subtle()?.verify_with_object_and_u8_array_and_u8_array(algorithm, key, signature, message))
        .await
        .map_err(backend)?;
    if verdict.as_bool() == Some(true) { Ok(()) } else { Err(VerifyError::Mismatch) }
}

impl Verifier for WebCrypto {
    async fn ecdsa_p256(&self, key: &P256Key, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        check_lengths(signature, 64)?;
        let key = import(Kind::EcdsaP256, &key.0, true).await?;
        let algorithm = EcdsaParams::new_with_str("ECDSA", "SHA-256");
        verify(&algorithm, &key, signature, message).await
    }

    async fn rsa_pkcs1_sha256(&self, key: &RsaKey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        check_lengths(signature, 256)?;
        let key = import(Kind::RsaPkcs1Sha256, &key.spki, key.long_lived).await?;
        let algorithm = Object::new();
        js_sys::Reflect::set(&algorithm, &JsValue::from_str("name"), &JsValue::from_str("RSASSA-PKCS1-v1_5"))
            .map_err(backend)?;
        verify(&algorithm, &key, signature, message).await
    }
}
