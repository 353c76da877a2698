//! A virtual CCID reader with a virtual card, driven line by line over stdin/stdout, so the
//! browser tests' fake `navigator.usb` reaches the same reader the native tests use. TEST-ONLY.
//!
//! Usage: `virtual-ccid <extended|short|tpdu-t1|tpdu-t0> <card key.der> <card cert.der>`.
//! Requests (one per line) and answers:
//!   `config` → configuration descriptor hex · `out <hex>` → `ok` · `in <max>` → hex or `none`
//!   `int` → NotifySlotChange hex or `none` · `insert` / `remove` → `ok`
//!   `verifications` → how many VERIFY-with-PIN the card has executed.

use std::io::{BufRead, Write};

use futures_executor::block_on;
use kofu_card::ccid::BulkPipe;
use kofu_card::ccid::ExchangeLevel;
use kofu_card::ccid::virtual_reader::VirtualCcidReader;
use kofu_card::virtual_card::VirtualCard;

fn reader(profile: &str, key: &[u8], cert: &[u8]) -> Result<VirtualCcidReader, String> {
    let card = VirtualCard::new(key, cert, b"1234").map_err(|_| "unusable card key".to_owned())?;
    Ok(match profile {
        "extended" => VirtualCcidReader::new(card, ExchangeLevel::ExtendedApdu),
        "short" => {
            let mut r = VirtualCcidReader::new(card, ExchangeLevel::ShortApdu);
            r.short_chunk = 100;
            r
        }
        // Like the SCR3310: TPDU level, parameters set by the host, a card that asks for
        // more time and takes small blocks, so chaining and WTX run in the browser too.
        "tpdu-t1" => {
            let mut r = VirtualCcidReader::new(card, ExchangeLevel::Tpdu).without_automatic_parameters().with_ifsc(64);
            r.t1_mut().wtx_per_answer = 1;
            r.time_extensions = 1;
            r.transfer_size = 64;
            r
        }
        "tpdu-t0" => VirtualCcidReader::new(card, ExchangeLevel::Tpdu).t0_card(),
        other => return Err(format!("unknown profile {other}")),
    })
}

fn answer(reader: &mut VirtualCcidReader, line: &str) -> String {
    let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
    match verb {
        "config" => hex::encode(reader.configuration_descriptor()),
        "out" => match hex::decode(arg) {
            Ok(bytes) => match block_on(reader.send(&bytes)) {
                Ok(()) => "ok".into(),
                Err(e) => format!("error {e}"),
            },
            Err(_) => "error bad hex".into(),
        },
        "in" => match block_on(reader.receive(arg.parse().unwrap_or(65_544))) {
            Ok(bytes) => hex::encode(bytes),
            Err(_) => "none".into(),
        },
        "int" => reader.next_notification().map_or_else(|| "none".into(), hex::encode),
        "insert" => {
            reader.insert_card();
            "ok".into()
        }
        "remove" => {
            reader.remove_card();
            "ok".into()
        }
        "verifications" => reader.card().pin_verifications().to_string(),
        _ => "error unknown request".into(),
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, profile, key, cert] = args.as_slice() else {
        return Err("usage: virtual-ccid <extended|short|tpdu-t1|tpdu-t0> <key.der> <cert.der>".into());
    };
    let read = |p: &str| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
    let mut reader = reader(profile, &read(key)?, &read(cert)?)?;
    // The card starts outside the reader; the test inserts it.
    reader.remove_card();
    while reader.next_notification().is_some() {}
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let reply = answer(&mut reader, line.trim());
        let mut out = stdout.lock();
        writeln!(out, "{reply}").and_then(|()| out.flush()).map_err(|e| e.to_string())?;
    }
    Ok(())
}
