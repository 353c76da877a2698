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
    run(Command::new("worker-build").arg("--release").current_dir(root().join("edge")))
}

/// The kiosk app with the virtual card (dev feature) into dist/.
pub fn app() -> Result {
    run(Command::new("trunk").args(["build", "--release", "--features", "dev"]))
}
