//! S3: the line's archive of finished dialogs. A dialog finished longer
//! ago than the live retention leaves the state the line loads on every
//! wake and is kept here, whole and for good: its transcript stays
//! readable, its client's card still lists it, and the statistics (S1)
//! count it.

use super::LineObject;
use crate::api::{internal, json, ApiResult};
use crate::clock;
use crate::sql::{rows, run};
use openline_core::line::{Dialog, Line};
use openline_core::privacy::AuditAction;
use openline_core::statistics::{LineStatistics, Period};
use openline_core::ProtocolError;
use serde::Deserialize;
use worker::{Env, SqlStorageValue as V, Url};

/// How long a finished dialog stays in the line's live state (core time):
/// `OPENLINE_ARCHIVE_AFTER_S`, 30 days by default.
pub(super) fn live_retention_ms(env: &Env) -> i64 {
    env.var("OPENLINE_ARCHIVE_AFTER_S")
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(30 * 24 * 60 * 60)
        * 1000
}

/// S3: the line's transcript retention in core milliseconds; a "day" is
/// `OPENLINE_DAY_S` seconds (86 400 unless a test shortens it).
fn retention_ms(env: &Env, line: &Line) -> Option<i64> {
    let days = i64::from(line.settings().retention_days?);
    let day_s = env
        .var("OPENLINE_DAY_S")
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(24 * 60 * 60);
    Some(days * day_s * 1000)
}

#[derive(Deserialize)]
struct ArchivedRow {
    state: String,
}

#[derive(Deserialize)]
struct Oldest {
    at: Option<i64>,
}

#[derive(Deserialize)]
struct Due {
    id: String,
    client: String,
}

impl LineObject {
    /// The archived dialogs `rest` picks (what follows `SELECT state FROM
    /// dialog_archive`).
    pub(super) fn archived_where(
        &self,
        rest: &str,
        params: Vec<V>,
    ) -> Result<Vec<Dialog>, ProtocolError> {
        let found: Vec<ArchivedRow> = rows(
            &self.sql(),
            &format!("SELECT state FROM dialog_archive {rest}"),
            params,
        )?;
        Ok(found
            .into_iter()
            .filter_map(|r| serde_json::from_str(&r.state).ok())
            .collect())
    }

    /// The live dialogs `keep` picks, then each of `archived` that is not
    /// also live (a wake cut short between the archive's write and the live
    /// row's removal leaves both: the live one counts).
    pub(super) fn live_and_archived(
        &self,
        archived: Vec<Dialog>,
        keep: impl Fn(&Dialog) -> bool,
    ) -> Result<Vec<Dialog>, ProtocolError> {
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        Ok(line
            .dialogs()
            .filter(|d| keep(d))
            .cloned()
            .chain(
                archived
                    .into_iter()
                    .filter(|d| line.dialog(&d.id).is_none()),
            )
            .collect())
    }

    /// Keeps dialogs the line let go of; called inside the step that
    /// removes them, so both writes commit together.
    pub(super) fn archive(&self, dialogs: &[Dialog]) -> Result<(), ProtocolError> {
        let sql = self.sql();
        for d in dialogs {
            run(
                &sql,
                "INSERT OR REPLACE INTO dialog_archive (id, client, opened_at, state, finished_at) VALUES (?, ?, ?, ?, ?)",
                vec![
                    V::from(d.id.as_str()),
                    V::from(d.client.as_str()),
                    V::from(d.opened_at),
                    V::from(serde_json::to_string(d).map_err(internal)?),
                    V::from(d.finished_at),
                ],
            )?;
        }
        if !dialogs.is_empty() {
            self.expiry.set(None);
        }
        Ok(())
    }

    /// How long finished dialogs stay live: the live retention, or the
    /// transcripts' retention when shorter (they are archived, then erased).
    pub(super) fn live_ms(&self, line: &Line) -> i64 {
        let live = live_retention_ms(&self.env);
        retention_ms(&self.env, line).map_or(live, |r| r.min(live))
    }

