//! Where the card is: a USB reader through WebUSB, or (dev builds) a virtual card. The
//! session sees one `CardTransport` either way.

pub mod webusb;

use std::cell::RefCell;
use std::rc::Rc;

use kofu_card::pinpad::{PinPadInfo, PinPadReply, PinVerifyRequest};
use kofu_card::{CardTransport, ResponseUnit, TransportError};

pub use webusb::UsbReader;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    #[error("this browser has no WebUSB")]
    NoWebUsb,
    #[error("no reader was chosen")]
    NoneChosen,
    #[error("the browser blocks smart-card-class USB devices for web pages")]
    ProtectedClass,
    #[error("the device has no CCID interface")]
    NotAReader,
    #[error("the reader works at a level kofu does not support")]
    Unsupported,
    #[error("the reader was disconnected")]
    Disconnected,
    #[error("another program is using the reader")]
    Busy,
    #[error("the USB transfer failed")]
    Usb,
}

/// One USB reader shared by the kiosk (presence polling) and the current transaction.
/// Each use takes the reader out and puts it back, so a late step of an abandoned
/// transaction can never interleave its frames with the next one's: it gets `Busy`.
#[derive(Clone)]
pub struct SharedReader(Rc<RefCell<Option<UsbReader>>>);

impl SharedReader {
    pub fn new(reader: UsbReader) -> Self {
        SharedReader(Rc::new(RefCell::new(Some(reader))))
    }

    fn take(&self) -> Result<UsbReader, TransportError> {
        self.0.borrow_mut().take().ok_or_else(|| TransportError::Reader("reader busy".into()))
    }

    fn put(&self, reader: UsbReader) {
        *self.0.borrow_mut() = Some(reader);
    }

    pub fn is_device(&self, device: &web_sys::UsbDevice) -> bool {
        self.0.borrow().as_ref().is_some_and(|r| &r.device == device)
    }

    /// The interrupt endpoint, when the reader announces slot changes.
    pub fn interrupt(&self) -> Option<(web_sys::UsbDevice, u8)> {
        let reader = self.0.borrow();
        let reader = reader.as_ref()?;
        Some((reader.device.clone(), reader.interface.interrupt_in?))
    }

    /// Whether a card is in the slot (GetSlotStatus); `None` while the reader is in use.
    pub async fn card_present(&self) -> Option<bool> {
        let mut reader = self.take().ok()?;
        let present = reader.ccid.card_present().await;
        self.put(reader);
        present.ok()
    }

    /// Powers the card for a new transaction.
    pub async fn power_on(&self) -> Result<(), TransportError> {
        let mut reader = self.take()?;
        let atr = reader.ccid.power_on().await;
        self.put(reader);
        atr.map(drop).map_err(TransportError::from)
    }

    pub async fn close(&self) {
        if let Ok(mut reader) = self.take() {
            let _ = reader.ccid.power_off().await;
            let _ = reader.device.close().await;
        }
    }
}

impl CardTransport for SharedReader {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut reader = self.take()?;
        let answer = reader.ccid.transmit(command).await;
        self.put(reader);
        answer
    }

    fn supports_extended(&self) -> bool {
        self.0.borrow().as_ref().is_some_and(|r| r.ccid.supports_extended())
    }

    fn response_unit(&self) -> Option<ResponseUnit> {
        self.0.borrow().as_ref().and_then(|r| r.ccid.response_unit())
    }

    fn pin_pad(&self) -> Option<PinPadInfo> {
        self.0.borrow().as_ref().and_then(|r| r.ccid.pin_pad())
    }

    async fn verify_on_pin_pad(&mut self, request: &PinVerifyRequest) -> Result<PinPadReply, TransportError> {
        let mut reader = self.take()?;
        let reply = reader.ccid.verify_on_pin_pad(request).await;
        self.put(reader);
        reply
    }
}

/// The card of the current transaction.
pub enum Card {
    Usb(SharedReader),
    #[cfg(feature = "dev")]
    Virtual(kofu_card::virtual_card::VirtualCard),
}

impl Card {
    /// Whether the card is still in (the dev virtual card knows at once; a USB reader
    /// is asked with GetSlotStatus). `None`: cannot tell right now.
    pub async fn present(&self) -> Option<bool> {
        match self {
            Card::Usb(reader) => reader.card_present().await,
            #[cfg(feature = "dev")]
            Card::Virtual(card) => Some(card.is_present()),
        }
    }
}

impl CardTransport for Card {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Card::Usb(reader) => reader.transmit(command).await,
            #[cfg(feature = "dev")]
            Card::Virtual(card) => card.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            Card::Usb(reader) => reader.supports_extended(),
            #[cfg(feature = "dev")]
            Card::Virtual(card) => card.supports_extended(),
        }
    }

    fn response_unit(&self) -> Option<ResponseUnit> {
        match self {
            Card::Usb(reader) => reader.response_unit(),
            #[cfg(feature = "dev")]
            Card::Virtual(card) => card.response_unit(),
        }
    }

    /// The USB reader's keypad; the dev virtual card has none.
    fn pin_pad(&self) -> Option<PinPadInfo> {
        match self {
            Card::Usb(reader) => reader.pin_pad(),
            #[cfg(feature = "dev")]
            Card::Virtual(_) => None,
        }
    }

    async fn verify_on_pin_pad(&mut self, request: &PinVerifyRequest) -> Result<PinPadReply, TransportError> {
        match self {
            Card::Usb(reader) => reader.verify_on_pin_pad(request).await,
            #[cfg(feature = "dev")]
            Card::Virtual(_) => Err(TransportError::NoPinPad),
        }
    }
}
