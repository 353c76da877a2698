//! The repository stands alone: a clone from a public host has nothing beside it, so no
//! tracked file may point at a path outside the checkout, and the production trust anchors
//! in `wrangler.toml` are the J-LIS certificates kept in `trust/jpki/`.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn tracked_text_files() -> Vec<PathBuf> {
    let out = Command::new("git").args(["ls-files", "-z"]).current_dir(root()).output().expect("git ls-files");
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root().join(String::from_utf8_lossy(p).as_ref()))
        .filter(|p| p.is_file())
        .collect()
}

/// Where `relative` (a run of `../` and then a name) lands from `dir`, lexically;
/// `None` when it climbs out of the checkout.
fn resolve_inside(dir: &Path, relative: &str) -> Option<PathBuf> {
    let mut depth = dir.strip_prefix(root()).ok()?.components().count();
    let mut out = dir.to_path_buf();
    for part in Path::new(relative).components() {
        match part {
            Component::ParentDir if depth == 0 => return None,
            Component::ParentDir => {
                depth -= 1;
                out.pop();
            }
            Component::Normal(name) => {
                depth += 1;
                out.push(name);
            }
            _ => {}
        }
    }
    Some(out)
}

/// Every `../…` path in a file, resolved from the folder a reader of that file resolves
/// it from: the file's own folder, or the checkout's root for README.md and xtask's
/// commands, which run there.
#[test]
fn no_tracked_file_points_outside_the_checkout() {
    let mut escapes = Vec::new();
    for file in tracked_text_files() {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let dir = file.parent().expect("a file has a folder").to_path_buf();
        for (at, _) in text.match_indices("../") {
            // Only the start of a run of `../`.
            if text[..at].ends_with("../") || text[..at].ends_with('.') {
                continue;
            }
            let rest: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-'))
                .collect();
            let relative = rest.trim_end_matches(['.', '/']);
            if !relative.trim_start_matches("../").chars().any(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let inside = [dir.clone(), root()].iter().any(|from| resolve_inside(from, relative).is_some());
            if !inside {
                escapes.push(format!("{}: {relative}", file.strip_prefix(root()).unwrap_or(&file).display()));
            }
        }
        // Where this repository's own checkouts sat beside the team's notes, and the notes
        // folder by its relative name, even where it would resolve inside (spelled in two
        // parts so this file does not find itself).
        for outside in [concat!("/work", "/shared"), concat!("/work", "/main"), concat!("..", "/shared")] {
            if text.contains(outside) {
                escapes.push(format!("{}: {outside}", file.strip_prefix(root()).unwrap_or(&file).display()));
            }
        }
    }
    assert!(escapes.is_empty(), "paths outside the checkout:\n{}", escapes.join("\n"));
}

fn pem_blocks(text: &str) -> Vec<String> {
    text.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .filter_map(|rest| rest.split("-----END CERTIFICATE-----").next())
        .map(|body| body.split_whitespace().collect())
        .collect()
}

#[test]
fn deployed_environments_trust_the_jlis_anchor_kept_in_the_repo() {
    let wrangler = std::fs::read_to_string(root().join("wrangler.toml")).expect("wrangler.toml");
    let jlis_2023 = pem_blocks(&std::fs::read_to_string(root().join("trust/jpki/auth_ca_2023.pem")).expect("anchor"));
    assert_eq!(jlis_2023.len(), 1);
    for env in ["[env.staging.vars]", "[env.production.vars]"] {
        let section = wrangler.split(env).nth(1).expect(env);
        let section = section.split("\n[").next().unwrap_or(section);
        let anchors = section.split("TRUST_ANCHORS = \"\"\"").nth(1).expect("TRUST_ANCHORS");
        let anchors = anchors.split("\"\"\"").next().unwrap_or_default();
        assert_eq!(pem_blocks(anchors), jlis_2023, "{env} trusts exactly trust/jpki/auth_ca_2023.pem");
    }
}
