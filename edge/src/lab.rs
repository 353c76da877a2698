//! Lab routes for the differential tests and the benchmark. Served only when the `LAB_ROUTES`
//! var is "on", which the dev/test configuration sets and staging/production never do
//! (wrangler does not inherit `vars` into environments).

use kofu_shared::Bytes;
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

use crate::core::issue::verify_signatures;
use crate::core::verify::RustCrypto;
use crate::core::verify::cases::{Case, Verdict, run};
use crate::core::verify::webcrypto::WebCrypto;
use crate::core::{EdgeError, KioskRecord};

/// Most cases per differential request, and iterations per benchmark request.
const MAX_CASES: usize = 2000;
const MAX_ITERATIONS: u32 = 5000;
const MAX_LAB_BODY: usize = 4 << 20;

/// The lab routes, in dev and test builds (`--features lab`) where `LAB_ROUTES` is "on".
pub async fn route(req: &mut Request, env: &Env, path: &str) -> worker::Result<Response> {
    match path {
        "/v1/_lab/verify" => verify(&req.bytes().await?).await,
        "/v1/_lab/bench" => bench(env, req).await,
        "/v1/_lab/rate" => rate(env, req).await,
        _ => Response::error("not found", 404),
    }
}

pub fn enabled(env: &Env) -> bool {
    env.var("LAB_ROUTES").map(|v| v.to_string() == "on").unwrap_or(false)
}

#[derive(Deserialize)]
struct VerifyRequest {
    cases: Vec<Case>,
}

#[derive(Serialize)]
struct VerifyAnswer {
    webcrypto: Vec<Verdict>,
    rustcrypto: Vec<Verdict>,
}

/// `POST /v1/_lab/verify`: every case through both backends, inside workerd.
pub async fn verify(body: &[u8]) -> worker::Result<Response> {
    if body.len() > MAX_LAB_BODY {
        return Response::error("too large", 413);
    }
    let Ok(request) = serde_json::from_slice::<VerifyRequest>(body) else {
        return Response::error("bad request", 400);
    };
    if request.cases.len() > MAX_CASES {
        return Response::error("too many cases", 413);
    }
    let mut answer = VerifyAnswer { webcrypto: Vec::new(), rustcrypto: Vec::new() };
    for case in &request.cases {
        answer.webcrypto.push(run(&WebCrypto, case).await);
        answer.rustcrypto.push(run(&RustCrypto, case).await);
    }
    Response::from_json(&answer)
}

#[derive(Deserialize)]
struct BenchRequest {
    backend: String,
    iterations: u32,
    kiosk_key: Bytes,
    envelope: Bytes,
    now_ms: u64,
}

#[derive(Serialize)]
struct BenchAnswer {
    verified: u32,
}

/// `POST /v1/_lab/bench`: the full per-request signature checks, `iterations` times; the
/// client times the request against one with zero iterations.
pub async fn bench(env: &Env, req: &mut Request) -> worker::Result<Response> {
    let body = req.bytes().await?;
    if body.len() > MAX_LAB_BODY {
        return Response::error("too large", 413);
    }
    let Ok(request) = serde_json::from_slice::<BenchRequest>(&body) else {
        return Response::error("bad request", 400);
    };
    if request.iterations > MAX_ITERATIONS {
        return Response::error("too many iterations", 413);
    }
    let Ok(config) = crate::adapter::config(env) else {
        return Response::error("configuration", 500);
    };
    let kiosk = KioskRecord { id: "bench".into(), public_key: request.kiosk_key.0, active: true };
    let mut verified = 0;
    if request.backend == "webcrypto-crypto-only" {
        // Parsed once: the loop is only the WebCrypto calls, to see where the time goes.
        let envelope = crate::core::issue::parse_envelope(&request.envelope.0).map_err(|_| "envelope")?;
        let parsed = crate::core::issue::parse_request(&envelope.request.0).map_err(|_| "request")?;
        for _ in 0..request.iterations {
            if crate::core::issue::verify_request_signatures(
                &WebCrypto,
                &config,
                &kiosk,
                &envelope,
                &parsed,
                request.now_ms,
            )
            .await
            .is_ok()
            {
                verified += 1;
            }
        }
        return Response::from_json(&BenchAnswer { verified });
    }
    for _ in 0..request.iterations {
        let outcome: Result<_, EdgeError> = match request.backend.as_str() {
            "webcrypto" => verify_signatures(&WebCrypto, &config, &kiosk, &request.envelope.0, request.now_ms).await,
            "rustcrypto" => verify_signatures(&RustCrypto, &config, &kiosk, &request.envelope.0, request.now_ms).await,
            // The parsing alone, to see where the time goes.
            "parse-only" => crate::core::issue::parse_envelope(&request.envelope.0)
                .and_then(|e| crate::core::issue::parse_request(&e.request.0))
                .and_then(|r| {
                    kofu_shared::x509::ParsedCert::parse(&r.card_certificate.0).map_err(EdgeError::CardCertificate)
                }),
            _ => return Response::error("unknown backend", 400),
        };
        if outcome.is_ok() {
            verified += 1;
        }
    }
    Response::from_json(&BenchAnswer { verified })
}

#[derive(Deserialize)]
struct RateRequest {
    key: String,
    max: u32,
    window_ms: u64,
}

/// `POST /v1/_lab/rate`: one take on `key` through the real RateLimiter Durable Object.
pub async fn rate(env: &Env, req: &mut Request) -> worker::Result<Response> {
    use crate::core::Backend;
    let Ok(request) = req.json::<RateRequest>().await else {
        return Response::error("bad request", 400);
    };
    let Ok(backend) = crate::adapter::D1Backend::new(env) else {
        return Response::error("configuration", 500);
    };
    let limit = crate::core::rate::Limit { max: request.max, window_ms: request.window_ms };
    let now = worker::Date::now().as_millis();
    match backend.take_rate(&format!("lab:{}", request.key), limit, now).await {
        Ok(allowed) => Response::from_json(&serde_json::json!({ "allowed": allowed })),
        Err(_) => Response::error("rate limiter", 500),
    }
}
