//! Resident-facing text: Japanese first, English second.

use kofu_shared::ErrorCode;
use kofu_shared::wire::CertificateKind;

/// A message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub ja: &'static str,
    pub en: &'static str,
}

const fn t(ja: &'static str, en: &'static str) -> Text {
    Text { ja, en }
}

pub const TITLE: Text = t("証明書交付サービス", "Certificate service");
pub const IDLE: Text = t("マイナンバーカードを置いてください", "Please place your My Number card");
pub const START: Text = t("はじめる", "Start");
pub const READING: Text =
    t("カードを読み取っています。カードを動かさないでください", "Reading your card. Please do not move it");
pub const PIN_PROMPT: Text =
    t("利用者証明用暗証番号（数字4桁）を入力してください", "Enter your 4-digit PIN for user authentication");
pub const PIN_SUBMIT: Text = t("確定", "OK");
pub const PIN_LAST_TRY: Text = t("次に間違えるとカードがロックされます", "If this is wrong, your card will be locked");
pub const PIN_BLOCKED: Text = t(
    "暗証番号がロックされています。お住まいの市区町村の窓口で手続きしてください",
    "Your PIN is locked. Please go to your city office to reset it",
);
pub const CHOOSE: Text = t("証明書の種類を選んでください", "Choose a certificate");
pub const JUMINHYO: Text = t("住民票の写し", "Certificate of residence");
pub const INKAN: Text = t("印鑑登録証明書", "Seal registration certificate");
pub const SHOTOKU: Text = t("所得証明書", "Income certificate");
pub const KAZEI: Text = t("課税（非課税）証明書", "Tax certificate (taxed or not taxed)");
pub const OPTIONS: Text = t("記載する内容と部数を選んでください", "Choose what to include and how many copies");
pub const SCOPE_HOLDER: Text = t("本人のみ", "Only you");
pub const SCOPE_HOUSEHOLD: Text = t("世帯全員", "Everyone in your household");
pub const SCOPE_MEMBERS: Text = t("世帯の一部（人を選ぶ）", "Some members of your household (choose)");
pub const LOADING_HOUSEHOLD: Text = t("世帯の方を確認しています", "Looking up your household");
pub const WITH_HONSEKI: Text =
    t("本籍・筆頭者を記載する", "Include the registered domicile (honseki) and the head of the family register");
pub const WITH_RELATIONSHIP: Text =
    t("世帯主・続柄を記載する", "Include the householder and your relationship to them");
pub const FISCAL_YEAR: Text = t("年度を選んでください", "Choose the fiscal year");
pub const COPIES: Text = t("部数", "Copies");
pub const FEWER: Text = t("減らす", "Fewer");
pub const MORE: Text = t("増やす", "More");
pub const NEXT: Text = t("次へ", "Next");
pub const BACK: Text = t("戻る", "Back");
pub const FEE_NOTE: Text = t(
    "手数料は1通ごとに、お住まいの市区町村が定める額です。証明書が出ない場合はかかりません",
    "The fee per copy is set by your municipality. You are not charged if no certificate comes out",
);
pub const CONFIRM: Text = t("この内容で交付します。よろしいですか", "Issue this certificate?");
pub const CONFIRM_BUTTON: Text = t("交付する", "Issue");
pub const CANCEL: Text = t("やめる", "Cancel");
pub const PROCESSING: Text = t("証明書を準備しています", "Preparing your certificate");
pub const REMOVE_CARD: Text = t(
    "カードをお取りください。カードを取ると証明書が出てきます",
    "Please take your card. Your certificate comes out after you take it",
);
pub const CERTIFICATE: Text = t("証明書をお受け取りください", "Please take your certificate");
pub const VERIFIED: Text = t("市区町村の電子署名を確認しました", "The municipality's signature was verified");
pub const PRINTING: Text = t("印刷しています", "Printing");
pub const PRINTED: Text = t("印刷しました", "Printed");
pub const PRINT_FAILED: Text = t(
    "印刷できませんでした。交付は取り消され、料金はかかりません",
    "Printing failed. The issuance was cancelled and you have not been charged",
);
pub const PRINT_UNREPORTED: Text = t(
    "印刷結果を送信できませんでした。係員にお知らせください",
    "The print result could not be sent. Please tell the store staff",
);
pub const DONE: Text = t("終了", "Finish");
pub const CARD_ERROR: Text = t("カードを読み取れませんでした", "The card could not be read");
pub const CARD_REMOVED: Text =
    t("カードが取り出されました。最初からやり直してください", "The card was removed. Please start again");
