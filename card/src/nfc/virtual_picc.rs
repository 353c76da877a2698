//! The virtual JPKI card as a Type B card: ISO/IEC 14443-3 states (IDLE, READY, ACTIVE,
//! HALT) and the card's side of ISO-DEP, following the PICC rules to the letter — every
//! I-block received is executed, a duplicate too, so a host that resent a VERIFY blindly
//! would be caught by the VERIFY count. It can ask for waiting-time extensions and then
//! take longer than its FWT. Dev and test builds only.

use zeroize::Zeroizing;

use super::block::Block;
use super::typeb::{Atqb, FRAME_SIZES};
use crate::virtual_card::VirtualCard;

/// How soon the card answers an ordinary frame.
pub const ANSWER_DELAY_US: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiccState {
    Idle,
    Ready,
    Active,
    Halt,
}

/// One frame from the card and how long after the PCD's frame it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiccAnswer {
    pub frame: Vec<u8>,
    pub delay_us: u32,
}

pub struct VirtualTypeBCard {
    pub card: VirtualCard,
    atqb: Atqb,
    state: PiccState,
    /// The PICC's block number (1 at activation).
    bn: u8,
    fsd: usize,
    rx: Zeroizing<Vec<u8>>,
    tx: Vec<u8>,
    last: Vec<u8>,
    wtx_left: u32,
    awaiting_wtx_response: bool,
    /// S(WTX) requests before the answer to each APDU.
    pub wtx_per_answer: u32,
    /// The WTXM the card asks for; it then answers after 0.9 × WTXM × FWT.
    pub wtxm: u8,
    /// APDUs executed, and the longest command APDU received (to see chaining work).
    pub apdus: u32,
    pub longest_command: usize,
}

impl VirtualTypeBCard {
    /// A card that takes 256-byte frames and has an FWT of 77 ms (FWI 8). These values are
    /// chosen for tests, not recorded from a real My Number card.
    pub fn new(card: VirtualCard) -> Self {
        let atqb = Atqb {
            pupi: *b"KOFU",
            application_data: [0; 4],
            bit_rates: 0x00,
            fsci: 8,
            protocol_type: 0x01,
            fwi: 8,
            adc: 0,
            nad_supported: false,
            cid_supported: true,
            sfgi: 0,
        };
        VirtualTypeBCard {
            card,
            atqb,
            state: PiccState::Idle,
            bn: 1,
            fsd: 256,
            rx: Zeroizing::new(Vec::new()),
            tx: Vec::new(),
            last: Vec::new(),
            wtx_left: 0,
            awaiting_wtx_response: false,
            wtx_per_answer: 0,
            wtxm: 3,
            apdus: 0,
            longest_command: 0,
        }
    }

    /// A card that takes at most this frame size (FSCI 0..=8), so the host must chain.
    pub fn with_fsci(mut self, fsci: u8) -> Self {
        self.atqb.fsci = fsci.min(8);
        self
    }

    pub fn with_fwi(mut self, fwi: u8) -> Self {
        self.atqb.fwi = fwi.min(14);
        self
    }

    pub fn atqb(&self) -> &Atqb {
        &self.atqb
    }

    pub fn state(&self) -> PiccState {
        self.state
    }

    /// The card loses power (field off, or it left the field): back to IDLE, the JPKI
    /// session (PIN verified, selected files) gone.
    pub fn power_off(&mut self) {
        self.state = PiccState::Idle;
        self.rx.clear();
        self.tx.clear();
        self.last.clear();
        self.awaiting_wtx_response = false;
        self.card.insert();
    }

