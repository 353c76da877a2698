//! The PCD side of ISO-DEP (ISO/IEC 14443-4 §7.5): I-blocks chained both ways within the
//! card's FSC and our FSD, block numbers toggled on every I-block or R(ACK) that carries
//! the current one, S(WTX) answered and its waiting time kept, R(NAK) after a lost or
//! damaged answer (R(ACK) while the card is chaining), the I-block resent only when the
//! card answers R(ACK) with the other block number. Every loop is bounded.

use zeroize::{Zeroize, Zeroizing};

use super::block::{Block, BlockError, MAX_WTXM};
use super::typeb::DELTA_FWT_US;
use super::{NfcError, RfFault, RfTransceiver};

/// R-blocks sent for one block after silence or damage before giving up (and I-block
/// resends the card may ask for).
pub const MAX_RETRIES: u32 = 2;
/// Waiting-time extensions accepted for one block; a real card needs a few for an RSA signature.
pub const MAX_WTX: u32 = 600;
/// Largest response assembled from chained blocks.
pub const MAX_RESPONSE: usize = 65_538;
/// Waiting time for the answer to S(DESELECT): 71680/fc (ISO/IEC 14443-4, NFC Forum Digital).
const FWT_DESELECT_US: u32 = 5_287;

/// What this block exchange is: our I-block going out, or our R(ACK) while the card chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Command,
    CardChaining,
}

/// Why an attempt failed: nothing usable arrived, or it was not a block.
#[derive(Debug, Clone, Copy)]
enum Failure {
    Rf(RfFault),
    Invalid(BlockError),
}

/// One ISO-DEP session with an activated card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoDep {
    /// The PCD's current block number (starts at 0).
    bn: u8,
    /// Most INF bytes per I-block we send: FSC − PCB − CRC.
    max_inf: usize,
    /// Largest frame the card may send us without CRC: FSD − 2.
    max_receive: usize,
    fwt_us: u32,
}

impl IsoDep {
    /// `fsc`: the card's frame size; `fsd`: ours (both with PCB and CRC); `fwt_us` from the ATQB.
    pub fn new(fsc: usize, fsd: usize, fwt_us: u32) -> Self {
        IsoDep { bn: 0, max_inf: fsc.clamp(16, 4096) - 3, max_receive: fsd.clamp(16, 4096) - 2, fwt_us: fwt_us.max(1) }
    }

    pub fn block_number(&self) -> u8 {
        self.bn
    }

    pub fn max_inf(&self) -> usize {
        self.max_inf
    }

    pub fn fwt_us(&self) -> u32 {
        self.fwt_us
    }

    /// Sends one APDU (chained when longer than the card's FSC) and returns the whole
    /// response. Any error leaves the block numbers unknown: the caller ends the session.
    pub async fn transceive<L: RfTransceiver>(
        &mut self,
        link: &mut L,
        apdu: &[u8],
    ) -> Result<Vec<u8>, NfcError<L::Error>> {
        let chunks: Vec<&[u8]> = if apdu.is_empty() { vec![&[][..]] } else { apdu.chunks(self.max_inf).collect() };
        let last = chunks.len() - 1;
        let mut reply = None;
        for (i, chunk) in chunks.iter().enumerate() {
            let more = i < last;
            let mut block = Block::I { bn: self.bn, more, inf: chunk.to_vec() };
            let answer = self.exchange(link, &block, Phase::Command).await;
            // The block may hold a VERIFY and its PIN.
            if let Block::I { inf, .. } = &mut block {
                inf.zeroize();
            }
            let answer = answer?;
            if more {
                match answer {
                    Block::R { nak: false, bn } if bn == self.bn => self.bn ^= 1,
                    _ => return Err(NfcError::Protocol("a chained block was not acknowledged")),
                }
            } else {
                reply = Some(answer);
            }
        }
        let mut current = reply.ok_or(NfcError::Protocol("nothing sent"))?;
        let mut response = Vec::new();
        loop {
            match current {
                Block::I { bn, more, inf } if bn == self.bn => {
                    self.bn ^= 1;
                    response.extend_from_slice(&inf);
                    if response.len() > MAX_RESPONSE {
                        return Err(NfcError::TooLong);
                    }
                    if !more {
                        return Ok(response);
                    }
                    current = self.exchange(link, &Block::ack(self.bn), Phase::CardChaining).await?;
                }
                Block::I { .. } => return Err(NfcError::Protocol("I-block with the wrong block number")),
                Block::R { .. } => return Err(NfcError::Protocol("R-block where the answer was due")),
                Block::Deselect => return Err(NfcError::Protocol("the card sent S(DESELECT)")),
                Block::Wtx { .. } => return Err(NfcError::Protocol("unexpected S(WTX)")),
            }
        }
    }

