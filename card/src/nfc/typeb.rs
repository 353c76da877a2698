//! NFC-B polling and activation (ISO/IEC 14443-3 Type B): REQB/WUPB, the ATQB with its
//! protocol info, ATTRIB and its answer. Frames here are without CRC_B: the reader chip
//! adds and checks it.

/// REQB/WUPB command byte (APf).
const APF: u8 = 0x05;
/// PARAM bit: this is a WUPB, answered by cards in HALT too.
const PARAM_WUPB: u8 = 0x08;
/// PARAM bit: we accept the extended ATQB (its fourth protocol byte carries SFGI).
const PARAM_EXTENDED_ATQB: u8 = 0x10;
/// AFI 00: cards of every application family answer.
const AFI_ALL: u8 = 0x00;
const ATQB_START: u8 = 0x50;
const ATTRIB: u8 = 0x1D;
/// ATTRIB Param 3: the card is to speak ISO/IEC 14443-4.
const PARAM3_ISO_14443_4: u8 = 0x01;

/// Frame sizes by FSCI/FSDI (ISO/IEC 14443-3), PCB and CRC included.
pub const FRAME_SIZES: [usize; 9] = [16, 24, 32, 40, 48, 64, 96, 128, 256];
/// The carrier, 13.56 MHz, in Hz.
const FC: u64 = 13_560_000;
/// ΔFWT = 49152/fc, the margin a poller adds to the card's FWT (as nfcpy does).
pub const DELTA_FWT_US: u32 = 3_625;

/// REQB (`wakeup` false) or WUPB (`true`), one slot, all families.
pub fn reqb(wakeup: bool) -> [u8; 3] {
    let param = PARAM_EXTENDED_ATQB | if wakeup { PARAM_WUPB } else { 0 };
    [APF, AFI_ALL, param]
}

/// Frame waiting time for a FWI/SFGI value: 256·16·2^i / fc, in microseconds (rounded up).
pub fn waiting_time_us(index: u8) -> u32 {
    let ticks = 4096u64 << index.min(14);
    (ticks * 1_000_000).div_ceil(FC) as u32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AtqbError {
    #[error("ATQB has {0} bytes, expected 12 or 13")]
    Length(usize),
    #[error("ATQB does not start with 50")]
    Start,
}

/// A parsed ATQB: `50 | PUPI[4] | application data[4] | protocol info[3 or 4]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Atqb {
    pub pupi: [u8; 4],
    pub application_data: [u8; 4],
    /// Bit rate capability (protocol byte 1).
    pub bit_rates: u8,
    /// FSCI as sent; values above 8 (RFU here) are read as 8, as nfcpy does.
    pub fsci: u8,
    /// Protocol type (low nibble of protocol byte 2); bit 1 = speaks ISO/IEC 14443-4.
    pub protocol_type: u8,
    /// FWI; the RFU value 15 is read as 4, as nfcpy and the NFC Forum do.
    pub fwi: u8,
    /// Application data coding (ADC, 2 bits).
    pub adc: u8,
    pub nad_supported: bool,
    pub cid_supported: bool,
    /// SFGI from an extended ATQB (0 when absent or RFU).
    pub sfgi: u8,
}

impl Atqb {
    pub fn parse(bytes: &[u8]) -> Result<Self, AtqbError> {
        if !(12..=13).contains(&bytes.len()) {
            return Err(AtqbError::Length(bytes.len()));
        }
        if bytes[0] != ATQB_START {
            return Err(AtqbError::Start);
        }
        let [p1, p2, p3] = [bytes[9], bytes[10], bytes[11]];
        let fwi = match p3 >> 4 {
            15 => 4,
            fwi => fwi,
        };
        let sfgi = match bytes.get(12).map(|b| b >> 4) {
            Some(s) if s < 15 => s,
            _ => 0,
        };
        Ok(Atqb {
            pupi: [bytes[1], bytes[2], bytes[3], bytes[4]],
            application_data: [bytes[5], bytes[6], bytes[7], bytes[8]],
            bit_rates: p1,
            fsci: (p2 >> 4).min(8),
            protocol_type: p2 & 0x0F,
            fwi,
            adc: (p3 >> 2) & 0x03,
            nad_supported: p3 & 0x02 != 0,
            cid_supported: p3 & 0x01 != 0,
            sfgi,
        })
    }

    /// The largest frame the card accepts, PCB and CRC included.
    pub fn fsc(&self) -> usize {
        FRAME_SIZES[usize::from(self.fsci.min(8))]
    }

    /// The card's frame waiting time in microseconds.
    pub fn fwt_us(&self) -> u32 {
        waiting_time_us(self.fwi)
    }

    /// Start-up frame guard time after ATTRIB, in microseconds (0 without SFGI).
    pub fn sfgt_us(&self) -> u32 {
        if self.sfgi == 0 { 0 } else { waiting_time_us(self.sfgi) }
    }

    /// Whether the card speaks ISO/IEC 14443-4 (protocol type b1 set, b4 clear).
    pub fn iso_dep(&self) -> bool {
        self.protocol_type & 0x09 == 0x01
    }

    /// Re-encodes the ATQB (the virtual card answers with this).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![ATQB_START];
        out.extend_from_slice(&self.pupi);
        out.extend_from_slice(&self.application_data);
        out.push(self.bit_rates);
        out.push((self.fsci << 4) | (self.protocol_type & 0x0F));
        out.push(
            (self.fwi << 4) | ((self.adc & 3) << 2) | u8::from(self.nad_supported) << 1 | u8::from(self.cid_supported),
        );
        if self.sfgi != 0 {
            out.push(self.sfgi << 4);
        }
        out
    }
}

