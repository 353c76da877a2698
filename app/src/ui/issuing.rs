//! From the confirmation on: issuing (its steps and Cancel), taking the card out, the
//! certificate being printed, and a failure explained.

use leptos::prelude::*;

use super::text::{Bilingual, label, phrase};
use super::{Ui, art, event_button, test_hook};
use crate::i18n;
use crate::kiosk::{Event, Failure, PrintState, failure_text};
use crate::session::IssueStep;

/// The issuance's steps as they happen, and Cancel: an answer that comes after a cancel
/// is never shown, and is reported unprinted so nothing is charged.
pub(super) fn processing(ui: Ui) -> impl IntoView {
    let step = Memo::new(move |_| ui.with(|k| k.issue_step()));
    // One closure renders the list anew at each step (three times): cheaper in the bundle
    // than a reactive class per item.
    let steps = move || {
        let now = step.get();
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
        <section class="screen processing">
            <div class="lead"><Bilingual text=i18n::PROCESSING/></div>
            <div class="progress">
                <div class="spinner" aria-hidden="true"></div>
                <ol class="steps">{steps}</ol>
            </div>
            <div class="actions">{event_button(ui, i18n::CANCEL, "secondary cancel", || Event::Cancel)}</div>
        </section>
    }
}

pub(super) fn remove_card(ui: Ui) -> impl IntoView {
    let reminders = Memo::new(move |_| ui.with(|k| k.reminders()));
    view! {
        <section class="screen remove">
            // Re-rendered at each reminder, so the pulse animation starts again.
            {move || {
                let n = reminders.get();
                view! { <div class="reminder lead" role="alert" data-reminders=n.to_string()><Bilingual text=i18n::REMOVE_CARD/></div> }
            }}
            {art::remove_card()}
            {dev_remove_button(ui)}
        </section>
    }
}

#[cfg(feature = "dev")]
fn dev_remove_button(ui: Ui) -> impl IntoView {
    let remove = move || {
        ui.session.update_value(|s| {
            if let Some(crate::reader::Card::Virtual(card)) = s.as_mut().map(|s| s.transport_mut()) {
                card.remove();
            }
        });
        ui.send(Event::CardPresent(false));
    };
    view! { <aside class="dev">{super::button(i18n::REMOVE_VIRTUAL_CARD, "secondary remove-card", remove)}</aside> }
}
#[cfg(not(feature = "dev"))]
fn dev_remove_button(_: Ui) -> impl IntoView {}

/// The certificate as printed (on screen, a preview of the page) and where the print stands.
pub(super) fn certificate(ui: Ui) -> impl IntoView {
    let shown = ui.core.with_untracked(|k| k.document().map(|d| (d.document.clone(), d.qr_lines())));
    let Some((document, payload)) = shown else {
        return view! { <section class="screen"><Bilingual text=i18n::DOCUMENT_REJECTED/></section> }.into_any();
    };
    let fee = u64::from(document.fee_per_copy) * u64::from(document.copies);
    let print = Memo::new(move |_| ui.with(|k| k.print_state()));
    view! {
        <section class="screen certificate-screen">
            <div class="preview">{super::certificate::article(&document, payload)}</div>
            <div class="no-print side">
                <div class="lead"><Bilingual text=i18n::CERTIFICATE/></div>
                <div class="fee">{phrase(i18n::fee(fee))}</div>
                <div class="verified"><Bilingual text=i18n::VERIFIED/></div>
                <div class="print-status" data-state=move || format!("{:?}", print.get().unwrap_or(PrintState::Printing))>
                    {move || match print.get().unwrap_or(PrintState::Printing) {
                        PrintState::Printing => view! { <Bilingual text=i18n::PRINTING/> }.into_any(),
                        PrintState::Printed => view! { <Bilingual text=i18n::PRINTED/> }.into_any(),
                        PrintState::Voided => view! { <Bilingual text=i18n::PRINT_FAILED/> }.into_any(),
                        PrintState::Unreported => view! { <Bilingual text=i18n::PRINT_UNREPORTED/> }.into_any(),
                    }}
                </div>
                <div class="actions">
                    <button class="primary done" disabled=move || print.get() == Some(PrintState::Printing)
                        on:click=move |_| ui.send(Event::Done)>{label(i18n::DONE)}</button>
                </div>
            </div>
        </section>
    }
    .into_any()
}

pub(super) fn failed(ui: Ui, failure: Failure) -> impl IntoView {
    let code = match failure {
        Failure::Refused(code) => code.as_str(),
        _ => "",
    };
    view! {
        <section class="screen error" data-code=code data-failure=test_hook(&failure)>
            <div class="lead"><Bilingual text=failure_text(failure)/></div>
            <div class="actions">{event_button(ui, i18n::BACK_TO_START, "primary", || Event::Done)}</div>
        </section>
    }
}
