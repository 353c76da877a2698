//! The printed certificate's QR code, drawn from `crate::qr`'s path.

use leptos::prelude::*;

use crate::qr::path;

/// Printed size of one module, in tenths of a millimetre: 0.4 mm reads with a phone camera
/// and a 300 dpi scan alike, so a longer document gets a larger code, not finer modules.
/// (Integers: float formatting would add its own code to the bundle.)
const MODULE_TENTHS_MM: usize = 4;

pub fn code(text: &str) -> impl IntoView + use<> {
    // Markup built here from module coordinates only (no document text), set as one
    // attribute: cheaper in the bundle than typed SVG views.
    let svg = path(text).map(|(d, size)| {
        let tenths = size * MODULE_TENTHS_MM;
        let side = format!("{}.{}mm", tenths / 10, tenths % 10);
        format!(
            r##"<svg class="qr" viewBox="0 0 {size} {size}" style="width:{side};height:{side}" shape-rendering="crispEdges" role="img" aria-label="QR"><rect width="{size}" height="{size}" fill="#fff"/><path d="{d}" fill="#000"/></svg>"##
        )
    });
    view! { <div class="qr-code" inner_html=svg.unwrap_or_default()></div> }
}
