//! Webhook subscriptions and their deliveries (issue 13), kept by the
//! outbox beside its mail: one queue, one alarm, the same retry discipline.
//! A line publishes what happened; each active subscription that hears the
//! event gets a delivery row, sent signed (`openline_core::webhooks`) and
//! retried with back-off for a day. Secrets are stored here and never
//! answered, except once when made.

use super::OutboxObject;
use crate::api::internal;
use crate::calls::{
    ChangeWebhook, CreateWebhook, Done, HookKinds, HookKindsOf, ListDeliveries, Publish,
    ShowWebhook, TestWebhook, WebhookLine,
};
use crate::clock;
use crate::ids;
use crate::migrations::Migration;
use crate::sql::{rows, run, written};
use openline_core::webhooks::{
    self, Delivery, DeliveryLog, DeliveryStatus, HookKind, Webhook, WebhookList, WebhookSaved,
};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{Fetch, Headers, Method, Request, RequestInit, SqlStorageValue as V};

type R<T> = Result<T, ProtocolError>;

/// The tables, after the mail's.
pub(super) const MIGRATION: Migration = Migration {
    name: "0003_webhooks",
    sql: "CREATE TABLE webhooks (id TEXT PRIMARY KEY, line TEXT, url TEXT NOT NULL, secret TEXT NOT NULL,
            events TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL, created_by TEXT NOT NULL);
          CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, webhook TEXT NOT NULL, event TEXT NOT NULL,
            kind TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER, status TEXT NOT NULL, last_code INTEGER, last_error TEXT, delivered_at INTEGER);
          CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
          CREATE INDEX deliveries_of ON deliveries (webhook, id)",
};

/// Deliveries sent per wake; the rest wait for the next.
const PER_WAKE: i64 = 20;
/// Finished deliveries are kept this long in the log.
const LOG_KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Most rows a delivery log answers.
const LOG_ROWS: i64 = 100;

#[derive(Deserialize)]
struct HookRow {
    id: String,
    line: Option<String>,
    url: String,
    events: String,
    description: String,
    active: i64,
    created_at: i64,
    created_by: String,
}

impl HookRow {
    fn webhook(self) -> Webhook {
        Webhook {
            id: self.id,
            line: self.line,
            url: self.url,
            events: webhooks::events_read(&self.events),
            description: self.description,
            active: self.active != 0,
            created_at: self.created_at,
            created_by: self.created_by,
        }
    }
}

const HOOK_COLUMNS: &str = "id, line, url, events, description, active, created_at, created_by";

#[derive(Deserialize)]
struct DeliveryRow {
    id: i64,
    event: String,
    kind: String,
    created_at: i64,
    attempts: i64,
    status: String,
    last_code: Option<i64>,
    last_error: Option<String>,
    next_attempt_at: Option<i64>,
    delivered_at: Option<i64>,
}

impl DeliveryRow {
    fn delivery(self) -> Delivery {
        Delivery {
            id: self.id,
            event: self.event,
            kind: self.kind,
            created_at: self.created_at,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            status: match self.status.as_str() {
                "delivered" => DeliveryStatus::Delivered,
                "failed" => DeliveryStatus::Failed,
                _ => DeliveryStatus::Queued,
            },
            last_code: self.last_code.and_then(|c| u16::try_from(c).ok()),
            last_error: self.last_error,
            next_attempt_at: self.next_attempt_at,
            delivered_at: self.delivered_at,
        }
    }
}

const DELIVERY_COLUMNS: &str = "id, event, kind, created_at, attempts, status, last_code, last_error, next_attempt_at, delivered_at";

/// A due delivery with what sending it needs.
#[derive(Deserialize)]
struct Due {
    id: i64,
    kind: String,
    body: String,
    created_at: i64,
    attempts: i64,
    url: String,
    secret: String,
}

fn no_webhook(id: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, format!("no webhook '{id}'"))
}

