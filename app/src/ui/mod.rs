//! Leptos components: they render `flow::Screen` and turn clicks into `flow::Event`s.
//! The transaction itself runs in `session`; the USB reader is watched in `reader`.

mod certificate;
mod choose;
mod keys;
mod qr;
mod reader;
mod text;
mod voice;

use gloo_timers::future::TimeoutFuture;
use kofu_card::{CardError, Pin, TransportError};
use kofu_shared::wire::{CertificateChoice, CertificateKind, HouseholdListMember, MenuResponse, PrintOutcome};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::edge_client::{AppConfig, HttpEdge, load_config};
use crate::flow::{Event, Failure, Screen};
use crate::i18n::{self, Lang, Text};
use crate::reader::{Card, SharedReader};
use crate::session::{EdgeCallError, IssueStep, Session, SessionError, VerifiedDocument, report_outcome};
use reader::{ReaderState, reader_status};
use text::{Bilingual, label, phrase, plain};

#[cfg(feature = "dev")]
fn virtual_card(n: usize) -> Option<Card> {
    crate::dev::virtual_card(n).map(Card::Virtual)
}

#[cfg(feature = "dev")]
fn kiosk_identity() -> Option<crate::session::KioskIdentity> {
    crate::dev::kiosk_identity()
}
#[cfg(not(feature = "dev"))]
fn kiosk_identity() -> Option<crate::session::KioskIdentity> {
    None
}

/// The state of one transaction. Dropping it erases the transaction.
///
/// `generation` counts transactions: every async step records it when it starts and
/// touches nothing if it changed meanwhile (cancel, timeout), so a late answer can
/// never land in the next resident's transaction. `screen_epoch` counts screen changes,
/// so a screen's timer fires only if that very screen is still showing.
#[derive(Clone, Copy)]
struct Kiosk {
    screen: RwSignal<Screen>,
    generation: StoredValue<u64>,
    screen_epoch: StoredValue<u64>,
    deadline: StoredValue<Option<Deadline>>,
    session: StoredValue<Option<Session<Card>>, LocalStorage>,
    document: StoredValue<Option<VerifiedDocument>, LocalStorage>,
    config: RwSignal<Option<AppConfig>>,
    busy: RwSignal<bool>,
    pin_format_error: RwSignal<bool>,
    print_state: RwSignal<PrintState>,
    /// The screen's time is nearly up: ask whether the resident is still there.
    warning: RwSignal<bool>,
    /// The attached USB reader; `reader_epoch` counts attachments, so a watcher of a
    /// replaced reader stops.
    reader: StoredValue<Option<SharedReader>, LocalStorage>,
    reader_epoch: StoredValue<u64>,
    reader_state: RwSignal<ReaderState>,
    /// Whether a card is in the slot, as last reported (`None`: no reader).
    card_in: RwSignal<Option<bool>>,
    /// What the resident is choosing: kind, options, copies.
    choice: RwSignal<CertificateChoice>,
    /// The household's members once asked for (choosing whom a 住民票 lists); personal
    /// data, dropped with the transaction.
    household: RwSignal<Option<Vec<HouseholdListMember>>>,
    /// The resident's language; back to Japanese whenever the kiosk returns to idle.
    lang: RwSignal<Lang>,
    /// Voice guidance on (the default) or off.
    voice: RwSignal<bool>,
    /// What the resident's municipality offers, fetched after the PIN.
    menu: RwSignal<Option<MenuResponse>>,
    /// How often the remove-card reminder has repeated in this transaction.
    reminders: RwSignal<u32>,
    /// Where the issuance is, on the processing screen.
    step: RwSignal<Option<IssueStep>>,
    /// Display modes for residents who cannot see the screen well.
    large_text: RwSignal<bool>,
    high_contrast: RwSignal<bool>,
}

/// Where the print and its report stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrintState {
    Printing,
    /// Printed and acknowledged by the municipality.
    Printed,
    /// Printing failed: the issuance is voided, nothing is charged.
    Voided,
    /// The outcome could not be reported.
    Unreported,
}

impl Kiosk {
    fn send(&self, event: Event) {
        self.screen_epoch.update_value(|e| *e += 1);
        self.warning.set(false);
        self.screen.update(|s| *s = s.on(event));
        if self.screen.get_untracked() == Screen::Choose && self.menu.with_untracked(Option::is_none) {
            fetch_menu(*self);
        }
        if self.screen.get_untracked() == Screen::Idle {
            self.lang.set(Lang::Ja);
            self.voice.set(true);
            self.large_text.set(false);
            self.high_contrast.set(false);
        }
    }

