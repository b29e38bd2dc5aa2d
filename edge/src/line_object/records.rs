//! What the line keeps besides routing (quick answers are
//! `crate::quick_store`'s): the contacts
//! clients left and the consents they gave (A1), the client card (C1), and
//! the dialog list with each row's client and last message.

use super::schema::{ClientContactRow, ConsentRow, ContactRow, PreviewRow, VisitRow};
use super::{ContactsLeft, LineObject};
use crate::api::{internal, json, ApiResult};
use crate::calls::{ListDialogs, MergeClients, RecordVisit};
use crate::clock;
use crate::sql::{rows, run};
use openline_core::client_merge::{
    likeness, merge_order, phone_digits, proven, Merged, SimilarClient,
};
use openline_core::consent::Contacts;
use openline_core::line::Event;
use openline_core::privacy::AuditAction;
use openline_core::protocol::{Author, ChatMessage};
use openline_core::replies::{Ack, ClientCard, ConsentLog, DialogList, DialogPreview};
use openline_core::{ErrorCode, ProtocolError};
use worker::SqlStorageValue as V;

impl LineObject {
    /// F2/F4/H4: stores the contacts a client left and the consent (A1).
    pub(super) async fn contacts_left(&self, body: ContactsLeft) -> ApiResult {
        self.load()?;
        // The core's normal form: trimmed, and an empty field is
        // absent, so it never overwrites a stored value (COALESCE).
        let contacts = body.contacts.normalized();
        let sql = self.sql();
        run(
            &sql,
            "INSERT INTO client_contacts (client, name, email, phone, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(client) DO UPDATE SET name = COALESCE(excluded.name, name), email = COALESCE(excluded.email, email),
             phone = COALESCE(excluded.phone, phone), updated_at = excluded.updated_at",
            vec![V::from(body.client.as_str()), V::from(contacts.name.clone()), V::from(contacts.email.clone()), V::from(contacts.phone.clone()), V::from(clock::real_now())],
        )?;
        if !contacts.is_empty() {
            self.hook(Some((
                openline_core::webhooks::HookKind::ContactsLeft,
                openline_core::webhooks::HookData {
                    client: Some(body.client.clone()),
                    dialog: self.last_dialog_of(&body.client),
                    contacts: Some(contacts.clone()),
                    ..Default::default()
                },
            )));
        }
        self.lead_on_contacts(&body.client);
        // F4/H4: left in the form while nobody holds the dialog, the line's
        // operators hear of it (the core decides; a finished dialog is not
        // an error here: the contacts are kept all the same).
        if body.form && !contacts.is_empty() {
            if let Some(dialog) = self.last_dialog_of(&body.client) {
                let now = clock::core_now(&self.env);
                let event = Event::ContactsLeft { dialog };
                if let Ok(fx) = self.step(|line| Ok(line.handle(now, event)?)).await {
                    self.apply(fx).await;
                }
            }
        }
        if let Some(c) = body.consent {
            run(
                &sql,
                "INSERT INTO consents (client, version, text, at) VALUES (?, ?, ?, ?)",
                vec![
                    V::from(c.client),
                    V::from(c.version as i64),
                    V::from(c.text),
                    V::from(c.at),
                ],
            )?;
        }
        json(200, &Ack::DONE)
    }

    /// A1: the line's consent log, newest first.
    /// C1: the anonymous client's card joins the verified one: contacts
    /// the verified card lacks are taken from it, and the consents given
    /// move with them (the same person gave them).
    pub(super) fn merge_records(&self, from: &str, into: &str) -> Result<(), ProtocolError> {
        let sql = self.sql();
        run(
            &sql,
            "INSERT INTO client_contacts (client, name, email, phone, updated_at)
               SELECT ?, name, email, phone, updated_at FROM client_contacts WHERE client = ?
             ON CONFLICT(client) DO UPDATE SET name = COALESCE(name, excluded.name),
               email = COALESCE(email, excluded.email), phone = COALESCE(phone, excluded.phone)",
            vec![V::from(into), V::from(from)],
        )?;
        run(
            &sql,
            "DELETE FROM client_contacts WHERE client = ?",
            vec![V::from(from)],
        )?;
        run(
            &sql,
            "UPDATE client_visits SET client = ? WHERE client = ?",
            vec![V::from(into), V::from(from)],
        )?;
        run(
            &sql,
            "UPDATE consents SET client = ? WHERE client = ?",
            vec![V::from(into), V::from(from)],
        )?;
        self.merge_archive(from, into)
    }

