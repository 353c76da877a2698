//! JPKI user-authentication operations on the My Number card (FACTS.md "JPKI").

use crate::apdu::{ApduError, Command, Response, Status};
use crate::pin::Pin;
use crate::pinpad::{PinPadInfo, PinPadPrompt, PinPadReply, PinVerifyRequest};
use crate::transport::{CardTransport, TransportError};

pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
pub const EF_AUTH_CERT: u16 = 0x000A;
pub const EF_AUTH_KEY: u16 = 0x0017;
pub const EF_AUTH_PIN: u16 = 0x0018;
/// Largest certificate we read; real ones are about 1.2–2 KB.
pub const MAX_CERT_BYTES: usize = 4096;
/// Length of a SHA-256 DigestInfo.
pub const DIGEST_INFO_LEN: usize = 51;
/// No certificate with an RSA-2048 key is shorter (its key and signature alone take over
/// 550 bytes), so a first read this long never runs past the end of EF 000A.
const SAFE_FIRST_READ: usize = 512;
/// VERIFY of the user-authentication PIN (`00 20 00 80`), which has 4 digits.
const VERIFY_HEADER: [u8; 4] = [0x00, 0x20, 0x00, 0x80];
const PIN_DIGITS: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("card answered {sw:04X} to {step}")]
    Status { step: &'static str, sw: u16 },
    #[error("the certificate on the card is malformed")]
    BadCertificate,
    #[error("the card's signature has the wrong length")]
    BadSignature,
    #[error("the PIN is blocked")]
    PinBlocked,
    #[error("the PIN has not been verified")]
    PinNotVerified,
    #[error("the reader has no PIN pad")]
    NoPinPad,
    #[error("the PIN tries left must be read before a PIN is entered")]
    TriesNotRead,
}

/// PIN state read without spending a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    TriesLeft(u8),
    /// Already verified in this card session.
    Verified,
    Blocked,
}

/// The result of one VERIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    Wrong { tries_left: u8 },
    Blocked,
}

/// The result of one PIN entry on the reader's keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinPadOutcome {
    Verified,
    /// The card refused the PIN; this many tries are left.
    Wrong {
        tries_left: u8,
    },
    Blocked,
    /// The resident pressed Cancel on the reader; no try was used.
    Cancelled,
    /// Nobody finished an entry in time; no try was used.
    TimedOut,
}

impl PinPadOutcome {
    /// What the reader's reply to a PIN-pad VERIFY means: its own endings, or the card's
    /// status word (9000, 63Cx, 6983/6984); anything else is an error.
    pub fn from_reply(reply: PinPadReply) -> Result<Self, CardError> {
        let bytes = match reply {
            PinPadReply::Cancelled => return Ok(PinPadOutcome::Cancelled),
            PinPadReply::TimedOut => return Ok(PinPadOutcome::TimedOut),
            PinPadReply::Response(bytes) => bytes,
        };
        Ok(match verify_outcome(&Response::parse(&bytes)?, "VERIFY on the PIN pad")? {
            VerifyOutcome::Verified => PinPadOutcome::Verified,
            VerifyOutcome::Wrong { tries_left } => PinPadOutcome::Wrong { tries_left },
            VerifyOutcome::Blocked => PinPadOutcome::Blocked,
        })
    }
}

/// JPKI over any transport; counts the APDUs it sends.
pub struct Jpki<T: CardTransport> {
    transport: T,
    apdus_sent: u32,
    /// The PIN state read last, while EF 0018 is still the current EF.
    pin_known: Option<PinState>,
}

impl<T: CardTransport> Jpki<T> {
    pub fn new(transport: T) -> Self {
        Jpki { transport, apdus_sent: 0, pin_known: None }
    }

    /// The reader's own PIN pad, if it has one: then offer
    /// [`Self::verify_on_reader_pinpad`] instead of asking for the PIN on screen.
    pub fn pin_pad(&self) -> Option<PinPadInfo> {
        self.transport.pin_pad()
    }

