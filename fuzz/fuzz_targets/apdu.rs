//! Response APDUs from a card and command APDUs: parse never panics, and both
//! round-trip.
#![no_main]

use kofu_card::{Command, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(response) = Response::parse(bytes) {
        assert_eq!(response.encode(), bytes);
    }
    if let Ok(command) = Command::parse(bytes) {
        let extended = !command.fits_short();
        let encoded = command.encode(extended).expect("a parsed command encodes");
        assert_eq!(Command::parse(&encoded).expect("re-parses"), command);
    }
});
