//! ISO/IEC 7816-3 T=1, which the host must run itself behind a TPDU-level CCID reader
//! (about a third of real readers, the NTT Com SCR3310 and ACS ACR39U among them).
//! Hand-written: no maintained crate implements the T=1 host side.

pub mod block;
pub mod host;
#[cfg(feature = "virtual")]
pub mod virtual_side;

pub use block::{Block, BlockError, Pcb, SKind};
pub use host::{BlockIo, T1Error, T1State};
