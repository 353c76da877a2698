//! The kiosk's screens as a state machine. Components render a `Screen` and send
//! `Event`s; every transition is here and tested natively.

use kofu_card::{PinState, VerifyOutcome};
use kofu_shared::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Idle,
    Reading,
    Pin {
        tries_left: u8,
        last_wrong: bool,
    },
    PinBlocked,
    Choose,
    /// The chosen certificate's options and copies.
    Options,
    Confirm,
    Processing,
    RemoveCard,
    Certificate,
    /// After Finish: everything is already erased; back to idle in a moment.
    ThankYou,
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The card could not be read or answered unexpectedly.
    Card,
    /// The card left the reader before the end of the transaction.
    CardRemoved,
    /// The USB reader itself was unplugged.
    ReaderLost,
    /// The center or the municipality refused, with its reason.
    Refused(ErrorCode),
    /// The network failed; nothing was issued.
    Network,
    /// A document arrived but was not provably this transaction's: never printed.
    DocumentRejected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    CardInserted,
    CardRead(PinState),
    PinChecked(VerifyOutcome),
    Chose,
    OptionsChosen,
    /// Back from the options to the certificate menu.
    Back,
    Confirmed,
    Issued,
    CardGone,
    Done,
    Failed(Failure),
    Cancel,
    /// The screen's time ran out: the whole transaction is abandoned and erased.
    TimedOut,
}

impl Screen {
    /// The next screen. Events that do not fit the current screen change nothing.
    pub fn on(&self, event: Event) -> Screen {
        use Event as E;
        use Screen as S;
        match (self, event) {
            (_, E::Cancel | E::TimedOut) => S::Idle,
            (S::Certificate, E::Done) => S::ThankYou,
            (S::Failed(_) | S::ThankYou, E::Done) => S::Idle,
            (s, E::Failed(f)) if s.in_transaction() => S::Failed(f),
            (S::Idle, E::CardInserted) => S::Reading,
            (S::Reading, E::CardRead(PinState::TriesLeft(n))) => S::Pin { tries_left: n, last_wrong: false },
            (S::Reading, E::CardRead(PinState::Verified)) => S::Choose,
            (S::Reading, E::CardRead(PinState::Blocked)) => S::PinBlocked,
            (S::Pin { .. }, E::PinChecked(VerifyOutcome::Verified)) => S::Choose,
            (S::Pin { .. }, E::PinChecked(VerifyOutcome::Wrong { tries_left })) => {
                S::Pin { tries_left, last_wrong: true }
            }
            (S::Pin { .. }, E::PinChecked(VerifyOutcome::Blocked)) => S::PinBlocked,
            (S::Choose, E::Chose) => S::Options,
            (S::Options, E::OptionsChosen) => S::Confirm,
            (S::Options, E::Back) => S::Choose,
            (S::Confirm, E::Back) => S::Options,
            (S::Confirm, E::Confirmed) => S::Processing,
            (S::Processing, E::Issued) => S::RemoveCard,
            (S::RemoveCard, E::CardGone) => S::Certificate,
            (S::PinBlocked, E::Done) => S::Idle,
            (s, _) => s.clone(),
        }
    }

    /// How long this screen may stay without progress before the transaction is
    /// abandoned, so no step is ever handed on to the next resident. `None` for idle.
    pub fn timeout_secs(&self) -> Option<u32> {
        match self {
            Screen::Idle => None,
            Screen::Reading => Some(30),
            Screen::Pin { .. } | Screen::Choose | Screen::Options | Screen::Confirm => Some(60),
            Screen::Processing => Some(90),
            Screen::RemoveCard | Screen::Certificate => Some(120),
            Screen::PinBlocked | Screen::Failed(_) => Some(30),
            Screen::ThankYou => Some(4),
        }
    }

    /// Whether the resident is asked "still there?" before the time runs out.
    pub fn warns(&self) -> bool {
        *self != Screen::ThankYou
    }