    /// A card came or went. An insertion on the idle screen starts a transaction; a
    /// removal before the remove-card step ends the transaction at once.
    fn slot_changed(&self, present: bool) {
        let was = self.card_in.get_untracked();
        self.card_in.set(Some(present));
        let screen = self.screen.get_untracked();
        if present && was != Some(true) && screen == Screen::Idle {
            if let Some(reader) = self.reader.get_value() {
                start_transaction(*self, Card::Usb(reader));
            }
        } else if !present && screen.in_transaction() && screen != Screen::RemoveCard {
            self.fail(self.generation(), Failure::CardRemoved);
        }
    }

    /// The exchange center as configured, and this kiosk's identity; `None` until both are known.
    fn edge(&self) -> Option<(HttpEdge, crate::session::KioskIdentity)> {
        let config = self.config.get_untracked()?;
        let edge = HttpEdge { base_url: config.edge_url.trim_end_matches('/').to_owned() };
        Some((edge, kiosk_identity()?))
    }

    fn generation(&self) -> u64 {
        self.generation.get_value()
    }

    fn is_current(&self, generation: u64) -> bool {
        self.generation.get_value() == generation
    }

    fn take_session(&self) -> Option<Session<Card>> {
        self.session.try_update_value(Option::take).flatten()
    }

    fn put_session(&self, session: Session<Card>) {
        self.session.set_value(Some(session));
    }

    /// Ends the transaction: card session, document and every flag are dropped.
    fn erase(&self) {
        self.generation.update_value(|g| *g += 1);
        self.session.set_value(None);
        self.document.set_value(None);
        self.busy.set(false);
        self.pin_format_error.set(false);
        self.warning.set(false);
        self.choice.set(CertificateChoice::new(CertificateKind::Juminhyo, 1));
        self.household.set(None);
        self.menu.set(None);
        // Setting a signal also drops the subscriptions of screens already gone.
        self.reminders.set(0);
        self.step.set(None);
    }

    /// "Continue" on the warning: the screen gets its full time again.
    fn keep_going(&self) {
        self.screen_epoch.update_value(|e| *e += 1);
        self.warning.set(false);
        self.arm_timeout();
    }

    /// Fails transaction `generation`; a transaction already abandoned stays abandoned.
    fn fail(&self, generation: u64, failure: Failure) {
        if self.is_current(generation) {
            self.erase();
            self.send(Event::Failed(failure));
        }
    }

    /// Sets the current screen's deadline: at three quarters of its time the resident is
    /// asked whether they are still there; when it runs out on that same screen, the
    /// transaction is erased and the kiosk goes back to idle. One clock (`tick`) checks it,
    /// so a busy kiosk never piles up a timer per screen it has shown.
    fn arm_timeout(&self) {
        let screen = self.screen.get_untracked();
        let deadline = screen.timeout_secs().map(|secs| {
            let percent = self.config.get_untracked().map_or(100, |c| c.timeout_percent.clamp(1, 100));
            let total_ms = f64::from(secs.saturating_mul(10 * percent));
            let now = js_sys::Date::now();
            Deadline {
                epoch: self.screen_epoch.get_value(),
                warn_at: now + total_ms * 0.75,
                end_at: now + total_ms,
                warns: screen.warns(),
            }
        });
        self.deadline.set_value(deadline);
    }

    /// The kiosk's clock, four times a second.
    fn tick(&self) {
        let Some(deadline) = self.deadline.get_value() else { return };
        if deadline.epoch != self.screen_epoch.get_value() {
            return;
        }
        let now = js_sys::Date::now();
        if now >= deadline.end_at {
            self.deadline.set_value(None);
            // Issued but never printed (the card was not taken out): void it, no fee.
            let unprinted = (self.screen.get_untracked() == Screen::RemoveCard)
                .then(|| self.document.with_value(|d| d.as_ref().map(|d| d.document.clone())))
                .flatten();
            self.erase();
            self.send(Event::TimedOut);
            if let Some(document) = unprinted {
                spawn_local(void_unprinted(*self, document));
            }
        } else if now >= deadline.warn_at && deadline.warns && !self.warning.get_untracked() {
            self.warning.set(true);
        }
    }
}

