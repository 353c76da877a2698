//! The whole issuance in one process, no network: the kiosk's own session code with a
//! virtual card → the center's core on its memory backend → the reference municipal
//! issuer on a SQLite file, with the card's status from the municipal validation code.
//! The browser and stack tests prove the same over real HTTP; this one runs in
//! `cargo test` in a second and pins down what each part does with the others' bytes.

use std::cell::RefCell;
use std::rc::Rc;

use futures_executor::block_on;
use kofu_app::session::{EdgeApi, EdgeCallError, KioskIdentity, Session, SessionError, report_outcome};
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{Pin, PinState, VerifyOutcome};
use kofu_edge::core::audit::verify_chain;
use kofu_edge::core::hours::ServiceHours;
use kofu_edge::core::memory::MemoryBackend;
use kofu_edge::core::verify::RustCrypto;
use kofu_edge::core::{BackendError, EdgeConfig, HttpAnswer, KioskRecord, MunicipalityRecord};
use kofu_municipal::db::{Db, Param};
use kofu_municipal::seed::seed_town;
use kofu_municipal::{CenterKey, Municipality};
use kofu_shared::kiosk::DocumentError;
use kofu_shared::signing::{p256_public_key, p256_signing_key};
use kofu_shared::wire::*;
use kofu_shared::x509::ParsedCert;
use kofu_shared::{ErrorCode, MunicipalityCode};

/// 2026-12-02 12:00 JST, a Wednesday inside service hours, after the fixture cards were made.
const NOW: u64 = 1_796_180_400_000;
const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only/");
const KIOSK: &str = "kiosk-dev-001";
const MUNICIPAL_URL: &str = "http://municipal.test";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIX}{name}")).unwrap()
}

fn inzai() -> MunicipalityCode {
    MunicipalityCode::parse("122319").unwrap()
}

/// The reference municipal server's logic on a SQLite file of its own.
struct Town {
    municipality: Municipality,
    db: Db,
    dir: std::path::PathBuf,
}

