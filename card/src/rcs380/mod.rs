//! Sony PaSoRi RC-S380 (USB 054C:06C1 RC-S380/S, 054C:06C3 RC-S380/P): the NFC Port-100
//! chip's vendor protocol under the vendor USB class, so plain Chrome reaches it through
//! WebUSB. Frames and checksums, ACKs, the zero-length packet rule, the commands NFC-B
//! needs, and the reply status bits as typed errors; the host runs NFC-B activation and
//! ISO-DEP itself (`crate::nfc`).

pub mod command;
pub mod driver;
pub mod frame;
#[cfg(feature = "virtual")]
pub mod virtual_device;

pub use command::{ChipStatus, CommError};
pub use driver::{Rcs380, Rcs380Error, Rcs380Reader};
pub use frame::{Frame, FrameError};

pub const VENDOR_ID: u16 = 0x054C;
/// RC-S380/S and RC-S380/P.
pub const PRODUCT_IDS: [u16; 2] = [0x06C1, 0x06C3];
/// Configuration 1, interface 0, bulk OUT endpoint 2, bulk IN endpoint 1.
pub const CONFIGURATION: u8 = 1;
pub const INTERFACE: u8 = 0;
pub const ENDPOINT_OUT: u8 = 2;
pub const ENDPOINT_IN: u8 = 1;
