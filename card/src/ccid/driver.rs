//! A CCID host driver over an abstract bulk pipe: sequence and slot checked on every
//! reply, time extensions waited out; every message kept within the reader's
//! dwMaxCCIDMessageLength (long extended APDUs and their answers chained); at short-APDU
//! level `61xx`/`6Cxx` handled, at TPDU level T=1 run by the host; PIN entry on the
//! reader's keypad. One place decides; the JPKI code above sees only `transmit(apdu)`.

use super::chain::{self, ChainError, ChainStep, ResponseChain};
use super::descriptor::{CcidDescriptor, ExchangeLevel};
use super::message::*;
use super::secure::{self, PC_TO_RDR_SECURE, ReaderEnding};
use crate::apdu::{Response, Status};
use crate::atr::{Atr, AtrError};
use crate::pinpad::{PinPadInfo, PinPadReply, PinVerifyRequest};
use crate::t1::{BlockIo, T1Error, T1State};
use crate::transport::{CardTransport, ResponseUnit, TransportError};

/// Most time extensions accepted for one command before giving up (each is the card
/// asking for more time; a real card needs a handful for an RSA signature).
pub const MAX_TIME_EXTENSIONS: u32 = 600;
/// Most GET RESPONSE rounds for one command.
const MAX_GET_RESPONSE: u32 = 64;
/// Every bulk-IN asks for a whole CCID message of the largest size there is: a reader
/// that sends more than its descriptor says is heard out, never cut short.
pub const RECEIVE_SIZE: usize = HEADER_LEN + MAX_DATA_LEN;
/// T=1 prologue and LRC around a block's information field.
const T1_FRAMING: usize = 4;
/// Largest response APDU at short level: 256 data bytes and SW.
const SHORT_RESPONSE: usize = 258;