    /// Sends `block` and returns the card's next block that is not S(WTX), recovering from
    /// silence and damage by the ISO/IEC 14443-4 rules.
    async fn exchange<L: RfTransceiver>(
        &mut self,
        link: &mut L,
        block: &Block,
        phase: Phase,
    ) -> Result<Block, NfcError<L::Error>> {
        let original = Zeroizing::new(block.encode());
        let recovery = match phase {
            // Rule 4: invalid block or time-out → R(NAK); rule 5: while the card chains → R(ACK).
            Phase::Command => Block::nak(self.bn),
            Phase::CardChaining => Block::ack(self.bn),
        };
        let mut outgoing = original.clone();
        // How long the card may take for its next block: FWT, or WTXM × FWT after S(WTX).
        let mut wait = self.fwt_us;
        let (mut failures, mut resends, mut extensions) = (0, 0, 0);
        loop {
            let window = wait.min(link.max_timeout_us().saturating_sub(DELTA_FWT_US)).max(1);
            let answer = link.transceive(&outgoing, window + DELTA_FWT_US).await.map_err(NfcError::Reader)?;
            let failure = match answer {
                Err(fault) => Failure::Rf(fault),
                Ok(bytes) if bytes.len() > self.max_receive => Failure::Invalid(BlockError::Length),
                Ok(bytes) => match Block::parse(&bytes) {
                    Err(e) => Failure::Invalid(e),
                    Ok(Block::Wtx { inf }) => {
                        extensions += 1;
                        if extensions > MAX_WTX {
                            return Err(NfcError::TooManyWtx);
                        }
                        let wtxm = Block::wtxm(inf);
                        if wtxm == 0 || wtxm > MAX_WTXM {
                            return Err(NfcError::Protocol("WTXM out of range"));
                        }
                        // Answer with the same WTXM (power level bits 00), then wait WTXM × FWT.
                        outgoing = Zeroizing::new(Block::Wtx { inf: wtxm }.encode());
                        wait = self.fwt_us.saturating_mul(u32::from(wtxm));
                        failures = 0;
                        continue;
                    }
                    // Rule 6: the card never got our I-block (it acknowledges its own older one).
                    Ok(Block::R { nak: false, bn }) if phase == Phase::Command && bn != self.bn => {
                        resends += 1;
                        if resends > MAX_RETRIES {
                            return Err(NfcError::Protocol("the card keeps asking for the block again"));
                        }
                        outgoing = original.clone();
                        wait = self.fwt_us;
                        continue;
                    }
                    Ok(reply) => return Ok(reply),
                },
            };
            // A wait longer than the reader's longest timeout runs in several windows: the
            // card, still computing, ignores our R-block and answers when done.
            if matches!(failure, Failure::Rf(RfFault::Timeout)) && wait > window {
                wait -= window;
                outgoing = Zeroizing::new(recovery.encode());
                continue;
            }
            failures += 1;
            if failures > MAX_RETRIES {
                return Err(match failure {
                    Failure::Rf(RfFault::Timeout) => NfcError::CardGone,
                    Failure::Rf(fault) => NfcError::Damaged(fault),
                    Failure::Invalid(e) => NfcError::InvalidBlock(e),
                });
            }
            outgoing = Zeroizing::new(recovery.encode());
            wait = self.fwt_us;
        }
    }