impl Town {
    fn seeded(name: &str) -> Rc<Town> {
        let dir = std::env::temp_dir().join(format!("kofu-in-process-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::open(&dir.join("town.sqlite").display().to_string()).unwrap();
        seed_town(&db, "122319", &kofu_municipal::eligibility::jst_date(NOW)).unwrap();
        let municipality = Municipality {
            code: inzai(),
            name: "印西市".into(),
            signing_key: p256_signing_key(&fixture("municipal-122319.key.der")).unwrap(),
            center_keys: vec![CenterKey { key: p256_public_key(&fixture("center.pub.der")).unwrap(), until_ms: None }],
            followed: Default::default(),
        };
        Rc::new(Town { municipality, db, dir })
    }

    /// What its HTTP adapter answers for `POST <path>`: the value as JSON, or the typed error.
    fn answer(&self, url: &str, body: &[u8]) -> Result<HttpAnswer, BackendError> {
        let result = match url.strip_prefix(MUNICIPAL_URL) {
            Some("/v1/issue") => kofu_municipal::issue::handle_issue(&self.municipality, &self.db, body, NOW)
                .map(|a| serde_json::to_vec(&a).unwrap())
                .map_err(|e| e.to_api_error()),
            Some("/v1/outcome") => kofu_municipal::outcome::handle_outcome(&self.municipality, &self.db, body, NOW)
                .map(|a| serde_json::to_vec(&a).unwrap())
                .map_err(|e| e.to_api_error()),
            _ => panic!("the center called {url}"),
        };
        Ok(match result {
            Ok(body) => HttpAnswer { status: 200, body },
            Err(e) => HttpAnswer { status: e.error.code.http_status(), body: serde_json::to_vec(&e).unwrap() },
        })
    }

    /// The register's state of a transaction: `issued`, `printed`, `voided`, or none.
    fn register(&self, transaction_id: &[u8; 16]) -> Option<String> {
        let id = hex::encode(transaction_id);
        let row =
            self.db.query_row("SELECT state FROM issuances WHERE transaction_id = ?1", &[Param::Text(&id)]).unwrap();
        row.map(|r| r.text(0).unwrap())
    }

    fn issuances(&self) -> i64 {
        self.db.query_row("SELECT COUNT(*) FROM issuances", &[]).unwrap().unwrap().int(0).unwrap()
    }

    /// The validation service's answer for a card, from the same database.
    fn card_status(&self, certificate: &[u8]) -> CardStatusAnswer {
        let cert = ParsedCert::parse(certificate).unwrap();
        let query =
            CardStatusQuery { issuer_sha256: cert.issuer_sha256().to_vec().into(), card_serial: cert.serial_hex };
        let body = serde_json::to_vec(&query).unwrap();
        kofu_municipal::validation::card_status(&self.db, &body, NOW).unwrap()
    }
}

impl Drop for Town {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The center's core as the kiosk reaches it, every call straight into `kofu_edge::core`.
struct Center {
    config: EdgeConfig,
    backend: MemoryBackend,
    nonces: RefCell<u64>,
}

impl Center {
    fn new(forward: kofu_edge::core::memory::ForwardFn) -> Center {
        let pem = String::from_utf8(fixture("test-jpki-ca.cert.pem")).unwrap();
        let config = EdgeConfig::from_text(&pem, &kofu_shared::Bytes::encode(&fixture("center.key.der"))).unwrap();
        let backend = MemoryBackend::new(forward);
        let kiosk = KioskRecord { id: KIOSK.into(), public_key: fixture("kiosk-dev-001.pub.der"), active: true };
        backend.kiosks.borrow_mut().insert(kiosk.id.clone(), kiosk);
        let record = MunicipalityRecord {
            code: inzai(),
            name: "印西市".into(),
            endpoint: MUNICIPAL_URL.into(),
            public_key: fixture("municipal-122319.pub.der"),
            enabled: true,
            hours: ServiceHours { open_minute: 390, close_minute: 1380, year_end_closed: true },
            kinds: vec![CertificateKind::Juminhyo, CertificateKind::Inkan],
            closures: Default::default(),
            fees: vec![(CertificateKind::Juminhyo, 200), (CertificateKind::Inkan, 200)],
        };
        backend.municipalities.borrow_mut().insert(inzai(), record);
        Center { config, backend, nonces: RefCell::new(0) }
    }

    /// Learns the card's status from the validation service, as the worker asks it per request.
    fn validated_by(&self, town: &Town, certificate: &[u8]) {
        let cert = ParsedCert::parse(certificate).unwrap();
        let key = (cert.issuer_sha256().to_vec(), cert.serial_hex.clone());
        self.backend.cards.borrow_mut().insert(key, town.card_status(certificate));
    }

    fn refused(e: kofu_edge::core::EdgeError) -> EdgeCallError {
        EdgeCallError::Refused(e.code())
    }
}

impl EdgeApi for Center {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError> {
        // The borrow ends before the await below.
        let n = {
            let mut n = self.nonces.borrow_mut();
            *n += 1;
            *n
        };
        let mut nonce = [0u8; 32];
        nonce[..8].copy_from_slice(&n.to_be_bytes());
        let body = serde_json::to_vec(&ChallengeRequest { kiosk_id: kiosk_id.into() }).unwrap();
        kofu_edge::core::challenge::create_challenge(&self.config, &self.backend, &body, NOW, nonce)
            .await
            .map_err(Center::refused)
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError> {
        let body = serde_json::to_vec(envelope).unwrap();
        kofu_edge::core::issue::issue(&self.config, &self.backend, &RustCrypto, &body, NOW)
            .await
            .map_err(Center::refused)
    }

    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError> {
        let body = serde_json::to_vec(envelope).unwrap();
        kofu_edge::core::outcome::report_outcome(&self.config, &self.backend, &RustCrypto, &body, NOW)
            .await
            .map_err(Center::refused)
    }

    async fn menu(&self, envelope: &MenuEnvelope) -> Result<MenuResponse, EdgeCallError> {
        let body = serde_json::to_vec(envelope).unwrap();
        kofu_edge::core::menu::menu(&self.config, &self.backend, &RustCrypto, &body, NOW).await.map_err(Center::refused)
    }
}

/// A center whose municipality is `town`, reached through its HTTP answers.
fn center_for(town: &Rc<Town>) -> Center {
    let town = Rc::clone(town);
    Center::new(Box::new(move |url, body| town.answer(url, body)))
}

fn kiosk() -> KioskIdentity {
    KioskIdentity::software(KIOSK, p256_signing_key(&fixture("kiosk-dev-001.key.der")).unwrap())
}

fn card(name: &str) -> VirtualCard {
    VirtualCard::new(&fixture(&format!("{name}.key.der")), &fixture(&format!("{name}.cert.der")), b"1234").unwrap()
}

/// Card in and the right PIN, as the resident does it at the kiosk.
async fn signed_in(center: &Center, town: &Town, name: &str) -> Session<VirtualCard> {
    let (mut session, tries) = Session::start(card(name)).await.unwrap();
    assert!(matches!(tries, PinState::TriesLeft(n) if n > 0), "{tries:?}");
    center.validated_by(town, &fixture(&format!("{name}.cert.der")));
    assert_eq!(session.verify_pin(Pin::parse("1234").unwrap()).await.unwrap(), VerifyOutcome::Verified);
    session
}

#[test]
fn a_resident_gets_a_document_and_the_register_and_audit_agree() {
    let town = Town::seeded("issue");
    let center = center_for(&town);
    block_on(async {
        let mut session = signed_in(&center, &town, "card-1").await;
        let menu = session.menu(&center, &kiosk(), NOW).await.unwrap();
        assert!(menu.items.iter().any(|o| o.kind == CertificateKind::Juminhyo), "the menu offers a 住民票");

        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 2);
        let tx = [0x11; 16];
        let verified = session.issue(&center, &kiosk(), choice, tx, NOW).await.unwrap();
        assert_eq!(verified.document.binding.transaction_id, hex::encode(tx));
        assert_eq!(verified.document.kind, CertificateKind::Juminhyo);
        assert_eq!(verified.document.copies, 2);
        assert_eq!(verified.municipality, inzai());
        assert_eq!(town.register(&tx).as_deref(), Some("issued"), "issued, waiting for the print outcome");

        let ack = report_outcome(&center, &kiosk(), &verified.document, PrintOutcome::Printed, NOW).await.unwrap();
        assert_eq!(ack.state, RegisterState::Printed);
        assert_eq!(town.register(&tx).as_deref(), Some("printed"));
        assert_eq!(town.issuances(), 1);
    });
    let audit = center.backend.audit.borrow();
    let steps: Vec<(&str, &str)> = audit.iter().map(|r| (r.entry.step.as_str(), r.entry.outcome.as_str())).collect();
    assert_eq!(steps, [("menu", "menu"), ("issue", "issued"), ("outcome", "printed")]);
    assert_eq!(verify_chain(&audit).unwrap(), 3);
}

#[test]
fn a_failed_print_voids_the_issuance_so_nothing_is_charged() {
    let town = Town::seeded("void");
    let center = center_for(&town);
    block_on(async {
        let mut session = signed_in(&center, &town, "card-1").await;
        let tx = [0x22; 16];
        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
        let verified = session.issue(&center, &kiosk(), choice, tx, NOW).await.unwrap();
        let ack = report_outcome(&center, &kiosk(), &verified.document, PrintOutcome::PrintFailed, NOW).await.unwrap();
        assert_eq!(ack.state, RegisterState::Voided);
        assert_eq!(town.register(&tx).as_deref(), Some("voided"));
    });
}

/// The 2023 class: the municipality (or anything between) hands this kiosk another
/// transaction's document. The kiosk's session refuses it before anything could print.
#[test]
fn another_transactions_document_is_refused_before_print() {
    let town = Town::seeded("swap");
    let first_answer: Rc<RefCell<Option<HttpAnswer>>> = Rc::default();
    let center = {
        let (town, first) = (Rc::clone(&town), Rc::clone(&first_answer));
        Center::new(Box::new(move |url, body| {
            let answer = town.answer(url, body)?;
            if !url.ends_with("/v1/issue") {
                return Ok(answer);
            }
            let mut first = first.borrow_mut();
            match first.as_ref() {
                // Every later request gets the first transaction's sealed document.
                Some(earlier) => Ok(earlier.clone()),
                None => {
                    *first = Some(answer.clone());
                    Ok(answer)
                }
            }
        }))
    };
    block_on(async {
        let mut session = signed_in(&center, &town, "card-1").await;
        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
        session.issue(&center, &kiosk(), choice.clone(), [0x33; 16], NOW).await.unwrap();

        let mut next = signed_in(&center, &town, "card-1").await;
        let swapped = next.issue(&center, &kiosk(), choice, [0x44; 16], NOW).await;
        assert!(
            matches!(swapped.as_ref().err(), Some(SessionError::Document(DocumentError::NotSealedToUs))),
            "another transaction's sealed answer cannot be opened with this one's key: {:?}",
            swapped.err()
        );
    });
    // The municipality issued the second one; no kiosk printed it or reported it printed.
    assert_eq!(town.register(&[0x44; 16]).as_deref(), Some("issued"));
}

#[test]
fn a_card_from_a_ca_nobody_trusts_is_refused_by_the_center_and_reaches_no_register() {
    let town = Town::seeded("unknown");
    let center = center_for(&town);
    block_on(async {
        let mut session = signed_in(&center, &town, "card-rogue").await;
        let choice = CertificateChoice::new(CertificateKind::Juminhyo, 1);
        let refused = session.issue(&center, &kiosk(), choice, [0x55; 16], NOW).await;
        let refused = refused.err();
        assert_eq!(refused, Some(SessionError::Edge(EdgeCallError::Refused(ErrorCode::CardCertificateUntrusted))));
    });
    assert_eq!(town.issuances(), 0, "nothing reached the register");
    let audit = center.backend.audit.borrow();
    assert_eq!(audit.last().unwrap().entry.outcome, ErrorCode::CardCertificateUntrusted.as_str());
}
