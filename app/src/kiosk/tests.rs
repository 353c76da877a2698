//! Every transaction rule against the state machine, with a fake clock.

use kofu_card::{Pin, PinState, VerifyOutcome};
use kofu_shared::wire::{
    Binding, CertificateKind, Document, DocumentBody, HouseholdListMember, HouseholdScope, InkanBody, MenuItem,
    MenuResponse, PrintOutcome, SignedDocument,
};
use kofu_shared::{ErrorCode, MunicipalityCode};

use super::choice::Edit;
use super::*;

const T0: Millis = 1_780_239_600_000; // 2026-06-01 00:00 JST

/// A kiosk in service with its clock.
struct Run {
    kiosk: Kiosk,
    now: Millis,
}

impl Run {
    fn new() -> Self {
        let mut run = Run { kiosk: Kiosk::new(), now: T0 };
        run.on(Event::Configured { in_service: true, timeout_percent: 100 });
        run
    }

    fn on(&mut self, event: Event) -> Vec<Command> {
        self.kiosk.on(event, self.now)
    }

    /// Lets `ms` pass, ticking every 250 ms as the runner does.
    fn wait(&mut self, ms: Millis) -> Vec<Command> {
        let end = self.now + ms;
        let mut out = Vec::new();
        while self.now < end {
            self.now = (self.now + 250).min(end);
            out.extend(self.on(Event::Tick));
        }
        out
    }

    fn ticket(&self) -> Ticket {
        self.kiosk.ticket()
    }

    fn screen(&self) -> Screen {
        self.kiosk.screen().clone()
    }

    /// Card in and read: the PIN screen.
    fn go_pin(&mut self) {
        let out = self.on(Event::CardPresent(true));
        assert!(out.iter().any(|c| matches!(c, Command::ReadCard { source: CardSource::Reader, .. })));
        let ticket = self.ticket();
        self.on(Event::CardRead { ticket, result: Ok(PinState::TriesLeft(3)) });
        assert_eq!(self.screen(), Screen::Pin { tries_left: 3, last_wrong: false });
    }

    /// PIN right and the menu in: the certificate menu.
    fn go_choose(&mut self) {
        self.go_pin();
        let out = self.on(Event::PinEntered(pin()));
        assert_eq!(verifies(&out), 1);
        let ticket = self.ticket();
        let out = self.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Verified) });
        assert!(out.iter().any(|c| matches!(c, Command::FetchMenu { .. })));
        self.on(Event::MenuFetched { ticket, result: Ok(menu()) });
        assert_eq!(self.screen(), Screen::Choose);
    }

    fn go_confirm(&mut self, kind: CertificateKind) {
        self.go_choose();
        self.on(Event::Choose(kind));
        assert_eq!(self.screen(), Screen::Options);
        self.on(Event::Next);
        assert_eq!(self.screen(), Screen::Confirm);
    }

    /// Confirmed: the edge is asked; returns the ticket of that request.
    fn go_processing(&mut self) -> Ticket {
        self.go_confirm(CertificateKind::Inkan);
        let out = self.on(Event::Confirm);
        assert!(out.iter().any(|c| matches!(c, Command::Issue { .. })));
        assert_eq!(self.screen(), Screen::Processing);
        self.ticket()
    }

    fn go_remove_card(&mut self) -> Ticket {
        let ticket = self.go_processing();
        self.on(Event::Issued { ticket, result: Ok(verified("serial-1")) });
        assert_eq!(self.screen(), Screen::RemoveCard);
        ticket
    }
}

fn pin() -> Pin {
    Pin::parse("1234").unwrap()
}

fn verifies(out: &[Command]) -> usize {
    out.iter().filter(|c| matches!(c, Command::VerifyPin { .. })).count()
}

fn voided(out: &[Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::ReportOutcome { document, outcome: PrintOutcome::PrintFailed, .. } => {
                Some(document.serial.clone())
            }
            _ => None,
        })
        .collect()
}

fn reported(out: &[Command]) -> usize {
    out.iter().filter(|c| matches!(c, Command::ReportOutcome { .. })).count()
}

