//! RC-S380 commands and what their replies mean (nfcpy `src/nfc/clf/rcs380.py`). A command
//! is `D6 code …`, its reply `D7 code+1 …`.

use crate::nfc::RfFault;

pub const COMMAND: u8 = 0xD6;
pub const REPLY: u8 = 0xD7;
pub const IN_SET_RF: u8 = 0x00;
pub const IN_SET_PROTOCOL: u8 = 0x02;
pub const IN_COMM_RF: u8 = 0x04;
pub const SWITCH_RF: u8 = 0x06;
pub const GET_FIRMWARE_VERSION: u8 = 0x20;
pub const GET_PD_DATA_VERSION: u8 = 0x22;
pub const SET_COMMAND_TYPE: u8 = 0x2A;

/// InSetRF for NFC-B at 106 kbps both ways: send type 03 07, receive type 0F 07.
pub const RF_106B: [u8; 4] = [0x03, 0x07, 0x0F, 0x07];

/// InSetProtocol setting numbers (nfcpy's keys, in order).
pub mod setting {
    pub const INITIAL_GUARD_TIME: u8 = 0x00;
    pub const ADD_CRC: u8 = 0x01;
    pub const CHECK_CRC: u8 = 0x02;
    pub const ADD_SOF: u8 = 0x09;
    pub const CHECK_SOF: u8 = 0x0A;
    pub const ADD_EOF: u8 = 0x0B;
    pub const CHECK_EOF: u8 = 0x0C;
}

/// nfcpy's `in_set_protocol_defaults`: every setting to its reader-mode default (CRC added
/// and checked, initial guard time 0x18, …), sent before the technology's own settings.
pub const PROTOCOL_DEFAULTS: [u8; 38] = [
    0x00, 0x18, 0x01, 0x01, 0x02, 0x01, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x08, 0x08, 0x00, 0x09,
    0x00, 0x0A, 0x00, 0x0B, 0x00, 0x0C, 0x00, 0x0E, 0x04, 0x0F, 0x00, 0x10, 0x00, 0x11, 0x00, 0x12, 0x00, 0x13, 0x06,
];

/// Type B: add and check SOF and EOF, initial guard time 20 (the order nfcpy sends).
pub const PROTOCOL_TYPE_B: [u8; 10] = [
    setting::ADD_EOF,
    1,
    setting::ADD_SOF,
    1,
    setting::CHECK_EOF,
    1,
    setting::CHECK_SOF,
    1,
    setting::INITIAL_GUARD_TIME,
    20,
];

/// The InCommRF timeout parameter for a wait of `us` microseconds: whole milliseconds
/// plus one, in units of 0.1 ms, at most 0xFFFF (nfcpy: `min((ms + 1) * 10, 0xFFFF)`).
pub fn timeout_param(us: u32) -> u16 {
    let ms = (us / 1000).max(1);
    (ms.saturating_add(1).saturating_mul(10)).min(0xFFFF) as u16
}

/// The longest wait [`timeout_param`] can express in full.
pub const MAX_TIMEOUT_US: u32 = 6_552_000;

/// The status byte of InSetRF, InSetProtocol, SwitchRF and SetCommandType replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChipStatus {
    #[error("parameter error")]
    Parameter,
    #[error("PB error")]
    Pb,
    #[error("RF collision avoidance error")]
    Rfca,
    #[error("temperature error")]
    Temperature,
    #[error("password error")]
    Password,
    #[error("receive error")]
    Receive,
    #[error("command type error")]
    CommandType,
    #[error("status {0:02X}")]
    Other(u8),
}

impl ChipStatus {
    /// `None` for 0, success.
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => return None,
            1 => ChipStatus::Parameter,
            2 => ChipStatus::Pb,
            3 => ChipStatus::Rfca,
            4 => ChipStatus::Temperature,
            5 => ChipStatus::Password,
            6 => ChipStatus::Receive,
            7 => ChipStatus::CommandType,
            other => ChipStatus::Other(other),
        })
    }
}

/// The 32-bit status of an InCommRF reply (little-endian), by its most telling bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommError {
    #[error("the card did not answer in time")]
    Timeout,
    #[error("CRC error")]
    Crc,
    #[error("parity error")]
    Parity,
    #[error("RF protocol error")]
    Protocol,
    #[error("collision")]
    Collision,
    #[error("receive overflow")]
    Overflow,
    #[error("receive length error")]
    ReceiveLength,
    #[error("temperature error")]
    Temperature,
    #[error("RF field is off")]
    RfOff,
    #[error("transmit timeout")]
    TransmitTimeout,
    #[error("status {0:08X}")]
    Other(u32),
}