/// A new event's id: `evt_` and 24 hex digits.
fn event_id() -> R<String> {
    Ok(format!("evt_{}", ids::random_hex(12).map_err(internal)?))
}

/// The body of a delivery, a `HookEvent` (`openline_core::webhooks`)
/// written around `data`, which is already JSON.
fn envelope(id: &str, kind: HookKind, at_ms: i64, line: Option<&str>, data: &str) -> R<String> {
    let text = |s: &str| serde_json::to_string(s).map_err(internal);
    let line = match line {
        Some(l) => format!(",\"line\":{}", text(l)?),
        None => String::new(),
    };
    Ok(format!(
        "{{\"id\":{},\"type\":{},\"created\":{}{line},\"data\":{data}}}",
        text(id)?,
        text(kind.name())?,
        at_ms / 1000
    ))
}

fn new_secret() -> R<String> {
    Ok(format!("whsec_{}", ids::random_hex(24).map_err(internal)?))
}

impl OutboxObject {
    fn hook(&self, id: &str) -> R<Webhook> {
        rows::<HookRow>(
            &self.sql(),
            &format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = ?"),
            vec![V::from(id)],
        )?
        .into_iter()
        .next()
        .map(HookRow::webhook)
        .ok_or_else(|| no_webhook(id))
    }

    pub(super) fn show_hook(&self, ask: &ShowWebhook) -> R<WebhookLine> {
        let w = self.hook(&ask.id)?;
        Ok(WebhookLine {
            id: w.id,
            line: w.line,
        })
    }

