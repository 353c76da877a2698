//! docs/PROTOCOL.md's field tables (those marked `fields shared/tests/protocol_fields.rs`)
//! name exactly the fields the wire types send, and say rightly which may be left out
//! (kofu_shared::doc_check::fields). Each sample sets every optional field, so each is sent.

use kofu_shared::doc_check::fields::{self as doc_fields, Table};
use kofu_shared::wire::*;
use kofu_shared::{ApiError, Bytes, MunicipalityCode};
use serde_json::Value;

const PROTOCOL: &str = include_str!("../../docs/PROTOCOL.md");
const CHECKER: &str = "shared/tests/protocol_fields.rs";

fn bytes(n: usize) -> Bytes {
    vec![7; n].into()
}

fn code() -> MunicipalityCode {
    MunicipalityCode::parse("122319").unwrap()
}

fn options() -> CertificateOptions {
    CertificateOptions {
        scope: HouseholdScope::Members,
        members: vec![1],
        with_honseki: true,
        with_relationship: true,
        fiscal_year: Some(2026),
    }
}

fn choice() -> CertificateChoice {
    CertificateChoice { kind: CertificateKind::Juminhyo, copies: 1, options: options() }
}

fn request() -> IssueRequest {
    IssueRequest {
        version: 1,
        transaction_id: "000102030405060708090a0b0c0d0e0f".into(),
        kiosk_id: "kiosk-dev-001".into(),
        challenge: bytes(32),
        certificate: choice(),
        card_certificate: bytes(100),
        reply_key: bytes(65),
        created_at: 1,
        purpose: Purpose::HouseholdList,
    }
}

fn binding() -> Binding {
    Binding {
        transaction_id: "000102030405060708090a0b0c0d0e0f".into(),
        kiosk_id: "kiosk-dev-001".into(),
        challenge: bytes(32),
        card_certificate_sha256: bytes(32),
    }
}

fn member() -> JuminhyoMember {
    JuminhyoMember {
        name: "試験 花子".into(),
        name_kana: "しけん はなこ".into(),
        birth_date: "1985-04-12".into(),
        sex: "女".into(),
        relationship: Some("世帯主".into()),
        resident_since: "2012-06-01".into(),
        honseki: Some("千葉県".into()),
        hittousha: Some("試験 花子".into()),
        individual_number: Some("000000000000".into()),
    }
}

fn juminhyo() -> DocumentBody {
    DocumentBody::Juminhyo(JuminhyoBody {
        address: "千葉県".into(),
        householder: Some("試験 花子".into()),
        whole_household: true,
        members: vec![member()],
    })
}

fn inkan() -> DocumentBody {
    DocumentBody::Inkan(InkanBody {
        name: "試験 花子".into(),
        name_kana: "しけん はなこ".into(),
        birth_date: "1985-04-12".into(),
        sex: "女".into(),
        address: "千葉県".into(),
        registration_number: "1".into(),
        seal_svg: "<svg/>".into(),
    })
}

fn tax() -> DocumentBody {
    DocumentBody::Shotoku(TaxBody {
        name: "試験 花子".into(),
        address: "千葉県".into(),
        birth_date: "1985-04-12".into(),
        fiscal_year: 2026,
        total_income: 1,
        salary_income: 2,
        deductions: 3,
        taxable_income: 4,
        municipal_tax: 5,
        prefectural_tax: 6,
        taxed: true,
    })
}

fn household_member() -> HouseholdListMember {
    HouseholdListMember { position: 1, name: "試験 花子".into(), relationship: "世帯主".into(), holder: true }
}

fn document() -> Document {
    Document {
        version: 1,
        kind: CertificateKind::Juminhyo,
        serial: "122319-000000000000".into(),
        municipality: code(),
        municipality_name: "印西市".into(),
        issued_at: 1,
        binding: binding(),
        copies: 1,
        fee_per_copy: 200,
        body: juminhyo(),
    }
}

fn sealed() -> kofu_shared::seal::Sealed {
    kofu_shared::seal::Sealed { enc: bytes(65), ciphertext: bytes(40) }
}

