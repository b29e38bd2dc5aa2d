//! openline's edge worker.
//!
//! The worker itself only authenticates, validates and routes requests; the
//! state lives in Durable Objects — one per line (routing), one per dialog
//! (transcript and sockets), and one for accounts — which adapt the pure
//! `openline-core` to SQLite storage, sockets and alarms.

mod accounts_object;
mod api;
mod caches;
mod calls;
mod clock;
mod dialog_object;
mod http;
mod ids;
mod limits;
mod line_object;
mod logs;
mod migrations;
mod outbox_object;
mod passwords;
mod quick_store;
mod rpc;
mod sql;
mod telegram;

pub use accounts_object::AccountsObject;
pub use dialog_object::DialogObject;
pub use line_object::LineObject;
pub use outbox_object::OutboxObject;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    http::handle(req, env).await
}
