//! The card's side of T=1 for the virtual card, so a TPDU-level virtual reader exercises
//! the host's chaining, waiting-time extensions and error recovery natively.

use super::block::{Block, MAX_INF, Pcb, SKind};
use crate::virtual_card::VirtualCard;

pub struct T1Card {
    pub card: VirtualCard,
    ns: u8,
    nr: u8,
    ifsd: usize,
    ifsc: usize,
    rx: Vec<u8>,
    tx: Vec<u8>,
    last_sent: Vec<u8>,
    wtx_left: u32,
    /// Waiting-time extensions requested before each answer.
    pub wtx_per_answer: u32,
    /// Replies to send with a damaged LRC (each is then repaired on the host's R(error)).
    pub damage_next: u32,
}

impl T1Card {
    /// `ifsc`: what the card accepts per block, announced in its ATR.
    pub fn new(card: VirtualCard, ifsc: u8) -> Self {
        T1Card {
            card,
            ns: 0,
            nr: 0,
            ifsd: 32,
            ifsc: usize::from(ifsc).clamp(1, MAX_INF),
            rx: Vec::new(),
            tx: Vec::new(),
            last_sent: Vec::new(),
            wtx_left: 0,
            wtx_per_answer: 0,
            damage_next: 0,
        }
    }

    pub fn set_ifsc(&mut self, ifsc: u8) {
        self.ifsc = usize::from(ifsc).clamp(1, MAX_INF);
    }

    /// Power-up: sequence numbers and sizes start again.
    pub fn reset(&mut self) {
        (self.ns, self.nr, self.ifsd, self.wtx_left) = (0, 0, 32, 0);
        self.rx.clear();
        self.tx.clear();
        self.last_sent.clear();
    }

    /// Takes one block from the host and returns the card's next block.
    pub fn handle(&mut self, bytes: &[u8]) -> Vec<u8> {
        let Ok(block) = Block::parse(bytes) else {
            return self.send(Block::new(Pcb::R { nr: self.nr, error: true }, &[]));
        };
        match block.pcb {
            Pcb::I { ns, more } if ns == self.nr && block.inf.len() <= self.ifsc => {
                self.nr ^= 1;
                self.rx.extend_from_slice(&block.inf);
                if more {
                    return self.send(Block::new(Pcb::R { nr: self.nr, error: false }, &[]));
                }
                let apdu = std::mem::take(&mut self.rx);
                self.tx = self.card.process(&apdu).encode();
                self.wtx_left = self.wtx_per_answer;
                self.answer()
            }
            Pcb::R { nr, .. } if nr == self.ns && !self.tx.is_empty() => self.next_chunk(),
            Pcb::R { .. } => self.resend(),
            Pcb::S { kind: SKind::Wtx, response: true } => self.answer(),
            Pcb::S { kind: SKind::Ifs, response: false } => {
                if let [ifsd] = block.inf[..] {
                    self.ifsd = usize::from(ifsd).clamp(1, MAX_INF);
                }
                self.send(Block::new(Pcb::S { kind: SKind::Ifs, response: true }, &block.inf))
            }
            Pcb::S { kind: SKind::Resynch, response: false } => {
                (self.ns, self.nr) = (0, 0);
                self.send(Block::new(Pcb::S { kind: SKind::Resynch, response: true }, &[]))
            }
            _ => self.send(Block::new(Pcb::R { nr: self.nr, error: true }, &[])),
        }
    }

    fn answer(&mut self) -> Vec<u8> {
        if self.wtx_left > 0 {
            self.wtx_left -= 1;
            return self.send(Block::new(Pcb::S { kind: SKind::Wtx, response: false }, &[1]));
        }
        self.next_chunk()
    }

    fn next_chunk(&mut self) -> Vec<u8> {
        let n = self.tx.len().min(self.ifsd);
        let chunk: Vec<u8> = self.tx.drain(..n).collect();
        let block = Block::new(Pcb::I { ns: self.ns, more: !self.tx.is_empty() }, &chunk);
        self.ns ^= 1;
        self.send(block)
    }

    fn resend(&mut self) -> Vec<u8> {
        self.last_sent.clone()
    }

    fn send(&mut self, block: Block) -> Vec<u8> {
        self.last_sent = block.encode();
        let mut out = self.last_sent.clone();
        if self.damage_next > 0 {
            self.damage_next -= 1;
            if let Some(lrc) = out.last_mut() {
                *lrc ^= 0xFF;
            }
        }
        out
    }
}