/// When the current screen warns and when it gives up (`js_sys::Date::now` ms).
#[derive(Debug, Clone, Copy)]
struct Deadline {
    /// The screen it belongs to (`screen_epoch`).
    epoch: u64,
    warn_at: f64,
    end_at: f64,
    warns: bool,
}

fn failure_of(e: &SessionError) -> Failure {
    match e {
        SessionError::Card(CardError::Transport(TransportError::CardAbsent | TransportError::CardRemoved)) => {
            Failure::CardRemoved
        }
        SessionError::Card(_) | SessionError::BadChallenge => Failure::Card,
        SessionError::Edge(EdgeCallError::Refused(code)) => Failure::Refused(*code),
        SessionError::Edge(_) => Failure::Network,
        SessionError::Document(_) => Failure::DocumentRejected,
    }
}

fn random_transaction_id() -> Option<[u8; 16]> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).ok()?;
    Some(id)
}

#[component]
pub fn App() -> impl IntoView {
    let kiosk = Kiosk {
        screen: RwSignal::new(Screen::Idle),
        generation: StoredValue::new(0),
        screen_epoch: StoredValue::new(0),
        deadline: StoredValue::new(None),
        session: StoredValue::new_local(None),
        document: StoredValue::new_local(None),
        config: RwSignal::new(None),
        busy: RwSignal::new(false),
        pin_format_error: RwSignal::new(false),
        print_state: RwSignal::new(PrintState::Printing),
        warning: RwSignal::new(false),
        reader: StoredValue::new_local(None),
        reader_epoch: StoredValue::new(0),
        reader_state: RwSignal::new(ReaderState::None),
        card_in: RwSignal::new(None),
        choice: RwSignal::new(CertificateChoice::new(CertificateKind::Juminhyo, 1)),
        household: RwSignal::new(None),
        lang: RwSignal::new(Lang::Ja),
        voice: RwSignal::new(true),
        menu: RwSignal::new(None),
        reminders: RwSignal::new(0),
        step: RwSignal::new(None),
        large_text: RwSignal::new(false),
        high_contrast: RwSignal::new(false),
    };
    provide_context(kiosk.lang);
    voice::guide(kiosk);
    gloo_timers::callback::Interval::new(250, move || kiosk.tick()).forget();
    keys::install(kiosk);
    kiosk.watch_usb();
    spawn_local(async move {
        if let Ok(config) = load_config().await {
            kiosk.config.set(Some(config));
        }
    });
    Effect::new(move |_| {
        kiosk.screen.track();
        kiosk.arm_timeout();
    });
    view! {
        <main class="kiosk" class:large=move || kiosk.large_text.get() class:contrast=move || kiosk.high_contrast.get()
            data-screen=move || test_hook(&kiosk.screen.get())>
            // The header and the screen render again when the language changes (ui/text.rs).
            <header class="title">{move || {
                kiosk.lang.track();
                view! { <Bilingual text=i18n::TITLE/>{voice::controls(kiosk)}{display_modes(kiosk)} }
            }}</header>
            {move || kiosk.warning.get().then(|| view! {
                <div class="timeout-warning" role="alert">
                    <Bilingual text=i18n::STILL_THERE/>
                    {button(i18n::CONTINUE, "primary keep-going", move || kiosk.keep_going())}
                </div>
            })}
            {move || {
                kiosk.lang.track();
                render(kiosk, kiosk.screen.get())
            }}
        </main>
    }
}

/// What the browser tests read off the page (`data-screen`, `data-failure`): the state's
/// Debug text in dev builds; empty in a release kiosk, which then carries no Debug code
/// for its screens and error codes.
#[cfg(feature = "dev")]
fn test_hook(state: &impl std::fmt::Debug) -> String {
    format!("{state:?}")
}
#[cfg(not(feature = "dev"))]
fn test_hook(_: &impl std::fmt::Debug) -> String {
    String::new()
}

fn button(text: Text, class: &'static str, on_click: impl Fn() + 'static) -> AnyView {
    any_button(text, class, Box::new(on_click))
}

/// One button view for every call site (a boxed handler): the bundle keeps one copy of
/// its code instead of one per closure type.
fn any_button(text: Text, class: &'static str, on_click: Box<dyn Fn()>) -> AnyView {
    view! { <button class=class on:click=move |_| on_click()>{label(text)}</button> }.into_any()
}

