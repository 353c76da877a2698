//! The municipal database: SQLite by default (one file), PostgreSQL for a city that
//! outgrows one (`--db postgres://…`). One connection behind a mutex: every statement
//! is short. The same statements run on both (see `engine`).

use std::sync::{Mutex, MutexGuard};

pub mod engine;
mod records;

use engine::params;
pub use engine::{Engine, Param, Row};
pub use records::{Resident, SealRegistration, Settings, TaxRecord};

/// Migrations this build applies (and `/health` reports), each once and in order.
pub const SCHEMA_VERSION: u32 = SQLITE_MIGRATIONS.len() as u32;

const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_residents.sql"),
    include_str!("../migrations/sqlite/0002_eligibility.sql"),
    include_str!("../migrations/sqlite/0003_validation_reasons.sql"),
    include_str!("../migrations/sqlite/0004_certificates.sql"),
];

/// The same schema in PostgreSQL's dialect, migration for migration.
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_residents.sql"),
    include_str!("../migrations/postgres/0002_eligibility.sql"),
    include_str!("../migrations/postgres/0003_validation_reasons.sql"),
    include_str!("../migrations/postgres/0004_certificates.sql"),
];

/// Serializes migrations of several servers starting on one PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x6b6f_6675_6d75_6e69;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Only the SQLSTATE: PostgreSQL's message details can quote row values.
    #[error("database: PostgreSQL error {}", .0.code().map_or("(connection)", |c| c.code()))]
    Postgres(#[from] postgres::Error),
    #[error("database: column {index} is not {expected}")]
    Column { index: usize, expected: &'static str },
    #[error("database: the schema is at version {found}, newer than this build's {known}")]
    NewerSchema { found: i64, known: u32 },
    #[error("database lock poisoned")]
    Poisoned,
}

pub struct Db {
    engine: Mutex<Engine>,
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
    /// `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite file.
    /// Either way the schema is brought up to [`SCHEMA_VERSION`].
    pub fn open(location: &str) -> Result<Self, DbError> {
        let engine = if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            open_postgres(location)?
        } else {
            open_sqlite(location)?
        };
        Ok(Db { engine: Mutex::new(engine) })
    }

    /// `sqlite` or `postgresql`.
    pub fn engine_name(&self) -> Result<&'static str, DbError> {
        Ok(match *self.lock()? {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgresql",
        })
    }

    /// How many migrations the database has had.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        let sql = match *self.lock()? {
            Engine::Sqlite(_) => "SELECT user_version FROM pragma_user_version",
            Engine::Postgres(_) => "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        };
        self.count(sql)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Engine>, DbError> {
        self.engine.lock().map_err(|_| DbError::Poisoned)
    }

    pub fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        self.lock()?.execute(sql, params)
    }

    pub fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, DbError> {
        self.lock()?.query(sql, params)
    }

    /// The first row, if any.
    pub fn query_row(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` in one transaction: committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T, E: From<DbError>>(&self, f: impl FnOnce(&mut Engine) -> Result<T, E>) -> Result<T, E> {
        let mut engine = self.lock()?;
        engine.batch("BEGIN")?;
        match f(&mut engine) {
            Ok(value) => {
                engine.batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = engine.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    pub fn issuance(&self, transaction_id: &str) -> Result<Option<IssuanceRecord>, DbError> {
        let row = self.query_row(
            "SELECT request_sha256, document, signature FROM issuances WHERE transaction_id = ?1",
            params![transaction_id],
        )?;
        row.map(|r| Ok(IssuanceRecord { request_sha256: r.text(0)?, document: r.blob(1)?, signature: r.blob(2)? }))
            .transpose()
    }

    /// Records an issuance; `false` when another request registered this transaction first.
    pub fn record_issuance(&self, entry: &NewIssuance<'_>, document: &[u8], signature: &[u8]) -> Result<bool, DbError> {
        let changed = self.execute(
            "INSERT INTO issuances (transaction_id, request_sha256, resident_id, kind, kiosk_id, issued_at, document,
                signature, copies, fee_yen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (transaction_id) DO NOTHING",
            params![
                entry.transaction_id,
                entry.request_sha256,
                entry.resident_id,
                entry.kind,
                entry.kiosk_id,
                entry.issued_at,
                document,
                signature,
                entry.copies,
                entry.fee_yen
            ],
        )?;
        Ok(changed == 1)
    }

    /// Moves an `issued` entry of this kiosk to its final state; returns the state the
    /// entry has afterwards, or `None` when no such entry exists.
    pub fn finish_issuance(
        &self,
        transaction_id: &str,
        kiosk_id: &str,
        state: &str,
    ) -> Result<Option<String>, DbError> {
        self.execute(
            // A lapsed entry (no outcome within the window) is still settled by a late report.
            "UPDATE issuances SET state = ?3 WHERE transaction_id = ?1 AND kiosk_id = ?2 \
             AND state IN ('issued', 'lapsed')",
            params![transaction_id, kiosk_id, state],
        )?;
        self.query_row(
            "SELECT state FROM issuances WHERE transaction_id = ?1 AND kiosk_id = ?2",
            params![transaction_id, kiosk_id],
        )?
        .map(|r| r.text(0))
        .transpose()
    }

    pub fn issuance_state(&self, transaction_id: &str) -> Result<Option<String>, DbError> {
        self.query_row("SELECT state FROM issuances WHERE transaction_id = ?1", params![transaction_id])?
            .map(|r| r.text(0))
            .transpose()
    }

    pub fn issuance_count(&self) -> Result<i64, DbError> {
        self.count("SELECT COUNT(*) FROM issuances")
    }

    /// A `SELECT COUNT(*) …` without parameters.
    pub fn count(&self, sql: &str) -> Result<i64, DbError> {
        self.query_row(sql, &[])?.map_or(Ok(0), |r| r.int(0))
    }

    /// (status, municipality, active from) of a card in the validation stand-in.
    pub fn card_status(
        &self,
        issuer_sha256: &str,
        serial: &str,
    ) -> Result<Option<(String, String, Option<String>)>, DbError> {
        self.query_row(
            "SELECT status, municipality, active_from FROM validation_cards WHERE issuer_sha256 = ?1 AND serial = ?2",
            params![issuer_sha256, serial],
        )?
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.opt_text(2)?)))
        .transpose()
    }

    /// Sets a card's validation state (dev seed and tests).
    pub fn set_card_validation(
        &self,
        issuer_sha256: &str,
        serial: &str,
        status: &str,
        active_from: Option<&str>,
    ) -> Result<(), DbError> {
        self.execute(
            "UPDATE validation_cards SET status = ?3, active_from = ?4 WHERE issuer_sha256 = ?1 AND serial = ?2",
            params![issuer_sha256, serial, status, active_from],
        )
        .map(drop)
    }
}

/// SQLite answers some lock waits while a new file switches to WAL with an immediate
/// `SQLITE_BUSY` (it does not call the busy handler there, to avoid deadlock), so servers
/// opening a new file together try again, for at most 5 s; the migration runs in one
/// transaction, so a try that failed changed nothing.
fn open_sqlite(path: &str) -> Result<Engine, DbError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match open_sqlite_once(path) {
            Err(DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn open_sqlite_once(path: &str) -> Result<Engine, DbError> {
    let conn = rusqlite::Connection::open(path)?;
    // First: switching to WAL waits for other connections opening the same file.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // `PRAGMA user_version` counts the migrations applied. Read and migrate under the
    // write lock, so servers opening a new file together migrate it once.
    let tx = rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    refuse_newer(applied)?;
    for (i, migration) in SQLITE_MIGRATIONS.iter().enumerate().skip(applied as usize) {
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()?;
    Ok(Engine::Sqlite(conn))
}

fn open_postgres(url: &str) -> Result<Engine, DbError> {
    let client = postgres::Client::connect(url, postgres::NoTls)?;
    let mut engine = Engine::postgres(client);
    engine.batch("BEGIN")?;
    let migrated = migrate_postgres(&mut engine);
    engine.batch(if migrated.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    migrated?;
    Ok(engine)
}

fn migrate_postgres(engine: &mut Engine) -> Result<(), DbError> {
    engine.query("SELECT pg_advisory_xact_lock(?1)", params![MIGRATION_LOCK])?;
    engine.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations
           (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let applied = engine
        .query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?
        .first()
        .map_or(Ok(0), |r| r.int(0))?;
    refuse_newer(applied)?;
    for (i, migration) in POSTGRES_MIGRATIONS.iter().enumerate().skip(applied as usize) {
        engine.batch(migration)?;
        engine.execute("INSERT INTO schema_migrations (version) VALUES (?1)", params![i as i64 + 1])?;
    }
    Ok(())
}

/// A database migrated by a newer build is left alone rather than misread.
fn refuse_newer(applied: i64) -> Result<(), DbError> {
    if applied > i64::from(SCHEMA_VERSION) {
        return Err(DbError::NewerSchema { found: applied, known: SCHEMA_VERSION });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_have_every_migration() {
        assert_eq!(SQLITE_MIGRATIONS.len(), POSTGRES_MIGRATIONS.len());
    }
}
