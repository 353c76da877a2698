//! Voice guidance with the Web Speech API. What is said, and when, is the state machine's
//! (`kiosk::utterance`, `Command::Speak`); this file only talks to `speechSynthesis`.

use leptos::prelude::*;

use super::Ui;
use crate::i18n::{self, Lang};
use crate::kiosk::{Event, Pref};

/// Cuts off whatever is being said and says `text`.
pub(super) fn speak(text: &str, lang: Lang) {
    let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) else { return };
    synth.cancel();
    if let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) {
        utterance.set_lang(lang.speech());
        synth.speak(&utterance);
    }
}

pub(super) fn silence() {
    if let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) {
        synth.cancel();
    }
}

/// The replay key and the on/off switch.
pub(super) fn controls(ui: Ui) -> impl IntoView {
    let on = move || ui.prefs.get().voice;
    view! {
        <div class="voice">
            <button class="secondary voice-replay" on:click=move |_| ui.send(Event::Replay)>
                {super::text::label(i18n::VOICE_REPLAY)}
            </button>
            <button class="secondary voice-toggle" aria-pressed=move || on().to_string()
                on:click=move |_| ui.send(Event::Pref(Pref::Voice))>
                {move || super::text::label(if on() { i18n::VOICE_ON } else { i18n::VOICE_OFF })}
            </button>
        </div>
    }
}
