//! The CCID class descriptor (USB CCID Rev 1.1 §5.1): 54 bytes found after the interface
//! descriptor — under interface class 0x0B, or 0xFF on vendor-class readers such as the
//! NTT Com SCR3310. Its type is 0x21; a few older readers (Dell SK-3106, Gem e-Seal Pro)
//! publish it as 0xFF, which libccid accepts when it comes right after the interface.

pub const CCID_DESCRIPTOR_LEN: usize = 0x36;
pub const CCID_DESCRIPTOR_TYPE: u8 = 0x21;
/// The type some older readers give the same 54 bytes.
pub const CCID_DESCRIPTOR_TYPE_VENDOR: u8 = 0xFF;

/// How much of ISO 7816 the reader does itself (dwFeatures bits 16–18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeLevel {
    /// The reader takes whole short and extended APDUs.
    ExtendedApdu,
    /// Short APDUs only: ≤ 255 data bytes, ≤ 256 expected.
    ShortApdu,
    /// The host must run T=0/T=1 itself.
    Tpdu,
    Character,
}

/// bPINSupport: what the reader's own keypad can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinSupport {
    /// Bit 0: PIN verification (`PC_to_RDR_Secure`, bPINOperation 0).
    pub verify: bool,
    /// Bit 1: PIN modification.
    pub modify: bool,
}

