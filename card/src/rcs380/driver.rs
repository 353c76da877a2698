//! The RC-S380 host driver over a bulk pipe (bulk OUT 2, bulk IN 1). Each command is one
//! frame out, the chip's ACK back, then its reply frame. Opening does what nfcpy does: an
//! ACK as soft reset, SetCommandType 1, GetFirmwareVersion, RF off. For NFC-B the chip is
//! set to 106 kbps Type B (InSetRF, InSetProtocol defaults, then the Type B settings)
//! before InCommRF — by default before every one, as nfcpy and aruneko's WebUSB driver do
//! on real units (whether the chip keeps the settings is unverified).

use zeroize::Zeroize;

use super::command::*;
use super::frame::{self, ACK, Frame, FrameError};
use crate::ccid::BulkPipe;
use crate::nfc::{RfFault, RfTransceiver};
use crate::transport::TransportError;

/// Full-speed bulk packets: a frame that fills its last packet needs a zero-length packet
/// after it, or the chip waits for more.
pub const MAX_PACKET: usize = 64;
/// Bytes asked for per bulk-IN transfer (nfcpy reads 300).
pub const READ_SIZE: usize = 300;
/// Largest RF frame (without CRC) sent or received in one InCommRF (nfcpy's 290).
pub const MAX_RF_FRAME: usize = 290;
/// Stale frames from an earlier session skipped while waiting for the first ACK.
const STALE_FRAMES: usize = 4;
/// Bytes buffered while reassembling one frame.
const MAX_BUFFERED: usize = frame::HEADER_LEN + frame::MAX_DATA + 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rcs380Error {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{0}")]
    Frame(#[from] FrameError),
    #[error("the RC-S380 sent its error frame")]
    ErrorFrame,
    #[error("the RC-S380 did not acknowledge command {0:02X}")]
    NoAck(u8),
    #[error("the RC-S380 answered command {command:02X} with {got:02X?}")]
    UnexpectedReply { command: u8, got: [u8; 2] },
    #[error("the RC-S380's reply to command {0:02X} is too short")]
    ShortReply(u8),
    #[error("RC-S380 command {command:02X} failed: {status}")]
    Status { command: u8, status: ChipStatus },
    #[error("RC-S380 RF: {0}")]
    Comm(CommError),
    #[error("RF frame of {0} bytes is over the RC-S380's limit")]
    RfFrameTooLong(usize),
}

impl From<Rcs380Error> for TransportError {
    fn from(e: Rcs380Error) -> Self {
        match e {
            Rcs380Error::Transport(t) => t,
            other => TransportError::Reader(other.to_string()),
        }
    }
}

pub struct Rcs380<P: BulkPipe> {
    pipe: P,
    transfers: u32,
    rf_frames: u32,
    rx: Vec<u8>,
    firmware: [u8; 2],
    configured: bool,
    configure_every_exchange: bool,
}

impl<P: BulkPipe> Rcs380<P> {
    /// Resets the chip and leaves it with the RF field off.
    pub async fn open(pipe: P) -> Result<Self, Rcs380Error> {
        let mut chip = Rcs380 {
            pipe,
            transfers: 0,
            rf_frames: 0,
            rx: Vec::new(),
            firmware: [0; 2],
            configured: false,
            configure_every_exchange: true,
        };
        chip.write(&ACK).await?;
        let reply = chip.command_skipping_stale(SET_COMMAND_TYPE, &[0x01], STALE_FRAMES).await?;
        status(SET_COMMAND_TYPE, &reply)?;
        let version = chip.command(GET_FIRMWARE_VERSION, &[]).await?;
        let [minor, major, ..] = version[..] else { return Err(Rcs380Error::ShortReply(GET_FIRMWARE_VERSION)) };
        chip.firmware = [major, minor];
        chip.switch_rf(false).await?;
        Ok(chip)
    }

    /// Sets the chip to Type B once per field-on instead of before every InCommRF: three
    /// commands fewer per RF frame, but not what the published drivers do on real units.
    pub fn configure_once(mut self) -> Self {
        self.configure_every_exchange = false;
        self
    }

    /// RF off, then an ACK (as nfcpy closes).
    pub async fn close(&mut self) -> Result<(), Rcs380Error> {
        self.switch_rf(false).await?;
        self.write(&ACK).await
    }

    /// Firmware version as (major, minor), e.g. (1, 0x11) for "1.11".
    pub fn firmware_version(&self) -> (u8, u8) {
        (self.firmware[0], self.firmware[1])
    }

    /// USB transfers so far, both directions, zero-length packets included.
    pub fn transfers(&self) -> u32 {
        self.transfers
    }

    /// InCommRF exchanges so far.
    pub fn rf_frames(&self) -> u32 {
        self.rf_frames
    }

    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Rcs380Error> {
        self.transfers += 1;
        self.pipe.send(bytes).await?;
        if bytes.len().is_multiple_of(MAX_PACKET) {
            self.transfers += 1;
            self.pipe.send(&[]).await?;
        }
        Ok(())
    }

    /// The next frame from the chip, reassembled when it spans transfers.
    async fn next_frame(&mut self) -> Result<Frame, Rcs380Error> {
        loop {
            match frame::decode(&self.rx) {
                Ok(Some((frame, used))) => {
                    self.rx.drain(..used);
                    return Ok(frame);
                }
                Ok(None) if self.rx.len() <= MAX_BUFFERED => {}
                Ok(None) => return Err(FrameError::TooLong(self.rx.len()).into()),
                Err(e) => {
                    self.rx.clear();
                    return Err(e.into());
                }
            }
            self.transfers += 1;
            let more = self.pipe.receive(READ_SIZE).await?;
            if more.is_empty() {
                return Err(TransportError::Reader("empty bulk-IN transfer".into()).into());
            }
            self.rx.extend_from_slice(&more);
        }
    }

    /// Sends `D6 code data` and returns the reply's data after `D7 code+1`.
    pub async fn command(&mut self, code: u8, data: &[u8]) -> Result<Vec<u8>, Rcs380Error> {
        self.command_skipping_stale(code, data, 0).await
    }

    async fn command_skipping_stale(&mut self, code: u8, data: &[u8], stale: usize) -> Result<Vec<u8>, Rcs380Error> {
        let mut body = Vec::with_capacity(2 + data.len());
        body.extend_from_slice(&[COMMAND, code]);
        body.extend_from_slice(data);
        let mut bytes = frame::encode(&body);
        let sent = self.write(&bytes).await;
        // An InCommRF may carry a VERIFY and its PIN.
        body.zeroize();
        bytes.zeroize();
        sent?;
        let mut skipped = 0;
        loop {
            match self.next_frame().await? {
                Frame::Ack => break,
                Frame::Error => return Err(Rcs380Error::ErrorFrame),
                Frame::Data(_) if skipped < stale => skipped += 1,
                Frame::Data(_) => return Err(Rcs380Error::NoAck(code)),
            }
        }
        match self.next_frame().await? {
            Frame::Data(reply) => match reply[..] {
                [REPLY, answer, ..] if answer == code.wrapping_add(1) => Ok(reply[2..].to_vec()),
                [a, b, ..] => Err(Rcs380Error::UnexpectedReply { command: code, got: [a, b] }),
                _ => Err(Rcs380Error::ShortReply(code)),
            },
            Frame::Error => Err(Rcs380Error::ErrorFrame),
            Frame::Ack => Err(Rcs380Error::UnexpectedReply { command: code, got: [0x00, 0xFF] }),
        }
    }

    pub async fn switch_rf(&mut self, on: bool) -> Result<(), Rcs380Error> {
        self.configured = false;
        let reply = self.command(SWITCH_RF, &[u8::from(on)]).await?;
        status(SWITCH_RF, &reply)
    }

    pub async fn in_set_rf(&mut self, settings: &[u8; 4]) -> Result<(), Rcs380Error> {
        let reply = self.command(IN_SET_RF, settings).await?;
        status(IN_SET_RF, &reply)
    }

    /// Setting/value pairs.
    pub async fn in_set_protocol(&mut self, pairs: &[u8]) -> Result<(), Rcs380Error> {
        let reply = self.command(IN_SET_PROTOCOL, pairs).await?;
        status(IN_SET_PROTOCOL, &reply)
    }

    /// 106 kbps Type B, CRC_B added and checked by the chip.
    pub async fn configure_type_b(&mut self) -> Result<(), Rcs380Error> {
        self.in_set_rf(&RF_106B).await?;
        self.in_set_protocol(&PROTOCOL_DEFAULTS).await?;
        self.in_set_protocol(&PROTOCOL_TYPE_B).await?;
        self.configured = true;
        Ok(())
    }

    /// Sends one RF frame and waits up to `timeout_us` for the answer:
    /// `D6 04 | timeout u16 LE | frame` → `D7 05 | status u32 LE | 1 byte | answer`.
    pub async fn in_comm_rf(&mut self, rf: &[u8], timeout_us: u32) -> Result<Result<Vec<u8>, CommError>, Rcs380Error> {
        if rf.len() > MAX_RF_FRAME {
            return Err(Rcs380Error::RfFrameTooLong(rf.len()));
        }
        let mut data = Vec::with_capacity(2 + rf.len());
        data.extend_from_slice(&timeout_param(timeout_us).to_le_bytes());
        data.extend_from_slice(rf);
        self.rf_frames += 1;
        let reply = self.command(IN_COMM_RF, &data).await;
        data.zeroize();
        let reply = reply?;
        let Some(&[a, b, c, d]) = reply.get(..4) else { return Err(Rcs380Error::ShortReply(IN_COMM_RF)) };
        if let Some(error) = CommError::from_status(u32::from_le_bytes([a, b, c, d])) {
            return Ok(Err(error));
        }
        // The byte after the status is not documented (8 in every recorded reply).
        let answer = reply.get(5..).ok_or(Rcs380Error::ShortReply(IN_COMM_RF))?;
        Ok(Ok(answer.to_vec()))
    }
}

fn status(command: u8, reply: &[u8]) -> Result<(), Rcs380Error> {
    let &first = reply.first().ok_or(Rcs380Error::ShortReply(command))?;
    match ChipStatus::from_byte(first) {
        None => Ok(()),
        Some(status) => Err(Rcs380Error::Status { command, status }),
    }
}

impl<P: BulkPipe> RfTransceiver for Rcs380<P> {
    type Error = Rcs380Error;

    async fn transceive(&mut self, frame: &[u8], timeout_us: u32) -> Result<Result<Vec<u8>, RfFault>, Rcs380Error> {
        if !self.configured || self.configure_every_exchange {
            self.configure_type_b().await?;
        }
        match self.in_comm_rf(frame, timeout_us).await? {
            Ok(answer) => Ok(Ok(answer)),
            Err(error) => error.fault().map(Err).ok_or(Rcs380Error::Comm(error)),
        }
    }

    fn max_timeout_us(&self) -> u32 {
        MAX_TIMEOUT_US
    }

    fn max_frame(&self) -> usize {
        MAX_RF_FRAME
    }

    async fn field_off(&mut self) -> Result<(), Rcs380Error> {
        self.switch_rf(false).await
    }
}

/// A contactless reader on an RC-S380: what the JPKI code and the app use.
pub type Rcs380Reader<P> = crate::nfc::ContactlessReader<Rcs380<P>>;
