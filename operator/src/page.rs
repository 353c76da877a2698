//! The operator screen's gate: nothing but the PIN field until the operator PIN (a PBKDF2
//! hash in the kiosk's config.json) is typed; three wrong PINs lock it for 15 minutes.

use std::cell::Cell;
use std::rc::Rc;

use kofu_app::edge_client;
use kofu_app::identity::stored;
use kofu_shared::operator_pin::OperatorPinHash;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, HtmlElement, HtmlInputElement};

use crate::gate::{Attempt, Gate};
use crate::panel;

/// The kiosk's config.json, beside the kiosk app.
#[derive(serde::Deserialize)]
pub struct Config {
    pub edge_url: String,
    /// `pbkdf2-sha256$…` (`cargo xtask ops operator-pin`); without it the screen stays shut.
    #[serde(default)]
    pub operator_pin: Option<String>,
}

pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

pub fn element(id: &str) -> Option<HtmlElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

pub fn input(id: &str) -> Option<HtmlInputElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// Operator texts are Japanese with the English below.
pub fn say(id: &str, ja: &str, en: &str) {
    if let Some(e) = element(id) {
        e.set_text_content(Some(&format!("{ja} / {en}")));
    }
}

/// Runs `handler` on `event` at element `id`, for the life of the page.
pub fn on(id: &str, event: &str, handler: impl Fn(web_sys::Event) + 'static) {
    let Some(e) = element(id) else { return };
    let closure = Closure::<dyn Fn(web_sys::Event)>::new(handler);
    let _ = e.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

pub async fn run() {
    let config: Option<Config> = edge_client::get("../config.json").await.ok();
    let Some((config, Ok(hash))) = config.and_then(|c| {
        let hash = OperatorPinHash::parse(c.operator_pin.as_deref()?);
        Some((c, hash))
    }) else {
        say(
            "gate-status",
            "保守用暗証番号が設定されていません（config.json の operator_pin）",
            "No operator PIN is configured (operator_pin in config.json)",
        );
        return;
    };
    let config = Rc::new(config);
    let busy = Rc::new(Cell::new(false));
    on("gate", "submit", move |event| {
        event.prevent_default();
        let Some(field) = input("operator-pin") else { return };
        let pin = zeroize::Zeroizing::new(field.value());
        field.set_value("");
        if busy.replace(true) {
            return;
        }
        let (hash, config, busy) = (hash.clone(), config.clone(), busy.clone());
        spawn_local(async move {
            let (failures, locked_until) = stored::gate().await;
            let mut gate = Gate { failures, locked_until };
            let outcome = gate.attempt(js_sys::Date::now(), || hash.matches(&pin));
            // Saved before anything is shown, so closing the page does not undo a failure.
            let _ = stored::set_gate(gate.failures, gate.locked_until).await;
            busy.set(false);
            match outcome {
                Attempt::Open => open(config),
                Attempt::Wrong { tries_left } => say(
                    "gate-status",
                    &format!("暗証番号が違います（あと{tries_left}回）"),
                    &format!("Wrong PIN ({tries_left} tries left)"),
                ),
                Attempt::Locked { until } => {
                    let minutes = ((until - js_sys::Date::now()) / 60_000.0).ceil().max(1.0) as u32;
                    say(
                        "gate-status",
                        &format!("ロックされています。{minutes}分後にもう一度"),
                        &format!("Locked: try again in {minutes} min"),
                    )
                }
            }
        });
    });
    if let Some(button) = element("unlock") {
        let _ = button.remove_attribute("disabled");
    }
    if let Some(field) = element("operator-pin") {
        let _ = field.focus();
    }
}

fn open(config: Rc<Config>) {
    if let Some(gate) = element("gate") {
        gate.remove();
    }
    if let Some(panel) = element("panel") {
        panel.set_hidden(false);
    }
    if let Some(first) = element("choose-reader") {
        let _ = first.focus();
    }
    panel::show(config);
}
