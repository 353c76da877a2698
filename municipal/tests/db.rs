//! The database layer itself, on whichever engine the run uses (`KOFU_TEST_POSTGRES`).

mod common;

use common::{Scratch, scratch_db};
use kofu_municipal::db::{Db, Param, SCHEMA_VERSION};

#[test]
fn the_run_uses_the_engine_it_was_asked_for() {
    let (db, scratch) = scratch_db();
    assert_eq!(db.engine_name().unwrap(), scratch.engine());
    let expected = if std::env::var("KOFU_TEST_POSTGRES").is_ok() { "postgresql" } else { "sqlite" };
    assert_eq!(scratch.engine(), expected);
}

#[test]
fn migrations_apply_once_and_reopening_changes_nothing() {
    let (db, scratch) = scratch_db();
    assert_eq!(db.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
    db.set_setting("fee.inkan", "350").unwrap();
    drop(db);
    let again = Db::open(&scratch.location()).unwrap();
    assert_eq!(again.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
    assert_eq!(again.settings().unwrap().fee("inkan"), Some(350), "the migration's defaults were not reapplied");
}

#[test]
fn servers_starting_together_on_a_fresh_database_migrate_it_once() {
    let scratch = Scratch::new();
    let location = scratch.location();
    let opened: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| Db::open(&location).map(drop))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for result in &opened {
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(Db::open(&location).unwrap().schema_version().unwrap(), i64::from(SCHEMA_VERSION));
}

#[test]
fn a_transaction_that_fails_leaves_nothing_behind() {
    let (db, _scratch) = scratch_db();
    let failed: Result<(), kofu_municipal::db::DbError> = db.transaction(|tx| {
        tx.execute("DELETE FROM settings", &[])?;
        // A CHECK refuses this row, after the delete already ran.
        tx.execute(
            "INSERT INTO validation_cards (issuer_sha256, serial, status, municipality) VALUES (?1, ?2, ?3, ?4)",
            &[Param::Text("00"), Param::Text("01"), Param::Text("unheard-of"), Param::Text("122319")],
        )?;
        Ok(())
    });
    assert!(failed.is_err());
    assert_eq!(db.settings().unwrap().fee("juminhyo"), Some(200));
}

#[test]
fn values_read_back_as_written_on_either_engine() {
    let (db, _scratch) = scratch_db();
    let big = i64::from(u32::MAX) * 4;
    let blob: &[u8] = &[0, 255, 1, 254];
    db.execute(
        "INSERT INTO residents (id, name, name_kana, birth_date, sex, address, householder, relationship,
            resident_since, support_measure, name_printable)
         VALUES (?1, ?2, ?2, '2000-01-01', '女', '', '', '本人', '2000-01-01', ?3, ?4)",
        &[Param::Int(big), Param::Text("髙橋 𠮷子"), true.into(), false.into()],
    )
    .unwrap();
    let row = db.query_row("SELECT id, name, support_measure, name_printable, card_issued_on FROM residents", &[]);
    let row = row.unwrap().unwrap();
    assert_eq!(row.int(0).unwrap(), big);
    assert_eq!(row.text(1).unwrap(), "髙橋 𠮷子");
    assert!(row.flag(2).unwrap() && !row.flag(3).unwrap());
    assert_eq!(row.opt_text(4).unwrap(), None);
    assert!(row.text(0).is_err(), "a wrong type is a typed error");
    db.execute(
        "INSERT INTO issuances (transaction_id, request_sha256, resident_id, kind, kiosk_id, issued_at, document,
            signature)
         VALUES ('t', 'h', ?1, 'juminhyo', 'k', ?2, ?3, ?3)",
        &[Param::Int(big), Param::Int(i64::MAX), Param::Blob(blob)],
    )
    .unwrap();
    let record = db.issuance("t").unwrap().unwrap();
    assert_eq!(record.document, blob);
}
