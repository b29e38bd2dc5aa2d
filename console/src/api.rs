//! The console's JSON client over the browser's `fetch`, and the typed
//! error every view shows (no HTTP crate, to keep the wasm small).

use openline_core::ErrorBody;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// What can go wrong when calling the edge.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The network is down or the edge is unreachable: retry later.
    Network,
    /// The edge answered with a structured error (`docs/api.md`).
    Api {
        /// HTTP status.
        status: u16,
        /// The error code, e.g. `invalid_field`.
        code: String,
        /// Human-readable; for `invalid_field` it starts with the field name.
        message: String,
    },
}

impl ApiError {
    /// For `invalid_field`: the field the message names (`hours`,
    /// `concurrency_limit.max`…).
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Api { code, message, .. } if code == "invalid_field" => {
                message.split_once(':').map(|(f, _)| f.trim())
            }
            _ => None,
        }
    }

    /// Whether the session is gone (expired, logged out elsewhere, dismissed).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Api { status: 401, .. })
    }
}

/// The message to show for an error; `offline` is the catalogue's text for
/// a network failure.
pub fn describe(e: &ApiError, offline: &str) -> String {
    match e {
        ApiError::Network => offline.to_owned(),
        ApiError::Api { message, .. } => message.clone(),
    }
}

/// Sends a request with an optional JSON body and bearer token to a path of
/// this origin (`/api/v1/...`) and parses the JSON answer. Only the body's
/// serialisation and the answer's parsing are generic: the request itself
/// is one function ([`exchange`]), not one async state machine per type.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let body = json_body(body)?;
    parse(exchange(method, path, token, body).await?)
}

/// A call whose answer's text is wanted as it is (to be read more than one
/// way, see `settings_form::view_of`).
pub async fn text<B: Serialize>(
    method: &str,
    path: &str,
    token: &str,
    body: Option<&B>,
) -> Result<String, ApiError> {
    let body = json_body(body)?;
    Ok(exchange(method, path, Some(token), body).await?.1)
}

/// A call whose body is given as is (a file's bytes, a blob) with its type.
pub async fn call_raw<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(JsValue, &str)>,
) -> Result<T, ApiError> {
    parse(exchange(method, path, token, body).await?)
}

/// A body as JSON, with its type.
fn json_body<B: Serialize>(body: Option<&B>) -> Result<Option<(JsValue, &'static str)>, ApiError> {
    body.map(|b| {
        serde_json::to_string(b)
            .map(|json| (JsValue::from_str(&json), "application/json"))
            .map_err(|_| ApiError::Network)
    })
    .transpose()
}

/// The answer's status and text.
async fn exchange(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(JsValue, &str)>,
) -> Result<(u16, String), ApiError> {
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| ApiError::Network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some((body, kind)) = body {
        headers
            .set("Content-Type", kind)
            .map_err(|_| ApiError::Network)?;
        init.set_body(&body);
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Network)?;
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let text = JsFuture::from(resp.text().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .unwrap_or_default();
    if resp.ok() {
        Ok((resp.status(), text))
    } else {
        Err(failure(resp.status(), &text))
    }
}

/// A successful answer as the type asked for.
fn parse<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, ApiError> {
    serde_json::from_str(&text).map_err(|_| unreadable(status))
}

/// An answer this console cannot read (an edge of another release): said
/// as a sentence for people, not serde's message.
pub fn unreadable(status: u16) -> ApiError {
    ApiError::Api {
        status,
        code: "bad_response".into(),
        message: "the server's answer could not be read; reload the page".into(),
    }
}

/// A failed answer as its typed error (or the bare status).
fn failure(status: u16, text: &str) -> ApiError {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => ApiError::Api {
            status,
            code: serde_json::to_value(body.error.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: body.error.message,
        },
        Err(_) => ApiError::Api {
            status,
            code: "http_error".into(),
            message: format!("HTTP {status}"),
        },
    }
}

/// `GET` with the session token.
pub async fn get<T: DeserializeOwned>(path: &str, token: &str) -> Result<T, ApiError> {
    call::<(), T>("GET", path, Some(token), None).await
}

/// `POST`/`PUT`/`PATCH` of a JSON body with the session token.
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: &str,
    body: &B,
) -> Result<T, ApiError> {
    call(method, path, Some(token), Some(body)).await
}

/// A path segment made safe for a URL (ids are plain, search text is not).
pub fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}

/// The operators of a line (its id, encoded) as (account id, name), to
/// name them in lists; empty when they cannot be read.
pub async fn operator_names(line: &str, token: &str) -> Vec<(String, String)> {
    let path = format!("/api/v1/lines/{line}/operators");
    get::<openline_core::replies::OperatorList>(&path, token)
        .await
        .map(|l| l.operators.into_iter().map(|o| (o.id, o.name)).collect())
        .unwrap_or_default()
}

/// An account's name from such a list, or a short id when unknown.
pub fn name_in(names: &[(String, String)], id: &str) -> String {
    names
        .iter()
        .find(|(i, _)| i == id)
        .map_or_else(|| crate::format::short(id), |(_, n)| n.clone())
}

/// An answer read only for whether it came: its body is skipped unread
/// (no `serde_json::Value` in the console: its reader and writer weigh
/// kilobytes).
pub type Ignored = serde::de::IgnoredAny;

/// The body of an action that needs none: `{}`.
#[derive(Serialize)]
pub struct NoBody {}

/// See [`NoBody`].
pub const NO_BODY: NoBody = NoBody {};

/// A body as JSON text (for calls that take it already written).
pub fn json<B: Serialize>(body: &B) -> String {
    serde_json::to_string(body).unwrap_or_default()
}
