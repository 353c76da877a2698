//! The certificate menu (a grid of equal tiles), its options and copies, and the
//! confirmation with the fee. They only show the choice; `kiosk::choice` holds its rules.

use kofu_shared::wire::{CertificateKind, HouseholdScope};
use leptos::prelude::*;

use super::text::{Bilingual, label, phrase, phrase_label, plain};
use super::{Ui, event_button};
use crate::i18n;
use crate::kiosk::Event;
use crate::kiosk::choice::Edit;

pub(super) fn choose(ui: Ui) -> impl IntoView {
    // Only what the municipality offers, each with its fee; one closed now is shown disabled.
    let items = move || match ui.with(|k| k.menu().cloned()) {
        None => view! { <div class="loading" role="status"><Bilingual text=i18n::LOADING_MENU/></div> }.into_any(),
        Some(menu) => {
            let tiles = menu
                .items
                .into_iter()
                .map(|item| {
                    let kind = item.kind;
                    let fee = item
                        .fee_per_copy
                        .map(|yen| view! { <span class="fee">{phrase_label(i18n::fee_per_copy(yen))}</span> });
                    view! {
                        <button class=format!("tile choice-{}", kind.as_str()) disabled=!item.available_now
                            on:click=move |_| ui.send(Event::Choose(kind))>
                            <span class="tile-name">{label(i18n::kind(kind))}</span>
                            {fee}
                            {(!item.available_now).then(|| view! { <span class="closed">{label(i18n::CLOSED_NOW)}</span> })}
                        </button>
                    }
                })
                .collect_view();
            // The municipality's hours (the same for every kind today).
            let times = format!("{}–{}", clock(menu.open_minute), clock(menu.close_minute));
            view! {
                <div class="tiles">{tiles}</div>
                <p class="hours">{label(i18n::SERVICE_HOURS)}<span class="times">{times}</span></p>
            }
            .into_any()
        }
    };
    view! {
        <section class="screen choose">
            <div class="lead"><Bilingual text=i18n::CHOOSE/></div>
            {items}
            <div class="actions">{event_button(ui, i18n::CANCEL, "secondary", || Event::Cancel)}</div>
        </section>
    }
}

/// 6:30 from minutes after midnight (JST); 24:00 for the end of the day.
fn clock(minute: u16) -> String {
    format!("{}:{:02}", minute / 60, minute % 60)
}

/// A button that shows whether its option is on (`aria-pressed`) and edits the choice.
fn toggle(ui: Ui, text: i18n::Text, class: &'static str, pressed: fn(&Ui) -> bool, edit: Edit) -> AnyView {
    view! {
        <button class=format!("toggle {class}") aria-pressed=move || pressed(&ui).to_string()
            on:click=move |_| ui.send(Event::Edit(edit))>
            {label(text)}
        </button>
    }
    .into_any()
}

fn scope_is(ui: &Ui, scope: HouseholdScope) -> bool {
    ui.with(|k| k.choice().is_some_and(|c| c.options.scope == scope))
}

