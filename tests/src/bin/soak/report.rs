//! The run's numbers and the promises checked against them, as the Markdown that
//! `cargo xtask soak` puts into docs/RELIABILITY.md.

use std::collections::HashMap;
use std::time::Duration;

use kofu_shared::wire::RegisterState;

use super::faults::FaultRun;
use super::kiosk::{Attempt, Ended, Plan};
use kofu_tests::AuditVerification;

use super::register::{Entry, SwapStats};

pub struct Summary {
    kiosks: usize,
    wall: Duration,
    attempts: usize,
    accepted: usize,
    printed: usize,
    voided: usize,
    lost: usize,
    swaps_made: u64,
    swaps_honest: u64,
    swaps_refused: usize,
    /// Register entries of this run per town.
    entries: Vec<(&'static str, usize)>,
    refused: HashMap<String, usize>,
    errors: Vec<String>,
    duplicates: usize,
    duplicates_refused: usize,
    p50_ms: f64,
    p99_ms: f64,
    /// Each municipal fault: how the kiosk's try ended, and its register entry.
    faults: Vec<(&'static str, String, String)>,
    fault_promises: Vec<String>,
    /// Promise → how many times it was broken.
    checks: Vec<(&'static str, usize)>,
    audit: AuditVerification,
}

impl Summary {
    pub fn new(
        args: &super::Args,
        wall: Duration,
        attempts: &[Attempt],
        faults: &FaultRun,
        entries: &[Entry],
        swaps: SwapStats,
        audit: AuditVerification,
    ) -> Summary {
        let by_tx: HashMap<&str, &Entry> = entries.iter().map(|e| (e.transaction_id.as_str(), e)).collect();
        let mut s = Summary {
            kiosks: args.kiosks,
            wall,
            attempts: attempts.len(),
            accepted: 0,
            printed: 0,
            voided: 0,
            lost: 0,
            swaps_made: swaps.replayed + swaps.misbound,
            swaps_honest: swaps.honest,
            swaps_refused: 0,
            entries: super::register::TOWNS
                .iter()
                .map(|town| (*town, entries.iter().filter(|e| e.town == *town).count()))
                .collect(),
            refused: HashMap::new(),
            errors: Vec::new(),
            duplicates: 0,
            duplicates_refused: 0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            faults: Vec::new(),
            fault_promises: faults.broken(),
            checks: Vec::new(),
            audit,
        };
        let (mut wrong, mut unsettled, mut charged_unprinted, mut uncharged_printed) = (0, 0, 0, 0);
        let mut accepted_tx = std::collections::HashSet::new();
        for a in attempts {
            match &a.result {
                Ended::Accepted { serial, reported, report_error } => {
                    s.accepted += 1;
                    accepted_tx.insert(a.transaction_id.as_str());
                    // The document must be the one the town registered for this very
                    // transaction and kiosk.
                    let own = by_tx.get(a.transaction_id.as_str()).is_some_and(|e| {
                        e.kiosk_id == a.kiosk_id && &e.serial == serial && e.bound_to == a.transaction_id
                    });
                    if !own {
                        wrong += 1;
                    }
                    let state = by_tx.get(a.transaction_id.as_str()).map(|e| e.state.as_str());
                    let expected = match a.plan {
                        Plan::Print | Plan::Retry => "printed",
                        Plan::PrintFails => "voided",
                        Plan::NetworkLost => "lapsed",
                    };
                    match (a.plan, state) {
                        (Plan::Print | Plan::Retry, Some("printed")) => s.printed += 1,
                        (Plan::PrintFails, Some("voided")) => s.voided += 1,
                        (Plan::NetworkLost, Some("lapsed")) => s.lost += 1,
                        (_, Some("printed")) => charged_unprinted += 1,
                        (Plan::Print | Plan::Retry, _) => uncharged_printed += 1,
                        (_, Some("issued")) => unsettled += 1,
                        _ => s.errors.push(format!("{}: register {state:?}, expected {expected}", a.transaction_id)),
                    }
                    if let Some(e) = report_error {
                        s.errors.push(format!("outcome report failed: {e}"));
                    }
                    if matches!((a.plan, reported), (Plan::Print, Some(RegisterState::Voided))) {
                        s.errors.push("a printed report was acknowledged as voided".into());
                    }
                }
                Ended::SwapRefused(_) => s.swaps_refused += 1,
                Ended::DocumentRefused(e) => s.errors.push(format!("document refused: {e}")),
                Ended::Refused(code) => *s.refused.entry(code.as_str().to_owned()).or_default() += 1,
                Ended::Failed(e) => s.errors.push(e.clone()),
            }
            if let Some(duplicate) = &a.duplicate {
                s.duplicates += 1;
                match duplicate {
                    Ok(_) => s.duplicates_refused += 1,
                    Err(e) => s.errors.push(e.clone()),
                }
            }
        }
        unsettled += entries.iter().filter(|e| e.state == "issued").count();
        // A town may have registered a faulted try before its answer was lost: that entry
        // must lapse, uncharged.
        let fault_tx: std::collections::HashSet<&str> =
            faults.tries.iter().map(|(_, a)| a.transaction_id.as_str()).collect();
        let mut faults_charged = 0;
        for (mode, attempt) in &faults.tries {
            let state = by_tx.get(attempt.transaction_id.as_str()).map_or("none", |e| e.state.as_str());
            if !matches!(state, "none" | "lapsed") {
                faults_charged += 1;
            }
            let ended = match &attempt.result {
                Ended::Refused(code) => format!("`{}`", code.as_str()),
                other => format!("{other:?}"),
            };
            s.faults.push((mode, ended, state.to_owned()));
        }
        // Every other register entry belongs to a document a kiosk accepted: nothing issued
        // twice, nothing issued that no kiosk holds.
        let extra = entries
            .iter()
            .filter(|e| {
                !accepted_tx.contains(e.transaction_id.as_str()) && !fault_tx.contains(e.transaction_id.as_str())
            })
            .count();
        let mut latencies: Vec<f64> =
            attempts.iter().filter(|a| matches!(a.result, Ended::Accepted { .. })).map(|a| a.issue_ms).collect();
        latencies.sort_by(f64::total_cmp);
        s.p50_ms = percentile(&latencies, 0.50);
        s.p99_ms = percentile(&latencies, 0.99);
        s.checks = vec![
            ("wrong documents accepted", wrong),
            ("swaps not refused", usize::try_from(s.swaps_made).unwrap_or(usize::MAX).abs_diff(s.swaps_refused)),
            ("register entries without an accepted document (double or stray issuance)", extra),
            ("charges for documents not printed", charged_unprinted),
            ("printed documents not charged", uncharged_printed),
            ("register entries still `issued` after the outcome window", unsettled),
            ("duplicate issue requests answered", s.duplicates - s.duplicates_refused),
            ("honest requests refused by the center", s.refused.values().sum()),
            ("faults not ending as `municipality_unavailable`, or no service after them", s.fault_promises.len()),
            ("faulted issuances charged", faults_charged),
            ("audit chain breaks", usize::from(audit.broken_at.is_some())),
            ("unexpected errors", s.errors.len()),
        ];
        s
    }

    pub fn broken_promises(&self) -> Vec<String> {
        let mut broken: Vec<String> =
            self.checks.iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{what}: {n}")).collect();
        broken.extend(self.fault_promises.iter().cloned());
        broken.extend(self.errors.iter().take(20).cloned());
        broken
    }

    pub fn markdown(&self) -> String {
        let secs = self.wall.as_secs_f64();
        let mut out = String::new();
        out += &format!(
            "{} kiosks, {} issuance attempts in {secs:.1} s ({:.0} attempts/s); issue p50 {:.0} ms, p99 {:.0} ms \
             (challenge, card and kiosk signatures, edge, town, sealed answer opened and checked).\n\n",
            self.kiosks,
            self.attempts,
            self.attempts as f64 / secs.max(0.001),
            self.p50_ms,
            self.p99_ms
        );
        out += "| what | count |\n|---|---|\n";
        out += &format!("| documents accepted by kiosks | {} |\n", self.accepted);
        out += &format!("| printed and charged | {} |\n", self.printed);
        out += &format!("| print failed, voided, not charged | {} |\n", self.voided);
        out += &format!("| network lost before the report, lapsed, not charged | {} |\n", self.lost);
        for (town, n) in &self.entries {
            out += &format!("| register entries of town {town} | {n} |\n");
        }
        out += &format!("| honest answers passed on by the broken town (千代田区) | {} |\n", self.swaps_honest);
        out += &format!("| swapped answers from it (replayed + misbound) | {} |\n", self.swaps_made);
        out += &format!("| swapped answers refused before print | {} |\n", self.swaps_refused);
        out += &format!("| duplicate issue requests / refused | {} / {} |\n", self.duplicates, self.duplicates_refused);
        let mut refused: Vec<_> = self.refused.iter().collect();
        refused.sort();
        for (code, n) in refused {
            out += &format!("| refused by the center: `{code}` | {n} |\n");
        }
        out += &format!("| audit records verified | {} |\n", self.audit.verified);
        out += "\nThen one kiosk, a 千代田区 resident, meets each municipal fault in turn (the broken server\n\
                in front of the town), and is served again once the town is honest:\n\n";
        out += "| municipal fault | the kiosk's try ended | the town's register entry |\n|---|---|---|\n";
        for (mode, ended, state) in &self.faults {
            out += &format!("| `{mode}` | {ended} | {state} |\n");
        }
        out += "\n| promise | broken |\n|---|---|\n";
        for (what, n) in &self.checks {
            out += &format!("| {what} | {n} |\n");
        }
        out
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
