//! The worker's HTTP surface: validates requests, authenticates them and
//! forwards them to the Durable Object that owns the data. Every route is
//! listed in docs/api.md.

use crate::accounts_object::{LineEntry, Seed, TokenHash};
use crate::api::{bearer, error_response, internal, json, read_json, ApiResult};
use crate::caches;
use crate::calls::{Applied, DialogAccess, LineEvent, OperatorSend};
use crate::clock;
use crate::dialog_object::{Init, ORIGIN_HEADER, TOKEN_HASH_HEADER};
use crate::ids;
use crate::limits;
use crate::line_object::{ContactsLeft, CreateLine, SettingsUpdate, OPERATOR_HEADER};
use crate::rpc::{call, call_json, invoke, parse, stub};
use openline_core::consent::{accept_contacts, ContactError, Contacts};
use openline_core::identity;
use openline_core::line::{Event, TransferTarget};
use openline_core::operator::Presence;
use openline_core::protocol::{
    Account, AccountPatch, History, Identity, Login, LoginSession, NewAccount, Role, SendMessage,
    Session, StartSession, WidgetConfig, PROTOCOL_VERSION,
};
use openline_core::quick_answers::QuickAnswerInput;
use openline_core::settings::{LineSettings, QueueEntry};
use openline_core::{text, ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result, Url};

type R<T> = std::result::Result<T, ProtocolError>;

/// Entry point: every request gets a response, errors included, with CORS
/// headers so the widget can call from any host page.
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    if req.method() == Method::Options {
        return with_cors(Response::empty()?.with_status(204));
    }
    let upgrade = req.headers().get("Upgrade").ok().flatten().is_some();
    let resp = match route(req, &env).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    };
    // A WebSocket handshake response must pass through untouched.
    if upgrade && resp.status_code() == 101 {
        return Ok(resp);
    }
    with_cors(resp)
}

fn with_cors(resp: Response) -> Result<Response> {
    let headers = resp.headers().clone();
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, X-Api-Key",
    )?;
    headers.set(
        "Access-Control-Allow-Methods",
        "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    )?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(resp.with_headers(headers))
}

fn not_found(what: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, what.to_owned())
}

