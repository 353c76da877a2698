//! The worker: routes HTTP to the core and implements its `Backend` with D1 and fetch.
//! Nothing here decides; it only translates.

use std::cell::OnceCell;
use std::rc::Rc;

use serde::Deserialize;
use worker::{AbortSignal, Cors, D1Database, Date, Env, Fetch, Headers, Method, Request, RequestInit, Response, event};

use crate::core::audit::{AuditEntry, AuditRecord};
use crate::core::challenge::create_challenge;
use crate::core::issue::issue;
use crate::core::ops::{
    OpsCredentials, authorize_once, enroll_kiosk, register_municipality, revoke_kiosk, verify_audit,
};
use crate::core::outcome::report_outcome;
use crate::core::verify::webcrypto::WebCrypto;
use crate::core::{
    Backend, BackendError, ChallengeOutcome, EdgeConfig, EdgeError, HttpAnswer, KioskEnrollment, KioskRecord,
    MunicipalityRecord, SCHEMA_VERSION, SERVICE, TransactionRecord, VERSION,
};
use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::wire::{CardStatusAnswer, CardStatusQuery, Health, parse_limited};
use kofu_shared::{Bytes, MunicipalityCode};

/// How long a municipality or the validation service may take.
const UPSTREAM_TIMEOUT_MS: u32 = 10_000;

thread_local! {
    // Parsed once per isolate: anchors and the center key do not change between requests.
    static CONFIG: OnceCell<Rc<EdgeConfig>> = const { OnceCell::new() };
}

pub(crate) fn config(env: &Env) -> Result<Rc<EdgeConfig>, EdgeError> {
    CONFIG.with(|cell| {
        if let Some(config) = cell.get() {
            return Ok(config.clone());
        }
        let anchors = text_binding(env, "TRUST_ANCHORS")?;
        let center_key = text_binding(env, "CENTER_KEY")?;
        let mut config = EdgeConfig::from_text(&anchors, &center_key);
        if let Ok(audit_key) = env.secret("AUDIT_KEY") {
            config = config.and_then(|c| c.with_audit_key(&audit_key.to_string()));
        }
        if let Ok(limits) = env.var("RATE_LIMITS") {
            config = config.and_then(|c| c.with_rate_limits(&limits.to_string()));
        }
        if let Ok(ops_keys) = env.var("OPS_KEYS") {
            config = config.and_then(|c| c.with_ops_keys(&ops_keys.to_string()));
        }
        let config = Rc::new(config.map_err(|e| {
            worker::console_error!("configuration: {e}");
            storage("configuration")
        })?);
        Ok(cell.get_or_init(|| config).clone())
    })
}

fn text_binding(env: &Env, name: &str) -> Result<String, EdgeError> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).map_err(|_| {
        worker::console_error!("configuration: {name} is not set");
        storage("configuration")
    })
}

fn storage(what: &str) -> EdgeError {
    EdgeError::Storage(BackendError::Storage(what.to_owned()))
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: worker::Context) -> worker::Result<Response> {
    console_error_panic_hook::set_once();
    let cors = cors(&env);
    let path = req.path();
    let method = req.method();
    let response = if method == Method::Options {
        Response::empty().map(|r| r.with_status(204))
    } else {
        route(&mut req, &env, &method, &path).await
    }?;
    response.with_cors(&cors)
}

