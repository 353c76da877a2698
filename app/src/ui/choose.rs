//! The certificate menu, its options and copies, and the confirmation: they only shape
//! the `CertificateChoice` the card then signs.

use kofu_shared::wire::{CertificateChoice, CertificateKind, CertificateOptions, HouseholdScope};
use leptos::prelude::*;

use super::text::{Bilingual, label, phrase, phrase_label, plain};
use super::{Kiosk, button};
use crate::flow::Event;
use crate::i18n;

/// Most copies one transaction may ask for (the edge and municipal servers agree).
const MAX_COPIES: u8 = 10;
/// Fiscal years offered on the menu; the municipality refuses years it has no record of.
const FISCAL_YEARS_OFFERED: u16 = 3;

pub fn choose(kiosk: Kiosk) -> impl IntoView {
    let pick = move |kind: CertificateKind| {
        kiosk.choice.set(CertificateChoice::new(kind, 1));
        kiosk.send(Event::Chose);
    };
    // Only what the municipality offers, each with its fee; one closed now is shown disabled.
    let items = move || match kiosk.menu.get() {
        None => view! { <div class="loading" role="status"><Bilingual text=i18n::LOADING_MENU/></div> }.into_any(),
        Some(menu) => {
            let buttons = menu
                .items
                .into_iter()
                .map(|item| {
                    let kind = item.kind;
                    let fee = item
                        .fee_per_copy
                        .map(|yen| view! { <span class="fee">{phrase_label(i18n::fee_per_copy(yen))}</span> });
                    view! {
                        <button class=format!("primary choice-{}", kind.as_str()) disabled=!item.available_now
                            on:click=move |_| pick(kind)>
                            {label(i18n::kind(kind))}
                            {fee}
                            {(!item.available_now).then(|| view! { <span class="closed">{label(i18n::CLOSED_NOW)}</span> })}
                        </button>
                    }
                })
                .collect_view();
            // The municipality's hours (the same for every kind today).
            let times = format!("{}–{}", clock(menu.open_minute), clock(menu.close_minute));
            view! { {buttons}<p class="hours">{label(i18n::SERVICE_HOURS)}<span class="times">{times}</span></p> }
                .into_any()
        }
    };
    view! {
        <section>
            <Bilingual text=i18n::CHOOSE/>
            <div class="menu">{items}</div>
            {button(i18n::CANCEL, "secondary", move || { kiosk.erase(); kiosk.send(Event::Cancel); })}
        </section>
    }
}

/// 6:30 from minutes after midnight (JST); 24:00 for the end of the day.
fn clock(minute: u16) -> String {
    format!("{}:{:02}", minute / 60, minute % 60)
}

/// A button that shows whether its option is on (`aria-pressed`).
fn toggle(
    text: i18n::Text,
    class: &'static str,
    pressed: impl Fn() -> bool + Send + Sync + 'static,
    on_click: impl Fn() + 'static,
) -> AnyView {
    any_toggle(text, class, std::sync::Arc::new(pressed), Box::new(on_click))
}

/// One toggle view for every call site (boxed closures): one copy of its code in the bundle.
fn any_toggle(
    text: i18n::Text,
    class: &'static str,
    pressed: std::sync::Arc<dyn Fn() -> bool + Send + Sync>,
    on_click: Box<dyn Fn()>,
) -> AnyView {
    view! {
        <button class=format!("toggle {class}") aria-pressed=move || pressed().to_string() on:click=move |_| on_click()>
            {label(text)}
        </button>
    }
    .into_any()
}

fn update_options(kiosk: Kiosk, f: impl FnOnce(&mut CertificateOptions)) {
    kiosk.choice.update(|c| f(&mut c.options));
}

