//! JPKI operations against the virtual card, through a recording transport.

use futures_executor::block_on;
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{CardError, CardTransport, Jpki, Pin, PinState, TransportError, VerifyOutcome};
use kofu_shared::signing::{card_digest_info, card_message};
use kofu_shared::x509::{ParsedCert, verify_rsa_sha256};

const KEY: &[u8] = include_bytes!("../../fixtures/test-only/card-1.key.der");
const CERT: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");

/// Records the header of every command (never its data: VERIFY carries the PIN).
struct Recorder {
    card: VirtualCard,
    headers: Vec<[u8; 4]>,
    pull_card_after: Option<usize>,
}

impl Recorder {
    fn new(card: VirtualCard) -> Self {
        Recorder { card, headers: Vec::new(), pull_card_after: None }
    }
    fn verifies_with_data(&self) -> usize {
        self.headers.iter().filter(|h| h[1] == 0x20).count()
    }
}

impl CardTransport for Recorder {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.pull_card_after == Some(self.headers.len()) {
            self.card.remove();
        }
        let mut header = [0u8; 4];
        header.copy_from_slice(&command[..4]);
        self.headers.push(header);
        self.card.transmit(command).await
    }
    fn supports_extended(&self) -> bool {
        self.card.supports_extended()
    }
}

fn card() -> VirtualCard {
    VirtualCard::new(KEY, CERT, b"1234").unwrap()
}

#[test]
fn full_sequence_reads_verifies_and_signs_in_nine_apdus() {
    block_on(async {
        let mut jpki = Jpki::new(Recorder::new(card()));
        jpki.select_jpki().await.unwrap();
        let cert = jpki.read_auth_certificate().await.unwrap();
        assert_eq!(cert, CERT);
        assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
        let pin = Pin::parse("1234").unwrap();
        assert_eq!(jpki.verify_pin(&pin).await.unwrap(), VerifyOutcome::Verified);
        let request = br#"{"example":"request"}"#;
        let sig = jpki.sign_digest_info(&card_digest_info(request)).await.unwrap();
        let parsed = ParsedCert::parse(&cert).unwrap();
        verify_rsa_sha256(&parsed.rsa_key().unwrap(), &card_message(request), &sig).unwrap();
        // SELECT AP, SELECT 000A, READ 4, READ rest, SELECT 0018, VERIFY(empty), VERIFY, SELECT 0017, SIGN.
        assert_eq!(jpki.apdus_sent(), 9);
    });
}

#[test]
fn short_apdu_reader_reads_the_whole_certificate_in_256_byte_chunks() {
    block_on(async {
        let mut jpki = Jpki::new(Recorder::new(card().short_apdus_only()));
        jpki.select_jpki().await.unwrap();
        assert_eq!(jpki.read_auth_certificate().await.unwrap(), CERT);
        // The first read, which holds the DER header, is a whole 256-byte part too.
        let reads = jpki.transport_mut().headers.iter().filter(|h| h[1] == 0xB0).count();
        assert_eq!(reads, CERT.len().div_ceil(256));
    });
}

#[test]
fn wrong_pins_count_down_then_block_and_each_entry_sends_one_verify() {
    block_on(async {
        let mut jpki = Jpki::new(Recorder::new(card()));
        jpki.select_jpki().await.unwrap();
        assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
        let before = jpki.transport_mut().verifies_with_data();
        let wrong = Pin::parse("9999").unwrap();
        assert_eq!(jpki.verify_pin(&wrong).await.unwrap(), VerifyOutcome::Wrong { tries_left: 2 });
        assert_eq!(jpki.transport_mut().verifies_with_data(), before + 1);
        assert_eq!(jpki.verify_pin(&wrong).await.unwrap(), VerifyOutcome::Wrong { tries_left: 1 });
        assert_eq!(jpki.verify_pin(&wrong).await.unwrap(), VerifyOutcome::Blocked);
        assert_eq!(jpki.transport_mut().verifies_with_data(), before + 3);
        assert_eq!(jpki.pin_state().await.unwrap(), PinState::Blocked);
        // Even the right PIN no longer works.
        let right = Pin::parse("1234").unwrap();
        assert_eq!(jpki.verify_pin(&right).await.unwrap(), VerifyOutcome::Blocked);
    });
}

#[test]
fn right_pin_resets_the_counter() {
    block_on(async {
        let mut jpki = Jpki::new(Recorder::new(card()));
        jpki.select_jpki().await.unwrap();
        jpki.pin_state().await.unwrap();
        let wrong = Pin::parse("0000").unwrap();
        jpki.verify_pin(&wrong).await.unwrap();
        jpki.verify_pin(&Pin::parse("1234").unwrap()).await.unwrap();
        assert_eq!(jpki.into_transport().card.tries_left(), 3);
    });
}

#[test]
fn signing_without_pin_is_refused() {
    block_on(async {
        let mut jpki = Jpki::new(Recorder::new(card()));
        jpki.select_jpki().await.unwrap();
        let err = jpki.sign_digest_info(&card_digest_info(b"x")).await.unwrap_err();
        assert_eq!(err, CardError::PinNotVerified);
    });
}

#[test]
fn card_pulled_mid_transaction_is_a_clean_error() {
    block_on(async {
        for pull_at in 0..9 {
            let mut recorder = Recorder::new(card());
            recorder.pull_card_after = Some(pull_at);
            let mut jpki = Jpki::new(recorder);
            let result = async {
                jpki.select_jpki().await?;
                jpki.read_auth_certificate().await?;
                jpki.pin_state().await?;
                jpki.verify_pin(&Pin::parse("1234").unwrap()).await?;
                jpki.sign_digest_info(&card_digest_info(b"x")).await
            }
            .await;
            assert_eq!(result, Err(CardError::Transport(TransportError::CardAbsent)), "pulled at {pull_at}");
        }
    });
}

#[test]
fn virtual_card_survives_garbage_commands() {
    let mut card = card();
    let mut seed = 99u32;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len % 270)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        let response = card.process(&bytes);
        assert!(response.data.len() <= 4096);
    }
    assert_eq!(card.tries_left(), 3, "garbage never consumed a PIN try");
}