    /// Whether the card still answers, without disturbing the session: R(NAK) with our
    /// block number, which the card answers with R(ACK) of its own (as nfcpy checks).
    pub async fn presence_check<L: RfTransceiver>(&mut self, link: &mut L) -> Result<bool, NfcError<L::Error>> {
        for _ in 0..=1 {
            let answer = link.transceive(&Block::nak(self.bn).encode(), self.fwt_us + DELTA_FWT_US).await;
            match answer.map_err(NfcError::Reader)? {
                Err(RfFault::Timeout) => continue,
                // Something answered: the card is in the field.
                _ => return Ok(true),
            }
        }
        Ok(false)
    }

    /// S(DESELECT): the card goes to HALT (it still answers WUPB). Returns whether the card
    /// confirmed; an unanswered DESELECT may be ignored (rule 8).
    pub async fn deselect<L: RfTransceiver>(&mut self, link: &mut L) -> Result<bool, NfcError<L::Error>> {
        let wait = self.fwt_us.max(FWT_DESELECT_US) + DELTA_FWT_US;
        for _ in 0..=1 {
            if let Ok(bytes) = link.transceive(&Block::Deselect.encode(), wait).await.map_err(NfcError::Reader)?
                && Block::parse(&bytes) == Ok(Block::Deselect)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use futures_executor::block_on;

    use super::*;

    /// A scripted card: the frames the host sent, and the answers to give in turn.
    #[derive(Default)]
    struct Script {
        sent: Vec<Vec<u8>>,
        timeouts: Vec<u32>,
        answers: VecDeque<Result<Vec<u8>, RfFault>>,
    }

    impl RfTransceiver for Script {
        type Error = &'static str;
        async fn transceive(
            &mut self,
            frame: &[u8],
            timeout_us: u32,
        ) -> Result<Result<Vec<u8>, RfFault>, &'static str> {
            self.sent.push(frame.to_vec());
            self.timeouts.push(timeout_us);
            self.answers.pop_front().ok_or("script ran out")
        }
        fn max_timeout_us(&self) -> u32 {
            6_552_000
        }
        fn max_frame(&self) -> usize {
            290
        }
        async fn field_off(&mut self) -> Result<(), &'static str> {
            Ok(())
        }
    }

    fn script(answers: Answers) -> Script {
        Script { answers: answers.iter().map(|a| a.map(<[u8]>::to_vec)).collect(), ..Script::default() }
    }

    const FWT: u32 = 77_330;

