//! After a test run: no seeded resident's personal data in any server log.

use std::path::Path;

use crate::Result;

pub fn check_logs(dir: &Path) -> Result {
    let mut needles: Vec<String> = Vec::new();
    for holder in kofu_municipal::seed::CARD_HOLDERS {
        needles.push(holder.address.to_owned());
        for r in holder.members {
            needles.extend([r.name, r.name_kana, r.birth_date].map(String::from));
            // Family and given names on their own too.
            needles.extend(r.name.split(' ').filter(|part| part.chars().count() >= 2).map(String::from));
        }
    }
    // The generated towns: full names and addresses (their dates could match timestamps).
    for code in [kofu_municipal::seed::INZAI, kofu_municipal::seed::CHIYODA] {
        for household in kofu_municipal::seed::population(code, 2026).map_err(|e| e.to_string())? {
            needles.push(household.address);
            needles.extend(household.members.into_iter().flat_map(|p| [p.name, p.name_kana]));
        }
    }
    needles.sort();
    needles.dedup();
    let mut checked = 0;
    let mut failed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "log") {
            let text = String::from_utf8_lossy(&std::fs::read(&path).map_err(|e| e.to_string())?).into_owned();
            checked += 1;
            for needle in &needles {
                if text.contains(needle) {
                    failed.push(format!("{} contains a seeded resident's personal data", path.display()));
                }
            }
        }
    }
    if checked == 0 {
        return Err(String::from("no server logs were written"));
    }
    println!("log privacy: {checked} logs checked for {} personal strings", needles.len());
    if failed.is_empty() {
        println!("{} passed, 0 failed", checked);
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}
