//! openline's edge worker.
//!
//! The worker itself only authenticates, validates and routes requests; the
//! state lives in Durable Objects (one per dialog; lines follow), which adapt
//! the pure `openline-core` to SQLite storage, sockets and alarms.

mod api;
mod dialog_object;
mod ids;
mod migrations;
mod routes;

pub use dialog_object::DialogObject;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, env).await
}