    pub fn in_transaction(&self) -> bool {
        !matches!(self, Screen::Idle | Screen::Failed(_) | Screen::Certificate | Screen::ThankYou)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(events: Vec<Event>) -> Screen {
        events.into_iter().fold(Screen::Idle, |s, e| s.on(e))
    }

    #[test]
    fn happy_path_reaches_the_certificate_only_after_the_card_is_gone() {
        let s = walk(vec![
            Event::CardInserted,
            Event::CardRead(PinState::TriesLeft(3)),
            Event::PinChecked(VerifyOutcome::Verified),
            Event::Chose,
            Event::OptionsChosen,
            Event::Confirmed,
            Event::Issued,
        ]);
        assert_eq!(s, Screen::RemoveCard);
        assert_eq!(s.on(Event::Done), Screen::RemoveCard, "no certificate while the card is in");
        assert_eq!(s.on(Event::CardGone), Screen::Certificate);
        assert_eq!(Screen::Certificate.on(Event::Done), Screen::ThankYou);
        assert_eq!(Screen::ThankYou.on(Event::TimedOut), Screen::Idle);
        assert!(!Screen::ThankYou.warns() && Screen::Certificate.warns());
    }

    #[test]
    fn back_goes_one_step_up_the_menu_and_never_past_it() {
        assert_eq!(Screen::Confirm.on(Event::Back), Screen::Options);
        assert_eq!(Screen::Options.on(Event::Back), Screen::Choose);
        assert_eq!(Screen::Choose.on(Event::Back), Screen::Choose);
        assert_eq!(Screen::Processing.on(Event::Back), Screen::Processing, "no way back once issuing");
    }

    #[test]
    fn wrong_pin_stays_on_pin_with_the_new_count_and_blocked_stops() {
        let s = walk(vec![Event::CardInserted, Event::CardRead(PinState::TriesLeft(3))]);
        let s = s.on(Event::PinChecked(VerifyOutcome::Wrong { tries_left: 2 }));
        assert_eq!(s, Screen::Pin { tries_left: 2, last_wrong: true });
        assert_eq!(s.on(Event::PinChecked(VerifyOutcome::Blocked)), Screen::PinBlocked);
        let s = walk(vec![Event::CardInserted, Event::CardRead(PinState::Blocked)]);
        assert_eq!(s, Screen::PinBlocked);
    }

    #[test]
    fn every_screen_but_idle_times_out_and_a_timeout_abandons_the_transaction() {
        let screens = [
            Screen::Reading,
            Screen::Pin { tries_left: 3, last_wrong: false },
            Screen::PinBlocked,
            Screen::Choose,
            Screen::Options,
            Screen::Confirm,
            Screen::Processing,
            Screen::RemoveCard,
            Screen::Certificate,
            Screen::Failed(Failure::Network),
        ];
        for screen in screens {
            assert!(screen.timeout_secs().is_some_and(|s| s > 0), "{screen:?}");
            assert_eq!(screen.on(Event::TimedOut), Screen::Idle, "{screen:?}");
        }
        assert_eq!(Screen::Idle.timeout_secs(), None);
        // A resident who walks away from the card never gets the certificate shown.
        assert_eq!(Screen::RemoveCard.on(Event::TimedOut).on(Event::CardGone), Screen::Idle);
    }

    #[test]
    fn failures_abort_the_transaction_and_out_of_order_events_do_nothing() {
        let s = walk(vec![Event::CardInserted, Event::CardRead(PinState::TriesLeft(3))]);
        assert_eq!(s.on(Event::Issued), s);
        let f = Failure::Refused(ErrorCode::ChallengeUsed);
        assert_eq!(Screen::Processing.on(Event::Failed(f)), Screen::Failed(f));
        assert_eq!(Screen::Idle.on(Event::Failed(f)), Screen::Idle);
        assert_eq!(Screen::Processing.on(Event::Cancel), Screen::Idle);
    }
}
