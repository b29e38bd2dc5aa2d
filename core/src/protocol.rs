//! The wire protocol: JSON bodies of the HTTP API and WebSocket frames,
//! shared by the edge, the widget and the console so they cannot drift.

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change; clients send it and the edge refuses
/// versions it cannot speak.
pub const PROTOCOL_VERSION: u32 = 1;

/// Who wrote a message, as shown to the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Operator {
        /// Shown name; absent when the line hides operators (O1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    System,
}

/// One message of a dialog as stored and as delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatMessage {
    /// Position in the dialog, from 1, without gaps: clients resume from the
    /// last one they saw.
    pub seq: u64,
    /// Chosen by the sender; a resend with the same id is stored once.
    pub client_id: String,
    pub author: Author,
    pub text: String,
    /// Epoch milliseconds at which the edge accepted it.
    pub at: i64,
    /// Q11: seen by operators only; never sent to the client.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// For system messages: what they are (`closed`, `rating_request`, `reopened`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Issue 11.3: the file this message sends (its `text` is the file's
    /// name); its participants ask for a link to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::attachments::Attachment>,
    /// B3: answers a bot offers with this message; the widget shows them
    /// as buttons under it while it is the last word.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<String>,
}

/// `POST /api/v1/visitor/sessions`: start a conversation on a line, or
/// resume the one the visitor's stored token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StartSession {
    pub line: String,
    /// A logged-in user of the host site, vouched for by the site's server
    /// (see `identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The anonymous visitor's secret key, kept by their browser apart
    /// from any session (a finished conversation forgets the session, not
    /// the client): the edge derives their stable client id from it (Q8,
    /// C1). Handed out by the edge in [`Session::client_key`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Only resume (a widget connecting in the background for the unread
    /// badge must not open a new dialog): with nothing to resume the answer
    /// is `204 No Content` and nothing is created.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resume_only: bool,
    /// The page the visitor has open (the console's visitor panel); kept
    /// only when the session starts or resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<crate::visits::PageView>,
}

/// Who a logged-in visitor is, from the snippet's `data-user-*` attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Identity {
    pub user_id: String,
    /// Hex HMAC-SHA256 of `user_id` under the line's identity secret.
    pub hash: String,
    /// Shown on the client card (C1) as the site knows them.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// The visitor's credentials for one dialog; the widget keeps them in
/// localStorage so a reload or a new tab resumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Session {
    pub line: String,
    pub dialog: String,
    /// The visitor's stable id; the widget keeps it.
    pub client: String,
    /// Bearer token; the edge stores only its hash.
    pub token: String,
    /// False when the token sent was unknown and a new dialog was opened.
    pub resumed: bool,
    /// An anonymous visitor's key (see [`StartSession::client_key`]): the
    /// widget keeps it for every later visit. None for verified users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// `POST /api/v1/visitor/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SendMessage {
    pub client_id: String,
    pub text: String,
}

/// `GET /api/v1/visitor/messages?after=SEQ`: messages after a sequence
/// number, oldest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct History {
    pub messages: Vec<ChatMessage>,
    /// More messages follow: ask again with `after` = the last one's `seq`.
    #[serde(default)]
    pub more: bool,
    /// Issue 11.3 read receipts: the other side has seen every message up
    /// to this one (the reader's numbering: operators for an operator's
    /// read, the visitor's own for theirs); 0 when nothing yet.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seen: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Messages in one page of a history read.
pub const HISTORY_PAGE: usize = 500;