fn ok() -> ApiResult {
    json(200, &serde_json::json!({ "ok": true }))
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn after(url: &Url) -> R<u64> {
    query(url, "after")
        .map(|v| v.parse::<u64>())
        .transpose()
        .map_err(|_| ProtocolError::invalid_field("after", "must be a whole number"))
        .map(|v| v.unwrap_or(0))
}

async fn route(mut req: Request, env: &Env) -> ApiResult {
    let url = req.url().map_err(internal)?;
    let path = url.path().trim_end_matches('/').to_owned();
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method();
    // The page that embeds the widget, as the browser reports it.
    let origin = req.headers().get("Origin").ok().flatten();
    let origin = origin.as_deref();
    let Some(rest) = seg.strip_prefix(&["api", "v1"]) else {
        return Err(not_found("not found"));
    };
    match (method, rest) {
        (Method::Get, ["health"]) => json(
            200,
            &serde_json::json!({ "ok": true, "protocol": PROTOCOL_VERSION }),
        ),

        // ----- visitors -----
        (Method::Get, ["lines", line, "widget"]) => widget_config(env, line, origin).await,
        (Method::Post, ["visitor", "sessions"]) => {
            let ip = limits::client_ip(req.headers());
            limits::check(
                env,
                "SESSION_LIMITER",
                format!("session:{ip}"),
                "new conversations",
            )
            .await?;
            let body: StartSession = read_json(&mut req).await?;
            start_session(env, body, origin).await
        }
        (Method::Get, ["visitor", "messages"]) => {
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            let path = format!("/messages?after={}", after(&url)?);
            to_dialog(env, origin, &dialog, &hash, Method::Get, &path, None::<&()>).await
        }
        (Method::Post, ["visitor", "messages"]) => {
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            limits::check(env, "MESSAGE_LIMITER", format!("dialog:{hash}"), "messages").await?;
            let body: SendMessage = read_json(&mut req).await?;
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
        (Method::Get, ["visitor", "ws"]) => {
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            let s = stub(env, "DIALOGS", &dialog)?;
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
        (Method::Post, ["visitor", "rating"]) => {
            #[derive(Deserialize)]
            struct Rate {
                score: u8,
                comment: Option<String>,
            }
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            let body: Rate = read_json(&mut req).await?;
            let comment = body
                .comment
                .map(|c| c.chars().take(2000).collect::<String>());
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
        (Method::Get, ["visitor", "queue"]) => {
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            let line = visitor_dialog(env, origin, &dialog, &hash).await?.line;
            line_get(env, &line, &format!("/queue/{dialog}")).await
        }

        // ----- accounts and sessions -----
        (Method::Post, ["auth", "login"]) => {
            let body: Login = read_json(&mut req).await?;
            let ip = limits::client_ip(req.headers());
            let who = body.login.trim().to_lowercase();
            limits::check(
                env,
                "LOGIN_LIMITER",
                format!("login:{ip}:{who}"),
                "login attempts",
            )
            .await?;
            bootstrap_admin(env).await?;
            let session: LoginSession =
                call_json(&accounts(env)?, Method::Post, "/login", Some(&body)).await?;
            json(200, &session)
        }
        (Method::Post, ["auth", "logout"]) => {
            let token = bearer(req.headers()).ok_or_else(unauthorized)?;
            let body = TokenHash {
                token_hash: ids::token_hash(&token),
            };
            caches::forget_session(&body.token_hash);
            call(&accounts(env)?, Method::Post, "/logout", Some(&body), &[]).await
        }
        (Method::Get, ["me"]) => json(200, &authenticate(env, req.headers(), &url).await?),
        (Method::Get, ["accounts"]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            call(&accounts(env)?, Method::Get, "/accounts", None::<&()>, &[]).await
        }
        (Method::Post, ["accounts"]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            let body: NewAccount = read_json(&mut req).await?;
            call(&accounts(env)?, Method::Post, "/accounts", Some(&body), &[]).await
        }
        (Method::Patch, ["accounts", id]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            let body: AccountPatch = read_json(&mut req).await?;
            let account: Account = call_json(
                &accounts(env)?,
                Method::Patch,
                &format!("/accounts/{id}"),
                Some(&body),
            )
            .await?;
            caches::forget_account(&account.id);
            refresh_operator(env, &account).await?;
            json(200, &account)
        }

        // ----- lines (administration) -----
        (Method::Get, ["lines"]) => {
            require(env, req.headers(), &url, Role::Operator).await?;
            call(&accounts(env)?, Method::Get, "/lines", None::<&()>, &[]).await
        }
        (Method::Post, ["lines"]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            #[derive(Deserialize)]
            struct NewLine {
                id: String,
                name: String,
            }
            let body: NewLine = read_json(&mut req).await?;
            let id = text::identifier("id", &body.id)?;
            let settings = LineSettings::new(body.name.trim());
            settings
                .validate()
                .map_err(|e| ProtocolError::invalid_field(e.field, &e.reason))?;
            create_line(env, &id, settings).await
        }
        (Method::Get, ["lines", line, "settings"]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            line_get(env, line, "/settings").await
        }
        (Method::Put, ["lines", line, "settings"]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            let settings: LineSettings = read_json(&mut req).await?;
            save_settings(env, line, settings).await
        }
        (Method::Delete, ["lines", line]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            caches::forget_settings(line);
            parse::<serde_json::Value>(
                call(
                    &stub(env, "LINES", line)?,
                    Method::Delete,
                    "/",
                    None::<&()>,
                    &[],
                )
                .await?,
            )
            .await?;
            call(
                &accounts(env)?,
                Method::Delete,
                &format!("/lines/{line}"),
                None::<&()>,
                &[],
            )
            .await
        }
        (Method::Get, ["lines", line, "departments"]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            line_get(env, line, "/departments").await
        }
        (Method::Put, ["lines", line, "departments", dep]) => {
            require(env, req.headers(), &url, Role::Admin).await?;
            #[derive(Deserialize)]
            struct Members {
                members: Vec<String>,
            }
            let body: Members = read_json(&mut req).await?;
            let department = text::identifier("department", dep)?;
            line_event(
                env,
                line,
                &Event::SetDepartment {
                    department,
                    members: body.members,
                },
            )
            .await?;
            // Members become operators of the line (Q1) with their accounts.
            let settings = fresh_line_settings(env, line).await?;
            parse::<serde_json::Value>(save_settings(env, line, settings).await?).await?;
            ok()
        }

        // ----- operators -----
        (Method::Get, ["lines", line, "ws"]) => {
            let me = authenticate(env, req.headers(), &url).await?;
            let s = stub(env, "LINES", line)?;
            let h = Headers::new();
            h.set("Upgrade", "websocket").map_err(internal)?;
            h.set(OPERATOR_HEADER, &me.id).map_err(internal)?;
            let mut init = RequestInit::new();
            init.with_headers(h);
            let r = Request::new_with_init("https://object/ws", &init).map_err(internal)?;
            s.fetch_with_request(r).await.map_err(internal)
        }
        (Method::Get, ["lines", line, "dialogs"]) => {
            require(env, req.headers(), &url, Role::Operator).await?;
            line_get(env, line, "/dialogs").await
        }
        (Method::Get, ["lines", line, "operators"]) => {
            require(env, req.headers(), &url, Role::Operator).await?;
            line_get(env, line, "/operators").await
        }
        (Method::Post, ["lines", line, "presence"]) => {
            let me = authenticate(env, req.headers(), &url).await?;
            #[derive(Deserialize)]
            struct P {
                presence: Presence,
            }
            let body: P = read_json(&mut req).await?;
            line_event(
                env,
                line,
                &Event::SetPresence {
                    operator: me.id,
                    presence: body.presence,
                },
            )
            .await?;
            ok()
        }
        (Method::Post, ["lines", line, "working-day"]) => {
            let me = authenticate(env, req.headers(), &url).await?;
            #[derive(Deserialize)]
            struct W {
                started: bool,
            }
            let body: W = read_json(&mut req).await?;
            line_event(
                env,
                line,
                &Event::SetWorkingDay {
                    operator: me.id,
                    started: body.started,
                },
            )
            .await?;
            ok()
        }
        (Method::Post, ["lines", line, "dialogs", dialog, action]) => {
            let me = authenticate(env, req.headers(), &url).await?;
            operator_action(env, &mut req, &me, line, dialog, action).await
        }
        (Method::Get, ["lines", line, "dialogs", dialog, "messages"]) => {
            let me = authenticate(env, req.headers(), &url).await?;
            // The line says whether this person may read the dialog (one
            // rule, in the core); then only that dialog is read.
            let ask = DialogAccess {
                dialog: (*dialog).to_owned(),
                operator: me.id.clone(),
                supervisor: me.role >= Role::Supervisor,
            };
            invoke(&stub(env, "LINES", line)?, &ask).await?;
            let s = stub(env, "DIALOGS", dialog)?;
            call(
                &s,
                Method::Get,
                &format!("/operator-history?after={}", after(&url)?),
                None::<&()>,
                &[],
            )
            .await
        }

        // ----- quick answers (QA1) -----
        (Method::Get, ["lines", line, "quick-answers"]) => {
            require(env, req.headers(), &url, Role::Operator).await?;
            let q = query(&url, "q").unwrap_or_default();
            let path = format!("/quick-answers?q={}", js_sys::encode_uri_component(&q));
            line_get(env, line, &path).await
        }
        (Method::Post, ["lines", line, "quick-answers"]) => {
            // Any operator may save one (from a message); bulk lists too.
            let me = require(env, req.headers(), &url, Role::Operator).await?;
            let body: serde_json::Value = read_json(&mut req).await?;
            let items = match body.get("items") {
                Some(list) => list.clone(),
                None => serde_json::Value::Array(vec![body]),
            };
            let items: Vec<QuickAnswerInput> = serde_json::from_value(items).map_err(|e| {
                ProtocolError::new(ErrorCode::BadRequest, format!("invalid quick answers: {e}"))
            })?;
            let create = serde_json::json!({ "items": items, "by": me.id });
            call(
                &stub(env, "LINES", line)?,
                Method::Post,
                "/quick-answers",
                Some(&create),
                &[],
            )
            .await
        }
        (Method::Put, ["lines", line, "quick-answers", id]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            let body: QuickAnswerInput = read_json(&mut req).await?;
            call(
                &stub(env, "LINES", line)?,
                Method::Put,
                &format!("/quick-answers/{id}"),
                Some(&body),
                &[],
            )
            .await
        }
        (Method::Delete, ["lines", line, "quick-answers", id]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            call(
                &stub(env, "LINES", line)?,
                Method::Delete,
                &format!("/quick-answers/{id}"),
                None::<&()>,
                &[],
            )
            .await
        }

        // ----- clients, contacts and consents (A1, C1, C6) -----
        (Method::Post, ["visitor", "contacts"]) => {
            #[derive(Deserialize)]
            struct Left {
                #[serde(flatten)]
                contacts: Contacts,
                consent_version: Option<u32>,
            }
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            let body: Left = read_json(&mut req).await?;
            let VisitorDialog { line, client } =
                visitor_dialog(env, origin, &dialog, &hash).await?;
            let settings = line_settings(env, &line).await?;
            let consent = accept_contacts(
                &client,
                &body.contacts,
                body.consent_version,
                settings.consent.as_ref(),
                clock::real_now(),
            )
            .map_err(|e| match e {
                ContactError::Invalid { field, reason } => {
                    ProtocolError::invalid_field(field, reason)
                }
                other => ProtocolError::new(ErrorCode::InvalidField, other.to_string()),
            })?;
            let left = ContactsLeft {
                client,
                contacts: body.contacts,
                consent,
            };
            parse::<serde_json::Value>(
                call(
                    &stub(env, "LINES", &line)?,
                    Method::Post,
                    "/contacts",
                    Some(&left),
                    &[],
                )
                .await?,
            )
            .await?;
            ok()
        }
        (Method::Post, ["visitor", "email-copy"]) => {
            // F3: a copy of the conversation (the visitor's view: no hidden
            // messages) goes to the outbox.
            #[derive(Deserialize)]
            struct Copy {
                email: String,
            }
            let (dialog, hash) = visitor_credentials(req.headers(), &url)?;
            limits::check(
                env,
                "MESSAGE_LIMITER",
                format!("email:{hash}"),
                "e-mail requests",
            )
            .await?;
            let body: Copy = read_json(&mut req).await?;
            let line = visitor_dialog(env, origin, &dialog, &hash).await?.line;
            let settings = line_settings(env, &line).await?;
            let history: History = parse(
                to_dialog(
                    env,
                    origin,
                    &dialog,
                    &hash,
                    Method::Get,
                    "/messages?after=0",
                    None::<&()>,
                )
                .await?,
            )
            .await?;
            let visible: Vec<_> = history
                .messages
                .into_iter()
                .filter(|m| m.kind.is_none())
                .collect();
            let mail = openline_core::email::transcript_copy(
                &body.email,
                settings.visitor_title(),
                &settings.language,
                &visible,
            )?;
            call(
                &stub(env, "OUTBOX", "outbox")?,
                Method::Post,
                "/enqueue",
                Some(&mail),
                &[],
            )
            .await
        }
        (Method::Get, ["lines", line, "consents"]) => {
            require(env, req.headers(), &url, Role::Supervisor).await?;
            line_get(env, line, "/consents").await
        }
        (Method::Get, ["lines", line, "clients", client]) => {
            require(env, req.headers(), &url, Role::Operator).await?;
            let client = text::identifier("client", client)?;
            line_get(env, line, &format!("/card/{client}")).await
        }

        // ----- C7: external systems -----
        (Method::Post, ["lines", line, "clients", client, "messages"]) => {
            check_api_key(env, req.headers())?;
            let body: SendMessage = read_json(&mut req).await?;
            let body = SendMessage {
                client_id: text::client_id(&body.client_id)?,
                text: text::message_text(&body.text)?,
            };
            let found: serde_json::Value = call_json(
                &stub(env, "LINES", line)?,
                Method::Get,
                &format!("/client/{client}"),
                None::<&()>,
            )
            .await
            .map_err(|e| match e.code {
                ErrorCode::NotFound | ErrorCode::ClientNotFound => ProtocolError::new(
                    ErrorCode::ClientNotFound,
                    "client with a connected open line not found",
                ),
                _ => e,
            })?;
            let dialog = found["dialog"].as_str().unwrap_or_default().to_owned();
            call(
                &stub(env, "DIALOGS", &dialog)?,
                Method::Post,
                "/external-message",
                Some(&body),
                &[],
            )
            .await
        }

        // ----- local development -----
        (Method::Post, ["dev", "seed"]) if clock::dev(env) => dev_seed(env).await,
        (Method::Get, ["dev", "mailbox"]) if clock::dev(env) => {
            call(
                &stub(env, "OUTBOX", "outbox")?,
                Method::Get,
                "/mail",
                None::<&()>,
                &[],
            )
            .await
        }
        _ => Err(not_found(&format!(
            "no such API route: {} {path}",
            req.method().as_ref()
        ))),
    }
}

fn unauthorized() -> ProtocolError {
    ProtocolError::new(ErrorCode::Unauthorized, "a session token is required")
}

fn accounts(env: &Env) -> R<worker::Stub> {
    stub(env, "ACCOUNTS", "accounts")
}

/// The console user behind the bearer token (or `?token=` for sockets).
async fn authenticate(env: &Env, headers: &Headers, url: &Url) -> R<Account> {
    let token = bearer(headers)
        .or_else(|| query(url, "token"))
        .ok_or_else(unauthorized)?;
    let body = TokenHash {
        token_hash: ids::token_hash(&token),
    };
    if let Some(account) = caches::session(&body.token_hash) {
        return Ok(account);
    }
    let account: Account = call_json(&accounts(env)?, Method::Post, "/verify", Some(&body)).await?;
    caches::remember_session(&body.token_hash, &account);
    Ok(account)
}

async fn require(env: &Env, headers: &Headers, url: &Url, role: Role) -> R<Account> {
    let me = authenticate(env, headers, url).await?;
    if me.role < role {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "your role does not allow this",
        ));
    }
    Ok(me)
}

/// The first administrator comes from a secret (`wrangler secret put
/// OPENLINE_ADMIN_PASSWORD`) and is created only while no account exists.
async fn bootstrap_admin(env: &Env) -> R<()> {
    let Ok(password) = env.secret("OPENLINE_ADMIN_PASSWORD") else {
        return Ok(());
    };
    let login = env
        .var("OPENLINE_ADMIN_LOGIN")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "admin".into());
    let seed = Seed {
        accounts: vec![NewAccount {
            login,
            name: "Administrator".into(),
            role: Role::Admin,
            password: password.to_string(),
        }],
    };
    parse::<Vec<Account>>(call(&accounts(env)?, Method::Post, "/seed", Some(&seed), &[]).await?)
        .await?;
    Ok(())
}

fn check_api_key(env: &Env, headers: &Headers) -> R<()> {
    let expected = env.secret("OPENLINE_API_KEY").map(|s| s.to_string()).ok();
    let given = headers.get("X-Api-Key").ok().flatten();
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() && ids::constant_time_eq(&e, &g) => Ok(()),
        _ => Err(ProtocolError::new(
            ErrorCode::Unauthorized,
            "a valid X-Api-Key is required",
        )),
    }
}

