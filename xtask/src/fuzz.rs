//! `cargo xtask fuzz [seconds]`: every cargo-fuzz target in fuzz/ for a fixed time each.
//! `cargo xtask fuzz --long [runs]`: every target for a number of executions (10⁷ by
//! default) on its kept corpus (`fuzz/corpus/<target>/`, committed), which is then
//! minimised; executions, coverage and corpus size go into docs/RELIABILITY.md.
//! Crashes land in fuzz/artifacts/<target>/ and fail the run.

use std::process::Command;

use crate::{Result, root, run, tools};

pub const CARGO_FUZZ: &str = "0.13.2";
pub const DEFAULT_SECONDS: u64 = 60;

/// Seeds for the contactless targets: (target, file, bytes).
const NFC_SEEDS: &[(&str, &str, &[u8])] = &[
    ("rcs380_frame", "ack", &[0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00]),
    (
        "rcs380_frame",
        "set-command-type",
        &[0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x03, 0x00, 0xFD, 0xD6, 0x2A, 0x01, 0xFF, 0x00],
    ),
    ("rcs380_frame", "error", &[0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00]),
    ("atqb", "nfcpy", &[0x50, 0xE8, 0x25, 0x3E, 0xEC, 0x00, 0x00, 0x00, 0x11, 0x00, 0x81, 0x85]),
    ("isodep_block", "i-block", &[0x03, 0x90, 0x00]),
    ("isodep_block", "wtx", &[0xF2, 0x01]),
];

fn fuzz_command() -> Command {
    let mut cmd = Command::new("cargo");
    // cargo-fuzz passes -Z sanitizer flags; this machine has one (stable) toolchain.
    cmd.env("RUSTC_BOOTSTRAP", "1").arg("fuzz");
    // The workspace's release profile is the deployed one (fat LTO, one codegen unit): slow
    // to build and without the line numbers a crash report wants.
    cmd.envs([
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ("CARGO_PROFILE_RELEASE_DEBUG", "1"),
        ("CARGO_PROFILE_RELEASE_STRIP", "none"),
    ]);
    cmd
}

pub const LONG_RUNS: u64 = 10_000_000;
const FUZZ_BEGIN: &str = "<!-- fuzz: written by `cargo xtask fuzz --long` -->";
const FUZZ_END: &str = "<!-- /fuzz -->";

pub fn fuzz(seconds: u64) -> Result {
    let targets = prepare()?;
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

/// What one long run of a target did, from libFuzzer's own final report.
struct LongRun {
    target: String,
    executions: u64,
    coverage: u64,
    corpus: usize,
    seconds: u64,
}

pub fn fuzz_long(runs: u64) -> Result {
    let targets = prepare()?;
    let logs = root().join(".kofu/fuzz");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for target in &targets {
        let started = std::time::Instant::now();
        let mut cmd = fuzz_command();
        cmd.args(["run", target, "--fuzz-dir", "fuzz", "--"]).args([
            format!("-runs={runs}"),
            "-rss_limit_mb=2048".into(),
            "-print_final_stats=1".into(),
        ]);
        eprintln!("xtask: $ {cmd:?}");
        let out = crate::tools::offline_env(cmd.current_dir(root())).output().map_err(|e| e.to_string())?;
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        std::fs::write(logs.join(format!("{target}.log")), &log).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "fuzz target {target} failed: see .kofu/fuzz/{target}.log and fuzz/artifacts/{target}/"
            ));
        }
        let executions = final_stat(&log, "stat::number_of_executed_units:")
            .ok_or(format!("{target}: libFuzzer reported no execution count"))?;
        let coverage = last_coverage(&log).unwrap_or(0);
        run(fuzz_command().args(["cmin", target, "--fuzz-dir", "fuzz"]))?;
        let corpus = std::fs::read_dir(root().join("fuzz/corpus").join(target)).map_or(0, |d| d.count());
        results.push(LongRun {
            target: target.clone(),
            executions,
            coverage,
            corpus,
            seconds: started.elapsed().as_secs(),
        });
    }
    write_long_section(&results, runs)
}

/// `stat::number_of_executed_units: 123` from `-print_final_stats=1`.
fn final_stat(log: &str, name: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| l.strip_prefix(name))?.trim().parse().ok()
}

