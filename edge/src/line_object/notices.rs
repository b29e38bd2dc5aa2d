//! K2's notification centre: the notices the line stored for people (a
//! missed KPI, a dialog passed on, the unclosed-dialog limit), listed for
//! each recipient with what they have acknowledged. A notice is addressed
//! to a list of accounts; each reads and acknowledges only their own.

use super::LineObject;
use crate::api::ApiResult;
use crate::calls::{AcknowledgeNotifications, ListNotifications};
use crate::clock;
use crate::sql::{rows, run};
use openline_core::line::Notice;
use openline_core::replies::{Acknowledged, Notifications};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::SqlStorageValue as V;

/// The notices addressed to an account: `recipients` is a JSON list of
/// account ids, so the match is on the whole quoted id.
const ADDRESSED: &str = "EXISTS (SELECT 1 FROM json_each(n.recipients) WHERE json_each.value = ?1)";

/// One notice as the list writes it (JSON made by SQLite).
#[derive(Deserialize)]
struct Item {
    item: String,
}

#[derive(Deserialize)]
struct Count {
    n: u32,
}

impl LineObject {
    /// K2: the caller's newest notices and their unread count, written
    /// by SQLite from the stored notices (`Notifications` on the wire): the
    /// edge never reads a notice back (issue 9: its reader was 17 KB). A
    /// notice of a kind this release does not know is left out.
    pub(super) fn notifications(&self, ask: &ListNotifications) -> ApiResult {
        self.load()?;
        let known = Notice::KINDS
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let found: Vec<Item> = rows(
            &self.sql(),
            &format!(
                "SELECT CASE WHEN r.at IS NULL
                   THEN json_object('id', n.id, 'notice', json(n.notice), 'at', n.at)
                   ELSE json_object('id', n.id, 'notice', json(n.notice), 'at', n.at, 'read_at', r.at) END AS item
                 FROM notifications n
                 LEFT JOIN notification_reads r ON r.notification = n.id AND r.account = ?1
                 WHERE {ADDRESSED} AND json_extract(n.notice, '$.kind') IN ({known})
                 ORDER BY n.id DESC LIMIT {}",
                Notifications::MAX
            ),
            vec![V::from(ask.account.as_str())],
        )?;
        let items: Vec<String> = found.into_iter().map(|i| i.item).collect();
        let body = format!(
            "{{\"notifications\":[{}],\"unread\":{}}}",
            items.join(","),
            self.unread(&ask.account)?
        );
        crate::api::raw_json(200, body)
    }

    /// K2: marks one notice (or all) of the caller read; says how many
    /// turned read (0 when they already were).
    pub(super) fn acknowledge(
        &self,
        ask: &AcknowledgeNotifications,
    ) -> Result<Acknowledged, ProtocolError> {
        self.load()?;
        let sql = self.sql();
        let now = V::from(clock::real_now());
        let account = V::from(ask.account.as_str());
        // Counted as the change in unread notices: rows written would also
        // count the key's index.
        let before = self.unread(&ask.account)?;
        match ask.id {
            Some(id) => {
                let theirs: Vec<Count> = rows(
                    &sql,
                    &format!(
                        "SELECT COUNT(*) AS n FROM notifications n WHERE n.id = ?2 AND {ADDRESSED}"
                    ),
                    vec![account.clone(), V::from(id)],
                )?;
                if theirs.first().map_or(0, |c| c.n) == 0 {
                    return Err(ProtocolError::new(
                        ErrorCode::NotFound,
                        "no such notification for you",
                    ));
                }
                run(
                    &sql,
                    "INSERT OR IGNORE INTO notification_reads (notification, account, at) VALUES (?2, ?1, ?3)",
                    vec![account, V::from(id), now],
                )?
            }
            None => run(
                &sql,
                &format!(
                    "INSERT OR IGNORE INTO notification_reads (notification, account, at)
                     SELECT n.id, ?1, ?2 FROM notifications n WHERE {ADDRESSED}"
                ),
                vec![account, now],
            )?,
        };
        let unread = self.unread(&ask.account)?;
        Ok(Acknowledged {
            acknowledged: before.saturating_sub(unread),
            unread,
        })
    }

    fn unread(&self, account: &str) -> Result<u32, ProtocolError> {
        let n: Vec<Count> = rows(
            &self.sql(),
            &format!(
                "SELECT COUNT(*) AS n FROM notifications n WHERE {ADDRESSED}
                 AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification = n.id AND r.account = ?1)"
            ),
            vec![V::from(account)],
        )?;
        Ok(n.first().map_or(0, |c| c.n))
    }
}