async fn line_event(env: &Env, line: &str, event: &Event) -> R<Applied> {
    invoke(&stub(env, "LINES", line)?, &LineEvent(event.clone())).await
}

/// The line's settings, from the isolate's cache when fresh (see
/// `caches`): the widget's config and new sessions do not wake the line's
/// object on every page view.
async fn line_settings(env: &Env, line: &str) -> R<LineSettings> {
    let line = text::identifier("line", line)?;
    if let Some(s) = caches::settings(&line) {
        return Ok(s);
    }
    let settings = fresh_line_settings(env, &line).await?;
    caches::remember_settings(&line, &settings);
    Ok(settings)
}

/// The line's settings read from its object (administration reads these).
async fn fresh_line_settings(env: &Env, line: &str) -> R<LineSettings> {
    let line = text::identifier("line", line)?;
    call_json(
        &stub(env, "LINES", &line)?,
        Method::Get,
        "/settings",
        None::<&()>,
    )
    .await
    .map_err(|e| {
        if e.code == ErrorCode::NotFound {
            not_found(&format!("line '{line}' does not exist"))
        } else {
            e
        }
    })
}

async fn create_line(env: &Env, id: &str, settings: LineSettings) -> ApiResult {
    let entry = LineEntry {
        id: id.to_owned(),
        name: settings.name.clone(),
    };
    parse::<LineEntry>(call(&accounts(env)?, Method::Post, "/lines", Some(&entry), &[]).await?)
        .await?;
    let body = CreateLine {
        line_id: id.to_owned(),
        settings,
    };
    call(
        &stub(env, "LINES", id)?,
        Method::Post,
        "/create",
        Some(&body),
        &[],
    )
    .await
}

