//! The virtual card behind a virtual CCID reader that speaks CCID frames, so every path of
//! the driver runs natively: extended or short APDU level, GET RESPONSE, time extensions,
//! replies split over transfers, a card pulled out, garbage. Dev and test builds only.

use std::collections::VecDeque;

use super::descriptor::{CcidDescriptor, ExchangeLevel};
use super::driver::BulkPipe;
use super::message::*;
use super::usb_config::{CLASS_SMART_CARD, CLASS_VENDOR, encode_configuration};
use crate::apdu::{Command, Response, Status};
use crate::t1::virtual_side::T1Card;
use crate::transport::TransportError;
use crate::virtual_card::VirtualCard;

/// bError: the card does not answer (no card, not powered).
const ICC_MUTE: u8 = 0xFE;
/// bError: the command is not supported by this reader.
const CMD_NOT_SUPPORTED: u8 = 0x00;

pub struct VirtualCcidReader {
    /// The card, with its T=1 side for TPDU level.
    t1: T1Card,
    level: ExchangeLevel,
    powered: bool,
    replies: VecDeque<Vec<u8>>,
    /// The NotifySlotChange waiting on the interrupt endpoint. One at most, as in a real
    /// reader: changes the host has not read yet merge into one message with the current
    /// state and the changed bit (CCID §6.3.1), not a history of every insertion.
    notification: Option<Vec<u8>>,
    /// Response bytes still to be fetched with GET RESPONSE, and the final status word.
    leftover: Option<(Vec<u8>, u16)>,
    /// Time-extension replies before each XfrBlock answer.
    pub time_extensions: u32,
    /// At short level, answers longer than this come as a part and `61xx`.
    pub short_chunk: usize,
    /// Split each reply into bulk-IN transfers of this many bytes.
    pub transfer_size: usize,
    /// Answer the next command with this sequence number instead of the right one.
    pub wrong_sequence_once: Option<u8>,
    /// The card's T=1 receive size, announced in its ATR (TA3).
    ifsc: u8,
    /// At TPDU level, the card speaks T=0 instead of T=1.
    t0: bool,
    /// Like many TPDU readers, this one needs SetParameters before T=1 blocks.
    needs_parameters: bool,
    parameters_set: bool,
}

impl VirtualCcidReader {
    pub fn new(card: VirtualCard, level: ExchangeLevel) -> Self {
        VirtualCcidReader {
            t1: T1Card::new(card, 0xFE),
            level,
            powered: false,
            replies: VecDeque::new(),
            notification: None,
            leftover: None,
            time_extensions: 0,
            short_chunk: 256,
            transfer_size: 65_544,
            wrong_sequence_once: None,
            ifsc: 0xFE,
            t0: false,
            needs_parameters: false,
            parameters_set: false,
        }
    }

    /// A reader that does not configure T=1 from the ATR: the host must SetParameters.
    pub fn without_automatic_parameters(mut self) -> Self {
        self.needs_parameters = true;
        self
    }

    /// A card that speaks T=0: at TPDU level the host maps APDUs to TPDUs itself.
    pub fn t0_card(mut self) -> Self {
        self.t0 = true;
        self
    }

    /// A card that takes at most `ifsc` bytes per T=1 block, so the host must chain.
    pub fn with_ifsc(mut self, ifsc: u8) -> Self {
        self.ifsc = ifsc;
        self.t1.set_ifsc(ifsc);
        self
    }

