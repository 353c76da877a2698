//! The exchange center's decisions, free of any runtime.

pub mod audit;
pub mod backend;
pub mod center_key;
pub mod challenge;
pub mod config;
pub mod error;
pub mod hours;
pub mod inspection;
pub mod issue;
pub mod memory;
pub mod menu;
pub mod ops;
pub mod outcome;
pub mod rate;
pub mod verify;

pub use backend::{
    Backend, BackendError, ChallengeOutcome, HttpAnswer, KioskEnrollment, KioskRecord, MunicipalityRecord,
    TransactionRecord,
};
pub use config::EdgeConfig;
pub use error::EdgeError;

pub const SERVICE: &str = "kofu-edge";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The D1 migrations (edge/migrations) this build expects applied; `GET /v1/health` reports
/// whether the database is there, so a deploy that forgot `migrations apply` shows at once.
pub const SCHEMA_VERSION: u32 = 9;

#[cfg(test)]
mod tests {
    #[test]
    fn schema_version_counts_the_migrations() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let count = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
            .count();
        assert_eq!(count as u32, super::SCHEMA_VERSION);
    }
}
