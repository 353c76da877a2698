//! Service hours in Japan time (DESIGN.md: 6:30–23:00 by default, closed 29 Dec – 3 Jan),
//! set per municipality in the directory.

use kofu_shared::jst::at as jst;
use kofu_shared::wire::CertificateKind;
use time::{Month, Weekday};

/// Days beyond the daily hours: dates a municipality is closed (its own holidays, system
/// maintenance), and kinds it issues on weekdays only (as 戸籍 certificates often are).
/// "Weekday" is Monday to Friday; national holidays are listed in `dates`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closures {
    /// ISO dates, Japan time.
    pub dates: Vec<String>,
    pub weekday_only: Vec<CertificateKind>,
}

/// Most closed dates a municipality may list (a year and some).
pub const MAX_CLOSED_DATES: usize = 400;

impl Closures {
    /// The directory's columns: comma-separated dates and kind ids; malformed items are
    /// skipped (they were validated when registered).
    pub fn from_columns(dates: &str, weekday_only: &str) -> Self {
        Closures {
            dates: dates.split(',').map(str::trim).filter(|d| is_iso_date(d)).map(str::to_owned).collect(),
            weekday_only: crate::core::issue::parse_kinds(weekday_only),
        }
    }

    pub fn allows(&self, kind: CertificateKind, now_ms: u64) -> bool {
        let Some(now) = jst(now_ms) else { return false };
        let date = format!("{:04}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day());
        if self.dates.contains(&date) {
            return false;
        }
        !self.weekday_only.contains(&kind) || !matches!(now.weekday(), Weekday::Saturday | Weekday::Sunday)
    }
}

/// `YYYY-MM-DD` with a real month and day. (By hand: `time`'s parser would add ~9 KB to
/// the worker bundle for this one check.)
pub fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        text.get(range).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else { return false };
    let Ok(month) = Month::try_from(month as u8) else { return false };
    time::Date::from_calendar_date(year as i32, month, day as u8).is_ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceHours {
    /// Minutes after midnight JST when the service opens (inclusive).
    pub open_minute: u16,
    /// Minutes after midnight JST when it closes (exclusive); 1440 = midnight.
    pub close_minute: u16,
    /// Closed from 29 December to 3 January.
    pub year_end_closed: bool,
}

impl Default for ServiceHours {
    fn default() -> Self {
        ServiceHours { open_minute: 6 * 60 + 30, close_minute: 23 * 60, year_end_closed: true }
    }
}

impl ServiceHours {
    pub fn is_open(&self, now_ms: u64) -> bool {
        let Some(now) = jst(now_ms) else { return false };
        let year_end = matches!((now.month(), now.day()), (Month::December, 29..=31) | (Month::January, 1..=3));
        if self.year_end_closed && year_end {
            return false;
        }
        let minute = u16::from(now.hour()) * 60 + u16::from(now.minute());
        self.open_minute <= minute && minute < self.close_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms for a JST wall-clock time.
    fn jst(year: i32, month: Month, day: u8, hour: u8, minute: u8) -> u64 {
        let date = time::Date::from_calendar_date(year, month, day).unwrap();
        let local = date.with_hms(hour, minute, 0).unwrap();
        let at = local.assume_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap());
        (at.unix_timestamp() * 1000) as u64
    }

    #[test]
    fn default_hours_are_6_30_to_23_00_japan_time() {
        let h = ServiceHours::default();
        assert!(!h.is_open(jst(2026, Month::November, 25, 6, 29)));
        assert!(h.is_open(jst(2026, Month::November, 25, 6, 30)));
        assert!(h.is_open(jst(2026, Month::November, 25, 22, 59)));
        assert!(!h.is_open(jst(2026, Month::November, 25, 23, 0)));
    }

    #[test]
    fn closed_dates_and_weekday_only_kinds() {
        let c = Closures::from_columns("2026-11-27, not-a-date", "juminhyo");
        assert_eq!(c.dates, ["2026-11-27"]);
        let kind = CertificateKind::Juminhyo;
        // 2026-11-26 is a Thursday, the 27th is listed closed, the 28th a Saturday.
        assert!(c.allows(kind, jst(2026, Month::November, 26, 12, 0)));
        assert!(!c.allows(kind, jst(2026, Month::November, 27, 12, 0)));
        assert!(!c.allows(kind, jst(2026, Month::November, 28, 12, 0)));
        assert!(Closures::default().allows(kind, jst(2026, Month::November, 28, 12, 0)));
        // 08:30 on the 28th in Japan is still the 27th in UTC: the Japanese date counts.
        assert!(!Closures::from_columns("2026-11-28", "").allows(kind, jst(2026, Month::November, 28, 8, 30)));
        assert!(is_iso_date("2026-02-28") && !is_iso_date("2026-02-30") && !is_iso_date("2026-2-28"));
    }

    #[test]
    fn closed_over_the_new_year_unless_the_municipality_opts_out() {
        let h = ServiceHours::default();
        assert!(h.is_open(jst(2026, Month::December, 28, 12, 0)));
        for (month, day) in [(Month::December, 29), (Month::December, 31), (Month::January, 1), (Month::January, 3)] {
            assert!(!h.is_open(jst(2027, month, day, 12, 0)), "{month} {day}");
        }
        assert!(h.is_open(jst(2027, Month::January, 4, 12, 0)));
        let always = ServiceHours { open_minute: 0, close_minute: 1440, year_end_closed: false };
        assert!(always.is_open(jst(2027, Month::January, 1, 0, 0)));
        assert!(always.is_open(jst(2027, Month::January, 1, 23, 59)));
    }
}
