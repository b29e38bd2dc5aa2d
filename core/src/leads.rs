//! C2–C5: leads — a sales contact made from a chat. A line creates them by
//! itself, on an operator's action, or never (its setting); a lead exists
//! only when the client can be answered (C3: an e-mail or a phone); it
//! carries the client's name and contacts, the dialog (its transcript) and
//! where the client wrote from (C4); its responsible person is set once,
//! when it is created from the chat — the chat's operator (C5) — and is
//! changed afterwards only by hand.

use crate::consent::Contacts;
use crate::line::Dialog;
use crate::{ErrorCode, Millis, ProtocolError};
use serde::{Deserialize, Serialize};

/// Per line: how leads come to be (C2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadMode {
    /// A client without an open lead becomes one as soon as they can be
    /// answered (they left an e-mail or a phone).
    Auto,
    /// Only when an operator creates it from the chat.
    #[default]
    Manual,
    /// The line makes no leads.
    Never,
}

/// Where a lead is in the sales process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    InProgress,
    Won,
    Lost,
}

impl LeadStatus {
    /// Every status, in the order of the sales process.
    pub const ALL: [LeadStatus; 4] = [
        LeadStatus::New,
        LeadStatus::InProgress,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];

    /// The status a wire name stands for.
    pub fn named(name: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Still being worked on: a client has at most one such lead per line.
    pub fn open(self) -> bool {
        matches!(self, LeadStatus::New | LeadStatus::InProgress)
    }

    /// The wire name (`in_progress`…), for storage filters.
    pub fn name(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::InProgress => "in_progress",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
        }
    }
}

/// A lead as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Lead {
    pub id: String,
    pub line: String,
    /// The chat it was made from; its transcript is the lead's.
    pub dialog: String,
    pub client: String,
    /// The client's name and contacts as they were left in the chat.
    pub contacts: Contacts,
    /// C4: the channel the client wrote from (`widget`, `telegram`).
    #[serde(default)]
    pub channel: crate::channels::ChannelKind,
    /// C4: the page the client was on when the chat began.
    #[serde(default)]
    pub page: Option<String>,
    pub status: LeadStatus,
    /// C5: who works on it — the chat's operator when it was made.
    #[serde(default)]
    pub responsible: Option<String>,
    /// Who made it: an operator's id, or None when the line did (auto).
    #[serde(default)]
    pub created_by: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What a new lead is made from: the chat, the contacts the client left,
/// the page, and who asks (None: the line by itself, C2 auto).
pub struct LeadSource<'a> {
    pub line: &'a str,
    pub dialog: &'a Dialog,
    pub contacts: Option<&'a Contacts>,
    pub page: Option<&'a str>,
    pub by: Option<&'a str>,
}

