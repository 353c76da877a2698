//! PIN entry on the reader's keypad (`PC_to_RDR_Secure`) at every exchange level: the
//! resident's keys are scripted in the virtual reader, which puts the digits into the
//! VERIFY itself — so these tests see that the host never held the PIN, that each entry
//! is one Secure command and one VERIFY at the card, and how each ending is reported.

mod common;

use std::collections::VecDeque;

use common::{Recording, Way, card};
use futures_executor::block_on;
use kofu_card::ccid::virtual_reader::{KeypadEntry, ReaderProfile, VirtualCcidReader};
use kofu_card::ccid::{BulkPipe, CcidReader, ExchangeLevel};
use kofu_card::{CardError, Jpki, PinPadOutcome, PinPadPrompt, PinState, TransportError};

/// What the resident does once the reader waits for the keypad.
enum Act {
    Keys(&'static str),
    Cancel,
    WalkAway,
    PullCard,
}

/// The virtual reader, with a resident who acts only while a Secure command waits.
struct Resident {
    reader: VirtualCcidReader,
    acts: VecDeque<Act>,
}

impl BulkPipe for Resident {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.reader.send(bytes).await
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        if self.reader.awaiting_entry() {
            match self.acts.pop_front() {
                Some(Act::Keys(digits)) => self.reader.press(KeypadEntry::digits(digits).unwrap()),
                Some(Act::Cancel) => self.reader.press(KeypadEntry::Cancel),
                Some(Act::WalkAway) => self.reader.press(KeypadEntry::Timeout),
                Some(Act::PullCard) => self.reader.remove_card(),
                None => {}
            }
        }
        self.reader.receive(max_len).await
    }
}

type Pad = Jpki<CcidReader<Recording<Resident>>>;

/// Powered, the JPKI AP selected and the tries read, as the kiosk does before any entry.
fn ready(reader: VirtualCcidReader, acts: Vec<Act>) -> Pad {
    let descriptor = reader.descriptor();
    let pipe = Recording::new(Resident { reader, acts: acts.into() });
    let mut ccid = CcidReader::new(pipe, &descriptor).unwrap();
    block_on(ccid.power_on()).unwrap();
    let mut jpki = Jpki::new(ccid);
    block_on(jpki.select_jpki()).unwrap();
    assert_eq!(block_on(jpki.pin_state()).unwrap(), PinState::TriesLeft(3));
    jpki
}

fn reader_of(jpki: &mut Pad) -> &mut VirtualCcidReader {
    &mut jpki.transport_mut().pipe_mut().inner.reader
}

fn secure_commands(jpki: &mut Pad) -> usize {
    jpki.transport_mut().pipe().log.iter().filter(|(way, b)| *way == Way::Out && b[0] == 0x69).count()
}

fn enter(jpki: &mut Pad) -> Result<PinPadOutcome, CardError> {
    block_on(jpki.verify_on_reader_pinpad(&PinPadPrompt::default()))
}

/// A PIN pad at each level real ones come in: TPDU T=1 (GemPC Pinpad), short APDU (Cherry
/// SmartTerminal XX44), extended APDU (Gemalto Ezio Shield PinPad), TPDU with a T=0 card.
type MakeReader = fn() -> VirtualCcidReader;

fn pin_pads() -> Vec<(&'static str, MakeReader)> {
    vec![
        ("TPDU T=1", || ReaderProfile::PinPad.build(card())),
        ("short APDU", || VirtualCcidReader::new(card(), ExchangeLevel::ShortApdu).with_pin_pad(None)),
        ("extended APDU", || VirtualCcidReader::new(card(), ExchangeLevel::ExtendedApdu).with_pin_pad(None)),
        ("TPDU T=0", || VirtualCcidReader::new(card(), ExchangeLevel::Tpdu).t0_card().with_pin_pad(None)),
    ]
}

#[test]
fn an_issuance_with_the_pin_typed_on_the_reader_never_shows_the_host_the_pin() {
    for (name, make) in pin_pads() {
        let mut jpki = ready(make(), vec![Act::Keys("1234")]);
        assert!(jpki.pin_pad().is_some(), "{name}");
        assert_eq!(block_on(jpki.read_auth_certificate()).unwrap(), common::CERT, "{name}");
        assert_eq!(block_on(jpki.pin_state()).unwrap(), PinState::TriesLeft(3));
        assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Verified, "{name}");
        assert_eq!(block_on(jpki.sign_digest_info(&[0x30; 51])).unwrap().len(), 256, "{name}");
        assert!(!jpki.transport_mut().pipe().sent_contains(b"1234"), "{name}: the PIN went through the host");
        assert_eq!(secure_commands(&mut jpki), 1, "{name}");
        let reader = reader_of(&mut jpki);
        assert_eq!(reader.card().pin_verifications(), 1, "{name}");
        let request = &reader.secure_requests()[0];
        assert_eq!((request.lang_id, request.min_digits, request.max_digits), (0x0411, 4, 4), "{name}");
        assert_eq!(request.apdu, [0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF], "{name}");
    }
}

/// One transcript line: the way, then the hex fields run together.
fn line(way: char, fields: &[&str]) -> String {
    format!("{way} {}", fields.concat())
}

