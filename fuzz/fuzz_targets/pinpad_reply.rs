//! The reader's answer to a PIN-pad VERIFY (`PC_to_RDR_Secure`), at every exchange level:
//! failures, cancel and timeout statuses, status words, and at TPDU level the card's T=1
//! blocks (WTX, R-blocks, damaged blocks) — all from the input, after an honest power-on.
//! Whatever arrives ends as a typed outcome or error; the Secure is sent exactly once.
#![no_main]

#[path = "common/scripted.rs"]
mod scripted;

use futures_executor::block_on;
use kofu_card::ccid::descriptor::PinSupport;
use kofu_card::ccid::{CcidDescriptor, CcidReader, ExchangeLevel};
use kofu_card::pinpad::{PinPadReply, PinVerifyRequest};
use kofu_card::{PinPadOutcome, PinPadPrompt};
use libfuzzer_sys::fuzz_target;
use scripted::Scripted;

const ATR_T1: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
const ATR_T0: [u8; 4] = [0x3B, 0x02, 0x14, 0x50];
/// The card's S(IFS response) to the host's S(IFS request 254).
const IFS_RESPONSE: [u8; 5] = [0x00, 0xE1, 0x01, 0xFE, 0x1E];

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else { return };
    // The reply parsing on its own.
    if let Ok(outcome) = PinPadOutcome::from_reply(PinPadReply::from_response(rest.to_vec())) {
        assert!(!matches!(outcome, PinPadOutcome::Wrong { tries_left: 0 }));
    }
    let (level, honest) = match selector % 4 {
        0 => (ExchangeLevel::ExtendedApdu, vec![ATR_T1.to_vec()]),
        1 => (ExchangeLevel::ShortApdu, vec![ATR_T1.to_vec()]),
        2 => (ExchangeLevel::Tpdu, vec![ATR_T1.to_vec(), IFS_RESPONSE.to_vec()]),
        _ => (ExchangeLevel::Tpdu, vec![ATR_T0.to_vec()]),
    };
    let mut descriptor = CcidDescriptor::new(level, 271);
    descriptor.pin_support = PinSupport { verify: true, modify: false };
    let Ok(mut reader) = CcidReader::new(Scripted::new(rest, 271, honest), &descriptor) else { return };
    let request = PinVerifyRequest::ascii_digits([0x00, 0x20, 0x00, 0x80], 4, &PinPadPrompt::default());
    block_on(async {
        if reader.power_on().await.is_err() {
            return;
        }
        if let Ok(reply) = reader.secure_verify(&request).await {
            let _ = PinPadOutcome::from_reply(reply);
        }
    });
});
