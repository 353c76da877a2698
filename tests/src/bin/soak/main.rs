//! `soak`: many kiosks at once against the running test stack (edge in workerd, 印西市 on
//! SQLite, 千代田区 on PostgreSQL behind the broken municipal server in `chaos` mode). Each
//! kiosk is the kiosk app's own session code with a virtual card; every round all kiosks
//! send their issue requests in the same instant. Afterwards every register entry is
//! checked against what the kiosks accepted. Then one kiosk meets each municipal fault in
//! turn (`faults`). Run by `cargo xtask soak` (large) and
//! `cargo xtask test` (small); exits 1 when any promise is broken.
//!
//! Usage: `soak [--kiosks N] [--issuances M] [--seconds S] [--report FILE]`.

mod faults;
mod kiosk;
mod register;
mod report;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use kofu_tests::{env, ops_post, post};

pub use kiosk::{Attempt, Plan};

struct Args {
    kiosks: usize,
    issuances: u64,
    seconds: u64,
    report: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args { kiosks: 50, issuances: 10_000, seconds: 600, report: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag}: not a number: {value}"));
        match flag.as_str() {
            "--kiosks" => parsed.kiosks = usize::try_from(number()?).map_err(|e| e.to_string())?.clamp(1, 500),
            "--issuances" => parsed.issuances = number()?.max(1),
            "--seconds" => parsed.seconds = number()?.max(1),
            "--report" => parsed.report = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(parsed)
}

fn main() {
    let args = args().unwrap_or_else(|e| {
        eprintln!("soak: {e}");
        std::process::exit(2);
    });
    let broken = env("KOFU_BROKEN_MUNICIPAL_URL");
    assert_eq!(post(&format!("{broken}/_mode"), b"chaos").0, 200, "broken municipal server: chaos mode");
    let run_tag: u32 = rand_tag();
    let kiosks: Vec<kiosk::Kiosk> = (0..args.kiosks).map(|i| kiosk::Kiosk::enrolled(run_tag, i)).collect();

    let started = Instant::now();
    let (mut attempts, kiosks) = run(&args, run_tag, kiosks);
    let wall = started.elapsed();

    let (status, stats) = kofu_tests::get(&format!("{broken}/_stats"));
    assert_eq!(status, 200);
    let swaps: register::SwapStats = serde_json::from_slice(&stats).expect("broken server stats");
    let faults = faults::run(&kiosks[0], run_tag, &broken);
    attempts.push(faults.recovery.clone());

    // Entries without an outcome lapse after the stack's outcome window: wait it out.
    let window_ms: u64 = env("KOFU_OUTCOME_WINDOW_MS").parse().expect("KOFU_OUTCOME_WINDOW_MS");
    let unreported = attempts.iter().filter(|a| a.plan == Plan::NetworkLost).chain(faults.tries.iter().map(|(_, a)| a));
    if let Some(last) = unreported.map(|a| a.finished_ms).max() {
        let until = last + window_ms + window_ms / 10 + 2_000;
        let now = kofu_tests::now_ms();
        if until > now {
            eprintln!("soak: waiting {} s for unreported entries to lapse", (until - now) / 1000);
            std::thread::sleep(Duration::from_millis(until - now));
        }
    }
    let registers = register::read(run_tag);
    let audit = kofu_tests::verify_audit();
    let summary = report::Summary::new(&args, wall, &attempts, &faults, &registers, swaps, audit);
    let text = summary.markdown();
    println!("{text}");
    if let Some(path) = &args.report {
        std::fs::write(path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let broken_promises = summary.broken_promises();
    if !broken_promises.is_empty() {
        eprintln!("soak: FAILED\n{}", broken_promises.join("\n"));
        std::process::exit(1);
    }
}

/// Rounds until the issuance count or the time is reached: in each, every kiosk puts a
/// card in and verifies the PIN, all wait, then all send their issue requests at once.
fn run(args: &Args, run_tag: u32, kiosks: Vec<kiosk::Kiosk>) -> (Vec<Attempt>, Vec<kiosk::Kiosk>) {
    let barrier = Arc::new(Barrier::new(kiosks.len()));
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU64::new(0));
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let issuances = args.issuances;
    let threads: Vec<_> = kiosks
        .into_iter()
        .map(|kiosk| {
            let (barrier, stop, next, attempts) =
                (Arc::clone(&barrier), Arc::clone(&stop), Arc::clone(&next), Arc::clone(&attempts));
            std::thread::spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let prepared = (n < issuances).then(|| kiosk.prepare(run_tag, n));
                    // The leader decides for everyone between two barriers, so no kiosk is
                    // left waiting for one that stopped.
                    if barrier.wait().is_leader() && (n >= issuances || Instant::now() > deadline) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    barrier.wait();
                    if let Some(prepared) = prepared {
                        let attempt = kiosk.issue(prepared);
                        attempts.lock().expect("attempts").push(attempt);
                    }
                    if stop.load(Ordering::SeqCst) {
                        break kiosk;
                    }
                }
            })
        })
        .collect();
    let kiosks = threads.into_iter().map(|t| t.join().expect("a kiosk thread panicked")).collect();
    let attempts = Arc::try_unwrap(attempts).map(|m| m.into_inner().expect("attempts")).unwrap_or_default();
    (attempts, kiosks)
}

/// A tag for this run's transaction ids and kiosk ids, so the register check sees only them.
fn rand_tag() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    nanos ^ std::process::id().rotate_left(16)
}

/// The kiosk ids the soak enrolls (`soak-<tag>-<n>`), with fresh keys.
fn enroll(id: &str, public_key: &[u8]) {
    let enrollment = kofu_edge::core::KioskEnrollment {
        id: id.into(),
        public_key: public_key.to_vec().into(),
        operator: "soak".into(),
        store: "soak".into(),
    };
    let body = serde_json::to_vec(&enrollment).unwrap_or_default();
    let (status, answer) = ops_post("/v1/ops/kiosks", &body);
    assert_eq!(status, 200, "enroll {id}: {}", String::from_utf8_lossy(&answer));
}
