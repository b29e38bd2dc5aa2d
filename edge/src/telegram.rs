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
    match serde_json::to_string(body) {
        Ok(json) => post(env, token, method, "application/json", json.into()).await,
        Err(_) => (None, None),
    }
}

/// Calls `method` with a `multipart/form-data` body (a file sent): as
/// [`call`].
pub async fn call_multipart(
    env: &Env,
    token: &str,
    method: &str,
    boundary: &str,
    body: &[u8],
) -> (Option<u16>, Option<String>) {
    let kind = format!("multipart/form-data; boundary={boundary}");
    post(
        env,
        token,
        method,
        &kind,
        js_sys::Uint8Array::from(body).into(),
    )
    .await
}

/// One POST to the Bot API (not generic: its code exists once).
async fn post(
    env: &Env,
    token: &str,
    method: &str,
    content_type: &str,
    body: wasm_bindgen::JsValue,
) -> (Option<u16>, Option<String>) {
    let attempt = async {
        let headers = Headers::new();
        headers.set("Content-Type", content_type)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body));
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

/// Downloads a file `getFile` named (`path`), at most `max` bytes; None
/// when Telegram cannot be reached or the file is bigger.
pub async fn download(env: &Env, token: &str, path: &str, max: usize) -> Option<Vec<u8>> {
    let url = format!("{}/file/bot{token}/{path}", base(env));
    let mut resp = Fetch::Url(url.parse().ok()?).send().await.ok()?;
    if resp.status_code() != 200 {
        return None;
    }
    let bytes = resp.bytes().await.ok()?;
    (bytes.len() <= max).then_some(bytes)
}
