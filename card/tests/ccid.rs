//! The full JPKI sequence through the CCID driver and a virtual CCID reader, at each
//! supported exchange level, with the ways real readers complicate it.

mod common;

use common::{CERT, card, issuance};
use futures_executor::block_on;
use kofu_card::ccid::virtual_reader::VirtualCcidReader;
use kofu_card::ccid::{BulkPipe, CcidDescriptor, CcidError, CcidReader, ExchangeLevel};
use kofu_card::{CardError, Jpki, Pin, PinState, TransportError, VerifyOutcome};

fn reader(level: ExchangeLevel) -> VirtualCcidReader {
    VirtualCcidReader::new(card(), level)
}

#[test]
fn extended_apdu_reader() {
    let run = block_on(issuance(reader(ExchangeLevel::ExtendedApdu))).unwrap();
    let (apdus, transfers) = (run.apdus, run.transfers);
    println!("extended-APDU reader: {apdus} APDUs, {transfers} USB transfers");
    assert_eq!(apdus, 9);
    // Power-on and each APDU: one bulk-OUT and one bulk-IN.
    assert_eq!(transfers, 2 * (1 + apdus));
}

#[test]
fn short_apdu_reader_with_get_response() {
    let mut r = reader(ExchangeLevel::ShortApdu);
    r.short_chunk = 100;
    let run = block_on(issuance(r)).unwrap();
    let (apdus, transfers) = (run.apdus, run.transfers);
    println!("short-APDU reader (GET RESPONSE after 100 bytes): {apdus} APDUs, {transfers} USB transfers");
    // The certificate comes in 256-byte reads, the first holding its DER header; each
    // answer over 100 bytes needs GET RESPONSE.
    assert_eq!(apdus, 7 + CERT.len().div_ceil(256) as u32);
    assert!(transfers > 2 * (1 + apdus));
}

#[test]
fn time_extensions_and_split_transfers_are_waited_out() {
    let mut r = reader(ExchangeLevel::ExtendedApdu);
    r.time_extensions = 3;
    r.transfer_size = 64;
    let run = block_on(issuance(r)).unwrap();
    assert_eq!(run.apdus, 9);
    assert!(run.transfers > 2 * (1 + 9) + 3 * 9);
}

#[test]
fn a_reply_with_the_wrong_sequence_number_is_refused() {
    block_on(async {
        let r = reader(ExchangeLevel::ExtendedApdu);
        let d = r.descriptor();
        let mut ccid = CcidReader::new(r, &d).unwrap();
        ccid.pipe_mut().wrong_sequence_once = Some(42);
        assert_eq!(ccid.power_on().await.unwrap_err(), CcidError::Sequence { expected: 0, got: 42 });
    });
}

#[test]
fn a_card_pulled_mid_transaction_is_a_clean_error_and_presence_follows() {
    block_on(async {
        let r = reader(ExchangeLevel::ExtendedApdu);
        let d = r.descriptor();
        let mut ccid = CcidReader::new(r, &d).unwrap();
        ccid.power_on().await.unwrap();
        assert!(ccid.card_present().await.unwrap());
        let mut jpki = Jpki::new(ccid);
        jpki.select_jpki().await.unwrap();
        jpki.transport_mut().pipe_mut().remove_card();
        let err = jpki.read_auth_certificate().await.unwrap_err();
        assert_eq!(err, CardError::Transport(TransportError::CardAbsent));
        assert!(!jpki.transport_mut().card_present().await.unwrap());
    });
}

/// A pipe that answers every command with fixed bytes.
struct Garbage(Vec<u8>);

impl BulkPipe for Garbage {
    async fn send(&mut self, _: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }
    async fn receive(&mut self, _: usize) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.clone())
    }
}

#[test]
fn garbage_from_the_reader_is_a_typed_error() {
    let d = CcidDescriptor::parse(&CcidDescriptor::encode(ExchangeLevel::ExtendedApdu, 271)).unwrap();
    let mut seed = 3u32;
    for len in 0..200 {
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        let mut ccid = CcidReader::new(Garbage(junk), &d).unwrap();
        assert!(block_on(ccid.power_on()).is_err());
    }
}

#[test]
fn character_level_readers_are_refused() {
    let d = CcidDescriptor::parse(&CcidDescriptor::encode(ExchangeLevel::Character, 271)).unwrap();
    assert!(matches!(CcidReader::new(Garbage(Vec::new()), &d), Err(CcidError::UnsupportedLevel)));
}

#[test]
fn tpdu_reader_with_host_run_t1() {
    let run = block_on(issuance(reader(ExchangeLevel::Tpdu))).unwrap();
    println!("TPDU reader, T=1 (IFSC 254): {} APDUs, {} USB transfers", run.apdus, run.transfers);
    assert_eq!(run.apdus, 9);
}

#[test]
fn tpdu_reader_with_a_t0_card() {
    let run = block_on(issuance(reader(ExchangeLevel::Tpdu).t0_card())).unwrap();
    println!("TPDU reader, T=0: {} APDUs, {} USB transfers", run.apdus, run.transfers);
    // Short reads only (no extended Le over T=0); the signature comes by GET RESPONSE.
    assert_eq!(run.apdus, 7 + CERT.len().div_ceil(256) as u32);
}

#[test]
fn a_reader_that_needs_t1_parameters_gets_them_from_the_atr() {
    let run = block_on(issuance(reader(ExchangeLevel::Tpdu).without_automatic_parameters())).unwrap();
    assert_eq!(run.apdus, 9);
}

