//! C2–C5: the line's leads, kept in its storage. The core decides whether
//! a lead may be made and what it holds (`openline_core::leads`); this
//! reads what it needs (the chat, the client's contacts and page), stores
//! the lead, and answers who may see and change which.

use super::schema::ContactRow;
use super::LineObject;
use crate::api::internal;
use crate::calls::{ChangeLead, CreateLead, LeadAsker, ListLeads, ShowLead};
use crate::clock;
use crate::ids;
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::leads::{Lead, LeadChanged, LeadList, LeadSource, LeadView};
use openline_core::line::Dialog;
use openline_core::protocol::History;
use openline_core::webhooks::{HookData, HookKind};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{Method, SqlStorageValue as V};

#[derive(Deserialize)]
struct LeadRow {
    state: String,
}

#[derive(Deserialize)]
struct PageRow {
    url: Option<String>,
}

fn parse(found: Vec<LeadRow>) -> Vec<Lead> {
    found
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.state).ok())
        .collect()
}

fn not_found(lead: &str) -> ProtocolError {
    ProtocolError::new(
        ErrorCode::NotFound,
        format!("no lead '{lead}' on this line"),
    )
}

impl LineObject {
    /// C2: an operator makes a lead from a chat they may read.
    pub(super) async fn create_lead(&self, ask: &CreateLead) -> Result<Lead, ProtocolError> {
        self.load()?;
        let dialog = self.dialog_record(&ask.dialog)?;
        if !dialog.readable_by(&ask.by.operator, ask.by.supervisor) {
            return Err(ProtocolError::new(
                ErrorCode::Forbidden,
                "this dialog is not offered to you or held by you",
            ));
        }
        self.make_lead(&dialog, Some(&ask.by.operator))
    }

    /// C2 auto: the client left contacts; a line that makes leads by itself
    /// makes one for their chat unless they have one open. A chat without
    /// a way to answer makes none, silently (the next contacts may).
    pub(super) fn lead_on_contacts(&self, client: &str) {
        let dialog = {
            let guard = self.line.borrow();
            let Some((_, line)) = guard.as_ref() else {
                return;
            };
            if line.settings().leads != openline_core::leads::LeadMode::Auto {
                return;
            }
            line.dialog_for_client(client).ok().cloned()
        };
        if let Some(d) = dialog {
            if let Err(e) = self.make_lead(&d, None) {
                if e.code == ErrorCode::Internal {
                    crate::logs::error("line", "lead_failed", None, Some(&d.id), &e.message);
                }
            }
        }
    }

    fn make_lead(&self, dialog: &Dialog, by: Option<&str>) -> Result<Lead, ProtocolError> {
        let sql = self.sql();
        let client = V::from(dialog.client.as_str());
        let contacts: Vec<ContactRow> = rows(
            &sql,
            "SELECT name, email, phone FROM client_contacts WHERE client = ?",
            vec![client.clone()],
        )?;
        let contacts = contacts.into_iter().next().map(ContactRow::contacts);
        let page: Vec<PageRow> = rows(
            &sql,
            "SELECT json_extract(visit, '$.page.url') AS url FROM client_visits WHERE client = ? ORDER BY id DESC LIMIT 1",
            vec![client.clone()],
        )?;
        let page = page.into_iter().next().and_then(|p| p.url);
        let open = parse(rows(
            &sql,
            "SELECT state FROM leads WHERE client = ? AND status IN ('new', 'in_progress') LIMIT 1",
            vec![client],
        )?);
        let (mode, line) = {
            let guard = self.line.borrow();
            let (id, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            (line.settings().leads, id.clone())
        };
        let source = LeadSource {
            line: &line,
            dialog,
            contacts: contacts.as_ref(),
            page: page.as_deref(),
            by,
        };
        let id = format!("l-{}", ids::random_hex(8).map_err(internal)?);
        let now = clock::core_now(&self.env);
        let lead = Lead::from_chat(mode, source, open.first(), id, now)?;
        self.put_lead(&lead)?;
        self.hook_lead(HookKind::LeadCreated, &lead);
        Ok(lead)
    }

    fn put_lead(&self, lead: &Lead) -> Result<(), ProtocolError> {
        run(
            &self.sql(),
            "INSERT OR REPLACE INTO leads (id, client, status, responsible, created_at, state) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                V::from(lead.id.as_str()),
                V::from(lead.client.as_str()),
                V::from(lead.status.name()),
                V::from(lead.responsible.clone()),
                V::from(lead.created_at),
                V::from(serde_json::to_string(lead).map_err(internal)?),
            ],
        )
    }

