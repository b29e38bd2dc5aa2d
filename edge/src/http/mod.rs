//! The worker's HTTP surface: one routing table over handlers grouped by
//! who calls them — visitors' widgets, operators' consoles, administrators,
//! external systems and local development. Each handler validates,
//! authenticates and forwards to the Durable Object that owns the data.
//! Every route is listed in docs/api.md.

mod admin;
pub(crate) mod attachments;
mod auth;
mod bots;
mod channels;
mod dev;
mod external;
mod leads;
mod lines;
mod operator;
mod profile;
mod quick_answers;
mod visitor;
mod webhooks;

use crate::api::{error_response, internal, json, ApiResult};
use crate::clock;
use crate::logs;
use openline_core::protocol::PROTOCOL_VERSION;
use openline_core::{ErrorCode, ProtocolError};
use worker::{Env, Method, Request, Response, Result, Url};

pub(crate) type R<T> = std::result::Result<T, ProtocolError>;

/// The methods the API answers (`Allow` of a 405).
const METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/// Entry point: every request gets a response, errors included, with CORS
/// headers so the widget can call from any host page; and one log line
/// (`crate::logs`), whose request id the response carries as
/// `X-Request-Id` (Cloudflare's `cf-ray` when there is one).
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let started = js_sys::Date::now();
    let method = req.inner().method().to_ascii_uppercase();
    let mut route = logs::route(&req.path());
    if route.template.starts_with("/api/v1/visitor/") {
        route.dialog = visitor_dialog(&req);
    }
    let id = match req.headers().get("cf-ray").ok().flatten() {
        Some(ray) => ray,
        None => crate::ids::random_hex(8).unwrap_or_default(),
    };
    let mut code = None;
    let resp = respond(req, &env, &mut code).await?;
    let status = resp.status_code();
    let elapsed = js_sys::Date::now() - started;
    logs::request(&id, &method, &route, status, code, elapsed);
    if status != 101 {
        let _ = resp.headers().set("X-Request-Id", &id);
    }
    Ok(resp)
}

/// The dialog a visitor's token names (the part before the secret), for
/// the log only.
fn visitor_dialog(req: &Request) -> Option<String> {
    let token = visitor::visitor_token(req.headers(), &req.url().ok()?)?;
    let dialog = token.split('.').next()?;
    (matches!(dialog.len(), 32 | 64) && dialog.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| dialog.to_owned())
}

async fn respond(req: Request, env: &Env, code: &mut Option<&'static str>) -> Result<Response> {
    if req.method() == Method::Options {
        return with_cors(Response::empty()?.with_status(204));
    }
    // The platform's method, as sent: worker-rs reads methods it does not
    // know (`QUERY`, `PROPFIND`) as GET, which must not serve them.
    let raw = req.inner().method().to_ascii_uppercase();
    if !METHODS.split(", ").any(|m| m == raw) && raw != "HEAD" {
        let err = ProtocolError::new(
            ErrorCode::MethodNotAllowed,
            format!("method {raw} is not allowed; use one of {METHODS}"),
        );
        let resp = error_response(&err);
        resp.headers().set("Allow", METHODS)?;
        return with_cors(resp);
    }
    let upgrade = req.headers().get("Upgrade").ok().flatten().is_some();
    let resp = match route(req, env).await {
        Ok(r) => r,
        Err(e) => {
            *code = Some(e.code.as_str());
            error_response(&e)
        }
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
    headers.set("Access-Control-Allow-Methods", METHODS)?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(resp.with_headers(headers))
}

pub(crate) fn not_found(what: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, what.to_owned())
}

pub(crate) fn ok() -> ApiResult {
    json(200, &openline_core::replies::Ack::DONE)
}

pub(crate) fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The caller's query string without the session token (which may travel
/// there for downloads), for the line to read.
pub(crate) fn query_without_token(url: &Url) -> String {
    let mut out = url.clone();
    out.set_query(None);
    out.query_pairs_mut()
        .extend_pairs(url.query_pairs().filter(|(k, _)| k != "token"));
    out.query().unwrap_or_default().to_owned()
}

