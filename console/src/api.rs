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
/// this origin (`/api/v1/...`) and parses the JSON answer.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let body = match body {
        Some(b) => {
            let json = serde_json::to_string(b).map_err(|_| ApiError::Network)?;
            Some((JsValue::from_str(&json), "application/json"))
        }
        None => None,
    };
    call_raw(method, path, token, body).await
}

/// A call whose body is given as is (a file's bytes, a blob) with its type.
pub async fn call_raw<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(JsValue, &str)>,
) -> Result<T, ApiError> {
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
        return serde_json::from_str(&text).map_err(|e| ApiError::Api {
            status: resp.status(),
            code: "bad_response".into(),
            message: e.to_string(),
        });
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError::Api {
            status: resp.status(),
            code: serde_json::to_value(body.error.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: body.error.message,
        },
        Err(_) => ApiError::Api {
            status: resp.status(),
            code: "http_error".into(),
            message: format!("HTTP {}", resp.status()),
        },
    })
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
