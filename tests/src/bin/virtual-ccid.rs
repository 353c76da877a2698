//! A virtual CCID reader with a virtual card, driven line by line over stdin/stdout, so the
//! browser tests' fake `navigator.usb` reaches the same reader the native tests use. TEST-ONLY.
//!
//! Usage: `virtual-ccid <profile> <card key.der> <card cert.der>`, the profile one of
//! `ReaderProfile::ALL` (card/src/ccid/virtual_reader/profiles.rs): extended, extended-271,
//! extended-522, short, tpdu-t1, tpdu-t0, tpdu-263, pinpad, descriptor-ff.
//! Requests (one per line) and answers:
//!   `config` → configuration descriptor hex · `out <hex>` → `ok`
//!   `in <max>` → hex, `wait` (a PIN-pad entry is pending: nothing to read yet, ask again
//!   later, as a real bulk-IN stays pending) or `none` (nothing will come: a stall)
//!   `int` → NotifySlotChange hex or `none` · `insert` / `remove` → `ok`
//!   `verifications` → how many VERIFY-with-PIN the card has executed
//!   `traffic` → `longest_in longest_out over_limit command_parts answer_parts`: message
//!   sizes seen and how many were refused for exceeding the reader's limit.
//!
//! The PIN pad (profile `pinpad`), for browser tests of secure PIN entry: when the kiosk
//! calls `verify_on_reader_pinpad`, the reader holds the `PC_to_RDR_Secure` until the test
//! acts on its keypad, and the page's bulk-IN waits meanwhile.
//!   `padwaiting` → `yes` while the reader waits for keys, else `no`
//!   `pad <digits>` (e.g. `pad 1234`, then OK) · `pad cancel` · `pad timeout` → `ok`; an
//!   act given before the reader waits is kept for the next entry.
//!   The digits go from the test to the virtual reader only: the page never sees them.

use std::io::{BufRead, Write};

use futures_executor::block_on;
use kofu_card::ccid::BulkPipe;
use kofu_card::ccid::virtual_reader::{KeypadEntry, ReaderProfile, VirtualCcidReader};
use kofu_card::virtual_card::VirtualCard;

fn reader(profile: &str, key: &[u8], cert: &[u8]) -> Result<VirtualCcidReader, String> {
    let card = VirtualCard::new(key, cert, b"1234").map_err(|_| "unusable card key".to_owned())?;
    let profile = ReaderProfile::from_name(profile).ok_or_else(|| format!("unknown profile {profile}"))?;
    Ok(profile.build(card))
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
        "in" if reader.awaiting_entry() => "wait".into(),
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
        "traffic" => {
            let t = reader.traffic();
            format!("{} {} {} {} {}", t.longest_in, t.longest_out, t.over_limit, t.command_parts, t.answer_parts)
        }
        "padwaiting" => if reader.awaiting_entry() { "yes" } else { "no" }.into(),
        "pad" => {
            let entry = match arg {
                "cancel" => Some(KeypadEntry::Cancel),
                "timeout" => Some(KeypadEntry::Timeout),
                digits => KeypadEntry::digits(digits),
            };
            match entry {
                Some(entry) => {
                    reader.press(entry);
                    "ok".into()
                }
                None => "error pad takes digits, cancel or timeout".into(),
            }
        }
        _ => "error unknown request".into(),
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, profile, key, cert] = args.as_slice() else {
        let names: Vec<&str> = ReaderProfile::ALL.iter().map(|p| p.name()).collect();
        return Err(format!("usage: virtual-ccid <{}> <key.der> <cert.der>", names.join("|")));
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
