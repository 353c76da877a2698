//! Helpers of the edge pipeline tests: fixtures, a kiosk that signs like the real one, a
//! municipality that answers like the reference server.
#![allow(dead_code)]

use futures_executor::block_on;
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{Jpki, Pin, VerifyOutcome};
use kofu_edge::core::challenge::create_challenge;
use kofu_edge::core::hours::ServiceHours;
use kofu_edge::core::memory::{ForwardFn, MemoryBackend};
use kofu_edge::core::{EdgeConfig, HttpAnswer, KioskRecord, MunicipalityRecord};
use kofu_shared::kiosk::{expected_binding, sign_envelope};
use kofu_shared::seal::{ReplyKey, seal};
use kofu_shared::signing::{
    card_digest_info, center_message, center_outcome_message, municipal_message, outcome_message, p256_public_key,
    p256_sign, p256_signing_key, p256_verify,
};
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;
use kofu_shared::{Bytes, MunicipalityCode};

pub const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only/");

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIX}{name}")).unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

pub fn inzai() -> MunicipalityCode {
    MunicipalityCode::parse("122319").unwrap()
}

pub fn config() -> EdgeConfig {
    let pem = String::from_utf8(fixture("test-jpki-ca.cert.pem")).unwrap();
    EdgeConfig::from_text(&pem, &Bytes::encode(&fixture("center.key.der"))).unwrap()
}

/// A municipality that verifies the attestation and signs a document bound to the request.
pub fn municipality(url: &str, body: &[u8]) -> Result<HttpAnswer, kofu_edge::core::BackendError> {
    if url == "http://municipal.test/v1/outcome" {
        return Ok(outcome_ack(body));
    }
    assert_eq!(url, "http://municipal.test/v1/issue");
    let envelope: ForwardEnvelope = serde_json::from_slice(body).unwrap();
    attested(&center_message(&envelope.forward.0), &envelope.attestation.0);
    let forward: Forward = serde_json::from_slice(&envelope.forward.0).unwrap();
    let request: IssueRequest = serde_json::from_slice(&forward.request.0).unwrap();
    let document = Document {
        version: 1,
        kind: CertificateKind::Juminhyo,
        serial: String::from("T-1"),
        municipality: forward.municipality,
        municipality_name: String::from("印西市"),
        issued_at: forward.verified_at,
        binding: expected_binding(&request),
        copies: request.certificate.copies,
        fee_per_copy: 200,
        body: DocumentBody::Juminhyo(JuminhyoBody {
            address: String::from("千葉県印西市"),
            householder: None,
            whole_household: false,
            members: vec![JuminhyoMember {
                name: String::from("試験 太郎"),
                name_kana: String::from("しけん たろう"),
                birth_date: String::from("1980-01-01"),
                sex: String::from("男"),
                relationship: None,
                resident_since: String::from("2000-01-01"),
                honseki: None,
                hittousha: None,
                individual_number: None,
            }],
        }),
    };
    let bytes = serde_json::to_vec(&document).unwrap();
    let key = p256_signing_key(&fixture("municipal-122319.key.der")).unwrap();
    let signature = p256_sign(&key, &municipal_message(&bytes)).to_vec();
    let signed = serde_json::to_vec(&SignedDocument { document: bytes.into(), signature: signature.into() }).unwrap();
    let sealed = seal(&request.reply_key.0, request.transaction_id.as_bytes(), &signed).unwrap();
    let answer = MunicipalAnswer { sealed };
    Ok(HttpAnswer { status: 200, body: serde_json::to_vec(&answer).unwrap() })
}

