//! Routes the visitor's widget calls: the widget's configuration, sessions,
//! messages, the visitor socket, rating, queue position, contacts (A1) and
//! the e-mail copy (F3). Visitors are authenticated by their dialog token.

use crate::api::{bearer, internal, json, read_body, ApiResult};
use crate::caches;
use crate::calls::{ClientLastDialog, LineAvailabilityAsk, RecordVisit, TokenSession};
use crate::clock;
use crate::dialog_object::{Init, ORIGIN_HEADER, TOKEN_HASH_HEADER};
use crate::ids;
use crate::limits;
use crate::line_object::ContactsLeft;
use crate::rpc::{call, dialog_stub, invoke, new_dialog_id, parse, stub, visitor_dialog_stub};
use openline_core::consent::{accept_contacts, ContactError, Contacts};
use openline_core::line::{Event, Status};
use openline_core::protocol::{History, Identity, Role, SendMessage, Session, StartSession};
use openline_core::replies::Ack;
use openline_core::requests::{EmailCopyRequest, LeaveContacts, RateDialog};
use openline_core::settings::LineSettings;
use openline_core::visits::{self, Visit};
use openline_core::widget_settings::widget_settings;
use openline_core::{identity, session};
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Headers, Method, Request, RequestInit, Response, Url};

use super::lines::*;
use super::{after, ok, query, R};

pub(super) async fn widget_config(env: &Env, line: &str, origin: Option<&str>) -> ApiResult {
    let s = line_settings(env, line).await?;
    check_origin(&s, origin)?;
    widget_of(env, &s, line).await
}

/// The widget's settings from line settings: H1/H4 from the settings, the
/// line's availability (issue 11.1) from its object, kept 10 s — unknown
/// (nothing said) when the line cannot be asked.
async fn widget_of(env: &Env, s: &LineSettings, line: &str) -> ApiResult {
    let availability = match caches::availability(line) {
        Some(a) => Some(a),
        None => match invoke(&stub(env, "LINES", line)?, &LineAvailabilityAsk {}).await {
            Ok(a) => {
                caches::remember_availability(line, a);
                Some(a)
            }
            Err(_) => None,
        },
    };
    let mut w = widget_settings(s, line, clock::core_now(env), availability);
    w.config.next_opening = w.config.next_opening.map(|t| t / clock::scale(env));
    json(200, &w)
}

/// `POST /api/v1/lines/{line}/widget/preview` (administrators): the
/// widget's settings as these unsaved line settings would make them, for
/// the console's live preview (issue 11.10). Nothing is stored; settings
/// that could not be saved are refused as saving would refuse them.
pub(super) async fn widget_preview(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
) -> ApiResult {
    let me = super::auth::require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    limits::check(
        env,
        "MESSAGE_LIMITER",
        format!("preview:{}", me.id),
        "previews",
    )
    .await?;
    let s: LineSettings = read_body(req).await?;
    s.validate()
        .map_err(|e| ProtocolError::invalid_field(e.field, &e.reason))?;
    widget_of(env, &s, line).await
}

