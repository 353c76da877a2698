//! The reference municipal issuing server (証明発行サーバ): it trusts only the exchange
//! center's attestation, finds the resident by card certificate, and signs a document
//! bound to the transaction. The dev card-validation service lives beside it.

pub mod db;
pub mod eligibility;
pub mod http;
pub mod issue;
pub mod outcome;
pub mod seed;
pub mod validation;

use kofu_shared::MunicipalityCode;
use p256::ecdsa::{SigningKey, VerifyingKey};

/// Who this server is and whom it trusts.
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    pub signing_key: SigningKey,
    pub center_key: VerifyingKey,
}
