//! What every part of kofu agrees on: wire types, the exact bytes that are signed,
//! municipality codes and the error codes a kiosk can explain to a resident.
//! `docs/PROTOCOL.md` is the prose form of this crate; `tests/vectors.rs` keeps them equal.

pub mod b64;
#[cfg(feature = "test-support")]
pub mod doc_check;
pub mod document;
pub mod errors;
#[cfg(feature = "test-support")]
pub mod hostile;
pub mod jst;
pub mod kiosk;
pub mod limits;
pub mod municipality;
pub mod operator_pin;
pub mod printed;
pub mod protocol;
pub mod seal;
pub mod signing;
pub mod wire;
#[cfg(feature = "x509")]
pub mod x509;

pub use b64::Bytes;
pub use errors::{ApiError, ErrorCode};
pub use municipality::MunicipalityCode;
