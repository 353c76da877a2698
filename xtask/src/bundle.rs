//! What the release kiosk bundle is made of: the wasm built once more with its function
//! names kept, optimised as Trunk does, and its code and data summed by crate with twiggy
//! (crates.io). The shipped bundle is the same code without the names.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::{Result, root, run, tools};

pub const TWIGGY: &str = "0.8.0";

/// A Markdown section: the share of each crate in the kiosk's wasm (code and data).
pub fn kiosk_breakdown() -> Result<String> {
    if !tools::version_of(&tools::cargo_bin("twiggy")).is_some_and(|v| v.contains(TWIGGY)) {
        run(Command::new("cargo").args(["install", "--locked", "twiggy", "--version", TWIGGY]))?;
    }
    let target = root().join("target/size");
    run(Command::new("cargo")
        .args(["build", "-p", "kofu-app", "--release", "--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(&target)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"))?;
    let built = target.join("wasm32-unknown-unknown/release/kofu-app.wasm");
    let out = target.join("named");
    run(Command::new(tools::cargo_bin("wasm-bindgen")).args(["--target", "web", "--out-dir"]).arg(&out).arg(&built))?;
    let named = out.join("named.wasm");
    run(Command::new(tools::node_bin("wasm-opt"))
        .arg(out.join("kofu-app_bg.wasm"))
        .args(["-Oz", "-g", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext"])
        .args(["--enable-mutable-globals", "-o"])
        .arg(&named))?;
    let csv = Command::new(tools::cargo_bin("twiggy"))
        .args(["top", "-n", "1000000", "--format", "csv"])
        .arg(&named)
        .output()
        .map_err(|e| format!("twiggy: {e}"))?;
    if !csv.status.success() {
        return Err(format!("twiggy failed: {}", String::from_utf8_lossy(&csv.stderr)));
    }
    Ok(table(&by_crate(&String::from_utf8_lossy(&csv.stdout)), &named))
}

/// Rust's own crates, which say nothing about who asked for the code.
const STD: [&str; 4] = ["core", "alloc", "std", "compiler_builtins"];

/// Which crate a twiggy item belongs to: the first crate, other than Rust's own, that
/// begins a path in its name (`<kofu_app::X as core::fmt::Debug>::fmt` is kofu_app's).
fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "data (strings, tables, catalogs)".into();
    }
    let unhashed = without_crate_hashes(name);
    let crates = unhashed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|token| token.contains("::"))
        .filter_map(|path| path.split("::").next())
        .filter(|first| {
            !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    let mut first = None;
    for krate in crates {
        first.get_or_insert(krate);
        if !STD.contains(&krate) {
            return krate.to_owned();
        }
    }
    first.unwrap_or("other").to_owned()
}

/// `std[a543996e6e7dbf1e]::x` → `std::x`: rustc's crate disambiguators in v0 names.
fn without_crate_hashes(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].chars().all(|c| c.is_ascii_hexdigit()) => {
                rest = &after[close + 1..]
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn by_crate(csv: &str) -> BTreeMap<String, u64> {
    let mut sizes = BTreeMap::new();
    for line in csv.lines().skip(1) {
        // Name,ShallowSize,…: names may hold commas, so take the size from the right.
        let fields: Vec<&str> = line.rsplitn(5, ',').collect();
        let (Some(size), Some(name)) = (fields.get(3), fields.get(4)) else { continue };
        let name = name.trim_matches('"');
        if name.contains("function names") {
            continue; // the names this build keeps and the shipped one drops
        }
        *sizes.entry(crate_of(name)).or_insert(0) += size.parse::<u64>().unwrap_or(0);
    }
    sizes
}

fn table(sizes: &BTreeMap<String, u64>, wasm: &Path) -> String {
    let total: u64 = sizes.values().sum();
    let mut rows: Vec<(&String, &u64)> = sizes.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1));
    let mut text = format!(
        "## What the kiosk bundle is made of\n\nThe release kiosk's wasm ({} KB before gzip, without names), \
         its code and data by crate (twiggy on a build that keeps the names, `{}`). The gzip size above \
         shrinks each part in about the same proportion.\n\n| crate | KB | share |\n|---|---|---|\n",
        total / 1024,
        wasm.strip_prefix(root()).unwrap_or(wasm).display()
    );
    let mut rest = 0;
    for (name, size) in rows {
        if *size * 100 < total {
            rest += size;
            continue;
        }
        text.push_str(&format!(
            "| {name} | {:.1} | {:.0} % |\n",
            *size as f64 / 1024.0,
            *size as f64 * 100.0 / total as f64
        ));
    }
    text.push_str(&format!(
        "| everything under 1 % | {:.1} | {:.0} % |\n\n",
        rest as f64 / 1024.0,
        rest as f64 * 100.0 / total as f64
    ));
    text.push_str(WHY_NOT_200_KB);
    text
}

/// What reaching the 200 KB goal (issue 19) would take, as the table shows it.
const WHY_NOT_200_KB: &str = "Reaching 200 KB gzip would mean dropping a fifth of this. The two largest parts are the UI framework's renderer (tachys, with reactive_graph a quarter together) and the kiosk's own screens and state machine (kofu_app); the rest is the JSON of the protocol (serde_json), the P-256, SHA-256 and HPKE code that checks and opens the municipality's answer, and the card stack. None of them can go without a feature going: the biggest possible cut is replacing serde_json's generic code with a hand-written parser of the few kiosk messages, which this project does not do (a maintained parser over a hand-written one).\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_go_to_the_crate_that_asked_for_them() {
        assert_eq!(crate_of("kofu_app::session::Session<T>::ask::{{closure}}::h7be5"), "kofu_app");
        assert_eq!(crate_of("<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::x"), "serde_json");
        assert_eq!(crate_of("core::fmt::write::h1"), "core");
        assert_eq!(crate_of("std[a543996e6e7dbf1e]::thread::current::current"), "std");
        assert_eq!(crate_of("data segment \".rodata.9\""), "data (strings, tables, catalogs)");
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"a, b\" kofu_app::x,100,1.0,,\nsha2::compress,50,0.5,,\n\"function names\" subsection,900,9,,\n";
        let sizes = by_crate(csv);
        assert_eq!(sizes.get("kofu_app"), Some(&100));
        assert_eq!(sizes.get("sha2"), Some(&50));
        assert_eq!(sizes.values().sum::<u64>(), 150);
    }
}
