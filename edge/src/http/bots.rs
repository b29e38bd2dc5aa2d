//! Chat bots (B3): administrators register them (the token is shown once)
//! and remove them; a bot acts in the dialogs it holds with its token —
//! a message, the hand-over to operators, the close.

use crate::accounts_object::LineEntry;
use crate::api::{read_body, ApiResult};
use crate::calls::{BotAct, BotAction, CheckBot, CreateBot, DeleteBot, ListBots, UpdateBot};
use crate::clock;
use crate::limits;
use crate::rpc::{call_json, forward, invoke, invoke_done, stub};
use openline_core::bots::{check_avatar, check_name, split_token, BotDraft, BotMessage, BotPatch};
use openline_core::protocol::Role;
use openline_core::webhooks::check_url;
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Method, Request, Url};

use super::auth::require;
use super::lines::{fresh_line_settings, known_line};

fn outbox(env: &Env) -> super::R<worker::Stub> {
    stub(env, "OUTBOX", "outbox")
}

/// `GET /api/v1/bots` (administrators).
pub(super) async fn list(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    forward(&outbox(env)?, &ListBots {}).await
}

/// `POST /api/v1/bots` (administrators): 201 with the token, once.
pub(super) async fn create(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Admin).await?;
    let draft: BotDraft = read_body(req).await?;
    let draft = BotDraft {
        name: check_name(&draft.name)?,
        url: events_url(env, &draft.url)?,
        avatar: check_avatar(draft.avatar.as_deref())?,
    };
    forward(&outbox(env)?, &CreateBot { draft, by: me.id }).await
}

/// Where a bot's events go, trimmed and checked as a webhook's address.
fn events_url(env: &Env, url: &str) -> Result<String, ProtocolError> {
    let url = url.trim();
    check_url(url, clock::dev(env))?;
    Ok(url.to_owned())
}

/// `PATCH /api/v1/bots/{id}` (administrators): its name, address or
/// picture; the token stays. Dialogs it already holds keep the card they
/// were shown; new ones show the new.
pub(super) async fn update(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let id = text::identifier("bot", id)?;
    let patch: BotPatch = read_body(req).await?;
    if patch == BotPatch::default() {
        return Err(ProtocolError::new(
            ErrorCode::BadRequest,
            "nothing to change: give name, url or avatar",
        ));
    }
    let ask = UpdateBot {
        id,
        name: patch.name.as_deref().map(check_name).transpose()?,
        url: patch
            .url
            .as_deref()
            .map(|u| events_url(env, u))
            .transpose()?,
        avatar: patch
            .avatar
            .as_deref()
            .map(|a| check_avatar(Some(a)).map(Option::unwrap_or_default))
            .transpose()?,
    };
    forward(&outbox(env)?, &ask).await
}

/// `DELETE /api/v1/bots/{id}` (administrators).
pub(super) async fn delete(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let id = text::identifier("bot", id)?;
    // A line that names the bot would park its new dialogs with nobody
    // until the hand-over time: it must name another (or none) first.
    let all: Vec<LineEntry> = call_json(
        &super::auth::accounts(env)?,
        Method::Get,
        "/lines",
        None::<&()>,
    )
    .await?;
    for entry in &all {
        let settings = fresh_line_settings(env, &entry.id).await?;
        if settings.bot.as_ref().is_some_and(|b| b.bot == id) {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                format!(
                    "the line '{}' hands its new dialogs to this bot: change its settings first",
                    entry.id
                ),
            ));
        }
    }
    invoke_done(&outbox(env)?, &DeleteBot { id }).await?;
    super::ok()
}

/// B1: a line's settings may name only a registered bot (else its new
/// dialogs would wait on nobody until the hand-over time).
pub(super) async fn check_registered(env: &Env, bot: &str) -> Result<(), ProtocolError> {
    let all = invoke(&outbox(env)?, &ListBots {}).await?;
    if all.bots.iter().any(|b| b.id == bot) {
        return Ok(());
    }
    Err(ProtocolError::invalid_field(
        "bot.bot",
        "no such bot: register it under Administration → Integrations and give its id",
    ))
}

/// `POST /api/v1/lines/{line}/dialogs/{dialog}/bot/{messages|handoff|close}`
/// (the bot, `Authorization: Bearer <token>`).
pub(super) async fn act(
    env: &Env,
    req: &mut Request,
    line: &str,
    dialog: &str,
    what: &str,
) -> ApiResult {
    let token = crate::api::bearer(req.headers()).unwrap_or_default();
    let (bot, secret) = split_token(&token)?;
    // Guesses are limited by address before the outbox is asked; a bot's
    // own budget is counted only once its token is checked (a stranger
    // who knows its id cannot spend it).
    let ip = limits::client_ip(req.headers());
    limits::check(
        env,
        "MESSAGE_LIMITER",
        format!("bot-ip:{ip}"),
        "bot actions from this address",
    )
    .await?;
    let check = CheckBot {
        id: bot.to_owned(),
        secret: secret.to_owned(),
    };
    let name = invoke(&outbox(env)?, &check).await?.name;
    limits::check(env, "MESSAGE_LIMITER", format!("bot:{bot}"), "bot actions").await?;
    known_line(env, line).await?;
    let action = match what {
        "messages" => BotAction::Say(read_body::<BotMessage>(req).await?),
        "handoff" => BotAction::Handoff,
        _ => BotAction::Close,
    };
    let ask = BotAct {
        dialog: text::identifier("dialog", dialog)?,
        bot: bot.to_owned(),
        name,
        action,
    };
    forward(&stub(env, "LINES", line)?, &ask).await
}
