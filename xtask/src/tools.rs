//! Installs what a fresh machine lacks, from crates.io, npm and Debian only, at the
//! versions found to work offline on these machines (docs/TOOLCHAIN.md). Checks before installing.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root, run};

pub const TRUNK: &str = "0.21.14";
pub const WORKER_BUILD: &str = "0.8.7";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Build and run the stack.
    Dev,
    /// Also the browser for tests.
    All,
}

pub fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin").join(name)
}

pub fn node_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

/// No tool may download a binary or phone home.
pub fn offline_env(cmd: &mut Command) -> &mut Command {
    let path = format!(
        "{}:{}:{}",
        root().join("node_modules/.bin").display(),
        cargo_bin("").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("WASM_BINDGEN_BIN", cargo_bin("wasm-bindgen"))
        .env("WASM_OPT_BIN", node_bin("wasm-opt"))
        .env("ESBUILD_BIN", node_bin("esbuild"))
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("DO_NOT_TRACK", "1")
}

pub fn version_of(program: &PathBuf) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err(String::from("wasm-bindgen not found in Cargo.lock"))
}

pub fn ensure(need: Need) -> Result {
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).output().map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !version_of(&cargo_bin("trunk")).is_some_and(|v| v.contains(TRUNK)) {
        run(Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK]))?;
    }
    let bindgen = locked_wasm_bindgen()?;
    if !version_of(&cargo_bin("wasm-bindgen")).is_some_and(|v| v.contains(&bindgen)) {
        // Not --locked: its lockfile names a crate version the registry no longer has.
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &bindgen]))?;
    }
    if !version_of(&cargo_bin("worker-build")).is_some_and(|v| v.contains(WORKER_BUILD)) {
        run(Command::new("cargo").args(["install", "--locked", "worker-build", "--version", WORKER_BUILD]))?;
    }
    let installed = root().join("node_modules/.package-lock.json");
    let fresh = std::fs::metadata(&installed)
        .and_then(|i| Ok(i.modified()? >= std::fs::metadata(root().join("package-lock.json"))?.modified()?))
        .unwrap_or(false);
    if !fresh {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    // The differential test signs its odd cases (bad padding, e = 3, other key sizes) with openssl.
    if need == Need::All && Command::new("openssl").arg("version").output().is_err() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "openssl"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    if need == Need::All && !PathBuf::from("/usr/bin/chromium").exists() {
        run(Command::new("apt-get").arg("update"))?;
        // With recommends, as on the machines where the browser tests were run.
        run(Command::new("apt-get")
            .args(["install", "-y", "chromium", "fonts-noto-cjk"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    // The municipal tests run on PostgreSQL too, and so does 千代田区 in the test stack.
    if need == Need::All && crate::postgres::bin_dir().is_none() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    // The printed-certificate test rasterizes Chromium's PDF and reads its QR code back
    // with a decoder that is not ours.
    if need == Need::All && !(PathBuf::from("/usr/bin/pdftoppm").exists() && PathBuf::from("/usr/bin/zbarimg").exists())
    {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "poppler-utils", "zbar-tools"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    Ok(())
}
