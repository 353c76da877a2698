//! A kiosk one version older keeps working: what the center answers may gain fields, and
//! the kiosk's parsing of answers ignores fields it does not know (docs/PROTOCOL.md,
//! "Versions"). Requests stay strict: a server refuses fields it does not know.

use kofu_shared::wire::*;

#[test]
fn kiosk_side_answers_tolerate_fields_added_later() {
    let key = kofu_shared::seal::ReplyKey::derive_for_tests(&[7; 32]);
    let sealed = kofu_shared::seal::seal(key.public_bytes(), b"tx", b"document").unwrap();
    let current = IssueResponse {
        answer: MunicipalAnswer { sealed },
        municipality: "122319".parse().unwrap(),
        municipality_key: vec![4; 65].into(),
    };
    // What a newer center might send: the same answer with fields added at two levels.
    let mut newer = serde_json::to_value(&current).unwrap();
    newer["fee_yen"] = 300.into();
    newer["answer"]["added_later"] = true.into();
    let parsed: IssueResponse = serde_json::from_value(newer).unwrap();
    assert_eq!(parsed, current);
    let ack: OutcomeAck = serde_json::from_str(
        r#"{"transaction_id":"00112233445566778899aabbccddeeff","state":"printed","charged_yen":300}"#,
    )
    .unwrap();
    assert_eq!(ack.state, RegisterState::Printed);
    let challenge: ChallengeResponse =
        serde_json::from_str(r#"{"challenge":"AAAA","expires_at":1,"added_later":true}"#).unwrap();
    assert_eq!(challenge.challenge.0, [0, 0, 0]);
    let health: Health =
        serde_json::from_str(r#"{"status":"ok","service":"kofu-edge","version":"0.2.0","schema":9,"region":"x"}"#)
            .unwrap();
    assert_eq!(health.schema, Some(9));
}

#[test]
fn requests_stay_strict() {
    let unknown = r#"{"kiosk_id":"kiosk-dev-001","extra":1}"#;
    assert!(serde_json::from_str::<ChallengeRequest>(unknown).is_err());
}

/// Every request a released kiosk sends (`fixtures/compat/kiosk-*/`) still parses with
/// today's types, and means the same: a field made required, renamed or retyped since
/// would lock that kiosk out.
#[test]
fn requests_of_released_kiosks_are_still_accepted() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/compat");
    let mut checked = 0;
    for release in std::fs::read_dir(root).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for file in std::fs::read_dir(release.path()).unwrap().flatten() {
            let name = file.file_name().into_string().unwrap();
            let sent: serde_json::Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
            let read_back = match name.split('.').next().unwrap() {
                "challenge-request" => round_trip::<ChallengeRequest>(&sent),
                "menu-request" => round_trip::<MenuRequest>(&sent),
                n if n.starts_with("issue-request") => round_trip::<IssueRequest>(&sent),
                "outcome-report" => round_trip::<OutcomeReport>(&sent),
                other => panic!("{other}: no request type for this file"),
            }
            .unwrap_or_else(|e| panic!("{}: {e}", file.path().display()));
            for (field, value) in sent.as_object().unwrap() {
                assert_eq!(read_back.get(field), Some(value), "{}: {field} changed meaning", file.path().display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "the fixtures were not found");
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
    sent: &serde_json::Value,
) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(serde_json::from_value::<T>(sent.clone())?)
}
