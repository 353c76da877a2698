//! The RC-S380 driver against scripted USB transfers: the frames nfcpy sends and its test
//! suite records (nfcpy `tests/test_clf_rcs380.py`, `src/nfc/clf/rcs380.py`), reproduced
//! byte for byte, and every way a reply can be wrong as a typed error.

use std::collections::VecDeque;

use futures_executor::block_on;
use kofu_card::TransportError;
use kofu_card::ccid::BulkPipe;
use kofu_card::nfc::{ContactlessReader, RfFault, RfTransceiver, typeb};
use kofu_card::rcs380::{ChipStatus, CommError, FrameError, Rcs380, Rcs380Error, command, frame};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// nfcpy's test helpers: `RSP(x)` is a data frame around `D7 x`.
fn rsp(x: &str) -> Vec<u8> {
    frame::encode(&hex(&format!("D7 {x}")))
}

fn ack() -> Vec<u8> {
    frame::ACK.to_vec()
}

/// Records every bulk-OUT transfer and answers bulk-IN from a script.
#[derive(Default)]
struct Scripted {
    out: Vec<Vec<u8>>,
    replies: VecDeque<Vec<u8>>,
    chunk: Option<usize>,
}

impl Scripted {
    fn new(replies: Vec<Vec<u8>>) -> Self {
        Scripted { replies: replies.into(), ..Scripted::default() }
    }
    fn push(&mut self, replies: Vec<Vec<u8>>) {
        self.replies.extend(replies);
    }
}

impl BulkPipe for Scripted {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.out.push(bytes.to_vec());
        Ok(())
    }
    async fn receive(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        let mut next = self.replies.pop_front().ok_or(TransportError::Timeout)?;
        let size = self.chunk.unwrap_or(max_len).min(max_len);
        if next.len() > size {
            self.replies.push_front(next.split_off(size));
        }
        Ok(next)
    }
}

/// nfcpy's chipset fixture replies to open: SetCommandType, GetFirmwareVersion, SwitchRF.
fn open_replies() -> Vec<Vec<u8>> {
    vec![ack(), rsp("2b 00"), ack(), rsp("21 1101"), ack(), rsp("07 00")]
}

fn opened() -> Rcs380<Scripted> {
    let chip = block_on(Rcs380::open(Scripted::new(open_replies()))).unwrap();
    assert_eq!(chip.firmware_version(), (1, 0x11));
    chip
}

#[test]
fn the_recorded_frames_byte_for_byte() {
    let mut chip = opened();
    chip.pipe_mut().push(vec![
        ack(),
        rsp("01 00"),
        ack(),
        rsp("03 00"),
        ack(),
        rsp("03 00"),
        ack(),
        rsp("05 00000000 08 50E8253EEC00000011008185"),
    ]);
    block_on(chip.configure_type_b()).unwrap();
    let atqb = block_on(chip.in_comm_rf(&typeb::reqb(false), 30_000)).unwrap().unwrap();
    assert_eq!(atqb, hex("50E8253EEC00000011008185"));
    let out = &chip.pipe_mut().out;
    let expected = [
        // Soft reset, SetCommandType(1), GetFirmwareVersion, SwitchRF off.
        hex("00 00 ff 00 ff 00"),
        hex("00 00 ff ff ff 03 00 fd d6 2a 01 ff 00"),
        frame::encode(&hex("d6 20")),
        hex("00 00 ff ff ff 03 00 fd d6 06 00 24 00"),
        // InSetRF 106B, InSetProtocol defaults, InSetProtocol Type B, InCommRF SENSB_REQ.
        hex("00 00 ff ff ff 06 00 fa d6 00 03 07 0f 07 0a 00"),
        frame::encode(&hex(
            "d6 02 00 18 01 01 02 01 03 00 04 00 05 00 06 00 07 08 08 00 09 00 0a 00 0b 00 0c 00 0e 04 0f 00 10 00 11 00 12 00 13 06",
        )),
        hex("00 00 ff ff ff 0c 00 f4 d6 02 0b 01 09 01 0c 01 0a 01 00 14 e6 00"),
        hex("00 00 ff ff ff 07 00 f9 d6 04 36 01 05 00 10 da 00"),
    ];
    assert_eq!(out.len(), expected.len());
    for (i, (got, want)) in out.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "transfer {i}");
    }
    // nfcpy: every command is one transfer out, an ACK and a reply in.
    assert_eq!(chip.transfers(), 1 + 7 * 3);
}

