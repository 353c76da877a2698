//! ISO/IEC 14443-4 blocks (ISO-DEP): a PCB, an optional CID, the INF field. The CRC is
//! added and checked by the reader chip, so a block here is the RF frame without it.
//!
//! PCB layout: I-block `000C_CN1B` (C chaining, then CID and NAD follow), R-block
//! `101A_C01B` (A: 0 ACK, 1 NAK), S-block `11TT_C010` (TT 00 DESELECT, 11 WTX).
//! kofu assigns CID 0 and sends neither CID nor NAD; a CID byte of 0 from the card is
//! accepted, anything else is not ours.

const PCB_CID: u8 = 0x08;
const PCB_NAD: u8 = 0x04;
const I_CHAINING: u8 = 0x10;
const R_NAK: u8 = 0x10;
/// WTXM is 1..=59 (ISO/IEC 14443-4); 0 and 60..63 are RFU.
pub const MAX_WTXM: u8 = 59;

#[derive(Clone, PartialEq, Eq)]
pub enum Block {
    /// Information: block number, chaining, INF.
    I { bn: u8, more: bool, inf: Vec<u8> },
    /// R(ACK) or R(NAK) with a block number.
    R { bn: u8, nak: bool },
    /// S(DESELECT), request or response (same coding both ways).
    Deselect,
    /// S(WTX) with its INF byte: power level (b8–b7) and WTXM (b6–b1).
    Wtx { inf: u8 },
}

// Debug shows only the INF length: an I-block may carry a VERIFY and its PIN.
impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Block::I { bn, more, inf } => write!(f, "I(bn {bn}, more {more}, {} bytes)", inf.len()),
            Block::R { bn, nak } => write!(f, "R({}, bn {bn})", if *nak { "NAK" } else { "ACK" }),
            Block::Deselect => f.write_str("S(DESELECT)"),
            Block::Wtx { inf } => write!(f, "S(WTX {:02X})", inf),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("empty ISO-DEP frame")]
    Empty,
    #[error("ISO-DEP PCB {0:02X} is not valid")]
    Pcb(u8),
    #[error("ISO-DEP block carries a card identifier other than 0")]
    Cid,
    #[error("ISO-DEP block carries a NAD, which kofu never asked for")]
    Nad,
    #[error("ISO-DEP block has the wrong INF length for its type")]
    Length,
}

impl Block {
    pub fn ack(bn: u8) -> Self {
        Block::R { bn: bn & 1, nak: false }
    }

    pub fn nak(bn: u8) -> Self {
        Block::R { bn: bn & 1, nak: true }
    }

