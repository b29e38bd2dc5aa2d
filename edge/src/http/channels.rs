//! A line's channels (L4) and Telegram's webhook (N2). Administrators
//! connect a bot with its BotFather token: the worker checks it with
//! `getMe`, registers this edge's webhook with `setWebhook` and a fresh
//! `secret_token`, and the line keeps both (write-only). Telegram then
//! posts every update here; the line refuses any without the secret (401,
//! nothing stored), takes each update once, and the words go to the
//! client's dialog like the widget's.

use crate::api::{read_body, read_bytes, ApiResult};
use crate::calls::{
    ChannelInbound, ChannelMessage, ChannelToken, ConnectChannel, DisconnectChannel, ListChannels,
};
use crate::ids;
use crate::limits;
use crate::rpc::{dialog_stub, forward, invoke, invoke_done, stub};
use crate::telegram;
use openline_core::attachments::Attachment;
use openline_core::channels::{
    self, check_bot_token, ChannelKind, ConnectTelegram, Inbound, TelegramChat, Update,
};
use openline_core::protocol::{Role, SendMessage};
use openline_core::telegram_files::{self, TelegramFile};
use openline_core::{ErrorCode, ProtocolError};
use serde::Serialize;
use worker::{Env, Request, Url};

use super::auth::require_on_line;
use super::lines::{known_line, line_settings};
use super::visitor::open_dialog;

/// The header Telegram sends the webhook's secret in.
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// Largest update taken (Telegram's are a few KB).
const MAX_UPDATE_BYTES: usize = 256 * 1024;

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct SetWebhook<'a> {
    url: &'a str,
    secret_token: &'a str,
    allowed_updates: [&'a str; 1],
    max_connections: u8,
}

/// `GET /api/v1/lines/{line}/channels` (supervisor): the line's channels,
/// never their credentials.
pub(super) async fn list(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Supervisor).await?;
    forward(&stub(env, "LINES", line)?, &ListChannels {}).await
}

/// `PUT /api/v1/lines/{line}/channels/telegram` (administrator).
pub(super) async fn connect(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let body: ConnectTelegram = read_body(req).await?;
    let token = body.token.trim().to_owned();
    check_bot_token(&token)?;
    let (status, answer) = telegram::call(env, &token, "getMe", &NoArgs {}).await;
    if channels::send_outcome(status, answer.as_deref()) != channels::SendOutcome::Sent {
        return Err(ProtocolError::invalid_field(
            "token",
            "Telegram does not know this token: copy it again from BotFather",
        ));
    }
    let name = channels::bot_name(answer.as_deref());
    let secret = ids::random_hex(32).map_err(crate::api::internal)?;
    let hook = updates_url(url, line);
    let set = SetWebhook {
        url: &hook,
        secret_token: &secret,
        allowed_updates: ["message"],
        max_connections: 1,
    };
    let (status, answer) = telegram::call(env, &token, "setWebhook", &set).await;
    if let channels::SendOutcome::Undeliverable(why) | channels::SendOutcome::Retry(why) =
        channels::send_outcome(status, answer.as_deref())
    {
        return Err(ProtocolError::new(
            ErrorCode::UpstreamFailed,
            format!("Telegram did not take the webhook: {why}"),
        ));
    }
    let ask = ConnectChannel {
        kind: ChannelKind::Telegram,
        token,
        secret,
        name,
    };
    forward(&stub(env, "LINES", line)?, &ask).await
}

/// Where Telegram should post this line's updates.
fn updates_url(url: &Url, line: &str) -> String {
    format!(
        "{}/api/v1/lines/{line}/channels/telegram/updates",
        url.origin().ascii_serialization()
    )
}

/// `POST /api/v1/lines/{line}/channels/telegram/check` (administrator):
/// asks Telegram whether the token still works and the bot's updates come
/// here (`getMe`, `getWebhookInfo`); changes nothing.
pub(super) async fn check(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    // Each check calls Telegram twice: limited like a webhook's test event.
    limits::check(
        env,
        "HOOK_TEST_LIMITER",
        format!("channel-check:{}", me.id),
        "channel checks",
    )
    .await?;
    let ask = ChannelToken {
        kind: ChannelKind::Telegram,
    };
    let token = invoke(&stub(env, "LINES", line)?, &ask).await?.token;
    let me = telegram::call(env, &token, "getMe", &NoArgs {}).await;
    let info = telegram::call(env, &token, "getWebhookInfo", &NoArgs {}).await;
    let check = channels::check_outcome(
        (me.0, me.1.as_deref()),
        (info.0, info.1.as_deref()),
        &updates_url(url, line),
    );
    crate::api::json(200, &check)
}

/// `DELETE /api/v1/lines/{line}/channels/telegram` (administrator): the
/// bot's webhook is removed at Telegram, then the line forgets the bot.
pub(super) async fn disconnect(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let ask = DisconnectChannel {
        kind: ChannelKind::Telegram,
    };
    let gone = invoke(&stub(env, "LINES", line)?, &ask).await?;
    // Best effort: the line no longer takes its updates either way.
    let _ = telegram::call(env, &gone.token, "deleteWebhook", &NoArgs {}).await;
    super::ok()
}

