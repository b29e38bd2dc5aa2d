//! GDPR for one client of a line (issue 12): everything the line keeps of
//! them, exported as one JSON document (the right of access), and erased
//! on request (the right to erasure) — contacts, consents, page views,
//! leads, the words of their conversations and their index. What stays is
//! what holds no personal data: each dialog's record (times, states,
//! operators, scores) for the line's statistics, and the audit log's entry
//! (who exported, erased or merged which client, and when).

use crate::consent::{ConsentRecord, Contacts};
use crate::leads::Lead;
use crate::line::Dialog;
use crate::protocol::ChatMessage;
use crate::visits::Visit;
use crate::{ErrorCode, Millis, ProtocolError};
use serde::{Deserialize, Serialize};

/// One dialog of the client with every message (operators' hidden notes
/// about them included, marked `hidden`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DialogExport {
    pub dialog: Dialog,
    pub messages: Vec<ChatMessage>,
}

/// `GET /api/v1/lines/{line}/clients/{client}/export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientExport {
    pub client: String,
    pub line: String,
    pub exported_at: Millis,
    pub contacts: Option<Contacts>,
    pub consents: Vec<ConsentRecord>,
    /// Page views with a conversation, newest first.
    pub visits: Vec<Visit>,
    pub leads: Vec<Lead>,
    /// Oldest first.
    pub dialogs: Vec<DialogExport>,
}

/// `DELETE /api/v1/lines/{line}/clients/{client}`: what was erased — all
/// zero (and `contacts` false) when there was nothing left to erase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientErased {
    pub contacts: bool,
    pub consents: u32,
    pub visits: u32,
    pub leads: u32,
    /// Messages whose words were erased, over all the client's dialogs.
    pub messages: u32,
}

impl ClientErased {
    /// Whether the request changed anything.
    pub fn anything(&self) -> bool {
        self.contacts || self.consents + self.visits + self.leads + self.messages > 0
    }
}

/// A client may be erased once none of their conversations goes on: an
/// open one would take new words right after.
pub fn may_erase<'a>(dialogs: impl IntoIterator<Item = &'a Dialog>) -> Result<(), ProtocolError> {
    match dialogs.into_iter().find(|d| d.finished_at.is_none()) {
        Some(open) => Err(ProtocolError::new(
            ErrorCode::Conflict,
            format!(
                "the client's dialog '{}' is not finished: close it first",
                open.id
            ),
        )),
        None => Ok(()),
    }
}

/// What an audited action was (X9: who did what to a client's data, and
/// when, kept by the line for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The client's data was downloaded (the right of access).
    Export,
    /// The client's data was erased (the right to erasure).
    Erase,
    /// Another client was merged into this one (C1); `detail` names it.
    Merge,
    /// A dialog's words were erased for their age (S3's retention);
    /// `detail` names the dialog, `by` is `retention`.
    Expire,
}

impl AuditAction {
    /// Every action, as stored.
    pub const ALL: [AuditAction; 4] = [
        AuditAction::Export,
        AuditAction::Erase,
        AuditAction::Merge,
        AuditAction::Expire,
    ];

    /// The action a stored name stands for.
    pub fn named(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The name stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
            AuditAction::Merge => "merge",
            AuditAction::Expire => "expire",
        }
    }
}

/// One entry of the line's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub at: Millis,
    /// The account that did it.
    pub by: String,
    pub action: AuditAction,
    pub client: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `GET /api/v1/lines/{line}/audit`: newest first, at most [`AuditLog::MAX`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

impl AuditLog {
    pub const MAX: u32 = 500;
}
