//! Catalog text on screen: the chosen language first, a companion language under it
//! (English under Japanese, Japanese under the others), both following the language
//! signal, each with its `lang` attribute for screen readers and fonts.

use leptos::prelude::*;

use crate::i18n::{Lang, Phrase, Text};

/// The kiosk's language for this transaction (provided by `App`).
pub fn language() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A message as two paragraphs.
#[component]
pub fn Bilingual(text: Text) -> impl IntoView {
    phrase(text.into())
}

pub fn phrase(phrase: Phrase) -> impl IntoView {
    let lang = language();
    let second = phrase.clone();
    view! {
        <p class="main-text" lang=move || lang.get().code()>{move || phrase.render(lang.get())}</p>
        <p class="sub-text" lang=move || lang.get().companion().code()>
            {move || second.render(lang.get().companion())}
        </p>
    }
}

/// A phrase as two spans, inside buttons and other inline content.
pub fn phrase_label(phrase: Phrase) -> impl IntoView {
    let lang = language();
    let second = phrase.clone();
    view! {
        <span class="main-text" lang=move || lang.get().code()>{move || phrase.render(lang.get())}</span>
        <span class="sub-text" lang=move || lang.get().companion().code()>
            {move || second.render(lang.get().companion())}
        </span>
    }
}

/// A message as two spans, for buttons.
pub fn label(text: Text) -> impl IntoView {
    let lang = language();
    view! {
        <span class="main-text" lang=move || lang.get().code()>{move || text.get(lang.get())}</span>
        <span class="sub-text" lang=move || lang.get().companion().code()>
            {move || text.get(lang.get().companion())}
        </span>
    }
}

/// The chosen language only, for attributes (`aria-label`).
pub fn plain(text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = language();
    move || text.get(lang.get())
}
