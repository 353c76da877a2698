//! 全国地方公共団体コード: five digits and a check digit.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityCodeError {
    #[error("a municipality code is 6 ASCII digits")]
    Format,
    #[error("municipality code check digit is wrong")]
    CheckDigit,
}

impl MunicipalityCode {
    /// The check digit for five leading digits: (11 − Σ dᵢ·wᵢ mod 11) mod 10, weights 6..2.
    pub fn check_digit(first5: [u8; 5]) -> u8 {
        let sum: u32 = first5.iter().zip([6u32, 5, 4, 3, 2]).map(|(d, w)| u32::from(*d) * w).sum();
        ((11 - sum % 11) % 10) as u8
    }

    pub fn parse(text: &str) -> Result<Self, MunicipalityCodeError> {
        let bytes = text.as_bytes();
        if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(MunicipalityCodeError::Format);
        }
        let mut digits = [0u8; 6];
        for (d, b) in digits.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        let first5 = [digits[0], digits[1], digits[2], digits[3], digits[4]];
        if Self::check_digit(first5) != digits[5] {
            return Err(MunicipalityCodeError::CheckDigit);
        }
        Ok(MunicipalityCode(digits))
    }

    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl std::fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl std::str::FromStr for MunicipalityCode {
    type Err = MunicipalityCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for MunicipalityCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for MunicipalityCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_vectors() {
        for code in ["122319", "131016", "011002", "420000", "440001"] {
            assert_eq!(MunicipalityCode::parse(code).unwrap().to_string(), code);
        }
    }

    #[test]
    fn rejects_wrong_check_digit_and_format() {
        assert_eq!(MunicipalityCode::parse("122318"), Err(MunicipalityCodeError::CheckDigit));
        for bad in ["12231", "1223190", "12231x", "１２２３１９", ""] {
            assert_eq!(MunicipalityCode::parse(bad), Err(MunicipalityCodeError::Format));
        }
    }

    #[test]
    fn every_five_digits_have_exactly_one_valid_check_digit() {
        for n in (0..100_000u32).step_by(997) {
            let s = format!("{n:05}");
            let valid = (0..10).filter(|c| MunicipalityCode::parse(&format!("{s}{c}")).is_ok());
            assert_eq!(valid.count(), 1, "{s}");
        }
    }
}
