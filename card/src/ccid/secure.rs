//! `PC_to_RDR_Secure` for PIN verification (USB CCID Rev 1.1 §6.1.11): bPINOperation 00
//! and the PIN Verification Data Structure, and what the reader's reply means.

use super::message::{CommandStatus, Message, SlotStatus};
use crate::pinpad::PinVerifyRequest;

pub const PC_TO_RDR_SECURE: u8 = 0x69;
/// bPINOperation: PIN verification.
const PIN_VERIFICATION: u8 = 0x00;
/// bError: the resident pressed Cancel.
pub const PIN_CANCELLED: u8 = 0xEF;
/// bError: no entry before bTimeOut.
pub const PIN_TIMEOUT: u8 = 0xF0;
/// Bytes before the APDU in abData: bPINOperation and the 14 bytes of the structure.
pub const STRUCTURE_LEN: usize = 15;

/// abData of the Secure message. `teo_prologue` is the T=1 prologue (NAD, PCB, LEN) the
/// reader puts before the APDU at TPDU level, zeros at APDU level.
pub fn verify_data(request: &PinVerifyRequest, teo_prologue: [u8; 3]) -> Vec<u8> {
    let mut data = Vec::with_capacity(STRUCTURE_LEN + request.apdu.len());
    data.extend_from_slice(&[
        PIN_VERIFICATION,
        request.timeout_seconds,
        request.format,
        request.pin_block,
        request.pin_length_format,
    ]);
    // wPINMaxExtraDigit XXYY: XX the fewest digits, YY the most, as a little-endian word.
    data.extend_from_slice(&u16::from_be_bytes([request.min_digits, request.max_digits]).to_le_bytes());
    data.extend_from_slice(&[request.entry_validation, request.messages]);
    data.extend_from_slice(&request.lang_id.to_le_bytes());
    data.push(request.message_index);
    data.extend_from_slice(&teo_prologue);
    data.extend_from_slice(&request.apdu);
    data
}

/// The fields a reader reads back out of [`verify_data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyData {
    pub timeout_seconds: u8,
    pub format: u8,
    pub pin_block: u8,
    pub pin_length_format: u8,
    pub min_digits: u8,
    pub max_digits: u8,
    pub entry_validation: u8,
    pub messages: u8,
    pub lang_id: u16,
    pub message_index: u8,
    pub teo_prologue: [u8; 3],
    pub apdu: Vec<u8>,
}

/// Reads abData of a Secure verification; `Err(offset)` names the first bad byte (what a
/// reader reports in bError).
pub fn parse_verify_data(data: &[u8]) -> Result<VerifyData, u8> {
    let [
        op,
        timeout,
        format,
        block,
        length_format,
        max,
        min,
        validation,
        messages,
        lang_lo,
        lang_hi,
        index,
        p0,
        p1,
        p2,
        apdu @ ..,
    ] = data
    else {
        return Err(1); // dwLength
    };
    if *op != PIN_VERIFICATION {
        return Err(10);
    }
    if apdu.len() < 5 {
        return Err(10 + STRUCTURE_LEN as u8);
    }
    Ok(VerifyData {
        timeout_seconds: *timeout,
        format: *format,
        pin_block: *block,
        pin_length_format: *length_format,
        min_digits: *min,
        max_digits: *max,
        entry_validation: *validation,
        messages: *messages,
        lang_id: u16::from_le_bytes([*lang_lo, *lang_hi]),
        message_index: *index,
        teo_prologue: [*p0, *p1, *p2],
        apdu: apdu.to_vec(),
    })
}

/// The reader's own ending of an entry, when the reply is one: cancelled or timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderEnding {
    Cancelled,
    TimedOut,
}

/// A failed reply with bError EF or F0 is the reader speaking, not a fault.
pub fn reader_ending(reply: &Message) -> Option<ReaderEnding> {
    if SlotStatus::from_byte(reply.specific[0]).command != CommandStatus::Failed {
        return None;
    }
    match reply.specific[1] {
        PIN_CANCELLED => Some(ReaderEnding::Cancelled),
        PIN_TIMEOUT => Some(ReaderEnding::TimedOut),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pinpad::PinPadPrompt;

    #[test]
    fn the_structure_for_a_four_digit_ascii_pin() {
        let request = PinVerifyRequest::ascii_digits([0x00, 0x20, 0x00, 0x80], 4, &PinPadPrompt::default());
        let data = verify_data(&request, [0, 0, 0]);
        assert_eq!(
            data,
            [
                0x00, // bPINOperation: verify
                30,   // bTimeOut
                0x82, // bmFormatString: bytes, offset 0, left, ASCII
                0x04, // bmPINBlockString: no length field, 4-byte block
                0x00, // bmPINLengthFormat
                0x04, 0x04, // wPINMaxExtraDigit 0404h: 4 to 4 digits
                0x02, // bEntryValidationCondition: OK key
                0x01, // bNumberMessage
                0x11, 0x04, // wLangId 0411h, Japanese
                0x00, // bMsgIndex
                0x00, 0x00, 0x00, // bTeoPrologue
                0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
            ]
        );
        let parsed = parse_verify_data(&data).unwrap();
        assert_eq!((parsed.min_digits, parsed.max_digits, parsed.lang_id), (4, 4, 0x0411));
        assert_eq!(parsed.apdu, request.apdu);
        assert_eq!(parse_verify_data(&data[..14]), Err(1));
    }

    #[test]
    fn cancel_and_timeout_are_the_readers_endings() {
        let reply = |status, error| Message { kind: 0x80, slot: 0, seq: 0, specific: [status, error, 0], data: vec![] };
        assert_eq!(reader_ending(&reply(0x40, PIN_CANCELLED)), Some(ReaderEnding::Cancelled));
        assert_eq!(reader_ending(&reply(0x40, PIN_TIMEOUT)), Some(ReaderEnding::TimedOut));
        assert_eq!(reader_ending(&reply(0x40, 0xFE)), None);
        assert_eq!(reader_ending(&reply(0x00, PIN_CANCELLED)), None);
    }
}
