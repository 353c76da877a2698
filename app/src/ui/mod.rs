//! Leptos components over the kiosk state machine (`crate::kiosk`): they render its state
//! and turn clicks, keys, reader reports and answers into its events; `run.rs` carries out
//! the commands it returns. No rule of the transaction lives here.

mod art;
mod certificate;
mod choose;
mod issuing;
mod keys;
mod qr;
mod reader;
mod run;
mod start;
mod text;
mod voice;

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::edge_client::{AppConfig, HttpEdge, load_config};
use crate::i18n::{self, Lang, Text};
use crate::kiosk::{Event, Kiosk, Prefs, Screen, Step};
use crate::reader::{Card, SharedReader};
use crate::session::{KioskIdentity, Session};
use reader::ReaderState;
use text::{Bilingual, label};

#[cfg(feature = "dev")]
fn virtual_card(n: u8) -> Option<Card> {
    crate::dev::virtual_card(usize::from(n)).map(Card::Virtual)
}
#[cfg(not(feature = "dev"))]
fn virtual_card(_: u8) -> Option<Card> {
    None
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

/// The kiosk app's handles: the state machine and the I/O it asks for.
#[derive(Clone, Copy)]
struct Ui {
    core: RwSignal<Kiosk>,
    /// The parts of the state that whole views depend on: they render again only when
    /// these change, not at every tick of the clock.
    screen: Memo<Screen>,
    prefs: Memo<Prefs>,
    /// The card session of the transaction under way (card transport, its certificate).
    session: StoredValue<Option<Session<Card>>, LocalStorage>,
    config: StoredValue<Option<AppConfig>>,
    /// The key the kiosk signs with: enrolled on the operator screen (WebCrypto).
    identity: StoredValue<Option<Rc<KioskIdentity>>, LocalStorage>,
    /// The attached USB reader; `reader_epoch` counts attachments, so a watcher of a
    /// replaced reader stops.
    reader: StoredValue<Option<SharedReader>, LocalStorage>,
    reader_epoch: StoredValue<u64>,
    reader_state: RwSignal<ReaderState>,
    /// Counts the language catalogs fetched so far (`i18n::install_catalog`).
    catalogs: RwSignal<u8>,
}

impl Ui {
    /// Hands `event` to the state machine and carries out what it says.
    fn send(&self, event: Event) {
        let now = js_sys::Date::now() as u64;
        let quiet = matches!(event, Event::Tick);
        let mut commands = Vec::new();
        let mut changed = true;
        self.core.update_untracked(|kiosk| {
            let before = quiet.then(|| (kiosk.screen().clone(), kiosk.warning(), kiosk.reminders()));
            commands = kiosk.on(event, now);
            changed = before.is_none_or(|b| b != (kiosk.screen().clone(), kiosk.warning(), kiosk.reminders()));
        });
        // A tick that changed nothing wakes nothing.
        if changed || !commands.is_empty() {
            self.core.notify();
        }
        for command in commands {
            run::command(*self, command);
        }
    }

    /// Reads the state machine, tracked.
    fn with<R>(&self, f: impl FnOnce(&Kiosk) -> R) -> R {
        self.core.with(f)
    }

    /// The exchange center as configured, and this kiosk's identity; `None` until both are known.
    fn edge(&self) -> Option<(HttpEdge, Rc<KioskIdentity>)> {
        let config = self.config.get_value()?;
        let edge = HttpEdge { base_url: config.edge_url.trim_end_matches('/').to_owned() };
        Some((edge, self.identity.get_value()?))
    }

    fn take_session(&self) -> Option<Session<Card>> {
        self.session.try_update_value(Option::take).flatten()
    }
}

#[component]
pub fn App() -> impl IntoView {
    let core = RwSignal::new(Kiosk::new());
    let ui = Ui {
        core,
        screen: Memo::new(move |_| core.with(|k| k.screen().clone())),
        prefs: Memo::new(move |_| core.with(|k| k.prefs())),
        session: StoredValue::new_local(None),
        config: StoredValue::new(None),
        identity: StoredValue::new_local(None),
        reader: StoredValue::new_local(None),
        reader_epoch: StoredValue::new(0),
        reader_state: RwSignal::new(ReaderState::None),
        catalogs: RwSignal::new(0),
    };
    let lang = Memo::new(move |_| ui.prefs.get().lang);
    provide_context(lang);
    gloo_timers::callback::Interval::new(250, move || ui.send(Event::Tick)).forget();
    keys::install(ui);
    ui.watch_usb();
    // The languages the bundle does not carry; their buttons wait for them. A kiosk that
    // starts before its network keeps trying, more slowly each time.
    for lang in Lang::ALL.into_iter().filter(|l| !l.available()) {
        spawn_local(async move {
            let path = format!("locales/{}.json", lang.catalog_name());
            for attempt in 0..8u32 {
                if let Ok(catalog) = crate::edge_client::get::<i18n::Catalog>(&path).await
                    && i18n::install_catalog(lang, &catalog).is_ok()
                {
                    ui.catalogs.update(|n| *n += 1);
                    return;
                }
                gloo_timers::future::TimeoutFuture::new(1000 << attempt.min(6)).await;
            }
        });
    }
    spawn_local(async move {
        let Ok(mut config) = load_config().await else { return };
        let stored = crate::identity::stored::load().await;
        // The key is enrolled at one center: the one chosen with it, if any.
        config.edge_url = crate::identity::stored::center_url(stored.as_ref(), &config.edge_url).to_owned();
        let identity = match stored {
            Some(stored) => Some(stored.identity),
            None => unenrolled_identity().filter(|_| config.dev_kiosk_key),
        };
        let in_service = identity.is_some();
        let timeout_percent = config.timeout_percent;
        ui.identity.set_value(identity.map(Rc::new));
        ui.config.set_value(Some(config));
        ui.send(Event::Configured { in_service, timeout_percent });
    });
    let warning = Memo::new(move |_| core.with(|k| k.warning()));
    view! {
        <main class="kiosk" class:large=move || ui.prefs.get().large_text
            class:contrast=move || ui.prefs.get().high_contrast
            data-screen=move || test_hook(&ui.screen.get())>
            // The header and the screen render again when the language changes (ui/text.rs).
            <header class="title">{move || {
                lang.track();
                view! {
                    <div class="brand"><Bilingual text=i18n::TITLE/></div>
                    {voice::controls(ui)}
                    {start::display_modes(ui)}
                }
            }}</header>
            {move || {
                lang.track();
                step_bar(ui.screen.get().step())
            }}
            {move || warning.get().then(|| view! {
                <div class="timeout-warning" role="alert">
                    <Bilingual text=i18n::STILL_THERE/>
                    {button(i18n::CONTINUE, "primary keep-going", move || ui.send(Event::KeepGoing))}
                </div>
            })}
            {move || {
                lang.track();
                render(ui, ui.screen.get())
            }}
        </main>
    }
}

/// Where the resident is: カード → 暗証番号 → 証明書 → 確認 → 交付.
fn step_bar(now: Option<Step>) -> impl IntoView {
    let names = [i18n::BAR_CARD, i18n::BAR_PIN, i18n::BAR_CERTIFICATE, i18n::BAR_CONFIRM, i18n::BAR_ISSUE];
    let items = Step::ALL
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(i, (step, name))| {
            let (class, current) = match now {
                Some(now) if now == step => ("current", Some("step")),
                Some(now) if now > step => ("done", None),
                _ => ("", None),
            };
            view! {
                <li class=class aria-current=current>
                    <span class="number" aria-hidden="true">{i + 1}</span>
                    {label(name)}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="stepbar" aria-label=text::plain(i18n::BAR_LABEL)>{items}</ol> }
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

/// A button that sends one event.
fn event_button(ui: Ui, text: Text, class: &'static str, event: fn() -> Event) -> AnyView {
    button(text, class, move || ui.send(event()))
}

fn render(ui: Ui, screen: Screen) -> AnyView {
    match screen {
        Screen::Idle => start::idle(ui).into_any(),
        Screen::Reading => start::reading().into_any(),
        Screen::Pin { tries_left, last_wrong } => start::pin_screen(ui, tries_left, last_wrong).into_any(),
        Screen::PinBlocked => view! {
            <section class="screen error">
                <Bilingual text=i18n::PIN_BLOCKED/>
                <div class="actions">{event_button(ui, i18n::BACK_TO_START, "primary", || Event::Done)}</div>
            </section>
        }
        .into_any(),
        Screen::Choose => choose::choose(ui).into_any(),
        Screen::Options => choose::options(ui).into_any(),
        Screen::Confirm => choose::confirm(ui).into_any(),
        Screen::Processing => issuing::processing(ui).into_any(),
        Screen::RemoveCard => issuing::remove_card(ui).into_any(),
        Screen::Certificate => issuing::certificate(ui).into_any(),
        Screen::ThankYou => view! {
            <section class="screen thank-you">
                <Bilingual text=i18n::THANK_YOU/>
                <div class="actions">{event_button(ui, i18n::BACK_TO_START, "primary", || Event::Done)}</div>
            </section>
        }
        .into_any(),
        Screen::Failed(failure) => issuing::failed(ui, failure).into_any(),
    }
}
