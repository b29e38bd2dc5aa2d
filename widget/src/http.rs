//! A minimal JSON client over the browser's `fetch`: the widget's only way
//! to talk to the edge (no HTTP crate, to keep the wasm small).

use openline_core::ErrorBody;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// What can go wrong when calling the edge, in words a visitor can read.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// The network is down or the edge is unreachable: retry later.
    Network,
    /// The edge answered with a structured error.
    Api {
        status: u16,
        code: String,
        message: String,
    },
}

/// Sends a request with an optional JSON body and bearer token and parses
/// the JSON answer.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, HttpError> {
    let headers = Headers::new().map_err(|_| HttpError::Network)?;
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| HttpError::Network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let json = serde_json::to_string(body).map_err(|_| HttpError::Network)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| HttpError::Network)?;
        init.set_body(&JsValue::from_str(&json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| HttpError::Network)?;
    let window = web_sys::window().ok_or(HttpError::Network)?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| HttpError::Network)?
        .dyn_into()
        .map_err(|_| HttpError::Network)?;
    let text = JsFuture::from(resp.text().map_err(|_| HttpError::Network)?)
        .await
        .map_err(|_| HttpError::Network)?
        .as_string()
        .unwrap_or_default();
    if resp.ok() {
        serde_json::from_str(&text).map_err(|e| HttpError::Api {
            status: resp.status(),
            code: "bad_response".into(),
            message: e.to_string(),
        })
    } else {
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => HttpError::Api {
                status: resp.status(),
                code: serde_json::to_value(body.error.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: body.error.message,
            },
            Err(_) => HttpError::Api {
                status: resp.status(),
                code: "http_error".into(),
                message: format!("HTTP {}", resp.status()),
            },
        })
    }
}
