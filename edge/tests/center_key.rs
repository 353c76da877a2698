//! Center key rotation through the ops API: the edge switches to the configured next key,
//! the retiring one endorses it and gets its end, and a rotation that names the wrong
//! keys or window is refused.

mod common;

use common::*;
use futures_executor::block_on;
use kofu_edge::core::center_key::{MIN_OVERLAP_MS, rotate_center_key};
use kofu_edge::core::issue::issue;
use kofu_edge::core::outcome::report_outcome;
use kofu_edge::core::verify::RustCrypto;
use kofu_edge::core::{EdgeConfig, EdgeError};
use kofu_shared::Bytes;
use kofu_shared::signing::{center_key_endorsement_message, p256_public_key, p256_verify, sha256};
use kofu_shared::wire::PrintOutcome;

fn rotating_config() -> EdgeConfig {
    config().with_next_center_key(&Bytes::encode(&fixture("center-next.key.der"))).unwrap()
}

fn rotation(new: &str, previous: &str, retire_at: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "public_key": Bytes::encode(&fixture(&format!("{new}.pub.der"))),
        "previous_public_key": Bytes::encode(&fixture(&format!("{previous}.pub.der"))),
        "retire_at": retire_at,
    }))
    .unwrap()
}

fn issue_and_report(config: &EdgeConfig, backend: &kofu_edge::core::memory::MemoryBackend) {
    let (request, _, body) = kiosk_request(config, backend, "card-1");
    block_on(issue(config, backend, &RustCrypto, &body, now())).unwrap();
    let outcome = outcome_body("kiosk-dev-001.key.der", &request.transaction_id, PrintOutcome::Printed);
    block_on(report_outcome(config, backend, &RustCrypto, &outcome, now())).unwrap();
}

#[test]
fn a_rotation_switches_signing_to_the_next_key_which_the_old_one_endorses() {
    let (config, backend) = (rotating_config(), backend());
    issue_and_report(&config, &backend);
    assert_eq!(take_attestations(), ["center", "center"], "before any rotation CENTER_KEY signs");

    let t = now();
    let retire_at = t + MIN_OVERLAP_MS + 1;
    let rotated =
        block_on(rotate_center_key(&RustCrypto, &config, &backend, &rotation("center-next", "center", retire_at), t))
            .unwrap();
    assert_eq!(rotated.key_id, hex::encode(sha256(&fixture("center-next.pub.der"))));
    assert_eq!(rotated.previous_key_id, hex::encode(sha256(&fixture("center.pub.der"))));

    issue_and_report(&config, &backend);
    assert_eq!(take_attestations(), ["center-next", "center-next"], "after it the next key signs issue and outcome");

    let keys = backend.center_keys.borrow().clone();
    let (old, new) = (&keys[0].entry, &keys[1].entry);
    assert_eq!((old.retire_at, new.retire_at), (Some(retire_at), None));
    assert_eq!(new.active_from, t);
    // The old key vouches for the new one and for its own end.
    let endorsement = new.endorsement.as_ref().unwrap();
    let old_key = p256_public_key(&fixture("center.pub.der")).unwrap();
    p256_verify(&old_key, &center_key_endorsement_message(&new.public_key.0, retire_at), &endorsement.0).unwrap();
    assert!(
        p256_verify(&old_key, &center_key_endorsement_message(&new.public_key.0, retire_at + 1), &endorsement.0)
            .is_err()
    );

    // Rotating back later is a rotation like any other.
    let back = rotation("center", "center-next", now() + MIN_OVERLAP_MS + 5);
    block_on(rotate_center_key(&RustCrypto, &config, &backend, &back, now())).unwrap();
    issue_and_report(&config, &backend);
    assert_eq!(take_attestations(), ["center", "center"]);
}

#[test]
fn rotations_naming_the_wrong_keys_or_window_are_refused_and_change_nothing() {
    let (config, backend) = (rotating_config(), backend());
    let t = now();
    let ok_end = t + MIN_OVERLAP_MS + 1;
    let refused = |body: Vec<u8>, config: &EdgeConfig| {
        let e = block_on(rotate_center_key(&RustCrypto, config, &backend, &body, t)).unwrap_err();
        assert!(matches!(e, EdgeError::Malformed(_)), "{e:?}");
        e
    };
    // Not the key in force; no configured secret for the new key; the same key.
    refused(rotation("center-next", "center-next", ok_end), &config);
    refused(rotation("ops-dev", "center", ok_end), &config);
    refused(rotation("center", "center", ok_end), &config);
    // Without CENTER_KEY_NEXT there is nothing to rotate to.
    refused(rotation("center-next", "center", ok_end), &common::config());
    // Too short an overlap (in-flight forwards and cached records), or too long.
    refused(rotation("center-next", "center", t + MIN_OVERLAP_MS - 1), &config);
    refused(rotation("center-next", "center", t + 91 * 24 * 3_600_000), &config);
    // Garbage, unknown fields, a SEC1 point instead of SPKI.
    refused(b"{".to_vec(), &config);
    let mut extra: serde_json::Value = serde_json::from_slice(&rotation("center-next", "center", ok_end)).unwrap();
    extra["force"] = true.into();
    refused(serde_json::to_vec(&extra).unwrap(), &config);
    let mut sec1 = extra.clone();
    sec1.as_object_mut().unwrap().remove("force");
    sec1["public_key"] = Bytes::encode(&fixture("center-next.pub.der")[26..]).into();
    refused(serde_json::to_vec(&sec1).unwrap(), &config);

    assert!(backend.center_keys.borrow().is_empty());
    issue_and_report(&config, &backend);
    assert_eq!(take_attestations(), ["center", "center"]);
}

#[test]
fn a_recorded_key_whose_secret_is_gone_stops_forwarding_rather_than_signing_with_another() {
    let (config, backend) = (rotating_config(), backend());
    let t = now();
    block_on(rotate_center_key(
        &RustCrypto,
        &config,
        &backend,
        &rotation("center-next", "center", t + MIN_OVERLAP_MS),
        t,
    ))
    .unwrap();
    // Redeployed without CENTER_KEY_NEXT (and the old key still as CENTER_KEY).
    let (_, _, body) = kiosk_request(&common::config(), &backend, "card-1");
    let e = block_on(issue(&common::config(), &backend, &RustCrypto, &body, now())).unwrap_err();
    assert!(matches!(e, EdgeError::Storage(_)), "{e:?}");
    assert!(take_attestations().is_empty());
}
