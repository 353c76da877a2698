//! The full JPKI sequence through the RC-S380 driver, at USB frame level, against the
//! virtual RC-S380 with the virtual My Number card in its field as a Type B card: chaining
//! both ways, WTX, every RF frame lost or damaged either way, and the card lifted before
//! and after every RF frame — each a recovery or a clean typed error, never a second VERIFY.

use futures_executor::block_on;
use kofu_card::nfc::virtual_picc::VirtualTypeBCard;
use kofu_card::nfc::{ContactlessReader, typeb};
use kofu_card::rcs380::virtual_device::{FieldFault, VirtualRcs380};
use kofu_card::rcs380::{Rcs380, Rcs380Reader};
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{CardError, CardTransport, Jpki, Pin, PinState, TransportError, VerifyOutcome};
use kofu_shared::signing::{card_digest_info, card_message};
use kofu_shared::x509::{ParsedCert, verify_rsa_sha256};

const KEY: &[u8] = include_bytes!("../../fixtures/test-only/card-1.key.der");
const CERT: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");
const REQUEST: &[u8] = br#"{"example":"request"}"#;

type Reader = Rcs380Reader<VirtualRcs380>;

fn card() -> VirtualTypeBCard {
    VirtualTypeBCard::new(VirtualCard::new(KEY, CERT, b"1234").unwrap())
}

/// A card that takes 32-byte frames and asks for a waiting-time extension before every
/// answer, behind a reader announcing 64-byte frames: chaining both ways, WTX everywhere.
fn demanding_card() -> VirtualTypeBCard {
    let mut picc = card().with_fsci(2);
    picc.wtx_per_answer = 1;
    picc
}

fn setup(picc: VirtualTypeBCard, fsdi: u8, configure_once: bool) -> Jpki<Reader> {
    let chip = block_on(Rcs380::open(VirtualRcs380::new(picc))).unwrap();
    let chip = if configure_once { chip.configure_once() } else { chip };
    Jpki::new(ContactlessReader::new(chip).with_fsdi(fsdi))
}

fn device(jpki: &mut Jpki<Reader>) -> &mut VirtualRcs380 {
    jpki.transport_mut().link_mut().pipe_mut()
}

/// Activation and the issuance's card work: read the certificate, the tries left, one
/// VERIFY, and (if the PIN was right) the signature, checked against the certificate.
async fn issuance(jpki: &mut Jpki<Reader>, pin: &str) -> Result<VerifyOutcome, CardError> {
    jpki.transport_mut().activate().await.map_err(TransportError::from)?;
    jpki.select_jpki().await?;
    let cert = jpki.read_auth_certificate().await?;
    assert_eq!(cert, CERT);
    assert!(matches!(jpki.pin_state().await?, PinState::TriesLeft(_)));
    let outcome = jpki.verify_pin(&Pin::parse(pin).unwrap()).await?;
    if outcome == VerifyOutcome::Verified {
        let signature = jpki.sign_digest_info(&card_digest_info(REQUEST)).await?;
        let key = ParsedCert::parse(&cert).unwrap().rsa_key().unwrap();
        verify_rsa_sha256(&key, &card_message(REQUEST), &signature).unwrap();
    }
    Ok(outcome)
}

/// Runs one issuance from the card on the reader and reports (APDUs, RF frames, USB transfers).
fn counted(mut jpki: Jpki<Reader>) -> (u32, u32, u32) {
    assert_eq!(block_on(issuance(&mut jpki, "1234")), Ok(VerifyOutcome::Verified));
    let chip = jpki.transport_mut().link_mut();
    let (frames, transfers) = (chip.rf_frames(), chip.transfers());
    assert_eq!(device(&mut jpki).card().pin_verifications(), 1);
    (jpki.apdus_sent(), frames, transfers)
}

