//! The Durable Object of one dialog: its transcript, the visitor's
//! credentials and sockets, and who of the operators may read and write.
//! One object per dialog keeps every conversation isolated and lets the
//! service scale with the number of dialogs.

mod read_marks;

use crate::api::{
    error_response, internal, json, parse_json, read_bytes, ApiResult, MAX_BODY_BYTES,
};
use crate::calls::TokenSession;
use crate::calls::{
    Call, ChannelMessage, Done, Ended, EraseWords, LineEvent, MoveToLine, OperatorRead,
    OperatorTyping, PresentOperator, Relay, StoreChannelNote, StoreNotice, StoreOperatorMessage,
    Stored, WordsErased,
};
use crate::clock;
use crate::ids::constant_time_eq;
use crate::limits::{self, VisitorAction};
use crate::migrations::{self, Migration, Schema};
use crate::rpc;
use crate::sql::{rows, run, written};
use openline_core::attachments::Attachment;
use openline_core::channels::TelegramChat;
use openline_core::conversation::client_turn_starts;
use openline_core::line::{ClientNotice, Event};
use openline_core::protocol::frames::{VisitorEvent, VisitorFrame};
use openline_core::protocol::{
    Author, ChatMessage, History, SendMessage, HISTORY_PAGE, PROTOCOL_VERSION,
};
use openline_core::replies::Ack;
use openline_core::{text, ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue as V,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// Header through which the worker passes the hash of the visitor's secret.
pub const TOKEN_HASH_HEADER: &str = "x-openline-token-hash";
/// Header through which the worker passes the page's origin (empty if none).
pub const ORIGIN_HEADER: &str = "x-openline-origin";

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_dialog",
        sql: "CREATE TABLE dialog (id INTEGER PRIMARY KEY CHECK (id = 1), line TEXT NOT NULL, token_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
              CREATE TABLE messages (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    Migration {
        name: "0002_participants_hidden",
        sql: "ALTER TABLE dialog ADD COLUMN client TEXT NOT NULL DEFAULT '';
              ALTER TABLE dialog ADD COLUMN dialog_id TEXT NOT NULL DEFAULT '';
              ALTER TABLE dialog ADD COLUMN typing_preview INTEGER NOT NULL DEFAULT 1;
              ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
              ALTER TABLE messages ADD COLUMN kind TEXT;
              CREATE TABLE participants (operator TEXT PRIMARY KEY)",
    },
    Migration {
        name: "0003_allowed_origins",
        sql: "ALTER TABLE dialog ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '[]'",
    },
    Migration {
        name: "0004_device_tokens",
        sql: "CREATE TABLE device_tokens (hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL)",
    },
    // Client ids are idempotency keys per author: a visitor reusing an
    // operator's id (or the other way round) writes a new message, never
    // gets someone else's row. Operators' older rows share one key.
    Migration {
        name: "0005_client_ids_per_author",
        sql: "CREATE TABLE messages_by_author (seq INTEGER PRIMARY KEY, author_key TEXT NOT NULL, client_id TEXT NOT NULL,
                author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL, hidden INTEGER NOT NULL DEFAULT 0, kind TEXT,
                UNIQUE (author_key, client_id));
              INSERT INTO messages_by_author (seq, author_key, client_id, author, text, at, hidden, kind)
                SELECT seq, CASE json_extract(author, '$.kind') WHEN 'visitor' THEN 'visitor' WHEN 'system' THEN 'system' ELSE 'operator' END,
                       client_id, author, text, at, hidden, kind FROM messages;
              DROP TABLE messages;
              ALTER TABLE messages_by_author RENAME TO messages",
    },
    Migration {
        name: "0006_email_copies",
        sql: "ALTER TABLE dialog ADD COLUMN email_copies INTEGER NOT NULL DEFAULT 0",
    },
    // The line the dialog opened on, kept through transfers (Q9): the
    // visitor's widget there resumes it.
    Migration {
        name: "0007_first_line",
        sql: "ALTER TABLE dialog ADD COLUMN first_line TEXT NOT NULL DEFAULT '';
              UPDATE dialog SET first_line = line",
    },
    // The line finished the dialog: the visitor's next words go to a new
    // conversation, not into a closed transcript.
    Migration {
        name: "0008_ended",
        sql: "ALTER TABLE dialog ADD COLUMN ended INTEGER NOT NULL DEFAULT 0",
    },
    // The visitor's own numbering: visible messages only, so the numbers a
    // visitor sees do not reveal how many hidden notes lie between them.
    Migration {
        name: "0009_shown_seq",
        sql: "ALTER TABLE messages ADD COLUMN shown INTEGER;
              UPDATE messages SET shown = (SELECT COUNT(*) FROM messages m WHERE m.hidden = 0 AND m.seq <= messages.seq)
                WHERE hidden = 0;
              CREATE UNIQUE INDEX messages_shown ON messages (shown)",
    },
    // O1: the operator the visitor talks to, as the line presents them, for
    // a visitor who connects after the assignment.
    Migration {
        name: "0010_operator_card",
        sql: "ALTER TABLE dialog ADD COLUMN operator_card TEXT",
    },
    // L4: the messenger chat the client writes from (JSON; none: the widget).
    Migration {
        name: "0011_channel",
        sql: "ALTER TABLE dialog ADD COLUMN channel TEXT",
    },
    // Issue 11.3: the file a message sends (JSON `Attachment`; none: text).
    Migration {
        name: "0012_attachments",
        sql: "ALTER TABLE messages ADD COLUMN attachment TEXT",
    },
    // Issue 11.3 read receipts: how far each side has seen (operators'
    // numbering; see `read_marks`).
    Migration {
        name: "0013_read_marks",
        sql: "ALTER TABLE dialog ADD COLUMN visitor_read INTEGER NOT NULL DEFAULT 0;
              ALTER TABLE dialog ADD COLUMN operator_read INTEGER NOT NULL DEFAULT 0",
    },
    // B3: a bot's quick replies with its message (JSON array; none: NULL).
    Migration {
        name: "0014_quick_replies",
        sql: "ALTER TABLE messages ADD COLUMN quick_replies TEXT",
    },
];

