//! JSON responses and errors in the one shape every client expects:
//! success bodies are plain JSON, failures `{"error": {"code", "message"}}`.

use openline_core::{ErrorCode, ProtocolError};
use serde::{de::DeserializeOwned, Serialize};
use worker::{Headers, Request, Response};

/// Largest JSON body the API reads; bigger bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What a handler returns: a response, or a typed error turned into one.
pub type ApiResult = std::result::Result<Response, ProtocolError>;

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult {
    let resp = Response::from_json(body).map_err(internal)?;
    Ok(resp.with_status(status))
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
    worker::console_error!("internal error: {e}");
    ProtocolError::new(ErrorCode::Internal, "internal error, please retry")
}

/// Reads and parses a JSON body with a size limit and a clear error.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, ProtocolError> {
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ProtocolError::new(ErrorCode::BadRequest, "could not read the body"))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ProtocolError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ProtocolError::new(ErrorCode::BadRequest, format!("invalid JSON body: {e}")))
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &Headers) -> Option<String> {
    let value = headers.get("Authorization").ok().flatten()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}
