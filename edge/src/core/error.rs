//! Every way the edge refuses, each mapped to the wire code the kiosk explains.

use kofu_shared::x509::CertError;
use kofu_shared::{ApiError, ErrorCode};

use super::BackendError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeError {
    #[error("body over the size limit")]
    BodyTooLarge,
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("kiosk is not enrolled")]
    UnknownKiosk,
    #[error("kiosk is not active")]
    KioskInactive,
    #[error("kiosk signature does not verify")]
    KioskSignature,
    #[error("challenge unknown")]
    ChallengeUnknown,
    #[error("challenge expired")]
    ChallengeExpired,
    #[error("challenge already used")]
    ChallengeUsed,
    #[error("card certificate: {0}")]
    CardCertificate(CertError),
    #[error("card signature does not verify")]
    CardSignature,
    #[error("card is revoked")]
    CardRevoked,
    #[error("card is suspended")]
    CardSuspended,
    #[error("card is not active yet")]
    CardNotYetActive,
    #[error("card unknown to the validation service")]
    CardUnknown,
    #[error("validation service: {0}")]
    Validation(BackendError),
    #[error("municipality not in the directory")]
    MunicipalityUnknown,
    #[error("municipality disabled")]
    MunicipalityDisabled,
    #[error("outside the municipality's service hours")]
    OutsideServiceHours,
    #[error("certificate kind not offered by the municipality")]
    KindNotOffered,
    #[error("municipality unreachable: {0}")]
    MunicipalityUnavailable(BackendError),
    #[error("municipality refused: {0}")]
    MunicipalRefusal(ErrorCode),
    #[error("transaction id already used")]
    TransactionReused,
    #[error("transaction unknown to the center")]
    TransactionUnknown,
    #[error("too many requests for this kiosk or card")]
    RateLimited,
    #[error("ops request not authorized")]
    OpsUnauthorized,
    #[error("storage: {0}")]
    Storage(BackendError),
}

impl EdgeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EdgeError::BodyTooLarge => ErrorCode::BodyTooLarge,
            EdgeError::Malformed(_) => ErrorCode::BadRequest,
            EdgeError::UnknownKiosk | EdgeError::KioskInactive => ErrorCode::UnknownKiosk,
            EdgeError::KioskSignature => ErrorCode::KioskSignatureInvalid,
            EdgeError::ChallengeUnknown => ErrorCode::ChallengeUnknown,
            EdgeError::ChallengeExpired => ErrorCode::ChallengeExpired,
            EdgeError::ChallengeUsed => ErrorCode::ChallengeUsed,
            EdgeError::CardCertificate(CertError::Untrusted) => ErrorCode::CardCertificateUntrusted,
            EdgeError::CardCertificate(CertError::OutOfDate) => ErrorCode::CardCertificateExpired,
            EdgeError::CardCertificate(CertError::BadSignature) => ErrorCode::CardCertificateUntrusted,
            EdgeError::CardCertificate(_) => ErrorCode::CardCertificateInvalid,
            EdgeError::CardSignature => ErrorCode::CardSignatureInvalid,
            EdgeError::CardRevoked | EdgeError::CardUnknown => ErrorCode::CardRevoked,
            EdgeError::CardSuspended => ErrorCode::CardSuspended,
            EdgeError::CardNotYetActive => ErrorCode::NotYetActive,
            EdgeError::Validation(_) => ErrorCode::ValidationUnavailable,
            EdgeError::MunicipalityUnknown | EdgeError::MunicipalityDisabled => ErrorCode::MunicipalityUnknown,
            EdgeError::MunicipalityUnavailable(_) => ErrorCode::MunicipalityUnavailable,
            EdgeError::OutsideServiceHours => ErrorCode::OutsideServiceHours,
            EdgeError::KindNotOffered => ErrorCode::KindNotOffered,
            EdgeError::MunicipalRefusal(code) => *code,
            EdgeError::TransactionReused => ErrorCode::BadRequest,
            EdgeError::TransactionUnknown => ErrorCode::TransactionUnknown,
            EdgeError::OpsUnauthorized => ErrorCode::OpsUnauthorized,
            EdgeError::RateLimited => ErrorCode::RateLimited,
            EdgeError::Storage(_) => ErrorCode::Internal,
        }
    }

    /// The wire body. The message names the failed step only; no input is echoed.
    pub fn to_api_error(&self) -> ApiError {
        let message = match self {
            EdgeError::Storage(_) => String::from("internal error"),
            EdgeError::Validation(_) => String::from("validation service unavailable"),
            EdgeError::MunicipalityUnavailable(_) => String::from("municipality unreachable"),
            other => other.to_string(),
        };
        ApiError::new(self.code(), message)
    }
}
