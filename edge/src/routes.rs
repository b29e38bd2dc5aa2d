//! The worker's HTTP surface: validates requests, authenticates them and
//! forwards them to the Durable Object that owns the data.

use crate::api::{bearer, error_response, internal, json, read_json, ApiResult};
use crate::ids;
use openline_core::protocol::{SendMessage, Session, StartSession, WidgetConfig, PROTOCOL_VERSION};
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result, Stub};

/// Entry point: every request gets a response, errors included, with CORS
/// headers so the widget can call from any host page.
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let resp = if req.method() == Method::Options {
        Response::empty().map(|r| r.with_status(204))
    } else {
        match route(req, &env).await {
            Ok(r) => Ok(r),
            Err(e) => Ok(error_response(&e)),
        }
    }?;
    with_cors(resp)
}

fn with_cors(resp: Response) -> Result<Response> {
    let headers = resp.headers().clone();
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type",
    )?;
    headers.set(
        "Access-Control-Allow-Methods",
        "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    )?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(resp.with_headers(headers))
}

async fn route(mut req: Request, env: &Env) -> ApiResult {
    let url = req.url().map_err(internal)?;
    let path = url.path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        (Method::Get, ["api", "v1", "health"]) => json(
            200,
            &serde_json::json!({ "ok": true, "protocol": PROTOCOL_VERSION }),
        ),
        (Method::Get, ["api", "v1", "lines", line, "widget"]) => widget_config(line),
        (Method::Post, ["api", "v1", "visitor", "sessions"]) => {
            let body: StartSession = read_json(&mut req).await?;
            start_session(env, body).await
        }
        (Method::Get, ["api", "v1", "visitor", "messages"]) => {
            let (dialog, hash) = visitor_credentials(req.headers())?;
            let after = url
                .query_pairs()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.parse::<u64>())
                .transpose()
                .map_err(|_| ProtocolError::invalid_field("after", "must be a whole number"))?
                .unwrap_or(0);
            forward(
                env,
                &dialog,
                &hash,
                Method::Get,
                &format!("/messages?after={after}"),
                None,
            )
            .await
        }
        (Method::Post, ["api", "v1", "visitor", "messages"]) => {
            let (dialog, hash) = visitor_credentials(req.headers())?;
            let body: SendMessage = read_json(&mut req).await?;
            let body = SendMessage {
                client_id: text::client_id(&body.client_id)?,
                text: text::message_text(&body.text)?,
            };
            let payload = serde_json::to_string(&body).map_err(internal)?;
            forward(
                env,
                &dialog,
                &hash,
                Method::Post,
                "/messages",
                Some(payload),
            )
            .await
        }
        (_, ["api", ..]) => Err(ProtocolError::new(
            ErrorCode::NotFound,
            format!("no such API route: {path}"),
        )),
        _ => Err(ProtocolError::new(ErrorCode::NotFound, "not found")),
    }
}

/// The demo line is the only line until line administration lands; any other
/// id is an unknown line.
fn known_line(line: &str) -> std::result::Result<String, ProtocolError> {
    let line = text::identifier("line", line)?;
    if line == "demo" {
        Ok(line)
    } else {
        Err(ProtocolError::new(
            ErrorCode::NotFound,
            format!("line '{line}' does not exist"),
        ))
    }
}

fn widget_config(line: &str) -> ApiResult {
    let line = known_line(line)?;
    json(
        200,
        &WidgetConfig {
            line,
            title: "Chat with Northwind Tea".into(),
            greeting: "Hello! How can we help you today?".into(),
            language: "en".into(),
        },
    )
}

/// Resumes the dialog of a valid token, or opens a new dialog.
async fn start_session(env: &Env, body: StartSession) -> ApiResult {
    let line = known_line(&body.line)?;
    if let Some(token) = body.token.as_deref() {
        if let Ok((dialog, hash)) = split_token(token) {
            let resp = forward(env, &dialog, &hash, Method::Get, "/session", None).await?;
            if resp.status_code() == 200 {
                return json(
                    200,
                    &Session {
                        line,
                        dialog,
                        token: token.to_owned(),
                        resumed: true,
                    },
                );
            }
        }
    }
    let dialog = ids::random_hex(16).map_err(internal)?;
    let secret = ids::random_hex(32).map_err(internal)?;
    let hash = ids::token_hash(&secret);
    let payload = serde_json::json!({ "line": line }).to_string();
    let resp = forward(env, &dialog, &hash, Method::Post, "/init", Some(payload)).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    json(
        201,
        &Session {
            line,
            token: format!("{dialog}.{secret}"),
            dialog,
            resumed: false,
        },
    )
}

/// A visitor token is `DIALOG.SECRET`; the dialog's object keeps only the
/// secret's hash.
fn split_token(token: &str) -> std::result::Result<(String, String), ProtocolError> {
    let unauthorized = || ProtocolError::new(ErrorCode::Unauthorized, "invalid visitor token");
    let (dialog, secret) = token.split_once('.').ok_or_else(unauthorized)?;
    let dialog = text::identifier("token", dialog).map_err(|_| unauthorized())?;
    if secret.len() != 64 || !secret.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(unauthorized());
    }
    Ok((dialog, ids::token_hash(secret)))
}

fn visitor_credentials(headers: &Headers) -> std::result::Result<(String, String), ProtocolError> {
    let token = bearer(headers).ok_or_else(|| {
        ProtocolError::new(ErrorCode::Unauthorized, "a visitor token is required")
    })?;
    split_token(&token)
}

fn dialog_stub(env: &Env, dialog: &str) -> std::result::Result<Stub, ProtocolError> {
    let ns = env.durable_object("DIALOGS").map_err(internal)?;
    ns.id_from_name(dialog)
        .and_then(|id| id.get_stub())
        .map_err(internal)
}

/// Sends an internal request to a dialog's object, carrying the token hash it
/// checks; its response (success or error body) is passed through.
async fn forward(
    env: &Env,
    dialog: &str,
    token_hash: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> ApiResult {
    let stub = dialog_stub(env, dialog)?;
    let headers = Headers::new();
    headers
        .set(crate::dialog_object::TOKEN_HASH_HEADER, token_hash)
        .map_err(internal)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let req = Request::new_with_init(&format!("https://dialog{path}"), &init).map_err(internal)?;
    stub.fetch_with_request(req).await.map_err(internal)
}
