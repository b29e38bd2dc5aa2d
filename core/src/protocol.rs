//! The wire protocol: JSON bodies of the HTTP API and WebSocket frames,
//! shared by the edge, the widget and the console so they cannot drift.

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change; clients send it and the edge refuses
/// versions it cannot speak.
pub const PROTOCOL_VERSION: u32 = 1;

/// Who wrote a message, as shown to the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// `POST /api/v1/visitor/sessions`: start a conversation on a line, or
/// resume the one the visitor's stored token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartSession {
    pub line: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The visitor's credentials for one dialog; the widget keeps them in
/// localStorage so a reload or a new tab resumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub line: String,
    pub dialog: String,
    /// Bearer token; the edge stores only its hash.
    pub token: String,
    /// False when the token sent was unknown and a new dialog was opened.
    pub resumed: bool,
}

/// `POST /api/v1/visitor/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    pub client_id: String,
    pub text: String,
}

/// `GET /api/v1/visitor/messages?after=SEQ`: messages after a sequence
/// number, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct History {
    pub messages: Vec<ChatMessage>,
}

/// `GET /api/v1/lines/{line}/widget`: what the widget shows before the
/// visitor writes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    pub line: String,
    /// F6 chat-title phrase, or the line name (L1).
    pub title: String,
    /// F1 greeting.
    pub greeting: String,
    pub language: String,
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

/// Frames of the real-time channel (WebSocket), JSON with a `type` tag.
pub mod frames {
    use super::ChatMessage;
    use crate::line::{ClientNotice, Notice, QueueInfo, TransferTarget};
    use crate::operator::{OperatorCard, Presence};
    use crate::ProtocolError;
    use serde::{Deserialize, Serialize};

    /// Visitor → edge.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        Ping,
    }

    /// Edge → visitor.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        Error {
            error: ProtocolError,
        },
        Pong,
    }

    /// Operator console → edge.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        Ping,
    }

    /// Edge → operator console.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            status: String,
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
        Notify {
            notice: Notice,
        },
        Error {
            error: ProtocolError,
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
