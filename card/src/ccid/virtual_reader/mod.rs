//! The virtual card behind a virtual CCID reader that speaks CCID frames, so every path of
//! the driver runs natively: extended or short APDU level or TPDU, GET RESPONSE, time
//! extensions, replies split over transfers, chained commands and answers, a keypad, a
//! card pulled out, garbage. Like a real reader it keeps to its dwMaxCCIDMessageLength:
//! a longer message from the host, or an answer that would need one, fails with an error
//! status, so a driver that overreaches fails its tests. Dev and test builds only.

mod keypad;
mod profiles;

use std::collections::VecDeque;

pub use keypad::KeypadEntry;
pub use profiles::ReaderProfile;

use super::chain;
use super::descriptor::{CcidDescriptor, ExchangeLevel, LcdLayout, PinSupport};
use super::driver::BulkPipe;
use super::message::*;
use super::secure::{PC_TO_RDR_SECURE, VerifyData};
use super::usb_config::{CLASS_SMART_CARD, CLASS_VENDOR, encode_configuration};
use crate::apdu::{Command, Response, Status};
use crate::t1::virtual_side::T1Card;
use crate::transport::TransportError;
use crate::virtual_card::VirtualCard;

/// bError: the card does not answer (no card, not powered).
const ICC_MUTE: u8 = 0xFE;
/// bError: the command is not supported by this reader.
const CMD_NOT_SUPPORTED: u8 = 0x00;
/// bError: an answer longer than the reader can pass on.
const XFR_OVERRUN: u8 = 0xFC;
/// bError: the offset of dwLength, for a message over the limit.
const BAD_LENGTH: u8 = 0x01;
/// bError: the offset of wLevelParameter.
const BAD_LEVEL_PARAMETER: u8 = 0x08;

/// What crossed the bulk endpoints, for tests to judge the driver by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Longest message from the host and to the host, header included.
    pub longest_in: usize,
    pub longest_out: usize,
    /// Messages refused for being longer than the limit, either way.
    pub over_limit: u32,
    /// Parts of chained commands received and of chained answers sent.
    pub command_parts: u32,
    pub answer_parts: u32,
}

pub struct VirtualCcidReader {
    /// The card, with its T=1 side for TPDU level.
    t1: T1Card,
    descriptor: CcidDescriptor,
    interface_class: u8,
    interrupt_endpoint: bool,
    powered: bool,
    replies: VecDeque<Vec<u8>>,
    /// The NotifySlotChange waiting on the interrupt endpoint. One at most, as in a real
    /// reader: changes the host has not read yet merge into one message with the current
    /// state and the changed bit (CCID §6.3.1), not a history of every insertion.
    notification: Option<Vec<u8>>,
    /// Response bytes still to be fetched with GET RESPONSE, and the final status word.
    leftover: Option<(Vec<u8>, u16)>,
    /// A command arriving in parts (wLevelParameter 1, 3, 2).
    command_parts: Option<Vec<u8>>,
    /// The rest of an answer the host fetches part by part (wLevelParameter 0010h).
    answer_rest: Option<Vec<u8>>,
    /// Time-extension replies before each answer from the card.
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
    parameters_set: bool,
    keypad: keypad::Keypad,
    traffic: Traffic,
}

impl VirtualCcidReader {
    /// A reader at `level` with 65544-byte messages at extended level, 271 otherwise.
    pub fn new(card: VirtualCard, level: ExchangeLevel) -> Self {
        let max = if level == ExchangeLevel::ExtendedApdu { 65_544 } else { 271 };
        // Vendor class at TPDU level, like the SCR3310; the smart-card class otherwise.
        let class = if level == ExchangeLevel::Tpdu { CLASS_VENDOR } else { CLASS_SMART_CARD };
        Self::with_descriptor(card, CcidDescriptor::new(level, max), class)
    }

    /// A reader publishing exactly `descriptor` under interface class `class`.
    pub fn with_descriptor(card: VirtualCard, descriptor: CcidDescriptor, class: u8) -> Self {
        VirtualCcidReader {
            t1: T1Card::new(card, 0xFE),
            descriptor,
            interface_class: class,
            interrupt_endpoint: true,
            powered: false,
            replies: VecDeque::new(),
            notification: None,
            leftover: None,
            command_parts: None,
            answer_rest: None,
            time_extensions: 0,
            short_chunk: 256,
            transfer_size: 65_544,
            wrong_sequence_once: None,
            ifsc: 0xFE,
            t0: false,
            parameters_set: false,
            keypad: keypad::Keypad::default(),
            traffic: Traffic::default(),
        }
    }

