//! Bodies of the HTTP API's requests that have no other home in the core.
//! The edge reads them, and `docs/openapi.json` describes them from these
//! very types (`src/bin/openapi.rs`), so the description cannot drift.

use crate::consent::Contacts;
use crate::line::TransferTarget;
use crate::operator::Presence;
use crate::quick_answers::QuickAnswerInput;
use serde::{Deserialize, Serialize};

/// `POST …/dialogs/{id}/transfer` (Q9): to an operator or another line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferRequest {
    pub to: TransferTarget,
}

/// `POST …/dialogs/{id}/invite` (Q10): an operator asked to join.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InviteRequest {
    /// The account id of the invited operator.
    pub operator: String,
}

/// A rating of a dialog: the visitor's (`POST /api/v1/visitor/rating`, R1)
/// or a supervisor's (`POST …/dialogs/{id}/rating`, R2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RateDialog {
    /// 1 to 5.
    pub score: u8,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST …/dialogs/{id}/messages`: an operator's message (the console
/// sends the same over its socket).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorMessageRequest {
    /// Chosen by the console; a resend with the same id is stored once.
    pub client_id: String,
    pub text: String,
    /// Q11: a note for operators only.
    #[serde(default)]
    pub hidden: bool,
}

/// `PUT …/presence`: the operator's own presence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PresenceUpdate {
    pub presence: Presence,
}

/// `PUT …/working-day` (work-time tracking): start or end the day.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkingDayUpdate {
    pub started: bool,
}

/// `POST /api/v1/visitor/contacts` (F2, F4, H4): the contacts a visitor
/// leaves, with the version of the consent text they agreed to (A1).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeaveContacts {
    #[serde(flatten)]
    pub contacts: Contacts,
    /// Required when the line asks for consent.
    #[serde(default)]
    pub consent_version: Option<u32>,
}

/// `POST /api/v1/visitor/email-copy` (F3): where to send a copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EmailCopyRequest {
    pub email: String,
    /// The visitor's IANA time zone (the browser's), for the times in the
    /// copy; without it (or when unknown) the line's working-hours zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// `POST /api/v1/lines`: a new line with default settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewLine {
    /// Lower-case letters, digits and `-`; part of every URL of the line.
    pub id: String,
    /// L1: empty or absent: the company's name.
    #[serde(default)]
    pub name: String,
}

/// `PUT …/departments/{department}` (Q1): the members in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DepartmentMembers {
    pub members: Vec<String>,
}

/// `POST …/quick-answers` (QA1): one quick answer, or many at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum QuickAnswerCreate {
    Many { items: Vec<QuickAnswerInput> },
    One(QuickAnswerInput),
}

/// `PATCH /api/v1/me` (O1): what anyone changes about themselves — the
/// name and position clients see, and where their notices are mailed
/// (`""` removes the address). Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProfilePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// `PUT /api/v1/lines/{line}/quick-answer-groups/{group}` (QA1): the
/// group's new name (an existing group's name merges the two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupRename {
    pub name: String,
    /// The deployment's shared group of that name, not the line's.
    #[serde(default)]
    pub shared: bool,
}
