//! The kiosk's transaction as a sans-IO state machine: events and the time go in,
//! commands come out (`Kiosk::on`). Every rule of a transaction lives here — which screen
//! follows which, each deadline, card presence, cancel, what a late answer may do, when a
//! document is printed and when it is voided — and is tested natively with a fake clock
//! (`tests.rs`). The Leptos layer (`ui/`) renders the state and runs the commands: it
//! reads the card, calls the edge, prints and speaks, and reports back as events.
//!
//! Every command that starts work carries the transaction's [`Ticket`]; its answer comes
//! back with it. An answer for a transaction that has ended meanwhile (cancel, timeout, a
//! pulled card) never touches the next resident's: it is dropped, and a document issued
//! for it is reported unprinted so the municipality voids it and nothing is charged.

pub mod choice;
mod screen;
mod speech;
#[cfg(test)]
mod tests;

use kofu_card::{Pin, PinState, VerifyOutcome};
use kofu_shared::wire::{
    CertificateChoice, CertificateKind, Document, HouseholdListMember, HouseholdScope, MenuResponse, PrintOutcome,
};

pub use screen::{Failure, Screen, Step, failure_of};
pub use speech::{failure_text, screen_phrase, utterance};

use crate::i18n::{Lang, Phrase};
use crate::session::{IssueStep, VerifiedDocument};

/// Unix milliseconds, from the runner's clock.
pub type Millis = u64;

/// Which transaction a command belongs to; answers carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// Where the card of a new transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardSource {
    /// The attached USB reader's slot.
    Reader,
    /// Dev builds: virtual card `n`.
    Virtual(u8),
}

/// Where the print and its report stand on the certificate screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintState {
    Printing,
    /// Printed and acknowledged by the municipality.
    Printed,
    /// Printing failed: the issuance is voided, nothing is charged.
    Voided,
    /// The outcome could not be reported.
    Unreported,
}

/// The resident's display and voice choices; back to the defaults for the next resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    pub lang: Lang,
    pub voice: bool,
    pub large_text: bool,
    pub high_contrast: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs { lang: Lang::Ja, voice: true, large_text: false, high_contrast: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pref {
    Lang(Lang),
    Voice,
    LargeText,
    HighContrast,
}

pub enum Event {
    /// The clock moved on (the runner sends one a few times a second).
    Tick,
    /// config.json and the kiosk key are known: without a key the kiosk takes no card.
    Configured {
        in_service: bool,
        timeout_percent: u32,
    },
    /// Whether a card is in the reader's slot, as last reported; a change is what counts.
    CardPresent(bool),
    /// Dev builds: virtual card `n` put in.
    VirtualCardInserted(u8),
    /// The USB reader was unplugged.
    ReaderLost,
    /// Four digits typed; the runner already cleared the field.
    PinEntered(Pin),
    /// Something other than four digits was typed.
    PinMalformed,
    Choose(CertificateKind),
    Edit(choice::Edit),
    Next,
    Back,
    Confirm,
    Cancel,
    Done,
    /// "Continue" on the still-there warning.
    KeepGoing,
    /// Escape or Backspace on the keypad: a step back, or cancel.
    BackKey,
    /// "Say it again".
    Replay,
    Pref(Pref),
    CardRead {
        ticket: Ticket,
        result: Result<PinState, Failure>,
    },
    PinChecked {
        ticket: Ticket,
        result: Result<VerifyOutcome, Failure>,
    },
    MenuFetched {
        ticket: Ticket,
        result: Result<MenuResponse, Failure>,
    },
    HouseholdListed {
        ticket: Ticket,
        result: Result<Vec<HouseholdListMember>, Failure>,
    },
    IssueProgress {
        ticket: Ticket,
        step: IssueStep,
    },
    Issued {
        ticket: Ticket,
        result: Result<Box<VerifiedDocument>, Failure>,
    },
    Printed {
        ticket: Ticket,
        printed: bool,
    },
    OutcomeReported {
        ticket: Ticket,
        acknowledged: bool,
    },
    /// A command of this transaction could not even start (its card session was gone).
    Failed {
        ticket: Ticket,
        failure: Failure,
    },
}

pub enum Command {
    /// Power the card and read it: certificate and PIN tries left.
    ReadCard {
        ticket: Ticket,
        source: CardSource,
    },
    /// Exactly one VERIFY with this PIN.
    VerifyPin {
        ticket: Ticket,
        pin: Pin,
    },
    FetchMenu {
        ticket: Ticket,
    },
    FetchHousehold {
        ticket: Ticket,
    },
    Issue {
        ticket: Ticket,
        choice: CertificateChoice,
    },
    /// The card is out: drop the card session (the reader stays attached).
    ReleaseCard,
    /// Render the certificate and print it.
    Print {
        ticket: Ticket,
    },
    /// Tell the municipality, through the center, what became of a document. `ticket` is
    /// `None` for a transaction already over (nothing to show for the answer).
    ReportOutcome {
        ticket: Option<Ticket>,
        document: Box<Document>,
        outcome: PrintOutcome,
    },
    /// The transaction is over: drop the card session and everything of it.
    Erase,
    Speak {
        phrase: Phrase,
        lang: Lang,
    },
    Silence,
}

/// When the current screen warns and when it gives up.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    warn_at: Millis,
    end_at: Millis,
    warns: bool,
}

