//! Who may use the kiosk service (DESIGN.md "The certificates"): not residents who moved
//! out or died, not those under a DV support measure (支援措置), and not on the day their
//! card, PIN or move-in is new — the service starts the next day (Japan time).

use crate::db::Resident;

/// Why a resident cannot be served. The wire code for `SupportMeasure` and `Deceased` is
/// deliberately the same generic one: a kiosk screen must never reveal a DV support
/// measure to whoever stands behind the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    MovedOut,
    Deceased,
    SupportMeasure,
    /// The card, the PIN or the move-in is from today: served from tomorrow.
    NotYetActive,
    /// 印鑑登録証明書 asked for without a registration in force.
    NoSealRegistration,
    /// The record holds characters (外字) the kiosk service cannot print.
    NameNotPrintable,
    /// No record for the fiscal year asked for, or it is older than the kiosk may issue.
    FiscalYearUnavailable,
    /// The municipality sets no fee for this kind: it does not issue it at kiosks.
    KindNotOffered,
}

/// `today` is the ISO date in Japan (JST) when the request is handled.
pub fn check(resident: &Resident, today: &str) -> Result<(), Ineligible> {
    match resident.status.as_str() {
        "moved_out" => return Err(Ineligible::MovedOut),
        "deceased" => return Err(Ineligible::Deceased),
        _ => {}
    }
    if resident.support_measure {
        return Err(Ineligible::SupportMeasure);
    }
    let new_today = [&resident.card_issued_on, &resident.pin_set_on, &resident.moved_in_on]
        .into_iter()
        .flatten()
        .any(|date| date.as_str() >= today);
    if new_today {
        return Err(Ineligible::NotYetActive);
    }
    Ok(())
}

/// The ISO date in Japan (UTC+9, no daylight saving) at `now_ms`.
pub use kofu_shared::jst::date as jst_date;

#[cfg(test)]
mod tests {
    use super::*;

    fn resident() -> Resident {
        Resident {
            id: 1,
            name: String::new(),
            name_kana: String::new(),
            birth_date: String::new(),
            sex: String::new(),
            address: String::new(),
            householder: String::new(),
            relationship: String::new(),
            resident_since: String::new(),
            status: "resident".into(),
            support_measure: false,
            card_issued_on: Some("2026-01-10".into()),
            pin_set_on: Some("2026-01-10".into()),
            moved_in_on: None,
            household_id: None,
            household_order: 1,
            honseki: String::new(),
            hittousha: String::new(),
            individual_number: None,
            name_printable: true,
        }
    }

    #[test]
    fn served_from_the_day_after_card_pin_or_move_in() {
        let r = resident();
        assert_eq!(check(&r, "2026-01-10"), Err(Ineligible::NotYetActive));
        assert_eq!(check(&r, "2026-01-11"), Ok(()));
        let moved_in = Resident { moved_in_on: Some("2026-03-01".into()), ..resident() };
        assert_eq!(check(&moved_in, "2026-03-01"), Err(Ineligible::NotYetActive));
        assert_eq!(check(&moved_in, "2026-03-02"), Ok(()));
    }

    #[test]
    fn moved_out_deceased_and_support_measures_are_refused() {
        let today = "2026-11-25";
        assert_eq!(check(&Resident { status: "moved_out".into(), ..resident() }, today), Err(Ineligible::MovedOut));
        assert_eq!(check(&Resident { status: "deceased".into(), ..resident() }, today), Err(Ineligible::Deceased));
        assert_eq!(check(&Resident { support_measure: true, ..resident() }, today), Err(Ineligible::SupportMeasure));
    }

    #[test]
    fn japan_date_turns_at_15_00_utc() {
        // 2026-11-25 14:59:59 UTC is 23:59:59 JST; one second later it is the 26th in Japan.
        assert_eq!(jst_date(1_795_618_799_000), "2026-11-25");
        assert_eq!(jst_date(1_795_618_800_000), "2026-11-26");
    }
}
