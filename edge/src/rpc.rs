//! Calls between the worker and its Durable Objects: JSON over the stub's
//! `fetch`, with errors passed through in the API's shape.

use crate::api::{internal, ApiResult};
use openline_core::{ErrorBody, ErrorCode, ProtocolError};
use serde::{de::DeserializeOwned, Serialize};
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

/// The stub of the object `name` in the namespace bound as `binding`.
pub fn stub(env: &Env, binding: &str, name: &str) -> Result<Stub, ProtocolError> {
    let ns = env.durable_object(binding).map_err(internal)?;
    let id = ns.id_from_name(name).map_err(internal)?;
    id.get_stub().map_err(internal)
}

/// The stub of a dialog a visitor names (an id from the outside). Dialog
/// ids are the namespace's own unique ids, which carry a MAC the runtime
/// checks: an id nobody was given is refused here, before any object (and
/// its storage) exists.
pub fn visitor_dialog_stub(env: &Env, dialog: &str) -> Result<Stub, ProtocolError> {
    let ns = env.durable_object("DIALOGS").map_err(internal)?;
    let unknown = || ProtocolError::new(ErrorCode::NotFound, "no such dialog");
    if dialog.len() != 64 {
        return Err(unknown());
    }
    let id = ns.id_from_string(dialog).map_err(|_| unknown())?;
    id.get_stub().map_err(internal)
}

/// The stub of a dialog a line vouches for (its own dialogs: operators'
/// routes after the line's check, the line's effects, C7). Dialogs of
/// releases before 0.2 were named by 32 hex digits and are reached by name;
/// their visitors' tokens are refused and start a new conversation as the
/// same client, while operators keep reading and acting on them.
pub fn dialog_stub(env: &Env, dialog: &str) -> Result<Stub, ProtocolError> {
    if dialog.len() == 32 && dialog.bytes().all(|b| b.is_ascii_hexdigit()) {
        return stub(env, "DIALOGS", dialog);
    }
    visitor_dialog_stub(env, dialog)
}

/// A new dialog's id: a unique id of the dialogs' namespace (64 hex).
pub fn new_dialog_id(env: &Env) -> Result<String, ProtocolError> {
    let ns = env.durable_object("DIALOGS").map_err(internal)?;
    Ok(ns.unique_id().map_err(internal)?.to_string())
}

/// Sends one internal request; the object's response is returned as is.
/// Only the body's serialisation is generic: the request itself is one
/// function ([`send`]), not one async state machine per body type.
pub fn call<'a, B: Serialize>(
    stub: &'a Stub,
    method: Method,
    path: &'a str,
    body: Option<&B>,
    headers: &'a [(&'a str, &'a str)],
) -> impl std::future::Future<Output = ApiResult> + 'a {
    let json = body.map(serde_json::to_string).transpose();
    send(stub, method, path, json, headers)
}

pub(crate) async fn send(
    stub: &Stub,
    method: Method,
    path: &str,
    json: Result<Option<String>, serde_json::Error>,
    headers: &[(&str, &str)],
) -> ApiResult {
    let h = Headers::new();
    h.set("Content-Type", "application/json")
        .map_err(internal)?;
    for (k, v) in headers {
        h.set(k, v).map_err(internal)?;
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(h);
    if let Some(json) = json.map_err(internal)? {
        init.with_body(Some(json.into()));
    }
    let req = Request::new_with_init(&format!("https://object{path}"), &init).map_err(internal)?;
    stub.fetch_with_request(req).await.map_err(internal)
}

/// Reads a JSON answer, turning an error body back into its typed error.
pub async fn parse<T: DeserializeOwned>(resp: Response) -> Result<T, ProtocolError> {
    let text = success_text(resp).await?;
    serde_json::from_str(&text).map_err(internal)
}

/// A successful answer's text, or its error body read back into its typed
/// error. The body is read by the runtime in one call (`Response.text()`),
/// not chunk by chunk through wasm, which costs the message path dearly;
/// not generic, so its code exists once.
async fn success_text(resp: Response) -> Result<String, ProtocolError> {
    let status = resp.status_code();
    let raw: web_sys::Response = resp.into();
    let js = |e: wasm_bindgen::JsValue| internal(format!("{e:?}"));
    let text = wasm_bindgen_futures::JsFuture::from(raw.text().map_err(js)?)
        .await
        .map_err(js)?
        .as_string()
        .unwrap_or_default();
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error)
            .unwrap_or_else(|_| internal(format!("object answered {status}: {text}"))))
    }
}

/// `call` then `parse`: only the body's writing and the answer's reading
/// are generic (the request and the text's reading exist once).
pub async fn call_json<B: Serialize, T: DeserializeOwned>(
    stub: &Stub,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ProtocolError> {
    let json = body.map(serde_json::to_string).transpose();
    let text = send_text(stub, method, path, json).await?;
    serde_json::from_str(&text).map_err(internal)
}

async fn send_text(
    stub: &Stub,
    method: Method,
    path: &str,
    json: Result<Option<String>, serde_json::Error>,
) -> Result<String, ProtocolError> {
    success_text(send(stub, method, path, json, &[]).await?).await
}

/// A typed call whose success is all the caller needs: the reply is not
/// read into its type (the edge then links no deserialiser for it, e.g. a
/// line step's effects).
pub async fn invoke_done<C: crate::calls::Call>(
    stub: &Stub,
    call: &C,
) -> Result<(), ProtocolError> {
    call_json::<C, serde::de::IgnoredAny>(stub, Method::Post, C::PATH, Some(call))
        .await
        .map(|_| ())
}

/// A typed call whose answer goes to the API's caller as the object wrote
/// it (already the reply type's JSON): no parse and re-serialise in the
/// worker.
pub async fn forward<C: crate::calls::Call>(stub: &Stub, call: &C) -> ApiResult {
    self::call(stub, Method::Post, C::PATH, Some(call), &[]).await
}

/// A typed call (see [`crate::calls`]): the request goes to the object's
/// route, the answer comes back as the call's reply type or a typed error.
pub async fn invoke<C: crate::calls::Call>(
    stub: &Stub,
    call: &C,
) -> Result<C::Reply, ProtocolError> {
    call_json(stub, Method::Post, C::PATH, Some(call)).await
}
