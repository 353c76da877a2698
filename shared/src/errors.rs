//! Typed error codes. Every refusal crosses the wire as `{"error":{"code","message"}}`;
//! the kiosk shows the resident the text for the code, never the message.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $ja:literal, $en:literal;)*) => {
        /// Why a step was refused. The wire form is the snake_case string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status the edge and municipal servers answer with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// What the kiosk tells the resident, in Japanese.
            pub fn resident_message_ja(self) -> &'static str {
                match self { $(ErrorCode::$variant => $ja,)* }
            }

            /// What the kiosk tells the resident, in English.
            pub fn resident_message_en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", 400,
        "端末の要求に誤りがありました。もう一度最初からお試しください。",
        "The kiosk sent a malformed request. Please start again.";
    BodyTooLarge = "body_too_large", 413,
        "端末の要求が大きすぎます。もう一度最初からお試しください。",
        "The kiosk's request was too large. Please start again.";
    UnknownKiosk = "unknown_kiosk", 403,
        "この端末は現在ご利用いただけません。",
        "This kiosk is not in service.";
    KioskSignatureInvalid = "kiosk_signature_invalid", 403,
        "端末の署名を確認できませんでした。もう一度最初からお試しください。",
        "The kiosk's signature could not be verified. Please start again.";
    ChallengeUnknown = "challenge_unknown", 403,
        "手続きの有効期限が切れました。もう一度最初からお試しください。",
        "This session is no longer valid. Please start again.";
    ChallengeExpired = "challenge_expired", 403,
        "手続きの有効期限が切れました。もう一度最初からお試しください。",
        "This session has expired. Please start again.";
    ChallengeUsed = "challenge_used", 409,
        "この手続きは既に使われています。もう一度最初からお試しください。",
        "This session was already used. Please start again.";
    CardCertificateInvalid = "card_certificate_invalid", 403,
        "カードの電子証明書を読み取れませんでした。",
        "The card's certificate could not be read.";
    CardCertificateUntrusted = "card_certificate_untrusted", 403,
        "このカードはご利用いただけません。",
        "This card cannot be used here.";
    CardCertificateExpired = "card_certificate_expired", 403,
        "カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
        "The card's certificate has expired. Please renew it at your city office.";
    CardSignatureInvalid = "card_signature_invalid", 403,
        "カードの署名を確認できませんでした。もう一度最初からお試しください。",
        "The card's signature could not be verified. Please start again.";
    CardRevoked = "card_revoked", 403,
        "このカードの電子証明書は失効しています。市区町村の窓口にお問い合わせください。",
        "This card's certificate has been revoked. Please ask at your city office.";
    CardSuspended = "card_suspended", 403,
        "このカードの電子証明書は一時停止されています。市区町村の窓口にお問い合わせください。",
        "This card's certificate is suspended. Please ask at your city office.";
    ValidationUnavailable = "validation_unavailable", 503,
        "ただいまカードの有効性を確認できません。しばらくしてからお試しください。",
        "The card cannot be checked right now. Please try again later.";
    MunicipalityUnknown = "municipality_unknown", 403,
        "お住まいの市区町村はこのサービスを提供していません。",
        "Your municipality does not offer this service.";
    OutsideServiceHours = "outside_service_hours", 403,
        "ただいまはお住まいの市区町村の交付時間外です。交付時間内にお試しください。",
        "Your municipality's service is closed at this hour. Please come back during its service hours.";
    MunicipalityUnavailable = "municipality_unavailable", 503,
        "ただいま市区町村のシステムに接続できません。料金はかかりません。しばらくしてからお試しください。",
        "Your municipality's system cannot be reached right now. You have not been charged. Please try again later.";
    AttestationInvalid = "attestation_invalid", 403,
        "交付センターの署名を確認できませんでした。",
        "The exchange center's signature could not be verified.";
    ResidentNotFound = "resident_not_found", 404,
        "このカードで交付できる証明書がありません。市区町村の窓口にお問い合わせください。",
        "No certificate can be issued for this card. Please ask at your city office.";
    TransactionUnknown = "transaction_unknown", 404,
        "この取引は見つかりませんでした。",
        "This transaction could not be found.";
    OutcomeConflict = "outcome_conflict", 409,
        "この取引の結果は既に報告されています。",
        "The outcome of this transaction was already reported.";
    ResidentMovedOut = "resident_moved_out", 403,
        "転出の手続きがされているため、交付できません。市区町村の窓口にお問い合わせください。",
        "You have moved out of this municipality, so it cannot issue this here. Please ask at a city office.";
    NotYetActive = "not_yet_active", 403,
        "カードの交付・暗証番号の設定・転入の手続きをした当日はご利用いただけません。翌日以降にご利用ください。",
        "The service starts the day after your card, PIN or move-in. Please come back tomorrow.";
    NotServed = "not_served", 403,
        "このカードではコンビニ交付をご利用いただけません。市区町村の窓口にお問い合わせください。",
        "This card cannot be used for kiosk certificates. Please ask at your city office.";
    NoSealRegistration = "no_seal_registration", 403,
        "印鑑登録がないため、印鑑登録証明書は交付できません。市区町村の窓口にお問い合わせください。",
        "You have no registered seal, so a seal registration certificate cannot be issued. Please ask at your city office.";
    NameNotPrintable = "name_not_printable", 403,
        "お名前などに、この端末で印刷できない文字が含まれているため交付できません。市区町村の窓口でお求めください。",
        "Your record contains characters this kiosk cannot print. Please ask at your city office.";
    FiscalYearUnavailable = "fiscal_year_unavailable", 403,
        "お選びの年度の証明書はこの端末では交付できません。別の年度を選ぶか、市区町村の窓口でお求めください。",
        "A certificate for that fiscal year cannot be issued here. Choose another year or ask at your city office.";
    DocumentRejected = "document_rejected", 502,
        "証明書を確認できなかったため、印刷しませんでした。料金はかかりません。",
        "The certificate could not be verified, so it was not printed. You have not been charged.";
    KindNotOffered = "kind_not_offered", 403,
        "お住まいの市区町村では、この証明書をコンビニ等で交付していません。市区町村の窓口でお求めください。",
        "Your municipality does not issue this certificate at kiosks. Please ask at your city office.";
    RateLimited = "rate_limited", 429,
        "ただいま混み合っています。しばらくしてからお試しください。料金はかかりません。",
        "Too many requests right now. Please try again later. You have not been charged.";
    OpsUnauthorized = "ops_unauthorized", 401,
        "この操作は許可されていません。",
        "This operation is not permitted.";
    Internal = "internal", 500,
        "システムエラーが発生しました。料金はかかりません。",
        "A system error occurred. You have not been charged.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error body on the wire. `message` is for operators and never holds personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { error: ApiErrorBody { code, message: message.into() } }
    }

    pub fn to_json(&self) -> String {
        // Serializing a struct of strings cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_as_snake_case() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
            assert!(!code.resident_message_ja().is_empty());
            assert!(!code.resident_message_en().is_empty());
            assert!((400..600).contains(&code.http_status()));
        }
    }
}
