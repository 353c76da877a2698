//! Keypad operation: a kiosk keypad has digits, Enter, a Back/Cancel key and arrows. Enter
//! presses the focused button (the browser does that); the arrows move the focus between
//! the screen's buttons; Escape or Backspace goes back a step, or cancels; each new screen
//! puts the focus on its first control, so a keypad user never has to touch the screen.
//! Ctrl+Alt+Shift+M on the idle screen opens the operator screen (maintenance).

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::Ui;
use crate::kiosk::{Event, Screen};

const CONTROLS: &str = "main.kiosk button:not([disabled]), main.kiosk input, main.kiosk select";

fn controls() -> Vec<web_sys::HtmlElement> {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return Vec::new() };
    let Ok(list) = document.query_selector_all(CONTROLS) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect()
}

fn active() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

/// Moves the focus `step` controls on (wrapping around).
fn move_focus(step: isize) {
    let all = controls();
    if all.is_empty() {
        return;
    }
    let current = active();
    let at = all.iter().position(|c| current.as_ref().is_some_and(|a| a == c.unchecked_ref::<web_sys::Element>()));
    let next = match at {
        Some(i) => (i as isize + step).rem_euclid(all.len() as isize) as usize,
        None => 0,
    };
    let _ = all[next].focus();
}

/// The first thing to press on a screen: its input, else its first choice, else its first
/// primary button.
fn focus_first() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    for selector in [
        "main.kiosk section input",
        "main.kiosk section button.tile:not([disabled])",
        "main.kiosk section button.primary:not([disabled])",
    ] {
        if let Ok(Some(element)) = document.query_selector(selector)
            && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = element.focus();
            return;
        }
    }
    move_focus(0);
}

pub(super) fn install(ui: Ui) {
    // A new screen, or the menu arriving on one: focus its first control once rendered.
    let menu_in = Memo::new(move |_| ui.with(|k| k.menu().is_some()));
    Effect::new(move |_| {
        ui.screen.track();
        menu_in.track();
        spawn_local(async {
            TimeoutFuture::new(0).await;
            focus_first();
        });
    });
    let handler =
        wasm_bindgen::closure::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
            let in_input = active().is_some_and(|a| a.tag_name().eq_ignore_ascii_case("input"));
            match event.key().as_str() {
                "ArrowDown" | "ArrowRight" => move_focus(1),
                "ArrowUp" | "ArrowLeft" => move_focus(-1),
                "Escape" => ui.send(Event::BackKey),
                // The maintenance key combination, from idle only (no resident's data is in memory):
                // the operator screen, behind its own PIN. Leaving the page drops the kiosk's state.
                "M" if event.ctrl_key() && event.alt_key() && ui.screen.get_untracked() == Screen::Idle => {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().assign("operator/");
                    }
                }
                // In the PIN field Backspace deletes a digit.
                "Backspace" if !in_input => ui.send(Event::BackKey),
                _ => return,
            }
            event.prevent_default();
        });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page.
    handler.forget();
}