async fn save_settings(env: &Env, line: &str, settings: LineSettings) -> ApiResult {
    caches::forget_settings(line);
    let accounts_list: Vec<Account> =
        call_json(&accounts(env)?, Method::Get, "/accounts", None::<&()>).await?;
    let entry = LineEntry {
        id: line.to_owned(),
        name: settings.name.trim().to_owned(),
    };
    let body = SettingsUpdate {
        settings,
        accounts: accounts_list,
    };
    let saved = call(
        &stub(env, "LINES", line)?,
        Method::Put,
        "/settings",
        Some(&body),
        &[],
    )
    .await?;
    if saved.status_code() == 200 {
        // L1: the lines directory (the console's line picker) shows the new name.
        parse::<serde_json::Value>(
            call(&accounts(env)?, Method::Put, "/lines", Some(&entry), &[]).await?,
        )
        .await?;
    }
    Ok(saved)
}

/// An account change (dismissal, vacation, name) reaches every line.
async fn refresh_operator(env: &Env, account: &Account) -> R<()> {
    let lines: Vec<LineEntry> =
        call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
    for l in lines {
        let ops: serde_json::Value = call_json(
            &stub(env, "LINES", &l.id)?,
            Method::Get,
            "/operators",
            None::<&()>,
        )
        .await?;
        let known = ops["operators"]
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o["id"] == account.id));
        if known {
            let settings = fresh_line_settings(env, &l.id).await?;
            parse::<serde_json::Value>(save_settings(env, &l.id, settings).await?).await?;
        }
    }
    Ok(())
}