impl Lead {
    /// C2–C5: a lead from a chat, or why not: leads off on this line (or
    /// not automatic when the line asks by itself), the client already has
    /// an open lead here (`open`), or no way to answer them (C3).
    pub fn from_chat(
        mode: LeadMode,
        source: LeadSource,
        open: Option<&Lead>,
        id: String,
        now: Millis,
    ) -> Result<Lead, ProtocolError> {
        match (mode, source.by) {
            (LeadMode::Never, _) => {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "this line makes no leads (its settings)",
                ))
            }
            (LeadMode::Manual, None) => {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "this line makes leads only when an operator asks",
                ))
            }
            _ => {}
        }
        if let Some(lead) = open {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                format!("the client already has an open lead: {}", lead.id),
            ));
        }
        // C3: a way to answer the client — an e-mail or phone, or a
        // channel that writes to them (a Telegram chat).
        let channel = source.dialog.channel;
        let contacts = source
            .contacts
            .map(Contacts::normalized)
            .or_else(|| channel.answers_back().then(Contacts::default))
            .filter(|c| channel.answers_back() || c.email.is_some() || c.phone.is_some())
            .ok_or_else(|| {
                ProtocolError::new(
                    ErrorCode::NoContact,
                    "the client left no e-mail or phone to be answered at",
                )
            })?;
        Ok(Lead {
            id,
            line: source.line.to_owned(),
            dialog: source.dialog.id.clone(),
            client: source.dialog.client.clone(),
            contacts,
            channel,
            page: source.page.map(str::to_owned),
            status: LeadStatus::New,
            // C5: the chat's operator; else whoever made it.
            responsible: source
                .dialog
                .status
                .owner()
                .or(source.by)
                .map(str::to_owned),
            created_by: source.by.map(str::to_owned),
            created_at: now,
            updated_at: now,
        })
    }

    /// Applies a change; whether anything changed (a change to what is
    /// already there is none). `may_be_responsible` says whether an account
    /// may take the lead (works on the line).
    pub fn apply(
        &mut self,
        patch: &LeadPatch,
        may_be_responsible: impl Fn(&str) -> bool,
        now: Millis,
    ) -> Result<bool, ProtocolError> {
        if let Some(r) = &patch.responsible {
            if !may_be_responsible(r) {
                return Err(ProtocolError::new(
                    ErrorCode::InvalidField,
                    format!("responsible: '{r}' does not work on this line"),
                ));
            }
        }
        let mut changed = false;
        if let Some(status) = patch.status.filter(|s| *s != self.status) {
            self.status = status;
            changed = true;
        }
        if let Some(r) = patch
            .responsible
            .as_ref()
            .filter(|r| self.responsible.as_ref() != Some(*r))
        {
            self.responsible = Some(r.clone());
            changed = true;
        }
        if changed {
            self.updated_at = now;
        }
        Ok(changed)
    }
}

/// `PATCH …/leads/{lead}`: what to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeadPatch {
    #[serde(default)]
    pub status: Option<LeadStatus>,
    /// An account id that works on the line.
    #[serde(default)]
    pub responsible: Option<String>,
}

/// `PATCH …/leads/{lead}`: the lead, and whether the request changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeadChanged {
    pub lead: Lead,
    pub changed: bool,
}

/// `GET …/leads/{lead}`: the lead and its transcript — the chat as the
/// client saw it (no hidden notes), at most its first 500 messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeadView {
    pub lead: Lead,
    pub transcript: crate::protocol::History,
}

