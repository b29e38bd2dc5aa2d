//! The Durable Object of one dialog: its transcript, the visitor's
//! credentials and sockets, and who of the operators may read and write.
//! One object per dialog keeps every conversation isolated and lets the
//! service scale with the number of dialogs.

use crate::api::{error_response, internal, json, read_json, ApiResult};
use crate::clock;
use crate::ids::constant_time_eq;
use crate::line_object::{Deliver, Relay};
use crate::migrations::{migrate, Migration};
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::conversation::{Conversation, Delivery, Recipient, Sender};
use openline_core::line::{ClientNotice, Event};
use openline_core::operator::OperatorCard;
use openline_core::protocol::frames::{OperatorEvent, VisitorEvent, VisitorFrame};
use openline_core::protocol::{Author, ChatMessage, History, SendMessage, PROTOCOL_VERSION};
use openline_core::{text, ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};
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
];

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
}

/// Body of `POST /operator-message`.
#[derive(Serialize, Deserialize)]
pub struct OperatorMessage {
    pub operator: String,
    /// As the client sees them (O1); None when operators are hidden.
    pub shown_name: Option<String>,
    pub client_id: String,
    pub text: String,
    pub hidden: bool,
}

#[durable_object]
pub struct DialogObject {
    state: State,
    env: Env,
}

#[derive(Deserialize)]
struct DialogRow {
    line: String,
    token_hash: String,
    client: String,
    dialog_id: String,
    typing_preview: i64,
    allowed_origins: String,
}

#[derive(Deserialize)]
struct MessageRow {
    seq: i64,
    client_id: String,
    author: String,
    text: String,
    at: i64,
    hidden: i64,
    kind: Option<String>,
}

impl MessageRow {
    fn into_message(self) -> std::result::Result<ChatMessage, ProtocolError> {
        Ok(ChatMessage {
            seq: u64::try_from(self.seq).map_err(internal)?,
            client_id: self.client_id,
            author: serde_json::from_str(&self.author).map_err(internal)?,
            text: self.text,
            at: self.at,
            hidden: self.hidden != 0,
            kind: self.kind,
        })
    }
}

const MESSAGE_COLUMNS: &str = "seq, client_id, author, text, at, hidden, kind";