async fn widget_config(env: &Env, line: &str, origin: Option<&str>) -> ApiResult {
    let s = line_settings(env, line).await?;
    check_origin(&s, origin)?;
    // H1/H4 from the settings, here: no call to the line's object.
    let now = clock::core_now(env);
    let open = s.hours.as_ref().is_none_or(|h| h.is_open(now));
    let next_opening = match &s.hours {
        None => Some(now),
        Some(h) => h.next_opening(now),
    }
    .map(|t| t / clock::scale(env));
    json(
        200,
        &WidgetConfig {
            line: line.to_owned(),
            title: s.visitor_title().to_owned(),
            greeting: s.widget.greeting.clone(),
            language: s.language.clone(),
            open,
            next_opening,
            hide_when_closed: s.widget.only_during_working_hours,
            contact_request_after_s: s.widget.contact_request_after_s,
            email_copy: s.widget.email_copy,
            busy_form: s.widget.busy_form,
            typing_preview: s.widget.typing_preview,
            consent: s.consent.clone(),
            presentation: s.presentation.clone(),
        },
    )
}

/// Resumes the dialog of a valid token, or opens a new dialog on the line.
async fn start_session(env: &Env, body: StartSession, origin: Option<&str>) -> ApiResult {
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
    // The stored token resumes its dialog if it is still open on this line
    // and belongs to the same person: a logged-out browser does not see a
    // verified user's conversation, and another user's token is not theirs.
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
            .await?;
            if resp.status_code() == 200 {
                let info: serde_json::Value = parse(resp).await?;
                let same_line = info["line"] == line.as_str();
                let client = info["client"].as_str().unwrap_or_default().to_owned();
                let same_person = match &verified {
                    Some(c) => *c == client,
                    None => !identity::is_verified_client(&client),
                };
                let finished = last_dialog(env, &line, &client)
                    .await
                    .is_some_and(|(last, finished)| last == dialog && finished);
                if same_line && same_person && !finished {
                    return json(
                        200,
                        &Session {
                            line,
                            dialog,
                            client,
                            token: token.to_owned(),
                            resumed: true,
                        },
                    );
                }
            }
        }
    }
    if let Some(client) = &verified {
        if let Some(identity) = &body.identity {
            remember_identity(env, &line, client, identity).await?;
        }
        // The user's open dialog, from another device: hand it a token.
        if let Some((dialog, false)) = last_dialog(env, &line, client).await {
            let (token, hash) = new_token(&dialog)?;
            parse::<serde_json::Value>(
                call(
                    &stub(env, "DIALOGS", &dialog)?,
                    Method::Post,
                    "/device-token",
                    None::<&()>,
                    &[(TOKEN_HASH_HEADER, &hash)],
                )
                .await?,
            )
            .await?;
            return json(
                200,
                &Session {
                    line,
                    token,
                    dialog,
                    client: client.clone(),
                    resumed: true,
                },
            );
        }
    }
    if body.resume_only {
        return Err(ProtocolError::new(
            ErrorCode::NotFound,
            "no conversation to resume",
        ));
    }
    // Only the site can vouch for a verified client: an anonymous request
    // naming one (a logged-out browser, or someone borrowing the id) starts
    // as a new anonymous visitor.
    let client = match (verified, body.client.as_deref()) {
        (Some(c), _) => c,
        (None, Some(c)) if !identity::is_verified_client(c) => text::identifier("client", c)?,
        (None, _) => format!("v{}", ids::random_hex(12).map_err(internal)?),
    };
    let dialog = ids::random_hex(16).map_err(internal)?;
    let (token, hash) = new_token(&dialog)?;
    let init = Init {
        allowed_origins: settings.allowed_origins.clone(),
        line: line.clone(),
        dialog: dialog.clone(),
        client: client.clone(),
        typing_preview: settings.widget.typing_preview,
    };
    parse::<serde_json::Value>(
        to_dialog(
            env,
            origin,
            &dialog,
            &hash,
            Method::Post,
            "/init",
            Some(&init),
        )
        .await?,
    )
    .await?;
    line_event(
        env,
        &line,
        &Event::DialogOpened {
            dialog: dialog.clone(),
            client: client.clone(),
        },
    )
    .await?;
    json(
        201,
        &Session {
            line,
            token,
            dialog,
            client,
            resumed: false,
        },
    )
}