/// The last `cov: N` libFuzzer printed (its `DONE` line).
fn last_coverage(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| {
        let (_, rest) = l.split_once(" cov: ")?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn write_long_section(results: &[LongRun], runs: u64) -> Result {
    let mut body = format!(
        "Run {} on {} cores: `cargo xtask fuzz --long {runs}`, 0 crashes.\n\n\
         | target | executions | coverage (edges) | corpus after cmin | seconds |\n|---|---|---|---|---|\n",
        crate::utc_now()?,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    for r in results {
        body += &format!("| `{}` | {} | {} | {} | {} |\n", r.target, r.executions, r.coverage, r.corpus, r.seconds);
    }
    crate::write_between_markers("docs/RELIABILITY.md", FUZZ_BEGIN, FUZZ_END, &body)?;
    println!("fuzz: docs/RELIABILITY.md updated");
    Ok(())
}

/// cargo-fuzz installed, the targets listed, every seed in place.
fn prepare() -> Result<Vec<String>> {
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
    // The RC-S380 and Type B parsers start from recorded frames (nfcpy's test vectors).
    for (target, name, seed) in NFC_SEEDS {
        let dir = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(name), seed).map_err(|e| e.to_string())?;
    }
    // The CCID chaining and PIN-pad targets start from a well-behaved exchange.
    for (target, name, seed) in ccid_seeds() {
        let dir = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(name), seed).map_err(|e| e.to_string())?;
    }
    let driver_seeds = root().join("fuzz/corpus/rcs380_driver");
    std::fs::create_dir_all(&driver_seeds).map_err(|e| e.to_string())?;
    std::fs::write(driver_seeds.join("issuance-start"), rcs380_driver_seed()).map_err(|e| e.to_string())?;
    Ok(targets)
}

/// A hostile reader's opening moves that are not hostile: the RC-S380 answers open, Type B
/// settings, WUPB (an ATQB), ATTRIB and one APDU, so the fuzzer starts deep in the stack.
/// Selector 0xFF: 64-byte transfers, settings sent once.
fn rcs380_driver_seed() -> Vec<u8> {
    let reply = |data: &[u8]| {
        let mut body = vec![0xD7];
        body.extend_from_slice(data);
        let len = (body.len() as u16).to_le_bytes();
        let sum = |bytes: &[u8]| bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)).wrapping_neg();
        let mut frame = vec![0x00, 0x00, 0xFF, 0xFF, 0xFF, len[0], len[1], sum(&len)];
        frame.extend_from_slice(&body);
        frame.extend_from_slice(&[sum(&body), 0x00]);
        let mut out = vec![0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
        out.extend_from_slice(&frame);
        out
    };
    let comm = |rf: &[u8]| {
        let mut data = vec![0x05, 0, 0, 0, 0, 0x08];
        data.extend_from_slice(rf);
        reply(&data)
    };
    let atqb = [0x50, 0xE8, 0x25, 0x3E, 0xEC, 0x00, 0x00, 0x00, 0x11, 0x00, 0x81, 0x85];
    let mut seed = vec![0xFF];
    for data in [&[0x2B, 0x00][..], &[0x21, 0x11, 0x01], &[0x07, 0x00], &[0x01, 0x00], &[0x03, 0x00], &[0x03, 0x00]] {
        seed.extend(reply(data));
    }
    for rf in [&atqb[..], &[0x00], &[0x02, 0x90, 0x00], &[0x13, 0x01], &[0x02, 0x90, 0x00]] {
        seed.extend(comm(rf));
    }
    seed
}

/// Scripts for `fuzz/fuzz_targets/common/scripted.rs`: each reply is bStatus (0x40: done,
/// card active), bError, bChainParameter, a third of the data length, then the data.
fn ccid_seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let reply = |chain: u8, data: &[u8]| {
        let mut out = vec![0x40, 0x00, chain, (data.len() / 3) as u8];
        out.extend_from_slice(data);
        out
    };
    // 271-byte messages: the 519-byte command in two parts, its answer in two, then a read.
    let mut chained = vec![0xFF, 0x00];
    chained.extend(reply(0x10, &[]));
    chained.extend(reply(0x01, &[0xAB; 261]));
    chained.extend(reply(0x02, &[0xAB, 0x90, 0x00]));
    chained.extend(reply(0x00, &[0x01, 0x90, 0x00]));
    // TPDU T=1 PIN pad (selector 2): the card's I-block 90 00 answers the Secure.
    let mut t1_verified = vec![0x02];
    t1_verified.extend(reply(0x00, &[0x00, 0x00, 0x02, 0x90, 0x00, 0x92]));
    // Extended level (selector 0): the reader's own cancel, bError EF.
    let cancelled = vec![0x00, 0x20, 0xEF, 0x00, 0x00];
    vec![
        ("ccid_chain", "two-parts-each-way", chained),
        ("pinpad_reply", "t1-verified", t1_verified),
        ("pinpad_reply", "cancelled", cancelled),
    ]
}

#[cfg(test)]
mod tests {
    /// The end of a real libFuzzer run with `-print_final_stats=1`.
    const LOG: &str = "#8388608\tpulse  cov: 211 ft: 640 corp: 90/2116b lim: 4096 exec/s: 419430 rss: 60Mb\n\
                       #10000000\tDONE   cov: 214 ft: 652 corp: 93/2201b lim: 4096 exec/s: 416666 rss: 61Mb\n\
                       Done 10000000 runs in 24 second(s)\n\
                       stat::number_of_executed_units: 10000000\n\
                       stat::average_exec_per_sec:     416666\n";

    #[test]
    fn reads_libfuzzers_final_report() {
        assert_eq!(super::final_stat(LOG, "stat::number_of_executed_units:"), Some(10_000_000));
        assert_eq!(super::last_coverage(LOG), Some(214));
        assert_eq!(super::final_stat("crashed early", "stat::number_of_executed_units:"), None);
    }
}
