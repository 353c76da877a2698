//! `kofu-municipal serve|seed-dev`.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use kofu_municipal::CenterKey;
use kofu_municipal::Municipality;
use kofu_municipal::db::Db;
use kofu_municipal::http::{AppState, router};
use kofu_shared::MunicipalityCode;
use kofu_shared::signing::p256_signing_key;

#[derive(Parser)]
#[command(about = "kofu reference municipal issuing server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the issuing API and the dev validation service.
    Serve {
        /// Loopback by default; a municipality puts its own front end before it.
        #[arg(long, default_value = "127.0.0.1:8790")]
        listen: String,
        /// A SQLite file, or `postgres://user@host/dbname`.
        #[arg(long)]
        db: String,
        #[arg(long, default_value = "122319")]
        code: String,
        #[arg(long, default_value = "印西市")]
        name: String,
        /// PKCS#8 DER of the municipal P-256 signing key.
        #[arg(long)]
        key: String,
        /// DER (SPKI) of the exchange center's P-256 key; repeat during a key rotation, the
        /// retiring key as `PATH@UNTIL_MS` (accepted until then).
        #[arg(long, required = true)]
        center_key: Vec<String>,
        /// The center's `GET /v1/center-keys`: follow its rotations, trusting a new key only
        /// when a key already trusted endorsed it.
        #[arg(long)]
        center_keys_url: Option<String>,
        #[arg(long, default_value_t = 60_000)]
        center_keys_poll_ms: u64,
        /// How long an issued document may wait for its print outcome before its register
        /// entry lapses (not charged; a late report still settles it).
        #[arg(long, default_value_t = kofu_municipal::reconcile::OUTCOME_WINDOW_MS)]
        outcome_window_ms: u64,
    },
    /// Create the database and load a fictional town (TEST ONLY): 122319 印西市 or 131016 千代田区.
    SeedDev {
        /// A SQLite file, or `postgres://user@host/dbname`.
        #[arg(long)]
        db: String,
        #[arg(long, default_value = "122319")]
        code: String,
    },
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("kofu-municipal: {e}");
        std::process::exit(1);
    }
}

// Synchronous at the top: the PostgreSQL client runs its own small runtime, which may
// be neither created nor dropped inside tokio's. Requests reach it via `block_in_place`.
fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::SeedDev { db, code } => {
            let db = Db::open(&db).map_err(|e| e.to_string())?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            let today = kofu_municipal::eligibility::jst_date(now);
            let count = kofu_municipal::seed::seed_town(&db, &code, &today).map_err(|e| e.to_string())?;
            eprintln!("seeded {count} fictional residents of {code}");
            Ok(())
        }
        Command::Serve {
            listen,
            db,
            code,
            name,
            key,
            center_key,
            center_keys_url,
            center_keys_poll_ms,
            outcome_window_ms,
        } => {
            let code = MunicipalityCode::parse(&code).map_err(|e| e.to_string())?;
            let key = std::fs::read(&key).map_err(|e| format!("reading {key}: {e}"))?;
            let signing_key = p256_signing_key(&key).map_err(|e| format!("municipal key: {e}"))?;
            let center_keys = center_key.iter().map(|arg| CenterKey::from_arg(arg)).collect::<Result<Vec<_>, _>>()?;
            let db = Db::open(&db).map_err(|e| e.to_string())?;
            let municipality = Municipality { code, name, signing_key, center_keys, followed: Default::default() };
            let state = Arc::new(AppState { municipality, db });
            if let Some(url) = center_keys_url {
                let state = Arc::clone(&state);
                let every = std::time::Duration::from_millis(center_keys_poll_ms.max(100));
                std::thread::spawn(move || kofu_municipal::center_keys::poll(&state.municipality, &url, every));
            }
            {
                let state = Arc::clone(&state);
                // A tenth of the window: an entry lapses at most 10% late.
                let every = std::time::Duration::from_millis((outcome_window_ms / 10).clamp(100, 60_000));
                std::thread::spawn(move || kofu_municipal::reconcile::sweep(state, outcome_window_ms, every));
            }
            let runtime =
                tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
            let served = runtime.block_on(serve(&listen, Arc::clone(&state)));
            // Every request task ends with the runtime, so the database closes out here.
            drop(runtime);
            drop(state);
            served
        }
    }
}

async fn serve(listen: &str, state: Arc<AppState>) -> Result<(), String> {
    let code = state.municipality.code;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("bind {listen}: {e}"))?;
    eprintln!("kofu-municipal {code} listening on http://{listen}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