/// A fresh visitor token for `dialog` (`DIALOG.SECRET`, 256-bit secret) and
/// the hash its dialog object keeps.
fn new_token(dialog: &str) -> R<(String, String)> {
    let secret = ids::random_hex(32).map_err(internal)?;
    let hash = ids::token_hash(&secret);
    Ok((format!("{dialog}.{secret}"), hash))
}

/// The client's last dialog on the line and whether it has finished; None
/// when the line does not know the client.
async fn last_dialog(env: &Env, line: &str, client: &str) -> Option<(String, bool)> {
    let last: serde_json::Value = call_json(
        &stub(env, "LINES", line).ok()?,
        Method::Get,
        &format!("/client/{client}"),
        None::<&()>,
    )
    .await
    .ok()?;
    let dialog = last["dialog"]
        .as_str()
        .filter(|d| !d.is_empty())?
        .to_owned();
    Some((dialog, last["status"]["state"] == "finished"))
}

/// Name and e-mail of a verified user, as their site knows them, go to the
/// client card (C1). The site vouches for them, so no consent is recorded
/// here (A1 covers what visitors type themselves).
async fn remember_identity(env: &Env, line: &str, client: &str, identity: &Identity) -> R<()> {
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
    };
    parse::<serde_json::Value>(
        call(
            &stub(env, "LINES", line)?,
            Method::Post,
            "/contacts",
            Some(&left),
            &[],
        )
        .await?,
    )
    .await?;
    Ok(())
}