fn prints(out: &[Command]) -> usize {
    out.iter().filter(|c| matches!(c, Command::Print { .. })).count()
}

fn erases(out: &[Command]) -> bool {
    out.iter().any(|c| matches!(c, Command::Erase))
}

fn menu() -> MenuResponse {
    MenuResponse {
        municipality: MunicipalityCode::parse("122319").unwrap(),
        municipality_name: "印西市".into(),
        open_minute: 390,
        close_minute: 1380,
        items: CertificateKind::ALL
            .into_iter()
            .map(|kind| MenuItem { kind, fee_per_copy: Some(200), available_now: kind != CertificateKind::Kazei })
            .collect(),
    }
}

fn verified(serial: &str) -> Box<VerifiedDocument> {
    let document = Document {
        version: 1,
        kind: CertificateKind::Inkan,
        serial: serial.into(),
        municipality: MunicipalityCode::parse("122319").unwrap(),
        municipality_name: "印西市".into(),
        issued_at: T0,
        binding: Binding {
            transaction_id: "00".repeat(16),
            kiosk_id: "kiosk-test".into(),
            challenge: vec![0; 32].into(),
            card_certificate_sha256: vec![0; 32].into(),
        },
        copies: 1,
        fee_per_copy: 200,
        body: DocumentBody::Inkan(InkanBody {
            name: String::new(),
            name_kana: String::new(),
            birth_date: String::new(),
            sex: String::new(),
            address: String::new(),
            registration_number: String::new(),
            seal_svg: String::new(),
        }),
    };
    Box::new(VerifiedDocument {
        document,
        signed: SignedDocument { document: vec![1].into(), signature: vec![2].into() },
        municipality: MunicipalityCode::parse("122319").unwrap(),
        municipality_key: vec![3].into(),
    })
}