/// Resumes the dialog of a valid token, or opens a new dialog on the line.
pub(super) async fn start_session(
    env: &Env,
    body: StartSession,
    origin: Option<&str>,
) -> ApiResult {
    let line = text::identifier("line", &body.line)?;
    let settings = line_settings(env, &line).await?;
    check_origin(&settings, origin)?;
    // A logged-in user vouched for by the site: one client on every device.
    let verified = match &body.identity {
        Some(identity) => {
            let secret = settings.identity_secret.as_deref().ok_or_else(|| {
                ProtocolError::invalid_field("identity", "this line does not verify users")
            })?;
            identity::verify(secret, &identity.user_id, &identity.hash)
                .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
            Some(identity::client_for_user(&line, &identity.user_id))
        }
        None => None,
    };
    // The anonymous visitor's key names their client; verified users are
    // named by the site instead.
    let anonymous = match body.client_key.as_deref() {
        Some(key) => Some((
            key.to_ascii_lowercase(),
            identity::client_for_key(&line, key)?,
        )),
        None => None,
    };
    let key_out = || match verified {
        Some(_) => None,
        None => anonymous.as_ref().map(|(key, _)| key.clone()),
    };
    // The stored token goes on with its conversation when the core says so
    // (opened on this line, same person, not finished; or the client's
    // newer open dialog).
    if let Some(token) = body.token.as_deref() {
        if let Ok((dialog, hash)) = split_token(token) {
            let resp = to_dialog(
                env,
                origin,
                &dialog,
                &hash,
                Method::Get,
                "/session",
                None::<&()>,
            )
            .await;
            // A token of an unknown dialog (or one this object refuses) is
            // no stored conversation: the visitor starts afresh.
            if let Some(resp) = resp.ok().filter(|r| r.status_code() == 200) {
                let info: TokenSession = parse(resp).await?;
                let last = last_dialog(env, &info.line, &info.client).await;
                let stored = session::TokenDialog {
                    dialog: &dialog,
                    line: &info.line,
                    first_line: &info.first_line,
                    client: &info.client,
                };
                let last = last.as_ref().map(|(d, finished)| session::LastDialog {
                    dialog: d,
                    finished: *finished,
                });
                match session::token_start(&line, stored, verified.as_deref(), last) {
                    session::TokenStart::Resume => {
                        return json(
                            200,
                            &Session {
                                line,
                                dialog,
                                client: info.client,
                                token: token.to_owned(),
                                resumed: true,
                                client_key: key_out(),
                            },
                        )
                    }
                    session::TokenStart::Join { dialog } => {
                        return join(env, line, dialog, info.client, key_out()).await
                    }
                    session::TokenStart::Nothing => {}
                }
            }
        }
    }
    let verified_last = match &verified {
        Some(client) => {
            if let Some(identity) = &body.identity {
                remember_identity(env, &line, client, identity).await?;
            }
            // C1: the browser's anonymous self joins the logged-in user.
            if let Some((_, anon)) = &anonymous {
                line_event(
                    env,
                    &line,
                    &Event::MergeClient {
                        from: anon.clone(),
                        into: client.clone(),
                    },
                )
                .await?;
            }
            last_dialog(env, &line, client).await
        }
        None => None,
    };
    let decision = session::start(
        verified.as_deref(),
        verified_last
            .as_ref()
            .map(|(d, finished)| session::LastDialog {
                dialog: d,
                finished: *finished,
            }),
        body.resume_only,
        anonymous.as_ref().map(|(_, client)| client.as_str()),
    )?;
    let mut client_key = key_out();
    let client = match decision {
        session::Start::JoinFromDevice { dialog } => {
            // The user's open dialog, from another device.
            return join(env, line, dialog, verified.unwrap_or_default(), None).await;
        }
        // Not an error: a page view with nothing to resume is the normal
        // case, and a 4xx would show red in the host page's devtools.
        session::Start::NothingToResume => {
            return Response::empty()
                .map(|r| r.with_status(204))
                .map_err(internal);
        }
        session::Start::Open {
            client: session::NewClient::Known(c),
        } => c,
        session::Start::Open {
            client: session::NewClient::Fresh,
        } => {
            let key = ids::random_hex(32).map_err(internal)?;
            let client = identity::client_for_key(&line, &key)?;
            client_key = Some(key);
            client
        }
    };
    let (dialog, token) = open_dialog(env, &line, &settings, &client, None).await?;
    json(
        201,
        &Session {
            line,
            token,
            dialog,
            client,
            resumed: false,
            client_key,
        },
    )
}

/// This browser joins `dialog` (a verified user's from another device, or
/// the client's newer one) with a token of its own.
async fn join(
    env: &Env,
    line: String,
    dialog: String,
    client: String,
    client_key: Option<String>,
) -> ApiResult {
    let (token, hash) = new_token(&dialog)?;
    parse::<Ack>(
        call(
            &dialog_stub(env, &dialog)?,
            Method::Post,
            "/device-token",
            None::<&()>,
            &[(TOKEN_HASH_HEADER, &hash)],
        )
        .await?,
    )
    .await?;
    json(
        200,
        &Session {
            line,
            token,
            dialog,
            client,
            resumed: true,
            client_key,
        },
    )
}

