//! The kiosk's operator PIN, as the kiosk configuration keeps it (never the PIN itself):
//! `pbkdf2-sha256$<iterations>$<salt, base64url>$<derived key, base64url>`.
//! `cargo xtask ops operator-pin` makes one; the operator screen checks a typed PIN against it.

use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Bytes;

const SCHEME: &str = "pbkdf2-sha256";
/// Bounds on what a configuration may ask for: enough work to slow guessing from a stolen
/// config, little enough for a kiosk's browser to check in well under a second.
pub const MIN_ITERATIONS: u32 = 10_000;
pub const MAX_ITERATIONS: u32 = 1_000_000;
pub const DEFAULT_ITERATIONS: u32 = 100_000;
const SALT_BYTES: std::ops::RangeInclusive<usize> = 16..=64;
const KEY_BYTES: usize = 32;
/// Operator PINs are longer than residents' card PINs: 6 to 12 digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
const MAX_TEXT: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OperatorPinError {
    #[error("not a `pbkdf2-sha256$iterations$salt$key` operator PIN hash")]
    Malformed,
    #[error("iterations outside {MIN_ITERATIONS}..={MAX_ITERATIONS}")]
    Iterations,
    #[error("an operator PIN is 6 to 12 digits")]
    PinFormat,
}

#[derive(Clone, PartialEq, Eq)]
pub struct OperatorPinHash {
    iterations: u32,
    salt: Vec<u8>,
    key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for OperatorPinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorPinHash(…)")
    }
}

pub fn is_operator_pin(pin: &str) -> bool {
    PIN_DIGITS.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn derive(pin: &str, salt: &[u8], iterations: u32) -> Zeroizing<[u8; KEY_BYTES]> {
    let mut key = Zeroizing::new([0u8; KEY_BYTES]);
    pbkdf2::pbkdf2_hmac::<Sha256>(pin.as_bytes(), salt, iterations, key.as_mut());
    key
}

impl OperatorPinHash {
    /// Hashes a new PIN with a fresh salt of 16 bytes from `salt`.
    pub fn new(pin: &str, salt: [u8; 16], iterations: u32) -> Result<Self, OperatorPinError> {
        if !is_operator_pin(pin) {
            return Err(OperatorPinError::PinFormat);
        }
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(OperatorPinError::Iterations);
        }
        Ok(OperatorPinHash { iterations, salt: salt.to_vec(), key: *derive(pin, &salt, iterations) })
    }

    pub fn parse(text: &str) -> Result<Self, OperatorPinError> {
        if text.len() > MAX_TEXT {
            return Err(OperatorPinError::Malformed);
        }
        let mut parts = text.split('$');
        let (Some(SCHEME), Some(iterations), Some(salt), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(OperatorPinError::Malformed);
        };
        let iterations: u32 = iterations.parse().map_err(|_| OperatorPinError::Malformed)?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(OperatorPinError::Iterations);
        }
        let salt = Bytes::decode(salt).map_err(|_| OperatorPinError::Malformed)?;
        let key = Bytes::decode(key).map_err(|_| OperatorPinError::Malformed)?;
        if !SALT_BYTES.contains(&salt.len()) {
            return Err(OperatorPinError::Malformed);
        }
        let key: [u8; KEY_BYTES] = key.try_into().map_err(|_| OperatorPinError::Malformed)?;
        Ok(OperatorPinHash { iterations, salt, key })
    }

    /// Whether `pin` is the operator PIN (compared in constant time).
    pub fn matches(&self, pin: &str) -> bool {
        is_operator_pin(pin) && bool::from(derive(pin, &self.salt, self.iterations).ct_eq(&self.key))
    }
}

impl std::fmt::Display for OperatorPinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SCHEME}${}${}${}", self.iterations, Bytes::encode(&self.salt), Bytes::encode(&self.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_pin_only_and_reads_back() {
        let hash = OperatorPinHash::new("246810", [7; 16], MIN_ITERATIONS).unwrap();
        assert!(hash.matches("246810"));
        assert!(!hash.matches("246811") && !hash.matches("24681") && !hash.matches("24681a"));
        let text = hash.to_string();
        assert!(text.starts_with("pbkdf2-sha256$10000$"), "{text}");
        assert_eq!(OperatorPinHash::parse(&text).unwrap(), hash);
        assert!(!text.contains("246810") && !format!("{hash:?}").contains("246810"));
    }

    #[test]
    fn rfc_6070_style_vector_over_sha256() {
        // The published PBKDF2-HMAC-SHA256 vector (P = "password", S = "salt", c = 1): pins
        // the primitive the config format names.
        let key = derive("password", b"salt", 1);
        assert_eq!(hex::encode(&key[..8]), "120fb6cffcf8b32c");
    }

    #[test]
    fn bad_configurations_and_pins_are_refused() {
        assert_eq!(OperatorPinHash::new("1234", [0; 16], MIN_ITERATIONS), Err(OperatorPinError::PinFormat));
        assert_eq!(OperatorPinHash::new("123456", [0; 16], 10), Err(OperatorPinError::Iterations));
        let good = OperatorPinHash::new("123456", [1; 16], MIN_ITERATIONS).unwrap().to_string();
        for bad in [
            "",
            "pbkdf2-sha1$10000$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            &good.replace("$10000$", "$9$"),
            &good.replace("$10000$", "$x$"),
            &format!("{good}$extra"),
            &good[..good.len() - 2],
            &"a".repeat(1000),
        ] {
            assert!(OperatorPinHash::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(OperatorPinHash::parse(&good.replace("$10000$", "$99999999$")), Err(OperatorPinError::Iterations));
    }
}