    /// The card's answer to one frame from the PCD; `None` when it stays silent.
    pub fn receive(&mut self, frame: &[u8]) -> Option<PiccAnswer> {
        match self.state {
            PiccState::Idle | PiccState::Halt => self.polled(frame),
            PiccState::Ready => match frame {
                [0x05, ..] => self.polled(frame),
                [0x1D, a, b, c, d, _, param2, _, param4, ..] if [*a, *b, *c, *d] == self.atqb.pupi => {
                    self.fsd = FRAME_SIZES[usize::from((param2 & 0x0F).min(8))];
                    self.state = PiccState::Active;
                    self.bn = 1;
                    self.tx.clear();
                    self.rx.clear();
                    Some(quick(vec![param4 & 0x0F]))
                }
                [0x50, a, b, c, d] if [*a, *b, *c, *d] == self.atqb.pupi => {
                    self.state = PiccState::Halt;
                    Some(quick(vec![0x00]))
                }
                _ => None,
            },
            PiccState::Active => self.iso_dep(frame),
        }
    }

    /// REQB/WUPB: IDLE and READY answer both, HALT only WUPB.
    fn polled(&mut self, frame: &[u8]) -> Option<PiccAnswer> {
        let [0x05, afi, param] = *frame else { return None };
        let wakeup = param & 0x08 != 0;
        // The card's family is 0: it answers only AFI 00 (all families).
        if afi != 0 || (self.state == PiccState::Halt && !wakeup) {
            return None;
        }
        self.state = PiccState::Ready;
        Some(quick(self.atqb.encode()))
    }

    fn iso_dep(&mut self, frame: &[u8]) -> Option<PiccAnswer> {
        if frame.len() + 2 > self.atqb.fsc() {
            return None;
        }
        // An invalid block is ignored; the card stays listening.
        let block = Block::parse(frame).ok()?;
        match block {
            Block::I { more, inf, .. } => {
                self.bn ^= 1;
                self.rx.extend_from_slice(&inf);
                if more {
                    return Some(self.send(Block::ack(self.bn), ANSWER_DELAY_US));
                }
                let apdu = Zeroizing::new(std::mem::take(&mut *self.rx));
                self.longest_command = self.longest_command.max(apdu.len());
                self.apdus += 1;
                self.tx = self.card.process(&apdu).encode();
                self.wtx_left = self.wtx_per_answer;
                if self.wtx_left > 0 {
                    return Some(self.request_wtx());
                }
                Some(self.next_chunk(ANSWER_DELAY_US))
            }
            Block::R { nak: false, bn } if bn != self.bn => {
                self.bn ^= 1;
                (!self.tx.is_empty()).then(|| self.next_chunk(ANSWER_DELAY_US))
            }
            Block::R { nak: true, bn } if bn != self.bn => Some(self.send(Block::ack(self.bn), ANSWER_DELAY_US)),
            Block::R { .. } => (!self.last.is_empty()).then(|| quick(self.last.clone())),
            Block::Wtx { .. } if self.awaiting_wtx_response => {
                self.awaiting_wtx_response = false;
                if self.wtx_left > 0 {
                    return Some(self.request_wtx());
                }
                let slow = self.atqb.fwt_us().saturating_mul(u32::from(self.wtxm)) / 10 * 9;
                Some(self.next_chunk(slow))
            }
            Block::Wtx { .. } => None,
            Block::Deselect => {
                self.state = PiccState::Halt;
                Some(quick(Block::Deselect.encode()))
            }
        }
    }

    fn request_wtx(&mut self) -> PiccAnswer {
        self.wtx_left -= 1;
        self.awaiting_wtx_response = true;
        self.send(Block::Wtx { inf: self.wtxm }, ANSWER_DELAY_US)
    }

    fn next_chunk(&mut self, delay_us: u32) -> PiccAnswer {
        let n = self.tx.len().min(self.fsd - 3);
        let inf: Vec<u8> = self.tx.drain(..n).collect();
        self.send(Block::I { bn: self.bn, more: !self.tx.is_empty(), inf }, delay_us)
    }

    fn send(&mut self, block: Block, delay_us: u32) -> PiccAnswer {
        self.last = block.encode();
        PiccAnswer { frame: self.last.clone(), delay_us }
    }
}

fn quick(frame: Vec<u8>) -> PiccAnswer {
    PiccAnswer { frame, delay_us: ANSWER_DELAY_US }
}
