//! Japan time (UTC+9, no daylight saving), which every service rule is stated in: hours,
//! closed dates, "new today", the fiscal year.

use time::{OffsetDateTime, UtcOffset};

/// The moment `now_ms` (Unix milliseconds) in Japan; `None` past the year 9999.
pub fn at(now_ms: u64) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_hms(9, 0, 0).ok()?;
    let seconds = i64::try_from(now_ms / 1000).ok()?;
    Some(OffsetDateTime::from_unix_timestamp(seconds).ok()?.to_offset(offset))
}

/// The ISO date (`YYYY-MM-DD`) in Japan at `now_ms`.
pub fn date(now_ms: u64) -> String {
    let date = at(now_ms).unwrap_or(OffsetDateTime::UNIX_EPOCH).date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The latest fiscal year (年度) whose income and tax records exist at `now_ms`: a year's
/// records start in June.
pub fn latest_tax_year(now_ms: u64) -> u16 {
    let date = at(now_ms).unwrap_or(OffsetDateTime::UNIX_EPOCH).date();
    let year = u16::try_from(date.year()).unwrap_or(1970);
    if u8::from(date.month()) >= 6 { year } else { year - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-05-31 15:00 UTC is 2026-06-01 00:00 in Japan.
    const JUNE_FIRST_JST: u64 = 1_780_239_600_000;

    #[test]
    fn japan_is_nine_hours_ahead_and_the_tax_year_turns_in_june() {
        assert_eq!(date(JUNE_FIRST_JST), "2026-06-01");
        assert_eq!(date(JUNE_FIRST_JST - 1), "2026-05-31");
        assert_eq!(latest_tax_year(JUNE_FIRST_JST), 2026);
        assert_eq!(latest_tax_year(JUNE_FIRST_JST - 1), 2025);
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(u64::MAX), "1970-01-01", "out of range falls back, never panics");
    }
}
