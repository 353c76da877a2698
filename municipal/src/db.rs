//! SQLite through rusqlite. One connection behind a mutex: every statement is short.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// Applied in order, each once: `PRAGMA user_version` counts those applied.
/// Migrations this build applies (and `/health` reports).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_residents.sql"),
    include_str!("../migrations/0002_eligibility.sql"),
    include_str!("../migrations/0003_validation_reasons.sql"),
    include_str!("../migrations/0004_certificates.sql"),
];

mod records;
pub use records::{Resident, SealRegistration, Settings, TaxRecord};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database lock poisoned")]
    Poisoned,
}

pub struct Db {
    conn: Mutex<Connection>,
}

/// What the issuance register keeps for a transaction.
pub struct IssuanceRecord {
    pub request_sha256: String,
    pub document: Vec<u8>,
    pub signature: Vec<u8>,
}

pub struct NewIssuance<'a> {
    pub transaction_id: &'a str,
    pub request_sha256: &'a str,
    pub resident_id: i64,
    pub kind: &'a str,
    pub kiosk_id: &'a str,
    pub issued_at: u64,
    pub copies: u8,
    pub fee_yen: u32,
}

impl Db {
    pub fn open(path: &str) -> Result<Self, DbError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Db { conn: Mutex::new(conn) })
    }

    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>) -> Result<T, DbError> {
        let conn = self.conn.lock().map_err(|_| DbError::Poisoned)?;
        Ok(f(&conn)?)
    }

    pub fn issuance(&self, transaction_id: &str) -> Result<Option<IssuanceRecord>, DbError> {
        self.with(|c| {
            c.query_row(
                "SELECT request_sha256, document, signature FROM issuances WHERE transaction_id = ?1",
                params![transaction_id],
                |row| Ok(IssuanceRecord { request_sha256: row.get(0)?, document: row.get(1)?, signature: row.get(2)? }),
            )
            .optional()
        })
    }

    /// Records an issuance; `false` when another request registered this transaction first.
    pub fn record_issuance(&self, entry: &NewIssuance<'_>, document: &[u8], signature: &[u8]) -> Result<bool, DbError> {
        self.with(|c| {
            let changed = c.execute(
                "INSERT INTO issuances (transaction_id, request_sha256, resident_id, kind, kiosk_id, issued_at, document,
                    signature, copies, fee_yen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (transaction_id) DO NOTHING",
                params![
                    entry.transaction_id,
                    entry.request_sha256,
                    entry.resident_id,
                    entry.kind,
                    entry.kiosk_id,
                    entry.issued_at as i64,
                    document,
                    signature,
                    entry.copies,
                    entry.fee_yen
                ],
            )?;
            Ok(changed == 1)
        })
    }

    /// Moves an `issued` entry of this kiosk to its final state; returns the state the
    /// entry has afterwards, or `None` when no such entry exists.
    pub fn finish_issuance(
        &self,
        transaction_id: &str,
        kiosk_id: &str,
        state: &str,
    ) -> Result<Option<String>, DbError> {
        self.with(|c| {
            c.execute(
                "UPDATE issuances SET state = ?3 WHERE transaction_id = ?1 AND kiosk_id = ?2 AND state = 'issued'",
                params![transaction_id, kiosk_id, state],
            )?;
            c.query_row(
                "SELECT state FROM issuances WHERE transaction_id = ?1 AND kiosk_id = ?2",
                params![transaction_id, kiosk_id],
                |row| row.get(0),
            )
            .optional()
        })
    }

    pub fn issuance_state(&self, transaction_id: &str) -> Result<Option<String>, DbError> {
        self.with(|c| {
            c.query_row("SELECT state FROM issuances WHERE transaction_id = ?1", params![transaction_id], |row| {
                row.get(0)
            })
            .optional()
        })
    }

    pub fn issuance_count(&self) -> Result<i64, DbError> {
        self.with(|c| c.query_row("SELECT COUNT(*) FROM issuances", [], |r| r.get(0)))
    }

    /// (status, municipality, active from) of a card in the validation stand-in.
    pub fn card_status(
        &self,
        issuer_sha256: &str,
        serial: &str,
    ) -> Result<Option<(String, String, Option<String>)>, DbError> {
        self.with(|c| {
            c.query_row(
                "SELECT status, municipality, active_from FROM validation_cards WHERE issuer_sha256 = ?1 AND serial = ?2",
                params![issuer_sha256, serial],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
        })
    }

    /// Sets a card's validation state (dev seed and tests).
    pub fn set_card_validation(
        &self,
        issuer_sha256: &str,
        serial: &str,
        status: &str,
        active_from: Option<&str>,
    ) -> Result<(), DbError> {
        self.with(|c| {
            c.execute(
                "UPDATE validation_cards SET status = ?3, active_from = ?4 WHERE issuer_sha256 = ?1 AND serial = ?2",
                params![issuer_sha256, serial, status, active_from],
            )
            .map(drop)
        })
    }
}
