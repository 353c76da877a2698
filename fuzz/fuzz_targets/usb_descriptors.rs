//! A device's configuration descriptor, read raw over WebUSB: finding the CCID interface
//! never panics, and what it finds came from a real CCID descriptor.
#![no_main]

use kofu_card::ccid::{CcidDescriptor, find_ccid_interface};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(found) = find_ccid_interface(bytes) {
        assert!(found.bulk_in < 16 && found.bulk_out < 16);
    }
    let _ = CcidDescriptor::find_in(bytes);
    let _ = CcidDescriptor::parse(bytes);
});
