//! RC-S380 USB frames (the NFC Port-100 chip; nfcpy `src/nfc/clf/rcs380.py`):
//! data `00 00 FF FF FF | LEN lo hi | LCS | DATA | DCS | 00` with LCS making LEN sum to 0
//! and DCS making DATA sum to 0 (mod 256); ACK `00 00 FF 00 FF 00`; the chip's error frame
//! `00 00 FF 01 FF 7F 81 00`. Hand-written: no maintained crate speaks this chip.

pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
pub const ERROR_FRAME: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00];
const PREAMBLE: [u8; 3] = [0x00, 0x00, 0xFF];
const EXTENDED: [u8; 2] = [0xFF, 0xFF];
/// Header before DATA: preamble, FF FF, LEN (2), LCS.
pub const HEADER_LEN: usize = 8;
/// Largest DATA we accept from the chip (its frames stay under 300 bytes).
pub const MAX_DATA: usize = 1024;

#[derive(Clone, PartialEq, Eq)]
pub enum Frame {
    Ack,
    /// The chip could not take the last frame.
    Error,
    Data(Vec<u8>),
}

// Debug shows only the length: a command may carry a VERIFY and its PIN.
impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Frame::Ack => f.write_str("Ack"),
            Frame::Error => f.write_str("Error"),
            Frame::Data(d) => write!(f, "Data({} bytes)", d.len()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("RC-S380 frame does not start with 00 00 FF")]
    Preamble,
    #[error("RC-S380 frame of an unknown kind")]
    Kind,
    #[error("RC-S380 length checksum is wrong")]
    LengthChecksum,
    #[error("RC-S380 frame announces {0} data bytes, over the limit")]
    TooLong(usize),
    #[error("RC-S380 data checksum is wrong")]
    DataChecksum,
    #[error("RC-S380 frame does not end with 00")]
    Postamble,
}

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)).wrapping_neg()
}

/// A data frame around `data` (at most 65535 bytes; callers send far less).
pub fn encode(data: &[u8]) -> Vec<u8> {
    let len = (data.len().min(usize::from(u16::MAX)) as u16).to_le_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + data.len() + 2);
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&EXTENDED);
    out.extend_from_slice(&len);
    out.push(checksum(&len));
    out.extend_from_slice(data);
    out.push(checksum(data));
    out.push(0x00);
    out
}

/// The first frame in `bytes` and how many bytes it took; `None` while it is incomplete.
pub fn decode(bytes: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let n = bytes.len().min(PREAMBLE.len());
    if bytes[..n] != PREAMBLE[..n] {
        return Err(FrameError::Preamble);
    }
    let Some(kind) = bytes.get(3..5) else { return Ok(None) };
    match kind {
        [0x00, 0xFF] => match bytes.get(5) {
            None => Ok(None),
            Some(0x00) => Ok(Some((Frame::Ack, ACK.len()))),
            Some(_) => Err(FrameError::Postamble),
        },
        [0x01, 0xFF] => {
            let n = bytes.len().min(ERROR_FRAME.len());
            if bytes[..n] != ERROR_FRAME[..n] {
                return Err(FrameError::Kind);
            }
            Ok((n == ERROR_FRAME.len()).then_some((Frame::Error, n)))
        }
        [0xFF, 0xFF] => {
            let Some(&[lo, hi, lcs]) = bytes.get(5..8) else { return Ok(None) };
            if checksum(&[lo, hi]) != lcs {
                return Err(FrameError::LengthChecksum);
            }
            let len = usize::from(u16::from_le_bytes([lo, hi]));
            if len > MAX_DATA {
                return Err(FrameError::TooLong(len));
            }
            let Some(rest) = bytes.get(HEADER_LEN..HEADER_LEN + len + 2) else { return Ok(None) };
            let (data, tail) = rest.split_at(len);
            if checksum(data) != tail[0] {
                return Err(FrameError::DataChecksum);
            }
            if tail[1] != 0x00 {
                return Err(FrameError::Postamble);
            }
            Ok(Some((Frame::Data(data.to_vec()), HEADER_LEN + len + 2)))
        }
        _ => Err(FrameError::Kind),
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
    fn nfcpy_frame_vectors() {
        // tests/test_clf_rcs380.py TestFrame: b'12' ⇄ `0000ffffff0200fe31329d00`.
        assert_eq!(encode(b"12"), hex("0000ffffff0200fe31329d00"));
        assert_eq!(decode(&hex("0000ffffff0200fe31329d00")), Ok(Some((Frame::Data(b"12".to_vec()), 12))));
        assert_eq!(decode(&hex("0000ff00ff00")), Ok(Some((Frame::Ack, 6))));
        assert_eq!(decode(&hex("0000ff01ff7f8100")), Ok(Some((Frame::Error, 8))));
        // Incomplete frames ask for more bytes.
        assert_eq!(decode(&hex("0000ff")), Ok(None));
        assert_eq!(decode(&hex("0000ffffff0200fe3132")), Ok(None));
        assert_eq!(decode(&[]), Ok(None));
    }

    #[test]
    fn damage_is_a_typed_error() {
        assert_eq!(decode(&hex("0100ff00ff00")), Err(FrameError::Preamble));
        assert_eq!(decode(&hex("0000ffffff0200ff31329d00")), Err(FrameError::LengthChecksum));
        assert_eq!(decode(&hex("0000ffffff0200fe31329e00")), Err(FrameError::DataChecksum));
        assert_eq!(decode(&hex("0000ffffff0200fe31329d01")), Err(FrameError::Postamble));
        assert_eq!(decode(&hex("0000ff00ff01")), Err(FrameError::Postamble));
        assert_eq!(decode(&hex("0000ff01ff7f8200")), Err(FrameError::Kind));
        assert_eq!(decode(&hex("0000ff1234")), Err(FrameError::Kind));
        assert_eq!(decode(&hex("0000ffffff0110ef")), Err(FrameError::TooLong(0x1001)));
    }

    #[test]
    fn a_frame_followed_by_more_bytes_reports_its_own_length() {
        let mut bytes = ACK.to_vec();
        bytes.extend_from_slice(&encode(&[0xD7, 0x2B, 0x00]));
        assert_eq!(decode(&bytes), Ok(Some((Frame::Ack, 6))));
        assert_eq!(decode(&bytes[6..]), Ok(Some((Frame::Data(vec![0xD7, 0x2B, 0x00]), 13))));
    }
}
