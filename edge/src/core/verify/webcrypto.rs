//! The worker's backend: the runtime's own WebCrypto (`crypto.subtle`). Imported keys are
//! cached per isolate, so anchors, the center key and active kiosk keys are imported once;
//! a bounded cache, because card keys differ on every request.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, EcKeyImportParams, EcdsaParams, RsaHashedImportParams, SubtleCrypto, WorkerGlobalScope};

use super::{CenterSigner, Check, P256Key, RsaKey, Verifier, VerifyError, check_lengths};

/// Most imported keys kept per isolate; the cache starts over when full.
const MAX_CACHED_KEYS: usize = 256;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    EcdsaP256 = 0,
    RsaPkcs1Sha256 = 1,
}

/// What stays the same for the isolate's life, looked up once: `crypto.subtle` and the
/// two algorithm parameter objects (each JS call from wasm costs a boundary crossing).
struct Runtime {
    subtle: SubtleCrypto,
    ecdsa: Object,
    rsa: Object,
    ec_import: Object,
    rsa_import: Object,
    usages: Array,
}

thread_local! {
    /// Imported keys by their bytes, one map per algorithm (looked up without allocating).
    static KEYS: RefCell<[HashMap<Vec<u8>, CryptoKey>; 2]> = RefCell::new([HashMap::new(), HashMap::new()]);
    static RUNTIME: Option<Runtime> = runtime();
    /// The center's signing key, imported once (non-extractable), by its digest.
    static CENTER_KEY: RefCell<Option<(String, CryptoKey)>> = const { RefCell::new(None) };
}

fn runtime() -> Option<Runtime> {
    let scope = js_sys::global().unchecked_into::<WorkerGlobalScope>();
    let subtle = scope.crypto().ok()?.subtle();
    let rsa_name = JsValue::from_str("RSASSA-PKCS1-v1_5");
    let rsa = Object::new();
    js_sys::Reflect::set(&rsa, &JsValue::from_str("name"), &rsa_name).ok()?;
    let ec_import = EcKeyImportParams::new("ECDSA");
    ec_import.set_named_curve("P-256");
    let rsa_import: Object = RsaHashedImportParams::new(&JsValue::from_str("SHA-256")).into();
    // web-sys's dictionary has no setter for the inherited `name`.
    js_sys::Reflect::set(&rsa_import, &JsValue::from_str("name"), &rsa_name).ok()?;
    Some(Runtime {
        subtle,
        ecdsa: EcdsaParams::new_with_str("ECDSA", "SHA-256").into(),
        rsa,
        ec_import: ec_import.into(),
        rsa_import,
        usages: Array::of1(&JsValue::from_str("verify")),
    })
}

#[derive(Debug, Default, Clone, Copy)]
pub struct WebCrypto;

fn backend(e: JsValue) -> VerifyError {
    let name = js_sys::Reflect::get(&e, &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
    VerifyError::Backend(name.unwrap_or_else(|| "unknown".into()))
}

async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise?).await
}

async fn import_uncached(kind: Kind, key: &[u8]) -> Result<CryptoKey, VerifyError> {
    let (subtle, algorithm, usages) = RUNTIME
        .with(|r| {
            r.as_ref().map(|r| {
                let algorithm = if kind == Kind::EcdsaP256 { &r.ec_import } else { &r.rsa_import };
                (r.subtle.clone(), algorithm.clone(), r.usages.clone())
            })
        })
        .ok_or_else(|| VerifyError::Backend("no crypto".into()))?;
    let format = if kind == Kind::EcdsaP256 { "raw" } else { "spki" };
    let data: Object = Uint8Array::from(key).into();
    let imported = settle(subtle.import_key_with_object(format, &data, &algorithm, false, &usages))
        .await
        // A key WebCrypto will not import (not on the curve, malformed) is the key's fault.
        .map_err(|_| VerifyError::Key)?;
    Ok(imported.unchecked_into())
}

fn cached(kind: Kind, key: &[u8]) -> Option<CryptoKey> {
    KEYS.with(|k| k.borrow()[kind as usize].get(key).cloned())
}

fn remember(kind: Kind, key: &[u8], imported: &CryptoKey) {
    KEYS.with(|k| {
        let keys = &mut k.borrow_mut()[kind as usize];
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(key.to_vec(), imported.clone());
    });
}

/// What one check of a batch needs from WebCrypto.
struct Prepared<'a> {
    kind: Kind,
    key: &'a [u8],
    cache: bool,
    message: &'a [u8],
    signature: &'a [u8],
}

