//! The /verify page: paste a printed certificate's QR text; the municipality's signature is
//! checked here, in the browser, against the keys the exchange center publishes. Plain DOM
//! (no UI framework) keeps this page small; the checking is `kofu_shared::printed`.

#[cfg(target_arch = "wasm32")]
mod page;

fn main() {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(page::run());
}
