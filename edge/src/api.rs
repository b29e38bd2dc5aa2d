//! JSON responses and errors in the one shape every client expects:
//! success bodies are plain JSON, failures `{"error": {"code", "message"}}`.

use futures_util::StreamExt;
use openline_core::{ErrorCode, ProtocolError};
use serde::{de::DeserializeOwned, Serialize};
use worker::{Headers, Request, Response};

/// Largest JSON body the API reads; bigger bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What a handler returns: a response, or a typed error turned into one.
pub type ApiResult = std::result::Result<Response, ProtocolError>;

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult {
    // Only the serialisation is generic; the response is built once.
    raw_json(status, serde_json::to_string(body).map_err(internal)?)
}

/// A JSON response whose body is already written (by SQLite, or passed
/// through from another object).
pub fn raw_json(status: u16, body: String) -> ApiResult {
    let mut resp = Response::ok(body).map_err(internal)?;
    resp.headers_mut()
        .set("Content-Type", "application/json")
        .map_err(internal)?;
    Ok(resp.with_status(status))
}

/// A CSV download (S3): the text, its type, and the file name offered.
pub fn csv(body: String, file: &str) -> ApiResult {
    let mut resp = Response::ok(body).map_err(internal)?;
    let h = resp.headers_mut();
    h.set("Content-Type", "text/csv; charset=utf-8")
        .map_err(internal)?;
    h.set(
        "Content-Disposition",
        &format!("attachment; filename=\"{file}.csv\""),
    )
    .map_err(internal)?;
    Ok(resp)
}

/// Turns a typed error into its HTTP response.
pub fn error_response(err: &ProtocolError) -> Response {
    match Response::from_json(&err.to_body()) {
        Ok(r) => r.with_status(err.code.http_status()),
        Err(_) => Response::error("internal error", 500)
            .unwrap_or_else(|_| Response::empty().expect("empty response")),
    }
}

/// Any platform failure is reported as an internal error without details
/// that could leak internals; the details go to the log.
pub fn internal(e: impl std::fmt::Display) -> ProtocolError {
    crate::logs::error("worker", "internal_error", None, None, &e.to_string());
    ProtocolError::new(ErrorCode::Internal, "internal error, please retry")
}

fn too_large(max: usize) -> ProtocolError {
    ProtocolError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than {max} bytes"),
    )
}

/// Reads a body of at most `max` bytes: a bigger `Content-Length` is
/// refused before anything is read, and a body without one is read only up
/// to the limit, so a huge upload never fills the isolate's memory.
pub async fn read_bytes(req: &mut Request, max: usize) -> Result<Vec<u8>, ProtocolError> {
    let declared = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large(max));
    }
    if declared.is_some() {
        // Its size is known and allowed: one read by the runtime, not a
        // chunk-by-chunk stream through wasm (the message path's bodies).
        return req
            .bytes()
            .await
            .map_err(|_| ProtocolError::new(ErrorCode::BadRequest, "could not read the body"));
    }
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new()); // no body at all
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| ProtocolError::new(ErrorCode::BadRequest, "could not read the body"))?;
        if bytes.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Through `from_str` like every other JSON the edge reads, so each type's
/// deserialiser is compiled once (`from_slice` would be a second copy).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ProtocolError::new(ErrorCode::BadRequest, "invalid JSON body: not UTF-8"))?;
    serde_json::from_str(text)
        .map_err(|e| ProtocolError::new(ErrorCode::BadRequest, format!("invalid JSON body: {e}")))
}

/// Reads and parses a JSON body with a size limit and a clear error.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, ProtocolError> {
    parse_json(&read_bytes(req, MAX_BODY_BYTES).await?)
}

/// A public API body: a JSON object, as documented. serde would also take
/// an array for a struct (`["anna", "password"]` as a login); the API
/// refuses anything but the object shape.
pub async fn read_body<T: DeserializeOwned>(req: &mut Request) -> Result<T, ProtocolError> {
    parse_json(&object_bytes(req).await?)
}

/// The bytes of a body that must be a JSON object (not generic).
async fn object_bytes(req: &mut Request) -> Result<Vec<u8>, ProtocolError> {
    let bytes = read_bytes(req, MAX_BODY_BYTES).await?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ProtocolError::new(
            ErrorCode::BadRequest,
            "invalid JSON body: a JSON object is expected",
        ));
    }
    Ok(bytes)
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &Headers) -> Option<String> {
    let value = headers.get("Authorization").ok().flatten()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

/// A file's bytes with the given headers (what serving an upload needs).
pub fn file_response(bytes: Vec<u8>, headers: &[(&str, &str)]) -> ApiResult {
    let h = worker::Headers::new();
    for (k, v) in headers {
        h.set(k, v).map_err(internal)?;
    }
    Ok(worker::Response::from_bytes(bytes)
        .map_err(internal)?
        .with_headers(h))
}
