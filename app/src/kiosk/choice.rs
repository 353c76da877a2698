//! What the resident may choose on the options screen, and what it costs: plain rules
//! over the `CertificateChoice` the card then signs.

use kofu_shared::limits::MAX_COPIES;
use kofu_shared::wire::{CertificateChoice, CertificateKind, HouseholdScope, MenuResponse};

/// Fiscal years offered on the menu; the municipality refuses years it has no record of.
pub const FISCAL_YEARS_OFFERED: u16 = 3;

/// One change the resident makes to a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Scope(HouseholdScope),
    /// Adds or removes the household member at this position.
    Member(u8),
    Relationship,
    Honseki,
    FiscalYear(u16),
    /// More (+1) or fewer (−1) copies, within 1…MAX_COPIES.
    Copies(i8),
}

/// Applies `edit` where it belongs to the choice's kind; anything else changes nothing.
pub fn apply(choice: &mut CertificateChoice, edit: Edit, latest_tax_year: u16) {
    let juminhyo = choice.kind == CertificateKind::Juminhyo;
    let o = &mut choice.options;
    match edit {
        Edit::Scope(scope) if juminhyo => {
            o.scope = scope;
            o.members.clear();
        }
        Edit::Member(position) if juminhyo && o.scope == HouseholdScope::Members => {
            match o.members.iter().position(|p| *p == position) {
                Some(i) => {
                    o.members.remove(i);
                }
                None if o.members.len() < kofu_shared::document::MAX_MEMBERS => {
                    o.members.push(position);
                    o.members.sort_unstable();
                }
                None => {}
            }
        }
        Edit::Relationship if juminhyo => o.with_relationship = !o.with_relationship,
        Edit::Honseki if juminhyo => o.with_honseki = !o.with_honseki,
        Edit::FiscalYear(year) if choice.kind.has_fiscal_year() && fiscal_years(latest_tax_year).any(|y| y == year) => {
            o.fiscal_year = Some(year);
        }
        Edit::Copies(delta) => choice.copies = choice.copies.saturating_add_signed(delta).clamp(1, MAX_COPIES),
        _ => {}
    }
}

/// Whether the options screen may go on: choosing members needs at least one chosen.
pub fn complete(choice: &CertificateChoice) -> bool {
    choice.options.scope != HouseholdScope::Members || !choice.options.members.is_empty()
}

/// The years offered, latest first.
pub fn fiscal_years(latest: u16) -> impl Iterator<Item = u16> {
    (0..FISCAL_YEARS_OFFERED).map(move |back| latest - back)
}

/// The year shown as chosen: the one picked, else the latest (what the municipality
/// gives when the request names none).
pub fn fiscal_year_shown(choice: &CertificateChoice, latest: u16) -> u16 {
    choice.options.fiscal_year.unwrap_or(latest)
}

/// The fee the municipality publishes for the kind, times the copies; `None` when it
/// publishes none (the document states the fee again either way).
pub fn fee_total(menu: Option<&MenuResponse>, choice: &CertificateChoice) -> Option<u64> {
    let per_copy = menu?.items.iter().find(|i| i.kind == choice.kind)?.fee_per_copy?;
    Some(u64::from(per_copy) * u64::from(choice.copies))
}

/// Whether the menu offers `kind` right now.
pub fn offered_now(menu: Option<&MenuResponse>, kind: CertificateKind) -> bool {
    menu.is_some_and(|m| m.items.iter().any(|i| i.kind == kind && i.available_now))
}
