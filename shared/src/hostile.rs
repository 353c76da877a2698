//! TEST SUPPORT (feature `test-support`): the bad inputs every HTTP surface's tests send —
//! malformed, oversized, deeply nested, non-UTF-8, duplicate keys, hostile strings — so the
//! edge, the municipal server and the validation service are tried with one list.

use serde_json::Value;

use crate::ErrorCode;

/// In every hostile string, so a test can tell whether an answer reflects it.
pub const MARKER: &str = "kofuHostile";

/// One bad body and the refusal its surface must answer.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub body: Vec<u8>,
    pub code: ErrorCode,
}

impl Case {
    fn new(name: impl Into<String>, body: impl Into<Vec<u8>>, code: ErrorCode) -> Self {
        Case { name: name.into(), body: body.into(), code }
    }
}

/// Bodies no surface may accept, whatever its schema, for a body limit of `limit` bytes.
pub fn bodies(limit: usize) -> Vec<Case> {
    use ErrorCode::{BadRequest, BodyTooLarge};
    let mut cases = vec![
        Case::new("empty", "", BadRequest),
        Case::new("whitespace", " \r\n\t ", BadRequest),
        Case::new("open brace", "{", BadRequest),
        Case::new("cut member", r#"{"a":"#, BadRequest),
        Case::new("trailing comma", r#"{"a":1,}"#, BadRequest),
        Case::new("single quotes", "{'a':1}", BadRequest),
        Case::new("bare word", "nul", BadRequest),
        Case::new("null", "null", BadRequest),
        Case::new("number", "1e999999", BadRequest),
        Case::new("string", r#""{}""#, BadRequest),
        Case::new("array", "[{}]", BadRequest),
        Case::new("two documents", "{}{}", BadRequest),
        Case::new("NUL bytes", vec![0u8; 64], BadRequest),
        Case::new("form encoded", "kiosk_id=kiosk-dev-001", BadRequest),
        Case::new("not UTF-8", &b"\xff\xfe\xfd"[..], BadRequest),
        Case::new("overlong UTF-8 in a string", &b"{\"a\":\"\xc0\xaf\"}"[..], BadRequest),
        Case::new("invalid UTF-8 key", &b"{\"\xed\xa0\x80\":1}"[..], BadRequest),
        Case::new("lone surrogate escape", r#"{"a":"\ud800"}"#, BadRequest),
        Case::new("UTF-16 BOM", &b"\xfe\xff\x00{\x00}"[..], BadRequest),
        Case::new("nested arrays under the limit", "[".repeat(limit.min(20_000)), BadRequest),
        Case::new("nested objects under the limit", r#"{"a":"#.repeat(limit.min(20_000) / 5), BadRequest),
        Case::new("nested 100k arrays", "[".repeat(100_000), BodyTooLarge),
        Case::new("one byte over the limit", vec![b' '; limit + 1], BodyTooLarge),
    ];
    let mut long = br#"{"a":""#.to_vec();
    long.resize(limit + 1024, b'A');
    long.extend_from_slice(br#""}"#);
    cases.push(Case::new("a long string over the limit", long, BodyTooLarge));
    cases
}

/// Strings an attacker would put in a field; each contains [`MARKER`].
pub fn strings() -> Vec<(&'static str, String)> {
    let m = MARKER;
    vec![
        ("control characters", format!("{m}\u{1b}[31m\r\n\t\u{7}\u{8}")),
        ("NUL", format!("{m}\0after")),
        ("right-to-left override", format!("{m}\u{202e}gpj.exe")),
        ("zero width and BOM", format!("\u{feff}{m}\u{200b}\u{200d}")),
        ("SQL", format!("{m}' OR '1'='1'; DROP TABLE issuances; --")),
        ("markup", format!("<script>{m}</script>")),
        ("path", format!("../../{m}/../etc/passwd")),
        ("format string", format!("{m}%s%n%x{{}}")),
        ("noncharacters", format!("{m}\u{fffe}\u{ffff}\u{10ffff}")),
        ("long", format!("{m}{}", "Ａ".repeat(3000))),
    ]
}

/// The object `valid` with its first member written twice (JSON allows it; serde refuses).
pub fn duplicate_first_key(valid: &[u8]) -> Vec<u8> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(valid) else {
        return valid.to_vec();
    };
    let mut members: Vec<String> = map.iter().map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v)).collect();
    if let Some(first) = members.first().cloned() {
        members.insert(0, first);
    }
    format!("{{{}}}", members.join(",")).into_bytes()
}

/// `valid` with one string value anywhere in it replaced by `hostile`, once per string
/// value, each with the path of the value replaced (`a.b[0]`).
pub fn with_each_string(valid: &[u8], hostile: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(root) = serde_json::from_slice::<Value>(valid) else { return Vec::new() };
    let mut paths = Vec::new();
    string_paths(&root, String::new(), &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let mut changed = root.clone();
            if let Some(slot) = changed.pointer_mut(&pointer(&path)) {
                *slot = Value::String(hostile.to_owned());
            }
            (path, serde_json::to_vec(&changed).unwrap_or_default())
        })
        .collect()
}

fn string_paths(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Object(map) => {
            for (k, v) in map {
                let next = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                string_paths(v, next, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                string_paths(v, format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// `a.b[0]` as a JSON pointer (`/a/b/0`); keys here have no `.`, `[`, `/` or `~`.
fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        out.push('/');
        out.push_str(key);
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            out.push('/');
            out.push_str(index.trim_end_matches(']'));
        }
    }
    out
}

/// Whether `answer` carries any of `hostile` back, raw or JSON-escaped.
pub fn reflects(answer: &[u8], hostile: &str) -> bool {
    let text = String::from_utf8_lossy(answer);
    let escaped = Value::String(hostile.to_owned()).to_string();
    text.contains(MARKER) || text.contains(hostile) || text.contains(escaped.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hostile_string_carries_the_marker() {
        assert!(strings().iter().all(|(_, s)| s.contains(MARKER)));
    }

    #[test]
    fn duplicates_and_replacements_are_what_they_say() {
        let valid = br#"{"a":"x","b":{"c":["y",1]}}"#;
        let twice = String::from_utf8(duplicate_first_key(valid)).unwrap();
        assert_eq!(twice, r#"{"a":"x","a":"x","b":{"c":["y",1]}}"#);
        let replaced = with_each_string(valid, "Z");
        let paths: Vec<&str> = replaced.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["a", "b.c[0]"]);
        assert_eq!(replaced[1].1, br#"{"a":"x","b":{"c":["Z",1]}}"#);
    }

    #[test]
    fn over_limit_cases_are_over_it() {
        for case in bodies(1000) {
            assert_eq!(case.body.len() > 1000, case.code == ErrorCode::BodyTooLarge, "{}", case.name);
        }
    }
}
