//! The whole host driver against a hostile reader: every bulk-IN transfer is the next
//! piece of fuzz input, at every exchange level. Whatever arrives, the driver returns a
//! typed error or an answer, never panics, and never loops without bound.
#![no_main]

use futures_executor::block_on;
use kofu_card::ccid::{BulkPipe, CcidDescriptor, CcidReader, ExchangeLevel};
use kofu_card::{CardTransport, TransportError};
use libfuzzer_sys::fuzz_target;

struct HostileReader<'a> {
    replies: std::slice::Chunks<'a, u8>,
    transfers: u32,
}

impl BulkPipe for HostileReader<'_> {
    async fn send(&mut self, _: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        self.transfers += 1;
        assert!(self.transfers < 100_000, "driver does not give up");
        let chunk = self.replies.next().ok_or(TransportError::Timeout)?;
        Ok(chunk[..chunk.len().min(max_len)].to_vec())
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else { return };
    let level = match selector % 3 {
        0 => ExchangeLevel::ExtendedApdu,
        1 => ExchangeLevel::ShortApdu,
        _ => ExchangeLevel::Tpdu,
    };
    let chunk = usize::from(selector / 3 % 64) + 1;
    let descriptor =
        CcidDescriptor::parse(&CcidDescriptor::encode_with(level, 271, selector & 0x80 == 0)).expect("own descriptor");
    let pipe = HostileReader { replies: rest.chunks(chunk), transfers: 0 };
    let Ok(mut reader) = CcidReader::new(pipe, &descriptor) else { return };
    block_on(async {
        if reader.power_on().await.is_ok() {
            let _ = reader.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xD3, 0x92]).await;
            let _ = reader.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).await;
        }
        let _ = reader.card_present().await;
    });
});
