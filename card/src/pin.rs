//! The user-authentication PIN: 4 ASCII digits, zeroized on drop, never printed.

use zeroize::{Zeroize, ZeroizeOnDrop};

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Pin([u8; 4]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a PIN is exactly 4 digits")]
pub struct PinFormatError;

impl Pin {
    pub fn parse(text: &str) -> Result<Self, PinFormatError> {
        let bytes = text.as_bytes();
        if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PinFormatError);
        }
        Ok(Pin([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    pub fn as_bytes(&self) -> &[u8; 4] {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_four_digits_only_and_never_prints() {
        let pin = Pin::parse("0123").unwrap();
        assert_eq!(pin.as_bytes(), b"0123");
        assert_eq!(format!("{pin:?}"), "Pin(****)");
        for bad in ["123", "12345", "12a4", "１２３４", ""] {
            assert!(Pin::parse(bad).is_err());
        }
    }
}