/// Opens a new dialog for `client` on the line and hands it to routing;
/// returns its id and a visitor token for it. A flood of new dialogs (from
/// many addresses) is capped per line, so real visitors still reach
/// operators.
pub(super) async fn open_dialog(
    env: &Env,
    line: &str,
    settings: &LineSettings,
    client: &str,
    channel: Option<openline_core::channels::TelegramChat>,
) -> R<(String, String)> {
    limits::check(
        env,
        "DIALOG_LIMITER",
        format!("line:{line}"),
        "new conversations on this line right now",
    )
    .await?;
    let dialog = new_dialog_id(env)?;
    let (token, hash) = new_token(&dialog)?;
    let kind = match channel {
        Some(_) => openline_core::channels::ChannelKind::Telegram,
        None => openline_core::channels::ChannelKind::Widget,
    };
    let init = Init {
        allowed_origins: settings.allowed_origins.clone(),
        line: line.to_owned(),
        dialog: dialog.clone(),
        client: client.to_owned(),
        typing_preview: settings.widget.typing_preview,
        channel,
    };
    parse::<Ack>(
        call(
            &dialog_stub(env, &dialog)?,
            Method::Post,
            "/init",
            Some(&init),
            &[(TOKEN_HASH_HEADER, &hash)],
        )
        .await?,
    )
    .await?;
    line_event(
        env,
        line,
        &Event::DialogOpened {
            dialog: dialog.clone(),
            client: client.to_owned(),
            channel: kind,
        },
    )
    .await?;
    Ok((dialog, token))
}

/// A fresh visitor token for `dialog` (`DIALOG.SECRET`, 256-bit secret) and
/// the hash its dialog object keeps.
pub(super) fn new_token(dialog: &str) -> R<(String, String)> {
    let secret = ids::random_hex(32).map_err(internal)?;
    let hash = ids::token_hash(&secret);
    Ok((format!("{dialog}.{secret}"), hash))
}

/// The client's last dialog on the line and whether it has finished; None
/// when the line does not know the client.
pub(super) async fn last_dialog(env: &Env, line: &str, client: &str) -> Option<(String, bool)> {
    let ask = ClientLastDialog {
        client: client.to_owned(),
    };
    let last = invoke(&stub(env, "LINES", line).ok()?, &ask).await.ok()?;
    let finished = matches!(last.status, Status::Finished { .. });
    Some((last.dialog, finished))
}

/// Name and e-mail of a verified user, as their site knows them, go to the
/// client card (C1). The site vouches for them, so no consent is recorded
/// here (A1 covers what visitors type themselves).
pub(super) async fn remember_identity(
    env: &Env,
    line: &str,
    client: &str,
    identity: &Identity,
) -> R<()> {
    let short = |v: &Option<String>, max: usize| {
        v.as_deref()
            .map(|s| s.trim().chars().take(max).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let contacts = Contacts {
        name: short(&identity.name, 100),
        email: short(&identity.email, 254),
        phone: None,
    };
    if contacts.name.is_none() && contacts.email.is_none() {
        return Ok(());
    }
    let left = ContactsLeft {
        client: client.to_owned(),
        contacts,
        consent: None,
        form: false,
    };
    invoke(&stub(env, "LINES", line)?, &left).await?;
    Ok(())
}

/// A visitor token is `DIALOG.SECRET`; the dialog's object keeps only the
/// secret's hash.
pub(super) fn split_token(token: &str) -> R<(String, String)> {
    let unauthorized = || ProtocolError::new(ErrorCode::Unauthorized, "invalid visitor token");
    let (dialog, secret) = token.split_once('.').ok_or_else(unauthorized)?;
    let dialog = text::identifier("token", dialog).map_err(|_| unauthorized())?;
    if secret.len() != 64 || !secret.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(unauthorized());
    }
    Ok((dialog, ids::token_hash(secret)))
}

/// The visitor's token: the `Authorization` bearer, or `?token=` (sockets).
pub(super) fn visitor_token(headers: &Headers, url: &Url) -> Option<String> {
    bearer(headers).or_else(|| query(url, "token"))
}

pub(super) fn visitor_credentials(headers: &Headers, url: &Url) -> R<(String, String)> {
    let token = visitor_token(headers, url).ok_or_else(|| {
        ProtocolError::new(ErrorCode::Unauthorized, "a visitor token is required")
    })?;
    split_token(&token)
}

pub(super) fn to_dialog<'a, B: serde::Serialize>(
    env: &'a Env,
    origin: Option<&'a str>,
    dialog: &'a str,
    hash: &'a str,
    method: Method,
    path: &'a str,
    body: Option<&B>,
) -> impl std::future::Future<Output = ApiResult> + 'a {
    // Only the body's writing is generic.
    let json = body.map(serde_json::to_string).transpose();
    dialog_send(env, origin, dialog, hash, method, path, json)
}

