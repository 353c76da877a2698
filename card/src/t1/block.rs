//! T=1 blocks (ISO/IEC 7816-3 §11.3): NAD, PCB, LEN, up to 254 information bytes, and an
//! LRC (XOR of all bytes before it). CRC error detection is not used by the My Number
//! card (its ATR announces LRC) and is refused.

pub const MAX_INF: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SKind {
    Resynch,
    Ifs,
    Abort,
    Wtx,
}

/// What a block says; INF is carried beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pcb {
    /// Information: send sequence number N(S) and "more" (chaining).
    I { ns: u8, more: bool },
    /// Receive-ready: expected N(R), and whether the last block had an error.
    R { nr: u8, error: bool },
    /// Supervisory request or response.
    S { kind: SKind, response: bool },
}

#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    pub nad: u8,
    pub pcb: Pcb,
    pub inf: Vec<u8>,
}

// Debug shows only the INF length: an I-block may carry a VERIFY and its PIN.
impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Block({:?}, {} bytes)", self.pcb, self.inf.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("T=1 block shorter than prologue and LRC")]
    Short,
    #[error("T=1 LEN does not match the block")]
    Length,
    #[error("T=1 LRC is wrong")]
    Lrc,
    #[error("T=1 PCB {0:02X} is not valid")]
    Pcb(u8),
}

fn lrc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |x, b| x ^ b)
}

impl Pcb {
    pub fn byte(self) -> u8 {
        match self {
            Pcb::I { ns, more } => ((ns & 1) << 6) | if more { 0x20 } else { 0 },
            Pcb::R { nr, error } => 0x80 | ((nr & 1) << 4) | u8::from(error),
            Pcb::S { kind, response } => {
                let k = match kind {
                    SKind::Resynch => 0,
                    SKind::Ifs => 1,
                    SKind::Abort => 2,
                    SKind::Wtx => 3,
                };
                0xC0 | if response { 0x20 } else { 0 } | k
            }
        }
    }

    fn from_byte(b: u8) -> Result<Self, BlockError> {
        match b >> 6 {
            0 | 1 if b & 0x1F == 0 => Ok(Pcb::I { ns: (b >> 6) & 1, more: b & 0x20 != 0 }),
            // Error codes 01 (EDC) and 10 (other) are both answered by retransmission; 11 is reserved.
            2 if b & 0x2C == 0 && b & 0x03 != 0x03 => Ok(Pcb::R { nr: (b >> 4) & 1, error: b & 0x03 != 0 }),
            3 => {
                let kind = match b & 0x1F {
                    0 => SKind::Resynch,
                    1 => SKind::Ifs,
                    2 => SKind::Abort,
                    3 => SKind::Wtx,
                    _ => return Err(BlockError::Pcb(b)),
                };
                Ok(Pcb::S { kind, response: b & 0x20 != 0 })
            }
            _ => Err(BlockError::Pcb(b)),
        }
    }
}

impl Block {
    pub fn new(pcb: Pcb, inf: &[u8]) -> Self {
        Block { nad: 0, pcb, inf: inf.to_vec() }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.inf.len());
        out.push(self.nad);
        out.push(self.pcb.byte());
        // INF is at most 254 bytes wherever blocks are built.
        out.push(self.inf.len().min(MAX_INF) as u8);
        out.extend_from_slice(&self.inf[..self.inf.len().min(MAX_INF)]);
        out.push(lrc(&out));
        out
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, BlockError> {
        let [nad, pcb, len, rest @ ..] = bytes else {
            return Err(BlockError::Short);
        };
        let len = usize::from(*len);
        if len > MAX_INF || rest.len() != len + 1 {
            return Err(if rest.is_empty() { BlockError::Short } else { BlockError::Length });
        }
        if lrc(bytes) != 0 {
            return Err(BlockError::Lrc);
        }
        Ok(Block { nad: *nad, pcb: Pcb::from_byte(*pcb)?, inf: rest[..len].to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcb_layout_follows_the_standard() {
        // R-block error code 11 is reserved (found by fuzzing: it used to parse).
        assert_eq!(Block::parse(&[0x00, 0x83, 0x00, 0x83]).map(|_| ()), Err(BlockError::Pcb(0x83)));
        assert_eq!(Block::new(Pcb::I { ns: 0, more: false }, &[]).encode(), [0x00, 0x00, 0x00, 0x00]);
        assert_eq!(Block::new(Pcb::I { ns: 1, more: true }, &[0xAB]).encode(), [0x00, 0x60, 0x01, 0xAB, 0xCA]);
        assert_eq!(Block::new(Pcb::R { nr: 1, error: false }, &[]).encode()[1], 0x90);
        assert_eq!(Block::new(Pcb::S { kind: SKind::Wtx, response: true }, &[2]).encode()[1], 0xE3);
        assert_eq!(Block::new(Pcb::S { kind: SKind::Ifs, response: false }, &[254]).encode()[1], 0xC1);
    }

    #[test]
    fn round_trips_and_rejects_damage() {
        let block = Block::new(Pcb::I { ns: 1, more: false }, &[1, 2, 3]);
        let bytes = block.encode();
        assert_eq!(Block::parse(&bytes).unwrap(), block);
        let mut bad = bytes.clone();
        bad[3] ^= 1;
        assert_eq!(Block::parse(&bad), Err(BlockError::Lrc));
        assert_eq!(Block::parse(&bytes[..4]), Err(BlockError::Length));
        assert_eq!(Block::parse(&[0, 0]), Err(BlockError::Short));
        assert!(Block::parse(&Block::new(Pcb::I { ns: 0, more: false }, &[]).encode()[..3]).is_err());
    }

    #[test]
    fn never_panics() {
        let mut seed = 5u32;
        for len in 0..300 {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let _ = Block::parse(&junk);
        }
    }
}