    /// A lead the asker may see: supervisors every one, an operator those
    /// they are responsible for. Another's lead is `not_found`, as if it
    /// did not exist.
    fn lead_for(&self, lead: &str, by: &LeadAsker) -> Result<Lead, ProtocolError> {
        let found = parse(rows(
            &self.sql(),
            "SELECT state FROM leads WHERE id = ?",
            vec![V::from(lead)],
        )?);
        found
            .into_iter()
            .next()
            .filter(|l| by.supervisor || l.responsible.as_deref() == Some(by.operator.as_str()))
            .ok_or_else(|| not_found(lead))
    }

    /// The leads the asker may see, newest first (at most 500).
    pub(super) fn list_leads(&self, ask: &ListLeads) -> Result<LeadList, ProtocolError> {
        self.load()?;
        let status = ask.status.map(|s| s.name());
        let mine = (!ask.by.supervisor).then_some(ask.by.operator.as_str());
        let leads = parse(rows(
            &self.sql(),
            "SELECT state FROM leads WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR responsible = ?2)
             ORDER BY created_at DESC LIMIT 500",
            vec![V::from(status), V::from(mine)],
        )?);
        Ok(LeadList { leads })
    }

    /// One lead with its transcript (C2: the lead carries the chat).
    pub(super) async fn show_lead(&self, ask: &ShowLead) -> Result<LeadView, ProtocolError> {
        self.load()?;
        let lead = self.lead_for(&ask.lead, &ask.by)?;
        let stub = rpc::dialog_stub(&self.env, &lead.dialog)?;
        let transcript: History =
            rpc::call_json(&stub, Method::Get, "/transcript?after=0", None::<&()>).await?;
        Ok(LeadView { lead, transcript })
    }

    /// C5: a lead's status or responsible person changed by hand — by a
    /// supervisor or the one responsible; the new responsible must work on
    /// the line.
    pub(super) fn change_lead(&self, ask: &ChangeLead) -> Result<LeadChanged, ProtocolError> {
        self.load()?;
        let mut lead = self.lead_for(&ask.lead, &ask.by)?;
        let changed = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let works_here = |a: &str| line.operator(a).is_some();
            lead.apply(&ask.patch, works_here, clock::core_now(&self.env))?
        };
        if changed {
            self.put_lead(&lead)?;
            self.hook_lead(HookKind::LeadUpdated, &lead);
        }
        Ok(LeadChanged { lead, changed })
    }

    /// Integrations hear of a lead made or changed, as it now is.
    fn hook_lead(&self, kind: HookKind, lead: &Lead) {
        let data = HookData {
            dialog: Some(lead.dialog.clone()),
            client: Some(lead.client.clone()),
            lead: Some(lead.clone()),
            ..Default::default()
        };
        self.hook(Some((kind, data)));
    }

    /// A dialog's record, live or archived.
    pub(super) fn dialog_record(&self, dialog: &str) -> Result<Dialog, ProtocolError> {
        let live = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            line.dialog(dialog).cloned()
        };
        match live {
            Some(d) => Ok(d),
            None => self.archived(dialog)?.ok_or_else(|| {
                ProtocolError::new(
                    ErrorCode::NotFound,
                    format!("no dialog '{dialog}' on this line"),
                )
            }),
        }
    }
}
