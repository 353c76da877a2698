//! The start of a transaction: the idle screen (languages, the picture of the card going
//! in, the reader line, the dev virtual cards), reading the card, and the PIN.

use kofu_card::Pin;
use leptos::html::Input;
use leptos::prelude::*;

use super::text::{Bilingual, label, phrase, plain};
use super::{Ui, art, event_button, reader::reader_status};
use crate::i18n::{self, Lang, Text};
use crate::kiosk::{Event, Pref};

/// Large text and high contrast, for residents who cannot see the screen well.
pub(super) fn display_modes(ui: Ui) -> impl IntoView {
    let mode = |pref: Pref, on: fn(crate::kiosk::Prefs) -> bool, text: Text, class: &'static str| {
        view! {
            <button class=format!("secondary toggle {class}") aria-pressed=move || on(ui.prefs.get()).to_string()
                on:click=move |_| ui.send(Event::Pref(pref))>{label(text)}</button>
        }
    };
    view! {
        <div class="display-modes">
            {mode(Pref::LargeText, |p| p.large_text, i18n::LARGE_TEXT, "large-text")}
            {mode(Pref::HighContrast, |p| p.high_contrast, i18n::HIGH_CONTRAST, "high-contrast")}
        </div>
    }
}

/// The six languages, each named in itself.
fn languages(ui: Ui) -> impl IntoView {
    let chosen = ui.prefs.get_untracked().lang;
    let buttons = Lang::ALL
        .into_iter()
        .map(|lang| {
            view! {
                <button class=format!("toggle lang lang-{}", lang.code()) lang=lang.code()
                    aria-pressed=(chosen == lang).to_string()
                    disabled=move || { ui.catalogs.track(); !lang.available() }
                    on:click=move |_| ui.send(Event::Pref(Pref::Lang(lang)))>{lang.native_name()}</button>
            }
        })
        .collect_view();
    view! { <nav class="languages" aria-label=plain(i18n::CHOOSE_LANGUAGE)>{buttons}</nav> }
}

pub(super) fn idle(ui: Ui) -> impl IntoView {
    let out_of_service = move || ui.with(|k| k.out_of_service());
    view! {
        <section class="screen idle">
            <div class="idle-main">
                // A kiosk with no key (never enrolled) says so instead of asking for a card.
                {move || match out_of_service() {
                    true => view! {
                        <div class="error out-of-service" role="alert">
                            <Bilingual text=i18n::refusal(kofu_shared::ErrorCode::UnknownKiosk)/>
                        </div>
                    }
                    .into_any(),
                    false => view! {
                        <div class="lead"><Bilingual text=i18n::IDLE/></div>
                        {art::insert_card()}
                    }
                    .into_any(),
                }}
            </div>
            <div class="idle-side">
                {languages(ui)}
                {reader_status(ui)}
            </div>
            {dev_virtual_cards(ui)}
        </section>
    }
}

pub(super) fn reading() -> impl IntoView {
    view! {
        <section class="screen reading">
            <div class="lead"><Bilingual text=i18n::READING/></div>
            <div class="spinner" aria-hidden="true"></div>
        </section>
    }
}

/// Dev builds: pick a virtual card and "insert" it with Start. Kept apart from the
/// resident's screen in a dashed box of its own.
#[cfg(feature = "dev")]
fn dev_virtual_cards(ui: Ui) -> impl IntoView {
    let card_number = RwSignal::new(1u8);
    let options = (1..=crate::dev::VIRTUAL_CARD_COUNT)
        .map(|n| view! { <option value=n.to_string()>{format!("仮想カード {n} / virtual card {n}")}</option> })
        .collect_view();
    view! {
        <aside class="dev">
            <label>"DEV · TEST ONLY · PIN 1234 "
                <select class="virtual-card" on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse() { card_number.set(n) }
                }>{options}</select>
            </label>
            {super::button(i18n::START, "primary start", move || {
                ui.send(Event::VirtualCardInserted(card_number.get_untracked()))
            })}
        </aside>
    }
}
#[cfg(not(feature = "dev"))]
fn dev_virtual_cards(_: Ui) -> impl IntoView {}

pub(super) fn pin_screen(ui: Ui, tries_left: u8, last_wrong: bool) -> impl IntoView {
    let input: NodeRef<Input> = NodeRef::new();
    let verifying = move || ui.with(|k| k.verifying());
    let submit = move || {
        let Some(element) = input.get_untracked() else { return };
        let typed = element.value();
        // The PIN leaves the DOM at once; only the zeroizing `Pin` keeps it, for one VERIFY.
        element.set_value("");
        let event = match Pin::parse(&typed) {
            Ok(pin) => Event::PinEntered(pin),
            Err(_) => Event::PinMalformed,
        };
        drop(typed);
        ui.send(event);
    };
    view! {
        <section class="screen pin">
            <div class="lead"><Bilingual text=i18n::PIN_PROMPT/></div>
            <div class="tries" class:wrong=last_wrong>
                {if last_wrong { phrase(i18n::pin_wrong(tries_left)).into_any() }
                 else { phrase(i18n::tries_left(tries_left)).into_any() }}
            </div>
            {(tries_left == 1).then(|| view! { <div class="warning"><Bilingual text=i18n::PIN_LAST_TRY/></div> })}
            {move || ui.with(|k| k.pin_format_error()).then(|| view! {
                <div class="warning"><Bilingual text=i18n::PIN_FORMAT/></div>
            })}
            <form novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <input node_ref=input class="pin" type="password" inputmode="numeric" autocomplete="off"
                    maxlength="4" pattern="[0-9]{4}" aria-label=plain(i18n::PIN_LABEL) autofocus=true/>
                <button type="submit" class="primary pin-submit" disabled=verifying>
                    {label(i18n::PIN_SUBMIT)}
                </button>
            </form>
            <div class="actions">{event_button(ui, i18n::CANCEL, "secondary", || Event::Cancel)}</div>
        </section>
    }
}