fn render(kiosk: Kiosk, screen: Screen) -> AnyView {
    match screen {
        Screen::Idle => idle(kiosk).into_any(),
        Screen::Reading => view! { <section><Bilingual text=i18n::READING/></section> }.into_any(),
        Screen::Pin { tries_left, last_wrong } => pin_screen(kiosk, tries_left, last_wrong).into_any(),
        Screen::PinBlocked => view! {
            <section class="error">
                <Bilingual text=i18n::PIN_BLOCKED/>
                {button(i18n::BACK_TO_START, "primary", move || { kiosk.erase(); kiosk.send(Event::Done); })}
            </section>
        }
        .into_any(),
        Screen::Choose => choose::choose(kiosk).into_any(),
        Screen::Options => choose::options(kiosk).into_any(),
        Screen::Confirm => choose::confirm(kiosk).into_any(),
        Screen::Processing => processing(kiosk).into_any(),
        Screen::RemoveCard => remove_card(kiosk).into_any(),
        Screen::Certificate => certificate(kiosk).into_any(),
        Screen::ThankYou => view! {
            <section class="thank-you">
                <Bilingual text=i18n::THANK_YOU/>
                {button(i18n::BACK_TO_START, "primary", move || kiosk.send(Event::Done))}
            </section>
        }
        .into_any(),
        Screen::Failed(failure) => failed(kiosk, failure).into_any(),
    }
}

/// Reads the card and moves to the PIN screen; the USB card is powered first.
fn start_transaction(kiosk: Kiosk, card: Card) {
    kiosk.erase();
    kiosk.send(Event::CardInserted);
    let generation = kiosk.generation();
    spawn_local(async move {
        if let Card::Usb(reader) = &card
            && let Err(e) = reader.power_on().await
        {
            kiosk.fail(generation, failure_of(&SessionError::Card(CardError::Transport(e))));
            return;
        }
        match Session::start(card).await {
            Ok((session, state)) if kiosk.is_current(generation) => {
                kiosk.put_session(session);
                kiosk.send(Event::CardRead(state));
            }
            Ok(_) => {}
            Err(e) => kiosk.fail(generation, failure_of(&e)),
        }
    });
}

/// Large text and high contrast, for residents who cannot see the screen well.
fn display_modes(kiosk: Kiosk) -> impl IntoView {
    let mode = |signal: RwSignal<bool>, text: Text, class: &'static str| {
        view! {
            <button class=format!("secondary toggle {class}") aria-pressed=move || signal.get().to_string()
                on:click=move |_| signal.update(|on| *on = !*on)>{label(text)}</button>
        }
    };
    view! {
        <div class="display-modes">
            {mode(kiosk.large_text, i18n::LARGE_TEXT, "large-text")}
            {mode(kiosk.high_contrast, i18n::HIGH_CONTRAST, "high-contrast")}
        </div>
    }
}

/// The six languages, each named in itself.
fn languages(kiosk: Kiosk) -> impl IntoView {
    let buttons = Lang::ALL
        .into_iter()
        .map(|lang| {
            view! {
                <button class=format!("toggle lang lang-{}", lang.code()) lang=lang.code()
                    aria-pressed=(kiosk.lang.get_untracked() == lang).to_string()
                    on:click=move |_| kiosk.lang.set(lang)>{lang.native_name()}</button>
            }
        })
        .collect_view();
    view! { <nav class="languages" aria-label=plain(i18n::CHOOSE_LANGUAGE)>{buttons}</nav> }
}

fn idle(kiosk: Kiosk) -> impl IntoView {
    view! {
        <section>
            {languages(kiosk)}
            <Bilingual text=i18n::IDLE/>
            {reader_status(kiosk)}
            {dev_virtual_cards(kiosk)}
        </section>
    }
}

/// Dev builds: pick a virtual card and "insert" it with Start.
#[cfg(feature = "dev")]
fn dev_virtual_cards(kiosk: Kiosk) -> impl IntoView {
    let card_number = RwSignal::new(1usize);
    let start = move || {
        let Some(card) = virtual_card(card_number.get_untracked()) else {
            kiosk.fail(kiosk.generation(), Failure::Card);
            return;
        };
        kiosk.card_in.set(Some(true));
        start_transaction(kiosk, card);
    };
    view! {
        {dev_card_picker(card_number)}
        {button(i18n::START, "primary start", start)}
    }
}
#[cfg(not(feature = "dev"))]
fn dev_virtual_cards(_: Kiosk) -> impl IntoView {}

