//! Card certificates as they arrive in issue requests: parsing never panics, and what
//! parses keeps its raw signed bytes inside the input.
#![no_main]

use kofu_shared::x509::ParsedCert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(cert) = ParsedCert::parse(bytes) {
        assert!(cert.tbs_der().len() < bytes.len());
        assert!(bytes.windows(cert.tbs_der().len()).any(|w| w == cert.tbs_der()));
    }
});