#[test]
fn the_happy_path_prints_only_after_the_card_is_out_and_reports_it() {
    let mut run = Run::new();
    let ticket = run.go_remove_card();
    assert_eq!(run.on(Event::Done).len(), 0, "no way past the card step");
    let out = run.on(Event::CardPresent(false));
    assert!(matches!(out.as_slice(), [Command::ReleaseCard, Command::Print { .. }, Command::Speak { .. }]));
    assert_eq!(run.screen(), Screen::Certificate);
    assert_eq!(run.kiosk.print_state(), Some(PrintState::Printing));
    assert!(run.on(Event::Done).is_empty(), "Finish waits for the print's outcome");
    let out = run.on(Event::Printed { ticket, printed: true });
    assert!(matches!(out.as_slice(), [Command::ReportOutcome { outcome: PrintOutcome::Printed, ticket: Some(_), .. }]));
    run.on(Event::OutcomeReported { ticket, acknowledged: true });
    assert_eq!(run.kiosk.print_state(), Some(PrintState::Printed));
    let out = run.on(Event::Done);
    assert!(erases(&out) && reported(&out) == 0, "a reported document is not reported again");
    assert_eq!(run.screen(), Screen::ThankYou);
    assert!(run.kiosk.document().is_none() && run.kiosk.choice().is_none() && run.kiosk.menu().is_none());
    run.wait(4_000);
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn a_print_that_fails_voids_the_issuance() {
    let mut run = Run::new();
    let ticket = run.go_remove_card();
    run.on(Event::CardPresent(false));
    let out = run.on(Event::Printed { ticket, printed: false });
    assert_eq!(voided(&out), ["serial-1"]);
    run.on(Event::OutcomeReported { ticket, acknowledged: true });
    assert_eq!(run.kiosk.print_state(), Some(PrintState::Voided));
    run.on(Event::OutcomeReported { ticket, acknowledged: false });
    assert_eq!(run.kiosk.print_state(), Some(PrintState::Unreported));
}

#[test]
fn every_screen_but_idle_times_out_after_a_warning_and_erases_the_transaction() {
    type Path = (&'static str, fn(&mut Run));
    let paths: [Path; 6] = [
        ("reading", |r| {
            r.on(Event::CardPresent(true));
        }),
        ("pin", Run::go_pin),
        ("choose", Run::go_choose),
        ("confirm", |r| r.go_confirm(CertificateKind::Juminhyo)),
        ("processing", |r| {
            r.go_processing();
        }),
        ("remove card", |r| {
            r.go_remove_card();
        }),
    ];
    for (name, path) in paths {
        let mut run = Run::new();
        path(&mut run);
        let screen = run.screen();
        let secs = Millis::from(screen.timeout_secs().unwrap());
        run.wait(secs * 1000 * 3 / 4 - 250);
        assert!(!run.kiosk.warning(), "{name}: no warning yet");
        let out = run.wait(250);
        assert!(run.kiosk.warning(), "{name}: warned at three quarters");
        assert!(out.iter().any(|c| matches!(c, Command::Speak { .. })), "{name}: the warning is spoken");
        assert_eq!(run.screen(), screen, "{name}");
        let out = run.wait(secs * 1000 / 4);
        assert_eq!(run.screen(), Screen::Idle, "{name}: abandoned");
        assert!(erases(&out), "{name}: erased");
        assert!(run.kiosk.choice().is_none() && run.kiosk.document().is_none(), "{name}");
    }
}

#[test]
fn continue_gives_the_screen_its_full_time_again() {
    let mut run = Run::new();
    run.go_choose();
    run.wait(50_000);
    assert!(run.kiosk.warning());
    run.on(Event::KeepGoing);
    assert!(!run.kiosk.warning());
    run.wait(44_000);
    assert_eq!(run.screen(), Screen::Choose);
    run.wait(16_000);
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn tests_may_shorten_every_deadline() {
    let mut run = Run::new();
    run.on(Event::Configured { in_service: true, timeout_percent: 10 });
    run.go_pin();
    run.wait(6_000);
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn a_card_never_taken_out_is_voided_when_the_time_runs_out() {
    let mut run = Run::new();
    let ticket = run.go_remove_card();
    let out = run.wait(120_000);
    assert_eq!(voided(&out), ["serial-1"]);
    assert_eq!(prints(&out), 0);
    assert_eq!(run.screen(), Screen::Idle);
    // The card taken out afterwards prints nothing.
    assert_eq!(prints(&run.on(Event::CardPresent(false))), 0);
    assert!(run.on(Event::Printed { ticket, printed: true }).is_empty(), "a stale print report changes nothing");
}

#[test]
fn the_remove_card_message_is_said_again_every_8_seconds() {
    let mut run = Run::new();
    run.go_remove_card();
    let out = run.wait(REMIND_EVERY_MS - 250);
    assert_eq!(run.kiosk.reminders(), 0);
    assert!(out.is_empty());
    let out = run.wait(250);
    assert_eq!(run.kiosk.reminders(), 1);
    assert!(matches!(out.as_slice(), [Command::Speak { .. }]));
    run.wait(REMIND_EVERY_MS * 2);
    assert_eq!(run.kiosk.reminders(), 3);
    run.on(Event::Pref(Pref::Voice));
    assert!(run.wait(REMIND_EVERY_MS).iter().all(|c| !matches!(c, Command::Speak { .. })), "voice off: silent");
    assert_eq!(run.kiosk.reminders(), 4, "the message still pulses");
}

#[test]
fn cancel_at_each_step_then_a_late_answer_is_dropped_and_a_late_document_voided() {
    let mut run = Run::new();
    // Cancel while reading: the late read changes nothing.
    run.on(Event::CardPresent(true));
    let ticket = run.ticket();
    assert!(erases(&run.on(Event::Cancel)));
    assert!(run.on(Event::CardRead { ticket, result: Ok(PinState::TriesLeft(3)) }).is_empty());
    assert_eq!(run.screen(), Screen::Idle);
    // Cancel while the PIN is checked.
    let mut run = Run::new();
    run.go_pin();
    run.on(Event::PinEntered(pin()));
    let ticket = run.ticket();
    run.on(Event::Cancel);
    assert!(run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Verified) }).is_empty());
    assert_eq!(run.screen(), Screen::Idle);
    // Cancel while the menu loads.
    let mut run = Run::new();
    run.go_pin();
    run.on(Event::PinEntered(pin()));
    let ticket = run.ticket();
    run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Verified) });
    run.on(Event::Cancel);
    run.on(Event::MenuFetched { ticket, result: Ok(menu()) });
    assert!(run.kiosk.menu().is_none());
    // Cancel while issuing: the document that comes later is never shown, and voided.
    let mut run = Run::new();
    let ticket = run.go_processing();
    run.on(Event::IssueProgress { ticket, step: IssueStep::Municipality });
    assert_eq!(run.kiosk.issue_step(), Some(IssueStep::Municipality));
    run.on(Event::Cancel);
    assert_eq!(run.screen(), Screen::Idle);
    let out = run.on(Event::Issued { ticket, result: Ok(verified("late")) });
    assert_eq!(voided(&out), ["late"]);
    assert!(run.kiosk.document().is_none());
    assert_eq!(run.screen(), Screen::Idle);
    // Even once the next resident's transaction is under way.
    let mut run = Run::new();
    let ticket = run.go_processing();
    run.wait(90_000);
    run.on(Event::CardPresent(false));
    run.go_pin();
    let out = run.on(Event::Issued { ticket, result: Ok(verified("late")) });
    assert_eq!(voided(&out), ["late"]);
    assert_eq!(run.screen(), Screen::Pin { tries_left: 3, last_wrong: false }, "the next resident sees nothing");
    assert!(run.kiosk.document().is_none());
    // A late refusal is dropped too.
    assert!(run.on(Event::Issued { ticket, result: Err(Failure::Network) }).is_empty());
}