/// `GET …/leads`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeadList {
    pub leads: Vec<Lead>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::{Party, Status};

    fn dialog(owner: Option<&str>) -> Dialog {
        let mut d: Dialog = serde_json::from_value(serde_json::json!({
            "id": "d1", "client": "c1", "opened_at": 0, "status": {"state": "queued"},
            "invited": [], "tried": [], "waiting_since": 0, "previous_operator": null,
            "first_answer_at": null, "awaiting_answer_since": null,
            "client_rating": null, "supervisor_rating": null
        }))
        .unwrap();
        if let Some(o) = owner {
            d.status = Status::Active {
                operator: o.into(),
                answered: true,
                waiting_for: Party::Client,
            };
        }
        d
    }

    fn email() -> Contacts {
        Contacts {
            name: Some(" Olga ".into()),
            email: Some("olga@example.com".into()),
            phone: Some("  ".into()),
        }
    }

    fn source<'a>(d: &'a Dialog, c: Option<&'a Contacts>, by: Option<&'a str>) -> LeadSource<'a> {
        LeadSource {
            line: "demo",
            dialog: d,
            contacts: c,
            page: Some("https://shop.example/teas"),
            by,
        }
    }

    #[test]
    fn c2_c5_a_lead_from_the_chat_goes_to_the_chats_operator_and_carries_the_contacts() {
        let d = dialog(Some("anna"));
        let c = email();
        let lead = Lead::from_chat(
            LeadMode::Manual,
            source(&d, Some(&c), Some("sveta")),
            None,
            "l1".into(),
            5,
        )
        .unwrap();
        assert_eq!(
            lead.responsible.as_deref(),
            Some("anna"),
            "C5: the chat's operator"
        );
        assert_eq!(lead.created_by.as_deref(), Some("sveta"));
        assert_eq!(lead.contacts.name.as_deref(), Some("Olga"));
        assert_eq!(lead.contacts.phone, None, "a blank phone is none");
        assert_eq!(
            (lead.status, lead.channel),
            (LeadStatus::New, crate::channels::ChannelKind::Widget)
        );
        assert_eq!(lead.page.as_deref(), Some("https://shop.example/teas"));
        let auto = Lead::from_chat(
            LeadMode::Auto,
            source(&dialog(None), Some(&c), None),
            None,
            "l2".into(),
            5,
        )
        .unwrap();
        assert_eq!(
            (auto.responsible, auto.created_by),
            (None, None),
            "nobody took the chat yet"
        );
    }

    #[test]
    fn c3_no_lead_without_a_way_to_answer_nor_a_second_open_one_nor_against_the_lines_mode() {
        let d = dialog(Some("anna"));
        let name_only = Contacts {
            name: Some("Olga".into()),
            email: None,
            phone: None,
        };
        for c in [None, Some(&name_only)] {
            let e = Lead::from_chat(
                LeadMode::Auto,
                source(&d, c, Some("anna")),
                None,
                "l".into(),
                0,
            )
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::NoContact);
        }
        // A Telegram client can be answered in their chat, contacts or not.
        let mut chat = dialog(Some("anna"));
        chat.channel = crate::channels::ChannelKind::Telegram;
        for c in [None, Some(&name_only)] {
            let lead = Lead::from_chat(
                LeadMode::Auto,
                source(&chat, c, Some("anna")),
                None,
                "t".into(),
                0,
            )
            .unwrap();
            assert_eq!(lead.channel, crate::channels::ChannelKind::Telegram);
        }
        let c = email();
        let first = Lead::from_chat(
            LeadMode::Auto,
            source(&d, Some(&c), None),
            None,
            "l1".into(),
            0,
        )
        .unwrap();
        let e = Lead::from_chat(
            LeadMode::Auto,
            source(&d, Some(&c), Some("anna")),
            Some(&first),
            "l2".into(),
            0,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert!(e.message.contains("l1"));
        let never = Lead::from_chat(
            LeadMode::Never,
            source(&d, Some(&c), Some("anna")),
            None,
            "l".into(),
            0,
        );
        assert_eq!(never.unwrap_err().code, ErrorCode::Forbidden);
        let not_auto = Lead::from_chat(
            LeadMode::Manual,
            source(&d, Some(&c), None),
            None,
            "l".into(),
            0,
        );
        assert_eq!(
            not_auto.unwrap_err().code,
            ErrorCode::Forbidden,
            "manual: the line does not make them itself"
        );
    }

    #[test]
    fn a_change_to_what_is_there_changes_nothing_and_the_responsible_works_on_the_line() {
        let d = dialog(Some("anna"));
        let c = email();
        let mut lead = Lead::from_chat(
            LeadMode::Manual,
            source(&d, Some(&c), Some("anna")),
            None,
            "l1".into(),
            1,
        )
        .unwrap();
        let works = |a: &str| a == "anna" || a == "boris";
        let same = LeadPatch {
            status: Some(LeadStatus::New),
            responsible: Some("anna".into()),
        };
        assert!(!lead.apply(&same, works, 2).unwrap());
        assert_eq!(lead.updated_at, 1);
        let won = LeadPatch {
            status: Some(LeadStatus::Won),
            responsible: Some("boris".into()),
        };
        assert!(lead.apply(&won, works, 3).unwrap());
        assert_eq!(
            (lead.status, lead.responsible.as_deref(), lead.updated_at),
            (LeadStatus::Won, Some("boris"), 3)
        );
        assert!(!lead.status.open());
        let stranger = LeadPatch {
            status: Some(LeadStatus::Lost),
            responsible: Some("mallory".into()),
        };
        assert_eq!(
            lead.apply(&stranger, works, 4).unwrap_err().code,
            ErrorCode::InvalidField
        );
        assert_eq!(
            lead.status,
            LeadStatus::Won,
            "a refused change changes nothing"
        );
    }
}
