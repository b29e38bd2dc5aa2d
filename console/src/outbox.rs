//! The operator's messages not yet confirmed by the edge. Each carries a
//! client id (the edge stores it once however often it is resent), goes
//! over the live socket — or over HTTP while the socket is down — and is
//! resent until the edge confirms it (the `message` frame or the HTTP
//! answer with that client id) or refuses it for good (shown to the
//! operator). The list is kept in localStorage per line, so a reload or a
//! crash loses nothing typed.

use openline_core::protocol::ChatMessage;
use serde::{Deserialize, Serialize};

/// Resend a message not confirmed after this long (ms).
pub const RESEND_AFTER_MS: i64 = 4_000;

/// One unconfirmed message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub client_id: String,
    pub dialog: String,
    pub text: String,
    pub hidden: bool,
    /// When it last went out (browser ms); 0: not yet.
    #[serde(default)]
    pub sent_at: i64,
}

impl Pending {
    /// Due for (re)sending at `now`.
    pub fn due(&self, now: i64) -> bool {
        self.sent_at == 0 || now - self.sent_at >= RESEND_AFTER_MS
    }
}

/// Whether a refusal is final (the message can never be stored as is), as
/// opposed to a passing failure worth retrying (rate limit, overload, a
/// platform error).
pub fn refused_for_good(status: u16, code: &str) -> bool {
    !(status == 429 || status >= 500 || code == "rate_limited" || code == "internal")
}

/// Drops the pending message the edge has now confirmed.
pub fn confirm(list: &mut Vec<Pending>, message: &ChatMessage) -> bool {
    let before = list.len();
    list.retain(|p| p.client_id != message.client_id);
    list.len() != before
}

fn key(line: &str) -> String {
    format!("openline.console.outbox.{line}")
}

/// The outbox saved for this line (empty when none or unreadable).
pub fn load(line: &str) -> Vec<Pending> {
    crate::session::storage()
        .and_then(|s| s.get_item(&key(line)).ok().flatten())
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// Saves the outbox of this line.
pub fn save(line: &str, list: &[Pending]) {
    if let Some(s) = crate::session::storage() {
        let _ = if list.is_empty() {
            s.remove_item(&key(line))
        } else {
            match serde_json::to_string(list) {
                Ok(json) => s.set_item(&key(line), &json),
                Err(_) => Ok(()),
            }
        };
    }
}