impl DurableObject for DialogObject {
    fn new(state: State, env: Env) -> Self {
        if let Err(e) = migrate(&state.storage().sql(), MIGRATIONS) {
            worker::console_error!("dialog migration failed: {e}");
        }
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
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
        let result = match serde_json::from_str::<VisitorFrame>(&raw) {
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
        let r: Vec<DialogRow> = rows(
            &self.sql(),
            "SELECT line, token_hash, client, dialog_id, typing_preview, allowed_origins FROM dialog WHERE id = 1",
            vec![],
        )?;
        r.into_iter()
            .next()
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))
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
        match (req.method(), path.as_str()) {
            (Method::Post, "/init") => {
                let body: Init = read_json(&mut req).await?;
                self.init(&body, &hash)
            }
            // Internal calls from the line and the worker (operators' side).
            (Method::Post, "/participants") => {
                #[derive(Deserialize)]
                struct P {
                    operator: String,
                    add: bool,
                }
                let p: P = read_json(&mut req).await?;
                if p.add {
                    run(
                        &self.sql(),
                        "INSERT OR IGNORE INTO participants (operator) VALUES (?)",
                        vec![V::from(p.operator)],
                    )?;
                } else {
                    run(
                        &self.sql(),
                        "DELETE FROM participants WHERE operator = ?",
                        vec![V::from(p.operator)],
                    )?;
                }
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Post, "/notice") => {
                let notice: ClientNotice = read_json(&mut req).await?;
                self.notice(notice).await
            }
            (Method::Post, "/line") => {
                #[derive(Deserialize)]
                struct L {
                    line: String,
                }
                let l: L = read_json(&mut req).await?;
                run(
                    &self.sql(),
                    "UPDATE dialog SET line = ? WHERE id = 1",
                    vec![V::from(l.line)],
                )?;
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Post, "/operator-typing") => {
                let card: Option<OperatorCard> = read_json(&mut req).await?;
                for ws in self.state.get_websockets_with_tag("visitor") {
                    let _ = ws.send(&VisitorEvent::Typing {
                        operator: card.clone(),
                    });
                }
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Get, "/operator-history") => json(200, &self.history(after, true)?),
            (Method::Post, "/operator-message") => {
                let body: OperatorMessage = read_json(&mut req).await?;
                self.operator_message(body).await
            }
            (Method::Post, "/external-message") => {
                // C7: an external system writes to the client in the line's name.
                let body: SendMessage = read_json(&mut req).await?;
                let client_id = text::client_id(&body.client_id)?;
                let text = text::message_text(&body.text)?;
                let (message, created) = self.append(
                    &client_id,
                    &Author::Operator { name: None },
                    &text,
                    false,
                    None,
                )?;
                if created {
                    self.deliver(&Sender::System, &message, None).await?;
                }
                json(if created { 201 } else { 200 }, &message)
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
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Get, "/info") => {
                let d = self.dialog()?;
                json(
                    200,
                    &serde_json::json!({ "line": d.line, "client": d.client, "dialog": d.dialog_id }),
                )
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
                            &serde_json::json!({ "line": d.line, "client": d.client }),
                        )
                    }
                    (Method::Get, "/messages") => json(200, &self.history(after, false)?),
                    (Method::Post, "/messages") => {
                        let body: SendMessage = read_json(&mut req).await?;
                        let (message, created) = self.visitor_send(body).await?;
                        json(if created { 201 } else { 200 }, &message)
                    }
                    (Method::Get, "/ws") => self.accept_visitor_socket(),
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
            "INSERT INTO dialog (id, line, token_hash, created_at, client, dialog_id, typing_preview, allowed_origins) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::from(body.line.as_str()),
                V::from(hash),
                V::from(clock::real_now()),
                V::from(body.client.as_str()),
                V::from(body.dialog.as_str()),
                V::from(i64::from(body.typing_preview)),
                V::from(serde_json::to_string(&body.allowed_origins).map_err(internal)?),
            ],
        )?;
        json(200, &serde_json::json!({ "ok": true }))
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

    fn conversation(&self) -> std::result::Result<Conversation, ProtocolError> {
        #[derive(Deserialize)]
        struct P {
            operator: String,
        }
        let ops: Vec<P> = rows(
            &self.sql(),
            "SELECT operator FROM participants ORDER BY operator",
            vec![],
        )?;
        Ok(Conversation {
            operators: ops.into_iter().map(|p| p.operator).collect(),
            typing_preview: self
                .dialog()
                .map(|d| d.typing_preview != 0)
                .unwrap_or(false),
        })
    }

    /// Messages after `after`; the visitor's view never holds hidden ones.
    fn history(
        &self,
        after: i64,
        with_hidden: bool,
    ) -> std::result::Result<History, ProtocolError> {
        let filter = if with_hidden { "" } else { "AND hidden = 0" };
        let r: Vec<MessageRow> = rows(
            &self.sql(),
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq > ? {filter} ORDER BY seq LIMIT 500"),
            vec![V::from(after)],
        )?;
        let messages = r
            .into_iter()
            .map(MessageRow::into_message)
            .collect::<std::result::Result<_, _>>()?;
        Ok(History { messages })
    }

    /// Stores a message once per client id: a resend returns the stored copy.
    fn append(
        &self,
        client_id: &str,
        author: &Author,
        text: &str,
        hidden: bool,
        kind: Option<&str>,
    ) -> std::result::Result<(ChatMessage, bool), ProtocolError> {
        let sql = self.sql();
        let existing: Vec<MessageRow> = rows(
            &sql,
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ?"),
            vec![V::from(client_id)],
        )?;
        if let Some(row) = existing.into_iter().next() {
            return Ok((row.into_message()?, false));
        }
        let r: Vec<MessageRow> = rows(
            &sql,
            &format!(
                "INSERT INTO messages (seq, client_id, author, text, at, hidden, kind)
                 VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM messages), ?, ?, ?, ?, ?, ?)
                 RETURNING {MESSAGE_COLUMNS}"
            ),
            vec![
                V::from(client_id),
                V::from(serde_json::to_string(author).map_err(internal)?),
                V::from(text),
                V::from(clock::real_now()),
                V::from(i64::from(hidden)),
                V::from(kind),
            ],
        )?;
        let row = r
            .into_iter()
            .next()
            .ok_or_else(|| internal("insert returned no row"))?;
        Ok((row.into_message()?, true))
    }

    /// Sends a stored message to whoever the conversation rules allow.
    async fn deliver(
        &self,
        sender: &Sender,
        message: &ChatMessage,
        line_event: Option<Event>,
    ) -> std::result::Result<(), ProtocolError> {
        let conv = self.conversation()?;
        let d = self.dialog()?;
        let (line, message_dialog) = (d.line, d.dialog_id);
        let targets = match sender {
            // System notices go to the client and the dialog's operators.
            Sender::System => {
                let mut t: Vec<(Recipient, Delivery)> = conv
                    .operators
                    .iter()
                    .map(|o| {
                        (
                            Recipient::Operator(o.clone()),
                            Delivery::Message {
                                seq: message.seq,
                                hidden: false,
                            },
                        )
                    })
                    .collect();
                t.push((
                    Recipient::Client,
                    Delivery::Message {
                        seq: message.seq,
                        hidden: false,
                    },
                ));
                t
            }
            s => conv
                .deliver_message(s, message.seq, message.hidden)
                .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?,
        };
        let operators: Vec<String> = targets
            .iter()
            .filter_map(|(r, _)| match r {
                Recipient::Operator(o) => Some(o.clone()),
                Recipient::Client => None,
            })
            .collect();
        // The visitor's own messages go back to all their sockets too: other
        // tabs, and a verified user's other devices, stay in step (the
        // widget shows each client id once).
        if matches!(sender, Sender::Client) || targets.iter().any(|(r, _)| *r == Recipient::Client)
        {
            for ws in self.state.get_websockets_with_tag("visitor") {
                let _ = ws.send(&VisitorEvent::Message {
                    message: message.clone(),
                });
            }
        }
        let deliver = (!operators.is_empty()).then(|| Deliver {
            operators,
            event: OperatorEvent::Message {
                dialog: message_dialog.clone(),
                message: message.clone(),
                hidden: message.hidden,
            },
        });
        if deliver.is_some() || line_event.is_some() {
            let relay = Relay {
                event: line_event,
                deliver,
            };
            self.to_line(&line, &relay).await?;
        }
        Ok(())
    }

    async fn to_line(&self, line: &str, relay: &Relay) -> std::result::Result<(), ProtocolError> {
        let stub = rpc::stub(&self.env, "LINES", line)?;
        rpc::parse::<serde_json::Value>(
            rpc::call(&stub, Method::Post, "/relay", Some(relay), &[]).await?,
        )
        .await?;
        Ok(())
    }

    async fn visitor_send(
        &self,
        body: SendMessage,
    ) -> std::result::Result<(ChatMessage, bool), ProtocolError> {
        let client_id = text::client_id(&body.client_id)?;
        let text = text::message_text(&body.text)?;
        let (message, created) = self.append(&client_id, &Author::Visitor, &text, false, None)?;
        if created {
            // The line hears of the client's message only when the turn
            // changes (K1 answer timer, reopening): a run of client messages
            // is one event, which keeps the line off the hot path.
            let previous: Vec<MessageRow> = rows(
                &self.sql(),
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq < ? AND hidden = 0 ORDER BY seq DESC LIMIT 1"),
                vec![V::from(message.seq as i64)],
            )?;
            let turn_changed = previous.first().is_none_or(|p| {
                serde_json::from_str::<Author>(&p.author).map_or(true, |a| a != Author::Visitor)
            });
            let event = turn_changed.then(|| Event::ClientMessage {
                dialog: self.dialog().map(|d| d.dialog_id).unwrap_or_default(),
            });
            self.deliver(&Sender::Client, &message, event).await?;
        }
        Ok((message, created))
    }

    async fn operator_message(&self, body: OperatorMessage) -> ApiResult {
        let client_id = text::client_id(&body.client_id)?;
        let text = text::message_text(&body.text)?;
        let conv = self.conversation()?;
        if !conv.operators.contains(&body.operator) {
            return Err(ProtocolError::new(
                ErrorCode::Forbidden,
                "you are not in this dialog",
            ));
        }
        let author = Author::Operator {
            name: body.shown_name.clone(),
        };
        let (message, created) = self.append(&client_id, &author, &text, body.hidden, None)?;
        if created {
            self.deliver(&Sender::Operator(body.operator.clone()), &message, None)
                .await?;
        }
        json(if created { 201 } else { 200 }, &message)
    }

    async fn notice(&self, notice: ClientNotice) -> ApiResult {
        let (text, kind) = match &notice {
            ClientNotice::Closed { text } => (text.clone(), "closed"),
            ClientNotice::RatingRequest => (String::new(), "rating_request"),
            ClientNotice::Reopened => (String::new(), "reopened"),
        };
        let client_id = format!("sys-{kind}-{}", clock::real_now());
        let (message, created) =
            self.append(&client_id, &Author::System, &text, false, Some(kind))?;
        if created {
            self.deliver(&Sender::System, &message, None).await?;
            for ws in self.state.get_websockets_with_tag("visitor") {
                let _ = ws.send(&VisitorEvent::Notice {
                    notice: notice.clone(),
                });
            }
        }
        json(200, &message)
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
                let after = i64::try_from(after).unwrap_or(i64::MAX);
                for message in self.history(after, false)?.messages {
                    let _ = ws.send(&VisitorEvent::Message { message });
                }
            }
            VisitorFrame::Send { client_id, text } => {
                let (message, created) = self.visitor_send(SendMessage { client_id, text }).await?;
                if !created {
                    // A resend: confirm to this socket only.
                    let _ = ws.send(&VisitorEvent::Message { message });
                }
            }
            VisitorFrame::Typing { draft } => {
                let draft: String = draft.chars().take(text::MAX_MESSAGE_CHARS).collect();
                let conv = self.conversation()?;
                let out = conv
                    .deliver_typing(&Sender::Client, &draft)
                    .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
                let d = self.dialog()?;
                let preview = out.iter().find_map(|(_, del)| match del {
                    Delivery::Typing { preview, .. } => Some(preview.clone()),
                    _ => None,
                });
                if let Some(preview) = preview {
                    let operators = conv.operators.clone();
                    let event = OperatorEvent::Typing {
                        dialog: d.dialog_id.clone(),
                        preview,
                    };
                    let relay = Relay {
                        event: None,
                        deliver: Some(Deliver { operators, event }),
                    };
                    self.to_line(&d.line, &relay).await?;
                }
            }
            VisitorFrame::Rate { score, comment } => {
                let d = self.dialog()?;
                let stub = rpc::stub(&self.env, "LINES", &d.line)?;
                let event = Event::ClientRating {
                    dialog: d.dialog_id.clone(),
                    score,
                    comment,
                };
                rpc::parse::<serde_json::Value>(
                    rpc::call(&stub, Method::Post, "/event", Some(&event), &[]).await?,
                )
                .await?;
            }
            VisitorFrame::Ping => {
                let _ = ws.send(&VisitorEvent::Pong);
            }
        }
        Ok(())
    }
}