#[test]
fn nfcpy_type_b_exchange_and_its_timeout_parameter() {
    // test_send_cmd_recv_rsp_with_ttb_target: `04 1a27 3132` (1 s) answered `05 00000000 08 3334`.
    let mut chip = opened();
    chip.pipe_mut().push(vec![
        ack(),
        rsp("01 00"),
        ack(),
        rsp("03 00"),
        ack(),
        rsp("03 00"),
        ack(),
        rsp("0500000000083334"),
    ]);
    let answer = block_on(chip.transceive(b"12", 1_000_000)).unwrap();
    assert_eq!(answer, Ok(b"34".to_vec()));
    assert_eq!(chip.pipe_mut().out.last().unwrap(), &frame::encode(&hex("D6 04 1a27 3132")));
}

#[test]
fn a_frame_filling_its_last_packet_is_followed_by_a_zero_length_packet() {
    let mut chip = opened();
    // D6 04, the timeout and 50 RF bytes: 54 data bytes, a 64-byte frame.
    chip.pipe_mut().push(vec![ack(), rsp("05 00000000 08 02 9000")]);
    let before = chip.pipe_mut().out.len();
    block_on(chip.in_comm_rf(&[0x02; 50], 80_000)).unwrap().unwrap();
    let out = &chip.pipe_mut().out[before..];
    assert_eq!(out[0].len(), 64);
    assert_eq!(out[1], Vec::<u8>::new());
    // One byte less: no zero-length packet.
    chip.pipe_mut().push(vec![ack(), rsp("05 00000000 08 02 9000")]);
    let before = chip.pipe_mut().out.len();
    block_on(chip.in_comm_rf(&[0x02; 49], 80_000)).unwrap().unwrap();
    assert_eq!(chip.pipe_mut().out.len(), before + 1);
}

#[test]
fn in_comm_rf_status_bits_are_typed() {
    // nfcpy's receive timeout `05 80000000` and its other status words.
    for (status, expected) in [
        ("80000000", CommError::Timeout),
        ("04000000", CommError::Crc),
        ("02000000", CommError::Parity),
        ("01000000", CommError::Protocol),
        ("40000000", CommError::Temperature),
        ("00040000", CommError::RfOff),
    ] {
        let mut chip = opened();
        chip.pipe_mut().push(vec![ack(), rsp(&format!("05 {status}"))]);
        assert_eq!(block_on(chip.in_comm_rf(&[0x05, 0x00, 0x10], 30_000)).unwrap(), Err(expected));
    }
    // Through the RF trait: recoverable ones are faults for ISO-DEP, the rest reader errors.
    let mut chip = opened().configure_once();
    chip.pipe_mut().push(vec![ack(), rsp("01 00"), ack(), rsp("03 00"), ack(), rsp("03 00")]);
    chip.pipe_mut().push(vec![ack(), rsp("05 04000000"), ack(), rsp("05 00040000")]);
    assert_eq!(block_on(chip.transceive(&[0xB2], 80_000)).unwrap(), Err(RfFault::Crc));
    assert_eq!(block_on(chip.transceive(&[0xB2], 80_000)), Err(Rcs380Error::Comm(CommError::RfOff)));
}

#[test]
fn bad_replies_are_typed_errors() {
    let cases: Vec<(Vec<Vec<u8>>, Rcs380Error)> = vec![
        (vec![ack(), rsp("01 01")], Rcs380Error::Status { command: 0x00, status: ChipStatus::Parameter }),
        (vec![ack(), rsp("01 07")], Rcs380Error::Status { command: 0x00, status: ChipStatus::CommandType }),
        (vec![ack(), rsp("01")], Rcs380Error::ShortReply(0x00)),
        (vec![rsp("01 00")], Rcs380Error::NoAck(0x00)),
        (vec![ack(), ack()], Rcs380Error::UnexpectedReply { command: 0x00, got: [0x00, 0xFF] }),
        // nfcpy's test_send_command_invalid_response_code: D6 01 and D7 00.
        (vec![ack(), frame::encode(&hex("D601"))], Rcs380Error::UnexpectedReply { command: 0x00, got: [0xD6, 0x01] }),
        (vec![ack(), frame::encode(&hex("D700"))], Rcs380Error::UnexpectedReply { command: 0x00, got: [0xD7, 0x00] }),
        (vec![frame::ERROR_FRAME.to_vec()], Rcs380Error::ErrorFrame),
        (vec![ack(), hex("0000ffffff0200fe31329e00")], Rcs380Error::Frame(FrameError::DataChecksum)),
        (vec![hex("0100ff00ff00")], Rcs380Error::Frame(FrameError::Preamble)),
        (vec![], Rcs380Error::Transport(TransportError::Timeout)),
        (vec![vec![]], Rcs380Error::Transport(TransportError::Reader("empty bulk-IN transfer".into()))),
    ];
    for (replies, expected) in cases {
        let mut chip = opened();
        chip.pipe_mut().push(replies);
        assert_eq!(block_on(chip.in_set_rf(&command::RF_106B)), Err(expected));
    }
    // InCommRF replies cut short.
    for reply in ["05 000000", "05 00000000"] {
        let mut chip = opened();
        chip.pipe_mut().push(vec![ack(), rsp(reply)]);
        assert_eq!(block_on(chip.in_comm_rf(&[0xB2], 1_000)), Err(Rcs380Error::ShortReply(0x04)));
    }
    // An RF frame over the chip's limit is refused before anything is sent.
    let mut chip = opened();
    assert_eq!(block_on(chip.in_comm_rf(&[0; 291], 1_000)), Err(Rcs380Error::RfFrameTooLong(291)));
}

