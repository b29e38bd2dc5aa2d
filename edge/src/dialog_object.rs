//! The Durable Object of one dialog: its transcript and the visitor's
//! credentials. One object per dialog keeps every conversation isolated and
//! lets the service scale with the number of dialogs.

use crate::api::{error_response, internal, json, read_json, ApiResult};
use crate::ids::constant_time_eq;
use crate::migrations::{migrate, Migration};
use openline_core::protocol::{Author, ChatMessage, History, SendMessage};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue, State,
};

/// Header through which the worker passes the hash of the visitor's secret.
pub const TOKEN_HASH_HEADER: &str = "x-openline-token-hash";

const MIGRATIONS: &[Migration] = &[Migration {
    name: "0001_dialog",
    sql: "CREATE TABLE dialog (id INTEGER PRIMARY KEY CHECK (id = 1), line TEXT NOT NULL, token_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
          CREATE TABLE messages (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
}];

#[durable_object]
pub struct DialogObject {
    state: State,
}

#[derive(Deserialize)]
struct DialogRow {
    token_hash: String,
}

#[derive(Deserialize)]
struct MessageRow {
    seq: i64,
    client_id: String,
    author: String,
    text: String,
    at: i64,
}

impl MessageRow {
    fn into_message(self) -> std::result::Result<ChatMessage, ProtocolError> {
        Ok(ChatMessage {
            seq: u64::try_from(self.seq).map_err(internal)?,
            client_id: self.client_id,
            author: serde_json::from_str(&self.author).map_err(internal)?,
            text: self.text,
            at: self.at,
        })
    }
}

#[derive(Deserialize)]
struct InitBody {
    line: String,
}

impl DurableObject for DialogObject {
    fn new(state: State, _env: Env) -> Self {
        if let Err(e) = migrate(&state.storage().sql(), MIGRATIONS) {
            worker::console_error!("dialog migration failed: {e}");
        }
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        Ok(match self.handle(req).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        })
    }
}

impl DialogObject {
    async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        let hash = req
            .headers()
            .get(TOKEN_HASH_HEADER)
            .map_err(internal)?
            .unwrap_or_default();
        match (req.method(), url.path()) {
            (Method::Post, "/init") => {
                let body: InitBody = read_json(&mut req).await?;
                self.init(&body.line, &hash)
            }
            (method, path) => {
                self.authorize(&hash)?;
                match (method, path) {
                    (Method::Get, "/session") => json(200, &serde_json::json!({ "ok": true })),
                    (Method::Get, "/messages") => {
                        let after = url
                            .query_pairs()
                            .find(|(k, _)| k == "after")
                            .and_then(|(_, v)| v.parse::<i64>().ok())
                            .unwrap_or(0);
                        json(200, &self.history(after)?)
                    }
                    (Method::Post, "/messages") => {
                        let body: SendMessage = read_json(&mut req).await?;
                        let (message, created) = self.append(&body, Author::Visitor)?;
                        json(if created { 201 } else { 200 }, &message)
                    }
                    _ => Err(ProtocolError::new(
                        ErrorCode::NotFound,
                        "no such dialog route",
                    )),
                }
            }
        }
    }

    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    fn init(&self, line: &str, hash: &str) -> ApiResult {
        let existing: Vec<DialogRow> = self
            .sql()
            .exec("SELECT token_hash FROM dialog WHERE id = 1", None)
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        if !existing.is_empty() {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                "dialog already exists",
            ));
        }
        self.sql()
            .exec(
                "INSERT INTO dialog (id, line, token_hash, created_at) VALUES (1, ?, ?, ?)",
                vec![
                    SqlStorageValue::from(line),
                    SqlStorageValue::from(hash),
                    SqlStorageValue::from(js_sys::Date::now()),
                ],
            )
            .map_err(internal)?;
        json(200, &serde_json::json!({ "ok": true }))
    }

    /// The visitor may act only with the token this dialog was opened with.
    fn authorize(&self, hash: &str) -> std::result::Result<(), ProtocolError> {
        let rows: Vec<DialogRow> = self
            .sql()
            .exec("SELECT token_hash FROM dialog WHERE id = 1", None)
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        match rows.first() {
            Some(row) if !hash.is_empty() && constant_time_eq(&row.token_hash, hash) => Ok(()),
            _ => Err(ProtocolError::new(
                ErrorCode::Unauthorized,
                "invalid visitor token",
            )),
        }
    }

    fn history(&self, after: i64) -> std::result::Result<History, ProtocolError> {
        let rows: Vec<MessageRow> = self
            .sql()
            .exec(
                "SELECT seq, client_id, author, text, at FROM messages WHERE seq > ? ORDER BY seq LIMIT 500",
                vec![SqlStorageValue::from(after)],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let messages = rows
            .into_iter()
            .map(MessageRow::into_message)
            .collect::<std::result::Result<_, _>>()?;
        Ok(History { messages })
    }

    /// Stores a message once per client id: a resend returns the stored copy.
    fn append(
        &self,
        body: &SendMessage,
        author: Author,
    ) -> std::result::Result<(ChatMessage, bool), ProtocolError> {
        let sql = self.sql();
        let existing: Vec<MessageRow> = sql
            .exec(
                "SELECT seq, client_id, author, text, at FROM messages WHERE client_id = ?",
                vec![SqlStorageValue::from(body.client_id.as_str())],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        if let Some(row) = existing.into_iter().next() {
            return Ok((row.into_message()?, false));
        }
        let at = js_sys::Date::now() as i64;
        let author_json = serde_json::to_string(&author).map_err(internal)?;
        let rows: Vec<MessageRow> = sql
            .exec(
                "INSERT INTO messages (seq, client_id, author, text, at)
                 VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM messages), ?, ?, ?, ?)
                 RETURNING seq, client_id, author, text, at",
                vec![
                    SqlStorageValue::from(body.client_id.as_str()),
                    SqlStorageValue::from(author_json),
                    SqlStorageValue::from(body.text.as_str()),
                    SqlStorageValue::from(at),
                ],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let row = rows
            .into_iter()
            .next()
            .ok_or_else(|| internal("insert returned no row"))?;
        Ok((row.into_message()?, true))
    }
}
