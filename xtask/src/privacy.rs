//! After a test run: no seeded resident's personal data in any server log, nor anywhere in
//! what the edge stored (its D1 database, Durable Objects and caches under workerd's state
//! folder) — the edge may hold only ciphertext and non-personal metadata.

use std::path::{Path, PathBuf};

use crate::Result;

/// Names, readings and addresses of every seeded person, and the card holders' birth dates
/// (generated people's dates could match timestamps).
fn personal_strings() -> Result<Vec<String>> {
    let mut needles: Vec<String> = Vec::new();
    for holder in kofu_municipal::seed::CARD_HOLDERS {
        needles.push(holder.address.to_owned());
        for r in holder.members {
            needles.extend([r.name, r.name_kana, r.birth_date].map(String::from));
            // Family and given names on their own too.
            needles.extend(r.name.split(' ').filter(|part| part.chars().count() >= 2).map(String::from));
        }
    }
    for code in [kofu_municipal::seed::INZAI, kofu_municipal::seed::CHIYODA] {
        for household in kofu_municipal::seed::population(code, 2026).map_err(|e| e.to_string())? {
            needles.push(household.address);
            needles.extend(household.members.into_iter().flat_map(|p| [p.name, p.name_kana]));
        }
    }
    needles.sort();
    needles.dedup();
    Ok(needles)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn scan(files: &[PathBuf], needles: &[String], what: &str) -> Result {
    let mut failed = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        // Lossy decoding keeps every valid UTF-8 run (SQLite stores text as UTF-8) intact.
        let text = String::from_utf8_lossy(&bytes);
        if let Some(needle) = needles.iter().find(|n| text.contains(n.as_str())) {
            // The needle itself is personal data: name the file only.
            failed.push(format!("{} holds a seeded resident's personal data ({} bytes)", path.display(), needle.len()));
        }
    }
    println!("{what}: {} files checked for {} personal strings", files.len(), needles.len());
    if failed.is_empty() { Ok(()) } else { Err(failed.join("\n")) }
}

pub fn check_logs(dir: &Path) -> Result {
    let needles = personal_strings()?;
    let mut logs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "log") {
            logs.push(path);
        }
    }
    if logs.is_empty() {
        return Err(String::from("no server logs were written"));
    }
    scan(&logs, &needles, "log privacy")?;
    let mut stored = Vec::new();
    files_under(&dir.join("wrangler-state"), &mut stored)?;
    if !stored.iter().any(|p| p.extension().is_some_and(|e| e == "sqlite")) {
        return Err(String::from("the edge's D1 database was not found under wrangler-state"));
    }
    scan(&stored, &needles, "edge storage privacy")?;
    println!("privacy: passed");
    Ok(())
}