    /// C1 by hand: the two clients are one person (`core::client_merge`
    /// says who may say so and which id stays); the line's machine moves
    /// the record and dialogs, `merge_records` the rest.
    pub(super) async fn merge_clients(&self, ask: &MergeClients) -> Result<Merged, ProtocolError> {
        self.load()?;
        let known = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            line.client(&ask.client).is_some() && line.client(&ask.with).is_some()
        };
        if !known {
            return Err(ProtocolError::new(
                ErrorCode::ClientNotFound,
                "no such client on this line",
            ));
        }
        let (a, b) = (self.contacts_of(&ask.client)?, self.contacts_of(&ask.with)?);
        let (from, into) = merge_order(&ask.client, &ask.with, likeness(&a, &b), ask.supervisor)?;
        let now = clock::core_now(&self.env);
        let event = Event::MergeClient {
            from: from.clone(),
            into: into.clone(),
        };
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        self.apply(fx).await;
        self.audit(AuditAction::Merge, &ask.by, &into, Some(&from))?;
        Ok(Merged {
            client: into,
            merged: from,
        })
    }

    pub(super) fn contacts_of(&self, client: &str) -> Result<Contacts, ProtocolError> {
        let found: Vec<ContactRow> = rows(
            &self.sql(),
            "SELECT name, email, phone FROM client_contacts WHERE client = ?",
            vec![V::from(client)],
        )?;
        Ok(found
            .into_iter()
            .next()
            .map(ContactRow::contacts)
            .unwrap_or_default())
    }

    /// C1: the line's other clients who left the same e-mail or phone (a
    /// coarse match in SQL, the exact rule in the core), at most 20.
    fn similar(&self, client: &str, mine: &Contacts) -> Result<Vec<SimilarClient>, ProtocolError> {
        let email = mine.email.as_deref().map(|e| e.trim().to_lowercase());
        let phone = mine.phone.as_deref().map(phone_digits).unwrap_or_default();
        if email.is_none() && phone.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<ClientContactRow> = rows(
            &self.sql(),
            "SELECT client, name, email, phone FROM client_contacts WHERE client != ?1 AND
               (lower(trim(email)) = ?2 OR (?3 != '' AND replace(replace(replace(replace(replace(replace(
                 phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '') = ?3)) LIMIT 20",
            vec![V::from(client), V::from(email), V::from(phone)],
        )?;
        Ok(found
            .into_iter()
            .filter_map(|r| {
                let contacts = Contacts {
                    name: r.name,
                    email: r.email,
                    phone: r.phone,
                };
                // Two proven identities never merge: not proposed.
                if proven(client) && proven(&r.client) {
                    return None;
                }
                let by = likeness(mine, &contacts)?;
                Some(SimilarClient {
                    client: r.client,
                    contacts,
                    by,
                })
            })
            .collect())
    }

    /// Keeps a client's page view; only the newest 50 per client stay.
    pub(super) fn record_visit(&self, ask: &RecordVisit) -> Result<(), ProtocolError> {
        let sql = self.sql();
        let visit = serde_json::to_string(&ask.visit).map_err(internal)?;
        run(
            &sql,
            "INSERT INTO client_visits (client, at, visit) VALUES (?, ?, ?)",
            vec![
                V::from(ask.client.as_str()),
                V::from(ask.visit.at),
                V::from(visit),
            ],
        )?;
        run(
            &sql,
            "DELETE FROM client_visits WHERE client = ? AND id NOT IN
               (SELECT id FROM client_visits WHERE client = ? ORDER BY id DESC LIMIT 50)",
            vec![V::from(ask.client.as_str()), V::from(ask.client.as_str())],
        )
    }

    pub(super) fn consents(&self) -> ApiResult {
        self.load()?;
        let c: Vec<ConsentRow> = rows(
            &self.sql(),
            "SELECT client, version, text, at FROM consents ORDER BY id DESC LIMIT 1000",
            vec![],
        )?;
        let consents = c.into_iter().map(ConsentRow::record).collect();
        json(200, &ConsentLog { consents })
    }

    /// C1/C6: what the line knows of one client; `by` (the caller) sees
    /// their own leads of the client, all of them with `all=1`.
    pub(super) fn card(&self, p: &str, url: &worker::Url) -> ApiResult {
        let client = p.trim_start_matches("/card/").to_owned();
        let asked = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        let (by, all) = (
            asked("by").unwrap_or_default(),
            asked("all").as_deref() == Some("1"),
        );
        self.load()?;
        let contacts: Vec<ContactRow> = rows(
            &self.sql(),
            "SELECT name, email, phone FROM client_contacts WHERE client = ?",
            vec![V::from(client.as_str())],
        )?;
        let consents: Vec<ConsentRow> = rows(
            &self.sql(),
            "SELECT client, version, text, at FROM consents WHERE client = ? ORDER BY id",
            vec![V::from(client.as_str())],
        )?;
        let visits: Vec<VisitRow> = rows(
            &self.sql(),
            "SELECT visit FROM client_visits WHERE client = ? ORDER BY id DESC LIMIT 20",
            vec![V::from(client.as_str())],
        )?;
        let dialogs = self.dialogs_of(&client)?;
        let contacts = contacts.into_iter().next().map(ContactRow::contacts);
        let similar = match &contacts {
            Some(c) => self.similar(&client, c)?,
            None => Vec::new(),
        };
        let mut leads = self.leads_of(&client)?;
        leads.retain(|l| all || l.responsible.as_deref() == Some(by.as_str()));
        json(
            200,
            &ClientCard {
                client,
                contacts,
                similar,
                leads,
                consents: consents.into_iter().map(ConsentRow::record).collect(),
                dialogs,
                visits: visits
                    .into_iter()
                    .filter_map(|r| serde_json::from_str(&r.visit).ok())
                    .collect(),
            },
        )
    }

    /// The dialog list for one caller: every dialog of the line, the
    /// contacts of their clients, and the last message of those the caller
    /// may read. Two reads, each of only the rows it needs.
    pub(super) fn list_dialogs(&self, ask: &ListDialogs) -> Result<DialogList, ProtocolError> {
        self.load()?;
        let (dialogs, clients, readable) = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let clients: Vec<&str> = line.dialogs().map(|d| d.client.as_str()).collect();
            let readable: Vec<&str> = line
                .dialogs()
                .filter(|d| d.readable_by(&ask.operator, ask.supervisor))
                .map(|d| d.id.as_str())
                .collect();
            (
                line.dialogs().cloned().collect::<Vec<_>>(),
                serde_json::to_string(&clients).map_err(internal)?,
                serde_json::to_string(&readable).map_err(internal)?,
            )
        };
        let contacts: Vec<ClientContactRow> = rows(
            &self.sql(),
            "SELECT client, name, email, phone FROM client_contacts WHERE client IN (SELECT value FROM json_each(?))",
            vec![V::from(clients)],
        )?;
        let previews: Vec<PreviewRow> = rows(
            &self.sql(),
            "SELECT dialog, author, text, at FROM dialog_previews WHERE dialog IN (SELECT value FROM json_each(?))",
            vec![V::from(readable)],
        )?;
        Ok(DialogList {
            dialogs,
            now: clock::core_now(&self.env),
            clients: contacts
                .into_iter()
                .map(|r| {
                    let contacts = Contacts {
                        name: r.name,
                        email: r.email,
                        phone: r.phone,
                    };
                    (r.client, contacts)
                })
                .collect(),
            previews: previews
                .into_iter()
                .filter_map(|r| {
                    let author = serde_json::from_str(&r.author).ok()?;
                    Some((
                        r.dialog,
                        DialogPreview {
                            author,
                            text: r.text,
                            at: r.at,
                        },
                    ))
                })
                .collect(),
        })
    }

    /// Keeps the dialog's last message a client could see, for the list.
    /// Notes for operators (Q11) and the line's own lines are not shown.
    pub(super) fn remember_preview(&self, dialog: &str, message: &ChatMessage) {
        if message.hidden || matches!(message.author, Author::System) || message.kind.is_some() {
            return;
        }
        let preview = DialogPreview::of(message.author.clone(), &message.text, message.at);
        let Ok(author) = serde_json::to_string(&preview.author) else {
            return;
        };
        let stored = run(
            &self.sql(),
            "INSERT INTO dialog_previews (dialog, author, text, at) VALUES (?, ?, ?, ?)
               ON CONFLICT (dialog) DO UPDATE SET author = excluded.author, text = excluded.text, at = excluded.at
               WHERE excluded.at >= dialog_previews.at",
            vec![V::from(dialog), V::from(author), V::from(preview.text), V::from(preview.at)],
        );
        if let Err(e) = stored {
            crate::logs::error("line", "preview_failed", None, Some(dialog), &e.to_string());
        }
    }
}