    /// A reader that does not configure T=1 from the ATR: the host must SetParameters.
    pub fn without_automatic_parameters(mut self) -> Self {
        self.descriptor.features &= !super::descriptor::AUTOMATIC_PARAMETERS;
        self
    }

    /// Messages of at most `max` bytes, header included, both ways.
    pub fn with_max_message(mut self, max: u32) -> Self {
        self.descriptor.max_message_length = max;
        self
    }

    /// A keypad that verifies PINs, and a display if `lcd` says so.
    pub fn with_pin_pad(mut self, lcd: Option<LcdLayout>) -> Self {
        self.descriptor.pin_support = PinSupport { verify: true, modify: true };
        self.descriptor.lcd_layout = lcd;
        self
    }

    /// A reader without the interrupt endpoint: the host must poll for the card.
    pub fn without_interrupt_endpoint(mut self) -> Self {
        self.interrupt_endpoint = false;
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
        self.descriptor
    }

    fn level(&self) -> ExchangeLevel {
        self.descriptor.level
    }

    fn max_message(&self) -> usize {
        self.descriptor.max_message_length as usize
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic
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
        encode_configuration(self.interface_class, &self.descriptor.to_bytes(), self.interrupt_endpoint)
    }

    pub fn remove_card(&mut self) {
        self.t1.card.remove();
        self.powered = false;
        self.leftover = None;
        self.abandon_entry();
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
        self.reply_chained(kind, seq, command, error, chain::WHOLE, data);
    }

    fn reply_chained(&mut self, kind: u8, seq: u8, command: CommandStatus, error: u8, chain: u8, data: Vec<u8>) {
        let (command, error, data) = if HEADER_LEN + data.len() > self.max_message() {
            // A real reader cannot send it: the driver asked for more than fits.
            self.traffic.over_limit += 1;
            (CommandStatus::Failed, XFR_OVERRUN, Vec::new())
        } else {
            (command, error, data)
        };
        let status = SlotStatus { icc: self.icc(), command }.to_byte();
        let seq = self.wrong_sequence_once.take().unwrap_or(seq);
        let message = Message { kind, slot: 0, seq, specific: [status, error, chain], data };
        let bytes = message.encode();
        self.traffic.longest_out = self.traffic.longest_out.max(bytes.len());
        self.replies.push_back(bytes);
    }

    fn handle(&mut self, m: Message) {
        match m.kind {
            PC_TO_RDR_ICC_POWER_ON if self.t1.card.is_present() => {
                self.t1.card.insert();
                self.t1.reset();
                self.powered = true;
                self.parameters_set = false;
                self.command_parts = None;
                self.answer_rest = None;
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
            PC_TO_RDR_XFR_BLOCK if self.icc() == IccStatus::Active => self.xfr_block(m),
            PC_TO_RDR_SECURE if self.icc() == IccStatus::Active => self.secure(m),
            PC_TO_RDR_ICC_POWER_ON | PC_TO_RDR_XFR_BLOCK | PC_TO_RDR_SECURE => {
                self.reply(RDR_TO_PC_DATA_BLOCK, m.seq, CommandStatus::Failed, ICC_MUTE, Vec::new());
            }
            _ => self.reply(RDR_TO_PC_SLOT_STATUS, m.seq, CommandStatus::Failed, CMD_NOT_SUPPORTED, Vec::new()),
        }
    }

    fn fail_block(&mut self, seq: u8, error: u8) {
        self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Failed, error, Vec::new());
    }