/// How often the remove-card message is said again while the card stays in.
pub const REMIND_EVERY_MS: Millis = 8_000;

/// The kiosk's whole state. One transaction at a time; `Erase` ends it.
pub struct Kiosk {
    screen: Screen,
    ticket: Ticket,
    in_service: Option<bool>,
    timeout_percent: u32,
    deadline: Option<Deadline>,
    warning: bool,
    card_in: Option<bool>,
    reader_lost: bool,
    prefs: Prefs,
    tx: Transaction,
}

/// What one transaction holds; dropped whole when it ends.
#[derive(Default)]
struct Transaction {
    choice: Option<CertificateChoice>,
    menu: Option<MenuResponse>,
    household: Option<Vec<HouseholdListMember>>,
    household_asked: bool,
    verifying: bool,
    pin_format_error: bool,
    step: Option<IssueStep>,
    document: Option<Box<VerifiedDocument>>,
    /// What the document's report says, once it is sent.
    outcome: Option<PrintOutcome>,
    print: Option<PrintState>,
    reminders: u32,
    next_reminder_at: Millis,
    /// Latest tax year at the transaction's start (the menu's fiscal years).
    latest_tax_year: u16,
}

impl Default for Kiosk {
    fn default() -> Self {
        Kiosk {
            screen: Screen::Idle,
            ticket: Ticket(0),
            in_service: None,
            timeout_percent: 100,
            deadline: None,
            warning: false,
            card_in: None,
            reader_lost: false,
            prefs: Prefs::default(),
            tx: Transaction::default(),
        }
    }
}

/// What the voice says depends on these; when one changes, it speaks again.
#[derive(PartialEq)]
struct Heard {
    screen: Screen,
    warning: bool,
    lang: Lang,
    voice: bool,
    in_service: Option<bool>,
}

impl Kiosk {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one event at `now` and says what to do.
    pub fn on(&mut self, event: Event, now: Millis) -> Vec<Command> {
        let heard = self.heard();
        let screen = self.screen.clone();
        let mut out = Vec::new();
        self.handle(event, now, &mut out);
        if self.screen != screen {
            self.warning = false;
            self.arm(now);
            if self.screen == Screen::Idle {
                self.prefs = Prefs::default();
            }
            if self.screen == Screen::RemoveCard {
                self.tx.next_reminder_at = now + REMIND_EVERY_MS;
            }
        }
        if self.heard() != heard {
            out.push(self.speech());
        }
        out
    }

    fn heard(&self) -> Heard {
        Heard {
            screen: self.screen.clone(),
            warning: self.warning,
            lang: self.prefs.lang,
            voice: self.prefs.voice,
            in_service: self.in_service,
        }
    }

    fn speech(&self) -> Command {
        match self.prefs.voice {
            true => Command::Speak { phrase: utterance(self), lang: self.prefs.lang },
            false => Command::Silence,
        }
    }

