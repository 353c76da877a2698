//! Leptos components: they render `flow::Screen` and turn clicks into `flow::Event`s.
//! The transaction itself runs in `session`; the USB reader is watched in `reader`.

mod certificate;
mod choose;
mod issuing;
mod keys;
mod qr;
mod reader;
mod start;
mod text;
mod voice;

use kofu_card::{CardError, TransportError};
use kofu_shared::wire::{CertificateChoice, CertificateKind, HouseholdListMember, MenuResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::edge_client::{AppConfig, HttpEdge, load_config};
use crate::flow::{Event, Failure, Screen};
use crate::i18n::{self, Lang, Text};
use crate::reader::{Card, SharedReader};
use crate::session::{EdgeCallError, IssueStep, KioskIdentity, Session, SessionError, VerifiedDocument};
use issuing::*;
use reader::{ReaderState, reader_status};
use start::*;
use std::rc::Rc;
use text::{Bilingual, label};

#[cfg(feature = "dev")]
fn virtual_card(n: usize) -> Option<Card> {
    crate::dev::virtual_card(n).map(Card::Virtual)
}

/// Without an enrolled key, a dev build signs with the TEST-ONLY dev kiosk key.
#[cfg(feature = "dev")]
fn unenrolled_identity() -> Option<KioskIdentity> {
    crate::dev::kiosk_identity()
}
#[cfg(not(feature = "dev"))]
fn unenrolled_identity() -> Option<KioskIdentity> {
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
    /// The key the kiosk signs with: enrolled on the operator screen (WebCrypto).
    identity: StoredValue<Option<Rc<KioskIdentity>>, LocalStorage>,
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
    fn edge(&self) -> Option<(HttpEdge, Rc<KioskIdentity>)> {
        let config = self.config.get_untracked()?;
        let edge = HttpEdge { base_url: config.edge_url.trim_end_matches('/').to_owned() };
        Some((edge, self.identity.get_value()?))
    }

    /// Known to have no key to sign with (never enrolled): it takes no card.
    fn out_of_service(&self) -> bool {
        self.config.with(Option::is_some) && self.identity.with_value(Option::is_none)
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
        identity: StoredValue::new_local(None),
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
        let Ok(mut config) = load_config().await else { return };
        let stored = crate::identity::stored::load().await;
        // The key is enrolled at one center: the one chosen with it, if any.
        config.edge_url = crate::identity::stored::center_url(stored.as_ref(), &config.edge_url).to_owned();
        let identity = match stored {
            Some(stored) => Some(stored.identity),
            None => unenrolled_identity().filter(|_| config.dev_kiosk_key),
        };
        kiosk.identity.set_value(identity.map(Rc::new));
        kiosk.config.set(Some(config));
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
