//! The RC-S380 driver, NFC-B activation and ISO-DEP against a hostile reader: every bulk-IN
//! transfer is the next piece of fuzz input. Whatever arrives, the stack returns a typed
//! error or an answer, never panics, and never loops without bound.
#![no_main]

use futures_executor::block_on;
use kofu_card::ccid::BulkPipe;
use kofu_card::nfc::ContactlessReader;
use kofu_card::rcs380::Rcs380;
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
    let pipe = HostileReader { replies: rest.chunks(usize::from(selector % 64) + 1), transfers: 0 };
    block_on(async {
        let Ok(chip) = Rcs380::open(pipe).await else { return };
        let chip = if selector & 0x80 != 0 { chip.configure_once() } else { chip };
        let mut reader = ContactlessReader::new(chip);
        if reader.activate().await.is_ok() {
            let _ = reader.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xD3, 0x92]).await;
            let _ = reader.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00]).await;
        }
        let _ = reader.card_present().await;
        let mut polls = 0u32;
        let _ = reader
            .wait_for_removal(async || {
                polls += 1;
                assert!(polls < 100_000, "removal wait does not end");
            })
            .await;
    });
});
