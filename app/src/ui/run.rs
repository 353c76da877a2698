//! Carries out the state machine's commands — the card, the edge, the printer, the voice —
//! and hands each answer back as an event with the command's ticket. Whether an answer
//! still matters is the state machine's call; this file only keeps a card session away
//! from a transaction that has ended.

use std::future::Future;
use std::pin::Pin;

use gloo_timers::future::TimeoutFuture;
use kofu_card::{CardError, TransportError};
use kofu_shared::wire::{Document, PrintOutcome};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Ui, virtual_card};
use crate::kiosk::{CardSource, Command, Event, Failure, Ticket, failure_of};
use crate::reader::Card;
use crate::session::{Session, SessionError, report_outcome};

pub(super) fn command(ui: Ui, command: Command) {
    match command {
        Command::ReadCard { ticket, source } => spawn_local(read_card(ui, ticket, source)),
        Command::VerifyPin { ticket, pin } => with_session(
            ui,
            ticket,
            Box::new(move |mut session| {
                Box::pin(async move {
                    let result = session.verify_pin(pin).await;
                    (session, Event::PinChecked { ticket, result: result.map_err(|e| failure_of(&e)) })
                })
            }),
        ),
        Command::FetchMenu { ticket } => with_session(
            ui,
            ticket,
            Box::new(move |session| {
                Box::pin(async move {
                    let result = match ui.edge() {
                        Some((edge, identity)) => {
                            session.menu(&edge, &identity, now()).await.map_err(|e| failure_of(&e))
                        }
                        None => Err(Failure::Network),
                    };
                    (session, Event::MenuFetched { ticket, result })
                })
            }),
        ),
        Command::FetchHousehold { ticket } => with_session(
            ui,
            ticket,
            Box::new(move |mut session| {
                Box::pin(async move {
                    let result = match (ui.edge(), random_transaction_id()) {
                        (Some((edge, identity)), Some(id)) => {
                            session.household_list(&edge, &identity, id, now()).await.map_err(|e| failure_of(&e))
                        }
                        _ => Err(Failure::Network),
                    };
                    (session, Event::HouseholdListed { ticket, result })
                })
            }),
        ),
        Command::Issue { ticket, choice } => with_session(
            ui,
            ticket,
            Box::new(move |mut session| {
                Box::pin(async move {
                    let progress = move |step| ui.send(Event::IssueProgress { ticket, step });
                    let result = match (ui.edge(), random_transaction_id()) {
                        (Some((edge, identity)), Some(id)) => session
                            .issue_showing(&edge, &identity, choice, id, now(), &progress)
                            .await
                            .map(Box::new)
                            .map_err(|e| failure_of(&e)),
                        _ => Err(Failure::Network),
                    };
                    (session, Event::Issued { ticket, result })
                })
            }),
        ),
        Command::ReleaseCard | Command::Erase => ui.session.set_value(None),
        Command::Print { ticket } => spawn_local(async move {
            // Let the certificate render before the print snapshot.
            TimeoutFuture::new(50).await;
            let printed = web_sys::window().is_some_and(|w| w.print().is_ok());
            ui.send(Event::Printed { ticket, printed });
        }),
        Command::ReportOutcome { ticket, document, outcome } => spawn_local(async move {
            let acknowledged = report(ui, &document, outcome).await;
            if let Some(ticket) = ticket {
                ui.send(Event::OutcomeReported { ticket, acknowledged });
            }
        }),
        Command::Speak { phrase, lang } => super::voice::speak(&phrase.render(lang), lang),
        Command::Silence => super::voice::silence(),
    }
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn random_transaction_id() -> Option<[u8; 16]> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).ok()?;
    Some(id)
}

/// Powers the card (a USB card) and reads it; the session is kept only for the
/// transaction that asked.
async fn read_card(ui: Ui, ticket: Ticket, source: CardSource) {
    let card = match source {
        CardSource::Reader => ui.reader.get_value().map(Card::Usb),
        CardSource::Virtual(n) => virtual_card(n),
    };
    let Some(card) = card else {
        ui.send(Event::CardRead { ticket, result: Err(Failure::Card) });
        return;
    };
    if let Card::Usb(reader) = &card
        && let Err(e) = reader.power_on().await
    {
        let failure = failure_of(&SessionError::Card(CardError::Transport(e)));
        ui.send(Event::CardRead { ticket, result: Err(failure) });
        return;
    }
    let result = match Session::start(card).await {
        Ok((session, state)) => {
            if ui.core.with_untracked(|k| k.is_current(ticket)) {
                ui.session.set_value(Some(session));
            }
            Ok(state)
        }
        Err(e) => Err(failure_of(&e)),
    };
    ui.send(Event::CardRead { ticket, result });
}

/// What a command does with the card session: it gives the session back with the answer.
/// Boxed, so the bundle has one copy of `with_session` rather than one per command.
type Work = Box<dyn FnOnce(Session<Card>) -> Pin<Box<dyn Future<Output = (Session<Card>, Event)>>>>;

/// Runs `work` on the transaction's card session and puts the session back afterwards
/// if the transaction is still the current one (else it is dropped here, with its card).
fn with_session(ui: Ui, ticket: Ticket, work: Work) {
    let Some(session) = ui.take_session() else {
        // No card session (it ended meanwhile): the answer is that the card is gone.
        let failure = failure_of(&SessionError::Card(CardError::Transport(TransportError::CardRemoved)));
        ui.send(Event::Failed { ticket, failure });
        return;
    };
    spawn_local(async move {
        let (session, answer) = work(session).await;
        if ui.core.with_untracked(|k| k.is_current(ticket)) {
            ui.session.set_value(Some(session));
        }
        ui.send(answer);
    });
}

/// The print outcome to the municipality through the center; false when it could not be
/// sent or was not acknowledged.
async fn report(ui: Ui, document: &Document, outcome: PrintOutcome) -> bool {
    let Some((edge, identity)) = ui.edge() else { return false };
    report_outcome(&edge, &identity, document, outcome, now()).await.is_ok()
}
