//! Contactless cards: NFC-B activation (ISO/IEC 14443-3 Type B) and ISO-DEP (ISO/IEC
//! 14443-4) run by the host over any reader that sends one RF frame and returns the card's
//! answer ([`RfTransceiver`]: the RC-S380 driver, a virtual reader). Hand-written: no
//! maintained crate runs the ISO-DEP poller side over an abstract reader.
//!
//! ISO-DEP is the contactless sibling of T=1 (`crate::t1`), but little is really shared:
//! the PCB layouts differ, error detection is the reader chip's CRC_B rather than an LRC in
//! the block, sizes are fixed at activation (FSC from the ATQB, FSD in ATTRIB) instead of
//! S(IFS), waiting times are the host's to keep (FWT, WTX) where a CCID reader keeps BWT,
//! and the recovery rules differ (R(NAK) asks the card to repeat its last block; T=1 has
//! R-blocks naming the expected N(S)). What both share is the shape — one block out, one
//! back, chaining, bounded retries — and the JPKI layer above, which sees only
//! `CardTransport::transmit`.
//!
//! **PIN safety.** A block whose answer is lost or damaged is answered with R(NAK), never by
//! sending the I-block again: the card then repeats its last block, so a VERIFY it already
//! executed is not executed twice. The I-block goes out again only when the card itself
//! answers R(ACK) with the other block number, which by ISO/IEC 14443-4 means the I-block
//! never reached it (nfcpy's `tt4.py` does the same). A card that left the field answers
//! nothing: after two R(NAK)s the exchange fails with [`NfcError::CardGone`], the session
//! is dropped, and nothing inside `transmit` re-activates a card — the app must, which
//! starts a new card session with the PIN unverified, and the JPKI layer never resends a
//! VERIFY.

pub mod block;
pub mod isodep;
pub mod reader;
pub mod typeb;
#[cfg(feature = "virtual")]
pub mod virtual_picc;

pub use block::{Block, BlockError};
pub use isodep::IsoDep;
pub use reader::ContactlessReader;
pub use typeb::{Atqb, AtqbError, AttribError};

use crate::transport::TransportError;

/// Why one RF exchange brought no usable frame back (the reader chip's report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RfFault {
    /// Nothing arrived within the timeout.
    Timeout,
    /// A frame arrived with a wrong CRC_B.
    Crc,
    Parity,
    /// A malformed frame (the chip's "protocol error": SOF/EOF, bit framing, length).
    Framing,
    /// Several cards answered at once.
    Collision,
}

/// A reader that carries one RF frame (without CRC) to the card and brings its answer back.
#[allow(async_fn_in_trait)]
pub trait RfTransceiver {
    type Error;

    /// Sends `frame` and waits up to `timeout_us` for the card's frame. `Ok(Err(_))` when
    /// the card stayed silent or its answer arrived damaged; `Err` when the reader failed.
    async fn transceive(&mut self, frame: &[u8], timeout_us: u32) -> Result<Result<Vec<u8>, RfFault>, Self::Error>;

    /// The longest single wait the reader can do.
    fn max_timeout_us(&self) -> u32;

    /// The largest frame (without CRC) the reader sends or receives in one exchange.
    fn max_frame(&self) -> usize;

    /// Turns the RF field off: every card in it loses power and its session.
    async fn field_off(&mut self) -> Result<(), Self::Error>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NfcError<E> {
    #[error("reader: {0}")]
    Reader(E),
    #[error("no card answers on the reader")]
    NoCard,
    #[error("the card stopped answering (taken off the reader)")]
    CardGone,
    #[error("the card's answers kept arriving damaged ({0:?})")]
    Damaged(RfFault),
    #[error("the card kept sending invalid blocks: {0}")]
    InvalidBlock(BlockError),
    #[error("ATQB: {0}")]
    Atqb(#[from] AtqbError),
    #[error("ATTRIB: {0}")]
    Attrib(#[from] AttribError),
    #[error("the card does not speak ISO/IEC 14443-4")]
    NotIsoDep,
    #[error("ISO-DEP protocol: {0}")]
    Protocol(&'static str),
    #[error("too many waiting-time extensions")]
    TooManyWtx,
    #[error("response over the size limit")]
    TooLong,
    #[error("no card session: the card must be activated first")]
    NotActivated,
}

impl<E: Into<TransportError> + std::fmt::Display> From<NfcError<E>> for TransportError {
    fn from(e: NfcError<E>) -> Self {
        match e {
            NfcError::Reader(e) => e.into(),
            NfcError::NoCard | NfcError::NotActivated => TransportError::CardAbsent,
            NfcError::CardGone => TransportError::CardRemoved,
            other => TransportError::Reader(other.to_string()),
        }
    }
}
