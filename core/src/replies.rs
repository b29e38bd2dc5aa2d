//! The API's answer bodies, defined once: the edge writes them and the
//! console reads them, so neither side can drift from the other (and the
//! API description can be generated from one place).

use crate::consent::{ConsentRecord, Contacts};
use crate::line::{Dialog, Notice, QueueInfo};
use crate::operator::Operator;
use crate::protocol::Author;
use crate::quick_answers::QuickAnswer;
use crate::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A change was made (an answer with nothing else to say). A request that
/// changed nothing gets an error instead, never this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ack {
    pub ok: bool,
}

impl Ack {
    /// The one value it has on the wire.
    pub const DONE: Ack = Ack { ok: true };
}

/// `GET …/dialogs`: the line's dialogs and the line's clock (consoles count
/// K3 waiting times against it rather than the browser's), with what a
/// row shows of each: the client's contacts (by client id) and, for the
/// dialogs the caller may read ([`Dialog::readable_by`]), the last message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DialogList {
    pub dialogs: Vec<Dialog>,
    pub now: Millis,
    /// Contacts the clients of these dialogs left (F2/F4), by client id;
    /// a client who left none is absent.
    #[serde(default)]
    pub clients: BTreeMap<String, Contacts>,
    /// The last message the client could see, by dialog id; only for
    /// dialogs the caller may read.
    #[serde(default)]
    pub previews: BTreeMap<String, DialogPreview>,
}

/// The last message of a dialog, shortened, for the console's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DialogPreview {
    pub author: Author,
    /// At most [`DialogPreview::MAX_CHARS`] characters, `…` when cut.
    pub text: String,
    pub at: Millis,
}

impl DialogPreview {
    /// Enough for one line of a list row.
    pub const MAX_CHARS: usize = 120;

    /// The preview of a message (whitespace runs folded, long text cut).
    pub fn of(author: Author, text: &str, at: Millis) -> Self {
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = match folded.char_indices().nth(Self::MAX_CHARS) {
            Some((cut, _)) => format!("{}…", &folded[..cut]),
            None => folded,
        };
        DialogPreview { author, text, at }
    }
}

/// One department of a line (Q1) with its members in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Department {
    pub id: String,
    pub members: Vec<String>,
}

/// `GET …/departments`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DepartmentList {
    pub departments: Vec<Department>,
}

/// `GET …/operators`: the line's operators as routing sees them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorList {
    pub operators: Vec<Operator>,
}

/// The visitor's place in the queue (F4); none once the dialog is taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueuePlace {
    pub queue: Option<QueueInfo>,
}

/// H3/H4: whether the line works now and, when not, its next opening
/// (epoch ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpenNow {
    pub open: bool,
    pub next_opening: Option<Millis>,
}

/// `GET/POST …/quick-answers` (QA1).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickAnswerList {
    pub quick_answers: Vec<QuickAnswer>,
}

/// `GET …/consents` (A1): newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentLog {
    pub consents: Vec<ConsentRecord>,
}

/// `GET …/clients/{client}` (C1, C6, A1): what the line knows of a client.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientCard {
    pub client: String,
    #[serde(default)]
    pub contacts: Option<Contacts>,
    /// C1: other clients of the line who left the same e-mail or phone,
    /// proposed as the same person (`POST …/merge` confirms).
    #[serde(default)]
    pub similar: Vec<crate::client_merge::SimilarClient>,
    #[serde(default)]
    pub consents: Vec<ConsentRecord>,
    #[serde(default)]
    pub dialogs: Vec<Dialog>,
    /// The client's page views with a conversation, newest first (at most
    /// 20): where they are now and where they have been.
    #[serde(default)]
    pub visits: Vec<crate::visits::Visit>,
    /// C1/C2: the client's leads the caller may see (their own; all for
    /// supervisors), oldest first, each with who is responsible.
    #[serde(default)]
    pub leads: Vec<crate::leads::Lead>,
}

/// A line in the deployment's directory (L1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineEntry {
    /// The line's id (the widget's `data-line`).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// `GET /api/v1/health`: the edge answers, which protocol it speaks, and
/// which release it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    pub ok: bool,
    pub protocol: u32,
    pub version: String,
}

