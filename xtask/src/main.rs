//! `cargo xtask setup|dev|test|bench|soak|fuzz|protocol-doc`. Installs what is missing (from crates.io, npm and
//! Debian only), builds every part, runs the local stack on 127.0.0.1, runs every test.

mod bench;
mod build;
mod bundle;
mod deploy;
mod fuzz;
mod ops;
mod postgres;
mod privacy;
mod protocol_doc;
mod soak;
mod stack;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("setup") => tools::ensure(tools::Need::All),
        Some("dev") => dev(),
        Some("test") => test(),
        Some("e2e") => e2e(&args[1..]),
        Some("stack-tests") => stack_tests(&args[1..]),
        Some("bench") => tools::ensure(tools::Need::Dev).and_then(|()| bench::bench()),
        Some("deploy") => deploy::deploy(&args[1..]),
        Some("ops") => ops::ops(&args[1..]),
        Some("protocol-doc") => protocol_doc::protocol_doc(),
        Some("soak") => soak::soak(&args[1..]),
        Some("fuzz") => {
            let number = |text: &str| text.parse::<u64>().ok();
            match args[1..].iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                [] => fuzz::fuzz(fuzz::DEFAULT_SECONDS),
                ["--long"] => fuzz::fuzz_long(fuzz::LONG_RUNS),
                ["--long", runs] if number(runs).is_some() => fuzz::fuzz_long(number(runs).unwrap_or_default()),
                [seconds] if number(seconds).is_some() => fuzz::fuzz(number(seconds).unwrap_or_default()),
                _ => Err(String::from("usage: cargo xtask fuzz [seconds per target] | --long [executions per target]")),
            }
        }
        _ => Err(String::from(
            "usage: cargo xtask setup|dev|test|e2e [file…] [--repeat N]|stack-tests [filter]|soak [--kiosks N] [--issuances M] [--seconds S]|bench|fuzz [seconds] | --long [runs]|deploy --env <staging|production> [--dry-run]|protocol-doc",
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The time now, for the reports xtask writes: `2026-12-03 08:15 UTC`.
pub fn utc_now() -> Result<String> {
    let out = Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]).output().map_err(|e| format!("date: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Replaces what stands between `begin` and `end` in the document at `relative` (markers
/// kept, `body` between them): the sections of docs/RELIABILITY.md the harnesses write.
pub fn write_between_markers(relative: &str, begin: &str, end: &str, body: &str) -> Result {
    let path = root().join(relative);
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
    let (before, rest) = doc.split_once(begin).ok_or(format!("{relative} has no marker {begin}"))?;
    let (_, after) = rest.split_once(end).ok_or(format!("{relative}: {begin} is not closed by {end}"))?;
    std::fs::write(&path, format!("{before}{begin}\n\n{body}\n{end}{after}")).map_err(|e| format!("{relative}: {e}"))
}

/// Runs a command in the workspace root with the offline tool environment; fails on non-zero exit.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = tools::offline_env(cmd).status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed with {status}")) }
}

fn dev() -> Result {
    tools::ensure(tools::Need::Dev)?;
    build::all()?;
    let stack = stack::Stack::start(stack::Mode::Dev)?;
    println!();
    println!("kofu is running (virtual card, TEST-ONLY keys):");
    println!("  kiosk app      {}", stack.app_url);
    println!("  edge (workerd) {}", stack.edge_url);
    println!("  municipal      {}", stack.municipal_url);
    println!("  operator       {}/operator/ (Ctrl+Alt+Shift+M on the idle kiosk; operator PIN 135790)", stack.app_url);
    println!("  logs           {}", stack.dir.display());
    println!("Open the kiosk app in Chromium. Ctrl-C stops everything.");
    stack.wait_for_interrupt()
}

fn clippy(args: &[&str]) -> Result {
    run(Command::new("cargo").arg("clippy").args(args).args(["--", "-D", "warnings"]))
}

fn test() -> Result {
    tools::ensure(tools::Need::All)?;
    run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
    clippy(&["--workspace", "--exclude", "kofu-fuzz", "--all-targets", "--features", "kofu-app/dev"])?;
    clippy(&[
        "-p",
        "kofu-app",
        "-p",
        "kofu-edge",
        "-p",
        "kofu-verify",
        "-p",
        "kofu-operator",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "kofu-app/dev,kofu-edge/lab",
    ])?;
    // The deployed worker (no lab) must lint clean on its own too.
    clippy(&["-p", "kofu-edge", "--target", "wasm32-unknown-unknown"])?;
    // The release kiosk build (no virtual card) must compile and lint clean too.
    clippy(&["-p", "kofu-app", "-p", "kofu-operator", "--target", "wasm32-unknown-unknown"])?;
    run(Command::new("cargo").args(["test", "--workspace", "--exclude", "kofu-tests", "--exclude", "kofu-fuzz"]))?;
    // The municipal server's tests once more, on PostgreSQL instead of SQLite.
    {
        let log = root().join(".kofu/postgres-unit.log");
        let cluster = postgres::Cluster::start("unit", 18796 + stack::port_offset(), &log)?;
        run(Command::new("cargo")
            .args(["test", "-p", "kofu-municipal"])
            .env("KOFU_TEST_POSTGRES", cluster.server_url()))?;
    }
    // A short pass over every parser of reader and card input; `cargo xtask fuzz` goes longer.
    fuzz::fuzz(10)?;
    let stack = test_stack()?;
    let env = stack.env();
    let stack_tests = run(Command::new("cargo").args(["test", "-p", "kofu-tests"]).envs(env.clone()));
    // A small soak: kiosks in bursts, swapped answers, lost reports, duplicates.
    let soaked = stack_tests.and_then(|()| soak::against(&stack, soak::SMALL, &stack.dir.join("soak.md")));
    let browser_tests = soaked.and_then(|()| run(Command::new("node").args(["--test", "tests/e2e/"]).envs(env)));
    let dir = stack.dir.clone();
    drop(stack);
    browser_tests?;
    privacy::check_logs(&dir)
}

/// Everything built (app, worker, test binaries) and a fresh test stack started on it.
fn test_stack() -> Result<stack::Stack> {
    build::all()?;
    build_test_bins()?;
    stack::Stack::start(stack::Mode::Test)
}

/// The virtual CCID reader behind the browser tests' fake navigator.usb, and the
/// deliberately broken municipal server in front of 千代田区.
fn build_test_bins() -> Result {
    run(Command::new("cargo").args([
        "build",
        "-p",
        "kofu-tests",
        "--bin",
        "virtual-ccid",
        "--bin",
        "broken-municipal",
        "--bin",
        "soak",
    ]))
}

/// `cargo xtask stack-tests [FILTER]`: only `tests/tests/*.rs` (the kiosk's session code
/// over HTTP) against a fresh test stack.
fn stack_tests(filter: &[String]) -> Result {
    tools::ensure(tools::Need::All)?;
    let stack = test_stack()?;
    run(Command::new("cargo").args(["test", "-p", "kofu-tests", "--"]).args(filter).envs(stack.env()))
}

/// `cargo xtask e2e [FILE…] [--repeat N]`: only the browser tests (all, or the given
/// files) against a fresh test stack, N times — for chasing a flaky test.
fn e2e(args: &[String]) -> Result {
    let mut files = Vec::new();
    let mut repeat = 1u32;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--repeat" {
            repeat = args.next().and_then(|n| n.parse().ok()).ok_or("usage: --repeat N")?;
        } else {
            files.push(arg.clone());
        }
    }
    if files.is_empty() {
        files.push("tests/e2e/".into());
    }
    tools::ensure(tools::Need::All)?;
    let stack = test_stack()?;
    let env = stack.env();
    let outcome = (0..repeat).try_for_each(|_| run(Command::new("node").arg("--test").args(&files).envs(env.clone())));
    let dir = stack.dir.clone();
    drop(stack);
    outcome?;
    privacy::check_logs(&dir)
}

#[cfg(test)]
mod marker_tests {
    #[test]
    fn writes_between_the_markers_and_keeps_the_rest() {
        let relative = "target/xtask-marker-test.md";
        std::fs::create_dir_all(super::root().join("target")).unwrap();
        std::fs::write(super::root().join(relative), "# T\n<!-- a -->\nold\n<!-- /a -->\ntail\n").unwrap();
        super::write_between_markers(relative, "<!-- a -->", "<!-- /a -->", "new\n").unwrap();
        let text = std::fs::read_to_string(super::root().join(relative)).unwrap();
        assert_eq!(text, "# T\n<!-- a -->\n\nnew\n\n<!-- /a -->\ntail\n");
        assert!(super::write_between_markers(relative, "<!-- b -->", "<!-- /b -->", "x").is_err());
    }
}