#[cfg(feature = "dev")]
fn dev_card_picker(card_number: RwSignal<usize>) -> impl IntoView {
    let options = (1..=crate::dev::VIRTUAL_CARD_COUNT)
        .map(|n| view! { <option value=n.to_string()>{format!("仮想カード {n} / virtual card {n}")}</option> })
        .collect_view();
    view! {
        <div class="dev">
            <label>"DEV · TEST ONLY · PIN 1234 "
                <select class="virtual-card" on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse() { card_number.set(n) }
                }>{options}</select>
            </label>
        </div>
    }
}

fn pin_screen(kiosk: Kiosk, tries_left: u8, last_wrong: bool) -> impl IntoView {
    let input: NodeRef<Input> = NodeRef::new();
    let submit = move || {
        if kiosk.busy.get_untracked() {
            return;
        }
        let Some(element) = input.get_untracked() else { return };
        let typed = element.value();
        // The PIN leaves the DOM at once; only the zeroizing `Pin` keeps it, for one VERIFY.
        element.set_value("");
        let Ok(pin) = Pin::parse(&typed) else {
            kiosk.pin_format_error.set(true);
            return;
        };
        drop(typed);
        let Some(mut session) = kiosk.take_session() else { return };
        kiosk.busy.set(true);
        kiosk.pin_format_error.set(false);
        let generation = kiosk.generation();
        spawn_local(async move {
            let outcome = session.verify_pin(pin).await;
            if !kiosk.is_current(generation) {
                return; // abandoned meanwhile: the session is dropped here
            }
            kiosk.busy.set(false);
            match outcome {
                Ok(outcome) => {
                    kiosk.put_session(session);
                    kiosk.send(Event::PinChecked(outcome));
                }
                Err(e) => kiosk.fail(generation, failure_of(&e)),
            }
        });
    };
    view! {
        <section>
            <Bilingual text=i18n::PIN_PROMPT/>
            <div class="tries" class:wrong=last_wrong>
                {if last_wrong { phrase(i18n::pin_wrong(tries_left)).into_any() }
                 else { phrase(i18n::tries_left(tries_left)).into_any() }}
            </div>
            {(tries_left == 1).then(|| view! { <div class="warning"><Bilingual text=i18n::PIN_LAST_TRY/></div> })}
            {move || kiosk.pin_format_error.get().then(|| view! {
                <div class="warning"><Bilingual text=i18n::PIN_FORMAT/></div>
            })}
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <input node_ref=input class="pin" type="password" inputmode="numeric" autocomplete="off"
                    maxlength="4" pattern="[0-9]{4}" aria-label=plain(i18n::PIN_LABEL) autofocus=true/>
                <button type="submit" class="primary pin-submit" disabled=move || kiosk.busy.get()>
                    {label(i18n::PIN_SUBMIT)}
                </button>
            </form>
            {button(i18n::CANCEL, "secondary", move || { kiosk.erase(); kiosk.send(Event::Cancel); })}
        </section>
    }
}

/// Asks the center what the resident's municipality offers (kinds, fees, hours) as soon
/// as the PIN is verified; a refusal here (card revoked, municipality not connected) ends
/// the transaction before the resident chooses anything.
fn fetch_menu(kiosk: Kiosk) {
    let Some(session) = kiosk.take_session() else { return };
    let generation = kiosk.generation();
    spawn_local(async move {
        let Some((edge, identity)) = kiosk.edge() else {
            kiosk.fail(generation, Failure::Network);
            return;
        };
        let menu = session.menu(&edge, &identity, js_sys::Date::now() as u64).await;
        if !kiosk.is_current(generation) {
            return;
        }
        kiosk.put_session(session);
        match menu {
            Ok(menu) => kiosk.menu.set(Some(menu)),
            Err(e) => kiosk.fail(generation, failure_of(&e)),
        }
    });
}