async fn route(req: &mut Request, env: &Env, method: &Method, path: &str) -> worker::Result<Response> {
    let outcome = match (method, path) {
        (Method::Get, "/v1/health") => return health(env).await,
        (Method::Post, "/v1/challenges") => challenge(req, env).await,
        (Method::Post, "/v1/issue") => issue_route(req, env).await,
        (Method::Post, "/v1/outcome") => outcome_route(req, env).await,
        (Method::Post, "/v1/menu") => menu_route(req, env).await,
        (Method::Get, "/v1/municipal-keys") => municipal_keys_route(env).await,
        (Method::Get, "/v1/ops/audit/verify") => audit_verify_route(req, env).await,
        (Method::Get, "/v1/ops/audit/report") => audit_report_route(req, env).await,
        (Method::Get, "/v1/ops/audit/export") => audit_export_route(req, env).await,
        (Method::Post, "/v1/ops/kiosks" | "/v1/ops/kiosks/revoke" | "/v1/ops/municipalities") => {
            directory_route(req, env, path).await
        }
        #[cfg(feature = "lab")]
        (Method::Post, lab) if lab.starts_with("/v1/_lab/") && crate::lab::enabled(env) => {
            return crate::lab::route(req, env, lab).await;
        }
        _ => return Response::error("not found", 404),
    };
    match outcome {
        Ok(response) => {
            worker::console_log!("{method:?} {path} 200");
            Ok(response)
        }
        Err(e) => {
            // Error codes and step names only: never a body, key or personal field.
            worker::console_log!("{method:?} {path} {} {}", e.code().http_status(), e.code());
            Response::from_json(&e.to_api_error()).map(|r| r.with_status(e.code().http_status()))
        }
    }
}

/// Version, and the schema the database is at (migrations wrangler recorded as applied).
async fn health(env: &Env) -> worker::Result<Response> {
    #[derive(Deserialize)]
    struct Count {
        applied: u32,
    }
    let schema = match env.d1("DB") {
        Ok(db) => db.prepare("SELECT count(*) AS applied FROM d1_migrations").first::<Count>(None).await.ok().flatten(),
        Err(_) => None,
    }
    .map(|c| c.applied);
    let status = if schema == Some(SCHEMA_VERSION) { "ok" } else { "schema_mismatch" };
    let health = Health { status: status.into(), service: SERVICE.into(), version: VERSION.into(), schema };
    Response::from_json(&health).map(|r| r.with_status(if status == "ok" { 200 } else { 503 }))
}

async fn challenge(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let backend = D1Backend::new(env)?;
    let mut nonce = [0u8; kofu_shared::limits::CHALLENGE_BYTES];
    getrandom::fill(&mut nonce).map_err(|_| storage("random"))?;
    let answer = create_challenge(&config, &backend, &body, now(), nonce).await?;
    Response::from_json(&answer).map_err(|_| storage("response"))
}

async fn issue_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let backend = D1Backend::new(env)?;
    let answer = issue(&config, &backend, &WebCrypto, &body, now()).await?;
    Response::from_json(&answer).map_err(|_| storage("response"))
}

async fn outcome_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let backend = D1Backend::new(env)?;
    let ack = report_outcome(&config, &backend, &WebCrypto, &body, now()).await?;
    Response::from_json(&ack).map_err(|_| storage("response"))
}

async fn menu_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let backend = D1Backend::new(env)?;
    let menu = crate::core::menu::menu(&config, &backend, &WebCrypto, &body, now()).await?;
    Response::from_json(&menu).map_err(|_| storage("response"))
}

/// Public: what a verifier needs to check a printed certificate's QR code. Cacheable for
/// an hour, so a verifier page keeps working through a short outage.
async fn municipal_keys_route(env: &Env) -> Result<Response, EdgeError> {
    let backend = D1Backend::new(env)?;
    let keys = kofu_shared::wire::MunicipalKeys { keys: backend.municipal_keys().await.map_err(EdgeError::Storage)? };
    let response = Response::from_json(&keys).map_err(|_| storage("response"))?;
    let _ = response.headers().set("cache-control", "public, max-age=3600");
    Ok(response)
}

/// The ops key that signed this request (headers `x-kofu-ops-key`, `-time`, `-signature`).
async fn ops_caller(req: &mut Request, env: &Env, config: &EdgeConfig, body: &[u8]) -> Result<String, EdgeError> {
    let header = |name: &str| req.headers().get(name).ok().flatten().ok_or(EdgeError::OpsUnauthorized);
    let key_id = header("x-kofu-ops-key")?;
    let time_ms = header("x-kofu-ops-time")?.parse().map_err(|_| EdgeError::OpsUnauthorized)?;
    let signature = Bytes::decode(&header("x-kofu-ops-signature")?).map_err(|_| EdgeError::OpsUnauthorized)?;
    let method = req.method().to_string();
    // The query is signed with the path: `/v1/ops/audit/report?from=…&to=…`.
    let target = match raw_query(req) {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path(),
    };
    let credentials = OpsCredentials { key_id: &key_id, time_ms, signature: &signature };
    let backend = D1Backend::new(env)?;
    let id =
        authorize_once(&WebCrypto, &backend, &config.ops_keys, &method, &target, body, &credentials, now()).await?;
    Ok(id.to_owned())
}

