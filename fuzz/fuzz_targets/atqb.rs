//! ATQBs and ATTRIB answers from a card: parsing never panics, a parsed ATQB re-encodes to
//! one that parses the same, and its sizes and times stay in range.
#![no_main]

use kofu_card::nfc::typeb::{Atqb, AttribAnswer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(atqb) = Atqb::parse(bytes) {
        assert_eq!(Atqb::parse(&atqb.encode()), Ok(atqb));
        assert!((16..=256).contains(&atqb.fsc()));
        assert!(atqb.fwt_us() <= 5_000_000);
    }
    if let Some(&cid) = bytes.first() {
        let _ = AttribAnswer::parse(&bytes[1..], cid);
    }
});