    /// The contact ATR seen on My Number cards (FACTS.md), with TA3 = IFSC.
    fn atr(&self) -> Vec<u8> {
        if self.t0 {
            return vec![0x3B, 0x02, 0x14, 0x50];
        }
        let mut atr = vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, self.ifsc, 0x45];
        let tck = atr[1..].iter().fold(0u8, |x, b| x ^ b);
        atr.push(tck);
        atr
    }

    pub fn descriptor(&self) -> CcidDescriptor {
        let max = if self.level == ExchangeLevel::ExtendedApdu { 65_544 } else { 271 };
        // 271-byte messages fit one 254-byte T=1 block plus framing, as on the SCR3310.
        // Encoding then parsing our own bytes cannot fail.
        let bytes = CcidDescriptor::encode_with(self.level, max, !self.needs_parameters);
        CcidDescriptor::parse(&bytes).unwrap_or(CcidDescriptor {
            max_slot_index: 0,
            protocols: 2,
            max_ifsd: 254,
            features: 0,
            max_message_length: max,
            level: self.level,
        })
    }

    pub fn card(&self) -> &VirtualCard {
        &self.t1.card
    }

    /// The card's T=1 side, to inject waiting-time extensions and damaged blocks.
    pub fn t1_mut(&mut self) -> &mut T1Card {
        &mut self.t1
    }

    /// The whole USB configuration descriptor, as a WebUSB host reads it.
    pub fn configuration_descriptor(&self) -> Vec<u8> {
        let max = if self.level == ExchangeLevel::ExtendedApdu { 65_544 } else { 271 };
        let ccid = CcidDescriptor::encode_with(self.level, max, !self.needs_parameters);
        // Vendor class at TPDU level, like the SCR3310; the smart-card class otherwise.
        let class = if self.level == ExchangeLevel::Tpdu { CLASS_VENDOR } else { CLASS_SMART_CARD };
        encode_configuration(class, &ccid, true)
    }

    pub fn remove_card(&mut self) {
        self.t1.card.remove();
        self.powered = false;
        self.leftover = None;
        self.notify(false);
    }

    pub fn insert_card(&mut self) {
        self.t1.card.insert();
        self.powered = false;
        self.leftover = None;
        self.notify(true);
    }

    fn notify(&mut self, present: bool) {
        self.notification = Some(vec![RDR_TO_PC_NOTIFY_SLOT_CHANGE, 0b10 | u8::from(present)]);
    }

    /// The next NotifySlotChange for the interrupt endpoint, if a card came or went.
    pub fn next_notification(&mut self) -> Option<Vec<u8>> {
        self.notification.take()
    }

    fn icc(&self) -> IccStatus {
        match (self.t1.card.is_present(), self.powered) {
            (false, _) => IccStatus::Absent,
            (true, false) => IccStatus::Inactive,
            (true, true) => IccStatus::Active,
        }
    }

    fn reply(&mut self, kind: u8, seq: u8, command: CommandStatus, error: u8, data: Vec<u8>) {
        let status = SlotStatus { icc: self.icc(), command }.to_byte();
        let seq = self.wrong_sequence_once.take().unwrap_or(seq);
        let message = Message { kind, slot: 0, seq, specific: [status, error, 0], data };
        self.replies.push_back(message.encode());
    }

    fn handle(&mut self, m: Message) {
        match m.kind {
            PC_TO_RDR_ICC_POWER_ON if self.t1.card.is_present() => {
                self.t1.card.insert();
                self.t1.reset();
                self.powered = true;
                self.parameters_set = false;
                let atr = self.atr();
                self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::Ok, 0, atr);
            }
            PC_TO_RDR_ICC_POWER_OFF => {
                self.powered = false;
                self.reply(RDR_TO_PC_SLOT_STATUS, m.seq, CommandStatus::Ok, 0, Vec::new());
            }
            PC_TO_RDR_SET_PARAMETERS if m.specific[0] == 1 && m.data.len() == 7 && self.powered => {
                // bmTCCKST1 0x10: T=1 with LRC, the only checksum this card speaks.
                let ok = m.data[1] == 0x10;
                self.parameters_set = ok;
                let (status, error) = if ok { (CommandStatus::Ok, 0) } else { (CommandStatus::Failed, 10) };
                self.reply(RDR_TO_PC_PARAMETERS, m.seq, status, error, m.data.clone());
            }
            PC_TO_RDR_GET_SLOT_STATUS => {
                let command = if self.t1.card.is_present() { CommandStatus::Ok } else { CommandStatus::Failed };
                self.reply(RDR_TO_PC_SLOT_STATUS, m.seq, command, ICC_MUTE, Vec::new());
            }
            PC_TO_RDR_XFR_BLOCK if self.icc() == IccStatus::Active => {
                for _ in 0..self.time_extensions {
                    self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::TimeExtension, 1, Vec::new());
                }
                match self.apdu(&m.data) {
                    Some(answer) => self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::Ok, 0, answer),
                    None => {
                        self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::Failed, CMD_NOT_SUPPORTED, Vec::new())
                    }
                }
            }
            PC_TO_RDR_ICC_POWER_ON | PC_TO_RDR_XFR_BLOCK => {
                self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::Failed, ICC_MUTE, Vec::new());
            }
            _ => self.reply(RDR_TO_PC_SLOT_STATUS, m.seq, CommandStatus::Failed, CMD_NOT_SUPPORTED, Vec::new()),
        }
    }

    /// The card's answer as this reader passes it on; `None` when the reader refuses.
    fn apdu(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if self.level == ExchangeLevel::Tpdu && !self.t0 {
            // Without parameters the reader does not run T=1: the command fails.
            return (!self.needs_parameters || self.parameters_set).then(|| self.t1.handle(apdu));
        }
        if self.level == ExchangeLevel::ExtendedApdu {
            return Some(self.t1.card.process(apdu).encode());
        }
        let command = Command::parse(apdu).ok()?;
        if !command.fits_short() {
            return None;
        }
        if (command.cla, command.ins) == (0x00, 0xC0) {
            let (rest, sw) = self.leftover.take()?;
            return Some(self.chunked(rest, sw, command.le.unwrap_or(256) as usize));
        }
        let Response { data, sw } = self.t1.card.process(apdu);
        // T=0 carries no Le with data: a case-4 answer always waits behind 61xx.
        let chunk = if self.level == ExchangeLevel::Tpdu && !command.data.is_empty() { 0 } else { self.short_chunk };
        Some(self.chunked(data, sw, chunk))
    }

    fn chunked(&mut self, mut data: Vec<u8>, sw: u16, chunk: usize) -> Vec<u8> {
        if data.len() <= chunk {
            return Response { data, sw }.encode();
        }
        let rest = data.split_off(chunk);
        let more = rest.len().min(256) as u8; // 0 means 256
        self.leftover = Some((rest, sw));
        Response { data, sw: Status::MoreAvailable(more).to_sw() }.encode()
    }
}

impl BulkPipe for VirtualCcidReader {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let message = Message::parse(bytes).map_err(|e| TransportError::Reader(e.to_string()))?;
        self.handle(message);
        Ok(())
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        let Some(mut reply) = self.replies.pop_front() else {
            return Err(TransportError::Timeout);
        };
        let size = self.transfer_size.min(max_len).max(1);
        if reply.len() > size {
            let rest = reply.split_off(size);
            self.replies.push_front(rest);
        }
        Ok(reply)
    }
}
