//! From the confirmation on: issuing (with its steps and Cancel), taking the card out,
//! printing and reporting the outcome, and the certificate screen.

use gloo_timers::future::TimeoutFuture;
use kofu_shared::wire::PrintOutcome;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::text::{Bilingual, label, phrase};
use super::*;
use crate::flow::{Event, Failure, Screen};
use crate::i18n;
use crate::session::{IssueStep, report_outcome};

pub(super) fn issue(kiosk: Kiosk) {
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
pub(super) fn processing(kiosk: Kiosk) -> impl IntoView {
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
pub(super) async fn wait_for_card_removal(kiosk: Kiosk, generation: u64) {
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
pub(super) async fn void_unprinted(kiosk: Kiosk, document: kofu_shared::wire::Document) {
    let _ = report(kiosk, &document, PrintOutcome::PrintFailed).await;
}

/// The print outcome to the municipality through the center; `None` without an edge to
/// send it to (no configuration or kiosk key).
async fn report(kiosk: Kiosk, document: &kofu_shared::wire::Document, outcome: PrintOutcome) -> Option<bool> {
    let (edge, identity) = kiosk.edge()?;
    Some(report_outcome(&edge, &identity, document, outcome, js_sys::Date::now() as u64).await.is_ok())
}

/// Prints the certificate page (the kiosk shell runs in kiosk-printing mode) and reports
/// the outcome; a failed print voids the issuance.
pub(super) async fn print_and_report(kiosk: Kiosk, generation: u64) {
    // Let the certificate render before the print snapshot.
    TimeoutFuture::new(50).await;
    if !kiosk.is_current(generation) {
        return;
    }
    let printed = web_sys::window().map(|w| w.print().is_ok()).unwrap_or(false);
    let outcome = if printed { PrintOutcome::Printed } else { PrintOutcome::PrintFailed };
    let document = kiosk.document.with_value(|d| d.as_ref().map(|d| d.document.clone()));
    let reported = match document {
        Some(document) => report(kiosk, &document, outcome).await,
        None => None,
    };
    if !kiosk.is_current(generation) {
        return;
    }
    kiosk.print_state.set(match (reported, outcome) {
        (Some(true), PrintOutcome::Printed) => PrintState::Printed,
        (Some(true), PrintOutcome::PrintFailed) => PrintState::Voided,
        _ => PrintState::Unreported,
    });
}

pub(super) fn remove_card(kiosk: Kiosk) -> impl IntoView {
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
pub(super) fn dev_remove_button(kiosk: Kiosk) -> impl IntoView {
    let remove = move || {
        kiosk.session.update_value(|s| {
            if let Some(crate::reader::Card::Virtual(card)) = s.as_mut().map(|s| s.transport_mut()) {
                card.remove();
            }
        });
        kiosk.card_in.set(Some(false));
    };
    view! { <div class="dev">{button(i18n::REMOVE_VIRTUAL_CARD, "secondary remove-card", remove)}</div> }
}
#[cfg(not(feature = "dev"))]
pub(super) fn dev_remove_button(_: Kiosk) -> impl IntoView {}

pub(super) fn certificate(kiosk: Kiosk) -> impl IntoView {
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
