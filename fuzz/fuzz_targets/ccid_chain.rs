//! Chained extended-APDU exchanges against a hostile reader: commands split to fit a
//! message limit the input picks (16–1040 bytes), answers reassembled from DataBlocks whose
//! bChainParameter, status and data come from the input. The host never sends a message
//! over the limit, never assembles more than the bound, never panics, never loops forever.
#![no_main]

#[path = "common/scripted.rs"]
mod scripted;

use futures_executor::block_on;
use kofu_card::CardTransport;
use kofu_card::ccid::chain::{MAX_CHAINED_RESPONSE, ResponseChain};
use kofu_card::ccid::{CcidDescriptor, CcidReader, ExchangeLevel};
use libfuzzer_sys::fuzz_target;
use scripted::Scripted;

const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

fuzz_target!(|input: &[u8]| {
    let Some((&[a, b], rest)) = input.split_first_chunk::<2>() else { return };
    // The reassembly on its own: (bChainParameter, length) pairs.
    let mut chain = ResponseChain::new();
    for pair in rest.chunks(2) {
        let [parameter, len] = *pair else { break };
        match chain.push(parameter, &vec![0; usize::from(len) * 16]) {
            Ok(kofu_card::ccid::chain::ChainStep::More) => continue,
            _ => break,
        }
    }
    assert!(chain.finish().len() <= MAX_CHAINED_RESPONSE);

    // The driver at extended level, limit from the input.
    let limit = 16 + usize::from(u16::from_le_bytes([a, b]) % 1025);
    let descriptor = CcidDescriptor::new(ExchangeLevel::ExtendedApdu, limit as u32);
    let pipe = Scripted::new(rest, limit.max(26), vec![ATR.to_vec()]);
    let Ok(mut reader) = CcidReader::new(pipe, &descriptor) else { return };
    block_on(async {
        if reader.power_on().await.is_err() {
            return;
        }
        let mut update = vec![0x00, 0xD6, 0x00, 0x00, 0x00, 0x02, 0x00];
        update.extend([0x5A; 512]);
        if let Ok(answer) = reader.transmit(&update).await {
            assert!(answer.len() <= MAX_CHAINED_RESPONSE);
        }
        if let Ok(answer) = reader.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00]).await {
            assert!(answer.len() <= MAX_CHAINED_RESPONSE);
        }
    });
});
