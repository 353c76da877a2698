use kofu_shared::printed::{self, PrintedError, Proven};
use kofu_shared::wire::{MunicipalKey, MunicipalKeys};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlTextAreaElement};

/// Largest answers read: the app's config and the key directory (1,741 municipalities).
const MAX_CONFIG_BYTES: usize = 4 * 1024;
const MAX_KEYS_BYTES: usize = 1024 * 1024;

pub async fn run() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let keys = match load_keys().await {
        Ok(keys) => keys,
        Err(()) => {
            show(&document, "invalid", "鍵を取得できません", "The municipalities' keys could not be loaded", &[]);
            return;
        }
    };
    let Some(button) = document.get_element_by_id("check") else { return };
    let _ = button.remove_attribute("disabled");
    let on_click = Closure::<dyn Fn()>::new(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let text = document
            .get_element_by_id("qr-text")
            .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
            .map(|t| t.value())
            .unwrap_or_default();
        render(&document, printed::verify(&text, &keys));
    });
    let _ = button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_click.forget();
}

fn render(document: &Document, outcome: Result<Proven, PrintedError>) {
    match outcome {
        Ok(proven) => {
            let ja = format!("有効です：{}が発行した証明書です", proven.municipality_name);
            let en = "Genuine: the municipality's signature is valid";
            show(document, "valid", &ja, en, &printed::summary(&proven.document));
        }
        Err(e) => {
            let (ja, en) = match e {
                PrintedError::NotKofu | PrintedError::TooLong => {
                    ("証明書のQRコードとして読めません", "This is not a certificate's QR code")
                }
                PrintedError::Incomplete => (
                    "QRコードがそろっていません（すべてのコードを1行ずつ）",
                    "Codes are missing or repeated (one per line)",
                ),
                PrintedError::UnknownMunicipality => {
                    ("発行元の鍵が見つかりません", "No key is published for the issuing municipality")
                }
                PrintedError::SignatureInvalid | PrintedError::WrongMunicipality => (
                    "無効です：署名が一致しません。改ざんされたか、正規の証明書ではありません",
                    "Not valid: the signature does not match. The document was altered or is not genuine",
                ),
            };
            show(document, "invalid", ja, en, &[]);
        }
    }
}

/// Replaces the result with a verdict (Japanese, English beneath) and what it certifies.
/// Text only, through `set_text_content`: nothing pasted is ever parsed as markup.
fn show(document: &Document, class: &str, ja: &str, en: &str, rows: &[(&str, String)]) {
    let Some(result) = document.get_element_by_id("result") else { return };
    result.set_text_content(None);
    let _ = result.set_attribute("class", class);
    let _ = result.set_attribute("data-verdict", class);
    let add = |parent: &Element, tag: &str, text: &str| {
        let element = document.create_element(tag).ok()?;
        element.set_text_content(Some(text));
        parent.append_child(&element).ok()?;
        Some(element)
    };
    if let Some(p) = add(&result, "p", ja) {
        p.set_class_name("verdict");
    }
    if let Some(p) = add(&result, "p", en) {
        p.set_class_name("verdict-en");
        let _ = p.set_attribute("lang", "en");
    }
    if rows.is_empty() {
        return;
    }
    let Ok(list) = document.create_element("dl") else { return };
    for (label, value) in rows {
        add(&list, "dt", label);
        add(&list, "dd", value);
    }
    let _ = result.append_child(&list);
}

async fn load_keys() -> Result<Vec<MunicipalKey>, ()> {
    #[derive(serde::Deserialize)]
    struct Config {
        edge_url: String,
    }
    // The kiosk app's config, one level up: the same exchange center.
    let config: Config = serde_json::from_slice(&get("../config.json", MAX_CONFIG_BYTES).await?).map_err(drop)?;
    let url = format!("{}/v1/municipal-keys", config.edge_url.trim_end_matches('/'));
    let keys: MunicipalKeys = serde_json::from_slice(&get(&url, MAX_KEYS_BYTES).await?).map_err(drop)?;
    Ok(keys.keys)
}

async fn get(url: &str, limit: usize) -> Result<Vec<u8>, ()> {
    let window = web_sys::window().ok_or(())?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await.map_err(drop)?;
    let response: web_sys::Response = response.dyn_into().map_err(drop)?;
    if !response.ok() {
        return Err(());
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(drop)?).await.map_err(drop)?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    if bytes.length() as usize > limit {
        return Err(());
    }
    Ok(bytes.to_vec())
}