/// A value nested in a sample (a list's first element, an object member), to check a
/// table that describes it in place.
fn nested(value: impl serde::Serialize, path: &[&str]) -> Value {
    let mut value = serde_json::to_value(value).unwrap();
    for step in path {
        value = match step.parse::<usize>() {
            Ok(i) => value[i].take(),
            Err(_) => value[*step].take(),
        };
    }
    value
}

fn parses_as<T: serde::de::DeserializeOwned>(value: &Value) -> bool {
    serde_json::from_value::<T>(value.clone()).is_ok()
}

const KNOWN: &[&str] = &[
    "Health",
    "ChallengeRequest",
    "ChallengeResponse",
    "MenuEnvelope",
    "MenuRequest",
    "MenuResponse",
    "MenuItem",
    "IssueEnvelope",
    "IssueRequest",
    "CertificateChoice",
    "CertificateOptions",
    "IssueResponse",
    "Sealed",
    "SignedDocument",
    "OutcomeEnvelope",
    "OutcomeReport",
    "OutcomeAck",
    "MunicipalKey",
    "CenterKeyEntry",
    "ForwardEnvelope",
    "Forward",
    "Document",
    "Binding",
    "juminhyo body",
    "juminhyo member",
    "inkan body",
    "shotoku and kazei body",
    "household list body",
    "household list member",
    "OutcomeForward",
    "CardStatusQuery",
    "CardStatusAnswer",
    "error body",
];

fn check(table: &Table) -> Option<Vec<String>> {
    use doc_fields::check as c;
    Some(match table.id.as_str() {
        "Health" => c(
            table,
            &Health { status: "ok".into(), service: "kofu-edge".into(), version: "0.1.0".into(), schema: Some(9) },
        ),
        "ChallengeRequest" => c(table, &ChallengeRequest { kiosk_id: "kiosk-dev-001".into() }),
        "ChallengeResponse" => c(table, &ChallengeResponse { challenge: bytes(32), expires_at: 1 }),
        "MenuEnvelope" => c(table, &MenuEnvelope { request: bytes(10), kiosk_signature: bytes(64) }),
        "MenuRequest" => c(
            table,
            &MenuRequest {
                version: 1,
                kiosk_id: "kiosk-dev-001".into(),
                card_certificate: bytes(100),
                requested_at: 1,
            },
        ),
        "MenuResponse" | "MenuItem" => {
            let menu = MenuResponse {
                municipality: code(),
                municipality_name: "印西市".into(),
                open_minute: 390,
                close_minute: 1380,
                items: vec![MenuItem { kind: CertificateKind::Inkan, fee_per_copy: Some(200), available_now: true }],
            };
            match table.id.as_str() {
                "MenuResponse" => c(table, &menu),
                _ => doc_fields::check(table, &menu.items[0]),
            }
        }
        "IssueEnvelope" => {
            c(table, &IssueEnvelope { request: bytes(10), card_signature: bytes(256), kiosk_signature: bytes(64) })
        }
        "IssueRequest" => c(table, &request()),
        "CertificateChoice" => c(table, &choice()),
        "CertificateOptions" => c(table, &options()),
        "IssueResponse" => c(
            table,
            &IssueResponse {
                answer: MunicipalAnswer { sealed: sealed() },
                municipality: code(),
                municipality_key: bytes(65),
            },
        ),
        "Sealed" => c(table, &sealed()),
        "SignedDocument" => c(table, &SignedDocument { document: bytes(10), signature: bytes(64) }),
        "OutcomeEnvelope" => c(table, &OutcomeEnvelope { report: bytes(10), kiosk_signature: bytes(64) }),
        "OutcomeReport" => c(
            table,
            &OutcomeReport {
                version: 1,
                transaction_id: "000102030405060708090a0b0c0d0e0f".into(),
                kiosk_id: "kiosk-dev-001".into(),
                document_serial: "122319-000000000000".into(),
                outcome: PrintOutcome::Printed,
                reported_at: 1,
            },
        ),
        "OutcomeAck" => c(
            table,
            &OutcomeAck { transaction_id: "000102030405060708090a0b0c0d0e0f".into(), state: RegisterState::Printed },
        ),
        "MunicipalKey" => c(table, &MunicipalKey { code: code(), name: "印西市".into(), public_key: bytes(65) }),
        "CenterKeyEntry" => c(
            table,
            &CenterKeyEntry {
                key_id: "00".repeat(32),
                public_key: bytes(91),
                active_from: 1,
                retire_at: Some(2),
                endorsement: Some(bytes(64)),
            },
        ),
        "ForwardEnvelope" => c(table, &ForwardEnvelope { forward: bytes(10), attestation: bytes(64) }),
        "Forward" => c(
            table,
            &Forward {
                version: 1,
                request: bytes(10),
                card_signature: bytes(256),
                municipality: code(),
                card_serial: "4b4f465500000001".into(),
                verified_at: 1,
            },
        ),
        "Document" => c(table, &document()),
        "Binding" => c(table, &binding()),
        "juminhyo body" => c(table, &juminhyo()),
        "juminhyo member" => c(table, &member()),
        "inkan body" => c(table, &inkan()),
        "shotoku and kazei body" => c(table, &tax()),
        "household list body" => {
            c(table, &DocumentBody::HouseholdList(HouseholdListBody { members: vec![household_member()] }))
        }
        "household list member" => c(table, &household_member()),
        "OutcomeForward" => c(
            table,
            &OutcomeForward {
                version: 1,
                report: bytes(10),
                kiosk_signature: bytes(64),
                municipality: code(),
                verified_at: 1,
            },
        ),
        "CardStatusQuery" => {
            c(table, &CardStatusQuery { card_serial: "4b4f465500000001".into(), issuer_sha256: bytes(32) })
        }
        "CardStatusAnswer" => c(table, &CardStatusAnswer { status: CardStatus::Valid, municipality: Some(code()) }),
        "error body" => {
            let error = ApiError::new(kofu_shared::ErrorCode::BadRequest, "malformed request: body");
            doc_fields::check_with(table, &nested(&error, &["error"]), |body| {
                parses_as::<ApiError>(&serde_json::json!({ "error": body }))
            })
        }
        _ => return None,
    })
}