    type Answers<'a> = &'a [Result<&'a [u8], RfFault>];

    #[test]
    fn a_short_exchange_toggles_the_block_number() {
        // As in nfcpy's tests/test_tag_tt4.py: `02 …` answered `02 9000`, then `03 …` / `03 9000`.
        let mut link = script(&[Ok(&[0x02, 0x90, 0x00]), Ok(&[0x03, 0x90, 0x00])]);
        let mut dep = IsoDep::new(256, 256, FWT);
        assert_eq!(block_on(dep.transceive(&mut link, &[0x00, 0xA4])).unwrap(), [0x90, 0x00]);
        assert_eq!(block_on(dep.transceive(&mut link, &[0x00, 0xB0])).unwrap(), [0x90, 0x00]);
        assert_eq!(link.sent, [vec![0x02, 0x00, 0xA4], vec![0x03, 0x00, 0xB0]]);
        assert_eq!(link.timeouts, [FWT + DELTA_FWT_US; 2]);
    }

    #[test]
    fn chains_both_ways_at_fsc_and_fsd() {
        // FSC 16: 13 INF bytes per block; a 30-byte APDU goes in 3 blocks.
        let apdu: Vec<u8> = (0..30).collect();
        let mut link = script(&[
            Ok(&[0xA2]),
            Ok(&[0xA3]),
            Ok(&[0x12, 1, 2]),       // the card chains its answer…
            Ok(&[0x03, 3, 0x90, 0]), // …and ends it
        ]);
        let mut dep = IsoDep::new(16, 256, FWT);
        assert_eq!(block_on(dep.transceive(&mut link, &apdu)).unwrap(), [1, 2, 3, 0x90, 0]);
        assert_eq!(link.sent[0][0], 0x12);
        assert_eq!(&link.sent[0][1..], &apdu[..13]);
        assert_eq!(link.sent[1][0], 0x13);
        assert_eq!(&link.sent[1][1..], &apdu[13..26]);
        assert_eq!(link.sent[2][0], 0x02);
        assert_eq!(&link.sent[2][1..], &apdu[26..]);
        assert_eq!(link.sent[3], [0xA3]); // R(ACK) for the card's chained block
        assert_eq!(dep.block_number(), 0);
    }

    #[test]
    fn wtx_is_echoed_and_its_time_waited() {
        let mut link = script(&[Ok(&[0xF2, 0xC3]), Ok(&[0x02, 0x90, 0x00])]);
        let mut dep = IsoDep::new(256, 256, FWT);
        block_on(dep.transceive(&mut link, &[0x80, 0x2A])).unwrap();
        assert_eq!(link.sent[1], [0xF2, 0x03], "WTXM echoed without the power level bits");
        assert_eq!(link.timeouts[1], 3 * FWT + DELTA_FWT_US);
    }

    #[test]
    fn a_wtx_longer_than_the_reader_can_wait_runs_in_windows() {
        // FWI 14: 4.95 s; WTXM 3 asks 14.8 s, more than the reader's 6.55 s.
        let fwt = 4_949_300;
        let mut link =
            script(&[Ok(&[0xF2, 0x03]), Err(RfFault::Timeout), Err(RfFault::Timeout), Ok(&[0x02, 0x90, 0x00])]);
        let mut dep = IsoDep::new(256, 256, fwt);
        block_on(dep.transceive(&mut link, &[0x80, 0x2A])).unwrap();
        assert_eq!(link.sent[2], [0xB2], "R(NAK) to collect the answer, not the I-block");
        assert!(link.timeouts.iter().all(|&t| t <= 6_552_000));
    }

    #[test]
    fn a_lost_answer_is_asked_for_with_r_nak_and_never_by_resending_the_command() {
        // The card executed the command; its answer was lost, then came damaged.
        let mut link = script(&[Err(RfFault::Timeout), Err(RfFault::Crc), Ok(&[0x02, 0x90, 0x00])]);
        let mut dep = IsoDep::new(256, 256, FWT);
        block_on(dep.transceive(&mut link, &[0x00, 0x20, 0x00, 0x80, 0x04, 1, 2, 3, 4])).unwrap();
        assert_eq!(link.sent[1..], [vec![0xB2], vec![0xB2]]);
    }

    #[test]
    fn the_i_block_is_resent_only_when_the_card_says_it_never_got_it() {
        // Rule 6: R(NAK) answered by R(ACK) with the other block number.
        let mut link = script(&[Err(RfFault::Timeout), Ok(&[0xA3]), Ok(&[0x02, 0x90, 0x00])]);
        let mut dep = IsoDep::new(256, 256, FWT);
        block_on(dep.transceive(&mut link, &[0x00, 0x20])).unwrap();
        assert_eq!(link.sent, [vec![0x02, 0x00, 0x20], vec![0xB2], vec![0x02, 0x00, 0x20]]);
    }

    #[test]
    fn a_silent_card_is_gone_after_two_r_naks() {
        let mut link = script(&[Err(RfFault::Timeout); 3]);
        let mut dep = IsoDep::new(256, 256, FWT);
        assert_eq!(block_on(dep.transceive(&mut link, &[0x00, 0x20])), Err(NfcError::CardGone));
        assert_eq!(link.sent.len(), 3);
        assert_eq!(link.sent.iter().filter(|f| f[0] == 0x02).count(), 1, "the command went out once");
    }

    #[test]
    fn while_the_card_chains_errors_are_answered_with_r_ack() {
        let mut link = script(&[Ok(&[0x12, 1]), Err(RfFault::Crc), Ok(&[0x03, 2])]);
        let mut dep = IsoDep::new(256, 256, FWT);
        assert_eq!(block_on(dep.transceive(&mut link, &[0])).unwrap(), [1, 2]);
        assert_eq!(link.sent[1..], [vec![0xA3], vec![0xA3]]);
    }

    #[test]
    fn broken_rules_are_typed_errors() {
        let cases: [(Answers, NfcError<&'static str>); 7] = [
            (&[Ok(&[0x03, 0x90, 0x00])], NfcError::Protocol("I-block with the wrong block number")),
            (&[Ok(&[0xA2])], NfcError::Protocol("R-block where the answer was due")),
            (&[Ok(&[0xC2])], NfcError::Protocol("the card sent S(DESELECT)")),
            (&[Ok(&[0xF2, 0x00])], NfcError::Protocol("WTXM out of range")),
            (&[Ok(&[0xF2, 60])], NfcError::Protocol("WTXM out of range")),
            (&[Ok(&[0x50]), Ok(&[0x50]), Ok(&[0x50])], NfcError::InvalidBlock(BlockError::Pcb(0x50))),
            (
                &[Err(RfFault::Parity), Err(RfFault::Crc), Err(RfFault::Collision)],
                NfcError::Damaged(RfFault::Collision),
            ),
        ];
        for (answers, expected) in cases {
            let mut link = script(answers);
            let mut dep = IsoDep::new(256, 256, FWT);
            assert_eq!(block_on(dep.transceive(&mut link, &[0])), Err(expected));
        }
        // A chained block answered by anything but R(ACK) with our number.
        let mut link = script(&[Ok(&[0x02, 0x90, 0x00])]);
        let mut dep = IsoDep::new(16, 256, FWT);
        assert_eq!(
            block_on(dep.transceive(&mut link, &[0; 20])),
            Err(NfcError::Protocol("a chained block was not acknowledged"))
        );
        // Endless R(ACK)s with the old block number.
        let mut link = script(&[Ok(&[0xA3][..]); 4]);
        assert!(matches!(block_on(IsoDep::new(256, 256, FWT).transceive(&mut link, &[0])), Err(NfcError::Protocol(_))));
        // Endless WTX.
        let mut link = script(&vec![Ok(&[0xF2, 0x01][..]); MAX_WTX as usize + 1]);
        assert_eq!(block_on(IsoDep::new(256, 256, FWT).transceive(&mut link, &[0])), Err(NfcError::TooManyWtx));
        // A frame over our FSD.
        let long = vec![0x02; 255];
        let mut link = script(&[Ok(&long), Ok(&long), Ok(&long)]);
        assert_eq!(
            block_on(IsoDep::new(256, 256, FWT).transceive(&mut link, &[0])),
            Err(NfcError::InvalidBlock(BlockError::Length))
        );
    }

    #[test]
    fn presence_check_and_deselect() {
        // nfcpy's test_is_present: `B2` answered `A3`, then a timeout.
        let mut link = script(&[Ok(&[0xA3]), Err(RfFault::Timeout), Err(RfFault::Timeout)]);
        let mut dep = IsoDep::new(256, 256, FWT);
        assert!(block_on(dep.presence_check(&mut link)).unwrap());
        assert!(!block_on(dep.presence_check(&mut link)).unwrap());
        assert_eq!(link.sent, vec![vec![0xB2]; 3]);
        let mut link = script(&[Ok(&[0xC2])]);
        assert!(block_on(dep.deselect(&mut link)).unwrap());
        let mut link = script(&[Err(RfFault::Timeout), Err(RfFault::Timeout)]);
        assert!(!block_on(dep.deselect(&mut link)).unwrap());
    }
}
