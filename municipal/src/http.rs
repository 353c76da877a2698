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
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
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

async fn health() -> impl IntoResponse {
    json(
        StatusCode::OK,
        &Health { status: "ok".into(), service: "kofu-municipal".into(), version: env!("CARGO_PKG_VERSION").into() },
    )
}

/// Body extraction failures (over the limit, unreadable) answered as typed API errors.
fn body_or_error(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ErrorCode> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::BodyTooLarge
        } else {
            ErrorCode::BadRequest
        }
    })
}

async fn issue(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_or_error(body) {
        Ok(body) => body,
        Err(code) => return error(code, ApiError::new(code, "unreadable body")),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let outcome = tokio::task::block_in_place(|| handle_issue(&state.municipality, &state.db, &body, now));
    match outcome {
        Ok(answer) => json(StatusCode::OK, &answer),
        Err(e) => error(e.code(), e.to_api_error()),
    }
}

async fn outcome(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_or_error(body) {
        Ok(body) => body,
        Err(code) => return error(code, ApiError::new(code, "unreadable body")),
    };
    match tokio::task::block_in_place(|| handle_outcome(&state.municipality, &state.db, &body)) {
        Ok(ack) => json(StatusCode::OK, &ack),
        Err(e) => error(e.code(), e.to_api_error()),
    }
}

async fn validation(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_or_error(body) {
        Ok(body) => body,
        Err(code) => return error(code, ApiError::new(code, "unreadable body")),
    };
    match tokio::task::block_in_place(|| card_status(&state.db, &body)) {
        Ok(answer) => json(StatusCode::OK, &answer),
        Err(ValidationError::Malformed) => {
            error(ErrorCode::BadRequest, ApiError::new(ErrorCode::BadRequest, "malformed query"))
        }
        Err(ValidationError::Db(_)) => error(ErrorCode::Internal, ApiError::new(ErrorCode::Internal, "internal error")),
    }
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn error(code: ErrorCode, body: ApiError) -> Response {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &body);
    if let Ok(value) = HeaderValue::from_str(code.as_str()) {
        response.headers_mut().insert("x-kofu-error", value);
    }
    response
}
