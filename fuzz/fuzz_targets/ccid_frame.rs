//! CCID bulk and interrupt messages from a reader: parse never panics, and what parses
//! re-encodes to the same bytes.
#![no_main]

use kofu_card::ccid::message::{Message, parse_notify_slot_change};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(message) = Message::parse(bytes) {
        assert_eq!(message.encode(), bytes);
    }
    if let Ok((_, len)) = Message::parse_header(bytes) {
        assert!(len <= kofu_card::ccid::message::MAX_DATA_LEN);
    }
    if let Ok(slots) = parse_notify_slot_change(bytes) {
        assert!(slots.len() <= 64);
    }
});