#[test]
fn the_secure_command_and_its_answer_byte_for_byte_at_short_apdu_level() {
    let reader = VirtualCcidReader::new(card(), ExchangeLevel::ShortApdu).with_pin_pad(None);
    let mut jpki = ready(reader, vec![Act::Keys("0000")]);
    let from = jpki.transport_mut().pipe().log.len();
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Wrong { tries_left: 2 });
    let secure = [
        "69",
        "18000000",
        "00",
        "04",
        "000000", // Secure, 24 bytes, slot 0, seq 4, bBWI, wLevelParameter
        "00",
        "1E",
        "82",
        "04",
        "00", // verify, 30 s, ASCII bytes at 0, 4-byte block, no length field
        "0404",
        "02",
        "01",
        "1104",
        "00",     // 4 to 4 digits, OK key, one message, 0411h, message 0
        "000000", // no T=1 prologue at APDU level
        "0020008004",
        "FFFFFFFF", // VERIFY and the PIN block the reader fills
    ];
    let answer = ["80", "02000000", "00", "04", "000000", "63C2"]; // the card's 63C2
    assert_eq!(jpki.transport_mut().pipe().transcript(from), [line('>', &secure), line('<', &answer)]);
}

#[test]
fn the_secure_command_carries_the_t1_prologue_at_tpdu_level() {
    let mut jpki = ready(ReaderProfile::PinPad.build(card()), vec![Act::Keys("1234")]);
    let from = jpki.transport_mut().pipe().log.len();
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Verified);
    // seq 6: after power-on, SetParameters, S(IFS) and three I-blocks. bTeoPrologue
    // 00 40 09: our next I-block has N(S) 1 and carries the 9-byte VERIFY.
    let secure =
        ["69", "18000000", "00", "06", "000000", "001E820400040402011104", "00", "004009", "0020008004FFFFFFFF"];
    // The card's own I-block back: 00 40 02 90 00, LRC D2.
    let answer = ["80", "06000000", "00", "06", "000000", "0040029000D2"];
    assert_eq!(jpki.transport_mut().pipe().transcript(from), [line('>', &secure), line('<', &answer)]);
}

#[test]
fn wrong_cancel_timeout_and_blocked_end_as_the_resident_expects_at_every_level() {
    for (name, make) in pin_pads() {
        let acts = vec![Act::Cancel, Act::WalkAway, Act::Keys("9999"), Act::Keys("1234")];
        let mut jpki = ready(make(), acts);
        assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Cancelled, "{name}");
        assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::TimedOut, "{name}");
        assert_eq!(reader_of(&mut jpki).card().tries_left(), 3, "{name}: cancel and timeout cost no try");
        assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Wrong { tries_left: 2 }, "{name}");
        // The T=1 sequence numbers stayed in step through all of it.
        assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Verified, "{name}");
        assert_eq!(secure_commands(&mut jpki), 4, "{name}");
        assert_eq!(reader_of(&mut jpki).card().pin_verifications(), 2, "{name}");
        assert_eq!(block_on(jpki.sign_digest_info(&[0x30; 51])).unwrap().len(), 256, "{name}");
    }
}

#[test]
fn a_blocked_card_gets_no_more_entries() {
    let mut jpki =
        ready(ReaderProfile::PinPad.build(card()), vec![Act::Keys("0000"), Act::Keys("0000"), Act::Keys("0000")]);
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Wrong { tries_left: 2 });
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Wrong { tries_left: 1 });
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Blocked);
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Blocked);
    assert_eq!(secure_commands(&mut jpki), 3, "no Secure to a blocked card");
    assert_eq!(block_on(jpki.pin_state()).unwrap(), PinState::Blocked);
}

#[test]
fn readers_that_report_cancel_and_timeout_as_status_words_are_understood() {
    let reader =
        VirtualCcidReader::new(card(), ExchangeLevel::ShortApdu).with_pin_pad(None).reporting_pin_statuses_as_sw();
    let mut jpki = ready(reader, vec![Act::Cancel, Act::WalkAway]);
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Cancelled);
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::TimedOut);
    assert_eq!(reader_of(&mut jpki).card().tries_left(), 3);
}

#[test]
fn t1_recovery_around_the_entry_never_repeats_the_verify() {
    let mut jpki = ready(ReaderProfile::PinPad.build(card()), vec![Act::Keys("1234")]);
    let reader = reader_of(&mut jpki);
    reader.t1_mut().wtx_per_answer = 2;
    reader.time_extensions = 3;
    // The card's answer arrives damaged once: the host asks for it again, not for the PIN.
    reader.t1_mut().damage_next = 1;
    assert_eq!(enter(&mut jpki).unwrap(), PinPadOutcome::Verified);
    assert_eq!(secure_commands(&mut jpki), 1);
    assert_eq!(reader_of(&mut jpki).card().pin_verifications(), 1);
}

#[test]
fn a_card_pulled_while_the_reader_waits_for_the_keypad_is_a_clean_error() {
    let mut jpki = ready(ReaderProfile::PinPad.build(card()), vec![Act::PullCard]);
    assert_eq!(enter(&mut jpki).unwrap_err(), CardError::Transport(TransportError::CardAbsent));
    assert_eq!(reader_of(&mut jpki).card().pin_verifications(), 0);
}

#[test]
fn the_tries_come_first_and_a_reader_without_a_pad_is_refused() {
    let mut jpki = ready(ReaderProfile::PinPad.build(card()), vec![Act::Keys("1234")]);
    block_on(jpki.select_jpki()).unwrap();
    assert_eq!(enter(&mut jpki).unwrap_err(), CardError::TriesNotRead);
    assert_eq!(secure_commands(&mut jpki), 0);
    let mut plain = ready(ReaderProfile::TpduT1.build(card()), vec![]);
    assert_eq!(plain.pin_pad(), None);
    assert_eq!(enter(&mut plain).unwrap_err(), CardError::NoPinPad);
    assert_eq!(secure_commands(&mut plain), 0);
}
