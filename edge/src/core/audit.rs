//! The audit trail: one record per request outcome, no personal data (a card appears only
//! as a keyed hash of its serial, so records of one card link up for inspection but say
//! nothing to anyone without the audit key), each record chained to the one before by
//! SHA-256, so altering, removing or inserting a record breaks every later hash.

use hmac::{Hmac, KeyInit, Mac};
use kofu_shared::MunicipalityCode;
use kofu_shared::signing::signed_message;
use sha2::{Digest, Sha256};

/// Label of the hashed record bytes (docs/PROTOCOL.md, "Audit records").
pub use kofu_shared::signing::LABEL_AUDIT_RECORD;
/// The hash before the first record.
pub const GENESIS: [u8; 32] = [0; 32];

/// What happened, before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_ms: u64,
    /// `issue` or `outcome`.
    pub step: String,
    pub kiosk_id: String,
    pub municipality: Option<MunicipalityCode>,
    /// `issued`, `printed`, `print_failed`, or the error code the kiosk received.
    pub outcome: String,
    /// Hex HMAC-SHA256 of the card (issuer hash ‖ serial) under the audit key.
    pub card_tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub entry: AuditEntry,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// The hash of record `seq` with `entry`, following `prev_hash`.
pub fn record_hash(seq: u64, prev_hash: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    let municipality = entry.municipality.map(|m| m.to_string()).unwrap_or_default();
    let message = signed_message(
        LABEL_AUDIT_RECORD,
        &[
            &seq.to_be_bytes(),
            prev_hash,
            &entry.at_ms.to_be_bytes(),
            entry.step.as_bytes(),
            entry.kiosk_id.as_bytes(),
            municipality.as_bytes(),
            entry.outcome.as_bytes(),
            entry.card_tag.as_deref().unwrap_or("").as_bytes(),
        ],
    );
    Sha256::digest(&message).into()
}

/// The record that follows `last` (`None`: the chain is empty).
pub fn next_record(last: Option<(u64, [u8; 32])>, entry: AuditEntry) -> AuditRecord {
    let (seq, prev_hash) = last.map_or((1, GENESIS), |(seq, hash)| (seq + 1, hash));
    let hash = record_hash(seq, &prev_hash, &entry);
    AuditRecord { seq, entry, prev_hash, hash }
}

/// The keyed tag of a card: stable for one card, meaningless without the key.
pub fn card_tag(audit_key: &[u8], issuer_sha256: &[u8; 32], serial_hex: &str) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(audit_key).expect("HMAC accepts any key length");
    mac.update(issuer_sha256);
    mac.update(serial_hex.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Most attempts to append when other requests keep appending first.
const APPEND_ATTEMPTS: u32 = 16;

/// Appends `entry` at the end of the chain. The backend refuses a taken sequence number,
/// so concurrent appends never fork the chain: the loser reads the new end and retries.
pub async fn append<B: super::Backend>(backend: &B, entry: AuditEntry) -> Result<AuditRecord, super::BackendError> {
    for _ in 0..APPEND_ATTEMPTS {
        let record = next_record(backend.last_audit().await?, entry.clone());
        if backend.insert_audit(&record).await? {
            return Ok(record);
        }
    }
    Err(super::BackendError::Storage("audit chain busy".into()))
}

/// Where a chain stops being what it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ChainBreak {
    /// The first record that does not verify (or the first missing sequence number).
    pub seq: u64,
}

/// Checks records in order from `seq` 1: consecutive numbers, each `prev_hash` the hash
/// before it, each `hash` recomputed. Returns how many verified.
pub fn verify_chain(records: &[AuditRecord]) -> Result<u64, ChainBreak> {
    continue_chain((0, GENESIS), records).map(|(seq, _)| seq)
}

/// The same from a verified point `(seq, hash)` on (`(0, GENESIS)`: the start), so a long
/// chain can be checked page by page; returns the new last verified point.
pub fn continue_chain(last: (u64, [u8; 32]), records: &[AuditRecord]) -> Result<(u64, [u8; 32]), ChainBreak> {
    let mut last = last;
    for record in records {
        let (seq, prev) = (last.0 + 1, last.1);
        if record.seq != seq || record.prev_hash != prev || record_hash(seq, &prev, &record.entry) != record.hash {
            return Err(ChainBreak { seq });
        }
        last = (seq, record.hash);
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u64) -> AuditEntry {
        AuditEntry {
            at_ms: 1_795_575_600_000 + n,
            step: "issue".into(),
            kiosk_id: "kiosk-dev-001".into(),
            municipality: "122319".parse().ok(),
            outcome: if n.is_multiple_of(3) { "card_revoked".into() } else { "issued".into() },
            card_tag: Some(card_tag(b"audit key", &[7; 32], "4b4f465500000001")),
        }
    }

    fn chain(n: u64) -> Vec<AuditRecord> {
        let mut records: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let last = records.last().map(|r| (r.seq, r.hash));
            records.push(next_record(last, entry(i)));
        }
        records
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it_at_that_record() {
        let records = chain(10);
        assert_eq!(verify_chain(&records), Ok(10));
        let mut altered = records.clone();
        altered[4].entry.outcome = "issued".into();
        altered[4].entry.at_ms += 1;
        assert_eq!(verify_chain(&altered), Err(ChainBreak { seq: 5 }));
        let mut removed = records.clone();
        removed.remove(6);
        assert_eq!(verify_chain(&removed), Err(ChainBreak { seq: 7 }));
        // Recomputing the altered record's own hash does not help: the next one breaks.
        let mut rehashed = records.clone();
        rehashed[2].entry.kiosk_id = "kiosk-other".into();
        rehashed[2].hash = record_hash(3, &rehashed[2].prev_hash, &rehashed[2].entry);
        assert_eq!(verify_chain(&rehashed), Err(ChainBreak { seq: 4 }));
    }

    #[test]
    fn card_tags_link_one_card_and_need_the_key() {
        let a = card_tag(b"key one", &[1; 32], "01");
        assert_eq!(a, card_tag(b"key one", &[1; 32], "01"));
        assert_ne!(a, card_tag(b"key two", &[1; 32], "01"));
        assert_ne!(a, card_tag(b"key one", &[1; 32], "02"));
        assert!(!a.contains("01") || a.len() == 64);
    }
}