async fn audit_verify_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let config = config(env)?;
    let operator = ops_caller(req, env, &config, &[]).await?;
    let verification = verify_audit(&D1Backend::new(env)?).await?;
    worker::console_log!("ops {operator}: audit verify, {} verified", verification.verified);
    Response::from_json(&verification).map_err(|_| storage("response"))
}

/// The query string as sent. Read from the raw URL: `Request::url` parses with the `url`
/// crate, whose IDNA tables alone cost ~90 KB of the 250 KB bundle budget.
fn raw_query(req: &Request) -> Option<String> {
    let url = req.inner().url();
    let (_, rest) = url.split_once('?')?;
    Some(rest.split('#').next().unwrap_or("").to_owned())
}

/// A whole-number query parameter (`name=123`), if present and well formed.
fn query_number(req: &Request, name: &str) -> Option<u64> {
    let query = raw_query(req)?;
    let value = query.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == name)?.1;
    value.parse().ok()
}

/// `GET /v1/ops/audit/report?from=MS&to=MS`: the inspection report for that period.
async fn audit_report_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let config = config(env)?;
    let operator = ops_caller(req, env, &config, &[]).await?;
    let bound = |name: &str| query_number(req, name).ok_or(EdgeError::Malformed("period"));
    let (from, to) = (bound("from")?, bound("to")?);
    if from > to {
        return Err(EdgeError::Malformed("period"));
    }
    let report = crate::core::inspection::inspection(&D1Backend::new(env)?, from, to).await?;
    worker::console_log!("ops {operator}: inspection report");
    Response::from_json(&report).map_err(|_| storage("response"))
}

/// `GET /v1/ops/audit/export?from_seq=N&limit=M`: a page of the trail, for keeping a copy.
async fn audit_export_route(req: &mut Request, env: &Env) -> Result<Response, EdgeError> {
    let config = config(env)?;
    let operator = ops_caller(req, env, &config, &[]).await?;
    let from_seq = query_number(req, "from_seq").unwrap_or(1);
    let limit = query_number(req, "limit").map_or(crate::core::ops::EXPORT_PAGE, |l| l.min(u64::from(u32::MAX)) as u32);
    let records = crate::core::ops::export_audit(&D1Backend::new(env)?, from_seq, limit).await?;
    worker::console_log!("ops {operator}: audit export of {} records", records.len());
    Response::from_json(&records).map_err(|_| storage("response"))
}

/// The directory calls of the ops API; each is audited with the operator who made it.
async fn directory_route(req: &mut Request, env: &Env, path: &str) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let operator = ops_caller(req, env, &config, &body).await?;
    let backend = D1Backend::new(env)?;
    let (kiosk_id, municipality, action) = match path {
        "/v1/ops/kiosks" => (enroll_kiosk(&backend, &body).await?, None, "kiosk_enrolled"),
        "/v1/ops/kiosks/revoke" => (revoke_kiosk(&backend, &body).await?, None, "kiosk_revoked"),
        _ => (String::new(), Some(register_municipality(&backend, &body).await?), "municipality_registered"),
    };
    let entry = AuditEntry {
        at_ms: now(),
        step: "ops".into(),
        kiosk_id,
        municipality,
        outcome: format!("{action}:{operator}"),
        card_tag: None,
    };
    crate::core::audit::append(&backend, entry).await.map_err(EdgeError::Storage)?;
    Response::from_json(&serde_json::json!({ "ok": true })).map_err(|_| storage("response"))
}

