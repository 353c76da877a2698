//! Voice guidance with the Web Speech API: every screen and every error is spoken in the
//! resident's language when it appears, again on the replay key, never when voice is off.
//! Only catalog text is ever spoken — nothing the resident typed, so never the PIN.

use leptos::prelude::*;

use super::Kiosk;
use crate::flow::{Failure, Screen};
use crate::i18n::{self, Lang, Phrase};

/// What a screen says (its main message).
pub fn screen_phrase(screen: &Screen) -> Phrase {
    match screen {
        Screen::Idle => i18n::IDLE.into(),
        Screen::Reading => i18n::READING.into(),
        Screen::Pin { tries_left, last_wrong: true } => i18n::pin_wrong(*tries_left),
        Screen::Pin { tries_left: 1, .. } => i18n::PIN_LAST_TRY.into(),
        Screen::Pin { .. } => i18n::PIN_PROMPT.into(),
        Screen::PinBlocked => i18n::PIN_BLOCKED.into(),
        Screen::Choose => i18n::CHOOSE.into(),
        Screen::Options => i18n::OPTIONS.into(),
        Screen::Confirm => i18n::CONFIRM.into(),
        Screen::Processing => i18n::PROCESSING.into(),
        Screen::RemoveCard => i18n::REMOVE_CARD.into(),
        Screen::Certificate => i18n::CERTIFICATE.into(),
        Screen::ThankYou => i18n::THANK_YOU.into(),
        Screen::Failed(failure) => failure_text(*failure).into(),
    }
}

pub fn failure_text(failure: Failure) -> i18n::Text {
    match failure {
        Failure::Card => i18n::CARD_ERROR,
        Failure::CardRemoved => i18n::CARD_REMOVED,
        Failure::ReaderLost => i18n::READER_LOST,
        Failure::Refused(code) => i18n::refusal(code),
        Failure::Network => i18n::NETWORK,
        Failure::DocumentRejected => i18n::DOCUMENT_REJECTED,
    }
}

/// Cuts off whatever is being said and says `text`.
fn speak(text: &str, lang: Lang) {
    let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) else { return };
    synth.cancel();
    if let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) {
        utterance.set_lang(lang.speech());
        synth.speak(&utterance);
    }
}

fn silence() {
    if let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) {
        synth.cancel();
    }
}

/// What should be said now: the time warning when it shows, else the screen's message.
fn current(kiosk: Kiosk) -> Phrase {
    let screen = kiosk.screen.get();
    if kiosk.warning.get() {
        i18n::STILL_THERE.into()
    } else if screen == Screen::Idle && kiosk.out_of_service() {
        failure_text(Failure::Refused(kofu_shared::ErrorCode::UnknownKiosk)).into()
    } else {
        screen_phrase(&screen)
    }
}

/// Speaks on every change of screen, warning or language while voice is on.
pub fn guide(kiosk: Kiosk) {
    Effect::new(move |_| {
        let phrase = current(kiosk);
        let lang = kiosk.lang.get();
        if kiosk.voice.get() {
            speak(&phrase.render(lang), lang);
        } else {
            silence();
        }
    });
}

/// Says the current screen again (the remove-card reminder) and pulses its message.
pub fn remind(kiosk: Kiosk) {
    kiosk.reminders.update(|n| *n += 1);
    if kiosk.voice.get_untracked() {
        let lang = kiosk.lang.get_untracked();
        speak(&current(kiosk).render(lang), lang);
    }
}

/// The replay key and the on/off switch.
pub fn controls(kiosk: Kiosk) -> impl IntoView {
    let replay = move |_| {
        if kiosk.voice.get_untracked() {
            let lang = kiosk.lang.get_untracked();
            speak(&current(kiosk).render(lang), lang);
        }
    };
    let toggle = move |_| kiosk.voice.update(|on| *on = !*on);
    view! {
        <div class="voice">
            <button class="secondary voice-replay" on:click=replay>{super::text::label(i18n::VOICE_REPLAY)}</button>
            <button class="secondary voice-toggle" aria-pressed=move || kiosk.voice.get().to_string() on:click=toggle>
                {move || super::text::label(if kiosk.voice.get() { i18n::VOICE_ON } else { i18n::VOICE_OFF })}
            </button>
        </div>
    }
}