    pub fn apdus_sent(&self) -> u32 {
        self.apdus_sent
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    async fn send(&mut self, command: &Command) -> Result<Response, CardError> {
        let mut bytes = command.encode(self.transport.supports_extended())?;
        self.apdus_sent += 1;
        let answer = self.transport.transmit(&bytes).await;
        // The encoded VERIFY holds the PIN.
        zeroize::Zeroize::zeroize(&mut bytes);
        let answer = answer?;
        Ok(Response::parse(&answer)?)
    }

    async fn expect_ok(&mut self, command: &Command, step: &'static str) -> Result<Vec<u8>, CardError> {
        let response = self.send(command).await?;
        match response.status() {
            Status::Success => Ok(response.data),
            _ => Err(CardError::Status { step, sw: response.sw }),
        }
    }

    pub async fn select_jpki(&mut self) -> Result<(), CardError> {
        self.pin_known = None;
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&JPKI_AID);
        self.expect_ok(&cmd, "SELECT JPKI AP").await.map(drop)
    }

    async fn select_ef(&mut self, ef: u16, step: &'static str) -> Result<(), CardError> {
        self.pin_known = None;
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&ef.to_be_bytes());
        self.expect_ok(&cmd, step).await.map(drop)
    }

    async fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let [p1, p2] = (offset as u16).to_be_bytes();
        let cmd = Command::new(0x00, 0xB0, p1, p2).with_le(len as u32);
        let data = self.expect_ok(&cmd, "READ BINARY").await?;
        if data.len() != len {
            return Err(CardError::BadCertificate);
        }
        Ok(data)
    }

    /// Read sizes for the certificate: the first read as long as one reader message
    /// carries (it holds the DER header), then the rest in one APDU where the reader chains
    /// answers and extended length is there, else in parts that each fit one message.
    fn certificate_reads(&self) -> (usize, usize) {
        let max_le = if self.transport.supports_extended() { MAX_CERT_BYTES } else { 256 };
        let (per_message, chained) = match self.transport.response_unit() {
            Some(unit) => (unit.bytes.saturating_sub(2), unit.chained),
            None => (usize::MAX, true),
        };
        let first = per_message.min(max_le).clamp(4, SAFE_FIRST_READ);
        let rest = if chained { max_le } else { per_message.clamp(1, max_le) };
        (first, rest)
    }

    /// Reads the user-authentication certificate (EF 000A, no PIN needed): a first part
    /// with the DER header, then exactly the rest — in one APDU where the reader allows it.
    pub async fn read_auth_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.select_ef(EF_AUTH_CERT, "SELECT EF 000A").await?;
        let (first, chunk) = self.certificate_reads();
        let mut cert = self.read_binary(0, first).await?;
        let total = der_total_length(&cert).ok_or(CardError::BadCertificate)?;
        if total > MAX_CERT_BYTES {
            return Err(CardError::BadCertificate);
        }
        cert.truncate(total);
        while cert.len() < total {
            let n = (total - cert.len()).min(chunk);
            let part = self.read_binary(cert.len(), n).await?;
            cert.extend_from_slice(&part);
        }
        Ok(cert)
    }

    /// Reads the PIN tries left (empty VERIFY) without spending one.
    pub async fn pin_state(&mut self) -> Result<PinState, CardError> {
        self.select_ef(EF_AUTH_PIN, "SELECT EF 0018").await?;
        let response = self.send(&Command::new(0x00, 0x20, 0x00, 0x80)).await?;
        let state = match response.status() {
            Status::Success => PinState::Verified,
            Status::TriesLeft(0) | Status::Blocked => PinState::Blocked,
            Status::TriesLeft(n) => PinState::TriesLeft(n),
            _ => return Err(CardError::Status { step: "VERIFY (tries left)", sw: response.sw }),
        };
        self.pin_known = Some(state);
        Ok(state)
    }

    /// One VERIFY with the PIN the resident typed; never retried here or anywhere.
    /// EF 0018 must be the current EF (call [`Self::pin_state`] first).
    pub async fn verify_pin(&mut self, pin: &Pin) -> Result<VerifyOutcome, CardError> {
        self.pin_known = None;
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_data(pin.as_bytes());
        let response = self.send(&cmd).await;
        let mut cmd = cmd;
        zeroize::Zeroize::zeroize(&mut cmd.data);
        let response = response?;
        let outcome = verify_outcome(&response, "VERIFY")?;
        self.remember(outcome);
        Ok(outcome)
    }

    /// One PIN entry on the reader's own keypad (`PC_to_RDR_Secure`): the reader asks for
    /// the 4 digits, completes `00 20 00 80 04` with them and sends it; the PIN never
    /// reaches this host. The tries left must have been read first ([`Self::pin_state`]);
    /// a blocked card gets no entry. Sent once, never retried, here or anywhere.
    pub async fn verify_on_reader_pinpad(&mut self, prompt: &PinPadPrompt) -> Result<PinPadOutcome, CardError> {
        if self.transport.pin_pad().is_none() {
            return Err(CardError::NoPinPad);
        }
        match self.pin_known {
            None => return Err(CardError::TriesNotRead),
            Some(PinState::Blocked) => return Ok(PinPadOutcome::Blocked),
            Some(_) => {}
        }
        let request = PinVerifyRequest::ascii_digits(VERIFY_HEADER, PIN_DIGITS, prompt);
        self.apdus_sent += 1;
        // Until the card's answer is read, the tries left are unknown.
        let known = self.pin_known.take();
        let outcome = PinPadOutcome::from_reply(self.transport.verify_on_pin_pad(&request).await?)?;
        self.pin_known = match outcome {
            PinPadOutcome::Cancelled | PinPadOutcome::TimedOut => known,
            PinPadOutcome::Verified => Some(PinState::Verified),
            PinPadOutcome::Wrong { tries_left } => Some(PinState::TriesLeft(tries_left)),
            PinPadOutcome::Blocked => Some(PinState::Blocked),
        };
        Ok(outcome)
    }

    fn remember(&mut self, outcome: VerifyOutcome) {
        self.pin_known = Some(match outcome {
            VerifyOutcome::Verified => PinState::Verified,
            VerifyOutcome::Wrong { tries_left } => PinState::TriesLeft(tries_left),
            VerifyOutcome::Blocked => PinState::Blocked,
        });
    }

    /// Signs a SHA-256 DigestInfo with the user-authentication key (`80 2A 00 80`).
    pub async fn sign_digest_info(&mut self, digest_info: &[u8; DIGEST_INFO_LEN]) -> Result<Vec<u8>, CardError> {
        self.select_ef(EF_AUTH_KEY, "SELECT EF 0017").await?;
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(digest_info).with_le(256);
        let response = self.send(&cmd).await?;
        match response.status() {
            Status::Success if response.data.len() == 256 => Ok(response.data),
            Status::Success => Err(CardError::BadSignature),
            Status::SecurityNotSatisfied => Err(CardError::PinNotVerified),
            Status::Blocked => Err(CardError::PinBlocked),
            _ => Err(CardError::Status { step: "COMPUTE DIGITAL SIGNATURE", sw: response.sw }),
        }
    }
}