async fn read_body(req: &mut Request) -> Result<Vec<u8>, EdgeError> {
    let declared = req.headers().get("content-length").ok().flatten();
    if declared.and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(EdgeError::BodyTooLarge);
    }
    let body = req.bytes().await.map_err(|_| EdgeError::Malformed("body"))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(EdgeError::BodyTooLarge);
    }
    Ok(body)
}

fn now() -> u64 {
    Date::now().as_millis()
}

fn cors(env: &Env) -> Cors {
    let origins: Vec<String> = env
        .var("ALLOWED_ORIGINS")
        .map(|v| v.to_string().split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    Cors::new()
        .with_origins(origins)
        .with_methods([Method::Get, Method::Post, Method::Options])
        .with_allowed_headers(["content-type"])
        .with_max_age(600)
}

pub(crate) struct D1Backend {
    db: D1Database,
    validation_url: String,
    limiter: worker::ObjectNamespace,
}

impl D1Backend {
    pub(crate) fn new(env: &Env) -> Result<Self, EdgeError> {
        let db = env.d1("DB").map_err(|_| storage("D1 binding"))?;
        let validation_url = text_binding(env, "VALIDATION_URL")?;
        let limiter = env.durable_object("RATE_LIMITER").map_err(|_| storage("RATE_LIMITER binding"))?;
        Ok(D1Backend { db, validation_url, limiter })
    }
}

fn d1_err(e: worker::Error) -> BackendError {
    BackendError::Storage(e.to_string())
}

#[derive(Deserialize)]
struct KioskRow {
    id: String,
    public_key: String,
    status: String,
}

#[derive(Deserialize)]
struct MunicipalityRow {
    code: String,
    name: String,
    endpoint: String,
    public_key: String,
    enabled: f64,
    open_minute: f64,
    close_minute: f64,
    year_end_closed: f64,
    kinds: String,
    closed_dates: String,
    weekday_only_kinds: String,
    fees: String,
}

#[derive(Deserialize)]
struct TransactionRow {
    transaction_id: String,
    kiosk_id: String,
    municipality: String,
}

#[derive(Deserialize)]
struct ChallengeRow {
    used: f64,
    expires_at: f64,
}

impl D1Backend {
    /// Runs one statement; returns how many rows it changed.
    async fn execute(&self, sql: &str, args: &[wasm_bindgen::JsValue]) -> Result<usize, BackendError> {
        let result = self.db.prepare(sql).bind(args).map_err(d1_err)?.run().await.map_err(d1_err)?;
        Ok(result.meta().map_err(d1_err)?.and_then(|m| m.changes).unwrap_or(0))
    }

    /// The first row of a query, if any.
    async fn first<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        args: &[wasm_bindgen::JsValue],
    ) -> Result<Option<T>, BackendError> {
        self.db.prepare(sql).bind(args).map_err(d1_err)?.first(None).await.map_err(d1_err)
    }
}

#[derive(Deserialize)]
struct AuditRow {
    seq: u64,
    at_ms: u64,
    step: String,
    kiosk_id: String,
    municipality: Option<String>,
    outcome: String,
    card_tag: Option<String>,
    prev_hash: String,
    hash: String,
}

fn hash32(hex_text: &str) -> Result<[u8; 32], BackendError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).map_err(|_| BackendError::BadUpstream)?;
    Ok(out)
}

impl AuditRow {
    fn into_record(self) -> Result<AuditRecord, BackendError> {
        let municipality = self.municipality.map(|m| m.parse().map_err(|_| BackendError::BadUpstream)).transpose()?;
        Ok(AuditRecord {
            seq: self.seq,
            entry: AuditEntry {
                at_ms: self.at_ms,
                step: self.step,
                kiosk_id: self.kiosk_id,
                municipality,
                outcome: self.outcome,
                card_tag: self.card_tag,
            },
            prev_hash: hash32(&self.prev_hash)?,
            hash: hash32(&self.hash)?,
        })
    }
}

