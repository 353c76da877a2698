//! The exchange center's decisions, free of any runtime.

pub mod backend;
pub mod challenge;
pub mod config;
pub mod error;
pub mod hours;
pub mod issue;
pub mod memory;
pub mod outcome;
pub mod verify;

pub use backend::{
    Backend, BackendError, ChallengeOutcome, HttpAnswer, KioskRecord, MunicipalityRecord, TransactionRecord,
};
pub use config::EdgeConfig;
pub use error::EdgeError;

pub const SERVICE: &str = "kofu-edge";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
