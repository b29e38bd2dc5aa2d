//! A line's beginning and end (L3): created with validated settings,
//! deleted with its open dialogs ended and everything it kept removed.

use super::schema::StateRow;
use super::{CreateLine, LineObject};
use crate::api::{internal, json, ApiResult};
use crate::calls::StoreNotice;
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::line::{ClientNotice, Line, Status};
use openline_core::{ErrorCode, ProtocolError};
use worker::SqlStorageValue as V;

impl LineObject {
    /// L3: deleting a line ends its open dialogs (each visitor is told),
    /// closes its consoles, and removes everything it kept, so a line made
    /// later under the same id never sees the old one's data.
    pub(super) async fn delete_line(&self) -> std::result::Result<(), ProtocolError> {
        self.load()?;
        let (open, text) = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let open: Vec<String> = line
                .dialogs()
                .filter(|d| !matches!(d.status, Status::Finished { .. }))
                .map(|d| d.id.clone())
                .collect();
            (open, line.settings().ended_text())
        };
        for dialog in open {
            let notice = StoreNotice(ClientNotice::Closed { text: text.clone() });
            let told = rpc::invoke(&rpc::dialog_stub(&self.env, &dialog)?, &notice).await;
            if let Err(e) = told {
                crate::logs::error(
                    "line",
                    "tell_dialog_failed",
                    None,
                    Some(&dialog),
                    &e.message,
                );
            }
        }
        for ws in self.state.get_websockets() {
            let _ = ws.close(Some(4002), Some("line deleted"));
        }
        self.wipe()?;
        run(
            &self.sql(),
            "UPDATE line_state SET deleted = 1, state = '{}' WHERE id = 1",
            vec![],
        )?;
        *self.line.borrow_mut() = None;
        self.arm(None).await;
        Ok(())
    }

    /// Removes every row the line keeps besides its head.
    pub(super) fn wipe(&self) -> std::result::Result<(), ProtocolError> {
        let sql = self.sql();
        for table in [
            "line_dialogs",
            "line_operators",
            "line_clients",
            "line_timers",
            "quick_answers",
            "client_contacts",
            "consents",
            "ratings",
            "notifications",
            "notification_reads",
            "dialog_previews",
            "client_visits",
            "offline_mails",
            "dialog_archive",
            "leads",
            "message_index",
            "audit",
        ] {
            run(&sql, &format!("DELETE FROM {table}"), vec![])?;
        }
        Ok(())
    }

    pub(super) fn create(&self, body: CreateLine) -> ApiResult {
        let existing: Vec<StateRow> = rows(
            &self.sql(),
            "SELECT line_id, state, deleted FROM line_state WHERE id = 1",
            vec![],
        )?;
        if existing.iter().any(|r| r.deleted == 0) {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                format!("line '{}' already exists", body.line_id),
            ));
        }
        let mut line = Line::new(body.settings)
            .map_err(|e| ProtocolError::invalid_field(e.field, &e.reason))?;
        let head = line.head_json().map_err(internal)?;
        line.take_changes();
        let sql = self.sql();
        // A line created again under a deleted one's name starts empty.
        self.wipe()?;
        run(
            &sql,
            "INSERT OR REPLACE INTO line_state (id, line_id, state, deleted) VALUES (1, ?, ?, 0)",
            vec![V::from(body.line_id.as_str()), V::from(head)],
        )?;
        let settings = line.settings().clone();
        *self.line.borrow_mut() = Some((body.line_id, line));
        json(201, &settings)
    }
}
