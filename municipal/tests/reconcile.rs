//! Issued documents whose print outcome never arrives lapse after the outcome window (not
//! charged), and a late report from the kiosk still settles them.

mod common;

use common::{NOW, forward, outcome_forward, setup};
use kofu_municipal::issue::handle_issue;
use kofu_municipal::outcome::handle_outcome;
use kofu_municipal::reconcile::{OUTCOME_WINDOW_MS, lapse_unreported};
use kofu_shared::wire::{PrintOutcome, RegisterState};

const KIOSK: &str = "kiosk-dev-001";
const TX: [&str; 4] = [
    "0000000000000000000000000000000a",
    "0000000000000000000000000000000b",
    "0000000000000000000000000000000c",
    "0000000000000000000000000000000d",
];

fn outcome(tx: &str, outcome: PrintOutcome) -> Vec<u8> {
    outcome_forward("center.key.der", tx, KIOSK, outcome)
}

#[test]
fn only_issued_entries_older_than_the_window_lapse() {
    let (m, db, _dir) = setup();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[0]).1, NOW).unwrap();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[1]).1, NOW).unwrap();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[2]).1, NOW).unwrap();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[3]).1, NOW + 60_000).unwrap();
    handle_outcome(&m, &db, &outcome(TX[1], PrintOutcome::Printed), NOW).unwrap();
    handle_outcome(&m, &db, &outcome(TX[2], PrintOutcome::PrintFailed), NOW).unwrap();

    // Exactly at the window's end nothing lapses yet.
    assert_eq!(lapse_unreported(&db, NOW + OUTCOME_WINDOW_MS, OUTCOME_WINDOW_MS).unwrap(), 0);
    assert_eq!(lapse_unreported(&db, NOW + OUTCOME_WINDOW_MS + 1, OUTCOME_WINDOW_MS).unwrap(), 1);
    let states: Vec<_> = TX.iter().map(|tx| db.issuance_state(tx).unwrap().unwrap()).collect();
    assert_eq!(states, ["lapsed", "printed", "voided", "issued"], "printed and voided are final; the newer waits");
    // A second sweep finds nothing more; the newer entry lapses when its own window ends.
    assert_eq!(lapse_unreported(&db, NOW + OUTCOME_WINDOW_MS + 1, OUTCOME_WINDOW_MS).unwrap(), 0);
    assert_eq!(lapse_unreported(&db, NOW + 60_000 + OUTCOME_WINDOW_MS + 1, OUTCOME_WINDOW_MS).unwrap(), 1);
    // A clock before the window's length is no reason to lapse anything.
    assert_eq!(lapse_unreported(&db, OUTCOME_WINDOW_MS - 1, OUTCOME_WINDOW_MS).unwrap(), 0);
}

#[test]
fn a_late_report_still_settles_a_lapsed_entry() {
    let (m, db, _dir) = setup();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[0]).1, NOW).unwrap();
    handle_issue(&m, &db, &forward("card-1", "center.key.der", TX[1]).1, NOW).unwrap();
    assert_eq!(lapse_unreported(&db, NOW + OUTCOME_WINDOW_MS + 1, OUTCOME_WINDOW_MS).unwrap(), 2);

    let later = NOW + 2 * OUTCOME_WINDOW_MS;
    let printed = handle_outcome(&m, &db, &outcome(TX[0], PrintOutcome::Printed), later).unwrap();
    assert_eq!(printed.state, RegisterState::Printed, "the kiosk printed it after all: charged");
    let failed = handle_outcome(&m, &db, &outcome(TX[1], PrintOutcome::PrintFailed), later).unwrap();
    assert_eq!(failed.state, RegisterState::Voided);
    assert_eq!(db.issuance_state(TX[0]).unwrap().as_deref(), Some("printed"));
    assert_eq!(db.issuance_state(TX[1]).unwrap().as_deref(), Some("voided"));
}