#[test]
fn an_issuance_through_the_rc_s380() {
    for (name, picc, fsdi, once) in [
        ("256-byte frames, settings before every InCommRF (as nfcpy)", card(), 8, false),
        ("256-byte frames, settings once per field-on", card(), 8, true),
        ("32/64-byte frames and WTX, settings before every InCommRF", demanding_card(), 5, false),
    ] {
        let (apdus, frames, transfers) = counted(setup(picc, fsdi, once));
        println!("RC-S380, {name}: {apdus} APDUs, {frames} RF frames, {transfers} USB transfers from open");
        assert_eq!(apdus, 9);
        // Open is 1 + 3 × 3 transfers; each RF frame costs InCommRF (3), plus the three
        // settings commands (9) before each one unless set once.
        let per_frame = if once { 3 } else { 12 };
        let settings_once = if once { 9 } else { 0 };
        assert_eq!(transfers, 10 + frames * per_frame + settings_once, "{name}");
    }
}

#[test]
fn chaining_both_ways_and_waiting_time_extensions() {
    let mut jpki = setup(demanding_card(), 5, false);
    assert_eq!(block_on(issuance(&mut jpki, "1234")), Ok(VerifyOutcome::Verified));
    let device = device(&mut jpki);
    // The SIGN command (57 bytes) went in two I-blocks of at most 29 bytes, whole.
    assert_eq!(device.picc().longest_command, 5 + 51 + 1);
    // Every answer came after a WTX and took 0.9 × WTXM × FWT, longer than the FWT: the
    // host waited the extended time each time, never timing out.
    assert_eq!(device.rf_timeouts, 0);
    let fwt = device.picc().atqb().fwt_us();
    let extended = (3 * fwt + typeb::DELTA_FWT_US) / 1000;
    assert!(device.timeout_params.iter().any(|&p| u32::from(p) == (extended + 1) * 10));
    // The certificate came back in blocks of at most 61 bytes.
    assert!(device.rf_frames() as usize > CERT.len() / 61);
}

#[test]
fn an_extended_apdu_is_chained_whole() {
    let mut jpki = setup(card().with_fsci(5), 8, false);
    block_on(jpki.transport_mut().activate()).unwrap();
    // An extended-length command with 600 data bytes: 61 bytes per I-block.
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x00, 0x02, 0x58];
    apdu.extend(std::iter::repeat_n(0xAB, 600));
    let answer = block_on(jpki.transport_mut().transmit(&apdu)).unwrap();
    assert_eq!(answer, [0x6A, 0x82]);
    assert_eq!(device(&mut jpki).picc().longest_command, apdu.len());
}

#[test]
fn a_frame_filling_a_usb_packet_gets_its_zero_length_packet() {
    let mut jpki = setup(card(), 8, false);
    block_on(jpki.transport_mut().activate()).unwrap();
    // PCB + 49 APDU bytes: InCommRF data of 54 bytes, a frame of exactly 64.
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 44];
    apdu.extend([0x11; 44]);
    assert_eq!(block_on(jpki.transport_mut().transmit(&apdu)).unwrap(), [0x6A, 0x82]);
    // Without it the chip would still be waiting for the frame's end.
    let device = device(&mut jpki);
    let frame = kofu_card::rcs380::frame::encode(&[0xD6, 0x04, 0x14, 0x00, 0xB2, 0x00].repeat(9)[..54]);
    assert_eq!(frame.len(), 64);
    block_on(kofu_card::ccid::BulkPipe::send(device, &frame)).unwrap();
    assert_eq!(block_on(kofu_card::ccid::BulkPipe::receive(device, 300)), Err(TransportError::Timeout));
}

/// How many RF frames the issuance takes with `picc` and `pin`.
fn frames_of(picc: VirtualTypeBCard, fsdi: u8, pin: &str) -> u32 {
    let mut jpki = setup(picc, fsdi, false);
    block_on(issuance(&mut jpki, pin)).unwrap();
    device(&mut jpki).rf_frames()
}

#[test]
fn every_lost_or_damaged_frame_is_recovered_with_one_verify() {
    for (profile, make, fsdi) in [("plain", card as fn() -> VirtualTypeBCard, 8), ("demanding", demanding_card, 5)] {
        let total = frames_of(make(), fsdi, "1234");
        for fault in
            [FieldFault::LoseCommand, FieldFault::DamageCommand, FieldFault::LoseAnswer, FieldFault::DamageAnswer]
        {
            for index in 0..total {
                let mut jpki = setup(make(), fsdi, false);
                device(&mut jpki).schedule(index, fault);
                let result = block_on(issuance(&mut jpki, "1234"));
                assert_eq!(result, Ok(VerifyOutcome::Verified), "{profile}: {fault:?} at RF frame {index}");
                let device = device(&mut jpki);
                assert_eq!(device.card().pin_verifications(), 1, "{profile}: {fault:?} at RF frame {index}");
                assert_eq!(device.card().tries_left(), 3);
            }
        }
    }
}

