//! The operator screen once open: versions, the card reader and its self-test, the kiosk's
//! key and its enrollment at the center, and the printer test page.

use std::cell::Cell;
use std::rc::Rc;

use kofu_app::edge_client::HttpEdge;
use kofu_app::identity::stored::{self, StoredIdentity};
use kofu_app::reader::{SharedReader, webusb};
use kofu_app::session::{EdgeApi, EdgeCallError};
use kofu_card::PinState;
use kofu_shared::{Bytes, ErrorCode, wire::is_kiosk_id};
use sha2::{Digest, Sha256};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::page::{Config, document, element, input, on, say};
use crate::selftest::card_check;

pub fn show(config: Rc<Config>) {
    spawn_local(refresh(config.clone()));
    spawn_local(reader_status());
    let replace_armed = Rc::new(Cell::new(false));
    let generate_config = config.clone();
    on("generate", "click", move |_| spawn_local(generate(generate_config.clone(), replace_armed.clone())));
    let check_config = config.clone();
    on("check-enrollment", "click", move |_| spawn_local(check_enrollment(check_config.clone())));
    on("choose-reader", "click", |_| {
        spawn_local(async {
            if let Err(e) = webusb::request_device().await {
                say("reader-status", "リーダーが選ばれませんでした", &e.to_string());
            }
            reader_status().await;
        })
    });
    on("self-test", "click", |_| spawn_local(self_test()));
    on("print-test", "click", move |_| spawn_local(print_test(config.clone())));
    on("back", "click", |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign("../");
        }
    });
}

/// The center this kiosk talks to, as the kiosk itself chooses it.
fn edge_url(config: &Config, stored: Option<&StoredIdentity>) -> String {
    stored::center_url(stored, &config.edge_url).to_owned()
}

