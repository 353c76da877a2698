//! The `virtual-ccid` binary speaks the line protocol the browser tests' fake
//! `navigator.usb` uses: an issuance through it with kofu's CCID driver for every profile,
//! within each reader's message limit, and the PIN pad driven by `padwaiting` / `pad …` as
//! a browser test would. Needs no stack.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use futures_executor::block_on;
use kofu_card::ccid::virtual_reader::ReaderProfile;
use kofu_card::ccid::{BulkPipe, CcidReader, find_ccid_interface};
use kofu_card::{Jpki, Pin, PinPadOutcome, PinPadPrompt, PinState, TransportError, VerifyOutcome};

const CERT: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");

struct Lines {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// What the test does at the keypad each time the reader says `wait`.
    pad: VecDeque<&'static str>,
}

impl Lines {
    fn start(profile: &str) -> Self {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only");
        let mut child = Command::new(env!("CARGO_BIN_EXE_virtual-ccid"))
            .args([profile, &format!("{fixtures}/card-1.key.der"), &format!("{fixtures}/card-1.cert.der")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("virtual-ccid starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Lines { child, stdin, stdout, pad: VecDeque::new() }
    }

    fn request(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("write request");
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).expect("read answer");
        answer.trim().to_owned()
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BulkPipe for Lines {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match self.request(&format!("out {}", hex::encode(bytes))).as_str() {
            "ok" => Ok(()),
            other => Err(TransportError::Reader(other.to_owned())),
        }
    }

    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        loop {
            match self.request(&format!("in {max_len}")).as_str() {
                "none" => return Err(TransportError::Timeout),
                "wait" => {
                    assert_eq!(self.request("padwaiting"), "yes");
                    let act = self.pad.pop_front().ok_or(TransportError::Timeout)?;
                    assert_eq!(self.request(&format!("pad {act}")), "ok");
                }
                hex => return hex::decode(hex).map_err(|e| TransportError::Reader(e.to_string())),
            }
        }
    }
}

/// The reader opened as the app opens it, a card inserted and powered, the JPKI AP
/// selected; and its message limit.
fn opened(profile: ReaderProfile) -> (Jpki<CcidReader<Lines>>, usize) {
    let mut lines = Lines::start(profile.name());
    let config = hex::decode(lines.request("config")).unwrap();
    let found = find_ccid_interface(&config).unwrap();
    assert_eq!(lines.request("insert"), "ok");
    let mut ccid = CcidReader::new(lines, &found.descriptor).unwrap();
    block_on(ccid.power_on()).unwrap();
    let mut jpki = Jpki::new(ccid);
    block_on(jpki.select_jpki()).unwrap();
    (jpki, found.descriptor.max_message_length as usize)
}

fn lines(jpki: &mut Jpki<CcidReader<Lines>>) -> &mut Lines {
    jpki.transport_mut().pipe_mut()
}

#[test]
fn an_issuance_through_the_virtual_ccid_binary_for_every_profile() {
    for profile in ReaderProfile::ALL {
        let (mut jpki, limit) = opened(profile);
        block_on(async {
            assert_eq!(jpki.read_auth_certificate().await.unwrap(), CERT, "{}", profile.name());
            assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
            assert_eq!(jpki.verify_pin(&Pin::parse("1234").unwrap()).await.unwrap(), VerifyOutcome::Verified);
            assert_eq!(jpki.sign_digest_info(&[0x30; 51]).await.unwrap().len(), 256);
        });
        assert_eq!(lines(&mut jpki).request("verifications"), "1");
        let traffic: Vec<usize> = lines(&mut jpki).request("traffic").split(' ').map(|n| n.parse().unwrap()).collect();
        let [longest_in, longest_out, over_limit, _, _] = traffic[..] else { panic!("traffic: {traffic:?}") };
        assert_eq!(over_limit, 0, "{}", profile.name());
        assert!(longest_in <= limit && longest_out <= limit, "{}: {traffic:?}", profile.name());
    }
}

#[test]
fn a_browser_test_drives_the_pin_pad_through_the_binary() {
    let (mut jpki, _) = opened(ReaderProfile::PinPad);
    assert!(jpki.pin_pad().is_some());
    assert_eq!(lines(&mut jpki).request("padwaiting"), "no");
    lines(&mut jpki).pad.extend(["cancel", "timeout", "9999", "1234"]);
    block_on(async {
        assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
        let prompt = PinPadPrompt::default();
        assert_eq!(jpki.verify_on_reader_pinpad(&prompt).await.unwrap(), PinPadOutcome::Cancelled);
        assert_eq!(jpki.verify_on_reader_pinpad(&prompt).await.unwrap(), PinPadOutcome::TimedOut);
        assert_eq!(jpki.verify_on_reader_pinpad(&prompt).await.unwrap(), PinPadOutcome::Wrong { tries_left: 2 });
        assert_eq!(jpki.verify_on_reader_pinpad(&prompt).await.unwrap(), PinPadOutcome::Verified);
        assert_eq!(jpki.sign_digest_info(&[0x30; 51]).await.unwrap().len(), 256);
    });
    assert_eq!(lines(&mut jpki).request("verifications"), "2");
    assert_eq!(lines(&mut jpki).request("pad 12a4"), "error pad takes digits, cancel or timeout");
}
