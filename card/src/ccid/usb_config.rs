//! Finding the CCID interface in a USB configuration descriptor (USB 2.0 §9.6.3). WebUSB
//! lists interfaces and endpoints but not class-specific descriptors, so the host reads the
//! raw configuration with GET_DESCRIPTOR and finds the 54-byte CCID descriptor here (type
//! 0x21 anywhere in the interface, or 0xFF right after it, as libccid takes it). Hand
//! written: no maintained crate parses descriptors without a USB stack underneath.

use super::descriptor::{CCID_DESCRIPTOR_LEN, CCID_DESCRIPTOR_TYPE, CCID_DESCRIPTOR_TYPE_VENDOR, CcidDescriptor};

const CONFIGURATION: u8 = 0x02;
const INTERFACE: u8 = 0x04;
const ENDPOINT: u8 = 0x05;
pub const CLASS_SMART_CARD: u8 = 0x0B;
pub const CLASS_VENDOR: u8 = 0xFF;
/// A configuration descriptor is at most 64 KiB (wTotalLength); we read far less.
pub const MAX_CONFIGURATION_LEN: usize = 4096;

/// The CCID interface of a reader and the endpoints the driver needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcidInterface {
    pub interface_number: u8,
    pub alternate_setting: u8,
    /// The interface class: 0x0B, or 0xFF on vendor-class readers such as the SCR3310.
    pub class: u8,
    pub descriptor: CcidDescriptor,
    /// Endpoint numbers (without the direction bit).
    pub bulk_in: u8,
    pub bulk_out: u8,
    pub interrupt_in: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsbConfigError {
    #[error("not a configuration descriptor")]
    NotConfiguration,
    #[error("configuration descriptor longer than {MAX_CONFIGURATION_LEN} bytes")]
    TooLong,
    #[error("no interface with a CCID class descriptor")]
    NoCcidInterface,
    #[error("the CCID interface lacks a bulk endpoint")]
    MissingEndpoint,
}

/// One interface under construction while walking the descriptors.
struct Candidate {
    number: u8,
    alternate: u8,
    class: u8,
    descriptor: Option<CcidDescriptor>,
    bulk_in: Option<u8>,
    bulk_out: Option<u8>,
    interrupt_in: Option<u8>,
}

impl Candidate {
    fn finish(self) -> Option<Result<CcidInterface, UsbConfigError>> {
        let descriptor = self.descriptor?;
        Some(match (self.bulk_in, self.bulk_out) {
            (Some(bulk_in), Some(bulk_out)) => Ok(CcidInterface {
                interface_number: self.number,
                alternate_setting: self.alternate,
                class: self.class,
                descriptor,
                bulk_in,
                bulk_out,
                interrupt_in: self.interrupt_in,
            }),
            _ => Err(UsbConfigError::MissingEndpoint),
        })
    }
}