pub(crate) fn after(url: &Url) -> R<u64> {
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
    count_change(env, &req, &url, &method, rest).await?;
    // Each route's future is boxed: one small dispatch instead of one
    // state machine holding every handler's (172 KB of wasm, issue 9).
    let handler: Handler<'_> = match (method, rest) {
        (Method::Get, ["health"]) => Box::pin(health()),
        (Method::Get, ["figures"]) => Box::pin(admin::figures(env, &mut req, &url)),
        (Method::Get, ["lines", line, "widget"]) => Box::pin(visitor::widget(env, origin, line)),
        (Method::Post, ["visitor", "sessions"]) => Box::pin(visitor::start(env, &mut req, origin)),
        (Method::Get, ["visitor", "messages"]) => {
            Box::pin(visitor::messages(env, &mut req, &url, origin))
        }
        (Method::Post, ["visitor", "messages"]) => {
            Box::pin(visitor::send(env, &mut req, &url, origin))
        }
        (Method::Get, ["visitor", "ws"]) => Box::pin(visitor::socket(env, &mut req, &url, origin)),
        (Method::Post, ["visitor", "rating"]) => {
            Box::pin(visitor::rating(env, &mut req, &url, origin))
        }
        (Method::Get, ["visitor", "queue"]) => {
            Box::pin(visitor::queue(env, &mut req, &url, origin))
        }
        (Method::Post, ["auth", "login"]) => Box::pin(admin::login(env, &mut req)),
        (Method::Post, ["auth", "logout"]) => Box::pin(admin::logout(env, &mut req)),
        (Method::Get, ["me"]) => Box::pin(admin::me(env, &mut req, &url)),
        (Method::Patch, ["me"]) => Box::pin(profile::me_patch(env, &mut req, &url)),
        (Method::Put, ["me", "avatar"]) => Box::pin(profile::avatar_put(env, &mut req, &url)),
        (Method::Delete, ["me", "avatar"]) => Box::pin(profile::avatar_delete(env, &mut req, &url)),
        (Method::Get, ["files", "avatars", account, name]) => {
            Box::pin(profile::avatar_get(env, account, name))
        }
        (Method::Get, ["files", "attachments", dialog, file]) => {
            Box::pin(attachments::serve(env, &url, dialog, file))
        }
        (Method::Post, ["visitor", "attachments"]) => {
            Box::pin(attachments::visitor_send(env, &mut req, &url, origin))
        }
        (Method::Get, ["visitor", "attachments", dialog, file]) => Box::pin(
            attachments::visitor_link(env, &req, &url, origin, dialog, file),
        ),
        (Method::Post, ["lines", line, "dialogs", dialog, "attachments"]) => Box::pin(
            attachments::operator_send(env, &mut req, &url, line, dialog),
        ),
        (Method::Get, ["lines", line, "dialogs", dialog, "attachments", file]) => Box::pin(
            attachments::operator_link(env, &mut req, &url, line, dialog, file),
        ),
        (Method::Get, ["accounts"]) => Box::pin(admin::accounts_list(env, &mut req, &url)),
        (Method::Post, ["accounts"]) => Box::pin(admin::account_create(env, &mut req, &url)),
        (Method::Patch, ["accounts", id]) => {
            Box::pin(admin::account_patch(env, &mut req, &url, id))
        }
        (Method::Get, ["lines"]) => Box::pin(admin::lines_list(env, &mut req, &url)),
        (Method::Get, ["dialogs", "search"]) => {
            Box::pin(operator::search_lines(env, &mut req, &url, false))
        }
        (Method::Get, ["dialogs", "search.csv"]) => {
            Box::pin(operator::search_lines(env, &mut req, &url, true))
        }
        (Method::Get, ["lines", line, "channels"]) => {
            Box::pin(channels::list(env, &mut req, &url, line))
        }
        (Method::Put, ["lines", line, "channels", "telegram"]) => {
            Box::pin(channels::connect(env, &mut req, &url, line))
        }
        (Method::Delete, ["lines", line, "channels", "telegram"]) => {
            Box::pin(channels::disconnect(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "channels", "telegram", "check"]) => {
            Box::pin(channels::check(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "channels", "telegram", "updates"]) => {
            Box::pin(channels::updates(env, &mut req, line))
        }
        (Method::Get, ["bots"]) => Box::pin(bots::list(env, &mut req, &url)),
        (Method::Post, ["bots"]) => Box::pin(bots::create(env, &mut req, &url)),
        (Method::Delete, ["bots", id]) => Box::pin(bots::delete(env, &mut req, &url, id)),
        (Method::Patch, ["bots", id]) => Box::pin(bots::update(env, &mut req, &url, id)),
        (Method::Get, ["webhooks"]) => Box::pin(webhooks::list(env, &mut req, &url)),
        (Method::Post, ["webhooks"]) => Box::pin(webhooks::create(env, &mut req, &url)),
        (Method::Patch, ["webhooks", id]) => Box::pin(webhooks::change(env, &mut req, &url, id)),
        (Method::Delete, ["webhooks", id]) => Box::pin(webhooks::delete(env, &mut req, &url, id)),
        (Method::Get, ["webhooks", id, "deliveries"]) => {
            Box::pin(webhooks::deliveries(env, &mut req, &url, id))
        }
        (Method::Post, ["webhooks", id, "test"]) => {
            Box::pin(webhooks::test(env, &mut req, &url, id))
        }
        (Method::Get, ["deployment"]) => Box::pin(admin::deployment_get(env, &mut req, &url)),
        (Method::Put, ["deployment"]) => Box::pin(admin::deployment_put(env, &mut req, &url)),
        (Method::Post, ["lines"]) => Box::pin(admin::line_create(env, &mut req, &url)),
        (Method::Get, ["lines", line, "settings"]) => {
            Box::pin(admin::settings_get(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "widget", "preview"]) => {
            Box::pin(visitor::widget_preview(env, &mut req, &url, line))
        }
        (Method::Put, ["lines", line, "settings"]) => {
            Box::pin(admin::settings_put(env, &mut req, &url, line))
        }
        (Method::Delete, ["lines", line]) => {
            Box::pin(admin::line_delete(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "departments"]) => {
            Box::pin(admin::departments(env, &mut req, &url, line))
        }
        (Method::Put, ["lines", line, "departments", dep]) => {
            Box::pin(admin::department_put(env, &mut req, &url, line, dep))
        }
        (Method::Get, ["lines", line, "ws"]) => {
            Box::pin(operator::socket(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "dialogs"]) => {
            Box::pin(operator::dialogs(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "notifications"]) => {
            Box::pin(operator::notifications(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "notifications", "read"]) => Box::pin(
            operator::notifications_read(env, &mut req, &url, line, None),
        ),
        (Method::Post, ["lines", line, "notifications", id, "read"]) => Box::pin(
            operator::notifications_read(env, &mut req, &url, line, Some(id)),
        ),
        (Method::Get, ["lines", line, "operators"]) => {
            Box::pin(operator::operators(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "presence"]) => {
            Box::pin(operator::presence(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "working-day"]) => {
            Box::pin(operator::working_day(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "dialogs", dialog, "lead"]) => {
            Box::pin(leads::create(env, &mut req, &url, line, dialog))
        }
        (Method::Get, ["lines", line, "leads"]) => Box::pin(leads::list(env, &mut req, &url, line)),
        (Method::Get, ["lines", line, "leads", lead]) => {
            Box::pin(leads::show(env, &mut req, &url, line, lead))
        }
        (Method::Patch, ["lines", line, "leads", lead]) => {
            Box::pin(leads::change(env, &mut req, &url, line, lead))
        }
        (
            Method::Post,
            ["lines", line, "dialogs", dialog, "bot", what @ ("messages" | "handoff" | "close")],
        ) => Box::pin(bots::act(env, &mut req, line, dialog, what)),
        (Method::Post, ["lines", line, "dialogs", dialog, action]) => {
            Box::pin(operator::action(env, &mut req, &url, line, dialog, action))
        }
        (Method::Get, ["lines", line, "dialogs", "search"]) => {
            Box::pin(operator::search(env, &mut req, &url, line, false))
        }
        (Method::Get, ["lines", line, "dialogs", "search.csv"]) => {
            Box::pin(operator::search(env, &mut req, &url, line, true))
        }
        (Method::Get, ["lines", line, "dialogs", dialog, "transcript.csv"]) => {
            Box::pin(operator::transcript_csv(env, &mut req, &url, line, dialog))
        }
        (Method::Get, ["lines", line, "dialogs", dialog, "messages"]) => {
            Box::pin(operator::history(env, &mut req, &url, line, dialog))
        }
        (Method::Get, ["lines", line, "quick-answers"]) => {
            Box::pin(quick_answers::list(env, &mut req, &url, line))
        }
        (Method::Post, ["lines", line, "quick-answers"]) => {
            Box::pin(quick_answers::create(env, &mut req, &url, line))
        }
        (Method::Put, ["lines", line, "quick-answers", id]) => {
            Box::pin(quick_answers::replace(env, &mut req, &url, line, id))
        }
        (Method::Delete, ["lines", line, "quick-answers", id]) => {
            Box::pin(quick_answers::delete(env, &mut req, &url, line, id))
        }
        (Method::Put, ["lines", line, "quick-answer-groups", group]) => Box::pin(
            quick_answers::rename_group(env, &mut req, &url, line, group),
        ),
        (Method::Delete, ["lines", line, "quick-answer-groups", group]) => Box::pin(
            quick_answers::delete_group(env, &mut req, &url, line, group),
        ),
        (Method::Post, ["visitor", "contacts"]) => {
            Box::pin(visitor::contacts(env, &mut req, &url, origin))
        }
        (Method::Post, ["visitor", "email-copy"]) => {
            Box::pin(visitor::email_copy(env, &mut req, &url, origin))
        }
        (Method::Get, ["lines", line, "statistics"]) => {
            Box::pin(admin::statistics(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "audit"]) => {
            Box::pin(operator::audit(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "consents"]) => {
            Box::pin(admin::consents(env, &mut req, &url, line))
        }
        (Method::Get, ["lines", line, "clients", client, "export"]) => {
            Box::pin(operator::export_client(env, &mut req, &url, line, client))
        }
        (Method::Delete, ["lines", line, "clients", client]) => {
            Box::pin(operator::erase_client(env, &mut req, &url, line, client))
        }
        (Method::Get, ["lines", line, "clients", client]) => {
            Box::pin(operator::client_card(env, &mut req, &url, line, client))
        }
        (Method::Post, ["lines", line, "clients", client, "merge"]) => {
            Box::pin(operator::merge_clients(env, &mut req, &url, line, client))
        }
        (Method::Post, ["lines", line, "clients", client, "messages"]) => {
            Box::pin(external::client_message(env, &mut req, line, client))
        }
        (Method::Post, ["dev", "seed"]) if clock::dev(env) => Box::pin(dev::seed(env)),
        (Method::Get, ["dev", "mailbox"]) if clock::dev(env) => Box::pin(dev::mailbox(env)),
        (Method::Get | Method::Put, ["dev", "password-cost"]) if clock::dev(env) => {
            Box::pin(dev::password_cost(env, &mut req, &url))
        }
        _ => {
            return Err(not_found(&format!(
                "no such API route: {} {path}",
                req.method().as_ref()
            )))
        }
    };
    handler.await
}

/// Every change a console session, a bot or an external system asks for
/// is counted under `CHANGE_LIMITER` per credential it carries — each of
/// the bearer token, `?token=` and `X-Api-Key`, whichever a route checks —
/// whatever the route, before anything is read: a stolen or runaway
/// session cannot flood the objects. Not counted: reads, visitors'
/// changes (per dialog and kind, `limits::visitor`), Telegram's (per
/// line), a logout (a flood must not keep its owner from ending it) and
/// the settings' preview (its own limit; it changes nothing).
async fn count_change(
    env: &Env,
    req: &Request,
    url: &Url,
    method: &Method,
    rest: &[&str],
) -> R<()> {
    let exempt = matches!(
        rest,
        ["visitor", ..] | ["auth", "logout"] | ["lines", _, "widget", "preview"]
    );
    if matches!(method, Method::Get | Method::Head) || exempt {
        return Ok(());
    }
    let headers = req.headers();
    let credentials = [
        crate::api::bearer(headers),
        query(url, "token"),
        headers.get("X-Api-Key").ok().flatten(),
    ];
    for credential in credentials.into_iter().flatten().filter(|c| !c.is_empty()) {
        let key = crate::ids::token_hash(&credential);
        crate::limits::check(env, "CHANGE_LIMITER", key, "changes with this session").await?;
    }
    Ok(())
}

/// A route's handler, started.
type Handler<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult> + 'a>>;

/// This release (the workspace's version).
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

async fn health() -> ApiResult {
    json(
        200,
        &openline_core::replies::Health {
            ok: true,
            protocol: PROTOCOL_VERSION,
            version: VERSION.to_owned(),
        },
    )
}
