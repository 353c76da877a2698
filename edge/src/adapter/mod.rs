//! The worker: routes HTTP to the core and implements its `Backend` with D1 and fetch.
//! Nothing here decides; it only translates.

use std::cell::OnceCell;
use std::rc::Rc;

use serde::Deserialize;
use worker::{Cors, Date, Env, Method, Request, Response, event};

use crate::core::audit::AuditEntry;
use crate::core::center_key::rotate_center_key;
use crate::core::challenge::create_challenge;
use crate::core::issue::issue;
use crate::core::ops::{OpsRequest, authorize_once, enroll_kiosk, register_municipality, revoke_kiosk, verify_audit};
use crate::core::outcome::report_outcome;
use crate::core::verify::webcrypto::WebCrypto;
use crate::core::{Backend, BackendError, EdgeConfig, EdgeError, SCHEMA_VERSION, SERVICE, VERSION};
use kofu_shared::Bytes;
use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::wire::Health;

mod d1;

pub(crate) use d1::D1Backend;

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
        if let Some(next) = optional_binding(env, "CENTER_KEY_NEXT") {
            config = config.and_then(|c| c.with_next_center_key(&next));
        }
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
    optional_binding(env, name).ok_or_else(|| {
        worker::console_error!("configuration: {name} is not set");
        storage("configuration")
    })
}

/// A secret, or else a plain variable, of that name.
fn optional_binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
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
        (Method::Get, "/v1/center-keys") => center_keys_route(env).await,
        (Method::Get, "/v1/ops/audit/verify") => audit_verify_route(req, env).await,
        (Method::Get, "/v1/ops/audit/report") => audit_report_route(req, env).await,
        (Method::Get, "/v1/ops/audit/export") => audit_export_route(req, env).await,
        (
            Method::Post,
            "/v1/ops/kiosks" | "/v1/ops/kiosks/revoke" | "/v1/ops/municipalities" | "/v1/ops/center-key/rotate",
        ) => directory_route(req, env, path).await,
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

/// Public: the center keys since the first rotation, each with its end once retiring and
/// the endorsement by the key it replaced, for municipal servers to follow a rotation.
async fn center_keys_route(env: &Env) -> Result<Response, EdgeError> {
    // Built by D1 as JSON (the stored fields are already in wire form): no row types here.
    #[derive(Deserialize)]
    struct Row {
        keys: String,
    }
    let sql = "SELECT json_object('keys', json_group_array(json_object('key_id', key_id, 'public_key', public_key,
        'active_from', active_from, 'retire_at', retire_at, 'endorsement', endorsement))) AS keys
        FROM (SELECT * FROM center_keys ORDER BY active_from, key_id)";
    let db = env.d1("DB").map_err(|_| storage("D1 binding"))?;
    let row: Option<Row> = db.prepare(sql).first(None).await.map_err(|_| storage("center keys"))?;
    let body = row.map_or_else(|| String::from("{\"keys\":[]}"), |r| r.keys);
    let response = Response::ok(body).map_err(|_| storage("response"))?;
    let _ = response.headers().set("content-type", "application/json");
    let _ = response.headers().set("cache-control", "public, max-age=60");
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
    let request = OpsRequest { method: &method, path: &target, body, key_id: &key_id, time_ms, signature: &signature };
    let backend = D1Backend::new(env)?;
    let id = authorize_once(&WebCrypto, &backend, &config.ops_keys, &request, now()).await?;
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

/// The ops API's changes (directory, center key); each is audited with the operator who
/// made it. One handler: each extra route costs the bundle its own copy of this path.
async fn directory_route(req: &mut Request, env: &Env, path: &str) -> Result<Response, EdgeError> {
    let body = read_body(req).await?;
    let config = config(env)?;
    let operator = ops_caller(req, env, &config, &body).await?;
    let backend = D1Backend::new(env)?;
    let mut answer = serde_json::json!({ "ok": true });
    let (kiosk_id, municipality, action) = match path {
        "/v1/ops/kiosks" => (enroll_kiosk(&backend, &body).await?, None, "kiosk_enrolled"),
        "/v1/ops/kiosks/revoke" => (revoke_kiosk(&backend, &body).await?, None, "kiosk_revoked"),
        "/v1/ops/center-key/rotate" => {
            let rotated = rotate_center_key(&WebCrypto, &config, &backend, &body, now()).await?;
            answer = serde_json::to_value(&rotated).map_err(|_| storage("response"))?;
            (String::new(), None, "center_key_rotated")
        }
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
    Response::from_json(&answer).map_err(|_| storage("response"))
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
