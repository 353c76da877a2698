//! HTTP adapter (axum): limits, routing, one log line per request with no body content.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kofu_shared::limits::MAX_BODY_BYTES;
use kofu_shared::wire::Health;
use kofu_shared::{ApiError, ErrorCode};

use crate::Municipality;
use crate::db::Db;
use crate::issue::handle_issue;
use crate::outcome::handle_outcome;
use crate::validation::{ValidationError, card_status};

pub struct AppState {
    pub municipality: Municipality,
    pub db: Db,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/issue", post(issue))
        .route("/v1/outcome", post(outcome))
        .route("/validation/v1/cards", post(validation))
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(declared_length))
        .layer(middleware::from_fn(access_log))
        .with_state(state)
}

async fn access_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let code = response.headers().get("x-kofu-error").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    eprintln!("{method} {path} {} {code} {}ms", response.status().as_u16(), started.elapsed().as_millis());
    response
}

/// A body declared over the limit is refused before any of it is read: the body limit
/// alone would wait for the bytes a client never sends, holding the connection open.
async fn declared_length(request: Request, next: Next) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    if declared.and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return error(ApiError::new(ErrorCode::BodyTooLarge, "body over the size limit"));
    }
    next.run(request).await
}

/// Any other method or path: a typed refusal like every other, not an empty 404 or 405.
async fn no_route() -> Response {
    error(ApiError::new(ErrorCode::BadRequest, "no such route"))
}

async fn health() -> impl IntoResponse {
    json(
        StatusCode::OK,
        &Health {
            status: "ok".into(),
            service: "kofu-municipal".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            schema: Some(crate::db::SCHEMA_VERSION),
        },
    )
}

/// Runs `handle` on the body (off the async threads: SQLite blocks) and answers its
/// value as JSON or its refusal as a typed API error; unreadable bodies are refused too.
fn answer<T: serde::Serialize>(
    body: Result<Bytes, BytesRejection>,
    handle: impl FnOnce(&[u8]) -> Result<T, ApiError>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ErrorCode::BodyTooLarge
            } else {
                ErrorCode::BadRequest
            };
            return error(ApiError::new(code, "unreadable body"));
        }
    };
    match tokio::task::block_in_place(|| handle(&body)) {
        Ok(value) => json(StatusCode::OK, &value),
        Err(e) => error(e),
    }
}

async fn issue(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let now = now_ms();
    answer(body, |b| handle_issue(&state.municipality, &state.db, b, now).map_err(|e| e.to_api_error()))
}

async fn outcome(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let now = now_ms();
    answer(body, |b| handle_outcome(&state.municipality, &state.db, b, now).map_err(|e| e.to_api_error()))
}

async fn validation(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let now = now_ms();
    answer(body, |b| {
        card_status(&state.db, b, now).map_err(|e| match e {
            ValidationError::Malformed => ApiError::new(ErrorCode::BadRequest, "malformed query"),
            ValidationError::Db(_) => ApiError::new(ErrorCode::Internal, "internal error"),
        })
    })
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn error(body: ApiError) -> Response {
    let code = body.error.code;
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &body);
    if let Ok(value) = HeaderValue::from_str(code.as_str()) {
        response.headers_mut().insert("x-kofu-error", value);
    }
    response
}

/// The wall clock in Unix ms (0 before 1970, which no real clock reads).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
