//! The `RateLimiter` Durable Object: one instance per key (`kiosk:…`, `card:…`), so every
//! take on a key runs in order in one place. The window is kept in the object's storage
//! too, so an instance the runtime evicts when idle resumes the same window: a per-card
//! limit over an hour is not reset by a quiet minute.

use std::cell::Cell;

use serde::{Deserialize, Serialize};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::core::rate::{Limit, Window};

#[derive(Serialize, Deserialize)]
pub struct TakeRequest {
    pub limit: Limit,
    pub now_ms: u64,
}

#[derive(Serialize, Deserialize)]
pub struct TakeAnswer {
    pub allowed: bool,
}

const WINDOW_KEY: &str = "window";

#[durable_object]
pub struct RateLimiter {
    state: State,
    /// `None` until read back from storage after the instance starts.
    window: Cell<Option<Window>>,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        RateLimiter { state, window: Cell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let Ok(take) = req.json::<TakeRequest>().await else {
            return Response::error("bad request", 400);
        };
        let mut window = match self.window.get() {
            Some(window) => window,
            None => self.state.storage().get::<Window>(WINDOW_KEY).await.ok().flatten().unwrap_or_default(),
        };
        let allowed = window.take(take.limit, take.now_ms);
        self.window.set(Some(window));
        // The object's input gate holds other requests until this write is durable.
        self.state.storage().put(WINDOW_KEY, window).await?;
        Response::from_json(&TakeAnswer { allowed })
    }
}
