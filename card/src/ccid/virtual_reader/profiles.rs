//! Virtual readers shaped like the families real readers fall into (descriptor values from
//! libccid's `readers/*.txt` dumps), so the driver is proven against their limits rather
//! than against kofu's ideal reader alone.

use super::VirtualCcidReader;
use crate::ccid::descriptor::{CCID_DESCRIPTOR_TYPE_VENDOR, CcidDescriptor, ExchangeLevel, LcdLayout};
use crate::ccid::usb_config::{CLASS_SMART_CARD, CLASS_VENDOR};
use crate::virtual_card::VirtualCard;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderProfile {
    /// Extended APDU with the largest messages CCID allows: kofu's ideal reader.
    Extended,
    /// Extended APDU in 271-byte messages, answers chained (OMNIKEY 3x21, Feitian R502,
    /// Circle CIR315).
    Extended271,
    /// Extended APDU in 522-byte messages, T=1 only (Sony RC-S300 and RC-S660, ACS ACR1252).
    Extended522,
    /// Short APDU in 271-byte messages; the card answers long reads after `61xx`
    /// (OMNIKEY CardMan 3121, ACS ACR3901U).
    Short,
    /// TPDU, T=1, 271 bytes, parameters set by the host; the card takes 64-byte blocks and
    /// asks for more time (NTT Com SCR3310, ACS ACR39U).
    TpduT1,
    /// TPDU with a T=0 card.
    TpduT0,
    /// TPDU, T=1 in 263-byte messages, so blocks must stay under 249 bytes, and no
    /// interrupt endpoint (SCM firmware: SCR331-DI NTT Com, HP USB Smart Card Keyboard).
    Tpdu263,
    /// A PIN pad: TPDU, T=1, 271 bytes, parameters set by the host, PIN verification and a
    /// 2 × 16 display (Gemplus GemPC Pinpad v2).
    PinPad,
    /// The 54-byte descriptor published with type 0xFF under a vendor-class interface,
    /// TPDU (Gem e-Seal Pro, Dell SK-3106).
    DescriptorFf,
}

impl ReaderProfile {
    pub const ALL: [ReaderProfile; 9] = [
        ReaderProfile::Extended,
        ReaderProfile::Extended271,
        ReaderProfile::Extended522,
        ReaderProfile::Short,
        ReaderProfile::TpduT1,
        ReaderProfile::TpduT0,
        ReaderProfile::Tpdu263,
        ReaderProfile::PinPad,
        ReaderProfile::DescriptorFf,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReaderProfile::Extended => "extended",
            ReaderProfile::Extended271 => "extended-271",
            ReaderProfile::Extended522 => "extended-522",
            ReaderProfile::Short => "short",
            ReaderProfile::TpduT1 => "tpdu-t1",
            ReaderProfile::TpduT0 => "tpdu-t0",
            ReaderProfile::Tpdu263 => "tpdu-263",
            ReaderProfile::PinPad => "pinpad",
            ReaderProfile::DescriptorFf => "descriptor-ff",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn build(self, card: VirtualCard) -> VirtualCcidReader {
        let tpdu = |max| CcidDescriptor::new(ExchangeLevel::Tpdu, max);
        match self {
            ReaderProfile::Extended => VirtualCcidReader::new(card, ExchangeLevel::ExtendedApdu),
            ReaderProfile::Extended271 => {
                let d = CcidDescriptor { protocols: 3, ..CcidDescriptor::new(ExchangeLevel::ExtendedApdu, 271) };
                VirtualCcidReader::with_descriptor(card, d, CLASS_SMART_CARD)
            }
            ReaderProfile::Extended522 => {
                let d = CcidDescriptor::new(ExchangeLevel::ExtendedApdu, 522);
                VirtualCcidReader::with_descriptor(card, d, CLASS_SMART_CARD)
            }
            ReaderProfile::Short => {
                let d = CcidDescriptor { protocols: 3, ..CcidDescriptor::new(ExchangeLevel::ShortApdu, 271) };
                let mut r = VirtualCcidReader::with_descriptor(card, d, CLASS_SMART_CARD);
                r.short_chunk = 100;
                r
            }
            ReaderProfile::TpduT1 => {
                let d = CcidDescriptor { protocols: 3, max_ifsd: 252, ..tpdu(271) };
                let mut r = VirtualCcidReader::with_descriptor(card, d, CLASS_VENDOR)
                    .without_automatic_parameters()
                    .with_ifsc(64);
                r.t1_mut().wtx_per_answer = 1;
                r.time_extensions = 1;
                r.transfer_size = 64;
                r
            }
            ReaderProfile::TpduT0 => {
                let d = CcidDescriptor { protocols: 3, ..tpdu(271) };
                VirtualCcidReader::with_descriptor(card, d, CLASS_VENDOR).t0_card()
            }
            ReaderProfile::Tpdu263 => {
                let d = CcidDescriptor { protocols: 3, max_ifsd: 252, ..tpdu(263) };
                VirtualCcidReader::with_descriptor(card, d, CLASS_VENDOR).without_interrupt_endpoint()
            }
            ReaderProfile::PinPad => {
                let d = CcidDescriptor { protocols: 3, ..tpdu(271) };
                VirtualCcidReader::with_descriptor(card, d, CLASS_SMART_CARD)
                    .without_automatic_parameters()
                    .with_pin_pad(Some(LcdLayout { lines: 2, characters: 16 }))
            }
            ReaderProfile::DescriptorFf => {
                let d = CcidDescriptor { protocols: 3, descriptor_type: CCID_DESCRIPTOR_TYPE_VENDOR, ..tpdu(271) };
                VirtualCcidReader::with_descriptor(card, d, CLASS_VENDOR).without_automatic_parameters()
            }
        }
    }
}