/// F3: e-mail copies one dialog may send, at most (the copy goes to any
/// address the visitor names, so it must not be a relay).
const MAX_EMAIL_COPIES: i64 = 3;

/// Whose idempotency keys a message's client id is among: the visitor's,
/// one operator's, an external system's, or the line's notices.
enum AuthorKey<'a> {
    Visitor,
    Operator(&'a str),
    External,
    System,
}

impl AuthorKey<'_> {
    fn column(&self) -> String {
        match self {
            AuthorKey::Visitor => "visitor".into(),
            AuthorKey::Operator(id) => format!("operator:{id}"),
            AuthorKey::External => "external".into(),
            AuthorKey::System => "system".into(),
        }
    }
}

/// Body of `POST /init`.
#[derive(Serialize, Deserialize)]
pub struct Init {
    /// The line's allowed origins when the dialog opened.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub line: String,
    pub dialog: String,
    pub client: String,
    pub typing_preview: bool,
    /// L4: the messenger chat the dialog talks to (none: the widget).
    #[serde(default)]
    pub channel: Option<TelegramChat>,
}

#[durable_object]
pub struct DialogObject {
    state: State,
    env: Env,
    /// Whether the storage migrated (see [`crate::migrations`]).
    schema: Schema,
    /// The dialog's row, read once per wake (it changes only on a move).
    row: RefCell<Option<DialogRow>>,
    /// The transcript's tail, read once per wake and kept up to date by
    /// every append (the only writer), so storing a message is one
    /// statement.
    tail: RefCell<Option<Tail>>,
}

/// The last sequence number, the last number the visitor sees (visible
/// messages only), and the author of the last message the client sees (the
/// turn rule); `Some(None)`: one exists but its author is unreadable.
#[derive(Clone)]
struct Tail {
    seq: i64,
    shown: i64,
    last_visible: Option<Option<Author>>,
}

/// Whose numbering a history read uses (and so which messages it holds).
#[derive(Clone, Copy)]
enum View {
    Operator,
    Visitor,
}

/// A message as stored, with the number the visitor knows it by (none for
/// a hidden note), and whether this call stored it.
struct Kept {
    message: ChatMessage,
    shown: Option<u64>,
    created: bool,
}

impl Kept {
    /// The visitor's view: numbered among visible messages only; never a
    /// hidden one (a hidden note has no visitor number).
    fn for_visitor(&self) -> Option<ChatMessage> {
        let seq = self.shown?;
        Some(ChatMessage {
            seq,
            ..self.message.clone()
        })
    }
}

#[derive(Clone, Deserialize)]
struct DialogRow {
    line: String,
    first_line: String,
    ended: i64,
    token_hash: String,
    client: String,
    dialog_id: String,
    allowed_origins: String,
    channel: Option<String>,
}

impl DialogRow {
    /// The messenger chat, if the client writes from one.
    fn chat(&self) -> Option<TelegramChat> {
        serde_json::from_str(self.channel.as_deref()?).ok()
    }
}

#[derive(Deserialize)]
struct MessageRow {
    seq: i64,
    shown: Option<i64>,
    client_id: String,
    author: String,
    text: String,
    at: i64,
    hidden: i64,
    kind: Option<String>,
    attachment: Option<String>,
    quick_replies: Option<String>,
}

impl MessageRow {
    fn into_kept(self) -> std::result::Result<Kept, ProtocolError> {
        let shown = self
            .shown
            .map(u64::try_from)
            .transpose()
            .map_err(internal)?;
        Ok(Kept {
            shown,
            message: self.into_message()?,
            created: false,
        })
    }

