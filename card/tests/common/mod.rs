//! What the CCID test files share: the TEST-ONLY card, the issuance's card work, and a
//! pipe that records every message both ways.
#![allow(dead_code)]

use kofu_card::ccid::virtual_reader::{Traffic, VirtualCcidReader};
use kofu_card::ccid::{BulkPipe, CcidReader};
use kofu_card::virtual_card::VirtualCard;
use kofu_card::{CardError, Jpki, Pin, PinState, TransportError, VerifyOutcome};

pub const KEY: &[u8] = include_bytes!("../../../fixtures/test-only/card-1.key.der");
pub const CERT: &[u8] = include_bytes!("../../../fixtures/test-only/card-1.cert.der");

pub fn card() -> VirtualCard {
    VirtualCard::new(KEY, CERT, b"1234").unwrap()
}

/// A card holding `cert` as its certificate file (the signing key stays card 1's).
pub fn card_with_certificate(cert: &[u8]) -> VirtualCard {
    VirtualCard::new(KEY, cert, b"1234").unwrap()
}

/// A DER SEQUENCE of `len` bytes: as long as the certificates on real cards (1.2–2 KB)
/// rather than the 902-byte TEST-ONLY ones, so long answers need chaining.
pub fn real_sized_certificate(len: usize) -> Vec<u8> {
    let body = len - 4;
    let mut cert = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    cert.extend((0..body).map(|i| (i * 7 + 3) as u8));
    cert
}

/// What one issuance's card work cost.
#[derive(Debug)]
pub struct Run {
    pub apdus: u32,
    pub transfers: u32,
    pub traffic: Traffic,
}

/// Power on, then the issuance's card work, reading back `cert`.
pub async fn issuance_reading(virtual_reader: VirtualCcidReader, cert: &[u8]) -> Result<Run, CardError> {
    let descriptor = virtual_reader.descriptor();
    let mut ccid = CcidReader::new(virtual_reader, &descriptor).unwrap();
    let atr = ccid.power_on().await.map_err(TransportError::from)?;
    assert_eq!(atr[0], 0x3B);
    let mut jpki = Jpki::new(ccid);
    jpki.select_jpki().await?;
    assert_eq!(jpki.read_auth_certificate().await?, cert);
    assert_eq!(jpki.pin_state().await?, PinState::TriesLeft(3));
    assert_eq!(jpki.verify_pin(&Pin::parse("1234").unwrap()).await?, VerifyOutcome::Verified);
    let signature = jpki.sign_digest_info(&[0x30; 51]).await?;
    assert_eq!(signature.len(), 256);
    let apdus = jpki.apdus_sent();
    let ccid = jpki.into_transport();
    Ok(Run { apdus, transfers: ccid.transfers(), traffic: ccid.pipe().traffic() })
}

/// The issuance with the TEST-ONLY certificate.
pub async fn issuance(virtual_reader: VirtualCcidReader) -> Result<Run, CardError> {
    issuance_reading(virtual_reader, CERT).await
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Out,
    In,
}

/// A pipe that keeps every transfer, to compare with a transcript and to prove what the
/// host never sent.
pub struct Recording<P> {
    pub inner: P,
    pub log: Vec<(Way, Vec<u8>)>,
}

impl<P> Recording<P> {
    pub fn new(inner: P) -> Self {
        Recording { inner, log: Vec::new() }
    }

    /// Whether any transfer from the host contains `needle`.
    pub fn sent_contains(&self, needle: &[u8]) -> bool {
        self.log.iter().any(|(way, bytes)| *way == Way::Out && bytes.windows(needle.len()).any(|w| w == needle))
    }

    /// The transfers from the log's `from`-th on, as hex lines ("> …" out, "< …" in).
    pub fn transcript(&self, from: usize) -> Vec<String> {
        self.log[from..]
            .iter()
            .map(|(way, bytes)| {
                let arrow = if *way == Way::Out { '>' } else { '<' };
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                format!("{arrow} {hex}")
            })
            .collect()
    }
}

impl<P: BulkPipe> BulkPipe for Recording<P> {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.log.push((Way::Out, bytes.to_vec()));
        self.inner.send(bytes).await
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        let bytes = self.inner.receive(max_len).await?;
        self.log.push((Way::In, bytes.clone()));
        Ok(bytes)
    }
}