    fn handle(&mut self, event: Event, now: Millis, out: &mut Vec<Command>) {
        use Screen as S;
        match event {
            Event::Tick => self.tick(now, out),
            Event::Configured { in_service, timeout_percent } => {
                self.in_service = Some(in_service);
                self.timeout_percent = timeout_percent.clamp(1, 100);
                // A card that was already in when the kiosk came up.
                if self.card_in == Some(true) && !self.reader_lost {
                    self.start(CardSource::Reader, now, out);
                }
            }
            Event::CardPresent(present) => {
                let was = self.card_in.replace(present);
                self.reader_lost = false;
                if present && was != Some(true) {
                    self.start(CardSource::Reader, now, out);
                } else if !present {
                    self.card_gone(out);
                }
            }
            Event::VirtualCardInserted(n) => {
                if self.screen == S::Idle && self.in_service == Some(true) {
                    self.card_in = Some(true);
                    self.start(CardSource::Virtual(n), now, out);
                }
            }
            Event::ReaderLost => {
                self.card_in = None;
                self.reader_lost = true;
                self.fail(Failure::ReaderLost, out);
            }
            Event::PinEntered(pin) => {
                if matches!(self.screen, S::Pin { .. }) && !self.tx.verifying {
                    self.tx.verifying = true;
                    self.tx.pin_format_error = false;
                    out.push(Command::VerifyPin { ticket: self.ticket, pin });
                }
            }
            Event::PinMalformed => {
                if matches!(self.screen, S::Pin { .. }) && !self.tx.verifying {
                    self.tx.pin_format_error = true;
                }
            }
            Event::Choose(kind) => {
                if self.screen == S::Choose && choice::offered_now(self.tx.menu.as_ref(), kind) {
                    self.tx.choice = Some(CertificateChoice::new(kind, 1));
                    self.screen = S::Options;
                }
            }
            Event::Edit(edit) => self.edit(edit, out),
            Event::Next => {
                if self.screen == S::Options && self.tx.choice.as_ref().is_some_and(choice::complete) {
                    self.screen = S::Confirm;
                }
            }
            Event::Back => match self.screen {
                S::Options => self.screen = S::Choose,
                S::Confirm => self.screen = S::Options,
                _ => {}
            },
            Event::Confirm => {
                if self.screen == S::Confirm
                    && let Some(choice) = self.tx.choice.clone()
                {
                    self.tx.step = None;
                    self.screen = S::Processing;
                    out.push(Command::Issue { ticket: self.ticket, choice });
                }
            }
            Event::Cancel => {
                // Once the document is issued the card and print steps must finish.
                if self.screen.in_transaction() && self.screen != S::RemoveCard {
                    self.end(S::Idle, out);
                }
            }
            Event::Done => match self.screen {
                // Not while printing: the outcome must be known first.
                S::Certificate if self.tx.print != Some(PrintState::Printing) => self.end(S::ThankYou, out),
                S::ThankYou => self.screen = S::Idle,
                S::Failed(_) | S::PinBlocked => self.end(S::Idle, out),
                _ => {}
            },
            Event::KeepGoing => {
                if self.warning {
                    self.warning = false;
                    self.arm(now);
                }
            }
            Event::BackKey => {
                let next = match self.screen {
                    S::Options | S::Confirm => Event::Back,
                    S::ThankYou | S::Failed(_) | S::PinBlocked => Event::Done,
                    S::RemoveCard | S::Certificate | S::Idle => return,
                    _ => Event::Cancel,
                };
                self.handle(next, now, out);
            }
            Event::Replay => {
                if self.prefs.voice {
                    out.push(self.speech());
                }
            }
            Event::Pref(pref) => match pref {
                // The language is chosen before the card goes in.
                Pref::Lang(lang) if self.screen == S::Idle => self.prefs.lang = lang,
                Pref::Lang(_) => {}
                Pref::Voice => self.prefs.voice = !self.prefs.voice,
                Pref::LargeText => self.prefs.large_text = !self.prefs.large_text,
                Pref::HighContrast => self.prefs.high_contrast = !self.prefs.high_contrast,
            },
            Event::CardRead { ticket, result } => {
                if ticket != self.ticket || self.screen != S::Reading {
                    return;
                }
                match result {
                    Ok(PinState::TriesLeft(n)) => self.screen = S::Pin { tries_left: n, last_wrong: false },
                    Ok(PinState::Verified) => self.show_menu(out),
                    Ok(PinState::Blocked) => self.screen = S::PinBlocked,
                    Err(failure) => self.fail(failure, out),
                }
            }
            Event::PinChecked { ticket, result } => {
                if ticket != self.ticket || !matches!(self.screen, S::Pin { .. }) {
                    return;
                }
                self.tx.verifying = false;
                match result {
                    Ok(VerifyOutcome::Verified) => self.show_menu(out),
                    Ok(VerifyOutcome::Wrong { tries_left }) => self.screen = S::Pin { tries_left, last_wrong: true },
                    Ok(VerifyOutcome::Blocked) => self.screen = S::PinBlocked,
                    Err(failure) => self.fail(failure, out),
                }
            }
            Event::MenuFetched { ticket, result } => {
                if ticket != self.ticket {
                    return;
                }
                match result {
                    Ok(menu) => self.tx.menu = Some(menu),
                    Err(failure) => self.fail(failure, out),
                }
            }
            Event::HouseholdListed { ticket, result } => {
                if ticket != self.ticket {
                    return;
                }
                match result {
                    Ok(members) => self.tx.household = Some(members),
                    Err(failure) => self.fail(failure, out),
                }
            }
            Event::IssueProgress { ticket, step } => {
                if ticket == self.ticket && self.screen == S::Processing {
                    self.tx.step = Some(step);
                }
            }
            Event::Issued { ticket, result } => {
                let current = ticket == self.ticket && self.screen == S::Processing;
                match result {
                    Ok(document) if current => {
                        self.tx.document = Some(document);
                        self.screen = S::RemoveCard;
                        if self.card_in == Some(false) {
                            self.card_gone(out);
                        }
                    }
                    // Cancelled or timed out meanwhile: never shown; the municipality voids it.
                    Ok(late) => out.push(Command::ReportOutcome {
                        ticket: None,
                        document: Box::new(late.document.clone()),
                        outcome: PrintOutcome::PrintFailed,
                    }),
                    Err(failure) if current => self.fail(failure, out),
                    Err(_) => {}
                }
            }
            Event::Printed { ticket, printed } => {
                if ticket != self.ticket || self.screen != S::Certificate {
                    return;
                }
                let outcome = if printed { PrintOutcome::Printed } else { PrintOutcome::PrintFailed };
                if let Some(document) = &self.tx.document {
                    self.tx.outcome = Some(outcome);
                    out.push(Command::ReportOutcome {
                        ticket: Some(ticket),
                        document: Box::new(document.document.clone()),
                        outcome,
                    });
                }
            }
            Event::Failed { ticket, failure } => {
                if ticket == self.ticket {
                    self.fail(failure, out);
                }
            }
            Event::OutcomeReported { ticket, acknowledged } => {
                if ticket != self.ticket || self.screen != S::Certificate {
                    return;
                }
                self.tx.print = Some(match (acknowledged, self.tx.outcome) {
                    (true, Some(PrintOutcome::Printed)) => PrintState::Printed,
                    (true, _) => PrintState::Voided,
                    (false, _) => PrintState::Unreported,
                });
            }
        }
    }