/// Short enough to read out over the phone to the operations desk.
fn fingerprint(public_key: &[u8]) -> String {
    let digest = hex::encode(&Sha256::digest(public_key)[..16]);
    digest.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

fn list(id: &str, rows: &[(&str, String)]) {
    let Some(list) = element(id) else { return };
    let Some(document) = document() else { return };
    list.set_inner_html("");
    for (term, value) in rows {
        let (Ok(dt), Ok(dd)) = (document.create_element("dt"), document.create_element("dd")) else { return };
        dt.set_text_content(Some(term));
        dd.set_text_content(Some(value));
        let _ = list.append_child(&dt);
        let _ = list.append_child(&dd);
    }
}

async fn refresh(config: Rc<Config>) {
    let stored = stored::load().await;
    let edge = HttpEdge { base_url: edge_url(&config, stored.as_ref()) };
    let center = match edge.health().await {
        Ok(h) => match h.schema {
            Some(schema) => format!("{} {}（schema {schema}）", h.service, h.version),
            None => format!("{} {}", h.service, h.version),
        },
        Err(_) => "接続できません / unreachable".to_owned(),
    };
    list(
        "versions",
        &[
            ("端末アプリ / Kiosk app", env!("CARGO_PKG_VERSION").to_owned()),
            ("プロトコル / Protocol", kofu_shared::wire::PROTOCOL_VERSION.to_string()),
            ("交換センター / Exchange center", center),
        ],
    );
    let rows = match &stored {
        Some(s) => {
            let extractable = s.identity.key.extractable();
            vec![
                ("端末ID / Kiosk id", s.identity.kiosk_id.clone()),
                ("交換センター / Center", edge.base_url.clone()),
                ("公開鍵 / Public key (SPKI)", Bytes::encode(&s.public_key)),
                ("指紋 / Fingerprint (SHA-256)", fingerprint(&s.public_key)),
                ("作成 / Created", js_sys::Date::new(&JsValue::from_f64(s.created_at)).to_iso_string().into()),
                (
                    "秘密鍵 / Private key",
                    match extractable {
                        Some(false) => "書き出し不可（WebCrypto） / non-extractable (WebCrypto)".to_owned(),
                        _ => "書き出し可能 / EXTRACTABLE".to_owned(),
                    },
                ),
            ]
        }
        None => vec![("端末ID / Kiosk id", "鍵がありません / no key yet".to_owned())],
    };
    list("identity", &rows);
    if let Some(field) = input("kiosk-id")
        && field.value().is_empty()
    {
        field.set_value(stored.as_ref().map_or("", |s| s.identity.kiosk_id.as_str()));
    }
    if let Some(field) = input("edge-url")
        && field.value().is_empty()
    {
        field.set_value(&edge.base_url);
    }
    let command = match &stored {
        Some(s) => format!(
            "cargo xtask ops enroll-kiosk --edge {} --id {} --public-key-b64 {} --operator OPERATOR --store STORE",
            edge.base_url,
            s.identity.kiosk_id,
            Bytes::encode(&s.public_key)
        ),
        None => String::new(),
    };
    if let Some(code) = element("enroll-command") {
        code.set_text_content(Some(&command));
    }
}

/// Centers are reached over HTTPS; plain HTTP only on this machine (development).
fn acceptable_edge_url(url: &str) -> bool {
    url.len() <= 200
        && (url.starts_with("https://") || url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"))
}

async fn generate(config: Rc<Config>, replace_armed: Rc<Cell<bool>>) {
    let kiosk_id = input("kiosk-id").map(|f| f.value()).unwrap_or_default();
    let url = input("edge-url").map(|f| f.value()).unwrap_or_default();
    let url = url.trim().trim_end_matches('/');
    if !is_kiosk_id(&kiosk_id) {
        return say("enrollment-status", "端末IDが正しくありません", "Kiosk id: lower-case letters, digits and -");
    }
    if !acceptable_edge_url(url) {
        return say("enrollment-status", "URLが正しくありません", "The center URL must be https://");
    }
    // Replacing an enrolled key takes the kiosk out of service until the new one is enrolled.
    if stored::load().await.is_some() && !replace_armed.replace(true) {
        return say(
            "enrollment-status",
            "もう一度押すと鍵を置き換えます。新しい鍵をセンターで登録するまで端末は使えません",
            "Press again to replace the key: the kiosk is out of service until the new key is enrolled",
        );
    }
    replace_armed.set(false);
    let url = if url == config.edge_url.trim_end_matches('/') { "" } else { url };
    match stored::create(&kiosk_id, url).await {
        Ok(_) => say(
            "enrollment-status",
            "鍵を生成しました。公開鍵をセンターで登録してください",
            "Key generated: have its public key enrolled at the center",
        ),
        Err(_) => say("enrollment-status", "鍵を生成できません", "The browser could not make the key"),
    }
    refresh(config).await;
}

async fn check_enrollment(config: Rc<Config>) {
    let Some(stored) = stored::load().await else {
        return say("enrollment-status", "鍵がありません", "No key yet");
    };
    let edge = HttpEdge { base_url: edge_url(&config, Some(&stored)) };
    // A challenge is given only to an enrolled, active kiosk (and expires unused).
    match edge.challenge(&stored.identity.kiosk_id).await {
        Ok(_) => say("enrollment-status", "登録済み・有効です", "Enrolled and active"),
        // The center answers a revoked kiosk as an unknown one (it tells callers nothing more).
        Err(EdgeCallError::Refused(ErrorCode::UnknownKiosk)) => say(
            "enrollment-status",
            "センターに登録されていないか、停止されています",
            "Not enrolled at the center, or revoked",
        ),
        Err(_) => say("enrollment-status", "センターに接続できません", "The center cannot be reached"),
    }
}

async fn reader_status() {
    if webusb::usb().is_none() {
        return say("reader-status", "WebUSBが使えません", "This browser has no WebUSB");
    }
    let devices = webusb::permitted_devices().await;
    let names: Vec<String> = devices.iter().map(|d| d.product_name().unwrap_or_else(|| "USB".into())).collect();
    if names.is_empty() {
        say("reader-status", "許可されたリーダーはありません", "No reader is permitted yet")
    } else {
        say("reader-status", &format!("リーダー: {}", names.join(", ")), &format!("{} reader(s)", names.len()))
    }
}

fn step(passed: bool, text: &str) {
    let (Some(list), Some(document)) = (element("self-test-result"), document()) else { return };
    let Ok(item) = document.create_element("li") else { return };
    item.set_class_name(if passed { "pass" } else { "fail" });
    item.set_text_content(Some(text));
    let _ = list.append_child(&item);
}

/// Opens the permitted reader, powers the card and asks it two harmless questions.
async fn self_test() {
    if let Some(list) = element("self-test-result") {
        list.set_inner_html("");
    }
    let Some(device) = webusb::permitted_devices().await.into_iter().next() else {
        return step(false, "リーダーがありません / No reader: choose one first");
    };
    let name = device.product_name().unwrap_or_else(|| "USB".into());
    let mut reader = match webusb::open(device).await {
        Ok(reader) => reader,
        Err(e) => return step(false, &format!("リーダー {name}: 開けません / cannot open: {e}")),
    };
    step(true, &format!("リーダー {name}: 接続 / connected (CCID)"));
    let atr = reader.ccid.power_on().await;
    let reader = SharedReader::new(reader);
    match atr {
        Ok(atr) => {
            step(true, &format!("カード / Card: ATR {}", hex::encode_upper(atr)));
            match card_check(reader.clone()).await {
                Ok(check) => {
                    let pin = match check.pin {
                        PinState::TriesLeft(n) => format!("暗証番号 残り{n}回 / PIN: {n} tries left"),
                        PinState::Verified => "暗証番号 照合済み / PIN verified".to_owned(),
                        PinState::Blocked => "暗証番号 ロック中 / PIN blocked".to_owned(),
                    };
                    step(true, &format!("JPKI: 選択OK / selected; {pin} ({} APDU)", check.apdus));
                }
                Err(e) => step(false, &format!("JPKI: 応答なし / no answer: {e}")),
            }
        }
        Err(_) => step(false, "カードが入っていません / No card in the reader"),
    }
    reader.close().await;
}

async fn print_test(config: Rc<Config>) {
    let stored = stored::load().await;
    let kiosk_id = stored.as_ref().map_or("-", |s| s.identity.kiosk_id.as_str()).to_owned();
    let now = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
    let center = edge_url(&config, stored.as_ref());
    // Upper case: the QR alphanumeric set, as the certificates' codes use.
    let qr_text = format!("KOFU-PRINT-TEST {} {}", kiosk_id.to_uppercase(), now.to_uppercase());
    // At the certificates' module size.
    let qr = kofu_app::qr::svg(&qr_text);
    let Some(page) = element("test-page") else { return };
    let Some(document) = document() else { return };
    page.set_inner_html("");
    let add = |tag: &str, class: &str, text: &str| {
        if let Ok(e) = document.create_element(tag) {
            e.set_class_name(class);
            e.set_text_content(Some(text));
            let _ = page.append_child(&e);
        }
    };
    add("div", "microtext", &"KOFU PRINT TEST・".repeat(30));
    add("h1", "", "印刷テスト / Print test");
    add("p", "", &format!("端末 / Kiosk: {kiosk_id}　センター / Center: {center}"));
    add("p", "", &format!("日時 / Time: {now}"));
    add("p", "", "100 mm（10 mm ごと / every 10 mm）");
    add("div", "scale", "");
    if let Ok(greys) = document.create_element("div") {
        greys.set_class_name("greys");
        for level in ["#000", "#333", "#666", "#999", "#ccc", "#eee"] {
            if let Ok(patch) = document.create_element("span") {
                let _ = patch.set_attribute("style", &format!("background:{level}"));
                let _ = greys.append_child(&patch);
            }
        }
        let _ = page.append_child(&greys);
    }
    add("p", "", "地紋：コピーすると「複写」が浮き出ます / The ground shows 「複写」 on a photocopy");
    if let (Some(svg), Ok(holder)) = (qr, document.create_element("div")) {
        holder.set_inner_html(&svg);
        let _ = page.append_child(&holder);
    }
    let Some(window) = web_sys::window() else { return };
    match window.print() {
        Ok(()) => say("print-status", "テストページを送りました", "The test page was sent to the printer"),
        Err(_) => say("print-status", "印刷できません", "Printing failed"),
    }
}
