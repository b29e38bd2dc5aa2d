//! The outbox: e-mails (F3 transcript copies, K2 notices) wait here and are
//! delivered through a configurable HTTP mail API with retries and
//! exponential back-off. Without a mail API (local development) they are
//! captured for the dev mailbox page instead. Webhook deliveries (issue 13,
//! [`webhooks`]) and answers to messenger chats ([`channels`]) share its
//! queue and alarm. One object named "outbox": a
//! line calls it only when something it publishes has a subscriber.

mod bots;
mod channels;
mod webhooks;

use crate::api::{
    error_response, internal, json, parse_json, read_bytes, ApiResult, MAX_BODY_BYTES,
};
use crate::calls::Call;
use crate::calls::{
    ChangeWebhook, ChannelSend, CheckBot, CreateBot, CreateWebhook, DeleteBot, DeleteWebhook,
    HookKindsOf, ListBots, ListDeliveries, ListWebhooks, Publish, ShowWebhook, TestWebhook,
    UpdateBot,
};
use crate::clock;
use crate::migrations::{self, Migration, Schema};
use crate::sql::{rows, run};
use openline_core::email::OutgoingEmail;
use openline_core::replies::{MailRow, Mailbox, OutboxFigures, Queued};
use openline_core::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, DurableObject, Env, Fetch, Headers, Method, Request, RequestInit, Response,
    Result, SqlStorageValue as V, State,
};

/// Attempts before a mail is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// First retry delay; it doubles per attempt, capped at an hour.
pub const FIRST_RETRY_MS: i64 = 30_000;

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_outbox",
        sql: "CREATE TABLE mail (id INTEGER PRIMARY KEY AUTOINCREMENT, to_addr TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
            created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
            status TEXT NOT NULL, last_error TEXT)",
    },
    // The HTML part of a mail (issue 11); mail queued before it has none.
    Migration {
        name: "0002_mail_html",
        sql: "ALTER TABLE mail ADD COLUMN html TEXT",
    },
    webhooks::MIGRATION,
    channels::MIGRATION,
    bots::MIGRATION,
    channels::FILES_MIGRATION,
    channels::REPLIES_MIGRATION,
    bots::AVATAR_MIGRATION,
    channels::CHAT_INDEX_MIGRATION,
    channels::ASK_PHONE_MIGRATION,
];

/// The body an e-mail API takes (`POST {to, from, subject, text, html?}`).
#[derive(Serialize)]
struct ProviderMail<'a> {
    to: &'a str,
    from: &'a str,
    subject: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<&'a str>,
}

#[durable_object]
pub struct OutboxObject {
    state: State,
    env: Env,
    /// Whether the storage migrated (see [`crate::migrations`]).
    schema: Schema,
}

impl DurableObject for OutboxObject {
    fn new(state: State, env: Env) -> Self {
        let (state, schema) = migrations::open(state, MIGRATIONS);
        Self { state, env, schema }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if let Err(e) = self.schema.check() {
            return Ok(error_response(&e));
        }
        Ok(match self.handle(req).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        })
    }

    async fn alarm(&self) -> Result<Response> {
        if self.schema.check().is_err() {
            return Response::ok("storage unavailable");
        }
        if let Err(e) = self.deliver_due().await {
            crate::logs::error("outbox", "delivery_failed", None, None, &e.to_string());
        }
        if let Err(e) = self.deliver_hooks_due().await {
            crate::logs::error("outbox", "webhook_failed", None, None, &e.to_string());
        }
        if let Err(e) = self.deliver_channel_due().await {
            crate::logs::error("outbox", "channel_failed", None, None, &e.to_string());
        }
        if let Err(e) = self.arm().await {
            crate::logs::error("outbox", "alarm_failed", None, None, &e.to_string());
        }
        Response::ok("ok")
    }
}