#[test]
fn cancel_is_refused_once_the_document_is_issued() {
    let mut run = Run::new();
    run.go_remove_card();
    assert!(run.on(Event::Cancel).is_empty());
    assert!(run.on(Event::BackKey).is_empty());
    assert_eq!(run.screen(), Screen::RemoveCard);
}

#[test]
fn a_card_pulled_at_each_step_ends_the_transaction() {
    let paths: [fn(&mut Run); 5] = [
        |r| {
            r.on(Event::CardPresent(true));
        },
        Run::go_pin,
        Run::go_choose,
        |r| r.go_confirm(CertificateKind::Inkan),
        |r| {
            r.go_processing();
        },
    ];
    for path in paths {
        let mut run = Run::new();
        path(&mut run);
        let before = run.screen();
        let out = run.on(Event::CardPresent(false));
        assert!(erases(&out), "{before:?}");
        assert_eq!(run.screen(), Screen::Failed(Failure::CardRemoved), "{before:?}");
        assert_eq!(prints(&out), 0);
    }
}

#[test]
fn a_lost_reader_ends_the_transaction_and_voids_an_unprinted_document() {
    let mut run = Run::new();
    run.go_choose();
    run.on(Event::ReaderLost);
    assert_eq!(run.screen(), Screen::Failed(Failure::ReaderLost));
    let mut run = Run::new();
    run.go_remove_card();
    let out = run.on(Event::ReaderLost);
    assert_eq!(voided(&out), ["serial-1"]);
    assert_eq!(prints(&out), 0);
    assert_eq!(run.screen(), Screen::Failed(Failure::ReaderLost));
    // On idle only the reader state changes.
    let mut run = Run::new();
    run.on(Event::ReaderLost);
    assert_eq!(run.screen(), Screen::Idle);
    assert_eq!(run.kiosk.card_in(), None);
}