/// The bulk endpoints of a reader: WebUSB in the browser, a virtual reader in tests.
#[allow(async_fn_in_trait)]
pub trait BulkPipe {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
    /// One bulk-IN transfer of at most `max_len` bytes.
    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CcidError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("malformed CCID reply: {0}")]
    Frame(#[from] FrameError),
    #[error("reply to another command (sequence {got}, expected {expected})")]
    Sequence { expected: u8, got: u8 },
    #[error("reply from slot {0}")]
    Slot(u8),
    #[error("unexpected reply type {0:02X}")]
    UnexpectedType(u8),
    #[error("the reader failed the command (bError {0:02X})")]
    Failed(u8),
    #[error("too many time extensions")]
    TooSlow,
    #[error("this reader or card needs character level or T=0, not supported yet")]
    UnsupportedLevel,
    #[error("the card's ATR: {0}")]
    Atr(#[from] AtrError),
    #[error("T=1: {0}")]
    T1(String),
    #[error("no card in the reader")]
    CardAbsent,
    #[error("a {0}-byte command does not fit this reader's messages")]
    TooLong(usize),
    #[error("chained answer: {0}")]
    Chain(#[from] ChainError),
    #[error("the reader answered a command part with data")]
    UnexpectedPart,
    #[error("the reader has no PIN pad")]
    NoPinPad,
}

impl From<CcidError> for TransportError {
    fn from(e: CcidError) -> Self {
        match e {
            CcidError::Transport(t) => t,
            CcidError::CardAbsent => TransportError::CardAbsent,
            CcidError::NoPinPad => TransportError::NoPinPad,
            other => TransportError::Reader(other.to_string()),
        }
    }
}

pub struct CcidReader<P: BulkPipe> {
    pipe: P,
    slot: u8,
    seq: u8,
    level: ExchangeLevel,
    /// dwMaxCCIDMessageLength: no message we send is longer.
    max_message: usize,
    transfers: u32,
    /// T=1 state at TPDU level, from power-on.
    t1: Option<T1State>,
    /// At TPDU level the card speaks T=0 (the reader handles procedure bytes).
    t0: bool,
    /// What we accept per T=1 block: the reader's IFSD, within its messages.
    ifsd: u8,
    /// What we send per T=1 block at most, whatever the card takes.
    block_room: usize,
    automatic_parameters: bool,
    pin_pad: Option<PinPadInfo>,
}

impl<P: BulkPipe> CcidReader<P> {
    pub fn new(pipe: P, descriptor: &CcidDescriptor) -> Result<Self, CcidError> {
        if descriptor.level == ExchangeLevel::Character {
            return Err(CcidError::UnsupportedLevel);
        }
        let max_message = (descriptor.max_message_length as usize).clamp(HEADER_LEN + 16, RECEIVE_SIZE);
        let block_room = (max_message - HEADER_LEN - T1_FRAMING).min(crate::t1::block::MAX_INF);
        // dwMaxIFSD 0 says nothing (T=0-only readers); else the reader's limit, at most 254.
        let declared = if descriptor.max_ifsd == 0 { 254 } else { descriptor.max_ifsd.clamp(1, 254) as usize };
        let ifsd = declared.min(block_room) as u8;
        let pin_pad = descriptor
            .pin_support
            .verify
            .then(|| PinPadInfo { display: descriptor.lcd_layout.map(|l| (l.lines, l.characters)) });
        Ok(CcidReader {
            pipe,
            slot: 0,
            seq: 0,
            level: descriptor.level,
            max_message,
            transfers: 0,
            t1: None,
            t0: false,
            ifsd,
            block_room,
            automatic_parameters: descriptor.automatic_parameters(),
            pin_pad,
        })
    }

    /// USB transfers so far, both directions.
    pub fn transfers(&self) -> u32 {
        self.transfers
    }

    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }

    pub fn pipe(&self) -> &P {
        &self.pipe
    }

    /// Powers the card and returns its ATR.
    pub async fn power_on(&mut self) -> Result<Vec<u8>, CcidError> {
        // bPowerSelect 0: automatic voltage selection.
        let reply = self.exchange(PC_TO_RDR_ICC_POWER_ON, [0, 0, 0], &[], RDR_TO_PC_DATA_BLOCK).await?;
        self.t1 = None;
        self.t0 = false;
        if self.level == ExchangeLevel::Tpdu {
            let atr = Atr::parse(&reply.data)?;
            if !atr.t1 {
                self.t0 = atr.t0;
                return if atr.t0 { Ok(reply.data) } else { Err(CcidError::UnsupportedLevel) };
            }
            if !self.automatic_parameters {
                self.set_t1_parameters(&atr).await?;
            }
            let mut t1 = T1State::new(atr.ifsc).with_max_inf(self.block_room);
            let ifsd = self.ifsd;
            t1.negotiate_ifsd(self, ifsd).await.map_err(t1_error)?;
            self.t1 = Some(t1);
        }
        Ok(reply.data)
    }

    /// Tells a reader that does not configure itself from the ATR how to run T=1
    /// (CCID §6.1.7, abProtocolDataStructure for T=1).
    async fn set_t1_parameters(&mut self, atr: &Atr) -> Result<(), CcidError> {
        let checksum = if atr.crc { 0x11 } else { 0x10 };
        let data = [atr.fi_di, checksum, atr.guard_time, (atr.bwi << 4) | atr.cwi, 0x00, atr.ifsc, 0x00];
        self.exchange(PC_TO_RDR_SET_PARAMETERS, [1, 0, 0], &data, RDR_TO_PC_PARAMETERS).await.map(drop)
    }

    pub async fn power_off(&mut self) -> Result<(), CcidError> {
        self.exchange(PC_TO_RDR_ICC_POWER_OFF, [0, 0, 0], &[], RDR_TO_PC_SLOT_STATUS).await.map(drop)
    }

    /// Whether a card is in the slot.
    pub async fn card_present(&mut self) -> Result<bool, CcidError> {
        match self.exchange(PC_TO_RDR_GET_SLOT_STATUS, [0, 0, 0], &[], RDR_TO_PC_SLOT_STATUS).await {
            Ok(_) => Ok(true),
            Err(CcidError::CardAbsent) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Room for data in one message we send.
    fn room(&self) -> usize {
        self.max_message - HEADER_LEN
    }

    /// One XfrBlock (wLevelParameter in `level`) and its DataBlock.
    async fn xfr(&mut self, data: &[u8], level: u8) -> Result<Message, CcidError> {
        self.exchange(PC_TO_RDR_XFR_BLOCK, [0, level, 0], data, RDR_TO_PC_DATA_BLOCK).await
    }

    /// A T=1 block or T=0 TPDU at TPDU level, or a whole APDU: split into parts at
    /// extended level when it is longer than a message, and the answer read part by part.
    async fn xfr_block(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CcidError> {
        if apdu.len() > self.room() && self.level != ExchangeLevel::ExtendedApdu {
            return Err(CcidError::TooLong(apdu.len()));
        }
        let parts = chain::command_parts(apdu, self.room());
        let Some(((last_level, last), leading)) = parts.split_last() else {
            return Err(CcidError::TooLong(apdu.len()));
        };
        for (level, part) in leading {
            // The reader takes each part with an empty DataBlock ("send the next part").
            if !self.xfr(part, *level).await?.data.is_empty() {
                return Err(CcidError::UnexpectedPart);
            }
        }
        let mut reply = self.xfr(last, *last_level).await?;
        // bChainParameter means something only at extended level (RFU elsewhere).
        if self.level != ExchangeLevel::ExtendedApdu {
            return Ok(reply.data);
        }
        let mut answer = ResponseChain::new();
        while answer.push(reply.specific[2], &reply.data)? == ChainStep::More {
            reply = self.xfr(&[], chain::NEXT_PART).await?;
        }
        Ok(answer.finish())
    }

    async fn send_message(&mut self, kind: u8, specific: [u8; 3], data: &[u8]) -> Result<u8, CcidError> {
        if data.len() > self.room() {
            return Err(CcidError::TooLong(data.len()));
        }
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let mut request = Message { kind, slot: self.slot, seq, specific, data: data.to_vec() }.encode();
        self.transfers += 1;
        let sent = self.pipe.send(&request).await;
        // An XfrBlock may hold a VERIFY and its PIN.
        zeroize::Zeroize::zeroize(&mut request);
        sent?;
        Ok(seq)
    }

    /// The reply to message `seq`, after any time extensions; its status not yet judged.
    async fn reply_to(&mut self, seq: u8) -> Result<Message, CcidError> {
        let mut extensions = 0;
        loop {
            let reply = self.receive_message().await?;
            if reply.seq != seq {
                return Err(CcidError::Sequence { expected: seq, got: reply.seq });
            }
            if reply.slot != self.slot {
                return Err(CcidError::Slot(reply.slot));
            }
            if SlotStatus::from_byte(reply.specific[0]).command != CommandStatus::TimeExtension {
                return Ok(reply);
            }
            extensions += 1;
            if extensions > MAX_TIME_EXTENSIONS {
                return Err(CcidError::TooSlow);
            }
        }
    }

    async fn exchange(
        &mut self,
        kind: u8,
        specific: [u8; 3],
        data: &[u8],
        reply_kind: u8,
    ) -> Result<Message, CcidError> {
        let seq = self.send_message(kind, specific, data).await?;
        let reply = self.reply_to(seq).await?;
        judge(reply, reply_kind)
    }

    /// Reads one message, reassembling it when the reader splits it over transfers.
    async fn receive_message(&mut self) -> Result<Message, CcidError> {
        self.transfers += 1;
        let mut bytes = self.pipe.receive(RECEIVE_SIZE).await?;
        let (_, len) = Message::parse_header(&bytes)?;
        while bytes.len() < HEADER_LEN + len {
            self.transfers += 1;
            let more = self.pipe.receive(RECEIVE_SIZE).await?;
            if more.is_empty() {
                return Err(FrameError::LengthMismatch(len as u32).into());
            }
            bytes.extend_from_slice(&more);
        }
        Ok(Message::parse(&bytes)?)
    }

    /// Sends one APDU; at short level, fetches the rest with GET RESPONSE on `61xx` and
    /// repeats with the right Le on `6Cxx`, so callers see one complete response.
    async fn apdu(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CcidError> {
        let mut answer = Response::parse(&self.xfr_block(apdu).await?).map_err(|_| FrameError::Short)?;
        if let (Status::WrongLe(le), [cla, ins, p1, p2, ..]) = (answer.status(), apdu) {
            answer =
                Response::parse(&self.xfr_block(&[*cla, *ins, *p1, *p2, le]).await?).map_err(|_| FrameError::Short)?;
        }
        let mut data = std::mem::take(&mut answer.data);
        let mut rounds = 0;
        while let Status::MoreAvailable(n) = answer.status() {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE {
                return Err(CcidError::Failed(0));
            }
            // No more than one message holds (61 00 means 256 bytes wait).
            let waiting = if n == 0 { 256 } else { usize::from(n) };
            let le = waiting.min(self.room() - 2);
            let le = if le == 256 { 0 } else { le as u8 };
            answer = Response::parse(&self.xfr_block(&[0x00, 0xC0, 0x00, 0x00, le]).await?)
                .map_err(|_| FrameError::Short)?;
            data.extend_from_slice(&answer.data);
        }
        Ok(Response { data, sw: answer.sw }.encode())
    }

    /// One PIN entry on the reader's keypad (`PC_to_RDR_Secure`): the reader completes
    /// `request.apdu` with the digits and sends it; we see only the card's answer. At
    /// TPDU level with T=1 the reader sends our next I-block, so we give its prologue and
    /// read the card's blocks ourselves. Sent once, never repeated.
    pub async fn secure_verify(&mut self, request: &PinVerifyRequest) -> Result<PinPadReply, CcidError> {
        if self.pin_pad.is_none() {
            return Err(CcidError::NoPinPad);
        }
        let prologue = match &self.t1 {
            Some(t1) => t1.external_prologue(request.apdu.len()).ok_or(CcidError::TooLong(request.apdu.len()))?,
            None if self.level == ExchangeLevel::Tpdu && !self.t0 => return Err(CcidError::CardAbsent),
            None => [0; 3],
        };
        let data = secure::verify_data(request, prologue);
        let seq = self.send_message(PC_TO_RDR_SECURE, [0, 0, 0], &data).await?;
        let reply = self.reply_to(seq).await?;
        match secure::reader_ending(&reply) {
            Some(ReaderEnding::Cancelled) => return Ok(PinPadReply::Cancelled),
            Some(ReaderEnding::TimedOut) => return Ok(PinPadReply::TimedOut),
            None => {}
        }
        let reply = judge(reply, RDR_TO_PC_DATA_BLOCK)?;
        let Some(mut t1) = self.t1.take() else {
            return Ok(PinPadReply::from_response(reply.data));
        };
        let response = t1.complete_external(self, &reply.data).await.map_err(t1_error);
        self.t1 = Some(t1);
        Ok(PinPadReply::from_response(response?))
    }
}

/// A reply's status and type: failures become typed errors.
fn judge(reply: Message, reply_kind: u8) -> Result<Message, CcidError> {
    let status = SlotStatus::from_byte(reply.specific[0]);
    match status.command {
        CommandStatus::Failed if status.icc == IccStatus::Absent => return Err(CcidError::CardAbsent),
        CommandStatus::Failed | CommandStatus::Reserved | CommandStatus::TimeExtension => {
            return Err(CcidError::Failed(reply.specific[1]));
        }
        CommandStatus::Ok => {}
    }
    if status.icc == IccStatus::Absent {
        return Err(CcidError::CardAbsent);
    }
    if reply.kind != reply_kind {
        return Err(CcidError::UnexpectedType(reply.kind));
    }
    Ok(reply)
}

/// An APDU as a T=0 TPDU (ISO/IEC 7816-3 §12.2): P3 is Lc when there is data (Le is
/// dropped; the answer then comes by GET RESPONSE after `61xx`), else Le, else 0.
fn t0_tpdu(apdu: &[u8]) -> Result<Vec<u8>, CcidError> {
    let command = crate::apdu::Command::parse(apdu).map_err(|_| CcidError::Failed(0))?;
    if !command.fits_short() {
        return Err(CcidError::UnsupportedLevel);
    }
    let mut tpdu = vec![command.cla, command.ins, command.p1, command.p2];
    if command.data.is_empty() {
        tpdu.push(command.le.map_or(0, |le| if le == 256 { 0 } else { le as u8 }));
    } else {
        tpdu.push(command.data.len() as u8);
        tpdu.extend_from_slice(&command.data);
    }
    Ok(tpdu)
}

fn t1_error(e: T1Error<CcidError>) -> CcidError {
    match e {
        T1Error::Io(e) => e,
        other => CcidError::T1(other.to_string()),
    }
}

/// At TPDU level each T=1 block travels in one XfrBlock.
impl<P: BulkPipe> BlockIo for CcidReader<P> {
    type Error = CcidError;

    async fn exchange_block(&mut self, block: &[u8]) -> Result<Vec<u8>, CcidError> {
        self.xfr_block(block).await
    }
}

impl<P: BulkPipe> CardTransport for CcidReader<P> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.level != ExchangeLevel::Tpdu {
            return Ok(self.apdu(command).await?);
        }
        if self.t0 {
            return Ok(self.apdu(&t0_tpdu(command)?).await?);
        }
        let mut t1 = self.t1.take().ok_or(CcidError::CardAbsent)?;
        let answer = t1.transceive(self, command).await.map_err(t1_error);
        self.t1 = Some(t1);
        Ok(answer?)
    }

    /// T=1 chains any length, so TPDU readers take extended APDUs too; T=0 does not.
    fn supports_extended(&self) -> bool {
        self.level == ExchangeLevel::ExtendedApdu || (self.level == ExchangeLevel::Tpdu && !self.t0)
    }

    fn response_unit(&self) -> Option<ResponseUnit> {
        Some(match self.level {
            ExchangeLevel::ExtendedApdu => ResponseUnit { bytes: self.room(), chained: true },
            ExchangeLevel::Tpdu if !self.t0 => ResponseUnit { bytes: usize::from(self.ifsd), chained: true },
            _ => ResponseUnit { bytes: self.room().min(SHORT_RESPONSE), chained: false },
        })
    }

    fn pin_pad(&self) -> Option<PinPadInfo> {
        self.pin_pad
    }

    async fn verify_on_pin_pad(&mut self, request: &PinVerifyRequest) -> Result<PinPadReply, TransportError> {
        Ok(self.secure_verify(request).await?)
    }
}
