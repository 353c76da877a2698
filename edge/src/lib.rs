//! kofu's exchange center. `core` decides everything and is tested natively with
//! `cargo test`; `adapter` (wasm32 only) binds it to workerd: D1, fetch, the clock.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod adapter;

#[cfg(all(target_arch = "wasm32", feature = "lab"))]
mod lab;

#[cfg(target_arch = "wasm32")]
mod rate_limiter;