/// A visitor token is `DIALOG.SECRET`; the dialog's object keeps only the
/// secret's hash.
fn split_token(token: &str) -> R<(String, String)> {
    let unauthorized = || ProtocolError::new(ErrorCode::Unauthorized, "invalid visitor token");
    let (dialog, secret) = token.split_once('.').ok_or_else(unauthorized)?;
    let dialog = text::identifier("token", dialog).map_err(|_| unauthorized())?;
    if secret.len() != 64 || !secret.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(unauthorized());
    }
    Ok((dialog, ids::token_hash(secret)))
}

fn visitor_credentials(headers: &Headers, url: &Url) -> R<(String, String)> {
    let token = bearer(headers)
        .or_else(|| query(url, "token"))
        .ok_or_else(|| {
            ProtocolError::new(ErrorCode::Unauthorized, "a visitor token is required")
        })?;
    split_token(&token)
}

async fn to_dialog<B: serde::Serialize>(
    env: &Env,
    origin: Option<&str>,
    dialog: &str,
    hash: &str,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> ApiResult {
    call(
        &stub(env, "DIALOGS", dialog)?,
        method,
        path,
        body,
        &[
            (TOKEN_HASH_HEADER, hash),
            (ORIGIN_HEADER, origin.unwrap_or("")),
        ],
    )
    .await
}

/// Per-line allowed origins: a page elsewhere cannot use the line's widget.
fn check_origin(settings: &LineSettings, origin: Option<&str>) -> R<()> {
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
struct VisitorDialog {
    line: String,
    client: String,
}

async fn visitor_dialog(
    env: &Env,
    origin: Option<&str>,
    dialog: &str,
    hash: &str,
) -> R<VisitorDialog> {
    let info: serde_json::Value = parse(
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
        line: info["line"].as_str().unwrap_or_default().to_owned(),
        client: info["client"].as_str().unwrap_or_default().to_owned(),
    })
}

/// A GET on a line's object, its answer passed through.
async fn line_get(env: &Env, line: &str, path: &str) -> ApiResult {
    call(
        &stub(env, "LINES", line)?,
        Method::Get,
        path,
        None::<&()>,
        &[],
    )
    .await
}

async fn operator_action(
    env: &Env,
    req: &mut Request,
    me: &Account,
    line: &str,
    dialog: &str,
    action: &str,
) -> ApiResult {
    let dialog = dialog.to_owned();
    let op = me.id.clone();
    let event = match action {
        "accept" => Event::Accept {
            dialog,
            operator: op,
        },
        "close" => Event::Close {
            dialog,
            operator: op,
        },
        "leave" => Event::Leave {
            dialog,
            operator: op,
        },
        "transfer" => {
            #[derive(Deserialize)]
            struct T {
                to: TransferTarget,
            }
            let t: T = read_json(req).await?;
            Event::Transfer {
                dialog,
                by: op,
                to: t.to,
            }
        }
        "invite" => {
            #[derive(Deserialize)]
            struct I {
                operator: String,
            }
            let i: I = read_json(req).await?;
            Event::Invite {
                dialog,
                by: op,
                operator: i.operator,
            }
        }
        "rating" => {
            if me.role < Role::Supervisor {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "only supervisors rate dialogs",
                ));
            }
            #[derive(Deserialize)]
            struct S {
                score: u8,
                comment: Option<String>,
            }
            let s: S = read_json(req).await?;
            Event::SupervisorRating {
                dialog,
                supervisor: op,
                score: s.score,
                comment: s.comment,
            }
        }
        "messages" => {
            #[derive(Deserialize)]
            struct M {
                client_id: String,
                text: String,
                #[serde(default)]
                hidden: bool,
            }
            let m: M = read_json(req).await?;
            // One visit to the line (checks, consoles), which has the
            // dialog store it (visitor's sockets).
            let send = OperatorSend {
                dialog,
                operator: op,
                client_id: text::client_id(&m.client_id)?,
                text: text::message_text(&m.text)?,
                hidden: m.hidden,
            };
            let stored = invoke(&stub(env, "LINES", line)?, &send).await?;
            let status = if stored.created { 201 } else { 200 };
            return json(status, &stored.message);
        }
        other => return Err(not_found(&format!("no such dialog action '{other}'"))),
    };
    let applied = line_event(env, line, &event).await?;
    json(200, &applied)
}

