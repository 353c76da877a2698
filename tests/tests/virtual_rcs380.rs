//! The `virtual-rcs380` binary speaks the line protocol the browser tests' fake
//! `navigator.usb` uses: a whole issuance through it with kofu's RC-S380 driver, the card
//! placed and lifted by request. Needs no stack.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use futures_executor::block_on;
use kofu_card::ccid::BulkPipe;
use kofu_card::nfc::ContactlessReader;
use kofu_card::rcs380::Rcs380;
use kofu_card::{Jpki, Pin, PinState, TransportError, VerifyOutcome};

const CERT: &[u8] = include_bytes!("../../fixtures/test-only/card-1.cert.der");

struct Lines {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Lines {
    fn start(profile: &str) -> Self {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only");
        let mut child = Command::new(env!("CARGO_BIN_EXE_virtual-rcs380"))
            .args([profile, &format!("{fixtures}/card-1.key.der"), &format!("{fixtures}/card-1.cert.der")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("virtual-rcs380 starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Lines { child, stdin, stdout }
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
        match self.request(&format!("in {max_len}")).as_str() {
            "none" => Err(TransportError::Timeout),
            hex => hex::decode(hex).map_err(|e| TransportError::Reader(e.to_string())),
        }
    }
}

#[test]
fn an_issuance_through_the_virtual_rcs380_binary() {
    for profile in ["plain", "demanding"] {
        let mut lines = Lines::start(profile);
        let config = hex::decode(lines.request("config")).unwrap();
        assert_eq!(&config[..2], [0x09, 0x02]);
        assert_eq!(config[9 + 5], 0xFF, "vendor-class interface");
        assert_eq!(lines.request("int"), "none");
        let chip = block_on(Rcs380::open(lines)).unwrap();
        let mut reader = ContactlessReader::new(chip);
        // No card yet.
        assert!(!block_on(reader.card_present()).unwrap());
        assert_eq!(reader.link_mut().pipe_mut().request("insert"), "ok");
        assert!(block_on(reader.card_present()).unwrap());
        block_on(reader.activate()).unwrap();
        let mut jpki = Jpki::new(reader);
        block_on(async {
            jpki.select_jpki().await.unwrap();
            assert_eq!(jpki.read_auth_certificate().await.unwrap(), CERT);
            assert_eq!(jpki.pin_state().await.unwrap(), PinState::TriesLeft(3));
            assert_eq!(jpki.verify_pin(&Pin::parse("1234").unwrap()).await.unwrap(), VerifyOutcome::Verified);
            assert_eq!(jpki.sign_digest_info(&[0x30; 51]).await.unwrap().len(), 256);
        });
        let reader = jpki.transport_mut();
        assert_eq!(reader.link_mut().pipe_mut().request("verifications"), "1");
        assert_eq!(reader.link_mut().pipe_mut().request("remove"), "ok");
        assert_eq!(reader.link_mut().pipe_mut().request("present"), "no");
        block_on(reader.wait_for_removal(async || {})).unwrap();
    }
}
