//! USB smart-card readers (CCID): framing, the class descriptor, and a host driver for
//! readers at APDU level. TPDU-level readers (T=0/T=1 run by the host) come next.

pub mod descriptor;
pub mod driver;
pub mod message;
#[cfg(feature = "virtual")]
pub mod virtual_reader;

pub use descriptor::{CcidDescriptor, ExchangeLevel};
pub use driver::{BulkPipe, CcidError, CcidReader};