    fn into_message(self) -> std::result::Result<ChatMessage, ProtocolError> {
        Ok(ChatMessage {
            seq: u64::try_from(self.seq).map_err(internal)?,
            client_id: self.client_id,
            author: serde_json::from_str(&self.author).map_err(internal)?,
            text: self.text,
            at: self.at,
            hidden: self.hidden != 0,
            kind: self.kind,
            attachment: match self.attachment {
                Some(a) => Some(serde_json::from_str(&a).map_err(internal)?),
                None => None,
            },
            quick_replies: match self.quick_replies {
                Some(q) => serde_json::from_str(&q).map_err(internal)?,
                None => Vec::new(),
            },
        })
    }
}

const MESSAGE_COLUMNS: &str =
    "seq, shown, client_id, author, text, at, hidden, kind, attachment, quick_replies";

/// What a message carries besides its words: a file (issue 11.3), a
/// bot's quick replies (B3).
#[derive(Default)]
struct Extras {
    attachment: Option<Attachment>,
    quick_replies: Vec<String>,
}

/// Issue 11.3: the visitor sends a file the worker checked and stored.
#[derive(Serialize, Deserialize)]
pub struct VisitorAttachment {
    pub client_id: String,
    pub attachment: Attachment,
}

impl VisitorAttachment {
    /// The dialog's route for it (reached only through the worker, with
    /// the visitor's token hash like their other calls).
    pub const PATH: &'static str = "/attachment";
}