pub(super) fn options(ui: Ui) -> impl IntoView {
    let Some(kind) = ui.core.with_untracked(|k| k.choice().map(|c| c.kind)) else {
        return ().into_any();
    };
    let specific = match kind {
        CertificateKind::Juminhyo => view! {
            <fieldset class="options">
                <div class="row">
                    {toggle(ui, i18n::SCOPE_HOLDER, "scope-holder", |ui| scope_is(ui, HouseholdScope::Holder),
                        Edit::Scope(HouseholdScope::Holder))}
                    {toggle(ui, i18n::SCOPE_HOUSEHOLD, "scope-household", |ui| scope_is(ui, HouseholdScope::Household),
                        Edit::Scope(HouseholdScope::Household))}
                    {toggle(ui, i18n::SCOPE_MEMBERS, "scope-members", |ui| scope_is(ui, HouseholdScope::Members),
                        Edit::Scope(HouseholdScope::Members))}
                </div>
                {move || scope_is(&ui, HouseholdScope::Members).then(|| members(ui))}
                <div class="row">
                    {toggle(ui, i18n::WITH_RELATIONSHIP, "with-relationship",
                        |ui| ui.with(|k| k.choice().is_some_and(|c| c.options.with_relationship)), Edit::Relationship)}
                    {toggle(ui, i18n::WITH_HONSEKI, "with-honseki",
                        |ui| ui.with(|k| k.choice().is_some_and(|c| c.options.with_honseki)), Edit::Honseki)}
                </div>
            </fieldset>
        }
        .into_any(),
        CertificateKind::Shotoku | CertificateKind::Kazei => fiscal_years(ui).into_any(),
        CertificateKind::Inkan => ().into_any(),
    };
    let copies = move || ui.with(|k| k.choice().map_or(1, |c| c.copies));
    let ready = move || ui.with(|k| k.choice().is_some_and(crate::kiosk::choice::complete));
    view! {
        <section class="screen options-screen">
            <div class="lead"><Bilingual text=i18n::OPTIONS/></div>
            <div class="columns">
                <div class="column">
                    <div class="summary"><Bilingual text=i18n::kind(kind)/></div>
                    {specific}
                </div>
                <div class="column side">
                    <div class="copies" role="group" aria-label=plain(i18n::COPIES_GROUP)>
                        <Bilingual text=i18n::COPIES/>
                        <div class="row">
                            {event_button(ui, i18n::FEWER, "secondary copies-fewer", || Event::Edit(Edit::Copies(-1)))}
                            <output class="copies-count" aria-live="polite">{move || phrase_label(i18n::copies(copies()))}</output>
                            {event_button(ui, i18n::MORE, "secondary copies-more", || Event::Edit(Edit::Copies(1)))}
                        </div>
                    </div>
                    {fee_line(ui)}
                    <div class="actions">
                        <button class="primary next" disabled=move || !ready() on:click=move |_| ui.send(Event::Next)>
                            {label(i18n::NEXT)}
                        </button>
                        {event_button(ui, i18n::BACK, "secondary back", || Event::Back)}
                    </div>
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// The fee for the copies chosen, always in view before confirming.
fn fee_line(ui: Ui) -> impl IntoView {
    move || match ui.with(|k| k.fee_total()) {
        Some(yen) => view! { <div class="fee-total">{phrase(i18n::fee(yen))}</div> }.into_any(),
        None => view! { <div class="note"><Bilingual text=i18n::FEE_NOTE/></div> }.into_any(),
    }
}

/// The household's members as toggles, once the municipality has listed them.
fn members(ui: Ui) -> impl IntoView {
    move || match ui.with(|k| k.household().map(<[_]>::to_vec)) {
        None => view! { <div class="loading" role="status"><Bilingual text=i18n::LOADING_HOUSEHOLD/></div> }.into_any(),
        Some(list) => {
            let buttons = list
                .into_iter()
                .map(|m| {
                    let position = m.position;
                    let chosen = move || ui.with(|k| k.choice().is_some_and(|c| c.options.members.contains(&position)));
                    view! {
                        <button class=format!("toggle member member-{position}") aria-pressed=move || chosen().to_string()
                            on:click=move |_| ui.send(Event::Edit(Edit::Member(position)))>
                            <span class="name">{m.name}</span>
                            <span class="relationship">{m.relationship}</span>
                        </button>
                    }
                })
                .collect_view();
            view! { <div class="members">{buttons}</div> }.into_any()
        }
    }
}

/// The latest years, as the tax records turn in June (a year's records start then).
fn fiscal_years(ui: Ui) -> impl IntoView {
    let years = ui
        .core
        .with_untracked(|k| k.fiscal_years().collect::<Vec<_>>())
        .into_iter()
        .map(|year| {
            let chosen = move || ui.with(|k| k.fiscal_year_shown() == Some(year));
            view! {
                <button class=format!("toggle year-{year}") aria-pressed=move || chosen().to_string()
                    on:click=move |_| ui.send(Event::Edit(Edit::FiscalYear(year)))>
                    {phrase_label(i18n::fiscal_year(year))}
                </button>
            }
        })
        .collect_view();
    view! {
        <fieldset class="options">
            <Bilingual text=i18n::FISCAL_YEAR/>
            <div class="row">{years}</div>
        </fieldset>
    }
}

pub(super) fn confirm(ui: Ui) -> impl IntoView {
    let Some(choice) = ui.core.with_untracked(|k| k.choice().cloned()) else {
        return ().into_any();
    };
    let o = &choice.options;
    let mut lines: Vec<i18n::Phrase> = Vec::new();
    let mut names = String::new();
    if choice.kind == CertificateKind::Juminhyo {
        let scope = match o.scope {
            HouseholdScope::Holder => i18n::SCOPE_HOLDER,
            HouseholdScope::Household => i18n::SCOPE_HOUSEHOLD,
            HouseholdScope::Members => i18n::SCOPE_MEMBERS,
        };
        lines.push(scope.into());
        // Names as registered, in no translation.
        names = ui.core.with_untracked(|k| {
            let chosen = k.household().into_iter().flatten().filter(|m| o.members.contains(&m.position));
            chosen.map(|m| m.name.as_str()).collect::<Vec<_>>().join("、")
        });
        for (on, text) in [(o.with_relationship, i18n::WITH_RELATIONSHIP), (o.with_honseki, i18n::WITH_HONSEKI)] {
            if on {
                lines.push(text.into());
            }
        }
    }
    if let Some(year) = o.fiscal_year {
        lines.push(i18n::fiscal_year(year));
    }
    lines.push(i18n::copies(choice.copies));
    view! {
        <section class="screen confirm-screen">
            <div class="lead"><Bilingual text=i18n::CONFIRM/></div>
            <div class="columns">
                <div class="column summary">
                    <Bilingual text=i18n::kind(choice.kind)/>
                    {(!names.is_empty()).then(|| view! { <p class="names" lang="ja">{names}</p> })}
                    {lines.into_iter().map(phrase).collect_view()}
                </div>
                <div class="column side">
                    {fee_line(ui)}
                    <div class="actions">
                        {event_button(ui, i18n::CONFIRM_BUTTON, "primary confirm", || Event::Confirm)}
                        {event_button(ui, i18n::BACK, "secondary back", || Event::Back)}
                        {event_button(ui, i18n::CANCEL, "secondary", || Event::Cancel)}
                    </div>
                </div>
            </div>
        </section>
    }
    .into_any()
}