thread_local! {
    static ATTESTED_BY: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The fake municipality accepts either center key (a rotation's old and new) and notes
/// which one signed; anything else fails the test.
fn attested(message: &[u8], signature: &[u8]) {
    let by = ["center", "center-next"]
        .into_iter()
        .find(|name| {
            let key = p256_public_key(&fixture(&format!("{name}.pub.der"))).unwrap();
            p256_verify(&key, message, signature).is_ok()
        })
        .expect("the attestation verifies under a center key");
    ATTESTED_BY.with(|a| a.borrow_mut().push(by));
}

/// Which center key signed each forward this thread's fake municipality received.
pub fn take_attestations() -> Vec<&'static str> {
    ATTESTED_BY.with(|a| std::mem::take(&mut *a.borrow_mut()))
}

/// The municipality's side of an outcome: checks the center's attestation, acknowledges.
pub fn outcome_ack(body: &[u8]) -> HttpAnswer {
    let envelope: ForwardEnvelope = serde_json::from_slice(body).unwrap();
    attested(&center_outcome_message(&envelope.forward.0), &envelope.attestation.0);
    let forward: OutcomeForward = serde_json::from_slice(&envelope.forward.0).unwrap();
    let report: OutcomeReport = serde_json::from_slice(&forward.report.0).unwrap();
    let state = match report.outcome {
        PrintOutcome::Printed => RegisterState::Printed,
        PrintOutcome::PrintFailed => RegisterState::Voided,
    };
    let ack = OutcomeAck { transaction_id: report.transaction_id, state };
    HttpAnswer { status: 200, body: serde_json::to_vec(&ack).unwrap() }
}

pub fn outcome_body(kiosk_key: &str, transaction_id: &str, outcome: PrintOutcome) -> Vec<u8> {
    let report = OutcomeReport {
        version: 1,
        transaction_id: transaction_id.into(),
        kiosk_id: "kiosk-dev-001".into(),
        document_serial: "122319-X".into(),
        outcome,
        reported_at: now(),
    };
    let report = serde_json::to_vec(&report).unwrap();
    let key = p256_signing_key(&fixture(kiosk_key)).unwrap();
    let signature = p256_sign(&key, &outcome_message(&report)).to_vec();
    serde_json::to_vec(&OutcomeEnvelope { report: report.into(), kiosk_signature: signature.into() }).unwrap()
}

pub fn backend() -> MemoryBackend {
    backend_with(Box::new(municipality))
}

pub fn backend_with(forward: ForwardFn) -> MemoryBackend {
    let backend = MemoryBackend::new(forward);
    let kiosk = KioskRecord { id: "kiosk-dev-001".into(), public_key: fixture("kiosk-dev-001.pub.der"), active: true };
    backend.kiosks.borrow_mut().insert(kiosk.id.clone(), kiosk);
    let record = MunicipalityRecord {
        code: inzai(),
        name: "印西市".into(),
        endpoint: "http://municipal.test".into(),
        public_key: fixture("municipal-122319.pub.der"),
        enabled: true,
        // Always open, so these tests pass at any hour; hours have their own tests.
        hours: ServiceHours { open_minute: 0, close_minute: 1440, year_end_closed: false },
        kinds: vec![CertificateKind::Juminhyo],
        closures: Default::default(),
        fees: vec![(CertificateKind::Juminhyo, 200)],
    };
    backend.municipalities.borrow_mut().insert(inzai(), record);
    for card in ["card-1", "card-rogue"] {
        let cert = ParsedCert::parse(&fixture(&format!("{card}.cert.der"))).unwrap();
        let answer = CardStatusAnswer { status: CardStatus::Valid, municipality: Some(inzai()) };
        backend.cards.borrow_mut().insert((cert.issuer_sha256().to_vec(), cert.serial_hex), answer);
    }
    backend
}

/// Does what the kiosk does: challenge, card reads and signs, kiosk signs.
pub fn kiosk_request(config: &EdgeConfig, backend: &MemoryBackend, card: &str) -> (IssueRequest, ReplyKey, Vec<u8>) {
    kiosk_request_with_tx(config, backend, card, &hex::encode(&rand_nonce()[..16]))
}

pub fn kiosk_request_with_tx(
    config: &EdgeConfig,
    backend: &MemoryBackend,
    card: &str,
    transaction_id: &str,
) -> (IssueRequest, ReplyKey, Vec<u8>) {
    block_on(async {
        let body = br#"{"kiosk_id":"kiosk-dev-001"}"#;
        let challenge = create_challenge(config, backend, body, now(), rand_nonce()).await.unwrap();
        let virtual_card =
            VirtualCard::new(&fixture(&format!("{card}.key.der")), &fixture(&format!("{card}.cert.der")), b"1234")
                .unwrap();
        let mut jpki = Jpki::new(virtual_card);
        jpki.select_jpki().await.unwrap();
        let certificate = jpki.read_auth_certificate().await.unwrap();
        jpki.pin_state().await.unwrap();
        assert_eq!(jpki.verify_pin(&Pin::parse("1234").unwrap()).await.unwrap(), VerifyOutcome::Verified);
        let reply_key = ReplyKey::generate();
        let request = IssueRequest {
            version: 1,
            transaction_id: transaction_id.to_owned(),
            kiosk_id: "kiosk-dev-001".into(),
            challenge: challenge.challenge,
            certificate: CertificateChoice::new(CertificateKind::Juminhyo, 1),
            card_certificate: certificate.into(),
            reply_key: reply_key.public_bytes().to_vec().into(),
            created_at: now(),
            purpose: Purpose::Issue,
        };
        let request_bytes = serde_json::to_vec(&request).unwrap();
        let card_signature = jpki.sign_digest_info(&card_digest_info(&request_bytes)).await.unwrap();
        let kiosk_key = p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap();
        let envelope = sign_envelope(request_bytes, card_signature, &kiosk_key);
        (request, reply_key, serde_json::to_vec(&envelope).unwrap())
    })
}

pub fn rand_nonce() -> [u8; 32] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&n.to_be_bytes());
    out[8..16].copy_from_slice(&now().to_be_bytes());
    out
}

pub fn swap_forward(old: MemoryBackend, forward: ForwardFn) -> MemoryBackend {
    let new = MemoryBackend::new(forward);
    new.kiosks.replace(old.kiosks.take());
    new.municipalities.replace(old.municipalities.take());
    new.cards.replace(old.cards.take());
    new
}
