//! The two SQL engines behind one small interface: SQLite (rusqlite, one file, the
//! default) and PostgreSQL (the `postgres` crate, where a city outgrows one file).
//! Statements are written once, in the dialect both share, with `?N` placeholders;
//! PostgreSQL gets them as `$N`. Values cross as four plain kinds so the record code
//! is the same for both. Hand-written because no maintained sync crate spans both.

use std::collections::HashMap;

use super::DbError;

/// A statement parameter. Integers bind to whatever integer or boolean column type
/// PostgreSQL asks for, checked for range.
#[derive(Clone, Copy)]
pub enum Param<'a> {
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
    Null,
}

/// Names the kind only: parameters are personal data.
impl std::fmt::Debug for Param<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Param::Int(_) => "Int(..)",
            Param::Text(_) => "Text(..)",
            Param::Blob(_) => "Blob(..)",
            Param::Null => "Null",
        })
    }
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<u64> for Param<'_> {
    fn from(v: u64) -> Self {
        Param::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Param<'_> {
    fn from(v: u32) -> Self {
        Param::Int(v.into())
    }
}
impl From<u16> for Param<'_> {
    fn from(v: u16) -> Self {
        Param::Int(v.into())
    }
}
impl From<u8> for Param<'_> {
    fn from(v: u8) -> Self {
        Param::Int(v.into())
    }
}
impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(v.into())
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(v)
    }
}
impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Param::Null, Param::Text)
    }
}

/// `params![a, b]`: a slice of [`Param`]s.
macro_rules! params {
    ($($value:expr),* $(,)?) => { &[$($crate::db::engine::Param::from($value)),*] as &[$crate::db::engine::Param<'_>] };
}
pub(crate) use params;

/// One column's value as read back.
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

/// One result row; typed getters fail with the column index, never its content.
pub struct Row(Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell, DbError> {
        self.0.get(i).ok_or(DbError::Column { index: i, expected: "a column" })
    }
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.cell(i)? {
            Cell::Int(v) => Ok(*v),
            _ => Err(DbError::Column { index: i, expected: "an integer" }),
        }
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    /// An integer that must fit `T` (counts, years, amounts).
    pub fn num<T: TryFrom<i64>>(&self, i: usize) -> Result<T, DbError> {
        T::try_from(self.int(i)?).map_err(|_| DbError::Column { index: i, expected: "an integer in range" })
    }
    pub fn flag(&self, i: usize) -> Result<bool, DbError> {
        Ok(self.int(i)? != 0)
    }
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.cell(i)? {
            Cell::Text(v) => Ok(v.clone()),
            _ => Err(DbError::Column { index: i, expected: "text" }),
        }
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    pub fn blob(&self, i: usize) -> Result<Vec<u8>, DbError> {
        match self.cell(i)? {
            Cell::Blob(v) => Ok(v.clone()),
            _ => Err(DbError::Column { index: i, expected: "bytes" }),
        }
    }
}

pub enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Postgres>),
}

pub struct Postgres {
    client: postgres::Client,
    /// Prepared once per connection, keyed by the statement as written.
    statements: HashMap<String, postgres::Statement>,
}

impl Engine {
    pub fn postgres(client: postgres::Client) -> Self {
        Engine::Postgres(Box::new(Postgres { client, statements: HashMap::new() }))
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        match self {
            Engine::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))? as u64),
            Engine::Postgres(pg) => {
                let statement = pg.prepare(sql)?;
                Ok(pg.client.execute(&statement, &pg_params(params))?)
            }
        }
    }

    pub fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, DbError> {
        match self {
            Engine::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows = statement.query(rusqlite::params_from_iter(params))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(Row((0..columns).map(|i| row.get_ref(i).map(sqlite_cell)).collect::<Result<_, _>>()?));
                }
                Ok(out)
            }
            Engine::Postgres(pg) => {
                let statement = pg.prepare(sql)?;
                let rows = pg.client.query(&statement, &pg_params(params))?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// Several statements, no parameters (migrations, BEGIN/COMMIT).
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Postgres(pg) => Ok(pg.client.batch_execute(sql)?),
        }
    }
}

impl Postgres {
    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&dollar_placeholders(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// `?N` → `$N` outside quoted literals.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Param::Int(v) => ValueRef::Integer(*v),
            Param::Text(v) => ValueRef::Text(v.as_bytes()),
            Param::Blob(v) => ValueRef::Blob(v),
            Param::Null => ValueRef::Null,
        }))
    }
}

fn sqlite_cell(value: rusqlite::types::ValueRef<'_>) -> Cell {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        // No REAL columns in the schema; kept readable rather than an error.
        ValueRef::Real(v) => Cell::Text(v.to_string()),
        ValueRef::Text(v) => Cell::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => Cell::Blob(v.to_vec()),
    }
}

fn pg_params<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row, DbError> {
    use postgres::types::Type;
    let mut cells = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let cell = if *ty == Type::VOID {
            None
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(Cell::Blob)
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}

impl postgres::types::ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match *self {
            Param::Null => Ok(postgres::types::IsNull::Yes),
            Param::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Param::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Param::Int(v) if *ty == Type::BOOL => (v != 0).to_sql(ty, out),
            Param::Int(v) => v.to_sql(ty, out),
            Param::Text(v) => v.to_sql(ty, out),
            Param::Blob(v) => v.to_sql(ty, out),
        }
    }

    // Conversion is decided per column type in `to_sql`, which refuses what does not fit.
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_literals() {
        assert_eq!(
            dollar_placeholders("UPDATE t SET s = ?3 WHERE a = ?1 AND b = '?x' AND c = ?12"),
            "UPDATE t SET s = $3 WHERE a = $1 AND b = '?x' AND c = $12"
        );
    }
}