pub mod comm_status {
    pub const PROTOCOL: u32 = 0x0000_0001;
    pub const PARITY: u32 = 0x0000_0002;
    pub const CRC: u32 = 0x0000_0004;
    pub const COLLISION: u32 = 0x0000_0008;
    pub const OVERFLOW: u32 = 0x0000_0010;
    pub const TEMPERATURE: u32 = 0x0000_0040;
    pub const RECEIVE_TIMEOUT: u32 = 0x0000_0080;
    pub const RF_OFF: u32 = 0x0000_0400;
    pub const TRANSMIT_TIMEOUT: u32 = 0x0000_0800;
    pub const RECEIVE_LENGTH: u32 = 0x8000_0000;
}

impl CommError {
    /// `None` for status 0. A frame that arrived at all outranks a timeout bit; the chip's
    /// own failures outrank what it says about the frame.
    pub fn from_status(status: u32) -> Option<Self> {
        use comm_status::*;
        let has = |bit: u32| status & bit != 0;
        Some(if status == 0 {
            return None;
        } else if has(TEMPERATURE) {
            CommError::Temperature
        } else if has(RF_OFF) {
            CommError::RfOff
        } else if has(TRANSMIT_TIMEOUT) {
            CommError::TransmitTimeout
        } else if has(COLLISION) {
            CommError::Collision
        } else if has(CRC) {
            CommError::Crc
        } else if has(PARITY) {
            CommError::Parity
        } else if has(PROTOCOL) {
            CommError::Protocol
        } else if has(OVERFLOW) {
            CommError::Overflow
        } else if has(RECEIVE_LENGTH) {
            CommError::ReceiveLength
        } else if has(RECEIVE_TIMEOUT) {
            CommError::Timeout
        } else {
            CommError::Other(status)
        })
    }

    /// What ISO-DEP can recover from (`None`: the reader itself is in trouble).
    pub fn fault(self) -> Option<RfFault> {
        match self {
            CommError::Timeout => Some(RfFault::Timeout),
            CommError::Crc => Some(RfFault::Crc),
            CommError::Parity => Some(RfFault::Parity),
            CommError::Protocol | CommError::Overflow | CommError::ReceiveLength => Some(RfFault::Framing),
            CommError::Collision => Some(RfFault::Collision),
            CommError::Temperature | CommError::RfOff | CommError::TransmitTimeout | CommError::Other(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_as_nfcpy_computes_them() {
        // tests/test_clf_rcs380.py test_send_cmd_recv_rsp_with_timeout: 1 s → 1a27,
        // 0.1 s → f203, 1 ms → 1400; the 30 ms of SENSB_REQ → 3601.
        assert_eq!(timeout_param(1_000_000).to_le_bytes(), [0x1A, 0x27]);
        assert_eq!(timeout_param(100_000).to_le_bytes(), [0xF2, 0x03]);
        assert_eq!(timeout_param(1_000).to_le_bytes(), [0x14, 0x00]);
        assert_eq!(timeout_param(30_000).to_le_bytes(), [0x36, 0x01]);
        // Never shorter than asked, never past the field.
        assert_eq!(timeout_param(1), 20);
        assert_eq!(timeout_param(MAX_TIMEOUT_US), 65_530);
        assert_eq!(timeout_param(u32::MAX), 0xFFFF);
        for us in [1, 999, 1_000, 77_330, 80_955, 4_949_300, MAX_TIMEOUT_US] {
            assert!(u32::from(timeout_param(us)) * 100 >= us, "{us}");
        }
    }

    #[test]
    fn reply_status_bits() {
        // nfcpy's CommunicationError table.
        assert_eq!(CommError::from_status(0), None);
        assert_eq!(CommError::from_status(0x80), Some(CommError::Timeout));
        assert_eq!(CommError::from_status(0x04), Some(CommError::Crc));
        assert_eq!(CommError::from_status(0x02), Some(CommError::Parity));
        assert_eq!(CommError::from_status(0x01), Some(CommError::Protocol));
        assert_eq!(CommError::from_status(0x08), Some(CommError::Collision));
        assert_eq!(CommError::from_status(0x40), Some(CommError::Temperature));
        assert_eq!(CommError::from_status(0x400), Some(CommError::RfOff));
        assert_eq!(CommError::from_status(0x8000_0000), Some(CommError::ReceiveLength));
        assert_eq!(CommError::from_status(0x84), Some(CommError::Crc));
        assert_eq!(CommError::from_status(0x0100), Some(CommError::Other(0x100)));
        assert_eq!(CommError::Timeout.fault(), Some(RfFault::Timeout));
        assert_eq!(CommError::Protocol.fault(), Some(RfFault::Framing));
        assert_eq!(CommError::RfOff.fault(), None);
        // nfcpy's StatusError table.
        assert_eq!(ChipStatus::from_byte(0), None);
        assert_eq!(ChipStatus::from_byte(1), Some(ChipStatus::Parameter));
        assert_eq!(ChipStatus::from_byte(7), Some(ChipStatus::CommandType));
        assert_eq!(ChipStatus::from_byte(0xFF), Some(ChipStatus::Other(0xFF)));
    }
}