    /// The WTXM of an S(WTX).
    pub fn wtxm(inf: u8) -> u8 {
        inf & 0x3F
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            Block::I { bn, more, inf } => {
                let mut out = Vec::with_capacity(1 + inf.len());
                out.push(0x02 | if *more { I_CHAINING } else { 0 } | (bn & 1));
                out.extend_from_slice(inf);
                out
            }
            Block::R { bn, nak } => vec![0xA2 | if *nak { R_NAK } else { 0 } | (bn & 1)],
            Block::Deselect => vec![0xC2],
            Block::Wtx { inf } => vec![0xF2, *inf],
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, BlockError> {
        let (&pcb, mut rest) = bytes.split_first().ok_or(BlockError::Empty)?;
        if pcb & PCB_CID != 0 {
            let (&cid, after) = rest.split_first().ok_or(BlockError::Length)?;
            // b8–b7 of the CID byte carry power level indication; the CID is b4–b1.
            if cid & 0x0F != 0 {
                return Err(BlockError::Cid);
            }
            rest = after;
        }
        match pcb & 0xC0 {
            0x00 if pcb & 0x22 == 0x02 => {
                if pcb & PCB_NAD != 0 {
                    return Err(BlockError::Nad);
                }
                Ok(Block::I { bn: pcb & 1, more: pcb & I_CHAINING != 0, inf: rest.to_vec() })
            }
            0x80 if pcb & 0x26 == 0x22 => {
                if !rest.is_empty() {
                    return Err(BlockError::Length);
                }
                Ok(Block::R { bn: pcb & 1, nak: pcb & R_NAK != 0 })
            }
            0xC0 if pcb & 0x07 == 0x02 => match (pcb & 0x30, rest) {
                (0x00, []) => Ok(Block::Deselect),
                (0x30, [inf]) => Ok(Block::Wtx { inf: *inf }),
                (0x00 | 0x30, _) => Err(BlockError::Length),
                // 0x20 is S(PARAMETERS) in later editions; kofu never negotiates them.
                _ => Err(BlockError::Pcb(pcb)),
            },
            _ => Err(BlockError::Pcb(pcb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcbs_as_nfcpy_sends_them() {
        // nfcpy src/nfc/tag/tt4.py: I 02|pni, chaining 12|pni, R(ACK) A2|pni, R(NAK) B2|pni.
        assert_eq!(Block::I { bn: 0, more: false, inf: vec![0xAA] }.encode(), [0x02, 0xAA]);
        assert_eq!(Block::I { bn: 1, more: true, inf: vec![] }.encode(), [0x13]);
        assert_eq!(Block::ack(1).encode(), [0xA3]);
        assert_eq!(Block::nak(0).encode(), [0xB2]);
        assert_eq!(Block::Deselect.encode(), [0xC2]);
        assert_eq!(Block::Wtx { inf: 0x01 }.encode(), [0xF2, 0x01]);
    }

    #[test]
    fn parses_what_cards_send() {
        // tests/test_tag_tt4.py answers: `03 9000`, and R(ACK) `A3` to the presence check.
        assert_eq!(Block::parse(&[0x03, 0x90, 0x00]), Ok(Block::I { bn: 1, more: false, inf: vec![0x90, 0x00] }));
        assert_eq!(Block::parse(&[0xA3]), Ok(Block::ack(1)));
        assert_eq!(Block::parse(&[0x12, 1]), Ok(Block::I { bn: 0, more: true, inf: vec![1] }));
        assert_eq!(Block::parse(&[0xF2, 0x81]), Ok(Block::Wtx { inf: 0x81 }));
        assert_eq!(Block::wtxm(0x81), 1);
        // A CID byte of 0 (with power level bits) is ours.
        assert_eq!(Block::parse(&[0x0A, 0x40, 0x90, 0x00]), Ok(Block::I { bn: 0, more: false, inf: vec![0x90, 0x00] }));
        assert_eq!(Block::parse(&[0xFA, 0x00, 0x02]), Ok(Block::Wtx { inf: 2 }));
    }

    #[test]
    fn rejects_what_is_not_a_block() {
        assert_eq!(Block::parse(&[]), Err(BlockError::Empty));
        assert_eq!(Block::parse(&[0x00]), Err(BlockError::Pcb(0x00))); // b2 must be 1
        assert_eq!(Block::parse(&[0x22]), Err(BlockError::Pcb(0x22))); // I-block b6 must be 0
        assert_eq!(Block::parse(&[0x06]), Err(BlockError::Nad));
        assert_eq!(Block::parse(&[0x0A, 0x01]), Err(BlockError::Cid));
        assert_eq!(Block::parse(&[0x0A]), Err(BlockError::Length));
        assert_eq!(Block::parse(&[0xA2, 0x00]), Err(BlockError::Length));
        assert_eq!(Block::parse(&[0x82]), Err(BlockError::Pcb(0x82))); // R-block b6 must be 1
        assert_eq!(Block::parse(&[0xA6]), Err(BlockError::Pcb(0xA6))); // R-block b3 must be 0
        assert_eq!(Block::parse(&[0xF2]), Err(BlockError::Length));
        assert_eq!(Block::parse(&[0xC2, 0x00]), Err(BlockError::Length));
        assert_eq!(Block::parse(&[0xE2, 0x00]), Err(BlockError::Pcb(0xE2)));
        assert_eq!(Block::parse(&[0xC3]), Err(BlockError::Pcb(0xC3)));
        assert_eq!(Block::parse(&[0x50, 0, 0]), Err(BlockError::Pcb(0x50)));
    }

    #[test]
    fn encoded_blocks_parse_back() {
        for block in [
            Block::I { bn: 1, more: true, inf: vec![1, 2, 3] },
            Block::I { bn: 0, more: false, inf: vec![] },
            Block::ack(0),
            Block::nak(1),
            Block::Deselect,
            Block::Wtx { inf: 59 },
        ] {
            assert_eq!(Block::parse(&block.encode()), Ok(block));
        }
    }
}
