//! The one thing JPKI code needs from a reader: send an APDU, get the answer.
//! The virtual card, recorded transcripts and USB readers all implement it.

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
}

/// An async APDU transport. Futures are not `Send`: browser transports live on one thread.
#[allow(async_fn_in_trait)]
pub trait CardTransport {
    /// Sends one command APDU and returns the response APDU (data ‖ SW1 SW2).
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether extended-length APDUs pass through this reader.
    fn supports_extended(&self) -> bool;
}