    /// A new transaction for the card just put in, from idle only.
    fn start(&mut self, source: CardSource, now: Millis, out: &mut Vec<Command>) {
        if self.screen != Screen::Idle || self.in_service != Some(true) {
            return;
        }
        self.erase(out);
        self.tx.latest_tax_year = kofu_shared::jst::latest_tax_year(now);
        self.screen = Screen::Reading;
        out.push(Command::ReadCard { ticket: self.ticket, source });
    }

    fn show_menu(&mut self, out: &mut Vec<Command>) {
        self.screen = Screen::Choose;
        if self.tx.menu.is_none() {
            out.push(Command::FetchMenu { ticket: self.ticket });
        }
    }

    fn edit(&mut self, edit: choice::Edit, out: &mut Vec<Command>) {
        let Some(chosen) = self.tx.choice.as_mut().filter(|_| self.screen == Screen::Options) else { return };
        choice::apply(chosen, edit, self.tx.latest_tax_year);
        let members = chosen.options.scope == HouseholdScope::Members;
        // Choosing members needs the household's list: one more card signature, asked once.
        if members && self.tx.household.is_none() && !self.tx.household_asked {
            self.tx.household_asked = true;
            out.push(Command::FetchHousehold { ticket: self.ticket });
        }
    }

    /// The card left the slot: after issuing, that is what printing waits for; before,
    /// it ends the transaction.
    fn card_gone(&mut self, out: &mut Vec<Command>) {
        if self.screen == Screen::RemoveCard {
            out.push(Command::ReleaseCard);
            self.tx.print = Some(PrintState::Printing);
            self.screen = Screen::Certificate;
            out.push(Command::Print { ticket: self.ticket });
        } else if self.screen.in_transaction() {
            self.fail(Failure::CardRemoved, out);
        }
    }

