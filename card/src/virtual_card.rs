//! A virtual JPKI card that answers like the real one: the JPKI AP, EF 000A with a
//! certificate, the 4-digit PIN with 3 tries and lock, and `80 2A 00 80` signing with
//! PKCS#1 v1.5 padding over the DigestInfo it is given. Dev and test builds only.

use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePrivateKey;
use zeroize::Zeroize;

use crate::apdu::{Command, Response, Status};
use crate::jpki::{EF_AUTH_CERT, EF_AUTH_KEY, EF_AUTH_PIN, JPKI_AID};
use crate::transport::{CardTransport, TransportError};

pub const MAX_PIN_TRIES: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the virtual card's key is not an RSA PKCS#8 DER key")]
pub struct VirtualCardKeyError;

pub struct VirtualCard {
    key: rsa::PrivateKey,
    certificate: Vec<u8>,
    pin: [u8; 4],
    tries_left: u8,
    present: bool,
    extended: bool,
    // Session state, reset by power-up and by selecting the AP.
    ap_selected: bool,
    current_ef: Option<u16>,
    pin_verified: bool,
    /// VERIFY commands carrying a PIN that reached the card, for PIN-safety tests.
    pin_verifications: u32,
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        self.pin.zeroize();
    }
}

impl VirtualCard {
    pub fn new(key_pkcs8_der: &[u8], certificate: &[u8], pin: &[u8; 4]) -> Result<Self, VirtualCardKeyError> {
        let key = rsa::PrivateKey::from_pkcs8_der(key_pkcs8_der).map_err(|_| VirtualCardKeyError)?;
        Ok(VirtualCard {
            key,
            certificate: certificate.to_vec(),
            pin: *pin,
            tries_left: MAX_PIN_TRIES,
            present: true,
            extended: true,
            ap_selected: false,
            current_ef: None,
            pin_verified: false,
            pin_verifications: 0,
        })
    }

    /// Acts like a reader that passes only short APDUs.
    pub fn short_apdus_only(mut self) -> Self {
        self.extended = false;
        self
    }

    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// How many VERIFY commands with a PIN the card has executed.
    pub fn pin_verifications(&self) -> u32 {
        self.pin_verifications
    }

    pub fn is_present(&self) -> bool {
        self.present
    }

    /// The resident takes the card out.
    pub fn remove(&mut self) {
        self.present = false;
        self.reset_session();
    }

    /// The card goes back in (power-up: security state starts again).
    pub fn insert(&mut self) {
        self.present = true;
        self.reset_session();
    }

    fn reset_session(&mut self) {
        self.ap_selected = false;
        self.current_ef = None;
        self.pin_verified = false;
    }

    /// Processes one command APDU and returns the response APDU.
    pub fn process(&mut self, apdu: &[u8]) -> Response {
        let Ok(cmd) = Command::parse(apdu) else {
            return Response::status_only(Status::WrongLength);
        };
        let answer = match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(&cmd),
            (0x00, 0xB0) => self.read_binary(&cmd),
            (0x00, 0x20) => self.verify(&cmd),
            (0x80, 0x2A) => self.sign(&cmd),
            (0x00 | 0x80, _) => Response::status_only(Status::InsNotSupported),
            _ => Response::status_only(Status::ClaNotSupported),
        };
        let mut cmd = cmd;
        cmd.data.zeroize();
        answer
    }

    fn select(&mut self, cmd: &Command) -> Response {
        match (cmd.p1, cmd.p2) {
            (0x04, 0x0C) if cmd.data == JPKI_AID => {
                self.reset_session();
                self.ap_selected = true;
                Response::status_only(Status::Success)
            }
            (0x04, _) => Response::status_only(Status::FileNotFound),
            (0x02, 0x0C) if self.ap_selected && cmd.data.len() == 2 => {
                let ef = u16::from_be_bytes([cmd.data[0], cmd.data[1]]);
                if [EF_AUTH_CERT, EF_AUTH_KEY, EF_AUTH_PIN, 0x000B].contains(&ef) {
                    self.current_ef = Some(ef);
                    Response::status_only(Status::Success)
                } else {
                    Response::status_only(Status::FileNotFound)
                }
            }
            (0x02, _) => Response::status_only(Status::FileNotFound),
            _ => Response::status_only(Status::WrongP1P2),
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        if self.current_ef != Some(EF_AUTH_CERT) {
            return Response::status_only(Status::CommandNotAllowed);
        }
        if cmd.p1 & 0x80 != 0 {
            return Response::status_only(Status::WrongP1P2);
        }
        let (Some(le), false) = (cmd.le, cmd.le.is_some_and(|le| le > 256) && !self.extended) else {
            return Response::status_only(Status::WrongLength);
        };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        if offset >= self.certificate.len() {
            return Response::status_only(Status::WrongP1P2);
        }
        let end = (offset + le as usize).min(self.certificate.len());
        let status = if end - offset < le as usize { Status::EndOfFile } else { Status::Success };
        Response { data: self.certificate[offset..end].to_vec(), sw: status.to_sw() }
    }

    fn verify(&mut self, cmd: &Command) -> Response {
        if self.current_ef != Some(EF_AUTH_PIN) || (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return Response::status_only(Status::CommandNotAllowed);
        }
        if self.tries_left == 0 {
            return Response::status_only(Status::Blocked);
        }
        if cmd.data.is_empty() {
            return if self.pin_verified {
                Response::status_only(Status::Success)
            } else {
                Response::status_only(Status::TriesLeft(self.tries_left))
            };
        }
        self.pin_verifications += 1;
        if cmd.data.as_slice() == self.pin.as_slice() {
            self.tries_left = MAX_PIN_TRIES;
            self.pin_verified = true;
            Response::status_only(Status::Success)
        } else {
            self.tries_left -= 1;
            self.pin_verified = false;
            Response::status_only(Status::TriesLeft(self.tries_left))
        }
    }

    fn sign(&mut self, cmd: &Command) -> Response {
        if self.current_ef != Some(EF_AUTH_KEY) || (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return Response::status_only(Status::CommandNotAllowed);
        }
        if self.tries_left == 0 {
            return Response::status_only(Status::Blocked);
        }
        if !self.pin_verified {
            return Response::status_only(Status::SecurityNotSatisfied);
        }
        if cmd.data.is_empty() || cmd.data.len() > 245 {
            return Response::status_only(Status::WrongLength);
        }
        // The card pads the DigestInfo it is given (PKCS#1 v1.5 type 1) and applies the key.
        match self.key.sign(Pkcs1v15Sign::new_unprefixed(), &cmd.data) {
            Ok(sig) => Response { data: sig, sw: Status::Success.to_sw() },
            Err(_) => Response::status_only(Status::Other(0x6F00)),
        }
    }
}

impl CardTransport for VirtualCard {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            return Err(TransportError::CardAbsent);
        }
        Ok(self.process(command).encode())
    }

    fn supports_extended(&self) -> bool {
        self.extended
    }
}
