//! `cargo xtask protocol-doc`: writes docs/PROTOCOL.md's generated sections — the label
//! list, the signed-messages table and the error table — from the code's own catalogue
//! (`kofu_shared::protocol`, `ErrorCode::ALL`). The tests below fail when the committed
//! document is not what this writes, when a label appears in the document or the code
//! but not in the catalogue, or when the prose gives a code another status than the code.

use kofu_shared::ErrorCode;
use kofu_shared::protocol::{OTHER_LABELS, SIGNED_MESSAGES, SignedMessage, error_use};

use crate::{Result, root};

pub const DOC: &str = "docs/PROTOCOL.md";

type Section = fn() -> String;

const SECTIONS: &[(&str, Section)] = &[("labels", labels), ("signed-messages", signed_messages), ("errors", errors)];

fn begin(name: &str) -> String {
    format!("<!-- generated: {name} (cargo xtask protocol-doc, from shared/src/protocol.rs; do not edit here) -->")
}

fn end(name: &str) -> String {
    format!("<!-- end generated: {name} -->")
}

/// `doc` with every generated section written anew.
pub fn render(doc: &str) -> Result<String> {
    let mut out = doc.to_owned();
    for (name, section) in SECTIONS {
        let (begin, end) = (begin(name), end(name));
        if out.matches(&begin).count() != 1 || out.matches(&end).count() != 1 {
            return Err(format!("{DOC}: needs exactly one `{begin}` and one `{end}`"));
        }
        let start = out.find(&begin).map(|i| i + begin.len()).unwrap_or_default();
        let stop = out[start..].find(&end).map(|i| i + start).ok_or(format!("{DOC}: `{end}` before `{begin}`"))?;
        out.replace_range(start..stop, &format!("\n{}", section()));
    }
    Ok(out)
}

/// `cargo xtask protocol-doc`: rewrites the generated sections in place.
pub fn protocol_doc() -> Result {
    let path = root().join(DOC);
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{DOC}: {e}"))?;
    let rendered = render(&doc)?;
    if rendered == doc {
        eprintln!("xtask: {DOC} is up to date");
        return Ok(());
    }
    std::fs::write(&path, rendered).map_err(|e| format!("{DOC}: {e}"))?;
    eprintln!("xtask: {DOC}: generated sections rewritten");
    Ok(())
}

/// Table cells hold no `|` of their own.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn labels() -> String {
    let mut out = String::from("| label | used for |\n|---|---|\n");
    for m in SIGNED_MESSAGES {
        let verb = match m.algorithm {
            kofu_shared::protocol::Algorithm::Sha256 => "hashed by",
            _ => "signed by",
        };
        out += &format!("| `{}` | {verb} {}; {} |\n", m.label, cell(m.by), cell(m.carried_in));
    }
    for l in OTHER_LABELS {
        out += &format!("| `{}` | {} |\n", l.label, cell(l.used_as));
    }
    out
}

/// The exact concatenation: the label, `00`, then each part with its length in front.
fn bytes_of(m: &SignedMessage) -> String {
    let parts: Vec<String> =
        m.parts.iter().map(|p| format!("L(`{}`, {}: {})", p.name, p.kind.describe(), cell(p.what))).collect();
    format!("`{}` ‖ `00` ‖ {}", m.label, parts.join(" ‖ "))
}

fn signed_messages() -> String {
    let mut out = String::from(
        "| label | signed or hashed by | bytes, exactly | algorithm | carried in |\n|---|---|---|---|---|\n",
    );
    for m in SIGNED_MESSAGES {
        out += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.label,
            cell(m.by),
            bytes_of(m),
            cell(m.algorithm.describe()),
            cell(m.carried_in)
        );
    }
    out
}

