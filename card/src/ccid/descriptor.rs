//! The CCID class descriptor (USB CCID Rev 1.1 §5.1): 54 bytes, type 0x21, found after the
//! interface descriptor — under interface class 0x0B, or 0xFF on vendor-class readers
//! such as the NTT Com SCR3310.

pub const CCID_DESCRIPTOR_LEN: usize = 0x36;
pub const CCID_DESCRIPTOR_TYPE: u8 = 0x21;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcidDescriptor {
    pub max_slot_index: u8,
    pub protocols: u32,
    pub max_ifsd: u32,
    pub features: u32,
    pub max_message_length: u32,
    pub level: ExchangeLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    #[error("no 54-byte CCID class descriptor found")]
    NotFound,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl CcidDescriptor {
    /// Parses exactly one 54-byte descriptor.
    pub fn parse(bytes: &[u8]) -> Result<Self, DescriptorError> {
        if bytes.len() != CCID_DESCRIPTOR_LEN
            || usize::from(bytes[0]) != CCID_DESCRIPTOR_LEN
            || bytes[1] != CCID_DESCRIPTOR_TYPE
        {
            return Err(DescriptorError::NotFound);
        }
        let features = u32_at(bytes, 40);
        let level = match features & 0x0007_0000 {
            f if f & 0x0004_0000 != 0 => ExchangeLevel::ExtendedApdu,
            f if f & 0x0002_0000 != 0 => ExchangeLevel::ShortApdu,
            f if f & 0x0001_0000 != 0 => ExchangeLevel::Tpdu,
            _ => ExchangeLevel::Character,
        };
        Ok(CcidDescriptor {
            max_slot_index: bytes[4],
            protocols: u32_at(bytes, 6),
            max_ifsd: u32_at(bytes, 28),
            features,
            max_message_length: u32_at(bytes, 44),
            level,
        })
    }

    /// Finds the CCID descriptor among the descriptors that follow an interface
    /// (`bLength, bDescriptorType, …` chained), skipping anything else.
    pub fn find_in(extra: &[u8]) -> Result<Self, DescriptorError> {
        let mut rest = extra;
        while let [len, kind, ..] = *rest {
            let len = usize::from(len);
            if len < 2 || len > rest.len() {
                break;
            }
            if kind == CCID_DESCRIPTOR_TYPE && len == CCID_DESCRIPTOR_LEN {
                return Self::parse(&rest[..len]);
            }
            rest = &rest[len..];
        }
        Err(DescriptorError::NotFound)
    }

    /// A descriptor with the given level, for virtual readers and tests; the reader
    /// configures parameters from the ATR by itself.
    pub fn encode(level: ExchangeLevel, max_message_length: u32) -> [u8; CCID_DESCRIPTOR_LEN] {
        Self::encode_with(level, max_message_length, true)
    }

    pub fn encode_with(
        level: ExchangeLevel,
        max_message_length: u32,
        auto_parameters: bool,
    ) -> [u8; CCID_DESCRIPTOR_LEN] {
        let mut b = [0u8; CCID_DESCRIPTOR_LEN];
        b[0] = CCID_DESCRIPTOR_LEN as u8;
        b[1] = CCID_DESCRIPTOR_TYPE;
        b[2] = 0x10;
        b[3] = 0x01;
        b[6..10].copy_from_slice(&0x0000_0002u32.to_le_bytes()); // T=1
        b[28..32].copy_from_slice(&254u32.to_le_bytes());
        let level_bits = match level {
            ExchangeLevel::ExtendedApdu => 0x0004_0000,
            ExchangeLevel::ShortApdu => 0x0002_0000,
            ExchangeLevel::Tpdu => 0x0001_0000,
            ExchangeLevel::Character => 0,
        };
        let auto = if auto_parameters { 0x02 } else { 0 };
        b[40..44].copy_from_slice(&(0x0000_00B8u32 | auto | level_bits).to_le_bytes());
        b[44..48].copy_from_slice(&max_message_length.to_le_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like the SCR3310's descriptor as FACTS.md gives it (TPDU level, T=0/T=1,
    /// 271-byte messages); the other fields are plausible fillers, not a captured dump.
    const SCR3310: [u8; 54] = [
        0x36, 0x21, 0x00, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xA0, 0x0F, 0x00, 0x00, 0xA0, 0x0F, 0x00, 0x00,
        0x00, 0x00, 0x2A, 0x00, 0x00, 0x84, 0x03, 0x06, 0x00, 0x00, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xBA, 0x00, 0x01, 0x00, 0x0F, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];

    #[test]
    fn reads_a_tpdu_reader_descriptor() {
        let d = CcidDescriptor::parse(&SCR3310).unwrap();
        assert_eq!(d.level, ExchangeLevel::Tpdu);
        assert_eq!(d.max_message_length, 271);
        assert_eq!(d.protocols, 3);
        assert_eq!(d.max_ifsd, 254);
    }

    #[test]
    fn finds_the_descriptor_among_others_and_survives_garbage() {
        let mut extra = vec![0x05, 0x25, 0x01, 0x02, 0x03];
        extra.extend_from_slice(&CcidDescriptor::encode(ExchangeLevel::ExtendedApdu, 65_544));
        assert_eq!(CcidDescriptor::find_in(&extra).unwrap().level, ExchangeLevel::ExtendedApdu);
        assert_eq!(CcidDescriptor::find_in(&[0x00, 0x21]), Err(DescriptorError::NotFound));
        assert_eq!(CcidDescriptor::find_in(&[0x36, 0x21, 0x00]), Err(DescriptorError::NotFound));
        for len in 0..80 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 53 + 7) as u8).collect();
            let _ = CcidDescriptor::find_in(&junk);
        }
    }
}
