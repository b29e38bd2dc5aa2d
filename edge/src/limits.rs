//! Rate limits through Workers rate limiting bindings (declared in
//! wrangler.toml): per IP and login for logins, per IP for new visitor
//! sessions, per dialog for visitor messages.

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
