//! Rate limits per kiosk and per card: a fixed-window counter per key. The logic is here;
//! the worker keeps one counter per key in a Durable Object (one instance per key, so
//! every take on a key is serialized), tests in memory.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub max: u32,
    pub window_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("RATE_LIMITS is not `kiosk=MAX/WINDOW_MS,card=MAX/WINDOW_MS`")]
pub struct BadRateLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub per_kiosk: Limit,
    pub per_card: Limit,
}

impl Default for RateLimits {
    /// A kiosk serves one resident at a time: 60 requests a minute is far above any real
    /// use. A card issues a few certificates a day.
    fn default() -> Self {
        RateLimits {
            per_kiosk: Limit { max: 60, window_ms: 60_000 },
            per_card: Limit { max: 20, window_ms: 3_600_000 },
        }
    }
}

impl RateLimits {
    /// `RATE_LIMITS`: `kiosk=MAX/WINDOW_MS,card=MAX/WINDOW_MS` (either may be left out).
    pub fn parse(text: &str) -> Result<Self, BadRateLimits> {
        let mut limits = RateLimits::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or(BadRateLimits)?;
            let (max, window) = value.split_once('/').ok_or(BadRateLimits)?;
            let limit = Limit {
                max: max.trim().parse().map_err(|_| BadRateLimits)?,
                window_ms: window.trim().parse().map_err(|_| BadRateLimits)?,
            };
            if limit.max == 0 || limit.window_ms == 0 {
                return Err(BadRateLimits);
            }
            match name.trim() {
                "kiosk" => limits.per_kiosk = limit,
                "card" => limits.per_card = limit,
                _ => return Err(BadRateLimits),
            }
        }
        Ok(limits)
    }
}

/// One key's counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: u64,
    pub count: u32,
}

impl Window {
    /// Counts one request at `now_ms`; `false` when the window is already full.
    pub fn take(&mut self, limit: Limit, now_ms: u64) -> bool {
        if now_ms >= self.start_ms.saturating_add(limit.window_ms) || now_ms < self.start_ms {
            *self = Window { start_ms: now_ms, count: 0 };
        }
        if self.count >= limit.max {
            return false;
        }
        self.count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_lets_max_through_then_refuses_until_it_ends() {
        let limit = Limit { max: 3, window_ms: 1000 };
        let mut w = Window::default();
        assert_eq!([0, 1, 2, 3].map(|t| w.take(limit, 10_000 + t)), [true, true, true, false]);
        assert!(!w.take(limit, 10_999));
        assert!(w.take(limit, 11_000));
    }

    #[test]
    fn limits_parse_and_refuse_nonsense() {
        let l = RateLimits::parse("kiosk=5/1000, card=2/60000").unwrap();
        assert_eq!((l.per_kiosk.max, l.per_card.window_ms), (5, 60_000));
        assert_eq!(RateLimits::parse("").unwrap(), RateLimits::default());
        for bad in ["kiosk=0/1", "kiosk=5", "pin=1/1", "card=x/1"] {
            assert!(RateLimits::parse(bad).is_err(), "{bad}");
        }
    }
}
