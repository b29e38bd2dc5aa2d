//! Messages to messenger chats (N2): a line's answers wait here and go to
//! Telegram's `sendMessage`, in order per chat, retried when Telegram asks
//! to wait (429 `retry_after`, honoured) or fails for a while; what Telegram
//! refuses for good (a blocked bot, a deleted chat) is given up at once and
//! the line tells the dialog's operators.

use super::OutboxObject;
use crate::calls::{ChannelFailed, ChannelSend, Done};
use crate::clock;
use crate::migrations::Migration;
use crate::rpc;
use crate::sql::{rows, run};
use crate::telegram;
use openline_core::attachments::Attachment;
use openline_core::channels::{reply_markup, send_outcome, ReplyMarkup, SendOutcome};
use openline_core::telegram_files;
use openline_core::ProtocolError;
use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

type R<T> = Result<T, ProtocolError>;

pub(super) const MIGRATION: Migration = Migration {
    name: "0004_channel_sends",
    sql: "CREATE TABLE channel_sends (id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL, dialog TEXT,
            chat_id INTEGER NOT NULL, token TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL, last_error TEXT);
          CREATE INDEX channel_sends_due ON channel_sends (status, next_attempt_at)",
};

/// Attempts of a passing fault before a message is given up.
/// Issue 11.3: the file an answer sends (JSON `Attachment`; none: text).
pub(super) const FILES_MIGRATION: Migration = Migration {
    name: "0006_channel_files",
    sql: "ALTER TABLE channel_sends ADD COLUMN file TEXT",
};

/// B3: a bot's quick replies with its answer (JSON array; none: NULL).
pub(super) const REPLIES_MIGRATION: Migration = Migration {
    name: "0007_channel_quick_replies",
    sql: "ALTER TABLE channel_sends ADD COLUMN quick_replies TEXT",
};

/// Whether a chat's keyboard is left (`keyboard_left`) is asked on every
/// send: by chat, not by reading the week's sends.
pub(super) const CHAT_INDEX_MIGRATION: Migration = Migration {
    name: "0009_channel_sends_by_chat",
    sql: "CREATE INDEX channel_sends_by_chat ON channel_sends (token, chat_id, id)",
};

/// C1: a keyboard whose one button asks for the client's phone number
/// (`request_contact`); 0 for quick replies.
pub(super) const ASK_PHONE_MIGRATION: Migration = Migration {
    name: "0010_channel_ask_phone",
    sql: "ALTER TABLE channel_sends ADD COLUMN ask_phone INTEGER NOT NULL DEFAULT 0",
};

const MAX_ATTEMPTS: i64 = 8;

#[derive(Deserialize)]
struct Due {
    id: i64,
    line: String,
    dialog: Option<String>,
    chat_id: i64,
    token: String,
    text: String,
    attempts: i64,
    file: Option<String>,
    quick_replies: Option<String>,
    ask_phone: i64,
}

#[derive(Serialize)]
struct SendMessage<'a> {
    chat_id: i64,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_markup: Option<ReplyMarkup>,
}

impl OutboxObject {
    /// Sends an answer's file (`sendPhoto` or `sendDocument`, the file
    /// read from R2, the text its caption). A file gone from R2 (erased
    /// since) is answered as Telegram would a bad request: not retried.
    async fn send_file(&self, d: &Due, file: &str) -> (Option<u16>, Option<String>) {
        use crate::http::attachments::{FILES, PREFIX};
        let gone = || {
            (
                Some(400),
                Some(
                    r#"{"ok":false,"error_code":400,"description":"the file was erased"}"#
                        .to_owned(),
                ),
            )
        };
        let Ok(a) = serde_json::from_str::<Attachment>(file) else {
            return gone();
        };
        let object = match self.env.bucket(FILES) {
            Ok(b) => b.get(format!("{PREFIX}{}", a.id)).execute().await,
            Err(e) => Err(e),
        };
        let bytes = match object {
            Ok(Some(o)) => match o.body() {
                Some(body) => body.bytes().await.ok(),
                None => None,
            },
            Ok(None) => return gone(),
            Err(_) => None,
        };
        // R2 unreachable: like Telegram unreachable, tried again later.
        let Some(bytes) = bytes else {
            return (None, None);
        };
        let (method, field) = telegram_files::send_method(a.kind, bytes.len() as u64);
        // A known boundary could be forged in a caption: no randomness, no
        // send now (tried again later, like Telegram unreachable).
        let Ok(boundary) = crate::ids::random_hex(16) else {
            return (None, None);
        };
        let chat = d.chat_id.to_string();
        let mut fields = vec![("chat_id", chat.as_str())];
        if !d.text.is_empty() {
            fields.push(("caption", d.text.as_str()));
        }
        let body =
            telegram_files::multipart(&boundary, &fields, field, &a.name, a.kind.mime(), &bytes);
        telegram::call_multipart(&self.env, &d.token, method, &boundary, &body).await
    }

