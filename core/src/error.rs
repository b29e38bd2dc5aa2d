//! Typed errors shared by every adapter, so the API, the widget and the
//! console speak about failures with the same codes.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. The wire form is snake_case and
/// never changes once published: clients switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidField,
    Unauthorized,
    Forbidden,
    NotFound,
    ClientNotFound,
    Conflict,
    PayloadTooLarge,
    MethodNotAllowed,
    RateLimited,
    LineInactive,
    /// Q12: the operator holds as many unclosed dialogs as the line allows.
    LimitReached,
    /// C3: a lead needs a way to answer the client (an e-mail or a phone).
    NoContact,
    Internal,
    /// An object's storage failed to migrate: it refuses work rather than
    /// run on a schema it does not know.
    StorageUnavailable,
    /// A service the edge calls for this request (Telegram's Bot API)
    /// refused or did not answer.
    UpstreamFailed,
    /// A file of a kind the line does not accept (by its content).
    UnsupportedMediaType,
}

impl ErrorCode {
    /// The wire form (`"not_found"`), as in an error body.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::ClientNotFound => "client_not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::LineInactive => "line_inactive",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::NoContact => "no_contact",
            ErrorCode::Internal => "internal",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::UpstreamFailed => "upstream_failed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
        }
    }

    /// The HTTP status an API response with this code carries.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::InvalidField => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::LineInactive => 403,
            ErrorCode::NotFound | ErrorCode::ClientNotFound => 404,
            ErrorCode::Conflict | ErrorCode::LimitReached => 409,
            ErrorCode::NoContact => 422,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::StorageUnavailable => 503,
            ErrorCode::UpstreamFailed => 502,
            ErrorCode::UnsupportedMediaType => 415,
        }
    }
}

/// A failure with a code and a human-readable message; what every API
/// error body carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[error("{code:?}: {message}")]
pub struct ProtocolError {
    pub code: ErrorCode,
    pub message: String,
}

impl ProtocolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An invalid field, named so the UI can point at it.
    pub fn invalid_field(field: &str, why: &str) -> Self {
        Self::new(ErrorCode::InvalidField, format!("{field}: {why}"))
    }

    /// The JSON body of an API error: `{"error": {"code", "message"}}`.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: self.clone(),
        }
    }
}

/// The envelope of every API error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ProtocolError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ProtocolError::new(ErrorCode::ClientNotFound, "client not found").to_body();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["code"], "client_not_found");
        assert_eq!(json["error"]["message"], "client not found");
        assert_eq!(ErrorCode::ClientNotFound.http_status(), 404);
    }

    #[test]
    fn the_log_form_of_a_code_is_its_wire_form() {
        let all = [
            ErrorCode::BadRequest,
            ErrorCode::InvalidField,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::ClientNotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::MethodNotAllowed,
            ErrorCode::RateLimited,
            ErrorCode::LineInactive,
            ErrorCode::LimitReached,
            ErrorCode::Internal,
            ErrorCode::StorageUnavailable,
        ];
        for code in all {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        assert_eq!(ErrorCode::StorageUnavailable.http_status(), 503);
    }
}
