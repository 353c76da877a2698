//! Pictures of what to do with the card, as inline SVG (no image files to fetch): the card
//! going into the reader's slot, and coming out of it. Decorative: the text beside each
//! says the same, for screen readers and in the resident's language.

use leptos::prelude::*;

use super::text::Bilingual;
use crate::i18n;

/// A card with its IC chip above a reader's slot, an arrow pointing in.
const INSERT: &str = r##"<svg viewBox="0 0 240 200" role="presentation" focusable="false">
<rect x="20" y="120" width="200" height="64" rx="10" fill="#dfe6f2" stroke="#0a4ea3" stroke-width="4"/>
<rect x="60" y="124" width="120" height="10" rx="4" fill="#0a4ea3"/>
<g class="card-move"><rect x="70" y="18" width="100" height="92" rx="8" fill="#fff" stroke="#111" stroke-width="4"/>
<rect x="86" y="60" width="28" height="22" rx="3" fill="#d4a72c" stroke="#8a6a10" stroke-width="2"/>
<path d="M120 2 v34 m-12 -12 l12 14 l12 -14" fill="none" stroke="#0a4ea3" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></g>
</svg>"##;

/// The card halfway out of the slot, an arrow pointing out.
const REMOVE: &str = r##"<svg viewBox="0 0 240 200" role="presentation" focusable="false">
<rect x="20" y="120" width="200" height="64" rx="10" fill="#dfe6f2" stroke="#0a4ea3" stroke-width="4"/>
<rect x="60" y="124" width="120" height="10" rx="4" fill="#0a4ea3"/>
<g class="card-move out"><rect x="70" y="40" width="100" height="92" rx="8" fill="#fff" stroke="#111" stroke-width="4"/>
<rect x="86" y="82" width="28" height="22" rx="3" fill="#d4a72c" stroke="#8a6a10" stroke-width="2"/>
<path d="M120 34 v-30 m-12 12 l12 -14 l12 14" fill="none" stroke="#0a4ea3" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></g>
</svg>"##;

pub(super) fn insert_card() -> impl IntoView {
    view! {
        <figure class="art">
            <div class="picture" aria-hidden="true" inner_html=INSERT></div>
            <figcaption><Bilingual text=i18n::INSERT_CARD/></figcaption>
        </figure>
    }
}

pub(super) fn remove_card() -> impl IntoView {
    view! { <figure class="art"><div class="picture" aria-hidden="true" inner_html=REMOVE></div></figure> }
}