#[test]
fn t1_chains_both_ways_when_the_card_takes_small_blocks() {
    // IFSC 16: every command over 16 bytes goes out in a chain the card acknowledges.
    let run = block_on(issuance(reader(ExchangeLevel::Tpdu).with_ifsc(16))).unwrap();
    println!("TPDU reader, T=1 (IFSC 16): {} APDUs, {} USB transfers", run.apdus, run.transfers);
    assert_eq!(run.apdus, 9);
}

#[test]
fn t1_waits_out_wtx_and_recovers_from_damaged_blocks() {
    block_on(async {
        let mut r = reader(ExchangeLevel::Tpdu);
        let d = r.descriptor();
        r.t1_mut().wtx_per_answer = 2;
        // Two damaged answers to the IFS request: the host asks again.
        r.t1_mut().damage_next = 2;
        let mut ccid = CcidReader::new(r, &d).unwrap();
        ccid.power_on().await.unwrap();
        let mut jpki = Jpki::new(ccid);
        jpki.select_jpki().await.unwrap();
        // Three damaged blocks in the certificate's chain: R(error) each time, the card resends.
        jpki.transport_mut().pipe_mut().t1_mut().damage_next = 3;
        assert_eq!(jpki.read_auth_certificate().await.unwrap(), CERT);
        assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
    });
}

#[test]
fn t1_gives_up_on_a_card_that_keeps_sending_damaged_blocks() {
    block_on(async {
        let mut r = reader(ExchangeLevel::Tpdu);
        let d = r.descriptor();
        r.t1_mut().damage_next = 1000;
        let mut ccid = CcidReader::new(r, &d).unwrap();
        assert!(matches!(ccid.power_on().await, Err(CcidError::T1(_))));
    });
}

#[test]
fn a_card_pulled_during_t1_is_a_clean_error() {
    block_on(async {
        let r = reader(ExchangeLevel::Tpdu);
        let d = r.descriptor();
        let mut ccid = CcidReader::new(r, &d).unwrap();
        ccid.power_on().await.unwrap();
        let mut jpki = Jpki::new(ccid);
        jpki.select_jpki().await.unwrap();
        jpki.transport_mut().pipe_mut().remove_card();
        let err = jpki.read_auth_certificate().await.unwrap_err();
        assert_eq!(err, CardError::Transport(TransportError::CardAbsent));
    });
}

/// PIN safety across every reader profile, with the transport misbehaving: the card
/// executes exactly one VERIFY per PIN entered, never a retry.
#[test]
fn each_pin_entry_reaches_the_card_as_exactly_one_verify_on_every_profile() {
    type MakeReader = fn() -> VirtualCcidReader;
    let profiles: [(&str, MakeReader); 5] = [
        ("extended", || reader(ExchangeLevel::ExtendedApdu)),
        ("short", || reader(ExchangeLevel::ShortApdu)),
        ("T=1", || reader(ExchangeLevel::Tpdu)),
        ("T=1 IFSC 2", || reader(ExchangeLevel::Tpdu).with_ifsc(2)),
        ("T=0", || reader(ExchangeLevel::Tpdu).t0_card()),
    ];
    for (name, make) in profiles {
        block_on(async {
            let mut r = make();
            r.time_extensions = 2;
            let d = r.descriptor();
            let mut ccid = CcidReader::new(r, &d).unwrap();
            ccid.power_on().await.unwrap();
            let mut jpki = Jpki::new(ccid);
            jpki.select_jpki().await.unwrap();
            jpki.pin_state().await.unwrap();
            // Damaged T=1 answers around the VERIFY: recovery must not repeat it.
            jpki.transport_mut().pipe_mut().t1_mut().damage_next = 2;
            let outcome = jpki.verify_pin(&Pin::parse("0000").unwrap()).await.unwrap();
            assert_eq!(outcome, VerifyOutcome::Wrong { tries_left: 2 }, "{name}");
            let card = jpki.transport_mut().pipe_mut().card();
            assert_eq!(card.pin_verifications(), 1, "{name}");
            assert_eq!(card.tries_left(), 2, "{name}");
        });
    }
}

#[test]
fn the_host_finds_the_reader_from_its_usb_configuration_and_hears_slot_changes() {
    use kofu_card::ccid::message::parse_notify_slot_change;
    use kofu_card::ccid::{find_ccid_interface, usb_config::CLASS_VENDOR};

    let mut r = reader(ExchangeLevel::Tpdu).without_automatic_parameters();
    let found = find_ccid_interface(&r.configuration_descriptor()).unwrap();
    assert_eq!(found.class, CLASS_VENDOR);
    assert_eq!(found.descriptor, r.descriptor());
    assert_eq!((found.bulk_out, found.bulk_in, found.interrupt_in), (1, 2, Some(3)));

    assert_eq!(r.next_notification(), None);
    r.remove_card();
    let removed = parse_notify_slot_change(&r.next_notification().unwrap()).unwrap();
    assert_eq!((removed[0].present, removed[0].changed), (false, true));
    // Changes the host has not read merge into one message with the current state.
    r.insert_card();
    r.remove_card();
    r.insert_card();
    let inserted = parse_notify_slot_change(&r.next_notification().unwrap()).unwrap();
    assert_eq!((inserted[0].present, inserted[0].changed), (true, true));
    assert_eq!(r.next_notification(), None);
    // The card that went back in works from power-on.
    assert_eq!(block_on(issuance(r)).unwrap().apdus, 9);
}
