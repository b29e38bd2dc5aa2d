//! Validation of the free text that visitors and operators type: the one
//! place that decides what is too long, empty or malformed.

use crate::error::ProtocolError;

/// Longest chat message, in characters. Long enough for a pasted order
/// description, short enough to keep a row far below storage limits.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest client-chosen message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Trims a chat message and checks its length; returns the text to store.
pub fn message_text(raw: &str) -> Result<String, ProtocolError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ProtocolError::invalid_field("text", "the message is empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ProtocolError::invalid_field(
            "text",
            &format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A client-chosen message id makes resends idempotent; it must be short
/// and made of URL-safe characters.
pub fn client_id(raw: &str) -> Result<String, ProtocolError> {
    let ok = !raw.is_empty()
        && raw.chars().count() <= MAX_CLIENT_ID_CHARS
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ProtocolError::invalid_field(
            "client_id",
            "1–64 characters of letters, digits, '-' or '_'",
        ))
    }
}

/// A short identifier (line id, dialog id) as used in URLs.
pub fn identifier(field: &str, raw: &str) -> Result<String, ProtocolError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ProtocolError::invalid_field(
            field,
            "1–64 characters of letters, digits, '-' or '_'",
        ))
    }
}

/// A login: 3–64 characters of letters, digits, '.', '-', '_' or '@'.
pub fn login(raw: &str) -> Result<String, ProtocolError> {
    let l = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&l.chars().count())
        && l.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok {
        Ok(l)
    } else {
        Err(ProtocolError::invalid_field(
            "login",
            "3–64 letters, digits, '.', '-', '_' or '@'",
        ))
    }
}

/// A password: at least 8 characters, at most 256.
pub fn password(raw: &str) -> Result<(), ProtocolError> {
    let n = raw.chars().count();
    if (8..=256).contains(&n) {
        Ok(())
    } else {
        Err(ProtocolError::invalid_field("password", "8–256 characters"))
    }
}

/// A person's display name or position, shown to visitors: 1–100
/// characters after trimming, no control characters.
pub fn display_name(field: &str, raw: &str) -> Result<String, ProtocolError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > 100 {
        Err(ProtocolError::invalid_field(field, "1–100 characters"))
    } else if n.chars().any(char::is_control) {
        Err(ProtocolError::invalid_field(
            field,
            "no control characters (line breaks, tabs…)",
        ))
    } else {
        Ok(n.to_owned())
    }
}

/// Text made safe inside HTML elements and attribute values (e-mails,
/// the console's statistics report).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_trimmed_and_must_not_be_empty() {
        assert_eq!(message_text("  hello \n").unwrap(), "hello");
        assert!(message_text("   ").is_err());
    }

    #[test]
    fn a_message_longer_than_the_limit_is_refused() {
        let long = "я".repeat(MAX_MESSAGE_CHARS + 1);
        let err = message_text(&long).unwrap_err();
        assert!(err.message.starts_with("text:"));
        assert!(message_text(&"я".repeat(MAX_MESSAGE_CHARS)).is_ok());
    }

    #[test]
    fn logins_are_lowercased_and_passwords_need_eight_characters() {
        assert_eq!(login(" Anna@Shop ").unwrap(), "anna@shop");
        assert!(login("a b").is_err());
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(display_name("name", "   ").is_err());
        assert!(display_name("position", "Tea\u{0}expert").is_err());
        assert!(display_name("position", &"x".repeat(60_000)).is_err());
    }

    #[test]
    fn client_ids_are_url_safe_and_short() {
        assert!(client_id("m-1_a").is_ok());
        assert!(client_id("").is_err());
        assert!(client_id("a b").is_err());
        assert!(client_id(&"a".repeat(65)).is_err());
    }
}
