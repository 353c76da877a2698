//! The `RateLimiter` Durable Object: one instance per key (`kiosk:…`, `card:…`), so every
//! take on a key runs in order in one place. The window lives in memory; an instance the
//! runtime evicts starts a fresh window, which at worst lets one more window through.

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

#[durable_object]
pub struct RateLimiter {
    window: Cell<Window>,
}

impl DurableObject for RateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        RateLimiter { window: Cell::new(Window::default()) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let Ok(take) = req.json::<TakeRequest>().await else {
            return Response::error("bad request", 400);
        };
        let mut window = self.window.get();
        let allowed = window.take(take.limit, take.now_ms);
        self.window.set(window);
        Response::from_json(&TakeAnswer { allowed })
    }
}
