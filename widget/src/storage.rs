//! What the widget remembers in the visitor's browser: the session token
//! per line, so a reload or a new tab resumes the same dialog.

use crate::wire::{self, FromJson, ToJson};
use openline_core::protocol::{SendMessage, Session};

fn key(line: &str) -> String {
    format!("openline:{line}:session")
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session of a line, if any and readable.
pub fn load_session(line: &str) -> Option<Session> {
    let raw = local()?.get_item(&key(line)).ok().flatten()?;
    Session::from_json(&wire::parse(&raw)?)
}

/// Remembers the session; storage may be unavailable (private mode), which
/// only costs resumption.
pub fn save_session(session: &Session) {
    if let Some(storage) = local() {
        let _ = storage.set_item(&key(&session.line), &wire::stringify(&session.to_json()));
    }
}

/// Forgets the stored session (its dialog cannot be resumed).
pub fn forget_session(line: &str) {
    if let Some(storage) = local() {
        let _ = storage.remove_item(&key(line));
    }
}

const CLIENT_KEY: &str = "openline:client-key";

/// The visitor's client key (the edge derives their client id from it,
/// per line): kept apart from any session and never forgotten, so a
/// returning visitor is the same client (Q8, C1).
pub fn load_client_key() -> Option<String> {
    local()?.get_item(CLIENT_KEY).ok().flatten()
}

/// Keeps the key the edge handed out (see [`load_client_key`]).
pub fn save_client_key(key: &str) {
    if let Some(storage) = local() {
        let _ = storage.set_item(CLIENT_KEY, key);
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
pub fn load_outbox(line: &str) -> Vec<SendMessage> {
    local()
        .and_then(|s| s.get_item(&outbox_key(line)).ok().flatten())
        .and_then(|raw| wire::parse(&raw))
        .and_then(|v| Vec::<SendMessage>::from_json(&v))
        .unwrap_or_default()
}

/// Stores the outbox (see [`load_outbox`]).
pub fn save_outbox(line: &str, outbox: &[SendMessage]) {
    if let Some(storage) = local() {
        let list: js_sys::Array = outbox.iter().map(|m| m.to_json()).collect();
        let _ = storage.set_item(&outbox_key(line), &wire::stringify(&list));
    }
}

/// Removes one message from the outbox once the edge has answered for it.
pub fn forget_outbox(line: &str, client_id: &str) {
    save_outbox(
        line,
        &crate::conversation::without(load_outbox(line), client_id),
    );
}