pub fn options(kiosk: Kiosk) -> impl IntoView {
    let kind = kiosk.choice.with_untracked(|c| c.kind);
    let opts = move || kiosk.choice.with(|c| c.options.clone());
    let specific = match kind {
        CertificateKind::Juminhyo => view! {
            <fieldset class="options">
                {toggle(i18n::SCOPE_HOLDER, "scope-holder", move || opts().scope == HouseholdScope::Holder,
                    move || update_options(kiosk, |o| { o.scope = HouseholdScope::Holder; o.members.clear(); }))}
                {toggle(i18n::SCOPE_HOUSEHOLD, "scope-household", move || opts().scope == HouseholdScope::Household,
                    move || update_options(kiosk, |o| { o.scope = HouseholdScope::Household; o.members.clear(); }))}
                {toggle(i18n::SCOPE_MEMBERS, "scope-members", move || opts().scope == HouseholdScope::Members,
                    move || {
                        update_options(kiosk, |o| o.scope = HouseholdScope::Members);
                        super::fetch_household(kiosk);
                    })}
                {move || (opts().scope == HouseholdScope::Members).then(|| members(kiosk))}
                {toggle(i18n::WITH_RELATIONSHIP, "with-relationship", move || opts().with_relationship,
                    move || update_options(kiosk, |o| o.with_relationship = !o.with_relationship))}
                {toggle(i18n::WITH_HONSEKI, "with-honseki", move || opts().with_honseki,
                    move || update_options(kiosk, |o| o.with_honseki = !o.with_honseki))}
            </fieldset>
        }
        .into_any(),
        CertificateKind::Shotoku | CertificateKind::Kazei => fiscal_years(kiosk).into_any(),
        CertificateKind::Inkan => ().into_any(),
    };
    let copies = move || kiosk.choice.with(|c| c.copies);
    // Choosing members needs at least one chosen.
    let ready =
        move || kiosk.choice.with(|c| c.options.scope != HouseholdScope::Members || !c.options.members.is_empty());
    let change = move |delta: i8| {
        kiosk.choice.update(|c| c.copies = c.copies.saturating_add_signed(delta).clamp(1, MAX_COPIES));
    };
    view! {
        <section>
            <Bilingual text=i18n::OPTIONS/>
            <div class="summary"><Bilingual text=i18n::kind(kind)/></div>
            {specific}
            <div class="copies" role="group" aria-label=plain(i18n::COPIES_GROUP)>
                <Bilingual text=i18n::COPIES/>
                {button(i18n::FEWER, "secondary copies-fewer", move || change(-1))}
                <output class="copies-count" aria-live="polite">{move || phrase_label(i18n::copies(copies()))}</output>
                {button(i18n::MORE, "secondary copies-more", move || change(1))}
            </div>
            <button class="primary next" disabled=move || !ready() on:click=move |_| kiosk.send(Event::OptionsChosen)>
                {label(i18n::NEXT)}
            </button>
            {button(i18n::BACK, "secondary back", move || kiosk.send(Event::Back))}
        </section>
    }
}

/// The household's members as toggles, once the municipality has listed them.
fn members(kiosk: Kiosk) -> impl IntoView {
    move || match kiosk.household.get() {
        None => view! { <div class="loading" role="status"><Bilingual text=i18n::LOADING_HOUSEHOLD/></div> }.into_any(),
        Some(list) => list
            .into_iter()
            .map(|m| {
                let position = m.position;
                let chosen = move || kiosk.choice.with(|c| c.options.members.contains(&position));
                let flip = move |_| {
                    update_options(kiosk, |o| {
                        if let Some(i) = o.members.iter().position(|p| *p == position) {
                            o.members.remove(i);
                        } else {
                            o.members.push(position);
                            o.members.sort_unstable();
                        }
                    })
                };
                view! {
                    <button class=format!("toggle member member-{position}") aria-pressed=move || chosen().to_string()
                        on:click=flip>
                        <span class="name">{m.name}</span>
                        <span class="relationship">{m.relationship}</span>
                    </button>
                }
            })
            .collect_view()
            .into_any(),
    }
}

/// The latest years, as the tax records turn in June (a year's records start then).
fn fiscal_years(kiosk: Kiosk) -> impl IntoView {
    let now = js_sys::Date::new_0();
    let (year, month) = (now.get_full_year() as u16, now.get_month() + 1);
    let latest = if month >= 6 { year } else { year - 1 };
    let chosen = move || kiosk.choice.with(|c| c.options.fiscal_year.unwrap_or(latest));
    let years = (0..FISCAL_YEARS_OFFERED)
        .map(|back| {
            let year = latest - back;
            view! {
                <button class=format!("toggle year-{year}") aria-pressed=move || (chosen() == year).to_string()
                    on:click=move |_| update_options(kiosk, |o| o.fiscal_year = Some(year))>
                    {phrase_label(i18n::fiscal_year(year))}
                </button>
            }
        })
        .collect_view();
    view! {
        <fieldset class="options">
            <Bilingual text=i18n::FISCAL_YEAR/>
            {years}
        </fieldset>
    }
}

pub fn confirm(kiosk: Kiosk) -> impl IntoView {
    let choice = kiosk.choice.get_untracked();
    let o = &choice.options;
    // The fee the municipality publishes, times the copies; the document states it again.
    let fee_total = kiosk.menu.with_untracked(|m| {
        let per_copy = m.as_ref()?.items.iter().find(|i| i.kind == choice.kind)?.fee_per_copy?;
        Some(u64::from(per_copy) * u64::from(choice.copies))
    });
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
        names = kiosk.household.with_untracked(|h| {
            let chosen = h.iter().flatten().filter(|m| o.members.contains(&m.position));
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
        <section>
            <Bilingual text=i18n::CONFIRM/>
            <div class="summary">
                <Bilingual text=i18n::kind(choice.kind)/>
                {(!names.is_empty()).then(|| view! { <p class="names" lang="ja">{names}</p> })}
                {lines.into_iter().map(phrase).collect_view()}
            </div>
            {match fee_total {
                Some(yen) => view! { <div class="fee-total">{phrase(i18n::fee(yen))}</div> }.into_any(),
                None => view! { <div class="note"><Bilingual text=i18n::FEE_NOTE/></div> }.into_any(),
            }}
            {button(i18n::CONFIRM_BUTTON, "primary confirm", move || super::issue(kiosk))}
            {button(i18n::BACK, "secondary back", move || kiosk.send(Event::Back))}
            {button(i18n::CANCEL, "secondary", move || { kiosk.erase(); kiosk.send(Event::Cancel); })}
        </section>
    }
}