/// wLcdLayout: the reader's display, lines × characters per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcdLayout {
    pub lines: u8,
    pub characters: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcidDescriptor {
    /// 0x21, or 0xFF on the older readers that publish it so.
    pub descriptor_type: u8,
    pub max_slot_index: u8,
    pub protocols: u32,
    pub max_ifsd: u32,
    pub features: u32,
    /// dwMaxCCIDMessageLength: the longest bulk message, header included, either way.
    pub max_message_length: u32,
    pub level: ExchangeLevel,
    pub pin_support: PinSupport,
    /// `None`: no display (wLcdLayout 0).
    pub lcd_layout: Option<LcdLayout>,
    /// bMaxCCIDBusySlots: slots that may run a command at once.
    pub max_busy_slots: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    #[error("no 54-byte CCID class descriptor found")]
    NotFound,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

const LEVEL_MASK: u32 = 0x0007_0000;
/// dwFeatures bit 1: the reader sets protocol parameters from the ATR by itself.
pub const AUTOMATIC_PARAMETERS: u32 = 0x0000_0002;

fn level_bits(level: ExchangeLevel) -> u32 {
    match level {
        ExchangeLevel::ExtendedApdu => 0x0004_0000,
        ExchangeLevel::ShortApdu => 0x0002_0000,
        ExchangeLevel::Tpdu => 0x0001_0000,
        ExchangeLevel::Character => 0,
    }
}

impl CcidDescriptor {
    /// Parses exactly one 54-byte descriptor of type 0x21 or 0xFF.
    pub fn parse(bytes: &[u8]) -> Result<Self, DescriptorError> {
        if bytes.len() != CCID_DESCRIPTOR_LEN
            || usize::from(bytes[0]) != CCID_DESCRIPTOR_LEN
            || !matches!(bytes[1], CCID_DESCRIPTOR_TYPE | CCID_DESCRIPTOR_TYPE_VENDOR)
        {
            return Err(DescriptorError::NotFound);
        }
        let features = u32_at(bytes, 40);
        let level = match features & LEVEL_MASK {
            f if f & 0x0004_0000 != 0 => ExchangeLevel::ExtendedApdu,
            f if f & 0x0002_0000 != 0 => ExchangeLevel::ShortApdu,
            f if f & 0x0001_0000 != 0 => ExchangeLevel::Tpdu,
            _ => ExchangeLevel::Character,
        };
        let [characters, lines] = [bytes[50], bytes[51]];
        Ok(CcidDescriptor {
            descriptor_type: bytes[1],
            max_slot_index: bytes[4],
            protocols: u32_at(bytes, 6),
            max_ifsd: u32_at(bytes, 28),
            features,
            max_message_length: u32_at(bytes, 44),
            level,
            pin_support: PinSupport { verify: bytes[52] & 0x01 != 0, modify: bytes[52] & 0x02 != 0 },
            lcd_layout: (lines != 0 && characters != 0).then_some(LcdLayout { lines, characters }),
            max_busy_slots: bytes[53],
        })
    }

    /// Finds the CCID descriptor among the descriptors that follow an interface
    /// (`bLength, bDescriptorType, …` chained), skipping anything else. Type 0xFF counts
    /// only as the first descriptor, where libccid looks for it.
    pub fn find_in(extra: &[u8]) -> Result<Self, DescriptorError> {
        let mut rest = extra;
        let mut first = true;
        while let [len, kind, ..] = *rest {
            let len = usize::from(len);
            if len < 2 || len > rest.len() {
                break;
            }
            let ccid = kind == CCID_DESCRIPTOR_TYPE || (first && kind == CCID_DESCRIPTOR_TYPE_VENDOR);
            if ccid && len == CCID_DESCRIPTOR_LEN {
                return Self::parse(&rest[..len]);
            }
            rest = &rest[len..];
            first = false;
        }
        Err(DescriptorError::NotFound)
    }

    /// A reader at `level` with T=1, 254-byte IFSD, automatic parameters and no PIN pad,
    /// for virtual readers and tests.
    pub fn new(level: ExchangeLevel, max_message_length: u32) -> Self {
        CcidDescriptor {
            descriptor_type: CCID_DESCRIPTOR_TYPE,
            max_slot_index: 0,
            protocols: 0x0000_0002,
            max_ifsd: 254,
            features: 0x0000_00B8 | AUTOMATIC_PARAMETERS | level_bits(level),
            max_message_length,
            level,
            pin_support: PinSupport::default(),
            lcd_layout: None,
            max_busy_slots: 1,
        }
    }

    pub fn automatic_parameters(&self) -> bool {
        self.features & AUTOMATIC_PARAMETERS != 0
    }

    /// The 54 bytes; the fields kofu does not read get plausible values (4 MHz clock,
    /// 10752 bps), and dwFeatures' level bits follow `level`.
    pub fn to_bytes(&self) -> [u8; CCID_DESCRIPTOR_LEN] {
        let mut b = [0u8; CCID_DESCRIPTOR_LEN];
        b[0] = CCID_DESCRIPTOR_LEN as u8;
        b[1] = self.descriptor_type;
        b[2..4].copy_from_slice(&0x0110u16.to_le_bytes());
        b[4] = self.max_slot_index;
        b[5] = 0x07;
        b[6..10].copy_from_slice(&self.protocols.to_le_bytes());
        b[10..14].copy_from_slice(&4000u32.to_le_bytes());
        b[14..18].copy_from_slice(&4000u32.to_le_bytes());
        b[19..23].copy_from_slice(&10_752u32.to_le_bytes());
        b[23..27].copy_from_slice(&344_105u32.to_le_bytes());
        b[28..32].copy_from_slice(&self.max_ifsd.to_le_bytes());
        let features = (self.features & !LEVEL_MASK) | level_bits(self.level);
        b[40..44].copy_from_slice(&features.to_le_bytes());
        b[44..48].copy_from_slice(&self.max_message_length.to_le_bytes());
        if let Some(lcd) = self.lcd_layout {
            b[50..52].copy_from_slice(&[lcd.characters, lcd.lines]);
        }
        b[52] = u8::from(self.pin_support.verify) | (u8::from(self.pin_support.modify) << 1);
        b[53] = self.max_busy_slots;
        b
    }

    /// The bytes of [`Self::new`].
    pub fn encode(level: ExchangeLevel, max_message_length: u32) -> [u8; CCID_DESCRIPTOR_LEN] {
        Self::new(level, max_message_length).to_bytes()
    }

    /// The bytes of [`Self::new`], with or without automatic parameters.
    pub fn encode_with(
        level: ExchangeLevel,
        max_message_length: u32,
        auto_parameters: bool,
    ) -> [u8; CCID_DESCRIPTOR_LEN] {
        let mut d = Self::new(level, max_message_length);
        if !auto_parameters {
            d.features &= !AUTOMATIC_PARAMETERS;
        }
        d.to_bytes()
    }
}

#[cfg(test)]
mod tests;