/// `GET /api/v1/lines/{line}/widget`: what the widget shows before the
/// visitor writes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetConfig {
    pub line: String,
    /// F6 chat-title phrase, or the line name (L1).
    pub title: String,
    /// F1 greeting.
    pub greeting: String,
    pub language: String,
    /// H1: open now.
    #[serde(default = "yes")]
    pub open: bool,
    /// H4: when the line opens next (epoch ms), when closed.
    #[serde(default)]
    pub next_opening: Option<i64>,
    /// Issue 11.1: someone can answer now (open, an operator at work);
    /// none when the line could not be asked.
    #[serde(default)]
    pub online: Option<bool>,
    /// Issue 11.1: the line's usual time to a first answer (the past
    /// week's median), in seconds; none until enough dialogs were answered.
    #[serde(default)]
    pub reply_in_s: Option<u32>,
    /// Issue 11.3: the files the visitor may send (the widget offers a
    /// picker for these kinds and refuses bigger files before sending).
    #[serde(default)]
    pub attachments: crate::attachments::AttachmentRules,
    /// H3: hide the widget outside working hours.
    #[serde(default)]
    pub hide_when_closed: bool,
    /// F2: seconds after the greeting before the contact block shows.
    #[serde(default)]
    pub contact_request_after_s: Option<u32>,
    /// F3.
    #[serde(default)]
    pub email_copy: bool,
    /// F4.
    #[serde(default)]
    pub busy_form: bool,
    /// W1: tell the visitor that operators may see their typing.
    #[serde(default)]
    pub typing_preview: bool,
    /// A1: the consent text to accept before sending contact data.
    #[serde(default)]
    pub consent: Option<crate::settings::ConsentText>,
    /// O1: how operators appear (own profile, the line's replacement card,
    /// or hidden).
    #[serde(default = "own")]
    pub presentation: crate::settings::Presentation,
}

/// `GET /api/v1/lines/{line}/widget`: [`WidgetConfig`] and what is read
/// apart from it — by the loader (the launcher, the reply tone) and by the
/// widget's own small reader (F5's forms) — so the widget's wasm carries no
/// code for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetSettings {
    #[serde(flatten)]
    pub config: WidgetConfig,
    /// The launcher's colour, side and label.
    #[serde(default)]
    pub launcher: crate::settings::Launcher,
    /// A sound with a reply while the visitor's tab is hidden.
    #[serde(default)]
    pub reply_sound: bool,
    /// F5: the form of each case (`LineSettings::form_cases`).
    #[serde(default)]
    pub forms: crate::settings::FormCases,
}

fn own() -> crate::settings::Presentation {
    crate::settings::Presentation::Own
}

fn yes() -> bool {
    true
}

/// Frames of the real-time channel (WebSocket), JSON with a `type` tag.
pub mod frames {
    use super::ChatMessage;
    use crate::line::{ClientNotice, Notice, QueueInfo, TransferTarget};
    use crate::operator::{OperatorCard, Presence};
    use crate::ProtocolError;
    use serde::{Deserialize, Serialize};

