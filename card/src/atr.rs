//! Answer-to-reset parsing (ISO/IEC 7816-3 §8): the protocols offered and the T=1
//! parameters a TPDU-level reader's host needs. Hand-written: no maintained crate parses
//! ATRs for a host stack (pcsc leaves it to the OS driver).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atr {
    pub t0: bool,
    pub t1: bool,
    /// T=1: the card's information field size (IFSC), default 32.
    pub ifsc: u8,
    /// T=1: block and character waiting time integers.
    pub bwi: u8,
    pub cwi: u8,
    /// TA1 (Fi/Di), default 0x11.
    pub fi_di: u8,
    /// TC1 (extra guard time), default 0.
    pub guard_time: u8,
    /// T=1: CRC instead of LRC as error detection code.
    pub crc: bool,
    pub historical: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AtrError {
    #[error("ATR is truncated")]
    Truncated,
    #[error("ATR does not start with TS 3B or 3F")]
    BadTs,
    #[error("ATR check byte TCK is wrong")]
    BadTck,
    #[error("ATR is longer than 33 bytes")]
    TooLong,
    #[error("ATR announces a reserved IFSC (00 or FF)")]
    BadIfsc,
}

impl Atr {
    pub fn parse(bytes: &[u8]) -> Result<Self, AtrError> {
        if bytes.len() > 33 {
            return Err(AtrError::TooLong);
        }
        let (&ts, rest) = bytes.split_first().ok_or(AtrError::Truncated)?;
        if ts != 0x3B && ts != 0x3F {
            return Err(AtrError::BadTs);
        }
        let (&t0, mut rest) = rest.split_first().ok_or(AtrError::Truncated)?;
        let historical_len = usize::from(t0 & 0x0F);
        let mut y = t0 >> 4;
        let mut atr = Atr {
            t0: false,
            t1: false,
            ifsc: 32,
            bwi: 4,
            cwi: 13,
            fi_di: 0x11,
            guard_time: 0,
            crc: false,
            historical: Vec::new(),
        };
        // `group` is i in TAi/TBi/TCi/TDi; `protocol` is the T announced by the last TD.
        let (mut group, mut protocol, mut any_td) = (1u8, 0u8, false);
        loop {
            let mut take = |present: bool| -> Result<Option<u8>, AtrError> {
                if !present {
                    return Ok(None);
                }
                let (&b, r) = rest.split_first().ok_or(AtrError::Truncated)?;
                rest = r;
                Ok(Some(b))
            };
            let ta = take(y & 0x1 != 0)?;
            let tb = take(y & 0x2 != 0)?;
            let tc = take(y & 0x4 != 0)?;
            let td = take(y & 0x8 != 0)?;
            if group == 1 {
                atr.fi_di = ta.unwrap_or(0x11);
                atr.guard_time = tc.unwrap_or(0);
            }
            if group >= 3 && protocol == 1 {
                if let Some(ifsc) = ta {
                    if ifsc == 0x00 || ifsc == 0xFF {
                        return Err(AtrError::BadIfsc);
                    }
                    atr.ifsc = ifsc;
                }
                if let Some(tb) = tb {
                    atr.bwi = tb >> 4;
                    atr.cwi = tb & 0x0F;
                }
                if let Some(tc) = tc {
                    atr.crc = tc & 1 == 1;
                }
            }
            let Some(td) = td else { break };
            any_td = true;
            protocol = td & 0x0F;
            match protocol {
                0 => atr.t0 = true,
                1 => atr.t1 = true,
                _ => {}
            }
            y = td >> 4;
            group += 1;
        }
        if !any_td {
            atr.t0 = true;
        }
        if rest.len() < historical_len {
            return Err(AtrError::Truncated);
        }
        atr.historical = rest[..historical_len].to_vec();
        let needs_tck = atr.t1 || (any_td && !atr.t0);
        if needs_tck {
            if rest.len() != historical_len + 1 {
                return Err(AtrError::Truncated);
            }
            // TCK makes T0 … TCK XOR to zero.
            if bytes[1..].iter().fold(0u8, |x, b| x ^ b) != 0 {
                return Err(AtrError::BadTck);
            }
        }
        Ok(atr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_my_number_card_atr() {
        let atr = Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]).unwrap();
        assert!(atr.t1 && !atr.t0);
        assert_eq!(atr.ifsc, 0xFE);
        assert_eq!((atr.bwi, atr.cwi, atr.fi_di, atr.guard_time), (4, 5, 0x11, 0xFF));
        assert!(!atr.crc);
        assert!(atr.historical.is_empty());
    }

    #[test]
    fn a_bad_check_byte_or_truncation_is_refused() {
        assert_eq!(Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x15]), Err(AtrError::BadTck));
        assert_eq!(Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE]), Err(AtrError::Truncated));
        assert_eq!(Atr::parse(&[0x3A, 0x00]), Err(AtrError::BadTs));
        assert_eq!(Atr::parse(&[]), Err(AtrError::Truncated));
    }

    #[test]
    fn a_plain_t0_atr_needs_no_check_byte() {
        let atr = Atr::parse(&[0x3B, 0x02, 0x14, 0x50]).unwrap();
        assert!(atr.t0 && !atr.t1);
        assert_eq!(atr.historical, [0x14, 0x50]);
    }

    #[test]
    fn never_panics() {
        let mut seed = 11u32;
        for len in 0..40 {
            let junk: Vec<u8> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    if i == 0 { 0x3B } else { (seed >> 16) as u8 }
                })
                .collect();
            let _ = Atr::parse(&junk);
        }
    }
}
