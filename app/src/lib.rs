//! The kiosk app. `kiosk` (the transaction's rules, a sans-IO state machine) and
//! `session` (the card and edge calls of one transaction) are plain Rust, tested natively;
//! `ui` renders the state machine with Leptos and runs its commands, `edge_client` speaks
//! HTTP from the browser and `reader` reaches the card.

pub mod i18n;
pub mod identity;
pub mod kiosk;
pub mod qr;
pub mod session;

#[cfg(feature = "dev")]
pub mod dev;
#[cfg(target_arch = "wasm32")]
pub mod edge_client;
#[cfg(target_arch = "wasm32")]
pub mod reader;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
mod wipe;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: wipe::WipingAllocator = wipe::WipingAllocator;
