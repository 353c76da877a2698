//! Service hours in Japan time (DESIGN.md: 6:30–23:00 by default, closed 29 Dec – 3 Jan),
//! set per municipality in the directory.

use time::{Month, OffsetDateTime, UtcOffset};

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
        let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
        let Ok(now) = OffsetDateTime::from_unix_timestamp(i64::try_from(now_ms / 1000).unwrap_or(i64::MAX)) else {
            return false;
        };
        let now = now.to_offset(jst);
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
        let at = local.assume_offset(UtcOffset::from_hms(9, 0, 0).unwrap());
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