    /// An XfrBlock: whole, a part of a long command, or a request for the next part of a
    /// long answer — wLevelParameter only at extended level, where CCID defines it.
    fn xfr_block(&mut self, m: Message) {
        let level_parameter = u16::from_le_bytes([m.specific[1], m.specific[2]]);
        if self.level() != ExchangeLevel::ExtendedApdu {
            if level_parameter != 0 {
                return self.fail_block(m.seq, BAD_LEVEL_PARAMETER);
            }
            return self.answer_from_card(m.seq, &m.data);
        }
        let level = u8::try_from(level_parameter).unwrap_or(0xFF);
        match (level, self.command_parts.take()) {
            (chain::WHOLE, None) => self.answer_from_card(m.seq, &m.data),
            (chain::BEGINS, None) => self.take_part(m.seq, m.data),
            (chain::CONTINUES, Some(mut parts)) => {
                parts.extend_from_slice(&m.data);
                self.take_part(m.seq, parts);
            }
            (chain::ENDS, Some(mut parts)) => {
                parts.extend_from_slice(&m.data);
                self.traffic.command_parts += 1;
                self.answer_from_card(m.seq, &parts);
            }
            (chain::NEXT_PART, None) if m.data.is_empty() && self.answer_rest.is_some() => self.next_answer_part(m.seq),
            _ => self.fail_block(m.seq, BAD_LEVEL_PARAMETER),
        }
    }

    fn take_part(&mut self, seq: u8, parts: Vec<u8>) {
        self.traffic.command_parts += 1;
        self.command_parts = Some(parts);
        self.reply_chained(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, chain::NEXT_PART, Vec::new());
    }

    fn answer_from_card(&mut self, seq: u8, bytes: &[u8]) {
        self.answer_rest = None;
        for _ in 0..self.time_extensions {
            self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::TimeExtension, 1, Vec::new());
        }
        match self.apdu(bytes) {
            Some(answer) => self.send_answer(seq, answer),
            None => self.fail_block(seq, CMD_NOT_SUPPORTED),
        }
    }

    /// Sends an answer whole, or at extended level as its first part when it is longer
    /// than one message.
    fn send_answer(&mut self, seq: u8, mut answer: Vec<u8>) {
        let room = self.max_message() - HEADER_LEN;
        if self.level() != ExchangeLevel::ExtendedApdu || answer.len() <= room {
            return self.reply(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, answer);
        }
        let rest = answer.split_off(room);
        self.answer_rest = Some(rest);
        self.traffic.answer_parts += 1;
        self.reply_chained(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, chain::BEGINS, answer);
    }

    fn next_answer_part(&mut self, seq: u8) {
        let Some(mut part) = self.answer_rest.take() else { return self.fail_block(seq, BAD_LEVEL_PARAMETER) };
        let room = self.max_message() - HEADER_LEN;
        let chain = if part.len() > room {
            self.answer_rest = Some(part.split_off(room));
            chain::CONTINUES
        } else {
            chain::ENDS
        };
        self.traffic.answer_parts += 1;
        self.reply_chained(RDR_TO_PC_DATA_BLOCK, seq, CommandStatus::Ok, 0, chain, part);
    }

    /// The card's answer as this reader passes it on; `None` when the reader refuses.
    fn apdu(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if self.level() == ExchangeLevel::Tpdu && !self.t0 {
            // Without parameters the reader does not run T=1: the command fails.
            let ready = self.descriptor.automatic_parameters() || self.parameters_set;
            return ready.then(|| self.t1.handle(apdu));
        }
        if self.level() == ExchangeLevel::ExtendedApdu {
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
        let chunk = if self.level() == ExchangeLevel::Tpdu && !command.data.is_empty() { 0 } else { self.short_chunk };
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

    /// Every Secure verification the host sent, as the reader read it (no PIN in it).
    pub fn secure_requests(&self) -> &[VerifyData] {
        self.keypad.requests()
    }
}

impl BulkPipe for VirtualCcidReader {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.traffic.longest_in = self.traffic.longest_in.max(bytes.len());
        if bytes.len() > self.max_message() {
            // Refused like a bad dwLength: the driver sent more than the reader takes.
            self.traffic.over_limit += 1;
            let (header, _) = Message::parse_header(bytes).map_err(|e| TransportError::Reader(e.to_string()))?;
            let status = SlotStatus { icc: self.icc(), command: CommandStatus::Failed }.to_byte();
            let refusal = Message {
                kind: RDR_TO_PC_DATA_BLOCK,
                slot: 0,
                seq: header.seq,
                specific: [status, BAD_LENGTH, 0],
                data: vec![],
            };
            self.replies.push_back(refusal.encode());
            return Ok(());
        }
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
