//! Catalog text on screen: the chosen language first, a companion language under it
//! (English under Japanese, Japanese under the others), each with its `lang` attribute for
//! screen readers and fonts. The text is fixed when a screen renders, and the screen renders
//! again when the language changes: per-text subscriptions to the language signal, which
//! changes only on the idle screen, were never released and grew the app with every
//! transaction (BENCHMARKS.md, kiosk memory).

use leptos::prelude::*;

use crate::i18n::{Lang, Phrase, Text};

/// The kiosk's language for this transaction (provided by `App`), as the screen renders.
pub fn language() -> Lang {
    expect_context::<Memo<Lang>>().get_untracked()
}

/// A message as two paragraphs.
#[component]
pub fn Bilingual(text: Text) -> impl IntoView {
    phrase(text.into())
}

pub fn phrase(phrase: Phrase) -> impl IntoView {
    let lang = language();
    view! {
        <p class="main-text" lang=lang.code()>{phrase.render(lang)}</p>
        <p class="sub-text" lang=lang.companion().code()>{phrase.render(lang.companion())}</p>
    }
}

/// A phrase as two spans, inside buttons and other inline content.
pub fn phrase_label(phrase: Phrase) -> impl IntoView {
    let lang = language();
    view! {
        <span class="main-text" lang=lang.code()>{phrase.render(lang)}</span>
        <span class="sub-text" lang=lang.companion().code()>{phrase.render(lang.companion())}</span>
    }
}

/// A message as two spans, for buttons.
pub fn label(text: Text) -> impl IntoView {
    phrase_label(text.into())
}

/// The chosen language only, for attributes (`aria-label`).
pub fn plain(text: Text) -> &'static str {
    text.get(language())
}
