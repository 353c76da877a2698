//! Upstream faults end cleanly (issue 18): through the core with a stubbed municipality or
//! validation service, each fault gives the kiosk its documented code and no document, the
//! audit trail records that code (never `issued`), no outcome is recorded for the
//! transaction, and the chain still verifies. After a validation
//! fault clears, the same backend issues normally.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::BackendError;
use kofu_edge::core::audit::verify_chain;
use kofu_edge::core::issue::issue;
use kofu_edge::core::memory::{ForwardFn, MemoryBackend};
use kofu_edge::core::verify::RustCrypto;
use kofu_shared::ErrorCode;
use kofu_shared::wire::IssueRequest;

/// Runs one issuance against `backend`; checks the clean end; returns the request sent.
fn ends_cleanly(backend: &MemoryBackend, fault: &str, code: ErrorCode) -> IssueRequest {
    let config = config();
    let (request, _, body) = kiosk_request(&config, backend, "card-1");
    let started = std::time::Instant::now();
    let err = block_on(issue(&config, backend, &RustCrypto, &body, now())).expect_err(fault);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{fault}: took {:?}", started.elapsed());
    assert_eq!(err.code(), code, "{fault}");
    let records = backend.audit.borrow().clone();
    assert_eq!(verify_chain(&records), Ok(records.len() as u64), "{fault}: the chain");
    let last = records.last().expect("audited");
    assert_eq!((last.entry.step.as_str(), last.entry.outcome.as_str()), ("issue", code.as_str()), "{fault}");
    let outcome = backend.transactions.borrow().get(&request.transaction_id).and_then(|(_, o)| o.clone());
    assert_eq!(outcome, None, "{fault}: no outcome recorded");
    request
}

fn afterwards_a_normal_issuance_succeeds(backend: MemoryBackend) {
    backend.validation_fault.replace(None);
    let config = config();
    let (_, _, body) = kiosk_request(&config, &backend, "card-1");
    block_on(issue(&config, &backend, &RustCrypto, &body, now())).expect("a normal issuance afterwards");
}

/// A municipality that answers `status` with `body` to every issue request.
fn answering(status: u16, body: &'static [u8]) -> ForwardFn {
    Box::new(move |_, _| Ok(kofu_edge::core::HttpAnswer { status, body: body.to_vec() }))
}

#[test]
fn municipal_faults_are_municipality_unavailable_and_nothing_is_issued() {
    let honest = || {
        let mut body = Vec::new();
        let (config, backend) = (config(), backend());
        let (_, _, request) = kiosk_request(&config, &backend, "card-1");
        block_on(issue(&config, &backend, &RustCrypto, &request, now())).unwrap();
        body.extend_from_slice(&backend.forwarded.borrow()[0]);
        municipality("http://municipal.test/v1/issue", &body).unwrap().body
    };
    let sealed = honest();
    let truncated: &'static [u8] = Box::leak(sealed[..sealed.len() / 2].to_vec().into_boxed_slice());
    let faults: Vec<(&str, ForwardFn)> = vec![
        ("down", Box::new(|_, _| Err(BackendError::Unreachable("connection refused".into())))),
        // The adapter's 10 s AbortSignal fires: the fetch fails, the same as unreachable.
        ("slow past the deadline", Box::new(|_, _| Err(BackendError::Unreachable("timed out".into())))),
        ("reset mid-body", Box::new(|_, _| Err(BackendError::Unreachable("connection reset".into())))),
        ("500", answering(500, br#"{"error":{"code":"internal","message":"internal error"}}"#)),
        ("502 from a proxy", answering(502, b"<html>Bad Gateway</html>")),
        ("503 empty", answering(503, b"")),
        ("garbage 200", answering(200, b"\x00\xffnot json")),
        ("200 not sealed", answering(200, br#"{"ok":true}"#)),
        ("truncated 200", answering(200, truncated)),
        ("refusal it may not pass on", answering(403, br#"{"error":{"code":"attestation_invalid","message":"x"}}"#)),
    ];
    for (fault, forward) in faults {
        let backend = backend_with(forward);
        ends_cleanly(&backend, fault, ErrorCode::MunicipalityUnavailable);
    }
}

#[test]
fn a_validation_service_fault_is_validation_unavailable_and_nothing_is_forwarded() {
    for fault in [
        BackendError::Unreachable("connection refused".into()),
        BackendError::Unreachable("timed out".into()),
        BackendError::BadUpstream,
    ] {
        let backend = backend();
        backend.validation_fault.replace(Some(fault.clone()));
        ends_cleanly(&backend, &format!("validation {fault}"), ErrorCode::ValidationUnavailable);
        assert!(backend.forwarded.borrow().is_empty(), "nothing reaches a municipality");
        afterwards_a_normal_issuance_succeeds(backend);
    }
}