impl Verifier for WebCrypto {
    /// Imports the keys not cached (together), then all verifications together: two
    /// awaits for a whole issue request instead of one per operation.
    async fn verify_all<const N: usize>(&self, checks: [Check<'_>; N]) -> [Result<(), VerifyError>; N] {
        let mut out = [const { Ok(()) }; N];
        let prepared = checks.map(|check| match check {
            Check::EcdsaP256 { key, message, signature } => {
                Prepared { kind: Kind::EcdsaP256, key: &key.0, cache: true, message, signature }
            }
            Check::RsaPkcs1Sha256 { key, message, signature } => {
                Prepared { kind: Kind::RsaPkcs1Sha256, key: &key.spki, cache: key.long_lived, message, signature }
            }
        });
        let mut keys: [Option<CryptoKey>; N] = [const { None }; N];
        let mut imports = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let expected = if p.kind == Kind::EcdsaP256 { 64 } else { 256 };
            if let Err(e) = check_lengths(p.signature, expected) {
                out[i] = Err(e);
                continue;
            }
            match p.cache.then(|| cached(p.kind, p.key)).flatten() {
                Some(key) => keys[i] = Some(key),
                None => imports.push((i, import_uncached(p.kind, p.key))),
            }
        }
        for (i, import) in imports {
            match import.await {
                Ok(key) => {
                    if prepared[i].cache {
                        remember(prepared[i].kind, prepared[i].key, &key);
                    }
                    keys[i] = Some(key);
                }
                Err(e) => out[i] = Err(e),
            }
        }
        let Some((subtle, ecdsa, rsa)) =
            RUNTIME.with(|r| r.as_ref().map(|r| (r.subtle.clone(), r.ecdsa.clone(), r.rsa.clone())))
        else {
            return out.map(|_| Err(VerifyError::Backend("no crypto".into())));
        };
        let verifications = Array::new();
        let mut pending = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let Some(key) = &keys[i] else { continue };
            let algorithm = if p.kind == Kind::EcdsaP256 { &ecdsa } else { &rsa };
            let promise = subtle
                .verify_with_object_and_u8_array_and_u8_array(algorithm, key, p.signature, p.message)
                .map_err(backend);
            match promise {
                Ok(promise) => {
                    verifications.push(&promise);
                    pending.push(i);
                }
                Err(e) => out[i] = Err(e),
            }
        }
        match settle(Ok(Promise::all(&verifications))).await {
            Ok(verdicts) => {
                let verdicts: Array = verdicts.unchecked_into();
                for (n, i) in pending.into_iter().enumerate() {
                    let valid = verdicts.get(n as u32).as_bool() == Some(true);
                    out[i] = if valid { Ok(()) } else { Err(VerifyError::Mismatch) };
                }
            }
            Err(e) => {
                let e = backend(e);
                for i in pending {
                    out[i] = Err(e.clone());
                }
            }
        }
        out
    }

    async fn ecdsa_p256(&self, key: &P256Key, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let [result] = self.verify_all([Check::EcdsaP256 { key, message, signature }]).await;
        result
    }

    async fn rsa_pkcs1_sha256(&self, key: &RsaKey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let [result] = self.verify_all([Check::RsaPkcs1Sha256 { key, message, signature }]).await;
        result
    }
}

impl CenterSigner for WebCrypto {
    async fn sign_center(
        &self,
        center_key: &crate::core::config::CenterSigningKey,
        message: &[u8],
    ) -> Result<[u8; 64], VerifyError> {
        // Cached under a digest of the key, so after a rotation the new key is imported.
        let digest = &center_key.pkcs8_sha256;
        let known = CENTER_KEY.with(|c| c.borrow().as_ref().filter(|(d, _)| d == digest).map(|(_, k)| k.clone()));
        let (subtle, ecdsa, import) = RUNTIME
            .with(|r| r.as_ref().map(|r| (r.subtle.clone(), r.ecdsa.clone(), r.ec_import.clone())))
            .ok_or_else(|| VerifyError::Backend("no crypto".into()))?;
        let key = match known {
            Some(key) => key,
            None => {
                let data: Object = Uint8Array::from(&center_key.pkcs8[..]).into();
                let usages = Array::of1(&JsValue::from_str("sign"));
                let key: CryptoKey = settle(subtle.import_key_with_object("pkcs8", &data, &import, false, &usages))
                    .await
                    .map_err(|_| VerifyError::Key)?
                    .unchecked_into();
                // The copy handed to WebCrypto held the private key.
                data.unchecked_ref::<Uint8Array>().fill(0, 0, center_key.pkcs8.len() as u32);
                CENTER_KEY.with(|c| *c.borrow_mut() = Some((digest.clone(), key.clone())));
                key
            }
        };
        let signature = settle(subtle.sign_with_object_and_u8_array(&ecdsa, &key, message)).await.map_err(backend)?;
        let bytes = Uint8Array::new(&signature).to_vec();
        bytes.try_into().map_err(|_| VerifyError::Backend("signature size".into()))
    }
}