#[test]
fn a_card_lifted_at_any_frame_is_a_clean_error_and_never_a_second_verify() {
    for (profile, make, fsdi) in [("plain", card as fn() -> VirtualTypeBCard, 8), ("demanding", demanding_card, 5)] {
        // A wrong PIN, so a VERIFY executed twice would show as two tries gone; the right
        // one, so the card is also lifted during the signature.
        for (pin, tries_after) in [("9999", 2), ("1234", 3)] {
            let total = frames_of(make(), fsdi, pin);
            for fault in [FieldFault::LiftBefore, FieldFault::LiftAfter] {
                for index in 0..total {
                    let mut jpki = setup(make(), fsdi, false);
                    device(&mut jpki).schedule(index, fault);
                    let result = block_on(issuance(&mut jpki, pin));
                    let case = format!("{profile}, PIN {pin}: {fault:?} at RF frame {index}");
                    assert!(
                        matches!(
                            result,
                            Err(CardError::Transport(TransportError::CardRemoved | TransportError::CardAbsent))
                        ),
                        "{case}: {result:?}"
                    );
                    assert!(device(&mut jpki).card().pin_verifications() <= 1, "{case}");
                    assert!(device(&mut jpki).card().tries_left() >= tries_after, "{case}");
                    // The reader now sees no card; the session is over.
                    assert!(!block_on(jpki.transport_mut().card_present()).unwrap(), "{case}");
                    assert_eq!(
                        block_on(jpki.transport_mut().transmit(&[0x00, 0xA4, 0x04, 0x0C])),
                        Err(TransportError::CardAbsent)
                    );
                    // Put back, the card starts a new session: a new issuance, one more VERIFY.
                    let before = device(&mut jpki).card().pin_verifications();
                    device(&mut jpki).place_card();
                    assert_eq!(block_on(issuance(&mut jpki, "1234")), Ok(VerifyOutcome::Verified), "{case}");
                    assert_eq!(device(&mut jpki).card().pin_verifications(), before + 1, "{case}");
                }
            }
        }
    }
}

#[test]
fn presence_follows_the_card_and_removal_is_waited_for() {
    let mut jpki = setup(card(), 8, false);
    assert_eq!(block_on(issuance(&mut jpki, "1234")), Ok(VerifyOutcome::Verified));
    // Inside the session: R(NAK) answered by R(ACK).
    assert!(block_on(jpki.transport_mut().card_present()).unwrap());
    assert!(jpki.transport_mut().is_active());
    // The remove-card step: S(DESELECT) (one RF frame), then WUPB until nothing answers.
    // The card stays for three polls, then the resident takes it.
    let next = device(&mut jpki).rf_frames();
    device(&mut jpki).schedule(next + 4, FieldFault::LiftBefore);
    let mut pauses = 0;
    block_on(jpki.transport_mut().wait_for_removal(async || pauses += 1)).unwrap();
    assert_eq!(pauses, 3);
    assert!(!device(&mut jpki).card_in_field());
    assert!(!jpki.transport_mut().is_active());
    // A card left in HALT after DESELECT still counts as present (WUPB wakes it).
    let mut jpki = setup(card(), 8, false);
    block_on(jpki.transport_mut().activate()).unwrap();
    block_on(jpki.transport_mut().deselect()).unwrap();
    assert!(block_on(jpki.transport_mut().card_present()).unwrap());
    // A card lifted mid-session: the presence check says so and ends the session.
    block_on(jpki.transport_mut().activate()).unwrap();
    device(&mut jpki).lift_card();
    assert!(!block_on(jpki.transport_mut().card_present()).unwrap());
    assert!(!jpki.transport_mut().is_active());
    assert_eq!(block_on(jpki.transport_mut().activate()).map(drop), Err(kofu_card::nfc::NfcError::NoCard));
}