#[test]
fn one_verify_per_entry_and_a_wrong_pin_shows_the_tries_left() {
    let mut run = Run::new();
    run.go_pin();
    assert_eq!(verifies(&run.on(Event::PinEntered(pin()))), 1);
    assert!(run.kiosk.verifying());
    assert_eq!(verifies(&run.on(Event::PinEntered(pin()))), 0, "a second press while checking sends nothing");
    let ticket = run.ticket();
    run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Wrong { tries_left: 2 }) });
    assert_eq!(run.screen(), Screen::Pin { tries_left: 2, last_wrong: true });
    assert!(!run.kiosk.verifying());
    run.on(Event::PinMalformed);
    assert!(run.kiosk.pin_format_error());
    assert_eq!(verifies(&run.on(Event::PinEntered(pin()))), 1, "the resident's next entry: one more VERIFY");
    assert!(!run.kiosk.pin_format_error());
    run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Blocked) });
    assert_eq!(run.screen(), Screen::PinBlocked);
    assert_eq!(verifies(&run.on(Event::PinEntered(pin()))), 0, "never after the card is blocked");
    // A blocked card is told at once on reading.
    let mut run = Run::new();
    run.on(Event::CardPresent(true));
    let ticket = run.ticket();
    run.on(Event::CardRead { ticket, result: Ok(PinState::Blocked) });
    assert_eq!(run.screen(), Screen::PinBlocked);
    run.on(Event::Done);
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn the_last_try_is_warned_about_before_the_pin_is_typed() {
    let mut run = Run::new();
    run.on(Event::CardPresent(true));
    let ticket = run.ticket();
    let out = run.on(Event::CardRead { ticket, result: Ok(PinState::TriesLeft(1)) });
    let Some(Command::Speak { phrase, .. }) = out.last() else { panic!("spoken") };
    assert_eq!(*phrase, crate::i18n::PIN_LAST_TRY.into());
}

#[test]
fn a_refused_menu_ends_the_transaction_before_anything_is_chosen() {
    let mut run = Run::new();
    run.go_pin();
    run.on(Event::PinEntered(pin()));
    let ticket = run.ticket();
    run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Verified) });
    let refused = Failure::Refused(ErrorCode::CardRevoked);
    run.on(Event::MenuFetched { ticket, result: Err(refused) });
    assert_eq!(run.screen(), Screen::Failed(refused));
}

#[test]
fn only_what_the_menu_offers_now_can_be_chosen() {
    let mut run = Run::new();
    run.go_choose();
    run.on(Event::Choose(CertificateKind::Kazei));
    assert_eq!(run.screen(), Screen::Choose, "closed now");
    run.on(Event::Choose(CertificateKind::Shotoku));
    assert_eq!(run.screen(), Screen::Options);
    // No menu yet: nothing can be chosen.
    let mut run = Run::new();
    run.go_pin();
    run.on(Event::PinEntered(pin()));
    let ticket = run.ticket();
    run.on(Event::PinChecked { ticket, result: Ok(VerifyOutcome::Verified) });
    run.on(Event::Choose(CertificateKind::Inkan));
    assert_eq!(run.screen(), Screen::Choose);
}