async fn dialog_send(
    env: &Env,
    origin: Option<&str>,
    dialog: &str,
    hash: &str,
    method: Method,
    path: &str,
    json: Result<Option<String>, serde_json::Error>,
) -> ApiResult {
    crate::rpc::send(
        &visitor_dialog_stub(env, dialog)?,
        method,
        path,
        json,
        &[
            (TOKEN_HASH_HEADER, hash),
            (ORIGIN_HEADER, origin.unwrap_or("")),
        ],
    )
    .await
}

/// Per-line allowed origins: a page elsewhere cannot use the line's widget.
pub(super) fn check_origin(settings: &LineSettings, origin: Option<&str>) -> R<()> {
    if settings.origin_allowed(origin) {
        Ok(())
    } else {
        Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "this site is not allowed to use this line's chat",
        ))
    }
}

/// The line and client of the visitor's dialog (checks the token and origin).
pub(super) struct VisitorDialog {
    pub(super) line: String,
    client: String,
}

pub(super) async fn visitor_dialog(
    env: &Env,
    origin: Option<&str>,
    dialog: &str,
    hash: &str,
) -> R<VisitorDialog> {
    let info: TokenSession = parse(
        to_dialog(
            env,
            origin,
            dialog,
            hash,
            Method::Get,
            "/session",
            None::<&()>,
        )
        .await?,
    )
    .await?;
    Ok(VisitorDialog {
        line: info.line,
        client: info.client,
    })
}

pub(super) async fn widget(env: &Env, origin: Option<&str>, line: &str) -> ApiResult {
    widget_config(env, line, origin).await
}

pub(super) async fn start(env: &Env, req: &mut Request, origin: Option<&str>) -> ApiResult {
    let ip = limits::client_ip(req.headers());
    limits::check(
        env,
        "SESSION_LIMITER",
        format!("session:{ip}"),
        "new conversations",
    )
    .await?;
    let body: StartSession = read_body(req).await?;
    let visit = visit_of(req, &body);
    let line = body.line.clone();
    let mut resp = start_session(env, body, origin).await?;
    // A session started or resumed: the line keeps where the visitor is.
    if let (200 | 201, Some(visit)) = (resp.status_code(), visit) {
        let mut copy = resp.cloned().map_err(internal)?;
        if let Ok(session) = copy.json::<Session>().await {
            let ask = RecordVisit {
                client: session.client,
                visit,
            };
            if let Err(e) = invoke(&stub(env, "LINES", &line)?, &ask).await {
                crate::logs::error("worker", "visit_not_kept", Some(&line), None, &e.message);
            }
        }
    }
    Ok(resp)
}