    /// S3: when the next archived transcript is due to be erased (core
    /// time); the oldest one's end is read once after each change.
    pub(super) fn next_expiry(&self, line: &Line) -> Option<i64> {
        let retention = retention_ms(&self.env, line)?;
        let oldest = match self.expiry.get() {
            Some(known) => known,
            None => {
                let found: Vec<Oldest> = rows(
                    &self.sql(),
                    "SELECT MIN(finished_at) AS at FROM dialog_archive WHERE expired_at IS NULL",
                    vec![],
                )
                .unwrap_or_default();
                let oldest = found.first().and_then(|o| o.at);
                self.expiry.set(Some(oldest));
                oldest
            }
        };
        oldest.map(|t| t + retention + 1)
    }

    /// S3: erases the words of archived dialogs finished longer ago than
    /// the line's retention (50 a wake; the next wake takes the rest), each
    /// noted in the audit log; their records stay for the statistics.
    pub(super) async fn expire(&self, now: i64) -> Result<(), ProtocolError> {
        let retention = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            retention_ms(&self.env, line)
        };
        let Some(retention) = retention else {
            return Ok(());
        };
        let due: Vec<Due> = rows(
            &self.sql(),
            "SELECT id, client FROM dialog_archive WHERE expired_at IS NULL AND finished_at <= ? ORDER BY finished_at LIMIT 50",
            vec![V::from(now - retention)],
        )?;
        for d in &due {
            let stub = crate::rpc::dialog_stub(&self.env, &d.id)?;
            crate::rpc::invoke(&stub, &crate::calls::EraseWords {}).await?;
            let sql = self.sql();
            for table in ["message_index", "dialog_previews"] {
                run(
                    &sql,
                    &format!("DELETE FROM {table} WHERE dialog = ?"),
                    vec![V::from(d.id.as_str())],
                )?;
            }
            run(
                &sql,
                "UPDATE dialog_archive SET expired_at = ? WHERE id = ?",
                vec![V::from(now), V::from(d.id.as_str())],
            )?;
            self.audit(AuditAction::Expire, "retention", &d.client, Some(&d.id))?;
        }
        if !due.is_empty() {
            self.expiry.set(None);
        }
        Ok(())
    }

    /// An archived dialog's record.
    pub(super) fn archived(&self, dialog: &str) -> Result<Option<Dialog>, ProtocolError> {
        Ok(self
            .archived_where("WHERE id = ?", vec![V::from(dialog)])?
            .pop())
    }

    /// The client's dialogs, live and archived (their newest 200), oldest
    /// first (C6: their card; GDPR).
    pub(super) fn dialogs_of(&self, client: &str) -> Result<Vec<Dialog>, ProtocolError> {
        let archived = self.archived_where(
            "WHERE client = ? ORDER BY opened_at DESC LIMIT 200",
            vec![V::from(client)],
        )?;
        let mut all = self.live_and_archived(archived, |d| d.client == client)?;
        openline_core::order::sort_by_key(&mut all, |d| d.opened_at);
        Ok(all)
    }

    /// C1: archived dialogs and leads follow a merged client to their new
    /// id.
    pub(super) fn merge_archive(&self, from: &str, into: &str) -> Result<(), ProtocolError> {
        for table in ["dialog_archive", "leads"] {
            run(
                &self.sql(),
                &format!("UPDATE {table} SET client = ?1, state = json_set(state, '$.client', ?1) WHERE client = ?2"),
                vec![V::from(into), V::from(from)],
            )?;
        }
        Ok(())
    }

    /// S1: `GET /statistics?from=&to=` — the figures of the dialogs opened
    /// in the period, live and archived, by the line's wall clock.
    pub(super) fn statistics(&self, url: &Url) -> ApiResult {
        self.load()?;
        let query = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let zone = self.time_zone()?;
        let now = clock::core_now(&self.env);
        let period = Period::read(query("from").as_deref(), query("to").as_deref(), &zone, now)?;
        let (from, to) = period.instants();
        let archived = self.archived_where(
            "WHERE opened_at >= ? AND opened_at < ?",
            vec![V::from(from), V::from(to)],
        )?;
        let all = self.live_and_archived(archived, |_| true)?;
        json(200, &LineStatistics::of(&period, &all))
    }
}
