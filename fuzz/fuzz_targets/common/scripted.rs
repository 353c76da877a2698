//! A reader whose replies are well-framed CCID messages to the command just sent (right
//! sequence number and slot) with everything else — status, error, chain parameter, data —
//! taken from the fuzz input, so the fuzzer spends its time inside chaining and PIN-pad
//! replies rather than on headers. It checks the host never sends more than the limit.

use kofu_card::TransportError;
use kofu_card::ccid::BulkPipe;
use kofu_card::ccid::message::{Message, RDR_TO_PC_DATA_BLOCK, RDR_TO_PC_PARAMETERS};

pub struct Scripted<'a> {
    input: &'a [u8],
    /// Replies given honestly first (bStatus 0), e.g. an ATR and an S(IFS) response.
    honest: Vec<Vec<u8>>,
    limit: usize,
    last: Option<(u8, u8)>,
    transfers: u32,
}

impl<'a> Scripted<'a> {
    pub fn new(input: &'a [u8], limit: usize, honest: Vec<Vec<u8>>) -> Self {
        let mut honest = honest;
        honest.reverse();
        Scripted { input, honest, limit, last: None, transfers: 0 }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.input.len());
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        head
    }
}

impl BulkPipe for Scripted<'_> {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        assert!(bytes.len() <= self.limit, "host sent {} bytes to a {}-byte reader", bytes.len(), self.limit);
        let kind = bytes[0];
        self.last = Some((kind, bytes[6]));
        Ok(())
    }

    async fn receive(&mut self, _max_len: usize) -> Result<Vec<u8>, TransportError> {
        self.transfers += 1;
        assert!(self.transfers < 100_000, "driver does not give up");
        let (kind, seq) = self.last.ok_or(TransportError::Timeout)?;
        let reply_kind = if kind == 0x61 { RDR_TO_PC_PARAMETERS } else { RDR_TO_PC_DATA_BLOCK };
        if let Some(data) = self.honest.pop() {
            return Ok(Message { kind: reply_kind, slot: 0, seq, specific: [0, 0, 0], data }.encode());
        }
        let &[status, error, chain, len, ..] = self.take(4) else { return Err(TransportError::Timeout) };
        // Mostly plain answers, now and then a time extension or a failure.
        let status = match status >> 5 {
            0 => 0x80 | (status & 0x03),
            1 => 0x40 | (status & 0x03),
            _ => status & 0x03,
        };
        let data = self.take(usize::from(len) * 3).to_vec();
        Ok(Message { kind: reply_kind, slot: 0, seq, specific: [status, error, chain], data }.encode())
    }
}
