//! A virtual RC-S380 at USB frame level with the virtual Type B card in its field, so the
//! whole stack runs natively: frames and checksums, ACKs, the zero-length packet rule (a
//! transfer that fills its last packet is not processed until one comes), the chip's
//! settings (InCommRF fails unless 106 kbps Type B with CRC and SOF/EOF is set), InCommRF
//! timeouts against the card's answer time, and faults in the field: frames lost or
//! damaged either way, the card lifted before or after a frame. Dev and test builds only.

use std::collections::{BTreeMap, VecDeque};

use super::command::*;
use super::driver::MAX_PACKET;
use super::frame::{self, ACK, ERROR_FRAME, Frame};
use crate::ccid::BulkPipe;
use crate::nfc::virtual_picc::VirtualTypeBCard;
use crate::transport::TransportError;
use crate::virtual_card::VirtualCard;

/// Something that happens to one RF exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFault {
    /// The card never hears the frame.
    LoseCommand,
    /// The card hears it with a bad CRC and ignores it.
    DamageCommand,
    /// The card answers; the answer is lost.
    LoseAnswer,
    /// The card answers; the reader receives it with a CRC error.
    DamageAnswer,
    /// The card leaves the field before the frame.
    LiftBefore,
    /// The card takes the frame, then leaves before answering.
    LiftAfter,
}

pub struct VirtualRcs380 {
    picc: VirtualTypeBCard,
    in_field: bool,
    command_type: Option<u8>,
    rf: Option<[u8; 4]>,
    settings: [u8; 0x14],
    pending_out: Vec<u8>,
    replies: VecDeque<Vec<u8>>,
    faults: BTreeMap<u32, FieldFault>,
    rf_frames: u32,
    /// Split each reply into bulk-IN transfers of this many bytes.
    pub transfer_size: usize,
    /// InCommRF exchanges that ended in a timeout, and every timeout parameter asked for.
    pub rf_timeouts: u32,
    pub timeout_params: Vec<u16>,
    /// Commands received, by code.
    pub commands: Vec<u8>,
}

impl VirtualRcs380 {
    /// The reader with `card` in its field.
    pub fn new(card: VirtualTypeBCard) -> Self {
        VirtualRcs380 {
            picc: card,
            in_field: true,
            command_type: None,
            rf: None,
            settings: [0; 0x14],
            pending_out: Vec::new(),
            replies: VecDeque::new(),
            faults: BTreeMap::new(),
            rf_frames: 0,
            transfer_size: 512,
            rf_timeouts: 0,
            timeout_params: Vec::new(),
            commands: Vec::new(),
        }
    }

    /// The default virtual My Number card in the field.
    pub fn with_card(card: VirtualCard) -> Self {
        VirtualRcs380::new(VirtualTypeBCard::new(card))
    }

    pub fn picc(&self) -> &VirtualTypeBCard {
        &self.picc
    }

    pub fn picc_mut(&mut self) -> &mut VirtualTypeBCard {
        &mut self.picc
    }

    pub fn card(&self) -> &VirtualCard {
        &self.picc.card
    }

    pub fn card_in_field(&self) -> bool {
        self.in_field
    }

    /// The resident lifts the card off the reader: it loses power and its session.
    pub fn lift_card(&mut self) {
        self.in_field = false;
        self.picc.power_off();
    }

    /// The card is put on the reader (it powers up in IDLE).
    pub fn place_card(&mut self) {
        if !self.in_field {
            self.picc.power_off();
            self.in_field = true;
        }
    }

    /// Makes `fault` happen to RF exchange number `index` (counted from 0).
    pub fn schedule(&mut self, index: u32, fault: FieldFault) {
        self.faults.insert(index, fault);
    }

    /// RF exchanges so far.
    pub fn rf_frames(&self) -> u32 {
        self.rf_frames
    }

    /// The USB configuration the real reader presents: one vendor-class interface, bulk
    /// IN 1 and bulk OUT 2, 64-byte packets.
    pub fn configuration_descriptor() -> Vec<u8> {
        vec![
            0x09, 0x02, 32, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32, // configuration 1, one interface
            0x09, 0x04, 0x00, 0x00, 0x02, 0xFF, 0x00, 0x00, 0x00, // interface 0, vendor class
            0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00, // bulk IN 1
            0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00, // bulk OUT 2
        ]
    }

    fn process(&mut self, bytes: &[u8]) {
        match frame::decode(bytes) {
            // An ACK from the host aborts what the chip was doing.
            Ok(Some((Frame::Ack, n))) if n == bytes.len() => self.replies.clear(),
            Ok(Some((Frame::Data(data), n))) if n == bytes.len() => self.command(&data),
            _ => self.replies.push_back(ERROR_FRAME.to_vec()),
        }
    }