#[test]
fn replies_split_over_transfers_or_after_stale_frames_are_read_whole() {
    let mut pipe =
        Scripted::new(vec![rsp("05 80000000"), ack(), rsp("2b 00"), ack(), rsp("21 1101"), ack(), rsp("07 00")]);
    pipe.chunk = Some(5);
    let chip = block_on(Rcs380::open(pipe)).unwrap();
    assert_eq!(chip.firmware_version(), (1, 0x11));
}

#[test]
fn garbage_from_the_reader_never_panics() {
    let mut seed = 11u32;
    for len in 0..300 {
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        let mut pipe = Scripted::new(vec![junk.clone(); 4]);
        pipe.chunk = Some(len % 17 + 1);
        assert!(block_on(Rcs380::open(pipe)).is_err());
    }
}

#[test]
fn no_card_means_a_poll_that_finds_nothing() {
    let mut chip = opened();
    for _ in 0..2 {
        chip.pipe_mut().push(vec![ack(), rsp("01 00"), ack(), rsp("03 00"), ack(), rsp("03 00")]);
        chip.pipe_mut().push(vec![ack(), rsp("05 80000000")]);
    }
    let mut reader = ContactlessReader::new(chip);
    assert_eq!(block_on(reader.poll()), Ok(None));
    assert_eq!(reader.link_mut().rf_frames(), 2);
    assert_eq!(reader.link_mut().max_timeout_us(), command::MAX_TIMEOUT_US);
}

/// An nfcpy debug log against a real RC-S380/P (firmware 1.11), quoted in
/// marioninc/webusb-felica `demo.html`: what the host sent, what the unit answered.
const UNIT_LOG: [(&str, &[&str]); 5] = [
    ("0000ffffff0300fdd62a01ff00", &["0000ff00ff00", "0000ffffff0300fdd72b00fe00"]),
    ("0000ffffff0200fed6200a00", &["0000ff00ff00", "0000ffffff0400fcd7211101f600"]),
    ("0000ffffff0300fdd606002400", &["0000ff00ff00", "0000ffffff0300fdd707002200"]),
    ("0000ffffff0600fad60001010f011800", &["0000ff00ff00", "0000ffffff0300fdd701002800"]),
    ("0000ffffff0400fcd60200181000", &["0000ff00ff00", "0000ffffff0300fdd703002600"]),
];

#[test]
fn the_driver_sends_and_reads_what_a_real_unit_logged() {
    let replies: Vec<Vec<u8>> = UNIT_LOG[..3].iter().flat_map(|(_, r)| r.iter().map(|h| hex(h))).collect();
    let mut chip = block_on(Rcs380::open(Scripted::new(replies))).unwrap();
    assert_eq!(chip.firmware_version(), (1, 0x11));
    let sent = &chip.pipe_mut().out;
    for (i, (command, _)) in UNIT_LOG[..3].iter().enumerate() {
        assert_eq!(sent[1 + i], hex(command), "command {i}");
    }
    // The unit's answer to InCommRF with a Type A SENS_RES: status 0, the byte 08, the frame.
    chip.pipe_mut().push(vec![ack(), hex("0000ffffff0900f7d705000000000804001800")]);
    assert_eq!(block_on(chip.in_comm_rf(&[0x26], 30_000)).unwrap(), Ok(vec![0x04, 0x00]));
}

#[test]
fn the_virtual_rc_s380_answers_like_the_real_unit() {
    use kofu_card::nfc::virtual_picc::VirtualTypeBCard;
    use kofu_card::rcs380::virtual_device::VirtualRcs380;
    use kofu_card::virtual_card::VirtualCard;
    let key = include_bytes!("../../fixtures/test-only/card-1.key.der");
    let cert = include_bytes!("../../fixtures/test-only/card-1.cert.der");
    let mut device = VirtualRcs380::new(VirtualTypeBCard::new(VirtualCard::new(key, cert, b"1234").unwrap()));
    for (command, answers) in UNIT_LOG {
        block_on(device.send(&hex(command))).unwrap();
        for answer in answers {
            assert_eq!(block_on(device.receive(300)).unwrap(), hex(answer), "answer to {command}");
        }
    }
}
