//! The card protocol stack: ISO 7816-4 APDUs, JPKI commands over an async transport, and a
//! virtual JPKI card. No browser code: the app plugs its transports in underneath.

pub mod apdu;
pub mod atr;
pub mod ccid;
pub mod jpki;
pub mod nfc;
pub mod pin;
pub mod pinpad;
pub mod rcs380;
pub mod t1;
pub mod transport;
#[cfg(feature = "virtual")]
pub mod virtual_card;

pub use apdu::{Command, Response, Status};
pub use jpki::{CardError, Jpki, PinPadOutcome, PinState, VerifyOutcome};
pub use pin::Pin;
pub use pinpad::{PinPadInfo, PinPadPrompt};
pub use transport::{CardTransport, ResponseUnit, TransportError};
