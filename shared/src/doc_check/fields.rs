//! The field tables of docs/PROTOCOL.md. Each table whose header starts `| field |` follows
//! a marker naming the test that checks it and what it describes
//! (`<!-- fields shared/tests/protocol_fields.rs: IssueRequest -->`); its first column names
//! each JSON field in backticks, its `required` column says `yes` or `no`. A checker
//! compares the names with what the type serializes, both ways, and that leaving each field
//! out fails to parse exactly when the table says it is required. A field table without a
//! marker, or a marker no checker answers to, is an error.
//! Used by shared/tests/protocol_fields.rs and edge/tests/protocol_fields.rs.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub const CHECKERS: &[&str] = &["shared/tests/protocol_fields.rs", "edge/tests/protocol_fields.rs"];
const MARKER: &str = "<!-- fields ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub checker: String,
    pub id: String,
    pub rows: Vec<Row>,
}

fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_matches('|').split(" | ").map(str::trim).collect()
}

/// Every field table in `markdown`, or what is wrong with them.
pub fn tables(markdown: &str) -> Result<Vec<Table>, Vec<String>> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    let mut marker: Option<(String, String)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix(MARKER).and_then(|r| r.strip_suffix(" -->")) {
            match rest.split_once(": ") {
                Some((checker, id)) if CHECKERS.contains(&checker) => marker = Some((checker.into(), id.into())),
                _ => problems.push(format!("line {}: {line:?} names no checker of {CHECKERS:?}", i + 1)),
            }
        } else if line.starts_with("| field |") {
            let header = cells(line);
            let required_at = header.iter().position(|c| *c == "required");
            let Some((checker, id)) = marker.take() else {
                problems.push(format!("line {}: a field table without a `{MARKER}<test>: <id> -->` marker", i + 1));
                i += 1;
                continue;
            };
            let Some(required_at) = required_at else {
                problems.push(format!("line {}: field table {id} has no `required` column", i + 1));
                i += 1;
                continue;
            };
            let mut rows = Vec::new();
            i += 2; // the header's separator
            while i < lines.len() && lines[i].starts_with('|') {
                let row = cells(lines[i]);
                let name = row[0].trim_matches('`');
                let required = match row.get(required_at) {
                    Some(&"yes") => true,
                    Some(&"no") => false,
                    other => {
                        problems.push(format!("line {}: {id}.{name}: required {other:?}, not yes or no", i + 1));
                        false
                    }
                };
                rows.push(Row { name: name.into(), required });
                i += 1;
            }
            tables.push(Table { checker, id, rows });
            continue;
        } else if !line.trim().is_empty() && marker.is_some() {
            problems.push(format!("line {}: a fields marker not followed by a field table", i + 1));
            marker = None;
        }
        i += 1;
    }
    if problems.is_empty() { Ok(tables) } else { Err(problems) }
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// The table's names against the JSON object `sample` (every optional field set), both ways.
pub fn check_names(table: &Table, sample: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let documented: Vec<&str> = table.rows.iter().map(|r| r.name.as_str()).collect();
    for key in keys(sample) {
        if !documented.contains(&key.as_str()) {
            problems.push(format!("{}: field `{key}` is sent but not documented", table.id));
        }
    }
    for name in documented {
        if sample.get(name).is_none() {
            problems.push(format!("{}: documented field `{name}` is not what the code sends", table.id));
        }
    }
    problems
}

/// [`check_names`], and each field left out parses (by `parses`) exactly when it is optional.
pub fn check_with(table: &Table, sample: &Value, parses: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut problems = check_names(table, sample);
    if !parses(sample) {
        problems.push(format!("{}: the full sample does not parse", table.id));
    }
    for row in &table.rows {
        let mut without = sample.clone();
        if let Some(object) = without.as_object_mut() {
            object.remove(&row.name);
        }
        match (parses(&without), row.required) {
            (true, true) => {
                problems.push(format!("{}: `{}` is documented required, but may be left out", table.id, row.name))
            }
            (false, false) => {
                problems.push(format!("{}: `{}` is documented optional, but is required", table.id, row.name))
            }
            _ => {}
        }
    }
    problems
}

/// JSON text of `value` with every object's `"kind"` first, as document bodies must have it
/// (`serde_json::Value` keeps members sorted, which would put it elsewhere).
pub fn kind_first(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let kind = object.get_key_value("kind");
            let members: Vec<String> = kind
                .into_iter()
                .chain(object.iter().filter(|(k, _)| *k != "kind"))
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), kind_first(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(kind_first).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// [`check_with`] for a type that reads what it writes.
pub fn check<T: Serialize + DeserializeOwned>(table: &Table, sample: &T) -> Vec<String> {
    let value = serde_json::to_value(sample).unwrap();
    check_with(table, &value, |v| serde_json::from_str::<T>(&kind_first(v)).is_ok())
}

/// Every table of `checker` checked by `check_one` (None: an id it does not know), and
/// every id it knows documented.
pub fn check_all(
    markdown: &str,
    checker: &str,
    known: &[&str],
    check_one: impl Fn(&Table) -> Option<Vec<String>>,
) -> Vec<String> {
    let tables = match tables(markdown) {
        Ok(tables) => tables,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    for table in tables.iter().filter(|t| t.checker == checker) {
        match check_one(table) {
            Some(found) => problems.extend(found),
            None => problems.push(format!("{}: tagged {checker}, which does not check it", table.id)),
        }
    }
    for id in known {
        if !tables.iter().any(|t| t.checker == checker && t.id == *id) {
            problems.push(format!("{id}: checked by {checker} but has no field table"));
        }
    }
    problems
}
