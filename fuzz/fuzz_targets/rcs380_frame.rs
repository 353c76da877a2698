//! RC-S380 USB frames from the reader: decoding never panics, and a decoded data frame is
//! exactly what encoding its data gives.
#![no_main]

use kofu_card::rcs380::frame::{self, Frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(Some((decoded, used))) = frame::decode(bytes) {
        assert!(used <= bytes.len());
        if let Frame::Data(data) = decoded {
            assert_eq!(frame::encode(&data), bytes[..used]);
        }
    }
});
