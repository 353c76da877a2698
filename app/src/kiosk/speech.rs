//! What the voice says: each screen's message, the warning, an error — only catalog text,
//! never anything the resident typed, so never the PIN.

use super::{Failure, Kiosk, Screen};
use crate::i18n::{self, Phrase, Text};

/// What should be said now: the time warning when it shows, else the screen's message.
pub fn utterance(kiosk: &Kiosk) -> Phrase {
    if kiosk.warning() {
        i18n::STILL_THERE.into()
    } else if *kiosk.screen() == Screen::Idle && kiosk.out_of_service() {
        failure_text(Failure::Refused(kofu_shared::ErrorCode::UnknownKiosk)).into()
    } else {
        screen_phrase(kiosk.screen())
    }
}

/// A screen's main message.
pub fn screen_phrase(screen: &Screen) -> Phrase {
    match screen {
        Screen::Idle => i18n::IDLE.into(),
        Screen::Reading => i18n::READING.into(),
        Screen::Pin { tries_left, last_wrong: true } => i18n::pin_wrong(*tries_left),
        Screen::Pin { tries_left: 1, .. } => i18n::PIN_LAST_TRY.into(),
        Screen::Pin { .. } => i18n::PIN_PROMPT.into(),
        Screen::PinBlocked => i18n::PIN_BLOCKED.into(),
        Screen::Choose => i18n::CHOOSE.into(),
        Screen::Options => i18n::OPTIONS.into(),
        Screen::Confirm => i18n::CONFIRM.into(),
        Screen::Processing => i18n::PROCESSING.into(),
        Screen::RemoveCard => i18n::REMOVE_CARD.into(),
        Screen::Certificate => i18n::CERTIFICATE.into(),
        Screen::ThankYou => i18n::THANK_YOU.into(),
        Screen::Failed(failure) => failure_text(*failure).into(),
    }
}

pub fn failure_text(failure: Failure) -> Text {
    match failure {
        Failure::Card => i18n::CARD_ERROR,
        Failure::CardRemoved => i18n::CARD_REMOVED,
        Failure::ReaderLost => i18n::READER_LOST,
        Failure::Refused(code) => i18n::refusal(code),
        Failure::Network => i18n::NETWORK,
        Failure::DocumentRejected => i18n::DOCUMENT_REJECTED,
    }
}
