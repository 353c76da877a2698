//! `cargo xtask deploy --env <staging|production> [--dry-run]`: builds the worker and has
//! wrangler bundle it for that environment. With `--dry-run` (works offline) it stops there
//! and checks the bundle against the 250 KB gzip budget; without, it applies the D1
//! migrations remotely and deploys (needs `wrangler login` or CLOUDFLARE_API_TOKEN).

use std::process::Command;

use crate::bench::{BUDGET_BYTES, files, total_gzip};
use crate::{Result, build, root, run, tools};

pub fn deploy(args: &[String]) -> Result {
    let usage = || String::from("usage: cargo xtask deploy --env <staging|production> [--dry-run]");
    let env = match args.iter().position(|a| a == "--env").and_then(|i| args.get(i + 1)) {
        Some(env) if env == "staging" || env == "production" => env.clone(),
        _ => return Err(usage()),
    };
    let dry_run = args.iter().any(|a| a == "--dry-run");
    tools::ensure(tools::Need::Dev)?;
    build::worker(build::Worker::Deployed)?;
    let outdir = root().join("target/deploy").join(&env);
    let _ = std::fs::remove_dir_all(&outdir);
    let wrangler = tools::node_bin("wrangler");
    run(tools::offline_env(
        Command::new(&wrangler).args(["deploy", "--dry-run", "--env", &env, "--outdir"]).arg(&outdir),
    ))?;
    let bundle = total_gzip(&files(&outdir, &["_bg.wasm", ".js"])?)?;
    println!("{env}: worker bundle {:.1} KB gzip (budget 250 KB), in {}", bundle as f64 / 1024.0, outdir.display());
    if bundle > BUDGET_BYTES {
        return Err(format!("the {env} bundle is over the 250 KB gzip budget"));
    }
    if dry_run {
        return Ok(());
    }
    // Schema first: the new code must never run against the old schema (health says 503).
    run(Command::new(&wrangler).args(["d1", "migrations", "apply", "DB", "--remote", "--env", &env]))?;
    run(Command::new(&wrangler).args(["deploy", "--env", &env]))
}
