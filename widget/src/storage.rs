//! What the widget remembers in the visitor's browser: the session token
//! per line, so a reload or a new tab resumes the same dialog.

use openline_core::protocol::Session;

fn key(line: &str) -> String {
    format!("openline:{line}:session")
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session of a line, if any and readable.
pub fn load_session(line: &str) -> Option<Session> {
    let raw = local()?.get_item(&key(line)).ok().flatten()?;
    serde_json::from_str(&raw).ok()
}

/// Remembers the session; storage may be unavailable (private mode), which
/// only costs resumption.
pub fn save_session(session: &Session) {
    if let (Some(storage), Ok(json)) = (local(), serde_json::to_string(session)) {
        let _ = storage.set_item(&key(&session.line), &json);
    }
}

/// A fresh client-side message id: time plus randomness, URL-safe.
pub fn new_client_id() -> String {
    let now = js_sys::Date::now() as u64;
    let rand = (js_sys::Math::random() * 1e12) as u64;
    format!("w{now:x}-{rand:x}")
}

fn outbox_key(line: &str) -> String {
    format!("openline:{line}:outbox")
}

/// Messages typed but not yet confirmed by the edge: they survive a reload
/// and are resent with the same client id, so they are stored once.
pub fn load_outbox(line: &str) -> Vec<openline_core::protocol::SendMessage> {
    local()
        .and_then(|s| s.get_item(&outbox_key(line)).ok().flatten())
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

pub fn save_outbox(line: &str, outbox: &[openline_core::protocol::SendMessage]) {
    if let (Some(storage), Ok(json)) = (local(), serde_json::to_string(outbox)) {
        let _ = storage.set_item(&outbox_key(line), &json);
    }
}

/// Removes one message from the outbox once the edge has answered for it.
pub fn forget_outbox(line: &str, client_id: &str) {
    let rest: Vec<_> = load_outbox(line)
        .into_iter()
        .filter(|o| o.client_id != client_id)
        .collect();
    save_outbox(line, &rest);
}
