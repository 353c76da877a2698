//! CCID readers through WebUSB: find the reader, claim its CCID interface, and move bulk
//! and interrupt transfers for the driver in `kofu_card::ccid`. Only browser glue lives
//! here; descriptor parsing and the protocol are plain Rust in the card crate.

use js_sys::Uint8Array;
use kofu_card::TransportError;
use kofu_card::ccid::message::parse_notify_slot_change;
use kofu_card::ccid::usb_config::{CLASS_SMART_CARD, MAX_CONFIGURATION_LEN};
use kofu_card::ccid::{BulkPipe, CcidInterface, CcidReader, find_ccid_interface};
use wasm_bindgen::JsValue;
use web_sys::{
    Usb, UsbControlTransferParameters, UsbDevice, UsbDeviceFilter, UsbDeviceRequestOptions, UsbInTransferResult,
    UsbRecipient, UsbRequestType, UsbTransferStatus,
};

use super::ReaderError;

/// Readers residents own (FACTS.md): any smart-card-class device, plus the vendors whose
/// readers present a vendor-class (0xFF) CCID interface.
const VENDOR_FILTERS: [u16; 3] = [0x04E6, 0x072F, 0x054C];

const GET_DESCRIPTOR: u8 = 0x06;
const CONFIGURATION_DESCRIPTOR: u16 = 0x02 << 8;

pub fn usb() -> Option<Usb> {
    let navigator = web_sys::window()?.navigator();
    // Browsers without WebUSB have no `usb` property at all.
    let has = js_sys::Reflect::has(&navigator, &JsValue::from_str("usb")).unwrap_or(false);
    has.then(|| navigator.usb())
}

/// Shows the browser's device chooser (needs a click).
pub async fn request_device() -> Result<UsbDevice, ReaderError> {
    let usb = usb().ok_or(ReaderError::NoWebUsb)?;
    let class = UsbDeviceFilter::new();
    class.set_class_code(CLASS_SMART_CARD);
    let mut filters = vec![class];
    for vendor in VENDOR_FILTERS {
        let filter = UsbDeviceFilter::new();
        filter.set_vendor_id(vendor);
        filters.push(filter);
    }
    usb.request_device(&UsbDeviceRequestOptions::new(&filters)).await.map_err(|e| classify(&e))
}

/// Readers this origin was already allowed to use: the kiosk re-attaches without a click.
pub async fn permitted_devices() -> Vec<UsbDevice> {
    let Some(usb) = usb() else { return Vec::new() };
    match usb.get_devices().await {
        Ok(devices) => devices.iter().collect(),
        Err(_) => Vec::new(),
    }
}

/// The bulk endpoints of a claimed CCID interface.
pub struct UsbPipe {
    device: UsbDevice,
    bulk_in: u8,
    bulk_out: u8,
}

impl BulkPipe for UsbPipe {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        // A copy in a fresh JS buffer: WebUSB must not see a view into wasm memory that
        // might move while the transfer is pending.
        let data = Uint8Array::from(bytes);
        let promise = self.device.transfer_out_with_u8_array(self.bulk_out, &data).map_err(|e| transport(&e))?;
        let sent = promise.await.map_err(|e| transport(&e));
        // The buffer may carry a VERIFY with a PIN.
        data.fill(0, 0, data.length());
        let sent = sent?;
        if sent.status() != UsbTransferStatus::Ok || sent.bytes_written() as usize != bytes.len() {
            return Err(TransportError::Reader("bulk-OUT transfer incomplete".into()));
        }
        Ok(())
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        let result = self.device.transfer_in(self.bulk_in, max_len as u32).await.map_err(|e| transport(&e))?;
        in_bytes(&result, max_len)
    }
}

fn in_bytes(result: &UsbInTransferResult, max_len: usize) -> Result<Vec<u8>, TransportError> {
    if result.status() != UsbTransferStatus::Ok {
        return Err(TransportError::Reader("transfer stalled".into()));
    }
    let Some(view) = result.data() else { return Ok(Vec::new()) };
    let bytes = Uint8Array::new_with_byte_offset_and_length(
        &view.buffer(),
        view.byte_offset() as u32,
        view.byte_length() as u32,
    )
    .to_vec();
    if bytes.len() > max_len {
        return Err(TransportError::Reader("reader sent more than asked".into()));
    }
    Ok(bytes)
}

/// An opened reader: the CCID driver over its bulk pipe, and where slot changes arrive.
pub struct UsbReader {
    pub device: UsbDevice,
    pub ccid: CcidReader<UsbPipe>,
    pub interface: CcidInterface,
}

/// Opens the device, finds its CCID interface from the raw configuration descriptor and
/// claims it.
pub async fn open(device: UsbDevice) -> Result<UsbReader, ReaderError> {
    if !device.opened() {
        device.open().await.map_err(|e| classify(&e))?;
    }
    if device.configuration().is_none() {
        device.select_configuration(1).await.map_err(|e| classify(&e))?;
    }
    let setup = UsbControlTransferParameters::new(
        0,
        UsbRecipient::Device,
        GET_DESCRIPTOR,
        UsbRequestType::Standard,
        CONFIGURATION_DESCRIPTOR,
    );
    let answer = device.control_transfer_in(&setup, MAX_CONFIGURATION_LEN as u16).await.map_err(|e| classify(&e))?;
    let config = in_bytes(&answer, MAX_CONFIGURATION_LEN).map_err(|_| ReaderError::NotAReader)?;
    let interface = find_ccid_interface(&config).map_err(|_| ReaderError::NotAReader)?;
    device.claim_interface(interface.interface_number).await.map_err(|e| classify(&e))?;
    if interface.alternate_setting != 0 {
        device
            .select_alternate_interface(interface.interface_number, interface.alternate_setting)
            .await
            .map_err(|e| classify(&e))?;
    }
    let pipe = UsbPipe { device: device.clone(), bulk_in: interface.bulk_in, bulk_out: interface.bulk_out };
    let ccid = CcidReader::new(pipe, &interface.descriptor).map_err(|_| ReaderError::Unsupported)?;
    Ok(UsbReader { device, ccid, interface })
}

/// Waits for the next NotifySlotChange on the interrupt endpoint: `Some(present)` for
/// slot 0, `None` when the endpoint fails (reader gone).
pub async fn next_slot_change(device: &UsbDevice, endpoint: u8) -> Option<bool> {
    loop {
        let result = device.transfer_in(endpoint, 8).await.ok()?;
        let bytes = in_bytes(&result, 8).ok()?;
        // Other interrupt messages (hardware errors) are not slot changes: keep listening.
        if let Ok(slots) = parse_notify_slot_change(&bytes)
            && let Some(slot) = slots.first()
        {
            return Some(slot.present);
        }
    }
}

fn transport(e: &JsValue) -> TransportError {
    TransportError::Reader(error_name(e))
}

/// The exception's `name` (DOMException or Error); never its message, which may echo data.
fn error_name(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| "unknown".into())
}

/// What a WebUSB failure means for the resident or developer.
fn classify(e: &JsValue) -> ReaderError {
    match error_name(e).as_str() {
        // Chrome refuses to claim a protected class (smart card 0x0B) outside an
        // Isolated Web App with `usb-unrestricted`.
        "SecurityError" => ReaderError::ProtectedClass,
        "NotFoundError" => ReaderError::NoneChosen,
        "NetworkError" => ReaderError::Disconnected,
        "InvalidStateError" => ReaderError::Busy,
        _ => ReaderError::Usb,
    }
}