impl DurableObject for DialogObject {
    fn new(state: State, env: Env) -> Self {
        let (state, schema) = migrations::open(state, MIGRATIONS);
        Self {
            state,
            env,
            schema,
            row: RefCell::new(None),
            tail: RefCell::new(None),
        }
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

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let WebSocketIncomingMessage::String(raw) = message else {
            return Ok(());
        };
        if let Err(error) = self.schema.check() {
            let _ = ws.send(&VisitorEvent::Error { error });
            return Ok(());
        }
        let result = match VisitorFrame::parse(&raw) {
            Ok(frame) => self.visitor_frame(&ws, frame).await,
            Err(e) => Err(ProtocolError::new(
                ErrorCode::BadRequest,
                format!("invalid frame: {e}"),
            )),
        };
        if let Err(error) = result {
            let _ = ws.send(&VisitorEvent::Error { error });
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        _ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        Ok(())
    }
}

impl DialogObject {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    fn dialog(&self) -> std::result::Result<DialogRow, ProtocolError> {
        if let Some(row) = self.row.borrow().as_ref() {
            return Ok(row.clone());
        }
        let r: Vec<DialogRow> = rows(
            &self.sql(),
            "SELECT line, first_line, ended, token_hash, client, dialog_id, allowed_origins, channel FROM dialog WHERE id = 1",
            vec![],
        )?;
        let row = r
            .into_iter()
            .next()
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))?;
        *self.row.borrow_mut() = Some(row.clone());
        Ok(row)
    }

    async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        let hash = req
            .headers()
            .get(TOKEN_HASH_HEADER)
            .map_err(internal)?
            .unwrap_or_default();
        let path = url.path().to_owned();
        let after = url
            .query_pairs()
            .find(|(k, _)| k == "after")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(0);
        // The body is read once: the routes parse it without an await each.
        let body = match req.method() {
            Method::Get => Vec::new(),
            _ => read_bytes(&mut req, MAX_BODY_BYTES).await?,
        };
        match (req.method(), path.as_str()) {
            (Method::Post, "/init") => {
                let body: Init = parse_json(&body)?;
                self.init(&body, &hash)
            }
            // Internal calls from the line and the worker (operators' side).
            (Method::Post, StoreNotice::PATH) => {
                let StoreNotice(notice) = parse_json(&body)?;
                json(200, &self.notice(notice)?)
            }
            (Method::Post, Ended::PATH) => {
                let ended: Ended = parse_json(&body)?;
                if self.dialog()?.line == ended.line {
                    self.set_ended(true)?;
                    if ended.next.is_some() {
                        for ws in self.state.get_websockets_with_tag("visitor") {
                            let _ = ws.send(&VisitorEvent::Moved);
                        }
                    }
                }
                json(200, &Done {})
            }
            (Method::Post, MoveToLine::PATH) => {
                let to: MoveToLine = parse_json(&body)?;
                run(
                    &self.sql(),
                    "UPDATE dialog SET line = ? WHERE id = 1",
                    vec![V::from(to.line)],
                )?;
                *self.row.borrow_mut() = None;
                json(200, &Done {})
            }
            (Method::Post, PresentOperator::PATH) => {
                let PresentOperator(card) = parse_json(&body)?;
                let stored = serde_json::to_string(&card).map_err(internal)?;
                run(
                    &self.sql(),
                    "UPDATE dialog SET operator_card = ? WHERE id = 1",
                    vec![V::from(stored)],
                )?;
                for ws in self.state.get_websockets_with_tag("visitor") {
                    let _ = ws.send(&VisitorEvent::Operator { card: card.clone() });
                }
                json(200, &Done {})
            }
            (Method::Post, OperatorTyping::PATH) => {
                let OperatorTyping(card) = parse_json(&body)?;
                for ws in self.state.get_websockets_with_tag("visitor") {
                    let _ = ws.send(&VisitorEvent::Typing {
                        operator: card.clone(),
                    });
                }
                json(200, &Done {})
            }
            (Method::Post, OperatorRead::PATH) => {
                let read: OperatorRead = parse_json(&body)?;
                self.operator_read(read.seq)?;
                json(200, &Done {})
            }
            (Method::Get, "/operator-history") => json(200, &self.history(after, View::Operator)?),
            (Method::Post, EraseWords::PATH) => {
                // GDPR: the words go; the messages' places and times stay,
                // and the visitor's tokens no longer open the dialog.
                let sql = self.sql();
                let blanked = written(
                    &sql,
                    "UPDATE messages SET text = '', attachment = NULL, quick_replies = NULL
                     WHERE text != '' OR attachment IS NOT NULL OR quick_replies IS NOT NULL",
                    vec![],
                )?;
                // Its files go with its words (issue 11.3).
                self.erase_files().await?;
                run(&sql, "DELETE FROM device_tokens", vec![])?;
                run(
                    &sql,
                    "UPDATE dialog SET token_hash = '' WHERE id = 1",
                    vec![],
                )?;
                *self.row.borrow_mut() = None;
                *self.tail.borrow_mut() = None;
                for ws in self.state.get_websockets_with_tag("visitor") {
                    let _ = ws.close(Some(1000), Some("erased"));
                }
                json(
                    200,
                    &WordsErased {
                        messages: blanked as u32,
                    },
                )
            }
            // C2: a lead's transcript, as the client saw the chat.
            (Method::Get, "/transcript") => json(200, &self.history(after, View::Visitor)?),
            (Method::Post, StoreOperatorMessage::PATH) => {
                let body: StoreOperatorMessage = parse_json(&body)?;
                let stored = self.operator_message(body)?;
                json(if stored.created { 201 } else { 200 }, &stored)
            }
            (Method::Post, ChannelMessage::PATH) => {
                // L4: the client wrote from their messenger; the worker
                // checked the channel's secret with the line.
                let body: ChannelMessage = parse_json(&body)?;
                self.visitor_send(body.message, body.attachment).await?;
                json(200, &Done {})
            }
            (Method::Post, StoreChannelNote::PATH) => {
                let note: StoreChannelNote = parse_json(&body)?;
                let client_id = format!("sys-channel-{}", clock::real_now());
                let kept = self.append(
                    &AuthorKey::System,
                    &client_id,
                    &Author::System,
                    &note.text,
                    true,
                    Some("channel_failed"),
                )?;
                json(
                    200,
                    &Stored {
                        message: kept.message,
                        created: kept.created,
                        visitor_present: false,
                        channel: None,
                    },
                )
            }
            (Method::Post, "/external-message") => {
                // C7: an external system writes to the client in the line's name.
                let body: SendMessage = parse_json(&body)?;
                let client_id = text::client_id(&body.client_id)?;
                let text = text::message_text(&body.text)?;
                let kept = self.append(
                    &AuthorKey::External,
                    &client_id,
                    &Author::Operator { name: None },
                    &text,
                    false,
                    None,
                )?;
                if kept.created {
                    self.to_visitor(&kept);
                    self.relay(Relay {
                        message: Some(kept.message.clone()),
                        ..Relay::default()
                    })
                    .await?;
                }
                json(if kept.created { 201 } else { 200 }, &kept.message)
            }
            (Method::Post, "/device-token") => {
                // A verified user (identity) opens this dialog on another
                // device: the worker hands that device its own token.
                if hash.len() != 64 {
                    return Err(ProtocolError::new(
                        ErrorCode::BadRequest,
                        "token hash expected",
                    ));
                }
                self.dialog()?;
                run(
                    &self.sql(),
                    "INSERT OR IGNORE INTO device_tokens (hash, created_at) VALUES (?, ?)",
                    vec![V::from(hash.as_str()), V::from(clock::real_now())],
                )?;
                json(200, &Ack::DONE)
            }
            // The visitor's side: the token's hash must match.
            (method, path) => {
                let origin = req
                    .headers()
                    .get(ORIGIN_HEADER)
                    .map_err(internal)?
                    .unwrap_or_default();
                self.authorize(&hash, &origin)?;
                match (method, path) {
                    (Method::Get, "/session") => {
                        let d = self.dialog()?;
                        json(
                            200,
                            &TokenSession {
                                line: d.line.clone(),
                                first_line: d.first_line.clone(),
                                client: d.client.clone(),
                            },
                        )
                    }
                    (Method::Get, "/messages") => json(200, &self.history(after, View::Visitor)?),
                    (Method::Post, "/messages") => {
                        let body: SendMessage = parse_json(&body)?;
                        let (message, created) = self.visitor_send(body, None).await?;
                        json(if created { 201 } else { 200 }, &message)
                    }
                    (Method::Post, VisitorAttachment::PATH) => {
                        let body: VisitorAttachment = parse_json(&body)?;
                        let send = SendMessage {
                            client_id: body.client_id,
                            text: body.attachment.name.clone(),
                        };
                        let (message, created) =
                            self.visitor_send(send, Some(body.attachment)).await?;
                        json(if created { 201 } else { 200 }, &message)
                    }
                    (Method::Get, "/ws") => self.accept_visitor_socket(),
                    (Method::Post, "/email-copy") => {
                        let taken = written(
                            &self.sql(),
                            "UPDATE dialog SET email_copies = email_copies + 1
                             WHERE id = 1 AND email_copies < ?",
                            vec![V::from(MAX_EMAIL_COPIES)],
                        )?;
                        if taken == 0 {
                            return Err(ProtocolError::new(
                                ErrorCode::RateLimited,
                                format!(
                                    "at most {MAX_EMAIL_COPIES} e-mail copies of one conversation"
                                ),
                            ));
                        }
                        json(200, &Ack::DONE)
                    }
                    _ => Err(ProtocolError::new(
                        ErrorCode::NotFound,
                        "no such dialog route",
                    )),
                }
            }
        }
    }

    fn init(&self, body: &Init, hash: &str) -> ApiResult {
        if self.dialog().is_ok() {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                "dialog already exists",
            ));
        }
        run(
            &self.sql(),
            "INSERT INTO dialog (id, line, first_line, token_hash, created_at, client, dialog_id, typing_preview, allowed_origins, channel) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::from(body.line.as_str()),
                V::from(body.line.as_str()),
                V::from(hash),
                V::from(clock::real_now()),
                V::from(body.client.as_str()),
                V::from(body.dialog.as_str()),
                V::from(i64::from(body.typing_preview)),
                V::from(serde_json::to_string(&body.allowed_origins).map_err(internal)?),
                V::from(body.channel.as_ref().map(serde_json::to_string).transpose().map_err(internal)?),
            ],
        )?;
        json(200, &Ack::DONE)
    }

    /// Whether `hash` is a token handed to another device of a verified
    /// user. (A lookup by the hash of a 256-bit secret: its timing reveals
    /// nothing about any secret.)
    fn device_token(&self, hash: &str) -> bool {
        #[derive(Deserialize)]
        struct Found {
            #[allow(dead_code)]
            hash: String,
        }
        rows::<Found>(
            &self.sql(),
            "SELECT hash FROM device_tokens WHERE hash = ?",
            vec![V::from(hash)],
        )
        .map(|r| !r.is_empty())
        .unwrap_or(false)
    }

    /// The visitor may act only with a token of this dialog (the one it was
    /// opened with, or one handed to a verified user's other device),
    /// and only from a page the line allows (when it restricts origins).
    fn authorize(&self, hash: &str, origin: &str) -> std::result::Result<(), ProtocolError> {
        let denied = || ProtocolError::new(ErrorCode::Unauthorized, "invalid visitor token");
        let d = self.dialog().map_err(|_| denied())?;
        if hash.is_empty() || !(constant_time_eq(&d.token_hash, hash) || self.device_token(hash)) {
            return Err(denied());
        }
        let allowed: Vec<String> = serde_json::from_str(&d.allowed_origins).unwrap_or_default();
        if !origin.is_empty() && !allowed.is_empty() && !allowed.iter().any(|a| a == origin) {
            return Err(ProtocolError::new(
                ErrorCode::Forbidden,
                "this site is not allowed to use this line's chat",
            ));
        }
        Ok(())
    }

    /// Messages after `after`: every one by the line's numbering for
    /// operators, or the visible ones by the visitor's own numbering.
    fn history(&self, after: i64, view: View) -> std::result::Result<History, ProtocolError> {
        let by = match view {
            View::Operator => "seq",
            View::Visitor => "shown",
        };
        // One more than a page tells whether another page follows. (A
        // hidden note's `shown` is NULL, never after anything.)
        let mut r: Vec<MessageRow> = rows(
            &self.sql(),
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE {by} > ? ORDER BY {by} LIMIT ?"),
            vec![V::from(after), V::from(HISTORY_PAGE as i64 + 1)],
        )?;
        let more = r.len() > HISTORY_PAGE;
        r.truncate(HISTORY_PAGE);
        let messages = r
            .into_iter()
            .map(|row| match view {
                View::Operator => row.into_message().map(Some),
                View::Visitor => row.into_kept().map(|k| k.for_visitor()),
            })
            .filter_map(std::result::Result::transpose)
            .collect::<std::result::Result<_, _>>()?;
        Ok(History {
            messages,
            more,
            seen: self.seen_by_other_side(view)?,
        })
    }

    fn tail(&self) -> std::result::Result<Tail, ProtocolError> {
        if let Some(t) = self.tail.borrow().as_ref() {
            return Ok(t.clone());
        }
        #[derive(Deserialize)]
        struct Last {
            seq: i64,
            shown: i64,
        }
        #[derive(Deserialize)]
        struct Visible {
            author: String,
        }
        let sql = self.sql();
        let (seq, shown) = rows::<Last>(
            &sql,
            "SELECT COALESCE(MAX(seq), 0) AS seq, COALESCE(MAX(shown), 0) AS shown FROM messages",
            vec![],
        )?
        .first()
        .map_or((0, 0), |l| (l.seq, l.shown));
        let last_visible = rows::<Visible>(
            &sql,
            "SELECT author FROM messages WHERE hidden = 0 ORDER BY seq DESC LIMIT 1",
            vec![],
        )?
        .first()
        .map(|v| serde_json::from_str::<Author>(&v.author).ok());
        let tail = Tail {
            seq,
            shown,
            last_visible,
        };
        *self.tail.borrow_mut() = Some(tail.clone());
        Ok(tail)
    }

    /// Stores a message once per author and client id: a resend returns the
    /// stored copy. One statement for a new message (the tail is in memory).
    fn append(
        &self,
        key: &AuthorKey,
        client_id: &str,
        author: &Author,
        text: &str,
        hidden: bool,
        kind: Option<&str>,
    ) -> std::result::Result<Kept, ProtocolError> {
        self.append_file(
            key,
            client_id,
            author,
            text,
            hidden,
            kind,
            Extras::default(),
        )
    }

    /// [`Self::append`] with the file the message sends and the answers
    /// it offers, if any.
    #[allow(clippy::too_many_arguments)]
    fn append_file(
        &self,
        key: &AuthorKey,
        client_id: &str,
        author: &Author,
        text: &str,
        hidden: bool,
        kind: Option<&str>,
        extras: Extras,
    ) -> std::result::Result<Kept, ProtocolError> {
        let Extras {
            attachment,
            quick_replies,
        } = extras;
        let stored_file = match &attachment {
            Some(a) => Some(serde_json::to_string(a).map_err(internal)?),
            None => None,
        };
        let stored_replies = crate::sql::json_list(&quick_replies)?;
        let sql = self.sql();
        let tail = self.tail()?;
        let seq = tail.seq + 1;
        let shown = (!hidden).then_some(tail.shown + 1);
        let at = clock::real_now();
        let key = key.column();
        let stored = written(
            &sql,
            "INSERT INTO messages (seq, shown, author_key, client_id, author, text, at, hidden, kind, attachment, quick_replies)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(author_key, client_id) DO NOTHING",
            vec![
                V::from(seq),
                V::from(shown),
                V::from(key.as_str()),
                V::from(client_id),
                V::from(serde_json::to_string(author).map_err(internal)?),
                V::from(text),
                V::from(at),
                V::from(i64::from(hidden)),
                V::from(kind),
                V::from(stored_file),
                V::from(stored_replies),
            ],
        )
        .inspect_err(|_| {
            // Read the tail afresh next time, whatever went wrong.
            *self.tail.borrow_mut() = None;
        })?;
        if stored == 0 {
            let existing: Vec<MessageRow> = rows(
                &sql,
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE author_key = ? AND client_id = ?"
                ),
                vec![V::from(key.as_str()), V::from(client_id)],
            )?;
            let row = existing
                .into_iter()
                .next()
                .ok_or_else(|| internal("a conflicting message vanished"))?;
            return row.into_kept();
        }
        *self.tail.borrow_mut() = Some(Tail {
            seq,
            shown: shown.unwrap_or(tail.shown),
            last_visible: if hidden {
                tail.last_visible
            } else {
                Some(Some(author.clone()))
            },
        });
        let message = ChatMessage {
            seq: u64::try_from(seq).map_err(internal)?,
            client_id: client_id.to_owned(),
            author: author.clone(),
            text: text.to_owned(),
            at,
            hidden,
            kind: kind.map(str::to_owned),
            attachment,
            quick_replies,
        };
        Ok(Kept {
            message,
            shown: shown.map(u64::try_from).transpose().map_err(internal)?,
            created: true,
        })
    }

    /// A stored message to every socket of the visitor (other tabs, and a
    /// verified user's other devices, stay in step; the widget shows each
    /// client id once). Never a hidden one.
    fn to_visitor(&self, kept: &Kept) {
        let Some(message) = kept.for_visitor() else {
            return;
        };
        let event = VisitorEvent::Message { message };
        let Ok(frame) = serde_json::to_string(&event) else {
            return;
        };
        for ws in self.state.get_websockets_with_tag("visitor") {
            let _ = ws.send_with_str(&frame);
        }
    }

    /// The visitor's side is done here; the line takes the rest (the
    /// lifecycle event, the consoles), in one call.
    async fn relay(&self, mut relay: Relay) -> std::result::Result<(), ProtocolError> {
        let d = self.dialog()?;
        relay.dialog = d.dialog_id;
        let stub = rpc::stub(&self.env, "LINES", &d.line)?;
        rpc::invoke(&stub, &relay).await?;
        Ok(())
    }

    async fn visitor_send(
        &self,
        body: SendMessage,
        attachment: Option<Attachment>,
    ) -> std::result::Result<(ChatMessage, bool), ProtocolError> {
        let client_id = text::client_id(&body.client_id)?;
        let text = text::message_text(&body.text)?;
        if self.dialog()?.ended != 0 {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                "this conversation has ended: start a new one",
            ));
        }
        // The turn rule looks at the last message the client sees before
        // this one (the tail, before the append changes it).
        let previous = self.tail()?.last_visible;
        let kept = self.append_file(
            &AuthorKey::Visitor,
            &client_id,
            &Author::Visitor,
            &text,
            false,
            None,
            Extras {
                attachment,
                ..Extras::default()
            },
        )?;
        if kept.created {
            // The line hears of the client's message only when the client's
            // turn starts (K1 answer timer, reopening): a run of client
            // messages is one event, which keeps the line's step off the
            // hot path.
            let event = client_turn_starts(previous.as_ref().map(Option::as_ref)).then(|| {
                Event::ClientMessage {
                    dialog: self.dialog().map(|d| d.dialog_id).unwrap_or_default(),
                }
            });
            self.to_visitor(&kept);
            self.relay(Relay {
                event,
                message: Some(kept.message.clone()),
                ..Relay::default()
            })
            .await?;
        }
        let mine = kept
            .for_visitor()
            .ok_or_else(|| internal("a visitor's message is never hidden"))?;
        Ok((mine, kept.created))
    }

    /// Stores an operator's message the line has allowed, and shows it to
    /// the visitor unless it is hidden; the line shows it on the consoles.
    fn operator_message(
        &self,
        body: StoreOperatorMessage,
    ) -> std::result::Result<Stored, ProtocolError> {
        // The line checked the client id and the text (its one entry for
        // the console's socket and HTTP alike).
        let author = Author::Operator {
            name: body.shown_name.clone(),
        };
        let kept = self.append_file(
            &AuthorKey::Operator(&body.operator),
            &body.client_id,
            &author,
            &body.text,
            body.hidden,
            None,
            Extras {
                attachment: body.attachment,
                quick_replies: body.quick_replies,
            },
        )?;
        if kept.created {
            self.to_visitor(&kept);
        }
        Ok(Stored {
            message: kept.message,
            created: kept.created,
            visitor_present: self.visitor_present(),
            channel: self.dialog()?.chat(),
        })
    }

    /// Deletes every file sent in this dialog (GDPR erasure, retention).
    async fn erase_files(&self) -> std::result::Result<(), ProtocolError> {
        use crate::http::attachments::{FILES, PREFIX};
        let prefix = format!("{PREFIX}{}/", self.dialog()?.dialog_id);
        let bucket = self.env.bucket(FILES).map_err(internal)?;
        loop {
            let listed = bucket
                .list()
                .prefix(prefix.clone())
                .execute()
                .await
                .map_err(internal)?;
            let keys: Vec<String> = listed.objects().iter().map(|o| o.key()).collect();
            if keys.is_empty() {
                return Ok(());
            }
            bucket.delete_multiple(keys).await.map_err(internal)?;
        }
    }

    /// Marks the dialog ended (the line finished it) or open again.
    fn set_ended(&self, ended: bool) -> std::result::Result<(), ProtocolError> {
        run(
            &self.sql(),
            "UPDATE dialog SET ended = ? WHERE id = 1",
            vec![V::from(i64::from(ended))],
        )?;
        *self.row.borrow_mut() = None;
        Ok(())
    }

    fn notice(&self, notice: ClientNotice) -> std::result::Result<Stored, ProtocolError> {
        if notice == ClientNotice::Reopened {
            self.set_ended(false)?; // T2 = 0: a late rating reopened it.
        }
        let (text, kind) = match &notice {
            ClientNotice::Closed { text } => (text.clone(), "closed"),
            ClientNotice::RatingRequest => (String::new(), "rating_request"),
            ClientNotice::Reopened => (String::new(), "reopened"),
        };
        let client_id = format!("sys-{kind}-{}", clock::real_now());
        let kept = self.append(
            &AuthorKey::System,
            &client_id,
            &Author::System,
            &text,
            false,
            Some(kind),
        )?;
        if kept.created {
            self.to_visitor(&kept);
            for ws in self.state.get_websockets_with_tag("visitor") {
                let _ = ws.send(&VisitorEvent::Notice {
                    notice: notice.clone(),
                });
            }
        }
        Ok(Stored {
            message: kept.message,
            created: kept.created,
            visitor_present: self.visitor_present(),
            channel: self.dialog()?.chat(),
        })
    }

    /// Whether the visitor has the widget open anywhere (a socket of theirs).
    fn visitor_present(&self) -> bool {
        !self.state.get_websockets_with_tag("visitor").is_empty()
    }

    fn accept_visitor_socket(&self) -> ApiResult {
        let pair = WebSocketPair::new().map_err(internal)?;
        self.state
            .accept_websocket_with_tags(&pair.server, &["visitor"]);
        let d = self.dialog()?;
        let _ = pair.server.send(&VisitorEvent::Welcome {
            protocol: PROTOCOL_VERSION,
            dialog: d.dialog_id,
        });
        // O1: who answers, for a visitor who (re)connects after the assignment.
        #[derive(Deserialize)]
        struct CardRow {
            operator_card: Option<String>,
        }
        let card: Vec<CardRow> = rows(
            &self.sql(),
            "SELECT operator_card FROM dialog WHERE id = 1",
            vec![],
        )?;
        if let Some(card) = card
            .into_iter()
            .next()
            .and_then(|r| r.operator_card)
            .and_then(|c| {
                serde_json::from_str::<Option<openline_core::operator::OperatorCard>>(&c).ok()
            })
        {
            let _ = pair.server.send(&VisitorEvent::Operator { card });
        }
        Response::from_websocket(pair.client).map_err(internal)
    }

    async fn visitor_frame(
        &self,
        ws: &WebSocket,
        frame: VisitorFrame,
    ) -> std::result::Result<(), ProtocolError> {
        match frame {
            VisitorFrame::Hello { protocol, after } => {
                if protocol != PROTOCOL_VERSION {
                    return Err(ProtocolError::new(
                        ErrorCode::BadRequest,
                        format!("protocol {protocol} is not supported; use {PROTOCOL_VERSION}"),
                    ));
                }
                // The whole history after `after`, page by page.
                let mut after = i64::try_from(after).unwrap_or(i64::MAX);
                loop {
                    let page = self.history(after, View::Visitor)?;
                    for message in page.messages {
                        after = i64::try_from(message.seq).unwrap_or(i64::MAX);
                        let _ = ws.send(&VisitorEvent::Message { message });
                    }
                    if !page.more {
                        if page.seen > 0 {
                            let _ = ws.send(&VisitorEvent::Read { seq: page.seen });
                        }
                        break;
                    }
                }
            }
            VisitorFrame::Read { seq } => {
                let dialog = self.dialog()?.dialog_id;
                limits::visitor(&self.env, &dialog, VisitorAction::Read).await?;
                self.visitor_read(seq).await?;
            }
            VisitorFrame::Send { client_id, text } => {
                let dialog = self.dialog()?.dialog_id;
                limits::visitor(&self.env, &dialog, VisitorAction::Message).await?;
                let (message, created) = self
                    .visitor_send(SendMessage { client_id, text }, None)
                    .await?;
                if !created {
                    // A resend: confirm to this socket only.
                    let _ = ws.send(&VisitorEvent::Message { message });
                }
            }
            VisitorFrame::Typing { draft } => {
                let dialog = self.dialog()?.dialog_id;
                limits::visitor(&self.env, &dialog, VisitorAction::Typing).await?;
                let draft: String = draft.chars().take(text::MAX_MESSAGE_CHARS).collect();
                self.relay(Relay {
                    draft: Some(draft),
                    ..Relay::default()
                })
                .await?;
            }
            VisitorFrame::Rate { score, comment } => {
                let d = self.dialog()?;
                limits::visitor(&self.env, &d.dialog_id, VisitorAction::Rating).await?;
                let stub = rpc::stub(&self.env, "LINES", &d.line)?;
                let event = Event::ClientRating {
                    dialog: d.dialog_id.clone(),
                    score,
                    comment,
                };
                rpc::invoke_done(&stub, &LineEvent(event)).await?;
            }
            VisitorFrame::Ping => {
                let _ = ws.send(&VisitorEvent::Pong);
            }
        }
        Ok(())
    }
}