/// `GET /api/v1/figures` (administrators): what the deployment is doing
/// now, for whoever runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Figures {
    pub version: String,
    pub protocol: u32,
    pub lines: Vec<LineFigures>,
    pub outbox: OutboxFigures,
    /// The last storage migration step applied to the accounts' object.
    pub accounts_schema: Option<String>,
}

/// One line's live state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineFigures {
    pub line: String,
    /// Dialogs not finished, by state.
    pub with_bot: u32,
    pub queued: u32,
    pub offered: u32,
    pub active: u32,
    pub awaiting_rating: u32,
    /// Open console sockets on the line.
    pub consoles: u32,
    pub operators_online: u32,
    /// The last storage migration step applied to the line's object.
    pub schema: Option<String>,
}

/// The e-mail outbox: mails by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutboxFigures {
    /// Waiting for their first try or a retry.
    pub queued: u32,
    pub sent: u32,
    /// Gave up after the last retry.
    pub failed: u32,
    /// Kept without a mail API (local development).
    pub captured: u32,
    pub schema: Option<String>,
}

/// An e-mail was queued for sending (F3 copy, K2 notices); it is sent and
/// retried by the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Queued {
    pub queued: bool,
}

/// C7's answer: the stored message and the dialog it went to. When the
/// client's last dialog had finished, the message opened a new one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExternalMessage {
    pub dialog: String,
    /// Whether this message opened the dialog.
    pub opened: bool,
    #[serde(flatten)]
    pub message: crate::protocol::ChatMessage,
}

/// The effects of one event on a line: what an operator's dialog action
/// (accept, close, leave, transfer, invite, rating) did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applied {
    pub effects: Vec<crate::line::Effect>,
}

/// `GET/PUT /api/v1/dev/password-cost` (local development only): what an
/// account's stored password hash cost, and setting it for a test.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordCost {
    pub login: String,
    /// Only in a `PUT`: the account's password, to hash anew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// PBKDF2-SHA256 iterations of the stored hash.
    pub iterations: i64,
}

/// `POST /api/v1/dev/seed` (local development only): the demo accounts
/// and the demo line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DevSeed {
    pub accounts: Vec<crate::protocol::Account>,
    pub line: String,
}

/// `GET /api/v1/dev/mailbox` (local development only): the latest mails,
/// newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Mailbox {
    pub mail: Vec<MailRow>,
}

/// A mail of the outbox as the dev mailbox shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailRow {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    /// The HTML part (mail queued before it existed has none).
    #[serde(default)]
    pub html: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub attempts: i64,
    /// Epoch milliseconds.
    pub next_attempt_at: i64,
    /// `queued`, `sent`, `failed` or `captured` (no mail API configured).
    pub status: String,
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_one_short_line() {
        let p = DialogPreview::of(Author::Visitor, "  Hello,\n\n  is   anyone there? ", 5);
        assert_eq!(p.text, "Hello, is anyone there?");
        let long = "ё".repeat(300);
        let p = DialogPreview::of(Author::Visitor, &long, 5);
        assert_eq!(p.text.chars().count(), DialogPreview::MAX_CHARS + 1);
        assert!(p.text.ends_with('…'));
        let exact = "a".repeat(DialogPreview::MAX_CHARS);
        assert_eq!(DialogPreview::of(Author::System, &exact, 1).text, exact);
    }
}

/// K2: one notice kept for a person (a missed KPI, a dialog passed on, the
/// unclosed-dialog limit), newest first in [`Notifications`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notification {
    pub id: i64,
    pub notice: Notice,
    pub at: Millis,
    /// When the caller acknowledged it; absent while unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<Millis>,
}

/// K2: the caller's notification centre on one line: the newest
/// [`Notifications::MAX`] notices addressed to them, and how many of all
/// their notices are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notifications {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

impl Notifications {
    /// How many are listed: a centre, not an archive.
    pub const MAX: u32 = 100;
}

/// K2: what an acknowledgement changed: how many notices turned read (0
/// when they already were).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Acknowledged {
    pub acknowledged: u32,
    /// What is still unread afterwards.
    pub unread: u32,
}

/// QA1: how many quick answers a group change moved or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickAnswersChanged {
    pub changed: u32,
}
