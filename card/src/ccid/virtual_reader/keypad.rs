//! The virtual reader's keypad: `PC_to_RDR_Secure` checked field by field as a strict
//! reader would, then completed from a scripted entry — digits, Cancel, or no entry before
//! the timeout — so tests decide what the resident does and the PIN never passes the host.

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::{BAD_LEVEL_PARAMETER, CMD_NOT_SUPPORTED, ICC_MUTE, VirtualCcidReader};
use crate::ccid::descriptor::ExchangeLevel;
use crate::ccid::message::{CommandStatus, Message, RDR_TO_PC_DATA_BLOCK};
use crate::ccid::secure::{PIN_CANCELLED, PIN_TIMEOUT, VerifyData, parse_verify_data};
use crate::pinpad::FORMAT_ASCII_BYTES_AT_0;

/// What the resident does at the reader's keypad.
pub enum KeypadEntry {
    /// Types these ASCII digits and presses OK.
    Digits(Zeroizing<Vec<u8>>),
    /// Presses Cancel.
    Cancel,
    /// Walks away: the reader's timeout runs out.
    Timeout,
}

impl KeypadEntry {
    /// Digits typed on the keypad; `None` unless 1–16 ASCII digits.
    pub fn digits(text: &str) -> Option<Self> {
        let ok = (1..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| KeypadEntry::Digits(Zeroizing::new(text.as_bytes().to_vec())))
    }
}

impl std::fmt::Debug for KeypadEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeypadEntry::Digits(_) => "Digits(****)",
            KeypadEntry::Cancel => "Cancel",
            KeypadEntry::Timeout => "Timeout",
        })
    }
}

#[derive(Default)]
pub(super) struct Keypad {
    entries: VecDeque<KeypadEntry>,
    /// A Secure command waiting for the resident, and what the reader read from it.
    waiting: Option<(u8, VerifyData)>,
    requests: Vec<VerifyData>,
    /// Report Cancel and timeout as SW `64 01` / `64 00` instead of bError EF / F0.
    statuses_as_sw: bool,
}

impl Keypad {
    pub(super) fn requests(&self) -> &[VerifyData] {
        &self.requests
    }
}

// Offsets of the fields in the Secure message, which a reader reports in bError.
const AT_FORMAT: u8 = 12;
const AT_BLOCK: u8 = 13;
const AT_DIGITS: u8 = 15;
const AT_VALIDATION: u8 = 17;
const AT_PROLOGUE: u8 = 22;
const AT_APDU: u8 = 25;

impl VirtualCcidReader {
    /// Cancel and timeout come back as status words, as some readers report them.
    pub fn reporting_pin_statuses_as_sw(mut self) -> Self {
        self.keypad.statuses_as_sw = true;
        self
    }

    /// What the resident does next at the keypad; answers a waiting Secure at once.
    pub fn press(&mut self, entry: KeypadEntry) {
        self.keypad.entries.push_back(entry);
        if let Some((seq, request)) = self.keypad.waiting.take() {
            self.complete_entry(seq, request);
        }
    }

    /// Whether a Secure command is waiting for the resident.
    pub fn awaiting_entry(&self) -> bool {
        self.keypad.waiting.is_some()
    }

    pub(super) fn abandon_entry(&mut self) {
        if let Some((seq, _)) = self.keypad.waiting.take() {
            self.fail_block(seq, ICC_MUTE);
        }
    }

    pub(super) fn secure(&mut self, m: Message) {
        if !self.descriptor.pin_support.verify {
            return self.fail_block(m.seq, CMD_NOT_SUPPORTED);
        }
        if m.specific[1..] != [0, 0] {
            return self.fail_block(m.seq, BAD_LEVEL_PARAMETER);
        }
        let request = match parse_verify_data(&m.data).and_then(|r| self.check(r)) {
            Ok(request) => request,
            Err(offset) => return self.fail_block(m.seq, offset),
        };
        self.keypad.requests.push(request.clone());
        if self.keypad.entries.is_empty() {
            self.keypad.waiting = Some((m.seq, request));
        } else {
            self.complete_entry(m.seq, request);
        }
    }

    /// The structure as a strict reader takes it: ASCII digits in bytes, a PIN block
    /// holding the most digits, a template with room for it, the T=1 prologue at TPDU
    /// level and none elsewhere.
    fn check(&self, r: VerifyData) -> Result<VerifyData, u8> {
        let block = usize::from(r.pin_block & 0x0F);
        if r.format & 0x87 != FORMAT_ASCII_BYTES_AT_0 {
            return Err(AT_FORMAT);
        }
        let position = usize::from((r.format >> 3) & 0x0F);
        if r.pin_block >> 4 != 0 || block < usize::from(r.max_digits) {
            return Err(AT_BLOCK);
        }
        if r.min_digits == 0 || r.min_digits > r.max_digits {
            return Err(AT_DIGITS);
        }
        if r.entry_validation == 0 || r.entry_validation > 0x07 {
            return Err(AT_VALIDATION);
        }
        if r.apdu.len() != 5 + position + block || usize::from(r.apdu[4]) != r.apdu.len() - 5 {
            return Err(AT_APDU);
        }
        let t1 = self.level() == ExchangeLevel::Tpdu && !self.t0;
        let prologue_ok = if t1 {
            let [nad, pcb, len] = r.teo_prologue;
            nad == 0 && pcb & 0xBF == 0 && usize::from(len) == r.apdu.len()
        } else {
            r.teo_prologue == [0, 0, 0]
        };
        if !prologue_ok {
            return Err(AT_PROLOGUE);
        }
        Ok(r)
    }

    fn complete_entry(&mut self, seq: u8, request: VerifyData) {
        let Some(entry) = self.keypad.entries.pop_front() else {
            self.keypad.waiting = Some((seq, request));
            return;
        };
        for _ in 0..self.time_extensions {
            self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::TimeExtension, 1, Vec::new());
        }
        let (sw, error) = match entry {
            KeypadEntry::Cancel => ([0x64, 0x01], PIN_CANCELLED),
            KeypadEntry::Timeout => ([0x64, 0x00], PIN_TIMEOUT),
            KeypadEntry::Digits(digits) => {
                let answer = self.send_with_pin(&request, &digits);
                return self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, answer);
            }
        };
        if self.keypad.statuses_as_sw {
            self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, sw.to_vec());
        } else {
            self.fail_block(seq, error);
        }
    }

    /// The template completed with the digits, to the card: as a T=1 I-block at TPDU
    /// level (the card's block comes back as it is), else as the APDU. A count of digits
    /// the template does not allow is refused with `64 03` and reaches no card.
    fn send_with_pin(&mut self, request: &VerifyData, digits: &[u8]) -> Vec<u8> {
        if !(usize::from(request.min_digits)..=usize::from(request.max_digits)).contains(&digits.len()) {
            return vec![0x64, 0x03];
        }
        let position = 5 + usize::from((request.format >> 3) & 0x0F);
        let mut apdu = Zeroizing::new(request.apdu.clone());
        apdu[position..position + digits.len()].copy_from_slice(digits);
        if self.level() == ExchangeLevel::Tpdu && !self.t0 {
            // The reader's block: our prologue, the completed APDU, its LRC.
            let mut block = Zeroizing::new(request.teo_prologue.to_vec());
            block.extend_from_slice(&apdu);
            let lrc = block.iter().fold(0, |x, b| x ^ b);
            block.push(lrc);
            return self.t1.handle(&block);
        }
        self.t1.card.process(&apdu).encode()
    }
}