#[test]
fn options_copies_and_the_fee_follow_the_rules() {
    let mut run = Run::new();
    run.go_choose();
    run.on(Event::Choose(CertificateKind::Juminhyo));
    for _ in 0..20 {
        run.on(Event::Edit(Edit::Copies(1)));
    }
    assert_eq!(run.kiosk.choice().unwrap().copies, kofu_shared::limits::MAX_COPIES);
    for _ in 0..20 {
        run.on(Event::Edit(Edit::Copies(-1)));
    }
    assert_eq!(run.kiosk.choice().unwrap().copies, 1);
    run.on(Event::Edit(Edit::Copies(1)));
    assert_eq!(run.kiosk.fee_total(), Some(400));
    run.on(Event::Edit(Edit::FiscalYear(2026)));
    assert_eq!(run.kiosk.choice().unwrap().options.fiscal_year, None, "no fiscal year on a 住民票");
    run.on(Event::Edit(Edit::Relationship));
    assert!(run.kiosk.choice().unwrap().options.with_relationship);
    // Choosing members asks for the household once, and needs one chosen to go on.
    let out = run.on(Event::Edit(Edit::Scope(HouseholdScope::Members)));
    assert_eq!(out.iter().filter(|c| matches!(c, Command::FetchHousehold { .. })).count(), 1);
    run.on(Event::Edit(Edit::Scope(HouseholdScope::Holder)));
    let out = run.on(Event::Edit(Edit::Scope(HouseholdScope::Members)));
    assert!(out.iter().all(|c| !matches!(c, Command::FetchHousehold { .. })), "asked once");
    run.on(Event::Next);
    assert_eq!(run.screen(), Screen::Options, "members scope needs a member");
    let ticket = run.ticket();
    let member = HouseholdListMember { position: 2, name: String::new(), relationship: String::new(), holder: false };
    run.on(Event::HouseholdListed { ticket, result: Ok(vec![member]) });
    assert_eq!(run.kiosk.household().map(<[_]>::len), Some(1));
    run.on(Event::Edit(Edit::Member(2)));
    assert_eq!(run.kiosk.choice().unwrap().options.members, [2]);
    run.on(Event::Next);
    assert_eq!(run.screen(), Screen::Confirm);
    run.on(Event::Back);
    run.on(Event::Back);
    assert_eq!(run.screen(), Screen::Choose);
    // The fiscal years: the latest three, the latest shown until one is picked.
    run.on(Event::Choose(CertificateKind::Shotoku));
    assert_eq!(run.kiosk.fiscal_years().collect::<Vec<_>>(), [2026, 2025, 2024]);
    assert_eq!(run.kiosk.fiscal_year_shown(), Some(2026));
    run.on(Event::Edit(Edit::FiscalYear(2020)));
    assert_eq!(run.kiosk.choice().unwrap().options.fiscal_year, None, "not offered");
    run.on(Event::Edit(Edit::FiscalYear(2025)));
    assert_eq!(run.kiosk.fiscal_year_shown(), Some(2025));
}

#[test]
fn the_choice_signed_is_the_one_confirmed() {
    let mut run = Run::new();
    run.go_choose();
    run.on(Event::Choose(CertificateKind::Juminhyo));
    run.on(Event::Edit(Edit::Scope(HouseholdScope::Household)));
    run.on(Event::Edit(Edit::Copies(1)));
    run.on(Event::Next);
    let out = run.on(Event::Confirm);
    let Some(Command::Issue { choice, .. }) = out.first() else { panic!("issued") };
    assert_eq!(choice.kind, CertificateKind::Juminhyo);
    assert_eq!(choice.options.scope, HouseholdScope::Household);
    assert_eq!(choice.copies, 2);
    assert!(run.on(Event::Confirm).is_empty(), "confirming twice sends one request");
}