impl OutboxObject {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        // The body is read once: the routes parse it without an await each.
        let body = match req.method() {
            Method::Get => Vec::new(),
            _ => read_bytes(&mut req, MAX_BODY_BYTES).await?,
        };
        match (req.method(), url.path()) {
            (Method::Post, "/enqueue") => {
                let mail: OutgoingEmail = parse_json(&body)?;
                let now = clock::real_now();
                run(
                    &self.sql(),
                    "INSERT INTO mail (to_addr, subject, body, html, created_at, next_attempt_at, status) VALUES (?, ?, ?, ?, ?, ?, 'queued')",
                    vec![V::from(mail.to), V::from(mail.subject), V::from(mail.body), mail.html.map_or(V::Null, V::from), V::from(now), V::from(now)],
                )?;
                self.arm().await?;
                json(202, &Queued { queued: true })
            }
            (Method::Get, "/figures") => {
                #[derive(Deserialize)]
                struct ByStatus {
                    status: String,
                    n: i64,
                }
                let counts: Vec<ByStatus> = rows(
                    &self.sql(),
                    "SELECT status, COUNT(*) AS n FROM mail GROUP BY status",
                    vec![],
                )?;
                let mut f = OutboxFigures {
                    schema: migrations::last_step(&self.sql()),
                    ..OutboxFigures::default()
                };
                for c in counts {
                    let n = u32::try_from(c.n).unwrap_or(u32::MAX);
                    match c.status.as_str() {
                        "queued" => f.queued = n,
                        "sent" => f.sent = n,
                        "failed" => f.failed = n,
                        "captured" => f.captured = n,
                        _ => {}
                    }
                }
                json(200, &f)
            }
            (Method::Get, "/mail") => {
                let r: Vec<MailRow> = rows(
                    &self.sql(),
                    "SELECT id, to_addr, subject, body, html, created_at, attempts, next_attempt_at, status, last_error FROM mail ORDER BY id DESC LIMIT 100",
                    vec![],
                )?;
                json(200, &Mailbox { mail: r })
            }
            (Method::Post, CreateWebhook::PATH) => {
                json(201, &self.create_hook(parse_json(&body)?)?)
            }
            (Method::Post, ChangeWebhook::PATH) => {
                json(200, &self.change_hook(parse_json(&body)?)?)
            }
            (Method::Post, DeleteWebhook::PATH) => {
                let ask: DeleteWebhook = parse_json(&body)?;
                json(200, &self.delete_hook(&ask.id)?)
            }
            (Method::Post, ShowWebhook::PATH) => json(200, &self.show_hook(&parse_json(&body)?)?),
            (Method::Post, ListWebhooks::PATH) => json(200, &self.list_hooks()?),
            (Method::Post, ListDeliveries::PATH) => {
                json(200, &self.deliveries(&parse_json(&body)?)?)
            }
            (Method::Post, TestWebhook::PATH) => {
                json(200, &self.test_hook(&parse_json(&body)?).await?)
            }
            (Method::Post, HookKindsOf::PATH) => json(200, &self.kinds(&parse_json(&body)?)?),
            (Method::Post, CreateBot::PATH) => json(201, &self.create_bot(parse_json(&body)?)?),
            (Method::Post, ListBots::PATH) => json(200, &self.list_bots()?),
            (Method::Post, DeleteBot::PATH) => {
                let ask: DeleteBot = parse_json(&body)?;
                json(200, &self.delete_bot(&ask.id)?)
            }
            (Method::Post, CheckBot::PATH) => json(200, &self.check_bot(&parse_json(&body)?)?),
            (Method::Post, UpdateBot::PATH) => json(200, &self.update_bot(parse_json(&body)?)?),
            (Method::Post, ChannelSend::PATH) => {
                json(200, &self.queue_channel(parse_json(&body)?).await?)
            }
            (Method::Post, Publish::PATH) => json(200, &self.publish(parse_json(&body)?).await?),
            _ => Err(ProtocolError::new(
                ErrorCode::NotFound,
                "no such outbox route",
            )),
        }
    }

    /// Sets the alarm to the earliest queued mail or delivery (idempotent).
    async fn arm(&self) -> std::result::Result<(), ProtocolError> {
        #[derive(Deserialize)]
        struct Next {
            at: Option<i64>,
        }
        let next: Vec<Next> = rows(
            &self.sql(),
            "SELECT MIN(at) AS at FROM (
               SELECT MIN(next_attempt_at) AS at FROM mail WHERE status = 'queued'
               UNION ALL SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'queued'
               UNION ALL SELECT MIN(next_attempt_at) FROM channel_sends WHERE status = 'queued')",
            vec![],
        )?;
        let storage = self.state.storage();
        match next.first().and_then(|n| n.at) {
            Some(at) => storage
                .set_alarm(worker::ScheduledTime::new(js_sys::Date::new(
                    &(at as f64).into(),
                )))
                .await
                .map_err(internal),
            None => Ok(()),
        }
    }

    async fn deliver_due(&self) -> std::result::Result<(), ProtocolError> {
        let now = clock::real_now();
        let due: Vec<MailRow> = rows(
            &self.sql(),
            "SELECT id, to_addr, subject, body, html, created_at, attempts, next_attempt_at, status, last_error FROM mail
             WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT 20",
            vec![V::from(now)],
        )?;
        let api = self
            .env
            .var("OPENLINE_MAIL_API_URL")
            .map(|v| v.to_string())
            .ok()
            .filter(|u| !u.is_empty());
        for mail in due {
            let Some(api) = &api else {
                run(
                    &self.sql(),
                    "UPDATE mail SET status = 'captured' WHERE id = ?",
                    vec![V::from(mail.id)],
                )?;
                continue;
            };
            match self.send(api, &mail).await {
                Ok(()) => run(&self.sql(), "UPDATE mail SET status = 'sent', attempts = attempts + 1, last_error = NULL WHERE id = ?", vec![V::from(mail.id)])?,
                Err(e) => {
                    let attempts = mail.attempts + 1;
                    let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "queued" };
                    let delay = (FIRST_RETRY_MS << (attempts - 1).min(7)).min(3_600_000) / clock::scale(&self.env);
                    run(
                        &self.sql(),
                        "UPDATE mail SET attempts = ?, status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                        vec![V::from(attempts), V::from(status), V::from(now + delay), V::from(e), V::from(mail.id)],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// One delivery attempt: `POST {to, from, subject, text, html?}` as JSON.
    async fn send(&self, api: &str, mail: &MailRow) -> std::result::Result<(), String> {
        let from = self
            .env
            .var("OPENLINE_MAIL_FROM")
            .map(|v| v.to_string())
            .unwrap_or_else(|_| "openline@localhost".into());
        let body = ProviderMail {
            to: &mail.to_addr,
            from: &from,
            subject: &mail.subject,
            text: &mail.body,
            html: mail.html.as_deref(),
        };
        let headers = Headers::new();
        headers
            .set("Content-Type", "application/json")
            .map_err(|e| e.to_string())?;
        if let Ok(key) = self.env.secret("OPENLINE_MAIL_API_KEY") {
            headers
                .set("Authorization", &format!("Bearer {key}"))
                .map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(
                serde_json::to_string(&body)
                    .map_err(|e| e.to_string())?
                    .into(),
            ));
        let req = Request::new_with_init(api, &init).map_err(|e| e.to_string())?;
        let resp = Fetch::Request(req)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if (200..300).contains(&resp.status_code()) {
            Ok(())
        } else {
            Err(format!("mail API answered {}", resp.status_code()))
        }
    }
}
