//! `cargo xtask fuzz [seconds]`: every cargo-fuzz target in fuzz/ for a fixed time each.
//! Crashes land in fuzz/artifacts/<target>/ and fail the run.

use std::process::Command;

use crate::{Result, root, run, tools};

pub const CARGO_FUZZ: &str = "0.13.2";
pub const DEFAULT_SECONDS: u64 = 60;

fn fuzz_command() -> Command {
    let mut cmd = Command::new("cargo");
    // cargo-fuzz passes -Z sanitizer flags; this machine has one (stable) toolchain.
    cmd.env("RUSTC_BOOTSTRAP", "1").arg("fuzz");
    cmd
}

pub fn fuzz(seconds: u64) -> Result {
    if !tools::version_of(&tools::cargo_bin("cargo-fuzz")).is_some_and(|v| v.contains(CARGO_FUZZ)) {
        run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz", "--version", CARGO_FUZZ]))?;
    }
    let listed = fuzz_command().args(["list", "--fuzz-dir", "fuzz"]).current_dir(root()).output();
    let listed = listed.map_err(|e| format!("cargo fuzz list: {e}"))?;
    let targets: Vec<String> = String::from_utf8_lossy(&listed.stdout).lines().map(str::to_owned).collect();
    if targets.is_empty() {
        return Err("no fuzz targets found in fuzz/".into());
    }
    // The certificate parser starts from real certificates, not from nothing.
    let seeds = root().join("fuzz/corpus/certificate");
    std::fs::create_dir_all(&seeds).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(root().join("fixtures/test-only")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.to_string_lossy().ends_with(".cert.der") {
            std::fs::copy(&path, seeds.join(path.file_name().unwrap_or_default())).map_err(|e| e.to_string())?;
        }
    }
    for target in &targets {
        run(fuzz_command().args(["run", target, "--fuzz-dir", "fuzz", "--"]).args([
            format!("-max_total_time={seconds}"),
            "-rss_limit_mb=2048".into(),
            "-print_final_stats=1".into(),
        ]))?;
    }
    println!("fuzzed {} targets for {seconds} s each: no crash", targets.len());
    Ok(())
}
