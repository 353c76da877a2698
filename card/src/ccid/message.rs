//! CCID bulk messages (USB CCID Rev 1.1 §6): a 10-byte header — bMessageType, dwLength
//! (little-endian), bSlot, bSeq, three message-specific bytes — then dwLength data bytes.
//! Hand-written: no maintained crate frames CCID for a host that is not an OS driver.

pub const HEADER_LEN: usize = 10;
/// The largest dwLength accepted from a reader (CCID caps messages at 65544 bytes).
pub const MAX_DATA_LEN: usize = 65_534;

pub const PC_TO_RDR_ICC_POWER_ON: u8 = 0x62;
pub const PC_TO_RDR_ICC_POWER_OFF: u8 = 0x63;
pub const PC_TO_RDR_GET_SLOT_STATUS: u8 = 0x65;
pub const PC_TO_RDR_XFR_BLOCK: u8 = 0x6F;
pub const PC_TO_RDR_SET_PARAMETERS: u8 = 0x61;
pub const RDR_TO_PC_PARAMETERS: u8 = 0x82;
pub const RDR_TO_PC_DATA_BLOCK: u8 = 0x80;
pub const RDR_TO_PC_SLOT_STATUS: u8 = 0x81;
pub const RDR_TO_PC_NOTIFY_SLOT_CHANGE: u8 = 0x50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("CCID message shorter than its 10-byte header")]
    Short,
    #[error("CCID dwLength {0} does not match the bytes received")]
    LengthMismatch(u32),
    #[error("CCID dwLength {0} over the limit")]
    TooLong(u32),
}

/// One bulk message, either direction.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: u8,
    pub slot: u8,
    pub seq: u8,
    /// The three message-specific header bytes (bStatus, bError, … on replies).
    pub specific: [u8; 3],
    pub data: Vec<u8>,
}

// Debug shows no data: an XfrBlock may carry a VERIFY with the PIN.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Message({:02X}, slot {}, seq {}, {:02X?}, {} data bytes)",
            self.kind,
            self.slot,
            self.seq,
            self.specific,
            self.data.len()
        )
    }
}

impl Message {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.data.len());
        out.push(self.kind);
        // Data is bounded by MAX_DATA_LEN everywhere it is built.
        out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        out.push(self.slot);
        out.push(self.seq);
        out.extend_from_slice(&self.specific);
        out.extend_from_slice(&self.data);
        out
    }

    /// Parses one complete message; the byte count must equal 10 + dwLength.
    pub fn parse(bytes: &[u8]) -> Result<Self, FrameError> {
        let header = Self::parse_header(bytes)?;
        let expected = HEADER_LEN + header.1;
        if bytes.len() != expected {
            return Err(FrameError::LengthMismatch(header.1 as u32));
        }
        let mut message = header.0;
        message.data = bytes[HEADER_LEN..].to_vec();
        Ok(message)
    }

    /// The header alone and the data length it announces (for reading in parts).
    pub fn parse_header(bytes: &[u8]) -> Result<(Self, usize), FrameError> {
        let [kind, l0, l1, l2, l3, slot, seq, s0, s1, s2, ..] = *bytes else {
            return Err(FrameError::Short);
        };
        let len = u32::from_le_bytes([l0, l1, l2, l3]);
        if len as usize > MAX_DATA_LEN {
            return Err(FrameError::TooLong(len));
        }
        let message = Message { kind, slot, seq, specific: [s0, s1, s2], data: Vec::new() };
        Ok((message, len as usize))
    }
}

/// One slot's state in a NotifySlotChange (interrupt-IN) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotChange {
    pub present: bool,
    pub changed: bool,
}

