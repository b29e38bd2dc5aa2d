//! GDPR for one client of the line: export everything kept of them, or
//! erase their personal data (rules and shapes in `openline_core::privacy`).

use super::schema::{ConsentRow, ContactRow, VisitRow};
use super::LineObject;
use crate::api::internal;
use crate::calls::{EraseClient, EraseWords, ExportClient};
use crate::clock;
use crate::rpc;
use crate::sql::{rows, run, written};
use openline_core::leads::Lead;
use openline_core::privacy::{
    self, AuditAction, AuditEntry, AuditLog, ClientErased, ClientExport, DialogExport,
};
use openline_core::protocol::History;
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{Method, SqlStorageValue as V};

#[derive(Deserialize)]
struct LeadState {
    state: String,
}

impl LineObject {
    /// The client's leads, oldest first.
    pub(super) fn leads_of(&self, client: &str) -> Result<Vec<Lead>, ProtocolError> {
        let leads: Vec<LeadState> = rows(
            &self.sql(),
            "SELECT state FROM leads WHERE client = ? ORDER BY created_at",
            vec![V::from(client)],
        )?;
        Ok(leads
            .into_iter()
            .filter_map(|r| serde_json::from_str(&r.state).ok())
            .collect())
    }

    /// The right of access: one document of everything kept of the client.
    pub(super) async fn export_client(
        &self,
        ask: &ExportClient,
    ) -> Result<ClientExport, ProtocolError> {
        self.load()?;
        let c = V::from(ask.client.as_str());
        let sql = self.sql();
        let contacts: Vec<ContactRow> = rows(
            &sql,
            "SELECT name, email, phone FROM client_contacts WHERE client = ?",
            vec![c.clone()],
        )?;
        let consents: Vec<ConsentRow> = rows(
            &sql,
            "SELECT client, version, text, at FROM consents WHERE client = ? ORDER BY id",
            vec![c.clone()],
        )?;
        let visits: Vec<VisitRow> = rows(
            &sql,
            "SELECT visit FROM client_visits WHERE client = ? ORDER BY id DESC",
            vec![c.clone()],
        )?;
        let leads = self.leads_of(&ask.client)?;
        let mut dialogs = Vec::new();
        for dialog in self.dialogs_of(&ask.client)? {
            let stub = rpc::dialog_stub(&self.env, &dialog.id)?;
            let mut messages = Vec::new();
            loop {
                let after = messages
                    .last()
                    .map_or(0, |m: &openline_core::protocol::ChatMessage| m.seq);
                let page: History = rpc::call_json(
                    &stub,
                    Method::Get,
                    &format!("/operator-history?after={after}"),
                    None::<&()>,
                )
                .await?;
                messages.extend(page.messages);
                if !page.more {
                    break;
                }
            }
            dialogs.push(DialogExport { dialog, messages });
        }
        if contacts.is_empty() && consents.is_empty() && visits.is_empty() && dialogs.is_empty() {
            return Err(ProtocolError::new(
                ErrorCode::ClientNotFound,
                "this line keeps nothing of that client",
            ));
        }
        self.audit(AuditAction::Export, &ask.by, &ask.client, None)?;
        Ok(ClientExport {
            client: ask.client.clone(),
            line: self.line_id(),
            exported_at: clock::real_now(),
            contacts: contacts.into_iter().next().map(ContactRow::contacts),
            consents: consents.into_iter().map(ConsentRow::record).collect(),
            visits: visits
                .into_iter()
                .filter_map(|r| serde_json::from_str(&r.visit).ok())
                .collect(),
            leads,
            dialogs,
        })
    }

    /// The right to erasure, once none of the client's dialogs goes on.
    pub(super) async fn erase_client(
        &self,
        ask: &EraseClient,
    ) -> Result<ClientErased, ProtocolError> {
        self.load()?;
        let dialogs = self.dialogs_of(&ask.client)?;
        privacy::may_erase(&dialogs)?;
        let mut erased = ClientErased::default();
        // What the client wrote in their ratings: in the live state by a
        // step of the machine, in the archive in place.
        let client = ask.client.clone();
        let mut comments = 0;
        self.step(|line| {
            comments = line.erase_rating_comments(&client);
            Ok(Vec::new())
        })
        .await?;
        comments += written(
            &self.sql(),
            "UPDATE dialog_archive SET state = json_remove(state, '$.client_rating.comment')
             WHERE client = ? AND json_extract(state, '$.client_rating.comment') IS NOT NULL",
            vec![V::from(ask.client.as_str())],
        )? as u32;
        erased.messages += comments;
        for d in &dialogs {
            let stub = rpc::dialog_stub(&self.env, &d.id)?;
            erased.messages += rpc::invoke(&stub, &EraseWords {}).await?.messages;
        }
        let sql = self.sql();
        let c = || V::from(ask.client.as_str());
        let count = |table: &str| -> Result<u32, ProtocolError> {
            Ok(written(
                &sql,
                &format!("DELETE FROM {table} WHERE client = ?"),
                vec![c()],
            )? as u32)
        };
        erased.contacts = count("client_contacts")? > 0;
        erased.consents = count("consents")?;
        erased.visits = count("client_visits")?;
        erased.leads = count("leads")?;
        let ids = serde_json::to_string(&dialogs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>())
            .map_err(internal)?;
        for table in ["message_index", "dialog_previews", "offline_mails"] {
            run(
                &sql,
                &format!("DELETE FROM {table} WHERE dialog IN (SELECT value FROM json_each(?))"),
                vec![V::from(ids.as_str())],
            )?;
        }
        if erased.anything() {
            self.audit(AuditAction::Erase, &ask.by, &ask.client, None)?;
        }
        Ok(erased)
    }

    /// X9: notes who did what to a client's data.
    pub(super) fn audit(
        &self,
        action: AuditAction,
        by: &str,
        client: &str,
        detail: Option<&str>,
    ) -> Result<(), ProtocolError> {
        run(
            &self.sql(),
            "INSERT INTO audit (at, by, action, client, detail) VALUES (?, ?, ?, ?, ?)",
            vec![
                V::from(clock::real_now()),
                V::from(by),
                V::from(action.name()),
                V::from(client),
                V::from(detail),
            ],
        )
    }

    /// X9: the audit log, newest first.
    pub(super) fn audit_log(&self) -> Result<AuditLog, ProtocolError> {
        self.load()?;
        let found: Vec<AuditRow> = rows(
            &self.sql(),
            &format!(
                "SELECT at, by, action, client, detail FROM audit ORDER BY id DESC LIMIT {}",
                AuditLog::MAX
            ),
            vec![],
        )?;
        let entries = found
            .into_iter()
            .filter_map(|r| {
                let action = AuditAction::named(&r.action)?;
                Some(AuditEntry {
                    at: r.at,
                    by: r.by,
                    action,
                    client: r.client,
                    detail: r.detail,
                })
            })
            .collect();
        Ok(AuditLog { entries })
    }
}

#[derive(Deserialize)]
struct AuditRow {
    at: i64,
    by: String,
    action: String,
    client: String,
    detail: Option<String>,
}
