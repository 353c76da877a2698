//! USB smart-card readers (CCID): framing, message chaining, the class descriptor, a host
//! driver for every exchange level (T=0/T=1 run by the host at TPDU level), PIN entry on
//! the reader's keypad, and the USB descriptors.

pub mod chain;
pub mod descriptor;
pub mod driver;
pub mod message;
pub mod secure;
pub mod usb_config;
#[cfg(feature = "virtual")]
pub mod virtual_reader;

pub use descriptor::{CcidDescriptor, ExchangeLevel, LcdLayout, PinSupport};
pub use driver::{BulkPipe, CcidError, CcidReader};
pub use usb_config::{CcidInterface, UsbConfigError, find_ccid_interface};
