//! T=1 blocks from a card: parse never panics; a parsed block re-encodes to a block that
//! parses the same (the two R-block error codes mean the same to the host).
#![no_main]

use kofu_card::t1::Block;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(block) = Block::parse(bytes) {
        assert_eq!(Block::parse(&block.encode()).expect("own encoding parses"), block);
    }
});
