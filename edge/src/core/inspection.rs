//! The continuous inspection the review board asked for: from the audit trail, per store
//! and per municipality, how many issuances, prints and refusals (by reason), and the cards
//! refused again and again (by their tags only). No personal data goes in or comes out.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::audit::AuditRecord;
use super::{Backend, EdgeError};

/// A card refused this many times in the period is listed.
pub const REPEATED_REFUSALS: u64 = 3;
const PAGE: u32 = 500;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub issued: u64,
    pub printed: u64,
    pub print_failed: u64,
    /// Refusals by error code.
    pub refused: BTreeMap<String, u64>,
}

impl Counts {
    fn add(&mut self, outcome: &str) {
        match outcome {
            "issued" => self.issued += 1,
            "printed" => self.printed += 1,
            "print_failed" => self.print_failed += 1,
            code => *self.refused.entry(code.to_owned()).or_default() += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionReport {
    pub from_ms: u64,
    pub to_ms: u64,
    /// By store (kiosks of one store together); kiosks not in the directory under "".
    pub stores: BTreeMap<String, Counts>,
    pub municipalities: BTreeMap<String, Counts>,
    /// Card tag → refusals by code, for cards refused at least [`REPEATED_REFUSALS`] times.
    pub repeated_refusals: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The report over `records` whose time is in `from_ms..=to_ms`; `store_of` maps kiosk
/// ids to their stores. Ops records, menus shown and household lists are neither issuances
/// nor refusals and are left out; a refused menu is a refusal.
pub fn inspect<'a>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    store_of: &HashMap<String, String>,
    from_ms: u64,
    to_ms: u64,
) -> InspectionReport {
    let mut report = InspectionReport {
        from_ms,
        to_ms,
        stores: BTreeMap::new(),
        municipalities: BTreeMap::new(),
        repeated_refusals: BTreeMap::new(),
    };
    let mut refusals_by_card: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for record in records {
        let e = &record.entry;
        let not_an_issuance = e.step == "ops" || matches!(e.outcome.as_str(), "menu" | "household_listed");
        if not_an_issuance || e.at_ms < from_ms || e.at_ms > to_ms {
            continue;
        }
        let store = store_of.get(&e.kiosk_id).cloned().unwrap_or_default();
        report.stores.entry(store).or_default().add(&e.outcome);
        if let Some(code) = e.municipality {
            report.municipalities.entry(code.to_string()).or_default().add(&e.outcome);
        }
        let refused = !matches!(e.outcome.as_str(), "issued" | "printed" | "print_failed");
        if let (true, Some(tag)) = (refused, &e.card_tag) {
            *refusals_by_card.entry(tag.clone()).or_default().entry(e.outcome.clone()).or_default() += 1;
        }
    }
    report.repeated_refusals =
        refusals_by_card.into_iter().filter(|(_, codes)| codes.values().sum::<u64>() >= REPEATED_REFUSALS).collect();
    report
}

/// Reads the trail page by page and reports on `from_ms..=to_ms`.
pub async fn inspection<B: Backend>(backend: &B, from_ms: u64, to_ms: u64) -> Result<InspectionReport, EdgeError> {
    let mut in_range = Vec::new();
    let mut next = 1;
    loop {
        let page = backend.audit_records(next, PAGE).await.map_err(EdgeError::Storage)?;
        let done = page.len() < PAGE as usize;
        next = page.last().map_or(next, |r| r.seq + 1);
        in_range.extend(page.into_iter().filter(|r| (from_ms..=to_ms).contains(&r.entry.at_ms)));
        if done {
            break;
        }
    }
    let stores = backend.kiosk_stores().await.map_err(EdgeError::Storage)?;
    Ok(inspect(&in_range, &stores, from_ms, to_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::audit::{AuditEntry, next_record};

    #[test]
    fn counts_by_store_and_municipality_and_lists_repeatedly_refused_cards() {
        let entry = |kiosk: &str, outcome: &str, tag: &str, at: u64| AuditEntry {
            at_ms: at,
            step: "issue".into(),
            kiosk_id: kiosk.into(),
            municipality: "122319".parse().ok(),
            outcome: outcome.into(),
            card_tag: Some(tag.into()),
        };
        let entries = [
            entry("k1", "issued", "a", 10),
            entry("k2", "issued", "b", 11),
            entry("k1", "card_revoked", "c", 12),
            entry("k2", "card_revoked", "c", 13),
            entry("k1", "not_served", "c", 14),
            entry("k1", "issued", "a", 999),
            entry("k1", "household_listed", "c", 15),
            AuditEntry { step: "menu".into(), card_tag: None, ..entry("k1", "menu", "", 16) },
            AuditEntry { step: "menu".into(), card_tag: None, ..entry("k1", "card_revoked", "", 17) },
        ];
        let mut records = Vec::new();
        for e in entries {
            let last = records.last().map(|r: &AuditRecord| (r.seq, r.hash));
            records.push(next_record(last, e));
        }
        let stores = HashMap::from([("k1".to_owned(), "store A".to_owned()), ("k2".to_owned(), "store A".to_owned())]);
        let report = inspect(&records, &stores, 0, 100);
        let store = &report.stores["store A"];
        // Two issue refusals and one refused menu.
        assert_eq!((store.issued, store.refused["card_revoked"], store.refused["not_served"]), (2, 3, 1));
        assert_eq!(report.municipalities["122319"].issued, 2);
        assert_eq!(report.repeated_refusals.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(report.repeated_refusals["c"]["card_revoked"], 2);
        // Menus shown and household lists are neither issuances nor refusals.
        assert_eq!(store.refused.len(), 2, "{:?}", store.refused);
        assert_eq!(report.repeated_refusals["c"].len(), 2);
    }
}
