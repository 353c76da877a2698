//! The operator screen (maintenance), reached from the idle kiosk with Ctrl+Alt+Shift+M and
//! opened only with the operator PIN: reader status and self-test, kiosk key enrollment
//! (a non-extractable WebCrypto key), the center's URL, a printer test page and versions.
//! Its own small bundle (plain DOM) beside the kiosk's, so the kiosk's stays within budget;
//! the reader, edge client and key storage are the kiosk's own code (`kofu_app`).
//! `gate` and `selftest` are plain Rust, tested natively; `page` and `panel` are the DOM.

pub mod gate;
pub mod selftest;

#[cfg(target_arch = "wasm32")]
mod page;
#[cfg(target_arch = "wasm32")]
mod panel;

#[cfg(target_arch = "wasm32")]
pub use page::run;
