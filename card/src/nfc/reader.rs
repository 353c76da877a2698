//! A contactless reader as the JPKI code sees it: poll for a Type B card, activate it
//! (WUPB, ATTRIB), carry APDUs over ISO-DEP, and tell whether the card is still on the
//! reader. A card is present while it answers: R(NAK) inside a session, WUPB outside one
//! (WUPB, not REQB, so a card left in HALT after DESELECT still counts).

use super::isodep::IsoDep;
use super::typeb::{self, Atqb, AttribAnswer, DELTA_FWT_US, FRAME_SIZES};
use super::{NfcError, RfFault, RfTransceiver};
use crate::transport::{CardTransport, TransportError};

/// How long a card may take to answer REQB/WUPB (nfcpy waits 30 ms).
pub const POLL_TIMEOUT_US: u32 = 30_000;
/// The card identifier kofu assigns; one card at a time.
const CID: u8 = 0;
/// FSDI 8: we take frames of 256 bytes, as nfcpy asks.
pub const DEFAULT_FSDI: u8 = 8;

pub struct ContactlessReader<L: RfTransceiver> {
    link: L,
    fsdi: u8,
    atqb: Option<Atqb>,
    session: Option<IsoDep>,
}

impl<L: RfTransceiver> ContactlessReader<L> {
    pub fn new(link: L) -> Self {
        ContactlessReader { link, fsdi: DEFAULT_FSDI, atqb: None, session: None }
    }

    /// Announces a smaller frame size of our own in ATTRIB (the card must chain more).
    pub fn with_fsdi(mut self, fsdi: u8) -> Self {
        self.fsdi = fsdi.min(DEFAULT_FSDI);
        self
    }

    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    pub fn into_link(self) -> L {
        self.link
    }

    /// The ATQB of the card last activated.
    pub fn atqb(&self) -> Option<&Atqb> {
        self.atqb.as_ref()
    }

    pub fn is_active(&self) -> bool {
        self.session.is_some()
    }

    fn fsd(&self) -> usize {
        // Never more than the reader can receive in one frame (+ CRC).
        FRAME_SIZES[usize::from(self.fsdi)].min(self.link.max_frame() + 2)
    }

    /// One WUPB (again once if nothing came back): the card's ATQB, or `None` when no card
    /// answers. A damaged answer means something is there but unreadable.
    pub async fn poll(&mut self) -> Result<Option<Atqb>, NfcError<L::Error>> {
        let mut fault = RfFault::Timeout;
        for _ in 0..2 {
            match self.link.transceive(&typeb::reqb(true), POLL_TIMEOUT_US).await.map_err(NfcError::Reader)? {
                Ok(bytes) => return Ok(Some(Atqb::parse(&bytes)?)),
                Err(f) => fault = f,
            }
        }
        match fault {
            RfFault::Timeout => Ok(None),
            damaged => Err(NfcError::Damaged(damaged)),
        }
    }

    /// Finds the card and opens an ISO-DEP session with it (WUPB, ATTRIB with our FSD and
    /// CID 0). If ATTRIB goes unanswered the field is switched off once and activation
    /// starts again: no APDU has reached the card yet, so nothing is lost.
    pub async fn activate(&mut self) -> Result<Atqb, NfcError<L::Error>> {
        self.session = None;
        self.atqb = None;
        match self.try_activate().await {
            Err(NfcError::CardGone | NfcError::Damaged(_) | NfcError::Attrib(_)) => {
                self.link.field_off().await.map_err(NfcError::Reader)?;
                self.try_activate().await
            }
            other => other,
        }
    }

    async fn try_activate(&mut self) -> Result<Atqb, NfcError<L::Error>> {
        let atqb = self.poll().await?.ok_or(NfcError::NoCard)?;
        if !atqb.iso_dep() {
            return Err(NfcError::NotIsoDep);
        }
        let attrib = typeb::attrib(atqb.pupi, self.fsdi, CID);
        let answer = self.link.transceive(&attrib, atqb.fwt_us() + DELTA_FWT_US).await.map_err(NfcError::Reader)?;
        match answer {
            Ok(bytes) => AttribAnswer::parse(&bytes, CID)?,
            Err(RfFault::Timeout) => return Err(NfcError::CardGone),
            Err(fault) => return Err(NfcError::Damaged(fault)),
        };
        let fsc = atqb.fsc().min(self.link.max_frame() + 2);
        self.session = Some(IsoDep::new(fsc, self.fsd(), atqb.fwt_us()));
        self.atqb = Some(atqb);
        Ok(atqb)
    }

    /// Whether a card answers on the reader now. Inside a session a silent card ends it.
    pub async fn card_present(&mut self) -> Result<bool, NfcError<L::Error>> {
        if let Some(mut session) = self.session.take() {
            let present = session.presence_check(&mut self.link).await?;
            if present {
                self.session = Some(session);
            }
            return Ok(present);
        }
        match self.poll().await {
            Ok(found) => Ok(found.is_some()),
            Err(NfcError::Reader(e)) => Err(NfcError::Reader(e)),
            // A damaged or strange answer still comes from something in the field.
            Err(_) => Ok(true),
        }
    }

    /// Ends the session with S(DESELECT); the card stays in the field, in HALT.
    pub async fn deselect(&mut self) -> Result<(), NfcError<L::Error>> {
        if let Some(mut session) = self.session.take() {
            // Rule 8: an unconfirmed DESELECT may be ignored; the session is over either way.
            session.deselect(&mut self.link).await?;
        }
        Ok(())
    }

    /// Ends the session and returns once no card answers any more; `pause` runs between
    /// polls (the app's timer).
    pub async fn wait_for_removal(&mut self, mut pause: impl AsyncFnMut()) -> Result<(), NfcError<L::Error>> {
        self.deselect().await?;
        while self.card_present().await? {
            pause().await;
        }
        Ok(())
    }
}

impl<L> CardTransport for ContactlessReader<L>
where
    L: RfTransceiver,
    L::Error: Into<TransportError> + std::fmt::Display,
{
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut session = self.session.take().ok_or(TransportError::CardAbsent)?;
        let answer = session.transceive(&mut self.link, command).await?;
        // Only a complete exchange keeps the session: after any error the block numbers
        // are unknown, and the card must be activated again.
        self.session = Some(session);
        Ok(answer)
    }

    /// ISO-DEP chains any length.
    fn supports_extended(&self) -> bool {
        true
    }
}