/// Parses `RDR_to_PC_NotifySlotChange`: `50`, then 2 bits per slot (bit 0 present, bit 1
/// changed), slot 0 in the low bits. At most 64 slots are read.
pub fn parse_notify_slot_change(bytes: &[u8]) -> Result<Vec<SlotChange>, FrameError> {
    let [RDR_TO_PC_NOTIFY_SLOT_CHANGE, states @ ..] = bytes else {
        return Err(FrameError::Short);
    };
    if states.is_empty() {
        return Err(FrameError::Short);
    }
    Ok(states
        .iter()
        .take(16)
        .flat_map(|b| (0..4).map(move |i| (b >> (2 * i)) & 0b11))
        .map(|bits| SlotChange { present: bits & 1 != 0, changed: bits & 2 != 0 })
        .collect())
}

/// bStatus of a reply: ICC presence (bits 0–1) and command status (bits 6–7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotStatus {
    pub icc: IccStatus,
    pub command: CommandStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IccStatus {
    Active,
    Inactive,
    Absent,
    Reserved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandStatus {
    Ok,
    /// bError says why.
    Failed,
    /// The card needs more time: keep reading, same bSeq.
    TimeExtension,
    Reserved,
}

impl SlotStatus {
    pub fn from_byte(status: u8) -> Self {
        let icc = match status & 0x03 {
            0 => IccStatus::Active,
            1 => IccStatus::Inactive,
            2 => IccStatus::Absent,
            _ => IccStatus::Reserved,
        };
        let command = match status >> 6 {
            0 => CommandStatus::Ok,
            1 => CommandStatus::Failed,
            2 => CommandStatus::TimeExtension,
            _ => CommandStatus::Reserved,
        };
        SlotStatus { icc, command }
    }

    pub fn to_byte(self) -> u8 {
        let icc = match self.icc {
            IccStatus::Active => 0,
            IccStatus::Inactive => 1,
            IccStatus::Absent => 2,
            IccStatus::Reserved => 3,
        };
        let command = match self.command {
            CommandStatus::Ok => 0,
            CommandStatus::Failed => 1,
            CommandStatus::TimeExtension => 2,
            CommandStatus::Reserved => 3,
        };
        icc | (command << 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_little_endian_and_round_trips() {
        let m = Message { kind: PC_TO_RDR_XFR_BLOCK, slot: 0, seq: 7, specific: [0, 0, 0], data: vec![1; 300] };
        let bytes = m.encode();
        assert_eq!(&bytes[..10], &[0x6F, 0x2C, 0x01, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(Message::parse(&bytes).unwrap(), m);
    }

    #[test]
    fn rejects_short_mismatched_and_oversized_frames() {
        assert_eq!(Message::parse(&[0x80, 0, 0]), Err(FrameError::Short));
        assert_eq!(Message::parse(&[0x80, 5, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Err(FrameError::LengthMismatch(5)));
        assert_eq!(Message::parse(&[0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0]), Err(FrameError::TooLong(u32::MAX)));
    }

    #[test]
    fn slot_changes_are_two_bits_per_slot() {
        let slots = parse_notify_slot_change(&[0x50, 0b0000_0011]).unwrap();
        assert_eq!(slots[0], SlotChange { present: true, changed: true });
        assert_eq!(slots[1], SlotChange { present: false, changed: false });
        let removed = parse_notify_slot_change(&[0x50, 0b0000_0010]).unwrap();
        assert_eq!(removed[0], SlotChange { present: false, changed: true });
        assert_eq!(parse_notify_slot_change(&[0x50]), Err(FrameError::Short));
        assert_eq!(parse_notify_slot_change(&[0x51, 3]), Err(FrameError::Short));
        assert_eq!(parse_notify_slot_change(&[0x50; 100]).unwrap().len(), 64);
    }

    #[test]
    fn status_byte_round_trips() {
        for b in 0..=255u8 {
            let s = SlotStatus::from_byte(b);
            assert_eq!(s.to_byte(), b & 0xC3);
        }
        assert_eq!(SlotStatus::from_byte(0x80).command, CommandStatus::TimeExtension);
        assert_eq!(SlotStatus::from_byte(0x42).icc, IccStatus::Absent);
    }
}