    fn command(&mut self, data: &[u8]) {
        let [COMMAND, code, args @ ..] = data else {
            self.replies.push_back(ERROR_FRAME.to_vec());
            return;
        };
        let code = *code;
        self.commands.push(code);
        let ready = self.command_type == Some(1);
        let reply = match code {
            SET_COMMAND_TYPE => {
                self.command_type = args.first().copied();
                vec![0]
            }
            GET_FIRMWARE_VERSION => vec![0x11, 0x01],
            GET_PD_DATA_VERSION => vec![0x00, 0x01],
            SWITCH_RF if args.len() == 1 => {
                if args[0] == 0 {
                    // The field goes off: the card loses power, the chip forgets the mode.
                    self.picc.power_off();
                    self.rf = None;
                }
                vec![0]
            }
            IN_SET_RF if !ready => vec![7],
            IN_SET_RF => match <[u8; 4]>::try_from(args) {
                Ok(rf) => {
                    self.rf = Some(rf);
                    vec![0]
                }
                Err(_) => vec![1],
            },
            IN_SET_PROTOCOL if !ready => vec![7],
            IN_SET_PROTOCOL => {
                let valid =
                    args.len().is_multiple_of(2) && args.chunks(2).all(|p| usize::from(p[0]) < self.settings.len());
                if valid {
                    for pair in args.chunks(2) {
                        self.settings[usize::from(pair[0])] = pair[1];
                    }
                }
                vec![if valid { 0 } else { 1 }]
            }
            IN_COMM_RF => self.in_comm_rf(args, ready),
            _ => {
                self.replies.push_back(ERROR_FRAME.to_vec());
                return;
            }
        };
        self.replies.push_back(ACK.to_vec());
        let mut body = vec![REPLY, code.wrapping_add(1)];
        body.extend_from_slice(&reply);
        self.replies.push_back(frame::encode(&body));
    }

    fn type_b_ready(&self) -> bool {
        use setting::*;
        self.rf == Some(RF_106B)
            && [ADD_CRC, CHECK_CRC, ADD_SOF, CHECK_SOF, ADD_EOF, CHECK_EOF]
                .iter()
                .all(|&s| self.settings[usize::from(s)] == 1)
    }

    fn in_comm_rf(&mut self, args: &[u8], ready: bool) -> Vec<u8> {
        let status = |bits: u32| bits.to_le_bytes().to_vec();
        let [lo, hi, rf @ ..] = args else { return status(comm_status::PROTOCOL) };
        if !ready || !self.type_b_ready() {
            return status(comm_status::PROTOCOL);
        }
        let param = u16::from_le_bytes([*lo, *hi]);
        self.timeout_params.push(param);
        let timeout_us = u32::from(param) * 100;
        let index = self.rf_frames;
        self.rf_frames += 1;
        let fault = self.faults.remove(&index);
        if fault == Some(FieldFault::LiftBefore) {
            self.lift_card();
        }
        let heard = self.in_field && !matches!(fault, Some(FieldFault::LoseCommand | FieldFault::DamageCommand));
        let answer = if heard { self.picc.receive(rf) } else { None };
        if fault == Some(FieldFault::LiftAfter) {
            self.lift_card();
        }
        let answer = answer.filter(|a| a.delay_us <= timeout_us && self.in_field);
        match (answer, fault) {
            (Some(_), Some(FieldFault::DamageAnswer)) => status(comm_status::CRC),
            (Some(a), f) if f != Some(FieldFault::LoseAnswer) => {
                let mut reply = status(0);
                reply.push(0x08);
                reply.extend_from_slice(&a.frame);
                reply
            }
            _ => {
                self.rf_timeouts += 1;
                status(comm_status::RECEIVE_TIMEOUT)
            }
        }
    }
}

impl BulkPipe for VirtualRcs380 {
    /// One bulk-OUT transfer. A transfer that fills its last packet does not end the
    /// frame: the chip waits for the zero-length packet.
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.pending_out.extend_from_slice(bytes);
        if self.pending_out.len() > 4096 {
            self.pending_out.clear();
            return Err(TransportError::Reader("bulk-OUT overrun".into()));
        }
        if !bytes.len().is_multiple_of(MAX_PACKET) || bytes.is_empty() {
            let frame = std::mem::take(&mut self.pending_out);
            if !frame.is_empty() {
                self.process(&frame);
            }
        }
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
