//! Builds the three runnable parts.

use std::process::Command;

use crate::{Result, root, run};

pub fn all() -> Result {
    municipal()?;
    worker()?;
    app()
}

pub fn municipal() -> Result {
    run(Command::new("cargo").args(["build", "-p", "kofu-municipal"]))
}

/// The worker bundle in edge/build; wrangler then runs it as built (no [build] step).
pub fn worker() -> Result {
    run(small_wasm(Command::new("worker-build").arg("--release").current_dir(root().join("edge"))))
}

/// The kiosk app with the virtual card (dev feature) into dist/.
pub fn app() -> Result {
    run(small_wasm(Command::new("trunk").args(["build", "--release", "--features", "dev"])))
}

/// Size over speed for what ships as wasm, and no symbol names in it: the budgets are
/// 250 KB gzip each (the names section alone is ~35 KB gzip of the worker).
fn small_wasm(cmd: &mut Command) -> &mut Command {
    cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z").env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
}