    /// Visitor → edge.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum VisitorFrame {
        /// First frame after connecting: the protocol spoken and the last
        /// sequence number seen, so the edge resends what was missed.
        Hello {
            protocol: u32,
            after: u64,
        },
        Send {
            client_id: String,
            text: String,
        },
        /// W1: the current draft (throttled by the widget).
        Typing {
            draft: String,
        },
        Rate {
            score: u8,
            comment: Option<String>,
        },
        /// Issue 11.3: the visitor has seen every message up to `seq` (the
        /// panel open, the tab in front); sent when it moves forward.
        Read {
            seq: u64,
        },
        Ping,
    }

    /// Edge → visitor.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum VisitorEvent {
        Welcome {
            protocol: u32,
            dialog: String,
        },
        Message {
            message: ChatMessage,
        },
        /// An operator is typing (never their text).
        Typing {
            operator: Option<OperatorCard>,
        },
        Notice {
            notice: ClientNotice,
        },
        Queue {
            info: QueueInfo,
        },
        Operator {
            card: Option<OperatorCard>,
        },
        /// Issue 11.3: the operators have seen every message up to `seq`
        /// (the visitor's numbering): their messages up to it are "seen".
        Read {
            seq: u64,
        },
        /// The conversation goes on in a newer dialog of the client (C7
        /// wrote after this one finished): start the session again with
        /// the stored token to join it.
        Moved,
        Error {
            error: ProtocolError,
        },
        Pong,
    }

    /// Operator console → edge.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum OperatorFrame {
        Hello {
            protocol: u32,
            after: u64,
        },
        Presence {
            presence: Presence,
        },
        WorkingDay {
            started: bool,
        },
        Accept {
            dialog: String,
        },
        Send {
            dialog: String,
            client_id: String,
            text: String,
            hidden: bool,
        },
        Typing {
            dialog: String,
        },
        Close {
            dialog: String,
        },
        Transfer {
            dialog: String,
            to: TransferTarget,
            comment: Option<String>,
        },
        Invite {
            dialog: String,
            operator: String,
        },
        Leave {
            dialog: String,
        },
        /// Issue 11.3: the operator, in the dialog, has seen every message
        /// up to `seq` (the dialog open, the tab in front).
        Read {
            dialog: String,
            seq: u64,
        },
        Ping,
    }

    /// Edge → operator console.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum OperatorEvent {
        Welcome {
            protocol: u32,
            operator: String,
        },
        Offer {
            dialog: String,
        },
        Revoke {
            dialog: String,
        },
        Assigned {
            dialog: String,
            operator: String,
        },
        Status {
            dialog: String,
            status: crate::line::DialogState,
        },
        Message {
            dialog: String,
            message: ChatMessage,
            hidden: bool,
        },
        /// W1: the client's draft when the line allows the preview.
        Typing {
            dialog: String,
            preview: Option<String>,
        },
        /// Issue 11.3: the client has seen every message of `dialog` up to
        /// `seq`, to the consoles of the dialog's operators.
        Read {
            dialog: String,
            seq: u64,
        },
        /// The client of an open dialog opened a page (the visitor panel),
        /// to the consoles of that dialog's participants.
        Visit {
            client: String,
            visit: crate::visits::Visit,
        },
        Notify {
            notice: Notice,
        },
        Error {
            error: ProtocolError,
            /// The `client_id` of the `send` frame refused, so the console's
            /// outbox knows which message failed.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            client_id: Option<String>,
        },
        Pong,
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn frames_have_a_type_tag_and_round_trip() {
            let f = VisitorFrame::Hello {
                protocol: 1,
                after: 7,
            };
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, r#"{"type":"hello","protocol":1,"after":7}"#);
            let back: VisitorFrame = serde_json::from_str(&json).unwrap();
            assert_eq!(back, f);
            let op: OperatorFrame = serde_json::from_str(
                r#"{"type":"send","dialog":"d1","client_id":"c","text":"hi","hidden":true}"#,
            )
            .unwrap();
            assert!(matches!(op, OperatorFrame::Send { hidden: true, .. }));
            assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"shutdown"}"#).is_err());
        }
    }
}

/// Roles of console users (L5: only administrators configure lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Supervisor,
    Admin,
}

/// A console account as the API shows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub dismissed: bool,
    /// Vacation periods `[from, to)` in epoch ms.
    #[serde(default)]
    pub vacations: Vec<(i64, i64)>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    /// Where K2's notices are mailed (else the login, when it is an
    /// address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Account {
    /// The address this person's notices go to, if any.
    pub fn mail_address(&self) -> Option<&str> {
        self.email
            .as_deref()
            .or_else(|| self.login.contains('@').then_some(self.login.as_str()))
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Login {
    pub login: String,
    pub password: String,
}

/// The answer to a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginSession {
    /// Bearer token; only its hash is stored.
    pub token: String,
    pub expires_at: i64,
    pub account: Account,
}

/// `POST /api/v1/accounts` (admin): invite a colleague.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAccount {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `PATCH /api/v1/accounts/{id}` (admin): any subset of fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub dismissed: Option<bool>,
    #[serde(default)]
    pub vacations: Option<Vec<(i64, i64)>>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    /// An address for notices; an empty string removes it.
    #[serde(default)]
    pub email: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_author_without_a_name_serialises_without_it() {
        let json = serde_json::to_string(&Author::Operator { name: None }).unwrap();
        assert_eq!(json, r#"{"kind":"operator"}"#);
        let back: Author = serde_json::from_str(r#"{"kind":"visitor"}"#).unwrap();
        assert_eq!(back, Author::Visitor);
    }
}
