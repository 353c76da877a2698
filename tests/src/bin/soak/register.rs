//! What the towns' registers say after the run, read from the real databases
//! (`KOFU_REGISTER_<code>`: a SQLite file or a PostgreSQL URL).

use kofu_municipal::db::{Db, Param};
use kofu_shared::wire::Document;

/// One register entry of this run's kiosks.
#[derive(Debug, Clone)]
pub struct Entry {
    pub town: &'static str,
    pub transaction_id: String,
    pub kiosk_id: String,
    pub state: String,
    /// The serial of the document the town registered, and the transaction it is bound to.
    pub serial: String,
    pub bound_to: String,
}

/// What the broken municipal server did in chaos mode.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct SwapStats {
    pub honest: u64,
    pub replayed: u64,
    pub misbound: u64,
}

pub const TOWNS: [&str; 2] = ["122319", "131016"];

pub fn read(run_tag: u32) -> Vec<Entry> {
    let pattern = format!("soak-{run_tag:08x}-%");
    let mut entries = Vec::new();
    for town in TOWNS {
        let location = kofu_tests::env(&format!("KOFU_REGISTER_{town}"));
        let db = Db::open(&location).unwrap_or_else(|e| panic!("register of {town}: {e}"));
        let rows = db
            .query(
                "SELECT transaction_id, kiosk_id, state, document FROM issuances WHERE kiosk_id LIKE ?1",
                &[Param::Text(&pattern)],
            )
            .unwrap_or_else(|e| panic!("register of {town}: {e}"));
        for row in rows {
            let document: Option<Document> = row.blob(3).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
            entries.push(Entry {
                town,
                transaction_id: row.text(0).unwrap_or_default(),
                kiosk_id: row.text(1).unwrap_or_default(),
                state: row.text(2).unwrap_or_default(),
                serial: document.as_ref().map(|d| d.serial.clone()).unwrap_or_default(),
                bound_to: document.map(|d| d.binding.transaction_id).unwrap_or_default(),
            });
        }
    }
    entries
}
