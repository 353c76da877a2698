//! Readers of docs/PROTOCOL.md's machine-checked parts (field tables, vector blocks), used by
//! the tests in shared/ and edge/ that hold the document to the code; tests only.

pub mod fields;
pub mod vectors;