/// The card's answer to a VERIFY with a PIN.
fn verify_outcome(response: &Response, step: &'static str) -> Result<VerifyOutcome, CardError> {
    match response.status() {
        Status::Success => Ok(VerifyOutcome::Verified),
        Status::TriesLeft(0) | Status::Blocked => Ok(VerifyOutcome::Blocked),
        Status::TriesLeft(n) => Ok(VerifyOutcome::Wrong { tries_left: n }),
        _ => Err(CardError::Status { step, sw: response.sw }),
    }
}

/// Total length of a DER SEQUENCE from its first 4 bytes (`30 82 hi lo` or `30 81 n`).
fn der_total_length(head: &[u8]) -> Option<usize> {
    match head {
        [0x30, 0x82, hi, lo, ..] => Some(usize::from(u16::from_be_bytes([*hi, *lo])) + 4),
        [0x30, 0x81, n, ..] => Some(usize::from(*n) + 3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::der_total_length;

    #[test]
    fn der_lengths() {
        assert_eq!(der_total_length(&[0x30, 0x82, 0x04, 0xB0]), Some(0x4B0 + 4));
        assert_eq!(der_total_length(&[0x30, 0x81, 0x90, 0]), Some(0x93));
        assert_eq!(der_total_length(&[0x31, 0x82, 0, 0]), None);
        assert_eq!(der_total_length(&[0x30]), None);
    }
}