/// Asks the municipality for the household's members (one more card signature), so the
/// resident can choose whom the 住民票 lists.
fn fetch_household(kiosk: Kiosk) {
    if kiosk.busy.get_untracked() || kiosk.household.with_untracked(Option::is_some) {
        return;
    }
    let Some(mut session) = kiosk.take_session() else { return };
    kiosk.busy.set(true);
    let generation = kiosk.generation();
    spawn_local(async move {
        let (Some((edge, identity)), Some(transaction_id)) = (kiosk.edge(), random_transaction_id()) else {
            kiosk.fail(generation, Failure::Network);
            return;
        };
        let listed = session.household_list(&edge, &identity, transaction_id, js_sys::Date::now() as u64).await;
        if !kiosk.is_current(generation) {
            return;
        }
        kiosk.busy.set(false);
        match listed {
            Ok(members) => {
                kiosk.put_session(session);
                kiosk.household.set(Some(members));
            }
            Err(e) => kiosk.fail(generation, failure_of(&e)),
        }
    });
}

fn issue(kiosk: Kiosk) {
    let Some(mut session) = kiosk.take_session() else { return };
    kiosk.send(Event::Confirmed);
    let generation = kiosk.generation();
    spawn_local(async move {
        let (Some((edge, identity)), Some(transaction_id)) = (kiosk.edge(), random_transaction_id()) else {
            kiosk.fail(generation, Failure::Network);
            return;
        };
        let choice = kiosk.choice.get_untracked();
        let now = js_sys::Date::now() as u64;
        let progress = move |step| {
            if kiosk.is_current(generation) {
                kiosk.step.set(Some(step));
            }
        };
        match session.issue_showing(&edge, &identity, choice, transaction_id, now, &progress).await {
            // Cancelled or timed out meanwhile: never shown; the municipality voids it.
            Ok(late) if !kiosk.is_current(generation) => void_unprinted(kiosk, late.document.clone()).await,
            Ok(document) => {
                kiosk.document.set_value(Some(document));
                kiosk.put_session(session);
                kiosk.send(Event::Issued);
                wait_for_card_removal(kiosk, generation).await;
            }
            Err(e) => kiosk.fail(generation, failure_of(&e)),
        }
    });
}

/// The issuance's steps as they happen, and Cancel: an answer that comes after a cancel
/// is never shown, and is reported unprinted so nothing is charged.
fn processing(kiosk: Kiosk) -> impl IntoView {
    // One closure renders the list anew at each step (three times): cheaper in the bundle
    // than a reactive class per item.
    let steps = move || {
        let now = kiosk.step.get();
        [
            (IssueStep::Card, i18n::STEP_CARD),
            (IssueStep::Municipality, i18n::STEP_MUNICIPALITY),
            (IssueStep::Checking, i18n::STEP_CHECKING),
        ]
        .map(|(step, text)| {
            let class = match now {
                Some(now) if now == step => "current",
                Some(now) if now > step => "done",
                _ => "",
            };
            view! { <li class=class>{label(text)}</li> }
        })
        .into_iter()
        .collect_view()
    };
    view! {
        <section class="processing">
            <Bilingual text=i18n::PROCESSING/>
            <ol class="steps">{steps}</ol>
            {button(i18n::CANCEL, "secondary cancel", move || { kiosk.erase(); kiosk.send(Event::Cancel); })}
        </section>
    }
}

/// DESIGN.md step 9: the certificate is shown (printed) only once the card is out.
async fn wait_for_card_removal(kiosk: Kiosk, generation: u64) {
    let mut ticks = 0u32;
    loop {
        ticks += 1;
        // Every 8 s until the card is out: say it again, and make the message pulse.
        if ticks.is_multiple_of(32) {
            voice::remind(kiosk);
        }
        if !kiosk.is_current(generation) || kiosk.screen.get_untracked() != Screen::RemoveCard {
            return;
        }
        // Fed by NotifySlotChange or polling for a USB reader, by the dev remove button
        // for the virtual card.
        let present = kiosk.card_in.get_untracked() != Some(false);
        if !present {
            kiosk.session.set_value(None);
            kiosk.print_state.set(PrintState::Printing);
            kiosk.send(Event::CardGone);
            print_and_report(kiosk, generation).await;
            return;
        }
        TimeoutFuture::new(250).await;
    }
}

/// Tells the municipality (through the center) that an issued document was never printed,
/// so its register voids the issuance. The resident is gone; nothing is shown.
async fn void_unprinted(kiosk: Kiosk, document: kofu_shared::wire::Document) {
    if let Some((edge, identity)) = kiosk.edge() {
        let _ =
            report_outcome(&edge, &identity, &document, PrintOutcome::PrintFailed, js_sys::Date::now() as u64).await;
    }
}