    /// Stores a subscription the worker checked; makes its secret unless
    /// one was given, and answers it this once.
    pub(super) fn create_hook(&self, ask: CreateWebhook) -> R<WebhookSaved> {
        let id = format!("wh_{}", ids::random_hex(8).map_err(internal)?);
        let (secret, shown) = match ask.draft.secret {
            Some(s) => (s, None),
            None => {
                let s = new_secret()?;
                (s.clone(), Some(s))
            }
        };
        run(
            &self.sql(),
            "INSERT INTO webhooks (id, line, url, secret, events, description, active, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            vec![
                V::from(id.as_str()),
                V::from(ask.draft.line),
                V::from(ask.draft.url),
                V::from(secret),
                V::from(webhooks::events_text(&ask.draft.events)),
                V::from(ask.draft.description.unwrap_or_default()),
                V::from(clock::real_now()),
                V::from(ask.by),
            ],
        )?;
        Ok(WebhookSaved {
            webhook: self.hook(&id)?,
            secret: shown,
        })
    }

    /// Applies a checked change; `secret: "new"` makes a new secret.
    pub(super) fn change_hook(&self, ask: ChangeWebhook) -> R<WebhookSaved> {
        self.hook(&ask.id)?;
        let c = ask.change;
        let (secret, shown) = match c.secret.as_deref() {
            Some("new") => {
                let s = new_secret()?;
                (Some(s.clone()), Some(s))
            }
            other => (other.map(str::to_owned), None),
        };
        run(
            &self.sql(),
            "UPDATE webhooks SET url = COALESCE(?, url), events = COALESCE(?, events),
               description = COALESCE(?, description), active = COALESCE(?, active), secret = COALESCE(?, secret)
             WHERE id = ?",
            vec![
                V::from(c.url),
                V::from(c.events.map(|e| webhooks::events_text(&e))),
                V::from(c.description),
                V::from(c.active.map(i64::from)),
                V::from(secret),
                V::from(ask.id.as_str()),
            ],
        )?;
        Ok(WebhookSaved {
            webhook: self.hook(&ask.id)?,
            secret: shown,
        })
    }

    /// Removes a subscription and its log; what was still queued for it
    /// goes with it.
    pub(super) fn delete_hook(&self, id: &str) -> R<Done> {
        let sql = self.sql();
        if written(&sql, "DELETE FROM webhooks WHERE id = ?", vec![V::from(id)])? == 0 {
            return Err(no_webhook(id));
        }
        run(
            &sql,
            "DELETE FROM deliveries WHERE webhook = ?",
            vec![V::from(id)],
        )?;
        Ok(Done {})
    }

    pub(super) fn list_hooks(&self) -> R<WebhookList> {
        let all: Vec<HookRow> = rows(
            &self.sql(),
            &format!(
                "SELECT {HOOK_COLUMNS} FROM webhooks ORDER BY line IS NOT NULL, line, created_at"
            ),
            vec![],
        )?;
        Ok(WebhookList {
            webhooks: all.into_iter().map(HookRow::webhook).collect(),
        })
    }

    pub(super) fn deliveries(&self, ask: &ListDeliveries) -> R<DeliveryLog> {
        self.hook(&ask.id)?;
        let all: Vec<DeliveryRow> = rows(
            &self.sql(),
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook = ? ORDER BY id DESC LIMIT ?"),
            vec![V::from(ask.id.as_str()), V::from(LOG_ROWS)],
        )?;
        Ok(DeliveryLog {
            deliveries: all.into_iter().map(DeliveryRow::delivery).collect(),
        })
    }

    /// The kinds the line's active subscriptions (and the deployment's) hear.
    pub(super) fn kinds(&self, ask: &HookKindsOf) -> R<HookKinds> {
        #[derive(Deserialize)]
        struct Events {
            events: String,
        }
        let all: Vec<Events> = rows(
            &self.sql(),
            "SELECT events FROM webhooks WHERE active = 1 AND (line IS NULL OR line = ?)",
            vec![V::from(ask.line.as_str())],
        )?;
        let mut kinds: Vec<HookKind> = Vec::new();
        for e in all {
            for k in webhooks::events_read(&e.events) {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
        }
        Ok(HookKinds { kinds })
    }

    /// Queues one delivery of the event `id` to the subscription `hook`.
    fn queue(&self, hook: &str, id: &str, kind: HookKind, body: &str) -> R<i64> {
        #[derive(Deserialize)]
        struct Id {
            id: i64,
        }
        let now = clock::real_now();
        let id: Vec<Id> = rows(
            &self.sql(),
            "INSERT INTO deliveries (webhook, event, kind, body, created_at, next_attempt_at, status)
             VALUES (?, ?, ?, ?, ?, ?, 'queued') RETURNING id",
            vec![
                V::from(hook),
                V::from(id),
                V::from(kind.name()),
                V::from(body),
                V::from(now),
                V::from(now),
            ],
        )?;
        id.first()
            .map(|i| i.id)
            .ok_or_else(|| internal("no delivery id"))
    }

    /// What happened on a line: a delivery per event and per active
    /// subscription that hears it.
    pub(super) async fn publish(&self, ask: Publish) -> R<Done> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        for event in ask.events {
            // B3: the bot holding the dialog hears it, signed with its token.
            if let Some(bot) = &event.bot {
                if self.bot_exists(bot)? {
                    let id = event_id()?;
                    let body = envelope(&id, event.kind, ask.at, Some(&ask.line), &event.data)?;
                    self.queue(bot, &id, event.kind, &body)?;
                }
                continue;
            }
            let hooks: Vec<Id> = rows(
                &self.sql(),
                "SELECT id FROM webhooks WHERE active = 1 AND (line IS NULL OR line = ?) AND events LIKE ?",
                vec![
                    V::from(ask.line.as_str()),
                    V::from(format!("% {} %", event.kind.name())),
                ],
            )?;
            if hooks.is_empty() {
                continue;
            }
            let id = event_id()?;
            let body = envelope(&id, event.kind, ask.at, Some(&ask.line), &event.data)?;
            for h in hooks {
                self.queue(&h.id, &id, event.kind, &body)?;
            }
        }
        self.arm().await?;
        Ok(Done {})
    }

    /// "Send test event": queued for this subscription alone, sent at once.
    pub(super) async fn test_hook(&self, ask: &TestWebhook) -> R<Delivery> {
        let hook = self.hook(&ask.id)?;
        let event = event_id()?;
        let body = envelope(
            &event,
            HookKind::Test,
            clock::real_now(),
            hook.line.as_deref(),
            "{}",
        )?;
        let id = self.queue(&hook.id, &event, HookKind::Test, &body)?;
        self.deliver_hooks_due().await?;
        self.arm().await?;
        rows::<DeliveryRow>(
            &self.sql(),
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?"),
            vec![V::from(id)],
        )?
        .into_iter()
        .next()
        .map(DeliveryRow::delivery)
        .ok_or_else(|| internal("the test delivery vanished"))
    }

    /// Sends what is due, each attempt recorded; forgets finished
    /// deliveries older than the log keeps.
    pub(super) async fn deliver_hooks_due(&self) -> R<()> {
        let now = clock::real_now();
        let sql = self.sql();
        run(
            &sql,
            "DELETE FROM deliveries WHERE status != 'queued' AND created_at < ?",
            vec![V::from(now - LOG_KEPT_MS)],
        )?;
        let due: Vec<Due> = rows(
            &sql,
            "SELECT d.id, d.kind, d.body, d.created_at, d.attempts, w.url, w.secret
             FROM deliveries d
             JOIN (SELECT id, url, secret FROM webhooks UNION ALL SELECT id, url, id || '.' || secret FROM bots) w ON w.id = d.webhook
             WHERE d.status = 'queued' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
            vec![V::from(now), V::from(PER_WAKE)],
        )?;
        let scale = clock::scale(&self.env);
        for d in due {
            let (code, error) = self.send_hook(&d).await;
            let attempts = d.attempts + 1;
            let now = clock::real_now();
            if code.is_some_and(|c| (200..300).contains(&c)) {
                run(
                    &sql,
                    "UPDATE deliveries SET status = 'delivered', attempts = ?, last_code = ?, last_error = NULL,
                       next_attempt_at = NULL, delivered_at = ? WHERE id = ?",
                    vec![V::from(attempts), V::from(code.map(i64::from)), V::from(now), V::from(d.id)],
                )?;
                continue;
            }
            let next = webhooks::next_attempt(
                d.created_at,
                u32::try_from(attempts).unwrap_or(u32::MAX),
                now,
                scale,
            );
            run(
                &sql,
                "UPDATE deliveries SET status = ?, attempts = ?, last_code = ?, last_error = ?, next_attempt_at = ?
                 WHERE id = ?",
                vec![
                    V::from(if next.is_some() { "queued" } else { "failed" }),
                    V::from(attempts),
                    V::from(code.map(i64::from)),
                    V::from(error),
                    V::from(next),
                    V::from(d.id),
                ],
            )?;
        }
        Ok(())
    }

    /// One attempt: the receiver's status code, or why there was none.
    async fn send_hook(&self, d: &Due) -> (Option<u16>, Option<String>) {
        let t = clock::real_now() / 1000;
        let attempt = async {
            let headers = Headers::new();
            headers.set("Content-Type", "application/json")?;
            headers.set("User-Agent", "openline-webhooks/1")?;
            headers.set("Openline-Event", &d.kind)?;
            headers.set("Openline-Delivery", &d.id.to_string())?;
            headers.set(
                "Openline-Signature",
                &webhooks::signature(&d.secret, t, &d.body),
            )?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_body(Some(d.body.as_str().into()));
            let req = Request::new_with_init(&d.url, &init)?;
            Fetch::Request(req).send().await
        };
        match attempt.await {
            Ok(resp) => {
                let code = resp.status_code();
                let error =
                    (!(200..300).contains(&code)).then(|| format!("the receiver answered {code}"));
                (Some(code), error)
            }
            Err(e) => (None, Some(format!("no answer: {e}"))),
        }
    }
}
