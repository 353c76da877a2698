//! The operator PIN's lockout: three wrong PINs lock the operator screen for 15 minutes.
//! Kept in the kiosk's IndexedDB, so reopening the page does not reset it.

pub const MAX_TRIES: u32 = 3;
pub const LOCK_MS: f64 = 15.0 * 60.0 * 1000.0;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Gate {
    /// Wrong PINs since the last right one or the last lock.
    pub failures: u32,
    /// Until when (ms since the epoch) no PIN is even checked.
    pub locked_until: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    Open,
    Wrong { tries_left: u32 },
    Locked { until: f64 },
}

impl Gate {
    pub fn is_locked(&self, now: f64) -> bool {
        now < self.locked_until
    }

    /// Records one PIN attempt. `matches` is asked only when the gate is not locked, so a
    /// locked gate gives a guesser no answer at all.
    pub fn attempt(&mut self, now: f64, matches: impl FnOnce() -> bool) -> Attempt {
        if self.is_locked(now) {
            return Attempt::Locked { until: self.locked_until };
        }
        if matches() {
            *self = Gate::default();
            return Attempt::Open;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_TRIES {
            *self = Gate { failures: 0, locked_until: now + LOCK_MS };
            Attempt::Locked { until: self.locked_until }
        } else {
            Attempt::Wrong { tries_left: MAX_TRIES - self.failures }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_pins_lock_and_a_locked_gate_checks_nothing() {
        let mut gate = Gate::default();
        assert_eq!(gate.attempt(0.0, || false), Attempt::Wrong { tries_left: 2 });
        assert_eq!(gate.attempt(1.0, || false), Attempt::Wrong { tries_left: 1 });
        assert_eq!(gate.attempt(2.0, || false), Attempt::Locked { until: 2.0 + LOCK_MS });
        let mut asked = false;
        assert_eq!(
            gate.attempt(3.0, || {
                asked = true;
                true
            }),
            Attempt::Locked { until: 2.0 + LOCK_MS }
        );
        assert!(!asked, "the right PIN does not open a locked gate, and is not even checked");
        assert_eq!(gate.attempt(2.0 + LOCK_MS, || true), Attempt::Open);
        assert_eq!(gate, Gate::default());
    }

    #[test]
    fn the_right_pin_clears_earlier_failures() {
        let mut gate = Gate::default();
        gate.attempt(0.0, || false);
        gate.attempt(0.0, || false);
        assert_eq!(gate.attempt(0.0, || true), Attempt::Open);
        assert_eq!(gate.attempt(0.0, || false), Attempt::Wrong { tries_left: 2 });
    }
}