/// What the console's visitor panel shows of this request: the page the
/// widget reports, the browser and language from the headers, and
/// Cloudflare's location of the address. None without a page (API clients).
fn visit_of(req: &Request, body: &StartSession) -> Option<Visit> {
    let page = body.page.as_ref()?.cleaned()?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (browser, os) = header("User-Agent")
        .map(|ua| visits::browser_and_os(&ua))
        .unwrap_or_default();
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).unwrap_or_default();
    let cf_text = |key: &str| {
        js_sys::Reflect::get(&cf, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .map(|v| v.chars().take(100).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    Some(Visit {
        at: clock::real_now(),
        page: Some(page),
        browser,
        os,
        language: header("Accept-Language").and_then(|l| visits::first_language(&l)),
        country: cf_text("country"),
        city: cf_text("city"),
        time_zone: cf_text("timezone"),
    })
}

pub(super) async fn messages(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    let path = format!("/messages?after={}", after(url)?);
    to_dialog(env, origin, &dialog, &hash, Method::Get, &path, None::<&()>).await
}

pub(super) async fn send(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    limits::visitor(env, &dialog, limits::VisitorAction::Message).await?;
    let body: SendMessage = read_body(req).await?;
    to_dialog(
        env,
        origin,
        &dialog,
        &hash,
        Method::Post,
        "/messages",
        Some(&body),
    )
    .await
}

pub(super) async fn socket(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    let s = visitor_dialog_stub(env, &dialog)?;
    let h = Headers::new();
    h.set("Upgrade", "websocket").map_err(internal)?;
    h.set(TOKEN_HASH_HEADER, &hash).map_err(internal)?;
    h.set(ORIGIN_HEADER, origin.unwrap_or(""))
        .map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_headers(h);
    let r = Request::new_with_init("https://object/ws", &init).map_err(internal)?;
    s.fetch_with_request(r).await.map_err(internal)
}

pub(super) async fn rating(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    limits::visitor(env, &dialog, limits::VisitorAction::Rating).await?;
    let body: RateDialog = read_body(req).await?;
    // The comment is kept as the core says (the same on every path).
    let comment = body.comment;
    let line = visitor_dialog(env, origin, &dialog, &hash).await?.line;
    line_event(
        env,
        &line,
        &Event::ClientRating {
            dialog,
            score: body.score,
            comment,
        },
    )
    .await?;
    ok()
}

pub(super) async fn queue(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    let line = visitor_dialog(env, origin, &dialog, &hash).await?.line;
    line_get(env, &line, &format!("/queue/{dialog}")).await
}

pub(super) async fn contacts(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    limits::visitor(env, &dialog, limits::VisitorAction::Contacts).await?;
    let body: LeaveContacts = read_body(req).await?;
    let VisitorDialog { line, client } = visitor_dialog(env, origin, &dialog, &hash).await?;
    let settings = line_settings(env, &line).await?;
    let consent = accept_contacts(
        &client,
        &body.contacts,
        body.consent_version,
        settings.consent.as_ref(),
        clock::real_now(),
    )
    .map_err(|e| match e {
        ContactError::Invalid { field, reason } => ProtocolError::invalid_field(field, reason),
        other => ProtocolError::new(ErrorCode::InvalidField, other.to_string()),
    })?;
    let left = ContactsLeft {
        client,
        contacts: body.contacts,
        consent,
        form: true,
    };
    invoke(&stub(env, "LINES", &line)?, &left).await?;
    ok()
}

pub(super) async fn email_copy(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    // F3: a copy of the conversation (the visitor's view: no hidden
    // messages) goes to the outbox.
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    limits::visitor(env, &dialog, limits::VisitorAction::EmailCopy).await?;
    limits::check(
        env,
        "EMAIL_LIMITER",
        format!("ip:{}", limits::client_ip(req.headers())),
        "e-mail copies from this address",
    )
    .await?;
    let body: EmailCopyRequest = read_body(req).await?;
    let line = visitor_dialog(env, origin, &dialog, &hash).await?.line;
    let settings = line_settings(env, &line).await?;
    let ask = |method, path: String| {
        let (dialog, hash) = (dialog.clone(), hash.clone());
        async move { to_dialog(env, origin, &dialog, &hash, method, &path, None::<&()>).await }
    };
    // Every message, page by page (a long conversation has several).
    let mut visible = Vec::new();
    let mut after = 0;
    loop {
        let path = format!("/messages?after={after}");
        let page: History = parse(ask(Method::Get, path).await?).await?;
        after = page.messages.last().map_or(after, |m| m.seq);
        visible.extend(page.messages.into_iter().filter(|m| m.kind.is_none()));
        if !page.more {
            break;
        }
    }
    // Times as the visitor reads them: their browser's zone, else the line's.
    let zones: Vec<&str> = [
        body.time_zone.as_deref(),
        settings.hours.as_ref().map(|h| h.time_zone.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Files as links that serve for a week (issue 11.11).
    let links = super::attachments::mail_links(env, url, &visible).await?;
    let mail = openline_core::email::transcript_copy(
        &body.email,
        &settings.name,
        &settings.language,
        &zones,
        &visible,
        &links,
    )?;
    // The dialog's hard cap, counted only for a valid request.
    parse::<Ack>(ask(Method::Post, "/email-copy".into()).await?).await?;
    call(
        &stub(env, "OUTBOX", "outbox")?,
        Method::Post,
        "/enqueue",
        Some(&mail),
        &[],
    )
    .await
}
