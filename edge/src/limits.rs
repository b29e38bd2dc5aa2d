//! Rate limits through Workers rate limiting bindings (declared in
//! wrangler.toml): per IP and login for logins, per IP for new visitor
//! sessions, per dialog for what visitors do — the same limit whichever
//! path (HTTP or socket) it takes.

use openline_core::{ErrorCode, ProtocolError};
use worker::{Env, Headers};

/// The client's address as Cloudflare reports it (`local` in tests that
/// bypass the proxy).
pub fn client_ip(headers: &Headers) -> String {
    headers
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_else(|| "local".into())
}

/// Counts one request under `key`; over the limit it is a 429. A missing
/// binding (an old deployment) lets the request through.
pub async fn check(env: &Env, binding: &str, key: String, what: &str) -> Result<(), ProtocolError> {
    let Ok(limiter) = env.rate_limiter(binding) else {
        return Ok(());
    };
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => Err(ProtocolError::new(
            ErrorCode::RateLimited,
            format!("too many {what}; please wait a minute and try again"),
        )),
        _ => Ok(()),
    }
}

/// What a visitor does; each kind is counted apart, per dialog.
#[derive(Debug, Clone, Copy)]
pub enum VisitorAction {
    Message,
    Typing,
    Rating,
    EmailCopy,
    /// F2/F4: contacts left in the widget's form.
    Contacts,
    /// Issue 11.3: links asked for the dialog's files.
    FileLink,
    /// Issue 11.3: read receipts ("seen").
    Read,
}

/// Counts one visitor action in `dialog` under `MESSAGE_LIMITER` (60 per
/// 10 s per kind), on the HTTP routes and the socket alike.
pub async fn visitor(env: &Env, dialog: &str, action: VisitorAction) -> Result<(), ProtocolError> {
    let (kind, what) = match action {
        VisitorAction::Message => ("message", "messages"),
        VisitorAction::Typing => ("typing", "typing updates"),
        VisitorAction::Rating => ("rating", "ratings"),
        VisitorAction::EmailCopy => ("email", "e-mail requests"),
        VisitorAction::Contacts => ("contacts", "contact forms"),
        VisitorAction::FileLink => ("file-link", "file links"),
        VisitorAction::Read => ("read", "read receipts"),
    };
    check(env, "MESSAGE_LIMITER", format!("{kind}:{dialog}"), what).await
}