/// ATTRIB for the card with `pupi`: default TR0/TR1 and SOF/EOF, 106 kbps both ways, our
/// frame size `fsdi`, ISO/IEC 14443-4, card identifier `cid`.
pub fn attrib(pupi: [u8; 4], fsdi: u8, cid: u8) -> [u8; 9] {
    let [a, b, c, d] = pupi;
    [ATTRIB, a, b, c, d, 0x00, fsdi.min(8), PARAM3_ISO_14443_4, cid & 0x0F]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttribError {
    #[error("empty ATTRIB answer")]
    Empty,
    #[error("ATTRIB answer for card identifier {got}, we assigned {expected}")]
    Cid { expected: u8, got: u8 },
}

/// The answer to ATTRIB: `MBLI | CID`, then any higher-layer response (ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttribAnswer {
    /// Maximum buffer length index (0: the card says nothing).
    pub mbli: u8,
    pub cid: u8,
}

impl AttribAnswer {
    pub fn parse(bytes: &[u8], cid: u8) -> Result<Self, AttribError> {
        let first = *bytes.first().ok_or(AttribError::Empty)?;
        let answer = AttribAnswer { mbli: first >> 4, cid: first & 0x0F };
        if answer.cid != cid & 0x0F {
            return Err(AttribError::Cid { expected: cid & 0x0F, got: answer.cid });
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn reqb_and_wupb() {
        // nfcpy's SENSB_REQ `05 00 10` (tests/test_clf_rcs380.py).
        assert_eq!(reqb(false), [0x05, 0x00, 0x10]);
        assert_eq!(reqb(true), [0x05, 0x00, 0x18]);
    }

    #[test]
    fn atqb_from_nfcpy_tests() {
        // tests/test_clf_rcs380.py `test_sense_ttb_with_tt4_target_found`.
        let atqb = Atqb::parse(&hex("50E8253EEC00000011008185")).unwrap();
        assert_eq!(atqb.pupi, [0xE8, 0x25, 0x3E, 0xEC]);
        assert_eq!(atqb.application_data, [0, 0, 0, 0x11]);
        assert_eq!((atqb.fsc(), atqb.fwi, atqb.adc, atqb.cid_supported, atqb.nad_supported), (256, 8, 1, true, false));
        assert!(atqb.iso_dep());
        // nfcpy's MIU = FSC − 3 and FWT for each FSCI/FWI (tests/test_tag_tt4.py `test_init_T4B`).
        for (i, (fsc, fwt_us)) in [
            (16, 302),
            (24, 604),
            (32, 1208),
            (40, 2417),
            (48, 4833),
            (64, 9666),
            (96, 19332),
            (128, 38664),
            (256, 77329),
        ]
        .into_iter()
        .enumerate()
        {
            let bytes = hex(&format!("5030702A1C0000001100{i:X}1{i:X}5"));
            let atqb = Atqb::parse(&bytes).unwrap();
            assert_eq!(atqb.fsc(), fsc, "FSCI {i}");
            assert!(atqb.fwt_us().abs_diff(fwt_us) <= 1, "FWI {i}: {}", atqb.fwt_us());
        }
        // FSCI 9..15 read as 256, FWI 15 as 4.
        assert_eq!(Atqb::parse(&hex("5030702A1C0000001100F1F5")).unwrap().fsc(), 256);
        assert_eq!(Atqb::parse(&hex("5030702A1C0000001100F1F5")).unwrap().fwi, 4);
        assert!(Atqb::parse(&hex("5030702A1C00000011000105")).unwrap().fwt_us().abs_diff(302) <= 1);
    }

    #[test]
    fn bad_atqbs_are_typed_errors() {
        // The two nfcpy rejects: wrong first byte, one byte short.
        assert_eq!(Atqb::parse(&hex("51E8253EEC00000011008185")), Err(AtqbError::Start));
        assert_eq!(Atqb::parse(&hex("50E8253EEC000000110081")), Err(AtqbError::Length(11)));
        assert_eq!(Atqb::parse(&[0x50; 14]), Err(AtqbError::Length(14)));
        assert_eq!(Atqb::parse(&[]), Err(AtqbError::Length(0)));
    }

    #[test]
    fn extended_atqb_carries_sfgi_and_round_trips() {
        let bytes = hex("50E8253EEC00000011008185 40");
        let atqb = Atqb::parse(&bytes).unwrap();
        assert_eq!(atqb.sfgi, 4);
        assert_eq!(atqb.sfgt_us(), waiting_time_us(4));
        assert_eq!(atqb.encode(), bytes);
        assert_eq!(Atqb::parse(&hex("50E8253EEC00000011008185")).unwrap().encode(), hex("50E8253EEC00000011008185"));
    }

    #[test]
    fn attrib_as_nfcpy_sends_it() {
        // tests/test_tag_tt4.py: `1D 30702A1C 00 08 01 00` (FSD 256, CID 0).
        assert_eq!(attrib([0x30, 0x70, 0x2A, 0x1C], 8, 0).to_vec(), hex("1D30702A1C00080100"));
        assert_eq!(AttribAnswer::parse(&[0x00], 0), Ok(AttribAnswer { mbli: 0, cid: 0 }));
        assert_eq!(AttribAnswer::parse(&[0x31, 0x99], 1), Ok(AttribAnswer { mbli: 3, cid: 1 }));
        assert_eq!(AttribAnswer::parse(&[0x01], 0), Err(AttribError::Cid { expected: 0, got: 1 }));
        assert_eq!(AttribAnswer::parse(&[], 0), Err(AttribError::Empty));
    }
}