    fn tick(&mut self, now: Millis, out: &mut Vec<Command>) {
        if self.screen == Screen::RemoveCard && now >= self.tx.next_reminder_at {
            self.tx.reminders += 1;
            self.tx.next_reminder_at = now + REMIND_EVERY_MS;
            if self.prefs.voice {
                out.push(self.speech());
            }
        }
        let Some(deadline) = self.deadline else { return };
        if now >= deadline.end_at {
            self.deadline = None;
            self.end(Screen::Idle, out);
        } else if now >= deadline.warn_at && deadline.warns {
            self.warning = true;
        }
    }

    /// Sets the current screen's deadline: at three quarters of its time the resident is
    /// asked whether they are still there; at its end the transaction is abandoned.
    fn arm(&mut self, now: Millis) {
        self.deadline = self.screen.timeout_secs().map(|secs| {
            let total = Millis::from(secs) * 10 * Millis::from(self.timeout_percent);
            Deadline { warn_at: now + total * 3 / 4, end_at: now + total, warns: self.screen.warns() }
        });
    }

    /// Ends the transaction (if one is under way) with `failure` shown.
    fn fail(&mut self, failure: Failure, out: &mut Vec<Command>) {
        if self.screen.in_transaction() {
            self.end(Screen::Failed(failure), out);
        }
    }

    /// Erases the transaction and shows `screen`.
    fn end(&mut self, screen: Screen, out: &mut Vec<Command>) {
        self.erase(out);
        self.screen = screen;
    }

    /// Drops everything of the transaction. A document issued and never reported is
    /// reported unprinted, so the municipality voids it and nothing is charged.
    fn erase(&mut self, out: &mut Vec<Command>) {
        let tx = std::mem::take(&mut self.tx);
        if let Some(document) = tx.document.as_ref().filter(|_| tx.outcome.is_none()) {
            out.push(Command::ReportOutcome {
                ticket: None,
                document: Box::new(document.document.clone()),
                outcome: PrintOutcome::PrintFailed,
            });
        }
        self.ticket = Ticket(self.ticket.0 + 1);
        self.warning = false;
        out.push(Command::Erase);
    }
}

/// What the screens read.
impl Kiosk {
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn ticket(&self) -> Ticket {
        self.ticket
    }

    /// Whether `ticket` is the transaction under way (answers for others are dropped).
    pub fn is_current(&self, ticket: Ticket) -> bool {
        ticket == self.ticket
    }

    /// The screen's time is nearly up: "still there?".
    pub fn warning(&self) -> bool {
        self.warning
    }

    pub fn prefs(&self) -> Prefs {
        self.prefs
    }

    /// Known to have no key to sign with (never enrolled): it takes no card.
    pub fn out_of_service(&self) -> bool {
        self.in_service == Some(false)
    }

    /// Whether a card is in the slot, as last reported (`None`: no reader).
    pub fn card_in(&self) -> Option<bool> {
        self.card_in
    }

    pub fn choice(&self) -> Option<&CertificateChoice> {
        self.tx.choice.as_ref()
    }

    pub fn menu(&self) -> Option<&MenuResponse> {
        self.tx.menu.as_ref()
    }

    /// The household's members once listed (personal data, dropped with the transaction).
    pub fn household(&self) -> Option<&[HouseholdListMember]> {
        self.tx.household.as_deref()
    }

    /// A VERIFY is under way: the PIN field takes nothing more.
    pub fn verifying(&self) -> bool {
        self.tx.verifying
    }

    pub fn pin_format_error(&self) -> bool {
        self.tx.pin_format_error
    }

    pub fn issue_step(&self) -> Option<IssueStep> {
        self.tx.step
    }

    pub fn document(&self) -> Option<&VerifiedDocument> {
        self.tx.document.as_deref()
    }

    pub fn print_state(&self) -> Option<PrintState> {
        self.tx.print
    }

    /// How often the remove-card message has been said again.
    pub fn reminders(&self) -> u32 {
        self.tx.reminders
    }

    /// The fiscal years the options screen offers, latest first.
    pub fn fiscal_years(&self) -> impl Iterator<Item = u16> {
        choice::fiscal_years(self.tx.latest_tax_year)
    }

    pub fn fiscal_year_shown(&self) -> Option<u16> {
        Some(choice::fiscal_year_shown(self.tx.choice.as_ref()?, self.tx.latest_tax_year))
    }

    /// The fee before confirming: per copy times copies, as the municipality publishes it.
    pub fn fee_total(&self) -> Option<u64> {
        choice::fee_total(self.tx.menu.as_ref(), self.tx.choice.as_ref()?)
    }
}
