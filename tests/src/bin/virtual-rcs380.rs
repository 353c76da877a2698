//! A virtual Sony RC-S380 with the virtual My Number card as a Type B card, driven line by
//! line over stdin/stdout exactly like `virtual-ccid`, so the browser tests' fake
//! `navigator.usb` (tests/e2e/support/) can stand in for a PaSoRi. TEST-ONLY.
//!
//! Usage: `virtual-rcs380 <plain|demanding> <card key.der> <card cert.der>`.
//! Requests (one per line) and answers:
//!   `config` → configuration descriptor hex · `out <hex>` → `ok` · `in <max>` → hex or `none`
//!   `int` → `none` (the RC-S380 has no interrupt endpoint) · `insert` / `remove` → `ok`
//!   (the card placed on / lifted off the reader) · `verifications` → how many VERIFY-with-PIN
//!   the card has executed · `present` → `yes` / `no` (is the card on the reader).

use std::io::{BufRead, Write};

use futures_executor::block_on;
use kofu_card::ccid::BulkPipe;
use kofu_card::nfc::virtual_picc::VirtualTypeBCard;
use kofu_card::rcs380::virtual_device::VirtualRcs380;
use kofu_card::virtual_card::VirtualCard;

fn reader(profile: &str, key: &[u8], cert: &[u8]) -> Result<VirtualRcs380, String> {
    let card = VirtualCard::new(key, cert, b"1234").map_err(|_| "unusable card key".to_owned())?;
    let picc = VirtualTypeBCard::new(card);
    Ok(match profile {
        "plain" => VirtualRcs380::new(picc),
        // A card that takes 32-byte frames and asks for more time before every answer, with
        // replies split over 64-byte transfers: chaining and WTX run in the browser too.
        "demanding" => {
            let mut picc = picc.with_fsci(2);
            picc.wtx_per_answer = 1;
            let mut r = VirtualRcs380::new(picc);
            r.transfer_size = 64;
            r
        }
        other => return Err(format!("unknown profile {other}")),
    })
}

fn answer(reader: &mut VirtualRcs380, line: &str) -> String {
    let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
    match verb {
        "config" => hex::encode(VirtualRcs380::configuration_descriptor()),
        "out" => match hex::decode(arg) {
            Ok(bytes) => match block_on(reader.send(&bytes)) {
                Ok(()) => "ok".into(),
                Err(e) => format!("error {e}"),
            },
            Err(_) => "error bad hex".into(),
        },
        "in" => match block_on(reader.receive(arg.parse().unwrap_or(300))) {
            Ok(bytes) => hex::encode(bytes),
            Err(_) => "none".into(),
        },
        "int" => "none".into(),
        "insert" => {
            reader.place_card();
            "ok".into()
        }
        "remove" => {
            reader.lift_card();
            "ok".into()
        }
        "present" => if reader.card_in_field() { "yes" } else { "no" }.into(),
        "verifications" => reader.card().pin_verifications().to_string(),
        _ => "error unknown request".into(),
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, profile, key, cert] = args.as_slice() else {
        return Err("usage: virtual-rcs380 <plain|demanding> <key.der> <cert.der>".into());
    };
    let read = |p: &str| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
    let mut reader = reader(profile, &read(key)?, &read(cert)?)?;
    // The card starts off the reader; the test places it.
    reader.lift_card();
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let reply = answer(&mut reader, line.trim());
        let mut out = stdout.lock();
        writeln!(out, "{reply}").and_then(|()| out.flush()).map_err(|e| e.to_string())?;
    }
    Ok(())
}
