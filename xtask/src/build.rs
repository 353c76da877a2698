//! Builds the three runnable parts (the kiosk app with its /verify and operator pages).

use std::process::Command;

use crate::{Result, root, run};

pub fn all() -> Result {
    municipal()?;
    worker(Worker::Lab)?;
    app()
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// What is deployed (and what the size budget measures).
    Deployed,
    /// Dev, test and bench: with the lab routes and the RustCrypto backend inside.
    Lab,
}

pub fn municipal() -> Result {
    run(Command::new("cargo").args(["build", "-p", "kofu-municipal"]))
}

/// The worker bundle in edge/build; wrangler then runs it as built (no [build] step).
/// Without symbol names: the names section alone is ~35 KB gzip of a 250 KB budget.
pub fn worker(kind: Worker) -> Result {
    let mut cmd = Command::new("worker-build");
    cmd.arg("--release").current_dir(root().join("edge")).env("CARGO_PROFILE_RELEASE_STRIP", "symbols");
    if kind == Worker::Lab {
        cmd.args([".", "--features", "lab"]);
    }
    // "z": the deployed bundle is near its 250 KB budget. The hot parsers (serde_json,
    // base64, der) keep opt-level 3 from the workspace profile, so request parsing keeps
    // its speed (BENCHMARKS.md, signature checks).
    run(cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"))
}

/// The kiosk app with the virtual card (dev feature) into dist/. Trunk's wasm-opt strips
/// the names (index.html): stripping in rustc would hide the wasm features from wasm-bindgen.
pub fn app() -> Result {
    run(small_wasm(Command::new("trunk").args(["build", "--release", "--features", "dev"])))?;
    for page in PAGES {
        page_bundle(page, &root().join("dist").join(page))?;
    }
    Ok(())
}

/// The pages beside the kiosk app, each its own small bundle: `/verify` and the operator screen.
pub const PAGES: [&str; 2] = ["verify", "operator"];

/// `page/index.html` built into `dist`, served at `/page/` (after the app: Trunk empties its
/// dist directory, and the app's is the parent).
pub fn page_bundle(page: &str, dist: &std::path::Path) -> Result {
    run(small_wasm(
        Command::new("trunk")
            .args(["build", &format!("{page}/index.html"), "--release", "--public-url", &format!("/{page}/")])
            .arg("--dist")
            .arg(dist),
    ))
}

/// Size over speed for what ships as wasm: the budgets are 250 KB gzip each. The
/// workspace profile keeps serde_json, base64 and der at opt-level 3 for the edge's request
/// path; the kiosk and its pages parse a few small bodies per transaction, so a trailing
/// `-C opt-level=z` (rustc takes the last) sizes every crate for them. The `--cfg` repeats
/// .cargo/config.toml's, which this variable replaces.
pub fn small_wasm(cmd: &mut Command) -> &mut Command {
    cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", "--cfg=web_sys_unstable_apis -Copt-level=z")
}
