//! The exchange center over `fetch`.

use kofu_shared::ApiError;
use kofu_shared::wire::{
    ChallengeRequest, ChallengeResponse, Health, IssueEnvelope, IssueResponse, MenuEnvelope, MenuResponse, OutcomeAck,
    OutcomeEnvelope,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::session::{EdgeApi, EdgeCallError};

/// Largest answer read from the edge.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct HttpEdge {
    pub base_url: String,
}

impl EdgeApi for HttpEdge {
    async fn challenge(&self, kiosk_id: &str) -> Result<ChallengeResponse, EdgeCallError> {
        let body = ChallengeRequest { kiosk_id: kiosk_id.to_owned() };
        retried("POST", &format!("{}/v1/challenges", self.base_url), Some(&body)).await
    }

    async fn issue(&self, envelope: &IssueEnvelope) -> Result<IssueResponse, EdgeCallError> {
        request("POST", &format!("{}/v1/issue", self.base_url), Some(envelope)).await
    }

    async fn outcome(&self, envelope: &OutcomeEnvelope) -> Result<OutcomeAck, EdgeCallError> {
        request("POST", &format!("{}/v1/outcome", self.base_url), Some(envelope)).await
    }

    async fn menu(&self, envelope: &MenuEnvelope) -> Result<MenuResponse, EdgeCallError> {
        retried("POST", &format!("{}/v1/menu", self.base_url), Some(envelope)).await
    }
}

impl HttpEdge {
    /// `GET /v1/health`: the center's version and schema (the operator screen shows them).
    pub async fn health(&self) -> Result<Health, EdgeCallError> {
        request::<(), Health>("GET", &format!("{}/v1/health", self.base_url), None).await
    }
}

/// The app's runtime configuration, served beside it as `/config.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct AppConfig {
    pub edge_url: String,
    /// Screen timeouts as a percentage of the standard ones (tests shorten them).
    #[serde(default = "full_time")]
    pub timeout_percent: u32,
    /// Dev builds only: sign with the TEST-ONLY dev kiosk key when none is enrolled (the
    /// default); `false` makes a dev kiosk behave as an unenrolled release kiosk.
    #[serde(default = "yes")]
    pub dev_kiosk_key: bool,
}

fn yes() -> bool {
    true
}

fn full_time() -> u32 {
    100
}

pub async fn load_config() -> Result<AppConfig, EdgeCallError> {
    get("config.json").await
}

/// A JSON answer to a plain GET (size-limited like every answer).
pub async fn get<R: DeserializeOwned>(url: &str) -> Result<R, EdgeCallError> {
    request::<(), R>("GET", url, None).await
}

const EDGE_TIMEOUT_MS: u32 = 25_000;

/// Calls that change nothing at the center (a fresh challenge, the menu) are sent once
/// more after a moment when no HTTP answer came at all: a dropped connection, or a proxy
/// refusing the CORS preflight (as `wrangler dev` now and then does). Never `issue`: its
/// challenge is spent on arrival.
async fn retried<B: Serialize, R: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&B>,
) -> Result<R, EdgeCallError> {
    let response = match fetch(method, url, body).await? {
        Ok(response) => response,
        Err(NoAnswer) => {
            gloo_timers::future::TimeoutFuture::new(RETRY_AFTER_MS).await;
            fetch(method, url, body).await?.map_err(|NoAnswer| EdgeCallError::Network)?
        }
    };
    read(response).await
}

const RETRY_AFTER_MS: u32 = 400;

async fn request<B: Serialize, R: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&B>,
) -> Result<R, EdgeCallError> {
    read(fetch(method, url, body).await?.map_err(|NoAnswer| EdgeCallError::Network)?).await
}

/// `fetch` itself failed: no HTTP answer arrived.
struct NoAnswer;

async fn fetch<B: Serialize>(
    method: &str,
    url: &str,
    body: Option<&B>,
) -> Result<Result<web_sys::Response, NoAnswer>, EdgeCallError> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    // A center that does not answer is a failure the resident is told about, not a screen
    // that waits until its own timeout. Longer than the center's upstream timeout (10 s).
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(EDGE_TIMEOUT_MS)));
    if let Some(body) = body {
        let json = serde_json::to_string(body).map_err(|_| EdgeCallError::Malformed)?;
        init.set_body(&JsValue::from_str(&json));
        let headers = web_sys::Headers::new().map_err(|_| EdgeCallError::Network)?;
        headers.set("content-type", "application/json").map_err(|_| EdgeCallError::Network)?;
        init.set_headers(&headers);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| EdgeCallError::Network)?;
    let window = web_sys::window().ok_or(EdgeCallError::Network)?;
    Ok(match JsFuture::from(window.fetch_with_request(&request)).await {
        Ok(response) => response.dyn_into().map_err(|_| NoAnswer),
        Err(_) => Err(NoAnswer),
    })
}

async fn read<R: DeserializeOwned>(response: web_sys::Response) -> Result<R, EdgeCallError> {
    let text = JsFuture::from(response.text().map_err(|_| EdgeCallError::Network)?)
        .await
        .map_err(|_| EdgeCallError::Network)?
        .as_string()
        .ok_or(EdgeCallError::Malformed)?;
    if text.len() > MAX_ANSWER_BYTES {
        return Err(EdgeCallError::Malformed);
    }
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| EdgeCallError::Malformed)
    } else {
        match serde_json::from_str::<ApiError>(&text) {
            Ok(e) => Err(EdgeCallError::Refused(e.error.code)),
            Err(_) => Err(EdgeCallError::Network),
        }
    }
}
