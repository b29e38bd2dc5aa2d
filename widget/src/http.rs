//! A minimal JSON client over the browser's `fetch`: the widget's only way
//! to talk to the edge (no HTTP crate, to keep the wasm small).

use crate::wire::{self, FromJson};
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

impl HttpError {
    /// The edge's HTTP status, or `None` when it could not be reached: what
    /// the widget's retry decisions look at.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Network => None,
            HttpError::Api { status, .. } => Some(*status),
        }
    }
}

/// Reads an answer of [`call_json`] as one of the protocol's types.
pub fn typed<T: FromJson>(answer: Result<JsValue, HttpError>) -> Result<T, HttpError> {
    let json = answer?;
    T::from_json(&json).ok_or_else(|| HttpError::Api {
        status: 200,
        code: "bad_response".into(),
        message: "Unexpected answer from the chat service.".into(),
    })
}

/// Calls the edge with an optional JSON body and returns the JSON answer;
/// an error answer becomes [`HttpError::Api`] with the edge's code and
/// message. Not generic, so its code exists once in the wasm.
pub async fn call_json(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<JsValue>,
) -> Result<JsValue, HttpError> {
    let body = body.map(|b| (JsValue::from_str(&wire::stringify(&b)), "application/json"));
    call(method, url, token, body).await
}

/// [`call_json`] with a body as it is (a file: a `Blob`) and its type.
pub async fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(JsValue, &str)>,
) -> Result<JsValue, HttpError> {
    let headers = Headers::new().map_err(|_| HttpError::Network)?;
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| HttpError::Network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some((body, content_type)) = body {
        headers
            .set("Content-Type", content_type)
            .map_err(|_| HttpError::Network)?;
        init.set_body(&body);
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| HttpError::Network)?;
    let window = web_sys::window().ok_or(HttpError::Network)?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| HttpError::Network)?
        .dyn_into()
        .map_err(|_| HttpError::Network)?;
    let status = resp.status();
    let text = JsFuture::from(resp.text().map_err(|_| HttpError::Network)?)
        .await
        .map_err(|_| HttpError::Network)?
        .as_string()
        .unwrap_or_default();
    let json = wire::parse(&text).unwrap_or(JsValue::NULL);
    if resp.ok() {
        Ok(json)
    } else {
        let error = wire::get(&json, "error");
        Err(HttpError::Api {
            status,
            code: wire::get(&error, "code").as_string().unwrap_or_default(),
            message: wire::get(&error, "message")
                .as_string()
                .unwrap_or_else(|| format!("HTTP {status}")),
        })
    }
}
