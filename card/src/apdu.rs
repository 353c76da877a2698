//! Command and response APDUs (ISO/IEC 7816-4 §5), short and extended length.
//! Hand-written: the maintained `iso7816` crate is no_std/heapless-oriented and has no
//! command parser for the card side, which the virtual card needs.

/// A command APDU. `le` is the number of bytes expected (up to 65536), `None` for none.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<u32>,
}

// Debug omits the data field: a VERIFY carries the PIN.
impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} data bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command data over 65535 bytes")]
    DataTooLong,
    #[error("expected length over 65536")]
    LeTooLarge,
    #[error("short APDU cannot carry this; extended length needed")]
    NeedsExtended,
    #[error("command APDU shorter than its header")]
    TooShort,
    #[error("command APDU length fields do not match its size")]
    BadLength,
    #[error("response APDU has no status word")]
    NoStatus,
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command { cla, ins, p1, p2, data: Vec::new(), le: None }
    }

    pub fn with_data(mut self, data: &[u8]) -> Self {
        self.data = data.to_vec();
        self
    }

    pub fn with_le(mut self, le: u32) -> Self {
        self.le = Some(le);
        self
    }

    /// Whether this command fits a short APDU.
    pub fn fits_short(&self) -> bool {
        self.data.len() <= 255 && self.le.is_none_or(|le| le <= 256)
    }

    /// Encodes as short if it fits, else extended when `allow_extended`.
    pub fn encode(&self, allow_extended: bool) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65535 {
            return Err(ApduError::DataTooLong);
        }
        if self.le.is_some_and(|le| le > 65536) {
            return Err(ApduError::LeTooLarge);
        }
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if self.fits_short() {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(if le == 256 { 0 } else { le as u8 });
            }
            return Ok(out);
        }
        if !allow_extended {
            return Err(ApduError::NeedsExtended);
        }
        out.push(0);
        if !self.data.is_empty() {
            out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            out.extend_from_slice(&(if le == 65536 { 0 } else { le as u16 }).to_be_bytes());
        }
        Ok(out)
    }

    /// Parses a command APDU (the four cases of ISO 7816-4 §5.1, short and extended).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::TooShort);
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => cmd.le = Some(if *le == 0 { 256 } else { u32::from(*le) }),
            [0, rest @ ..] if rest.len() >= 2 => {
                let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let after = &rest[2..];
                if after.is_empty() {
                    // Case 2E: the two bytes are Le.
                    cmd.le = Some(if n == 0 { 65536 } else { n as u32 });
                } else if n == 0 {
                    return Err(ApduError::BadLength);
                } else if after.len() == n {
                    cmd.data = after.to_vec();
                } else if after.len() == n + 2 {
                    cmd.data = after[..n].to_vec();
                    let le = u16::from_be_bytes([after[n], after[n + 1]]);
                    cmd.le = Some(if le == 0 { 65536 } else { u32::from(le) });
                } else {
                    return Err(ApduError::BadLength);
                }
            }
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                if rest.len() == n {
                    cmd.data = rest.to_vec();
                } else if rest.len() == n + 1 {
                    cmd.data = rest[..n].to_vec();
                    let le = rest[n];
                    cmd.le = Some(if le == 0 { 256 } else { u32::from(le) });
                } else {
                    return Err(ApduError::BadLength);
                }
            }
        }
        Ok(cmd)
    }
}

/// Status words kofu acts on; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// 61xx: more data available through GET RESPONSE.
    MoreAvailable(u8),
    /// 6282: end of file reached before Le bytes.
    EndOfFile,
    /// 63Cx: verification failed, x tries left.
    TriesLeft(u8),
    WrongLength,
    SecurityNotSatisfied,
    /// 6983 / 6984: the PIN is blocked.
    Blocked,
    CommandNotAllowed,
    FileNotFound,
    WrongP1P2,
    /// 6Cxx: wrong Le, xx is the right one.
    WrongLe(u8),
    InsNotSupported,
    ClaNotSupported,
    Other(u16),
}

