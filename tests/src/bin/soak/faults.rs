//! Municipal faults under the real edge: the broken server in front of 千代田区 fails issue
//! requests one way after another (down, garbage, truncated, slow past the deadline), a
//! kiosk tries each, and every try must end with the typed `municipality_unavailable` and
//! nothing printed. Whatever the town registered before its answer was lost must lapse,
//! uncharged; afterwards the same kiosk is served again.

use kofu_shared::ErrorCode;

use super::kiosk::{Attempt, Ended, Kiosk, Plan};

pub const MODES: [&str; 4] = ["fault:down", "fault:garbage", "fault:truncated", "fault:slow"];

/// Numbers for fault tries: far above any load-phase number, so transaction ids differ.
const FIRST: u64 = 1 << 40;

pub struct FaultRun {
    /// (mode, its try).
    pub tries: Vec<(&'static str, Attempt)>,
    /// The honest try after the faults.
    pub recovery: Attempt,
}

pub fn run(kiosk: &Kiosk, run_tag: u32, broken: &str) -> FaultRun {
    let mut tries = Vec::new();
    for (i, mode) in MODES.into_iter().enumerate() {
        set_mode(broken, mode);
        let prepared = kiosk.prepare_card(run_tag, FIRST + i as u64, "card-9");
        tries.push((mode, kiosk.issue_planned(prepared, Plan::Print)));
    }
    set_mode(broken, "honest");
    let prepared = kiosk.prepare_card(run_tag, FIRST + MODES.len() as u64, "card-9");
    FaultRun { tries, recovery: kiosk.issue_planned(prepared, Plan::Print) }
}

fn set_mode(broken: &str, mode: &str) {
    let (status, _) = kofu_tests::post(&format!("{broken}/_mode"), mode.as_bytes());
    assert_eq!(status, 200, "broken municipal server: mode {mode}");
}

impl FaultRun {
    /// Promises broken: a fault that did not end as `municipality_unavailable`, or a
    /// recovery that was not served.
    pub fn broken(&self) -> Vec<String> {
        let mut broken = Vec::new();
        for (mode, attempt) in &self.tries {
            if attempt.result != Ended::Refused(ErrorCode::MunicipalityUnavailable) {
                broken.push(format!("{mode}: ended {:?}, not municipality_unavailable", attempt.result));
            }
        }
        if !matches!(self.recovery.result, Ended::Accepted { .. }) {
            broken.push(format!("after the faults: {:?}, not served", self.recovery.result));
        }
        broken
    }
}