/// The first interface of class 0x0B or 0xFF that carries a CCID descriptor.
pub fn find_ccid_interface(config: &[u8]) -> Result<CcidInterface, UsbConfigError> {
    if config.len() > MAX_CONFIGURATION_LEN {
        return Err(UsbConfigError::TooLong);
    }
    if config.len() < 9 || config[0] < 9 || config[1] != CONFIGURATION {
        return Err(UsbConfigError::NotConfiguration);
    }
    let Some(mut rest) = config.get(usize::from(config[0])..) else {
        return Err(UsbConfigError::NotConfiguration);
    };
    let mut current: Option<Candidate> = None;
    let mut broken = None;
    // Type 0xFF counts as the CCID descriptor only directly after its interface (libccid).
    let mut after_interface = false;
    while let [len, kind, ..] = *rest {
        let len = usize::from(len);
        if len < 2 || len > rest.len() {
            break;
        }
        let d = &rest[..len];
        let first_after_interface = std::mem::replace(&mut after_interface, false);
        match kind {
            INTERFACE if len >= 9 => {
                match current.take().and_then(Candidate::finish) {
                    Some(Ok(found)) => return Ok(found),
                    Some(Err(e)) => broken = Some(e),
                    None => {}
                }
                let class = d[5];
                current = (class == CLASS_SMART_CARD || class == CLASS_VENDOR).then_some(Candidate {
                    number: d[2],
                    alternate: d[3],
                    class,
                    descriptor: None,
                    bulk_in: None,
                    bulk_out: None,
                    interrupt_in: None,
                });
                after_interface = true;
            }
            CCID_DESCRIPTOR_TYPE | CCID_DESCRIPTOR_TYPE_VENDOR
                if len == CCID_DESCRIPTOR_LEN && (kind == CCID_DESCRIPTOR_TYPE || first_after_interface) =>
            {
                if let Some(c) = current.as_mut() {
                    c.descriptor = CcidDescriptor::parse(d).ok();
                }
            }
            ENDPOINT if len >= 7 => {
                if let Some(c) = current.as_mut() {
                    let (address, attributes) = (d[2], d[3] & 0x03);
                    let number = address & 0x0F;
                    let inbound = address & 0x80 != 0;
                    match (attributes, inbound) {
                        (2, true) => c.bulk_in = c.bulk_in.or(Some(number)),
                        (2, false) => c.bulk_out = c.bulk_out.or(Some(number)),
                        (3, true) => c.interrupt_in = c.interrupt_in.or(Some(number)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        rest = &rest[len..];
    }
    match current.and_then(Candidate::finish) {
        Some(result) => result,
        None => Err(broken.unwrap_or(UsbConfigError::NoCcidInterface)),
    }
}

/// A configuration descriptor for one CCID interface with bulk-OUT 1, bulk-IN 2 and
/// interrupt-IN 3, as virtual readers and tests present themselves.
pub fn encode_configuration(class: u8, ccid: &[u8; CCID_DESCRIPTOR_LEN], with_interrupt: bool) -> Vec<u8> {
    let endpoints: u8 = if with_interrupt { 3 } else { 2 };
    let mut d = vec![9, CONFIGURATION, 0, 0, 1, 1, 0, 0x80, 50];
    d.extend_from_slice(&[9, INTERFACE, 0, 0, endpoints, class, 0, 0, 0]);
    d.extend_from_slice(ccid);
    d.extend_from_slice(&[7, ENDPOINT, 0x01, 0x02, 0x40, 0x00, 0x00]);
    d.extend_from_slice(&[7, ENDPOINT, 0x82, 0x02, 0x40, 0x00, 0x00]);
    if with_interrupt {
        d.extend_from_slice(&[7, ENDPOINT, 0x83, 0x03, 0x08, 0x00, 0x10]);
    }
    let total = d.len() as u16;
    d[2..4].copy_from_slice(&total.to_le_bytes());
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccid::ExchangeLevel;

    #[test]
    fn finds_a_vendor_class_reader_after_another_interface() {
        let ccid = CcidDescriptor::encode(ExchangeLevel::Tpdu, 271);
        let mut config = encode_configuration(CLASS_VENDOR, &ccid, true);
        // A HID interface first, which must be skipped.
        let hid = [9, INTERFACE, 1, 0, 1, 0x03, 0, 0, 0, 7, ENDPOINT, 0x84, 0x03, 0x08, 0x00, 0x0A];
        config.splice(9..9, hid);
        config[4] = 2;
        let found = find_ccid_interface(&config).unwrap();
        assert_eq!((found.interface_number, found.class), (0, CLASS_VENDOR));
        assert_eq!((found.bulk_out, found.bulk_in, found.interrupt_in), (1, 2, Some(3)));
        assert_eq!(found.descriptor.level, ExchangeLevel::Tpdu);
    }

    #[test]
    fn refuses_configurations_without_a_usable_ccid_interface() {
        let ccid = CcidDescriptor::encode(ExchangeLevel::ExtendedApdu, 65_544);
        let good = encode_configuration(CLASS_SMART_CARD, &ccid, false);
        assert_eq!(find_ccid_interface(&good).unwrap().interrupt_in, None);
        let no_bulk_in: Vec<u8> = good[..good.len() - 7].to_vec();
        assert_eq!(find_ccid_interface(&no_bulk_in), Err(UsbConfigError::MissingEndpoint));
        let mut other_class = good.clone();
        other_class[9 + 5] = 0x08;
        assert_eq!(find_ccid_interface(&other_class), Err(UsbConfigError::NoCcidInterface));
        assert_eq!(find_ccid_interface(&good[..5]), Err(UsbConfigError::NotConfiguration));
        assert_eq!(find_ccid_interface(&vec![9; 5000]), Err(UsbConfigError::TooLong));
    }

    #[test]
    fn takes_a_type_ff_descriptor_right_after_a_vendor_class_interface_only() {
        let mut d = CcidDescriptor::new(ExchangeLevel::Tpdu, 271);
        d.descriptor_type = CCID_DESCRIPTOR_TYPE_VENDOR;
        let config = encode_configuration(CLASS_VENDOR, &d.to_bytes(), true);
        assert_eq!(find_ccid_interface(&config).unwrap().descriptor, d);
        // The same bytes after an endpoint are not taken for a CCID descriptor.
        let mut moved = config.clone();
        let ccid: Vec<u8> = moved.drain(18..18 + CCID_DESCRIPTOR_LEN).collect();
        moved.splice(25..25, ccid);
        assert_eq!(find_ccid_interface(&moved), Err(UsbConfigError::NoCcidInterface));
        // Type 0x21 may come after an endpoint (some readers put it last).
        let mut late = moved.clone();
        late[26] = CCID_DESCRIPTOR_TYPE;
        assert_eq!(find_ccid_interface(&late).unwrap().descriptor.level, ExchangeLevel::Tpdu);
    }

    #[test]
    fn survives_every_truncation_and_garbage() {
        let ccid = CcidDescriptor::encode(ExchangeLevel::ShortApdu, 271);
        let good = encode_configuration(CLASS_SMART_CARD, &ccid, true);
        for cut in 0..good.len() {
            let _ = find_ccid_interface(&good[..cut]);
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xA5;
            let _ = find_ccid_interface(&bad);
        }
    }
}