impl Backend for D1Backend {
    async fn put_kiosk(&self, kiosk: &KioskEnrollment) -> Result<(), BackendError> {
        self.execute(
            "INSERT INTO kiosks (id, public_key, operator, store, status) VALUES (?1, ?2, ?3, ?4, 'active')
             ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, operator = excluded.operator,
               store = excluded.store, status = 'active'",
            &[
                kiosk.id.as_str().into(),
                Bytes::encode(&kiosk.public_key.0).into(),
                kiosk.operator.as_str().into(),
                kiosk.store.as_str().into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn kiosk_stores(&self) -> Result<std::collections::HashMap<String, String>, BackendError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            store: String,
        }
        let statement = self.db.prepare("SELECT id, store FROM kiosks");
        let rows: Vec<Row> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        Ok(rows.into_iter().map(|r| (r.id, r.store)).collect())
    }

    async fn first_use_of_ops_request(
        &self,
        digest: &[u8; 32],
        expires_at: u64,
        now: u64,
    ) -> Result<bool, BackendError> {
        // Few ops calls: forgetting the expired ones on each call keeps the table tiny.
        self.execute("DELETE FROM ops_requests WHERE expires_at < ?1", &[(now as f64).into()]).await?;
        let inserted = self
            .execute(
                "INSERT INTO ops_requests (digest, expires_at) VALUES (?1, ?2) ON CONFLICT (digest) DO NOTHING",
                &[hex::encode(digest).into(), (expires_at as f64).into()],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn municipal_keys(&self) -> Result<Vec<kofu_shared::wire::MunicipalKey>, BackendError> {
        #[derive(Deserialize)]
        struct Row {
            code: String,
            name: String,
            public_key: String,
        }
        let statement = self.db.prepare("SELECT code, name, public_key FROM municipalities ORDER BY code");
        let rows: Vec<Row> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        rows.into_iter()
            .map(|r| {
                let code = MunicipalityCode::parse(&r.code).map_err(|_| BackendError::BadUpstream)?;
                let key = Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?;
                Ok(kofu_shared::printed::key(code, &r.name, &key))
            })
            .collect()
    }

    async fn revoke_kiosk(&self, id: &str) -> Result<bool, BackendError> {
        Ok(self.execute("UPDATE kiosks SET status = 'revoked' WHERE id = ?1", &[id.into()]).await? == 1)
    }

    async fn put_municipality(&self, m: &MunicipalityRecord) -> Result<(), BackendError> {
        let ids = |kinds: &[kofu_shared::wire::CertificateKind]| {
            kinds.iter().filter_map(|k| serde_json::to_value(k).ok()?.as_str().map(str::to_owned)).collect::<Vec<_>>()
        };
        self.execute(
            "INSERT INTO municipalities (code, name, endpoint, public_key, enabled, open_minute, close_minute,
               year_end_closed, kinds, closed_dates, weekday_only_kinds, fees)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint,
               public_key = excluded.public_key, enabled = excluded.enabled, open_minute = excluded.open_minute,
               close_minute = excluded.close_minute, year_end_closed = excluded.year_end_closed, kinds = excluded.kinds,
               closed_dates = excluded.closed_dates, weekday_only_kinds = excluded.weekday_only_kinds,
               fees = excluded.fees",
            &[
                m.code.to_string().into(),
                m.name.as_str().into(),
                m.endpoint.as_str().into(),
                Bytes::encode(&m.public_key).into(),
                f64::from(u8::from(m.enabled)).into(),
                f64::from(m.hours.open_minute).into(),
                f64::from(m.hours.close_minute).into(),
                f64::from(u8::from(m.hours.year_end_closed)).into(),
                ids(&m.kinds).join(",").into(),
                m.closures.dates.join(",").into(),
                ids(&m.closures.weekday_only).join(",").into(),
                crate::core::issue::fees_column(&m.fees).into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn take_rate(&self, key: &str, limit: crate::core::rate::Limit, now: u64) -> Result<bool, BackendError> {
        let unavailable = |_| BackendError::Storage("rate limiter".into());
        let stub = self.limiter.id_from_name(key).and_then(|id| id.get_stub()).map_err(unavailable)?;
        let body = serde_json::to_string(&crate::rate_limiter::TakeRequest { limit, now_ms: now })
            .map_err(|_| BackendError::Storage("rate limiter".into()))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://rate-limiter/take", &init).map_err(unavailable)?;
        let mut answer = stub.fetch_with_request(request).await.map_err(unavailable)?;
        let answer: crate::rate_limiter::TakeAnswer = answer.json().await.map_err(unavailable)?;
        Ok(answer.allowed)
    }

    async fn last_audit(&self) -> Result<Option<(u64, [u8; 32])>, BackendError> {
        #[derive(Deserialize)]
        struct Last {
            seq: u64,
            hash: String,
        }
        let last: Option<Last> = self.first("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[]).await?;
        last.map(|l| Ok((l.seq, hash32(&l.hash)?))).transpose()
    }

    async fn insert_audit(&self, record: &AuditRecord) -> Result<bool, BackendError> {
        let e = &record.entry;
        let optional = |v: Option<String>| v.map_or(wasm_bindgen::JsValue::NULL, |v| v.into());
        let changed = self
            .execute(
                "INSERT INTO audit (seq, at_ms, step, kiosk_id, municipality, outcome, card_tag, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (seq) DO NOTHING",
                &[
                    (record.seq as f64).into(),
                    (e.at_ms as f64).into(),
                    e.step.as_str().into(),
                    e.kiosk_id.as_str().into(),
                    optional(e.municipality.map(|m| m.to_string())),
                    e.outcome.as_str().into(),
                    optional(e.card_tag.clone()),
                    hex::encode(record.prev_hash).into(),
                    hex::encode(record.hash).into(),
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn audit_records(&self, from_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, BackendError> {
        let statement = self
            .db
            .prepare(
                "SELECT seq, at_ms, step, kiosk_id, municipality, outcome, card_tag, prev_hash, hash
                 FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
            )
            .bind(&[(from_seq as f64).into(), f64::from(limit).into()])
            .map_err(d1_err)?;
        let rows: Vec<AuditRow> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        rows.into_iter().map(AuditRow::into_record).collect()
    }

    async fn kiosk(&self, id: &str) -> Result<Option<KioskRecord>, BackendError> {
        let row: Option<KioskRow> =
            self.first("SELECT id, public_key, status FROM kiosks WHERE id = ?1", &[id.into()]).await?;
        row.map(|r| {
            let public_key = Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?;
            Ok(KioskRecord { id: r.id, public_key, active: r.status == "active" })
        })
        .transpose()
    }

    async fn store_challenge(&self, nonce: &[u8], kiosk_id: &str, expires_at: u64) -> Result<(), BackendError> {
        self.execute(
            "INSERT INTO challenges (nonce, kiosk_id, expires_at, used) VALUES (?1, ?2, ?3, 0)",
            &[hex::encode(nonce).into(), kiosk_id.into(), (expires_at as f64).into()],
        )
        .await?;
        Ok(())
    }

    async fn consume_challenge(
        &self,
        nonce: &[u8],
        kiosk_id: &str,
        now: u64,
    ) -> Result<ChallengeOutcome, BackendError> {
        let nonce = hex::encode(nonce);
        // One conditional UPDATE: of concurrent callers exactly one sees changes == 1.
        let changes = self
            .execute(
                "UPDATE challenges SET used = 1 WHERE nonce = ?1 AND kiosk_id = ?2 AND used = 0 AND expires_at > ?3",
                &[nonce.clone().into(), kiosk_id.into(), (now as f64).into()],
            )
            .await?;
        if changes == 1 {
            return Ok(ChallengeOutcome::Consumed);
        }
        let row: Option<ChallengeRow> = self
            .first(
                "SELECT used, expires_at FROM challenges WHERE nonce = ?1 AND kiosk_id = ?2",
                &[nonce.into(), kiosk_id.into()],
            )
            .await?;
        Ok(match row {
            None => ChallengeOutcome::Unknown,
            Some(r) if r.used != 0.0 => ChallengeOutcome::AlreadyUsed,
            Some(r) if r.expires_at <= now as f64 => ChallengeOutcome::Expired,
            Some(_) => ChallengeOutcome::AlreadyUsed,
        })
    }

    async fn card_status(&self, query: &CardStatusQuery) -> Result<CardStatusAnswer, BackendError> {
        let body = serde_json::to_vec(query).map_err(|_| BackendError::BadUpstream)?;
        let answer = post_json(&self.validation_url, body).await?;
        if answer.status != 200 {
            return Err(BackendError::BadUpstream);
        }
        parse_limited(&answer.body, 4096).map_err(|_| BackendError::BadUpstream)
    }

    async fn municipality(&self, code: MunicipalityCode) -> Result<Option<MunicipalityRecord>, BackendError> {
        let row: Option<MunicipalityRow> = self
            .first(
                "SELECT code, name, endpoint, public_key, enabled, open_minute, close_minute, year_end_closed, kinds,
                   closed_dates, weekday_only_kinds, fees
                 FROM municipalities WHERE code = ?1",
                &[code.to_string().into()],
            )
            .await?;
        row.map(|r| {
            Ok(MunicipalityRecord {
                code: MunicipalityCode::parse(&r.code).map_err(|_| BackendError::BadUpstream)?,
                name: r.name,
                endpoint: r.endpoint,
                public_key: Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?,
                enabled: r.enabled != 0.0,
                hours: crate::core::hours::ServiceHours {
                    open_minute: r.open_minute.clamp(0.0, 1440.0) as u16,
                    close_minute: r.close_minute.clamp(0.0, 1440.0) as u16,
                    year_end_closed: r.year_end_closed != 0.0,
                },
                kinds: crate::core::issue::parse_kinds(&r.kinds),
                closures: crate::core::hours::Closures::from_columns(&r.closed_dates, &r.weekday_only_kinds),
                fees: crate::core::issue::parse_fees(&r.fees),
            })
        })
        .transpose()
    }

    async fn record_transaction(&self, record: &TransactionRecord, now: u64) -> Result<bool, BackendError> {
        let changes = self
            .execute(
                "INSERT INTO transactions (transaction_id, kiosk_id, municipality, forwarded_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (transaction_id) DO NOTHING",
                &[
                    record.transaction_id.as_str().into(),
                    record.kiosk_id.as_str().into(),
                    record.municipality.to_string().into(),
                    (now as f64).into(),
                ],
            )
            .await?;
        Ok(changes == 1)
    }

    async fn transaction(&self, transaction_id: &str) -> Result<Option<TransactionRecord>, BackendError> {
        let row: Option<TransactionRow> = self
            .first(
                "SELECT transaction_id, kiosk_id, municipality FROM transactions WHERE transaction_id = ?1",
                &[transaction_id.into()],
            )
            .await?;
        row.map(|r| {
            Ok(TransactionRecord {
                transaction_id: r.transaction_id,
                kiosk_id: r.kiosk_id,
                municipality: MunicipalityCode::parse(&r.municipality).map_err(|_| BackendError::BadUpstream)?,
            })
        })
        .transpose()
    }

    async fn set_outcome(&self, transaction_id: &str, outcome: &str) -> Result<(), BackendError> {
        self.execute(
            "UPDATE transactions SET outcome = ?2 WHERE transaction_id = ?1",
            &[transaction_id.into(), outcome.into()],
        )
        .await?;
        Ok(())
    }

    async fn forward(&self, url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError> {
        post_json(url, body).await
    }
}

async fn post_json(url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError> {
    let unreachable = |e: worker::Error| BackendError::Unreachable(e.to_string());
    let headers = Headers::new();
    headers.set("content-type", "application/json").map_err(unreachable)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(js_sys_uint8(&body)));
    let request = Request::new_with_init(url, &init).map_err(unreachable)?;
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(UPSTREAM_TIMEOUT_MS));
    let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(unreachable)?;
    let status = response.status_code();
    let body = response.bytes().await.map_err(unreachable)?;
    Ok(HttpAnswer { status, body })
}

fn js_sys_uint8(bytes: &[u8]) -> wasm_bindgen::JsValue {
    worker::js_sys::Uint8Array::from(bytes).into()
}
