//! The kiosk app. `flow` and `session` are plain Rust, tested natively; `ui` renders the
//! flow with Leptos and `edge_client` speaks HTTP from the browser.

pub mod flow;
pub mod i18n;
pub mod identity;
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
