//! Answers to reset from a card: parse never panics and stays within the bytes given.
#![no_main]

use kofu_card::atr::Atr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(atr) = Atr::parse(bytes) {
        assert!(atr.ifsc >= 1 && atr.ifsc <= 254, "IFSC {} out of range", atr.ifsc);
    }
});
