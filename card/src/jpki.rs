//! JPKI user-authentication operations on the My Number card (FACTS.md "JPKI").

use crate::apdu::{ApduError, Command, Response, Status};
use crate::pin::Pin;
use crate::transport::{CardTransport, TransportError};

pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
pub const EF_AUTH_CERT: u16 = 0x000A;
pub const EF_AUTH_KEY: u16 = 0x0017;
pub const EF_AUTH_PIN: u16 = 0x0018;
/// Largest certificate we read; real ones are about 1.2–2 KB.
pub const MAX_CERT_BYTES: usize = 4096;
/// Length of a SHA-256 DigestInfo.
pub const DIGEST_INFO_LEN: usize = 51;

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

/// JPKI over any transport; counts the APDUs it sends.
pub struct Jpki<T: CardTransport> {
    transport: T,
    apdus_sent: u32,
}

impl<T: CardTransport> Jpki<T> {
    pub fn new(transport: T) -> Self {
        Jpki { transport, apdus_sent: 0 }
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
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&JPKI_AID);
        self.expect_ok(&cmd, "SELECT JPKI AP").await.map(drop)
    }

    async fn select_ef(&mut self, ef: u16, step: &'static str) -> Result<(), CardError> {
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

    /// Reads the user-authentication certificate (EF 000A, no PIN needed): the DER
    /// header first, then exactly the rest, in one APDU where extended length is available.
    pub async fn read_auth_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.select_ef(EF_AUTH_CERT, "SELECT EF 000A").await?;
        let head = self.read_binary(0, 4).await?;
        let total = der_total_length(&head).ok_or(CardError::BadCertificate)?;
        if total > MAX_CERT_BYTES {
            return Err(CardError::BadCertificate);
        }
        let mut cert = head;
        let chunk = if self.transport.supports_extended() { MAX_CERT_BYTES } else { 256 };
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
        match response.status() {
            Status::Success => Ok(PinState::Verified),
            Status::TriesLeft(0) | Status::Blocked => Ok(PinState::Blocked),
            Status::TriesLeft(n) => Ok(PinState::TriesLeft(n)),
            _ => Err(CardError::Status { step: "VERIFY (tries left)", sw: response.sw }),
        }
    }

    /// One VERIFY with the PIN the resident typed; never retried here or anywhere.
    /// EF 0018 must be the current EF (call [`Self::pin_state`] first).
    pub async fn verify_pin(&mut self, pin: &Pin) -> Result<VerifyOutcome, CardError> {
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_data(pin.as_bytes());
        let response = self.send(&cmd).await;
        let mut cmd = cmd;
        zeroize::Zeroize::zeroize(&mut cmd.data);
        let response = response?;
        match response.status() {
            Status::Success => Ok(VerifyOutcome::Verified),
            Status::TriesLeft(0) | Status::Blocked => Ok(VerifyOutcome::Blocked),
            Status::TriesLeft(n) => Ok(VerifyOutcome::Wrong { tries_left: n }),
            _ => Err(CardError::Status { step: "VERIFY", sw: response.sw }),
        }
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