/// Prints the certificate page (the kiosk shell runs in kiosk-printing mode) and reports
/// the outcome; a failed print voids the issuance.
async fn print_and_report(kiosk: Kiosk, generation: u64) {
    // Let the certificate render before the print snapshot.
    TimeoutFuture::new(50).await;
    if !kiosk.is_current(generation) {
        return;
    }
    let printed = web_sys::window().map(|w| w.print().is_ok()).unwrap_or(false);
    let outcome = if printed { PrintOutcome::Printed } else { PrintOutcome::PrintFailed };
    let document = kiosk.document.with_value(|d| d.as_ref().map(|d| d.document.clone()));
    let (Some(document), Some((edge, identity))) = (document, kiosk.edge()) else {
        kiosk.print_state.set(PrintState::Unreported);
        return;
    };
    let reported = report_outcome(&edge, &identity, &document, outcome, js_sys::Date::now() as u64).await;
    if !kiosk.is_current(generation) {
        return;
    }
    kiosk.print_state.set(match (reported, outcome) {
        (Ok(_), PrintOutcome::Printed) => PrintState::Printed,
        (Ok(_), PrintOutcome::PrintFailed) => PrintState::Voided,
        (Err(_), _) => PrintState::Unreported,
    });
}

fn remove_card(kiosk: Kiosk) -> impl IntoView {
    view! {
        <section>
            // Re-rendered at each reminder, so the pulse animation starts again.
            {move || {
                let n = kiosk.reminders.get();
                view! { <div class="reminder" role="alert" data-reminders=n.to_string()><Bilingual text=i18n::REMOVE_CARD/></div> }
            }}
            {dev_remove_button(kiosk)}
        </section>
    }
}

#[cfg(feature = "dev")]
fn dev_remove_button(kiosk: Kiosk) -> impl IntoView {
    let remove = move || {
        kiosk.session.update_value(|s| {
            if let Some(Card::Virtual(card)) = s.as_mut().map(|s| s.transport_mut()) {
                card.remove();
            }
        });
        kiosk.card_in.set(Some(false));
    };
    view! { <div class="dev">{button(i18n::REMOVE_VIRTUAL_CARD, "secondary remove-card", remove)}</div> }
}
#[cfg(not(feature = "dev"))]
fn dev_remove_button(_: Kiosk) -> impl IntoView {}

fn certificate(kiosk: Kiosk) -> impl IntoView {
    let shown = kiosk.document.with_value(|d| d.as_ref().map(|d| (d.document.clone(), d.qr_lines())));
    let Some((document, payload)) = shown else {
        return view! { <section><Bilingual text=i18n::DOCUMENT_REJECTED/></section> }.into_any();
    };
    let fee = u64::from(document.fee_per_copy) * u64::from(document.copies);
    let done = move || {
        kiosk.erase();
        kiosk.send(Event::Done);
    };
    view! {
        <section class="certificate-screen">
            <div class="no-print"><Bilingual text=i18n::CERTIFICATE/></div>
            {certificate::article(&document, payload)}
            <div class="no-print fee">{phrase(i18n::fee(fee))}</div>
            <div class="no-print verified"><Bilingual text=i18n::VERIFIED/></div>
            <div class="no-print print-status" data-state=move || format!("{:?}", kiosk.print_state.get())>
                {move || match kiosk.print_state.get() {
                    PrintState::Printing => view! { <Bilingual text=i18n::PRINTING/> }.into_any(),
                    PrintState::Printed => view! { <Bilingual text=i18n::PRINTED/> }.into_any(),
                    PrintState::Voided => view! { <Bilingual text=i18n::PRINT_FAILED/> }.into_any(),
                    PrintState::Unreported => view! { <Bilingual text=i18n::PRINT_UNREPORTED/> }.into_any(),
                }}
            </div>
            <div class="no-print">{button(i18n::DONE, "primary done", done)}</div>
        </section>
    }
    .into_any()
}

fn failed(kiosk: Kiosk, failure: Failure) -> impl IntoView {
    let text = voice::failure_text(failure);
    let code = match failure {
        Failure::Refused(code) => code.as_str(),
        _ => "",
    };
    view! {
        <section class="error" data-code=code data-failure=test_hook(&failure)>
            <Bilingual text=text/>
            {button(i18n::BACK_TO_START, "primary", move || { kiosk.erase(); kiosk.send(Event::Done); })}
        </section>
    }
}