/// Local development: demo accounts and the demo line, created once.
async fn dev_seed(env: &Env) -> ApiResult {
    let demo = [
        ("admin", "Alexandra Admin", Role::Admin, "openline-admin"),
        (
            "sveta",
            "Sveta Supervisor",
            Role::Supervisor,
            "openline-sveta",
        ),
        ("anna", "Anna", Role::Operator, "openline-anna"),
        ("boris", "Boris", Role::Operator, "openline-boris"),
    ];
    let seed = Seed {
        accounts: demo
            .iter()
            .map(|(login, name, role, password)| NewAccount {
                login: (*login).into(),
                name: (*name).into(),
                role: *role,
                password: (*password).into(),
            })
            .collect(),
    };
    let all: Vec<Account> = call_json(&accounts(env)?, Method::Post, "/seed", Some(&seed)).await?;
    if line_settings(env, "demo").await.is_err() {
        let mut s = LineSettings::new("Northwind Tea");
        s.widget.title = Some("Chat with Northwind Tea".into());
        s.widget.greeting = "Hello! How can we help you today?".into();
        parse::<serde_json::Value>(create_line(env, "demo", s.clone()).await?).await?;
        s.queue = all
            .iter()
            .filter(|a| a.role == Role::Operator)
            .map(|a| QueueEntry::Operator(a.id.clone()))
            .collect();
        parse::<serde_json::Value>(save_settings(env, "demo", s).await?).await?;
    }
    json(200, &serde_json::json!({ "accounts": all, "line": "demo" }))
}