#[test]
fn a_kiosk_without_a_key_takes_no_card_and_says_so() {
    let mut run = Run { kiosk: Kiosk::new(), now: T0 };
    let out = run.on(Event::Configured { in_service: false, timeout_percent: 100 });
    let Some(Command::Speak { phrase, .. }) = out.last() else { panic!("spoken") };
    assert_eq!(*phrase, crate::i18n::refusal(ErrorCode::UnknownKiosk).into());
    assert!(run.kiosk.out_of_service());
    assert!(run.on(Event::CardPresent(true)).iter().all(|c| !matches!(c, Command::ReadCard { .. })));
    assert!(run.on(Event::VirtualCardInserted(1)).is_empty());
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn a_card_already_in_when_the_kiosk_comes_up_starts_a_transaction() {
    let mut run = Run { kiosk: Kiosk::new(), now: T0 };
    assert!(run.on(Event::CardPresent(true)).iter().all(|c| !matches!(c, Command::ReadCard { .. })));
    let out = run.on(Event::Configured { in_service: true, timeout_percent: 100 });
    assert!(out.iter().any(|c| matches!(c, Command::ReadCard { .. })));
    // A card left in after a transaction must be taken out and put in again.
    let mut run = Run::new();
    run.go_pin();
    run.on(Event::Cancel);
    assert!(run.on(Event::CardPresent(true)).is_empty());
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn the_next_resident_starts_in_japanese_with_voice_on_and_plain_display() {
    let mut run = Run::new();
    run.on(Event::Pref(Pref::Lang(Lang::En)));
    run.on(Event::Pref(Pref::LargeText));
    run.on(Event::Pref(Pref::Voice));
    run.go_pin();
    run.on(Event::Pref(Pref::Lang(Lang::Zh)));
    assert_eq!(run.kiosk.prefs().lang, Lang::En, "the language is chosen on idle");
    assert!(run.kiosk.prefs().large_text && !run.kiosk.prefs().voice);
    run.on(Event::Cancel);
    assert_eq!(run.kiosk.prefs(), Prefs::default());
}

#[test]
fn each_change_of_screen_language_or_warning_is_spoken_once_and_never_with_voice_off() {
    let mut run = Run::new();
    let out = run.on(Event::Pref(Pref::Lang(Lang::Ko)));
    assert!(matches!(out.as_slice(), [Command::Speak { lang: Lang::Ko, .. }]));
    assert!(run.on(Event::Pref(Pref::Lang(Lang::Ko))).is_empty(), "nothing new: nothing said");
    let out = run.on(Event::CardPresent(true));
    assert_eq!(out.iter().filter(|c| matches!(c, Command::Speak { .. })).count(), 1);
    assert!(matches!(run.on(Event::Replay).as_slice(), [Command::Speak { .. }]));
    assert!(matches!(run.on(Event::Pref(Pref::Voice)).as_slice(), [Command::Silence]));
    assert!(run.on(Event::Replay).is_empty());
    let ticket = run.ticket();
    let out = run.on(Event::CardRead { ticket, result: Ok(PinState::TriesLeft(3)) });
    assert!(out.iter().all(|c| !matches!(c, Command::Speak { .. })));
}

#[test]
fn the_keypad_back_key_steps_back_or_cancels() {
    let mut run = Run::new();
    run.go_confirm(CertificateKind::Inkan);
    run.on(Event::BackKey);
    assert_eq!(run.screen(), Screen::Options);
    run.on(Event::BackKey);
    assert_eq!(run.screen(), Screen::Choose);
    assert!(erases(&run.on(Event::BackKey)));
    assert_eq!(run.screen(), Screen::Idle);
    assert!(run.on(Event::BackKey).is_empty());
}

#[test]
fn a_document_arriving_after_the_card_is_out_prints_at_once() {
    let mut run = Run::new();
    let ticket = run.go_processing();
    // The reader reported the slot empty just as the answer came: the card-pulled rule
    // fires first.
    run.kiosk.card_in = Some(false);
    let out = run.on(Event::Issued { ticket, result: Ok(verified("s")) });
    assert_eq!(prints(&out), 1);
    assert_eq!(run.screen(), Screen::Certificate);
}

#[test]
fn a_failure_is_shown_then_finish_goes_back_to_idle() {
    let mut run = Run::new();
    let ticket = run.go_processing();
    run.on(Event::Issued { ticket, result: Err(Failure::DocumentRejected) });
    assert_eq!(run.screen(), Screen::Failed(Failure::DocumentRejected));
    assert!(run.kiosk.document().is_none());
    run.on(Event::Done);
    assert_eq!(run.screen(), Screen::Idle);
}

#[test]
fn the_step_bar_follows_the_transaction() {
    assert_eq!(Screen::Idle.step(), Some(Step::Card));
    assert_eq!(Screen::Pin { tries_left: 3, last_wrong: false }.step(), Some(Step::Pin));
    assert_eq!(Screen::Options.step(), Some(Step::Certificate));
    assert_eq!(Screen::Confirm.step(), Some(Step::Confirm));
    assert_eq!(Screen::RemoveCard.step(), Some(Step::Issue));
    assert_eq!(Screen::Failed(Failure::Card).step(), None);
}

#[test]
fn a_command_that_cannot_start_fails_its_own_transaction_only() {
    let mut run = Run::new();
    run.go_pin();
    let old = run.ticket();
    run.on(Event::Cancel);
    run.on(Event::CardPresent(false));
    run.go_pin();
    assert!(run.on(Event::Failed { ticket: old, failure: Failure::Card }).is_empty());
    let ticket = run.ticket();
    run.on(Event::Failed { ticket, failure: Failure::Card });
    assert_eq!(run.screen(), Screen::Failed(Failure::Card));
}
