//! Administrators' webhook subscriptions (issue 13): list, add, change,
//! remove, the delivery log and "send test event". The outbox keeps them;
//! every change tells the lines concerned, which ask the outbox again
//! before their next publication.

use crate::accounts_object::LineEntry;
use crate::api::{read_body, ApiResult};
use crate::calls::{
    ChangeWebhook, CreateWebhook, DeleteWebhook, HooksChanged, ListDeliveries, ListWebhooks,
    ShowWebhook, TestWebhook, WebhookLine,
};
use crate::clock;
use crate::limits;
use crate::rpc::{call_json, forward, invoke, invoke_done, stub};
use openline_core::protocol::Role;
use openline_core::webhooks::{
    check_description, check_events, check_secret, check_url, WebhookChange, WebhookDraft,
};
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Method, Request, Url};

use super::auth::{accounts, require};
use super::lines::known_line;
use super::R;

fn outbox(env: &Env) -> R<worker::Stub> {
    stub(env, "OUTBOX", "outbox")
}

/// A secret chosen in the request, checked (`"new"` on a change asks for
/// a made one).
fn secret(s: Option<String>, on_change: bool) -> R<Option<String>> {
    match s {
        Some(s) if on_change && s == "new" => Ok(Some(s)),
        Some(s) => check_secret(&s).map(|()| Some(s)),
        None => Ok(None),
    }
}

/// Tells the lines a subscription concerns (one, or all for a
/// deployment-wide one) that subscriptions changed.
async fn tell_lines(env: &Env, line: Option<&str>) -> R<()> {
    let lines: Vec<String> = match line {
        Some(l) => vec![l.to_owned()],
        None => {
            let all: Vec<LineEntry> =
                call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
            all.into_iter().map(|l| l.id).collect()
        }
    };
    for l in lines {
        invoke_done(&stub(env, "LINES", &l)?, &HooksChanged {}).await?;
    }
    Ok(())
}

/// `GET /api/v1/webhooks` (administrators).
pub(super) async fn list(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    forward(&outbox(env)?, &ListWebhooks {}).await
}

/// `POST /api/v1/webhooks` (administrators): 201 with the secret, once.
pub(super) async fn create(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Admin).await?;
    let mut draft: WebhookDraft = read_body(req).await?;
    draft.url = draft.url.trim().to_owned();
    check_url(&draft.url, clock::dev(env))?;
    draft.events = check_events(&draft.events)?;
    draft.description = Some(check_description(draft.description.as_deref())?);
    draft.secret = secret(draft.secret.take(), false)?;
    if let Some(line) = &draft.line {
        let line = text::identifier("line", line)?;
        known_line(env, &line).await?;
        draft.line = Some(line);
    }
    let line = draft.line.clone();
    // The object's answer (201 and the secret, once) goes out as it is.
    let saved = forward(&outbox(env)?, &CreateWebhook { draft, by: me.id }).await?;
    if saved.status_code() < 300 {
        tell_lines(env, line.as_deref()).await?;
    }
    Ok(saved)
}

/// The subscription `id`, for a change to know its line (404 if none).
async fn show(env: &Env, id: &str) -> R<WebhookLine> {
    let id = text::identifier("webhook", id)?;
    invoke(&outbox(env)?, &ShowWebhook { id }).await
}

/// `PATCH /api/v1/webhooks/{id}` (administrators).
pub(super) async fn change(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let mut change: WebhookChange = read_body(req).await?;
    if change == WebhookChange::default() {
        return Err(ProtocolError::new(
            ErrorCode::BadRequest,
            "nothing to change: give url, events, description, active or secret",
        ));
    }
    let hook = show(env, id).await?;
    if let Some(u) = &mut change.url {
        *u = u.trim().to_owned();
        check_url(u, clock::dev(env))?;
    }
    if let Some(e) = &change.events {
        change.events = Some(check_events(e)?);
    }
    if let Some(d) = &change.description {
        change.description = Some(check_description(Some(d))?);
    }
    change.secret = secret(change.secret.take(), true)?;
    let hears_differently = change.events.is_some() || change.active.is_some();
    let saved = forward(
        &outbox(env)?,
        &ChangeWebhook {
            id: hook.id,
            change,
        },
    )
    .await?;
    if hears_differently && saved.status_code() < 300 {
        tell_lines(env, hook.line.as_deref()).await?;
    }
    Ok(saved)
}

/// `DELETE /api/v1/webhooks/{id}` (administrators).
pub(super) async fn delete(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let hook = show(env, id).await?;
    invoke_done(&outbox(env)?, &DeleteWebhook { id: hook.id }).await?;
    tell_lines(env, hook.line.as_deref()).await?;
    super::ok()
}

/// `GET /api/v1/webhooks/{id}/deliveries` (administrators): the log.
pub(super) async fn deliveries(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let id = text::identifier("webhook", id)?;
    forward(&outbox(env)?, &ListDeliveries { id }).await
}

/// `POST /api/v1/webhooks/{id}/test` (administrators): one `test` event,
/// sent at once; the answer is its delivery as logged. Each sends a
/// request to the receiver, so they are counted per administrator.
pub(super) async fn test(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Admin).await?;
    limits::check(
        env,
        "HOOK_TEST_LIMITER",
        format!("hook-test:{}", me.id),
        "test events",
    )
    .await?;
    let id = text::identifier("webhook", id)?;
    forward(&outbox(env)?, &TestWebhook { id }).await
}
