//! The vector blocks of docs/PROTOCOL.md. Each is a fenced block tagged with the test file
//! that checks it (```` ```vectors shared/tests/vectors.rs ````), one `name: value` per
//! line. A vector-shaped block without a tag, a tag no test answers to, a name twice, or a
//! name its test does not compute (or the reverse) is an error, so no vector goes unchecked.
//! Used by shared/tests/vectors.rs and edge/tests/protocol_vectors.rs.

/// The test files that check vector blocks.
pub const CHECKERS: &[&str] = &["shared/tests/vectors.rs", "edge/tests/protocol_vectors.rs"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vector {
    pub name: String,
    pub value: String,
    pub checker: String,
}

fn vector_line(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(": ")?;
    let name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    // Values may hold spaces (base45 does), not at their ends.
    let value_ok = !value.is_empty() && value.trim() == value;
    (name_ok && value_ok).then_some((name, value))
}

/// Every vector in `markdown`, or what is wrong with its vector blocks.
pub fn parse(markdown: &str) -> Result<Vec<Vector>, Vec<String>> {
    let mut vectors: Vec<Vector> = Vec::new();
    let mut problems = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((start, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| !l.starts_with("```"))
            .filter(|l| !l.trim().is_empty())
            .collect();
        let tag = info.trim().strip_prefix("vectors");
        let checker = match tag {
            Some(checker) => checker.trim(),
            None if !body.is_empty() && body.iter().all(|l| vector_line(l).is_some()) => {
                problems.push(format!("line {}: a vector block without `vectors <test file>`", start + 1));
                continue;
            }
            None => continue,
        };
        if !CHECKERS.contains(&checker) {
            problems.push(format!("line {}: vectors tagged {checker:?}, which is not one of {CHECKERS:?}", start + 1));
        }
        for l in body {
            match vector_line(l) {
                Some((name, _)) if vectors.iter().any(|v| v.name == name) => {
                    problems.push(format!("vector {name} appears twice"))
                }
                Some((name, value)) => {
                    vectors.push(Vector { name: name.into(), value: value.into(), checker: checker.into() })
                }
                None => problems.push(format!("{l:?} in the vector block at line {} is not `name: value`", start + 1)),
            }
        }
    }
    if problems.is_empty() { Ok(vectors) } else { Err(problems) }
}

/// What is wrong between the blocks `checker` owns and what it `computed`, both ways.
pub fn check(markdown: &str, checker: &str, computed: &[(&str, String)]) -> Vec<String> {
    let vectors = match parse(markdown) {
        Ok(vectors) => vectors,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    for (name, value) in computed {
        match vectors.iter().find(|v| v.name == *name) {
            None => problems.push(format!("{name}: computed by {checker} but not in the document ({value})")),
            Some(v) if v.checker != checker => {
                problems.push(format!("{name}: computed by {checker} but tagged {}", v.checker))
            }
            Some(v) if v.value != *value => problems.push(format!("{name}: document {}, code {value}", v.value)),
            Some(_) => {}
        }
    }
    for v in vectors.iter().filter(|v| v.checker == checker) {
        if !computed.iter().any(|(name, _)| *name == v.name) {
            problems.push(format!("{}: in a block tagged {checker}, which does not compute it", v.name));
        }
    }
    problems
}