fn errors() -> String {
    let mut out = String::from("| code | HTTP status | answered by | when |\n|---|---|---|---|\n");
    for code in ErrorCode::ALL {
        let used = error_use(*code);
        out += &format!(
            "| `{}` | {} | {} | {} |\n",
            code.as_str(),
            code.http_status(),
            cell(used.answered_by),
            cell(used.when)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn doc() -> String {
        std::fs::read_to_string(root().join(DOC)).unwrap()
    }

    #[test]
    fn the_committed_document_is_what_protocol_doc_writes() {
        let doc = doc();
        let rendered = render(&doc).unwrap();
        if rendered != doc {
            let line = doc.lines().zip(rendered.lines()).position(|(a, b)| a != b).unwrap_or(0) + 1;
            panic!("{DOC} differs from the code's catalogue from line {line}: run `cargo xtask protocol-doc`");
        }
    }

    #[test]
    fn the_health_example_is_this_builds() {
        let (version, schema) = (kofu_edge::core::VERSION, kofu_edge::core::SCHEMA_VERSION);
        let example = format!(r#""service":"kofu-edge","version":"{version}","schema":{schema}}}"#);
        assert!(doc().contains(&example), "{DOC}: the GET /v1/health example should read {example}");
    }

    #[test]
    fn render_refuses_a_document_without_its_markers() {
        assert!(render("no markers").is_err());
        let twice = format!("{0}\n{1}\n{0}\n{1}\n", begin("labels"), end("labels"));
        assert!(render(&twice).is_err());
    }

    /// Every `kofu/v1/<label>` in `text`.
    fn labels_in(text: &str) -> Vec<String> {
        let prefix = concat!("kofu", "/v1/");
        text.match_indices(prefix)
            .map(|(i, _)| {
                let rest = &text[i + prefix.len()..];
                let len = rest.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                format!("{prefix}{}", &rest[..len.unwrap_or(rest.len())])
            })
            .filter(|label| label.len() > prefix.len())
            .collect()
    }

    fn text_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        const SKIP: &[&str] = &["target", "node_modules", ".git", ".kofu", "dist", "build"];
        const TEXT: &[&str] = &["rs", "mjs", "js", "md", "toml", "json", "sh", "html", "sql"];
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !SKIP.contains(&name.to_string_lossy().as_ref()) {
                    text_files(&path, out);
                }
            } else if path.extension().is_some_and(|e| TEXT.contains(&e.to_string_lossy().as_ref())) {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_label_in_the_document_and_the_code_is_catalogued() {
        let known = kofu_shared::protocol::all_labels();
        let mut files = Vec::new();
        text_files(&root(), &mut files);
        assert!(files.iter().any(|f| f.ends_with("shared/src/signing.rs")), "the scan found the sources");
        let mut unknown = Vec::new();
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else { continue };
            for label in labels_in(&text) {
                if !known.contains(&label.as_str()) {
                    unknown.push(format!("{}: {label}", file.strip_prefix(root()).unwrap_or(file).display()));
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "labels not in kofu_shared::protocol (catalogue them, or fix the text):\n{}",
            unknown.join("\n")
        );
        let doc = doc();
        for label in known {
            assert!(labels_in(&doc).iter().any(|l| l == label), "{DOC} never names {label}");
        }
        let made_up = format!("{}card-request", concat!("kofu", "/v1/"));
        assert_eq!(labels_in(&format!("over `{made_up}`: x")), [made_up]);
    }

    /// Every `` `NNN word` `` in the prose, and every `` NNN `code` `` naming an error code.
    fn statuses_in(text: &str) -> Vec<(u16, String)> {
        let is_code = |w: &str| ErrorCode::ALL.iter().any(|c| c.as_str() == w);
        let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let mut found = Vec::new();
        let spans: Vec<&str> = text.split('`').collect();
        for (i, span) in spans.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
            if let Some((status, code)) = span.split_once(' ')
                && let Ok(status) = status.parse::<u16>()
                && word(code)
            {
                found.push((status, code.to_owned()));
            }
            let before = spans[i - 1].trim_end();
            let digits = before.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap_or("");
            if digits.len() == 3
                && is_code(span)
                && let Ok(status) = digits.parse()
            {
                found.push((status, (*span).to_owned()));
            }
        }
        found
    }

    #[test]
    fn every_status_the_prose_gives_a_code_is_the_codes() {
        let mut wrong = Vec::new();
        let statuses = statuses_in(&doc());
        assert!(statuses.iter().any(|(s, c)| *s == 401 && c == "ops_unauthorized"), "the scan finds statuses");
        for (status, code) in statuses {
            match ErrorCode::ALL.iter().find(|c| c.as_str() == code) {
                Some(c) if c.http_status() == status => {}
                Some(c) => wrong.push(format!("`{status} {code}`: the code answers {}", c.http_status())),
                None => wrong.push(format!("`{status} {code}`: no such error code")),
            }
        }
        assert!(wrong.is_empty(), "{DOC}:\n{}", wrong.join("\n"));
        assert_eq!(statuses_in("a `403 card_revoked` and 409 `challenge_used`.").len(), 2);
    }

    #[test]
    fn every_test_only_file_the_document_names_exists() {
        let doc = doc();
        let prefix = "fixtures/test-only/";
        let mut missing = Vec::new();
        for (i, _) in doc.match_indices(prefix) {
            let rest = &doc[i..];
            let path = &rest[..rest.find(|c: char| c == '`' || c.is_whitespace() || c == ')').unwrap_or(rest.len())];
            if path.len() > prefix.len() && !path.contains('{') && !root().join(path).exists() {
                missing.push(path.to_owned());
            }
        }
        assert!(missing.is_empty(), "{DOC} names files that do not exist: {missing:?}");
    }

    /// The dev stack's identities the document's table gives: the operator the dev
    /// `OPS_KEYS` lists, the kiosk xtask enrolls, and each TEST-ONLY key with its public half.
    #[test]
    fn the_documented_dev_identities_are_the_dev_stacks() {
        use crate::stack::{DEV_KIOSK_ID, DEV_OPS_KEY_ID};
        let doc = doc();
        let fixture = |name: &str| std::fs::read(root().join("fixtures/test-only").join(name)).unwrap();
        let wrangler = std::fs::read_to_string(root().join("wrangler.toml")).unwrap();
        let ops_key = format!("{DEV_OPS_KEY_ID}={}", kofu_shared::Bytes::encode(&fixture("ops-dev.pub.der")));
        assert!(wrangler.contains(&format!("OPS_KEYS = \"{ops_key}\"")), "wrangler.toml lists {DEV_OPS_KEY_ID}");
        for id in [DEV_KIOSK_ID, DEV_OPS_KEY_ID] {
            assert!(doc.contains(&format!("`{id}`")), "{DOC} names {id}");
        }
        for name in ["kiosk-dev-001", "ops-dev", "center", "center-next", "municipal-122319", "municipal-131016"] {
            let key = kofu_shared::signing::p256_signing_key(&fixture(&format!("{name}.key.der"))).unwrap();
            let public = kofu_shared::signing::p256_public_key(&fixture(&format!("{name}.pub.der"))).unwrap();
            assert_eq!(*key.verifying_key(), public, "{name}: key and public key are a pair");
            assert!(doc.contains(&format!("`fixtures/test-only/{name}.key.der`")), "{DOC} names {name}'s key");
        }
    }
}
