//! The audit trail in the edge's real D1 (workerd, `wrangler dev`): it verifies, and a
//! record altered directly in the database is found by the ops check.

use std::process::Command;

use kofu_tests::{env, ops_get, post, verify_audit};

/// Runs SQL against the edge's local D1 the way an intruder with the database would.
fn d1(sql: &str) -> String {
    let out = Command::new(env("KOFU_WRANGLER"))
        .args(["d1", "execute", "kofu", "--local", "--json", "--persist-to", &env("KOFU_EDGE_STATE"), "--command", sql])
        .env("WRANGLER_SEND_METRICS", "false")
        .env("DO_NOT_TRACK", "1")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("wrangler runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_audit_trail_verifies_and_a_record_altered_in_d1_is_found() {
    // At least one record: a refused request is audited too.
    let (status, _) = post(&format!("{}/v1/issue", env("KOFU_EDGE_URL")), b"{}");
    assert_eq!(status, 400);
    let clean = verify_audit();
    assert!(clean.verified >= 1 && clean.broken_at.is_none(), "{clean:?}");
    let (status, body) = ops_get("/v1/ops/audit/export?from_seq=1&limit=1");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let exported: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (exported[0]["seq"].as_u64(), exported[0]["prev_hash"].as_str()),
        (Some(1), Some("0".repeat(64).as_str()))
    );

    // Not an operator: refused, and nothing said about why.
    let (status, body) = kofu_tests::get(&format!("{}/v1/ops/audit/verify", env("KOFU_EDGE_URL")));
    assert_eq!(status, 401);
    assert!(String::from_utf8_lossy(&body).contains("ops_unauthorized"));

    let before: serde_json::Value = serde_json::from_str(&d1("SELECT outcome FROM audit WHERE seq = 1")).unwrap();
    let original = before[0]["results"][0]["outcome"].as_str().expect("record 1 exists").to_owned();
    assert!(original.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    d1("UPDATE audit SET outcome = 'forged' WHERE seq = 1");
    let broken = verify_audit();
    assert_eq!((broken.verified, broken.broken_at), (0, Some(1)), "{broken:?}");
    // Put it back, as a restore from a good backup would: the chain verifies again.
    d1(&format!("UPDATE audit SET outcome = '{original}' WHERE seq = 1"));
    assert!(verify_audit().broken_at.is_none());
}

/// Kiosk enrollment and revocation through the signed ops API, against the real D1.
#[test]
fn an_operator_enrolls_and_revokes_a_kiosk() {
    let edge = env("KOFU_EDGE_URL");
    let id = format!("kiosk-ops-{}", kofu_tests::now_ms());
    let enrollment = serde_json::json!({
        "id": id, "public_key": kofu_shared::Bytes(kofu_tests::fixture("kiosk-dev-001.pub.der")),
        "operator": "test chain", "store": "test store",
    })
    .to_string();
    // Unsigned: refused; signed: enrolled, and the kiosk may ask for challenges.
    assert_eq!(post(&format!("{edge}/v1/ops/kiosks"), enrollment.as_bytes()).0, 401);
    let headers = kofu_tests::ops_headers("POST", "/v1/ops/kiosks", enrollment.as_bytes());
    let send = || {
        let mut request = kofu_tests::agent().post(&format!("{edge}/v1/ops/kiosks"));
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let mut response = request.send(enrollment.as_bytes()).unwrap();
        (response.status().as_u16(), response.body_mut().read_to_vec().unwrap())
    };
    let (status, body) = send();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // The same signed request again, inside its time window: a replay, refused.
    let (status, body) = send();
    assert_eq!(status, 401);
    assert!(String::from_utf8_lossy(&body).contains("ops_unauthorized"));
    let challenge = serde_json::json!({ "kiosk_id": id }).to_string();
    assert_eq!(post(&format!("{edge}/v1/challenges"), challenge.as_bytes()).0, 200);
    let (status, _) =
        kofu_tests::ops_post("/v1/ops/kiosks/revoke", serde_json::json!({ "id": id }).to_string().as_bytes());
    assert_eq!(status, 200);
    let (status, body) = post(&format!("{edge}/v1/challenges"), challenge.as_bytes());
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("unknown_kiosk"));
}

/// The inspection report over the trail so far: counts by store and municipality, signed
/// query, nothing personal in it.
#[test]
fn the_inspection_report_counts_by_store_and_municipality() {
    let (status, _) = post(&format!("{}/v1/issue", env("KOFU_EDGE_URL")), b"{}");
    assert_eq!(status, 400);
    let path = format!("/v1/ops/audit/report?from=0&to={}", kofu_tests::now_ms() + 60_000);
    let (status, body) = ops_get(&path);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
    // The malformed request has no kiosk, so it counts under the store "".
    assert!(report["stores"][""]["refused"]["bad_request"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["municipalities"].is_object() && report["repeated_refusals"].is_object());
    let text = String::from_utf8_lossy(&body);
    for personal in ["木下", "花子", "千葉県", "4b4f4655"] {
        assert!(!text.contains(personal), "{personal} in the report");
    }
    // The period is part of what the operator signed: another period, same signature, refused.
    let mut other = kofu_tests::agent().get(&format!("{}/v1/ops/audit/report?from=0&to=1", env("KOFU_EDGE_URL")));
    for (name, value) in kofu_tests::ops_headers("GET", &path, b"") {
        other = other.header(name, &value);
    }
    assert_eq!(other.call().unwrap().status().as_u16(), 401);
}
