//! `cargo xtask bench`: the budgets of the developers' guide, measured in one run and written
//! to BENCHMARKS.md: bundle sizes, cold start, signature checks against a JS WebCrypto peer,
//! issuances per second with p50/p99, municipal memory. Timings are reported, never asserted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::stack::{Mode, Stack};
use crate::{Result, build, root, run};

const JS_PEER_PORT: u16 = 28800;

pub const BUDGET_BYTES: usize = 250 * 1024;

fn gzip_len(path: &Path) -> Result<usize> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len())
}

/// Files under `dir` (with subfolders: Trunk puts JS snippets in `snippets/`) whose name
/// ends with one of `suffixes`.
pub fn files(dir: &Path, suffixes: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            out.extend(files(&path, suffixes)?);
        } else if suffixes.iter().any(|s| name.ends_with(s)) {
            out.push(path);
        }
    }
    Ok(out)
}

pub fn total_gzip(paths: &[PathBuf]) -> Result<usize> {
    paths.iter().map(|p| gzip_len(p)).sum()
}

pub fn bench() -> Result {
    // The size is the deployed bundle's; the timings need the lab build (rebuilt below).
    build::worker(build::Worker::Deployed)?;
    // The release kiosk build: no virtual card, no dev key.
    let release_dist = root().join("target/bench-dist");
    run(build::small_wasm(Command::new("trunk").args(["build", "--release", "--dist"]).arg(&release_dist)))?;
    let app = total_gzip(&files(&release_dist, &["_bg.wasm", ".js"])?)?;
    let [verify, operator] = build::PAGES.map(|page| {
        let dist = root().join(format!("target/bench-dist-{page}"));
        build::page_bundle(page, &dist).and_then(|()| total_gzip(&files(&dist, &["_bg.wasm", ".js"])?))
    });
    let (verify, operator) = (verify?, operator?);
    let worker = total_gzip(&files(&root().join("edge/build"), &["_bg.wasm", ".js"])?)?;
    build::worker(build::Worker::Lab)?;
    let rows = [
        ("kiosk app (release), wasm + js, gzip", app),
        ("edge worker bundle (deployed build), wasm + js, gzip", worker),
        ("/verify page (its own bundle), wasm + js, gzip", verify),
        ("operator screen (its own bundle), wasm + js, gzip", operator),
    ];
    let mut table = String::from("| what | measured | budget | within |\n|---|---|---|---|\n");
    for (what, bytes) in rows {
        let within = if bytes <= BUDGET_BYTES { "yes" } else { "**no**" };
        table.push_str(&format!("| {what} | {:.1} KB | 250 KB | {within} |\n", bytes as f64 / 1024.0));
    }
    println!("{table}");
    let measured = timings()?;
    let municipal = municipal_costs()?;
    let breakdown = crate::bundle::kiosk_breakdown()?;
    let date = crate::utc_now()?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let text = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` on {date}; {cores} cores ({cpu}). Sizes are gzip -9 \
         of the built files; every timing below comes from this same run.\n\n## Sizes\n\n{table}\n{breakdown}{measured}{municipal}\
         ## Card\n\nAPDUs per issuance: 9 with an extended-length reader (SELECT AP, SELECT 000A,\n\
         READ header, READ rest, SELECT 0018, VERIFY empty, VERIFY, SELECT 0017, SIGN), asserted in\n\
         `card/tests/jpki_virtual.rs`; per reader profile in README \"Real readers\".\n"
    );
    std::fs::write(root().join("BENCHMARKS.md"), text).map_err(|e| e.to_string())
}

/// The municipal server's SQL and sign+seal costs per core (`municipal-bench`, release).
fn municipal_costs() -> Result<String> {
    run(Command::new("cargo").args(["build", "--release", "-p", "kofu-tests", "--bin", "municipal-bench"]))?;
    let out = Command::new(root().join("target/release/municipal-bench"))
        .output()
        .map_err(|e| format!("municipal-bench: {e}"))?;
    if !out.status.success() {
        return Err(format!("municipal-bench failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let measured = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{measured}");
    Ok(measured)
}

/// Starts the bench stack and the JS peer, then runs `edge-bench` (release) against them.
fn timings() -> Result<String> {
    run(Command::new("cargo").args(["build", "--release", "-p", "kofu-municipal"]))?;
    // The stack serves dist/: the dev build, whose virtual card the heap run uses.
    build::app()?;
    run(Command::new("cargo").args(["build", "--release", "-p", "kofu-tests", "--bin", "edge-bench"]))?;
    let mut stack = Stack::start(Mode::Bench)?;
    let (peer_url, peer_cold) = stack.start_js_peer(JS_PEER_PORT)?;
    let mut env = stack.env();
    env.push(("KOFU_PEER_URL".into(), peer_url));
    env.push(("KOFU_MUNICIPAL_PID".into(), stack.municipal_pid().to_string()));
    let out = Command::new(root().join("target/release/edge-bench"))
        .envs(env)
        .current_dir(root())
        .output()
        .map_err(|e| format!("edge-bench: {e}"))?;
    if !out.status.success() {
        return Err(format!("edge-bench failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let measured = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{measured}");
    let heap = kiosk_heap(&stack)?;
    let cold = format!(
        "## Cold start\n\nFrom spawning `wrangler dev` to the first answer (workerd start, bundle load, first \
         request): kofu worker {:.2} s, JS peer {:.2} s.\n\n",
        stack.edge_cold_start.as_secs_f64(),
        peer_cold.as_secs_f64()
    );
    drop(stack);
    Ok(format!("{measured}{heap}{cold}"))
}

/// The kiosk app's memory over 100 issuances (`bench/kiosk-heap.mjs`, dev build in dist/).
fn kiosk_heap(stack: &Stack) -> Result<String> {
    let out = Command::new("node")
        .arg("bench/kiosk-heap.mjs")
        .envs(stack.env())
        .current_dir(root())
        .output()
        .map_err(|e| format!("kiosk-heap: {e}"))?;
    if !out.status.success() {
        return Err(format!("kiosk-heap failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let measured = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{measured}");
    Ok(measured)
}
