//! The one thing JPKI code needs from a reader: send an APDU, get the answer — plus what
//! the reader can do beyond that (how long an answer fits one of its messages, a PIN pad).
//! The virtual card, recorded transcripts and USB readers all implement it.

use crate::pinpad::{PinPadInfo, PinPadReply, PinVerifyRequest};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no card in the reader")]
    CardAbsent,
    #[error("the card was removed")]
    CardRemoved,
    #[error("reader error: {0}")]
    Reader(String),
    #[error("the reader did not answer in time")]
    Timeout,
    #[error("the reader has no PIN pad")]
    NoPinPad,
}

/// How a reader delivers response APDUs: `bytes` (data ‖ SW) arrive in one reader message;
/// a longer answer is `chained` over several (extended-APDU CCID, T=1) or cannot be
/// delivered at all (short-APDU CCID, T=0 through a TPDU reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseUnit {
    pub bytes: usize,
    pub chained: bool,
}

/// An async APDU transport. Futures are not `Send`: browser transports live on one thread.
#[allow(async_fn_in_trait)]
pub trait CardTransport {
    /// Sends one command APDU and returns the response APDU (data ‖ SW1 SW2).
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether extended-length APDUs pass through this reader.
    fn supports_extended(&self) -> bool;

    /// How much of an answer one reader message carries; `None`: no such limit.
    fn response_unit(&self) -> Option<ResponseUnit> {
        None
    }

    /// The reader's own PIN pad, when it has one that can verify a PIN.
    fn pin_pad(&self) -> Option<PinPadInfo> {
        None
    }

    /// Has the reader collect the PIN on its keypad and send `request.apdu` completed with
    /// it to the card. The PIN never reaches the host. Sent once; never retried.
    async fn verify_on_pin_pad(&mut self, request: &PinVerifyRequest) -> Result<PinPadReply, TransportError> {
        let _ = request;
        Err(TransportError::NoPinPad)
    }
}
