//! `cargo xtask soak [--kiosks N] [--issuances M] [--seconds S]`: the load and fault
//! harness (tests/src/bin/soak) against a fresh test stack; its numbers replace the
//! "Load" section of docs/RELIABILITY.md. `cargo xtask test` runs a small one.

use std::process::Command;

use crate::{Result, root, run, stack};

const BEGIN: &str = "<!-- soak: written by `cargo xtask soak` -->";
const END: &str = "<!-- /soak -->";

/// The size `cargo xtask test` runs: every plan, every swap kind, a few bursts.
pub const SMALL: &[&str] = &["--kiosks", "8", "--issuances", "160", "--seconds", "300"];

/// Runs the harness against `stack` with `args`; its Markdown report lands in `report`.
pub fn against(stack: &stack::Stack, args: &[&str], report: &std::path::Path) -> Result {
    run(Command::new(root().join("target/debug/soak")).args(args).arg("--report").arg(report).envs(stack.env()))
}

pub fn soak(args: &[String]) -> Result {
    crate::tools::ensure(crate::tools::Need::All)?;
    // The stack's test binaries include the harness.
    let stack = crate::test_stack()?;
    let report = stack.dir.join("soak.md");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let args = if args.is_empty() { vec!["--kiosks", "50", "--issuances", "10000", "--seconds", "900"] } else { args };
    against(&stack, &args, &report)?;
    drop(stack);
    let numbers = std::fs::read_to_string(&report).map_err(|e| format!("{}: {e}", report.display()))?;
    write_section(&numbers, &args)
}

fn write_section(numbers: &str, args: &[&str]) -> Result {
    let machine =
        format!("{} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), std::env::consts::ARCH);
    let body = format!("Run {} on {machine}: `cargo xtask soak {}`.\n\n{numbers}", crate::utc_now()?, args.join(" "));
    crate::write_between_markers("docs/RELIABILITY.md", BEGIN, END, &body)?;
    println!("soak: docs/RELIABILITY.md updated");
    Ok(())
}
