//! Telegram's Bot API (N2), called by the worker (connecting a bot) and by
//! the outbox (sending answers). Its address is `OPENLINE_TELEGRAM_API`
//! (default `https://api.telegram.org`), which the tests point at a local
//! fake that follows the official documentation.

use serde::Serialize;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

/// The API's base address.
fn base(env: &Env) -> String {
    env.var("OPENLINE_TELEGRAM_API")
        .map(|v| v.to_string())
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://api.telegram.org".into())
}

/// Calls `method` with a JSON body: the HTTP status and the body's text,
/// or None for both when Telegram could not be reached.
pub async fn call<B: Serialize>(
    env: &Env,
    token: &str,
    method: &str,
    body: &B,
) -> (Option<u16>, Option<String>) {
    let attempt = async {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        let json =
            serde_json::to_string(body).map_err(|e| worker::Error::RustError(e.to_string()))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(json.into()));
        let url = format!("{}/bot{token}/{method}", base(env));
        let mut resp = Fetch::Request(Request::new_with_init(&url, &init)?)
            .send()
            .await?;
        let status = resp.status_code();
        Ok::<_, worker::Error>((status, resp.text().await.ok()))
    };
    match attempt.await {
        Ok((status, text)) => (Some(status), text),
        Err(_) => (None, None),
    }
}