#[test]
fn every_field_table_is_what_the_wire_types_send() {
    let problems = doc_fields::check_all(PROTOCOL, CHECKER, KNOWN, check);
    assert!(problems.is_empty(), "docs/PROTOCOL.md field tables disagree with the code:\n{}", problems.join("\n"));
}

#[test]
fn a_field_table_that_drifts_fails() {
    let table = |rows: &str| {
        format!("<!-- fields {CHECKER}: OutcomeAck -->\n| field | type | required |\n|---|---|---|\n{rows}")
    };
    let good = table("| `transaction_id` | string | yes |\n| `state` | string | yes |\n");
    assert!(doc_fields::check_all(&good, CHECKER, &["OutcomeAck"], check).is_empty());
    let missing = table("| `transaction_id` | string | yes |\n");
    assert!(!doc_fields::check_all(&missing, CHECKER, &["OutcomeAck"], check).is_empty());
    let extra =
        table("| `transaction_id` | string | yes |\n| `state` | string | yes |\n| `charged_yen` | integer | no |\n");
    assert!(!doc_fields::check_all(&extra, CHECKER, &["OutcomeAck"], check).is_empty());
    let optional = table("| `transaction_id` | string | no |\n| `state` | string | yes |\n");
    assert!(!doc_fields::check_all(&optional, CHECKER, &["OutcomeAck"], check).is_empty());
    let unmarked = "| field | type | required |\n|---|---|---|\n| `a` | string | yes |\n";
    assert!(!doc_fields::check_all(unmarked, CHECKER, &[], check).is_empty());
    let unknown_checker = "<!-- fields nowhere.rs: OutcomeAck -->\n| field | type | required |\n|---|---|---|\n";
    assert!(!doc_fields::check_all(unknown_checker, CHECKER, &[], check).is_empty());
    assert!(!doc_fields::check_all("", CHECKER, &["OutcomeAck"], check).is_empty(), "a known table missing");
}
