pub mod doc_fields;
pub mod doc_vectors;