/// `POST /api/v1/lines/{line}/channels/telegram/updates` (Telegram).
pub(super) async fn updates(env: &Env, req: &mut Request, line: &str) -> ApiResult {
    limits::check(
        env,
        "CHANNEL_LIMITER",
        format!("telegram:{line}"),
        "updates from this channel",
    )
    .await?;
    let secret = req
        .headers()
        .get(SECRET_HEADER)
        .ok()
        .flatten()
        .filter(|s| !s.is_empty())
        .ok_or_else(channels::unauthorized)?;
    known_line(env, line).await?;
    let raw = read_bytes(req, MAX_UPDATE_BYTES).await?;
    let update: Update = serde_json::from_slice(&raw)
        .map_err(|e| ProtocolError::new(ErrorCode::BadRequest, format!("not an update: {e}")))?;
    let inbound = channels::inbound(&update);
    let (chat_id, start, said) = match inbound {
        Inbound::Says(s) => (s.chat_id, false, Some(s)),
        Inbound::Start { chat_id } => (chat_id, true, None),
        Inbound::Ignored => (0, false, None),
    };
    let ask = ChannelInbound {
        secret,
        update_id: update.update_id,
        chat_id,
        start,
        client: said.as_ref().map(|s| s.client.clone()),
        name: said.as_ref().and_then(|s| match (&s.name, &s.username) {
            (Some(n), Some(u)) => Some(format!("{n} (@{u})")),
            (Some(n), None) => Some(n.clone()),
            (None, Some(u)) => Some(format!("@{u}")),
            (None, None) => None,
        }),
        phone: said.as_ref().and_then(|s| s.phone.clone()),
        rating: said.as_ref().and_then(|s| channels::rating_of(&s.text)),
    };
    let taken = invoke(&stub(env, "LINES", line)?, &ask).await?;
    let Some(said) = said.filter(|_| !taken.done) else {
        return super::ok();
    };
    let dialog = match taken.dialog {
        Some(d) => d,
        None => {
            let settings = line_settings(env, line).await?;
            let chat = TelegramChat {
                chat_id: said.chat_id,
            };
            open_dialog(env, line, &settings, &said.client, Some(chat))
                .await?
                .0
        }
    };
    // A photo or document is kept as the message's file when the line
    // takes files and Telegram hands it over; else the words say what came.
    let attachment = match &said.file {
        Some(file) => take_file(env, line, &dialog, file).await,
        None => None,
    };
    let text = match &attachment {
        Some(a) => said.caption.clone().unwrap_or_else(|| a.name.clone()),
        None => said.text,
    };
    let message = ChannelMessage {
        message: SendMessage {
            client_id: format!("tg{}", update.update_id.unsigned_abs()),
            text,
        },
        attachment,
    };
    let stored = invoke_done(&dialog_stub(env, &dialog)?, &message).await;
    if let (Err(e), Some(a)) = (&stored, &message.attachment) {
        if super::attachments::refused(e.code.http_status()) {
            super::attachments::drop_file(env, a).await;
        }
    }
    stored?;
    super::ok()
}

/// Fetches a client's file from Telegram (`getFile`, then the file) and
/// keeps it for `dialog` under the line's rules; None (logged) when the
/// line takes no files or this one cannot be had.
async fn take_file(env: &Env, line: &str, dialog: &str, file: &TelegramFile) -> Option<Attachment> {
    let fetched = async {
        let settings = line_settings(env, line).await?;
        let rules = &settings.attachments;
        if !rules.enabled {
            return Ok(None);
        }
        let ask = ChannelToken {
            kind: ChannelKind::Telegram,
        };
        let token = invoke(&stub(env, "LINES", line)?, &ask).await?.token;
        let (_, answer) = telegram::call(
            env,
            &token,
            "getFile",
            &FileAsk {
                file_id: &file.file_id,
            },
        )
        .await;
        let (path, size) = answer
            .as_deref()
            .and_then(telegram_files::file_path)
            .ok_or_else(|| {
                ProtocolError::new(ErrorCode::UpstreamFailed, "Telegram gave no file")
            })?;
        if size.is_some_and(|s| s > u64::from(rules.max_bytes)) {
            return Err(rules.too_big());
        }
        let bytes = telegram::download(env, &token, &path, rules.max_bytes as usize)
            .await
            .ok_or_else(|| {
                ProtocolError::new(ErrorCode::UpstreamFailed, "the file could not be fetched")
            })?;
        super::attachments::keep_bytes(env, rules, dialog, bytes, file.shown_name())
            .await
            .map(Some)
    };
    match fetched.await {
        Ok(a) => a,
        Err(e) => {
            crate::logs::error(
                "worker",
                "channel_file_not_taken",
                Some(line),
                Some(dialog),
                e.code.as_str(),
            );
            None
        }
    }
}

/// `getFile`'s body.
#[derive(serde::Serialize)]
struct FileAsk<'a> {
    file_id: &'a str,
}
