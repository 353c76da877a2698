//! Secure PIN entry on a reader's own keypad, independent of how the reader is reached: what
//! the host asks for (the fields of the PIN verification structure shared by CCID §6.1.11
//! and PC/SC Part 10 `FEATURE_VERIFY_PIN_DIRECT`) and what comes back. The host sends a
//! command template; the reader inserts the digits the resident types and forwards it.

use crate::apdu::{Response, Status};

/// A reader keypad that verifies PINs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPadInfo {
    /// Lines × characters of the reader's display, if it has one.
    pub display: Option<(u8, u8)>,
}

/// bmFormatString: PIN in bytes (bit 7), at offset 0 of the command data, left-justified,
/// ASCII digits (bits 1–0 = 10).
pub const FORMAT_ASCII_BYTES_AT_0: u8 = 0x82;
/// bEntryValidationCondition: the resident confirms with the reader's OK key.
pub const VALIDATE_ON_KEY: u8 = 0x02;
/// wLangId for Japanese.
pub const LANG_JAPANESE: u16 = 0x0411;

/// What the reader needs to take a PIN itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinVerifyRequest {
    /// bTimeOut: seconds the reader waits for the entry; 0 = its own default.
    pub timeout_seconds: u8,
    /// bmFormatString.
    pub format: u8,
    /// bmPINBlockString: bits 7–4 PIN length field size in bits, bits 3–0 PIN block bytes.
    pub pin_block: u8,
    /// bmPINLengthFormat.
    pub pin_length_format: u8,
    /// wPINMaxExtraDigit: fewest and most digits the keypad accepts.
    pub min_digits: u8,
    pub max_digits: u8,
    /// bEntryValidationCondition.
    pub entry_validation: u8,
    /// bNumberMessage: how many messages the reader shows.
    pub messages: u8,
    /// wLangId of the reader's messages.
    pub lang_id: u16,
    /// bMsgIndex: which of the reader's messages it shows first.
    pub message_index: u8,
    /// The command to complete with the PIN, its PIN block as placeholders.
    pub apdu: Vec<u8>,
}

impl PinVerifyRequest {
    /// A VERIFY of exactly `digits` ASCII digits as the whole command data (`header` ‖ Lc ‖
    /// `digits` placeholder bytes), confirmed with the OK key.
    pub fn ascii_digits(header: [u8; 4], digits: u8, prompt: &PinPadPrompt) -> Self {
        let mut apdu = header.to_vec();
        apdu.push(digits);
        apdu.extend(std::iter::repeat_n(0xFF, usize::from(digits)));
        PinVerifyRequest {
            timeout_seconds: prompt.timeout_seconds,
            format: FORMAT_ASCII_BYTES_AT_0,
            pin_block: digits & 0x0F,
            pin_length_format: 0x00,
            min_digits: digits,
            max_digits: digits,
            entry_validation: VALIDATE_ON_KEY,
            messages: 0x01,
            lang_id: prompt.lang_id,
            message_index: prompt.message_index,
            apdu,
        }
    }
}

/// What the reader shows and how long it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPadPrompt {
    pub timeout_seconds: u8,
    pub lang_id: u16,
    /// bMsgIndex 0: the reader's "enter PIN" message.
    pub message_index: u8,
}

impl Default for PinPadPrompt {
    fn default() -> Self {
        PinPadPrompt { timeout_seconds: 30, lang_id: LANG_JAPANESE, message_index: 0 }
    }
}

/// How a PIN-pad entry ended, before the card's answer is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinPadReply {
    /// The reader sent the completed command; this is the card's response APDU.
    Response(Vec<u8>),
    /// The resident pressed Cancel on the keypad.
    Cancelled,
    /// Nobody finished an entry before the timeout.
    TimedOut,
}

impl PinPadReply {
    /// Reads a response the reader returned: `64 00` (timeout) and `64 01` (cancel) are the
    /// reader's own statuses (PC/SC Part 10, as libccid reports them), not the card's.
    pub fn from_response(response: Vec<u8>) -> Self {
        match Response::parse(&response).map(|r| r.status()) {
            Ok(Status::Other(0x6400)) => PinPadReply::TimedOut,
            Ok(Status::Other(0x6401)) => PinPadReply::Cancelled,
            _ => PinPadReply::Response(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jpki_template_carries_no_pin() {
        let r = PinVerifyRequest::ascii_digits([0x00, 0x20, 0x00, 0x80], 4, &PinPadPrompt::default());
        assert_eq!(r.apdu, [0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!((r.min_digits, r.max_digits, r.pin_block, r.format), (4, 4, 0x04, 0x82));
        assert_eq!((r.lang_id, r.timeout_seconds), (0x0411, 30));
    }

    #[test]
    fn reader_statuses_are_told_apart_from_the_cards() {
        assert_eq!(PinPadReply::from_response(vec![0x64, 0x00]), PinPadReply::TimedOut);
        assert_eq!(PinPadReply::from_response(vec![0x64, 0x01]), PinPadReply::Cancelled);
        assert_eq!(PinPadReply::from_response(vec![0x63, 0xC2]), PinPadReply::Response(vec![0x63, 0xC2]));
        assert_eq!(PinPadReply::from_response(vec![0x90]), PinPadReply::Response(vec![0x90]));
    }
}
