//! Register entries whose print outcome never arrives: the kiosk lost its network after the
//! answer, the answer itself was lost after registering, or the kiosk died mid-print. An
//! `issued` entry older than the outcome window becomes `lapsed`: not charged, like a void,
//! because nothing proves a print. The kiosk's report stays the evidence: a late `printed`
//! or `print_failed` still settles a lapsed entry (to `printed` or `voided`).

use std::sync::Arc;
use std::time::Duration;

use crate::db::{Db, DbError, Param};
use crate::http::AppState;

/// How long a kiosk has to report what became of an issued document. A kiosk's longest
/// path from answer to report (remove-card wait, then the print dialog) is well under
/// five minutes; three times that leaves room for an outage of the center.
pub const OUTCOME_WINDOW_MS: u64 = 15 * 60 * 1000;

/// Moves every `issued` entry older than `window_ms` to `lapsed`; how many moved.
pub fn lapse_unreported(db: &Db, now_ms: u64, window_ms: u64) -> Result<u64, DbError> {
    let Some(before) = now_ms.checked_sub(window_ms).and_then(|t| i64::try_from(t).ok()) else { return Ok(0) };
    db.execute("UPDATE issuances SET state = 'lapsed' WHERE state = 'issued' AND issued_at < ?1", &[Param::Int(before)])
}

/// The server's sweep: every `every`, for as long as the process runs. A failed sweep is
/// logged (without data) and tried again at the next tick.
pub fn sweep(state: Arc<AppState>, window_ms: u64, every: Duration) {
    loop {
        std::thread::sleep(every);
        match lapse_unreported(&state.db, crate::http::now_ms(), window_ms) {
            Ok(0) => {}
            Ok(n) => eprintln!("reconcile: {n} issuances without an outcome lapsed"),
            Err(e) => eprintln!("reconcile: sweep failed: {e}"),
        }
    }
}
