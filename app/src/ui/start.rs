//! The start of a transaction: the idle screen (languages, display modes, the dev virtual
//! cards), reading the card, and the PIN.

use kofu_card::{CardError, Pin};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::text::{Bilingual, label, phrase, plain};
use super::*;
use crate::flow::Event;
use crate::i18n::{self, Lang, Text};
use crate::reader::Card;
use crate::session::{Session, SessionError};

/// Reads the card and moves to the PIN screen; the USB card is powered first.
pub(super) fn start_transaction(kiosk: Kiosk, card: Card) {
    if kiosk.out_of_service() {
        return;
    }
    kiosk.erase();
    kiosk.send(Event::CardInserted);
    let generation = kiosk.generation();
    spawn_local(async move {
        if let Card::Usb(reader) = &card
            && let Err(e) = reader.power_on().await
        {
            kiosk.fail(generation, failure_of(&SessionError::Card(CardError::Transport(e))));
            return;
        }
        match Session::start(card).await {
            Ok((session, state)) if kiosk.is_current(generation) => {
                kiosk.put_session(session);
                kiosk.send(Event::CardRead(state));
            }
            Ok(_) => {}
            Err(e) => kiosk.fail(generation, failure_of(&e)),
        }
    });
}

/// Large text and high contrast, for residents who cannot see the screen well.
pub(super) fn display_modes(kiosk: Kiosk) -> impl IntoView {
    let mode = |signal: RwSignal<bool>, text: Text, class: &'static str| {
        view! {
            <button class=format!("secondary toggle {class}") aria-pressed=move || signal.get().to_string()
                on:click=move |_| signal.update(|on| *on = !*on)>{label(text)}</button>
        }
    };
    view! {
        <div class="display-modes">
            {mode(kiosk.large_text, i18n::LARGE_TEXT, "large-text")}
            {mode(kiosk.high_contrast, i18n::HIGH_CONTRAST, "high-contrast")}
        </div>
    }
}

/// The six languages, each named in itself.
pub(super) fn languages(kiosk: Kiosk) -> impl IntoView {
    let buttons = Lang::ALL
        .into_iter()
        .map(|lang| {
            view! {
                <button class=format!("toggle lang lang-{}", lang.code()) lang=lang.code()
                    aria-pressed=(kiosk.lang.get_untracked() == lang).to_string()
                    on:click=move |_| kiosk.lang.set(lang)>{lang.native_name()}</button>
            }
        })
        .collect_view();
    view! { <nav class="languages" aria-label=plain(i18n::CHOOSE_LANGUAGE)>{buttons}</nav> }
}

pub(super) fn idle(kiosk: Kiosk) -> impl IntoView {
    view! {
        <section>
            {languages(kiosk)}
            // A kiosk with no key (never enrolled) says so instead of asking for a card.
            {move || match kiosk.out_of_service() {
                true => view! {
                    <div class="error out-of-service" role="alert">
                        <Bilingual text=i18n::refusal(kofu_shared::ErrorCode::UnknownKiosk)/>
                    </div>
                }
                .into_any(),
                false => view! { <Bilingual text=i18n::IDLE/> }.into_any(),
            }}
            {reader_status(kiosk)}
            {dev_virtual_cards(kiosk)}
        </section>
    }
}

/// Dev builds: pick a virtual card and "insert" it with Start.
#[cfg(feature = "dev")]
pub(super) fn dev_virtual_cards(kiosk: Kiosk) -> impl IntoView {
    let card_number = RwSignal::new(1usize);
    let start = move || {
        let Some(card) = virtual_card(card_number.get_untracked()) else {
            kiosk.fail(kiosk.generation(), crate::flow::Failure::Card);
            return;
        };
        kiosk.card_in.set(Some(true));
        start_transaction(kiosk, card);
    };
    view! {
        {dev_card_picker(card_number)}
        {button(i18n::START, "primary start", start)}
    }
}
#[cfg(not(feature = "dev"))]
pub(super) fn dev_virtual_cards(_: Kiosk) -> impl IntoView {}

#[cfg(feature = "dev")]
pub(super) fn dev_card_picker(card_number: RwSignal<usize>) -> impl IntoView {
    let options = (1..=crate::dev::VIRTUAL_CARD_COUNT)
        .map(|n| view! { <option value=n.to_string()>{format!("仮想カード {n} / virtual card {n}")}</option> })
        .collect_view();
    view! {
        <div class="dev">
            <label>"DEV · TEST ONLY · PIN 1234 "
                <select class="virtual-card" on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse() { card_number.set(n) }
                }>{options}</select>
            </label>
        </div>
    }
}

pub(super) fn pin_screen(kiosk: Kiosk, tries_left: u8, last_wrong: bool) -> impl IntoView {
    let input: NodeRef<Input> = NodeRef::new();
    let submit = move || {
        if kiosk.busy.get_untracked() {
            return;
        }
        let Some(element) = input.get_untracked() else { return };
        let typed = element.value();
        // The PIN leaves the DOM at once; only the zeroizing `Pin` keeps it, for one VERIFY.
        element.set_value("");
        let Ok(pin) = Pin::parse(&typed) else {
            kiosk.pin_format_error.set(true);
            return;
        };
        drop(typed);
        let Some(mut session) = kiosk.take_session() else { return };
        kiosk.busy.set(true);
        kiosk.pin_format_error.set(false);
        let generation = kiosk.generation();
        spawn_local(async move {
            let outcome = session.verify_pin(pin).await;
            if !kiosk.is_current(generation) {
                return; // abandoned meanwhile: the session is dropped here
            }
            kiosk.busy.set(false);
            match outcome {
                Ok(outcome) => {
                    kiosk.put_session(session);
                    kiosk.send(Event::PinChecked(outcome));
                }
                Err(e) => kiosk.fail(generation, failure_of(&e)),
            }
        });
    };
    view! {
        <section>
            <Bilingual text=i18n::PIN_PROMPT/>
            <div class="tries" class:wrong=last_wrong>
                {if last_wrong { phrase(i18n::pin_wrong(tries_left)).into_any() }
                 else { phrase(i18n::tries_left(tries_left)).into_any() }}
            </div>
            {(tries_left == 1).then(|| view! { <div class="warning"><Bilingual text=i18n::PIN_LAST_TRY/></div> })}
            {move || kiosk.pin_format_error.get().then(|| view! {
                <div class="warning"><Bilingual text=i18n::PIN_FORMAT/></div>
            })}
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <input node_ref=input class="pin" type="password" inputmode="numeric" autocomplete="off"
                    maxlength="4" pattern="[0-9]{4}" aria-label=plain(i18n::PIN_LABEL) autofocus=true/>
                <button type="submit" class="primary pin-submit" disabled=move || kiosk.busy.get()>
                    {label(i18n::PIN_SUBMIT)}
                </button>
            </form>
            {button(i18n::CANCEL, "secondary", move || { kiosk.erase(); kiosk.send(Event::Cancel); })}
        </section>
    }
}