impl Status {
    pub fn from_sw(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Status::Success,
            (0x61, n) => Status::MoreAvailable(n),
            (0x62, 0x82) => Status::EndOfFile,
            (0x63, n) if n & 0xF0 == 0xC0 => Status::TriesLeft(n & 0x0F),
            (0x67, 0x00) => Status::WrongLength,
            (0x69, 0x82) => Status::SecurityNotSatisfied,
            (0x69, 0x83) | (0x69, 0x84) => Status::Blocked,
            (0x69, 0x86) => Status::CommandNotAllowed,
            (0x6A, 0x82) => Status::FileNotFound,
            (0x6B, 0x00) => Status::WrongP1P2,
            (0x6C, n) => Status::WrongLe(n),
            (0x6D, 0x00) => Status::InsNotSupported,
            (0x6E, 0x00) => Status::ClaNotSupported,
            _ => Status::Other(sw),
        }
    }

    pub fn to_sw(self) -> u16 {
        match self {
            Status::Success => 0x9000,
            Status::MoreAvailable(n) => 0x6100 | u16::from(n),
            Status::EndOfFile => 0x6282,
            Status::TriesLeft(n) => 0x63C0 | u16::from(n & 0x0F),
            Status::WrongLength => 0x6700,
            Status::SecurityNotSatisfied => 0x6982,
            Status::Blocked => 0x6983,
            Status::CommandNotAllowed => 0x6986,
            Status::FileNotFound => 0x6A82,
            Status::WrongP1P2 => 0x6B00,
            Status::WrongLe(n) => 0x6C00 | u16::from(n),
            Status::InsNotSupported => 0x6D00,
            Status::ClaNotSupported => 0x6E00,
            Status::Other(sw) => sw,
        }
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Response({} data bytes, {:04X})", self.data.len(), self.sw)
    }
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let [data @ .., sw1, sw2] = bytes else {
            return Err(ApduError::NoStatus);
        };
        Ok(Response { data: data.to_vec(), sw: u16::from_be_bytes([*sw1, *sw2]) })
    }

    pub fn status(&self) -> Status {
        Status::from_sw(self.sw)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    pub fn status_only(status: Status) -> Self {
        Response { data: Vec::new(), sw: status.to_sw() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_cases_short() {
        let c = Command::new(0, 0xA4, 4, 0x0C).with_data(&[1, 2]);
        assert_eq!(c.encode(false).unwrap(), [0, 0xA4, 4, 0x0C, 2, 1, 2]);
        let c = Command::new(0, 0xB0, 0, 0).with_le(256);
        assert_eq!(c.encode(false).unwrap(), [0, 0xB0, 0, 0, 0]);
        let c = Command::new(0, 0x20, 0, 0x80);
        assert_eq!(c.encode(false).unwrap(), [0, 0x20, 0, 0x80]);
        let c = Command::new(0x80, 0x2A, 0, 0x80).with_data(&[9; 3]).with_le(256);
        assert_eq!(c.encode(false).unwrap(), [0x80, 0x2A, 0, 0x80, 3, 9, 9, 9, 0]);
    }

    #[test]
    fn encodes_extended_only_when_allowed() {
        let c = Command::new(0, 0xB0, 0, 4).with_le(1000);
        assert_eq!(c.encode(false), Err(ApduError::NeedsExtended));
        assert_eq!(c.encode(true).unwrap(), [0, 0xB0, 0, 4, 0, 0x03, 0xE8]);
        let c = Command::new(0, 0xB0, 0, 0).with_le(65536);
        assert_eq!(c.encode(true).unwrap(), [0, 0xB0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn parse_inverts_encode() {
        let cases = [
            Command::new(0, 0x20, 0, 0x80),
            Command::new(0, 0x20, 0, 0x80).with_data(b"1234"),
            Command::new(0, 0xB0, 0, 0).with_le(4),
            Command::new(0, 0xB0, 0, 0).with_le(256),
            Command::new(0x80, 0x2A, 0, 0x80).with_data(&[7; 51]).with_le(256),
            Command::new(0, 0xB0, 0, 4).with_le(2000),
            Command::new(0, 0xB0, 0, 4).with_le(65536),
            Command::new(0, 0xD6, 0, 0).with_data(&[1; 300]),
            Command::new(0, 0xD6, 0, 0).with_data(&[1; 300]).with_le(300),
        ];
        for c in cases {
            let bytes = c.encode(true).unwrap();
            assert_eq!(Command::parse(&bytes).unwrap(), c, "{c:?}");
        }
    }

    #[test]
    fn parse_rejects_inconsistent_lengths() {
        assert_eq!(Command::parse(&[0, 1, 2]), Err(ApduError::TooShort));
        assert_eq!(Command::parse(&[0, 1, 2, 3, 5, 1]), Err(ApduError::BadLength));
        assert_eq!(Command::parse(&[0, 1, 2, 3, 0, 0, 0, 9]), Err(ApduError::BadLength));
    }

    #[test]
    fn parsers_never_panic() {
        let mut seed = 0x1234_5678u32;
        for len in 0..600 {
            let bytes: Vec<u8> = (0..len % 300)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let _ = Command::parse(&bytes);
            let _ = Response::parse(&bytes);
        }
    }

    #[test]
    fn status_words_round_trip() {
        for sw in [0x9000, 0x6110, 0x63C2, 0x63C0, 0x6983, 0x6982, 0x6A82, 0x6C10, 0x6F00] {
            assert_eq!(Status::from_sw(sw).to_sw(), sw);
        }
        assert_eq!(Status::from_sw(0x6984), Status::Blocked);
    }
}
