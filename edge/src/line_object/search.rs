//! S2/S3: the line's index of message words (SQLite FTS5, written as the
//! line relays each message) and the search over its live and archived
//! dialogs, with the core's filters (`openline_core::dialog_search`).

use super::LineObject;
use crate::api::{internal, json, ApiResult};
use crate::calls::SearchDialogs;
use crate::clock;
use crate::sql::{rows, run};
use openline_core::dialog_search::{self, DialogQuery};
use openline_core::line::Dialog;
use openline_core::protocol::{Author, ChatMessage};
use openline_core::ProtocolError;
use serde::Deserialize;
use std::collections::BTreeSet;
use worker::{SqlStorageValue as V, Url};

/// The newest archived dialogs a search looks through.
const ARCHIVE_SCAN: i64 = 5000;
/// Dialogs a CSV export holds at most.
const CSV_ROWS: usize = 5000;

#[derive(Deserialize)]
struct DialogRow {
    dialog: String,
}

impl LineObject {
    /// Adds a client's or operator's message to the word index.
    pub(super) fn index_message(&self, dialog: &str, message: &ChatMessage) {
        if matches!(message.author, Author::System) || message.text.is_empty() {
            return;
        }
        let stored = run(
            &self.sql(),
            "INSERT INTO message_index (dialog, text) VALUES (?, ?)",
            vec![V::from(dialog), V::from(message.text.as_str())],
        );
        if let Err(e) = stored {
            crate::logs::error("line", "index_failed", None, Some(dialog), &e.to_string());
        }
    }

    /// S2: a page of the dialogs that answer the search (or, for CSV,
    /// every one up to [`CSV_ROWS`]).
    pub(super) fn search(&self, ask: &SearchDialogs) -> ApiResult {
        self.load()?;
        let url = Url::parse(&format!("https://line/search?{}", ask.query)).map_err(internal)?;
        let get = |k: &str| {
            url.query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
        };
        let zone = self.time_zone()?;
        let query = DialogQuery::read(get, &zone, clock::core_now(&self.env))?;
        let with_words = match query.fts() {
            None => None,
            Some(fts) => {
                let found = rows::<DialogRow>(
                    &self.sql(),
                    "SELECT DISTINCT dialog FROM message_index WHERE message_index MATCH ? LIMIT 20000",
                    vec![V::from(fts)],
                )?;
                // `extend`, not `collect`, which would sort first.
                let mut dialogs = BTreeSet::new();
                dialogs.extend(found.into_iter().map(|r| r.dialog));
                Some(dialogs)
            }
        };
        let archived = self.archived_where(
            "ORDER BY opened_at DESC LIMIT ?",
            vec![V::from(ARCHIVE_SCAN)],
        )?;
        let all = self.live_and_archived(archived, |_| true)?;
        let readable = |d: &Dialog| d.readable_by(&ask.operator, ask.supervisor);
        if !ask.csv {
            return json(
                200,
                &dialog_search::page(&query, &all, with_words.as_ref(), readable),
            );
        }
        let mut everything = Vec::new();
        let mut q = query;
        loop {
            let page = dialog_search::page(&q, &all, with_words.as_ref(), readable);
            q.before = page.dialogs.last().map(|d| d.opened_at);
            everything.extend(page.dialogs);
            if !page.more || everything.len() >= CSV_ROWS {
                break;
            }
        }
        crate::api::csv(dialog_search::to_csv(&everything), "dialogs")
    }

    /// The line's wall-clock zone: its working hours', else UTC.
    pub(super) fn time_zone(&self) -> Result<String, ProtocolError> {
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        Ok(line
            .settings()
            .hours
            .as_ref()
            .map(|h| h.time_zone.clone())
            .unwrap_or_else(|| "UTC".to_owned()))
    }
}