pub const NETWORK: Text =
    t("通信できませんでした。料金はかかりません", "The connection failed. You have not been charged");
pub const DOCUMENT_REJECTED: Text = t(
    "証明書を確認できなかったため、印刷しませんでした。料金はかかりません",
    "The certificate could not be verified, so it was not printed. You have not been charged",
);
pub const READER_LOST: Text =
    t("カードリーダーが外れました。最初からやり直してください", "The card reader was disconnected. Please start again");
pub const NO_READER: Text = t("カードリーダーが接続されていません", "No card reader is connected");
pub const CONNECT_READER: Text = t("カードリーダーを接続する", "Connect a card reader");
pub const READER_READY: Text = t("カードリーダーの準備ができました", "The card reader is ready");
pub const READER_FAILED: Text = t("カードリーダーを使えません", "The card reader cannot be used");
/// For developers in plain Chrome; a kiosk shell never shows it.
pub const READER_PROTECTED: Text = t(
    "このブラウザはスマートカード型（USBクラス0x0B）のカードリーダーをWebページに使わせません。\
     ベンダークラスのリーダー（NTTコム SCR3310など）を使うか、usb-unrestricted 権限を持つ\
     キオスクシェル（Isolated Web App）で実行してください。そこでは Web Smart Card API も使えます",
    "This browser does not let web pages use smart-card-class (USB class 0x0B) readers. \
     Use a vendor-class reader such as the NTT Com SCR3310, or run kofu in the kiosk shell \
     (an Isolated Web App with the usb-unrestricted permission), where the Web Smart Card API also works",
);
pub const STILL_THERE: Text =
    t("まもなく最初の画面に戻ります。続けますか？", "Going back to the start soon. Do you want to continue?");
pub const CONTINUE: Text = t("続ける", "Continue");
pub const BACK_TO_START: Text = t("最初に戻る", "Back to start");

/// "Wrong PIN. N tries left" in both languages.
pub fn pin_wrong(tries_left: u8) -> (String, String) {
    (
        format!("暗証番号が違います。残り{tries_left}回"),
        format!("Wrong PIN. {tries_left} {} left", if tries_left == 1 { "try" } else { "tries" }),
    )
}

/// "N tries left" shown before the PIN is entered.
pub fn tries_left(tries_left: u8) -> (String, String) {
    (
        format!("残り{tries_left}回入力できます"),
        format!("{tries_left} {} left", if tries_left == 1 { "try" } else { "tries" }),
    )
}

/// The certificate's name on the menu.
pub fn kind(kind: CertificateKind) -> Text {
    match kind {
        CertificateKind::Juminhyo => JUMINHYO,
        CertificateKind::Inkan => INKAN,
        CertificateKind::Shotoku => SHOTOKU,
        CertificateKind::Kazei => KAZEI,
    }
}

/// 令和N年度 / "Fiscal year 2026".
pub fn fiscal_year(year: u16) -> (String, String) {
    // 令和 began in 2019 (令和元年).
    let reiwa = year.saturating_sub(2018);
    let ja = if reiwa == 1 { String::from("令和元年度") } else { format!("令和{reiwa}年度") };
    (ja, format!("Fiscal year {year}"))
}

pub fn copies(n: u8) -> (String, String) {
    (format!("{n}通"), format!("{n} {}", if n == 1 { "copy" } else { "copies" }))
}

pub fn fee(yen: u64) -> (String, String) {
    (format!("手数料 {yen}円"), format!("Fee: {yen} yen"))
}

pub fn refusal(code: ErrorCode) -> Text {
    t(code.resident_message_ja(), code.resident_message_en())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_in_the_japanese_era() {
        assert_eq!(fiscal_year(2026).0, "令和8年度");
        assert_eq!(fiscal_year(2019).0, "令和元年度");
        assert_eq!(copies(1).1, "1 copy");
        assert_eq!(copies(3), (String::from("3通"), String::from("3 copies")));
    }
}