    pub(super) async fn queue_channel(&self, ask: ChannelSend) -> R<Done> {
        let now = clock::real_now();
        let sql = self.sql();
        // `quick_replies`: NULL for none, a JSON array for a keyboard, `[]`
        // for a text that takes away the keyboard the chat's last offer
        // left (`reply_markup`); a file leaves it as it is.
        let replies = if !ask.quick_replies.is_empty() {
            crate::sql::json_list(&ask.quick_replies)?
        } else if ask.file.is_none() && self.keyboard_left(ask.chat_id, &ask.token)? {
            Some("[]".to_owned())
        } else {
            None
        };
        run(
            &sql,
            "INSERT INTO channel_sends (line, dialog, chat_id, token, text, created_at, next_attempt_at, status, file, quick_replies, ask_phone)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
            vec![
                V::from(ask.line),
                V::from(ask.dialog),
                V::from(ask.chat_id),
                V::from(ask.token),
                V::from(ask.text),
                V::from(now),
                V::from(now),
                V::from(match &ask.file {
                    Some(f) => Some(serde_json::to_string(f).map_err(crate::api::internal)?),
                    None => None,
                }),
                V::from(replies),
                V::from(i64::from(ask.ask_phone)),
            ],
        )?;
        self.arm().await?;
        Ok(Done {})
    }

    /// Whether the chat's last keyboard is still there: the latest message
    /// that offered one or took one away offered one.
    fn keyboard_left(&self, chat_id: i64, token: &str) -> R<bool> {
        #[derive(Deserialize)]
        struct Last {
            quick_replies: String,
        }
        let last: Vec<Last> = rows(
            &self.sql(),
            "SELECT quick_replies FROM channel_sends WHERE token = ? AND chat_id = ? AND quick_replies IS NOT NULL
               AND status != 'failed'
             ORDER BY id DESC LIMIT 1",
            vec![V::from(token), V::from(chat_id)],
        )?;
        Ok(last.first().is_some_and(|l| l.quick_replies != "[]"))
    }

    /// Sends what is due, oldest first; a chat whose message must wait holds
    /// back its later ones, so a client reads answers in order.
    pub(super) async fn deliver_channel_due(&self) -> R<()> {
        let sql = self.sql();
        let now = clock::real_now();
        run(
            &sql,
            "DELETE FROM channel_sends WHERE status != 'queued' AND created_at < ?",
            vec![V::from(now - 7 * 24 * 60 * 60 * 1000)],
        )?;
        let due: Vec<Due> = rows(
            &sql,
            "SELECT id, line, dialog, chat_id, token, text, attempts, file, quick_replies, ask_phone FROM channel_sends s
             WHERE status = 'queued' AND next_attempt_at <= ?
               AND NOT EXISTS (SELECT 1 FROM channel_sends e WHERE e.status = 'queued' AND e.chat_id = s.chat_id
                               AND e.token = s.token AND e.id < s.id AND e.next_attempt_at > ?)
             ORDER BY id LIMIT 20",
            vec![V::from(now), V::from(now)],
        )?;
        let scale = clock::scale(&self.env);
        let mut held: Vec<i64> = Vec::new();
        for d in due {
            if held.contains(&d.chat_id) {
                continue;
            }
            let (status, answer) = match d.file.as_deref() {
                Some(file) => self.send_file(&d, file).await,
                None => {
                    let replies: Vec<String> = d
                        .quick_replies
                        .as_deref()
                        .and_then(|q| serde_json::from_str(q).ok())
                        .unwrap_or_default();
                    let body = SendMessage {
                        chat_id: d.chat_id,
                        text: &d.text,
                        reply_markup: reply_markup(
                            &replies,
                            d.quick_replies.is_some(),
                            d.ask_phone != 0,
                        ),
                    };
                    telegram::call(&self.env, &d.token, "sendMessage", &body).await
                }
            };
            let attempts = d.attempts + 1;
            let now = clock::real_now();
            let (state, next, error) = match send_outcome(status, answer.as_deref()) {
                SendOutcome::Sent => ("sent", now, None),
                SendOutcome::RetryAfter(s) => (
                    "queued",
                    now + s * 1000 / scale,
                    Some(format!("Telegram asked to wait {s} s")),
                ),
                SendOutcome::Retry(why) if attempts < MAX_ATTEMPTS => {
                    let wait = (30_000_i64 << (attempts - 1).min(7)).min(3_600_000) / scale;
                    ("queued", now + wait, Some(why))
                }
                SendOutcome::Retry(why) | SendOutcome::Undeliverable(why) => {
                    ("failed", now, Some(why))
                }
            };
            if state == "queued" {
                held.push(d.chat_id);
            }
            run(
                &sql,
                "UPDATE channel_sends SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                vec![V::from(state), V::from(attempts), V::from(next), V::from(error.clone()), V::from(d.id)],
            )?;
            if state == "failed" {
                let told = ChannelFailed {
                    dialog: d.dialog.clone(),
                    why: error.unwrap_or_default(),
                };
                let stub = rpc::stub(&self.env, "LINES", &d.line)?;
                if let Err(e) = rpc::invoke_done(&stub, &told).await {
                    crate::logs::error(
                        "outbox",
                        "channel_failure_untold",
                        Some(&d.line),
                        d.dialog.as_deref(),
                        &e.message,
                    );
                }
            }
        }
        Ok(())
    }
}
