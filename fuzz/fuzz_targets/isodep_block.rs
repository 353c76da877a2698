//! ISO-DEP blocks from a card: parsing never panics, and a parsed block re-encodes to one
//! that parses the same (a CID byte of 0 is dropped on the way).
#![no_main]

use kofu_card::nfc::Block;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(block) = Block::parse(bytes) {
        assert_eq!(Block::parse(&block.encode()).expect("own encoding parses"), block);
    }
});
