//! The kiosk's screens, what can go wrong, and how long each screen may wait.

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

impl Screen {
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

    /// A resident's transaction is under way: the card is in use or a choice is being
    /// made. A card pulled now ends it.
    pub fn in_transaction(&self) -> bool {
        !matches!(self, Screen::Idle | Screen::Failed(_) | Screen::Certificate | Screen::ThankYou)
    }

    /// Where the screen stands in the five steps the step bar shows
    /// (card → PIN → certificate → confirm → issue); `None` off the path.
    pub fn step(&self) -> Option<Step> {
        match self {
            Screen::Idle | Screen::Reading => Some(Step::Card),
            Screen::Pin { .. } | Screen::PinBlocked => Some(Step::Pin),
            Screen::Choose | Screen::Options => Some(Step::Certificate),
            Screen::Confirm => Some(Step::Confirm),
            Screen::Processing | Screen::RemoveCard | Screen::Certificate => Some(Step::Issue),
            Screen::ThankYou | Screen::Failed(_) => None,
        }
    }
}

/// The five steps of the step bar, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Card,
    Pin,
    Certificate,
    Confirm,
    Issue,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Card, Step::Pin, Step::Certificate, Step::Confirm, Step::Issue];
}

/// What the resident is told when a step of the transaction fails.
pub fn failure_of(e: &crate::session::SessionError) -> Failure {
    use crate::session::{EdgeCallError, SessionError};
    use kofu_card::{CardError, TransportError};
    match e {
        SessionError::Card(CardError::Transport(TransportError::CardAbsent | TransportError::CardRemoved)) => {
            Failure::CardRemoved
        }
        SessionError::Card(_) | SessionError::BadChallenge => Failure::Card,
        SessionError::Edge(EdgeCallError::Refused(code)) => Failure::Refused(*code),
        SessionError::Edge(_) => Failure::Network,
        SessionError::Document(_) => Failure::DocumentRejected,
    }
}
