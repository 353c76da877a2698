//! The printed certificate's QR code (`crate::qr::svg`).

use leptos::prelude::*;

pub fn code(text: &str) -> impl IntoView + use<> {
    view! { <div class="qr-code" inner_html=crate::qr::svg(text).unwrap_or_default()></div> }
}
