//! The Durable Object of one line: its settings, operators' presence, the
//! queue and every routing decision — the core's `Line` machine, persisted
//! in SQLite after each step, with the object's single alarm set to the
//! machine's earliest deadline. Operators' consoles hold a hibernating
//! WebSocket here for offers, status changes and live messages.

use crate::api::{error_response, internal, json, read_json, ApiResult};
use crate::calls::{
    Applied, Call, ClientLastDialog, DialogAccess, Done, LastDialog, LineEvent, MoveToLine,
    OperatorSend, OperatorTyping, Relay, StoreNotice, StoreOperatorMessage, Stored,
};
use crate::clock;
use crate::migrations::{migrate, Migration};
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::consent::{ConsentRecord, Contacts};
use openline_core::conversation::{Conversation, Delivery, Recipient, Sender};
use openline_core::line::{ClientRecord, Effect, Event, Line, Notice, StoredLine};
use openline_core::operator::Presence;
use openline_core::protocol::frames::{OperatorEvent, OperatorFrame};
use openline_core::protocol::{Account, ChatMessage, PROTOCOL_VERSION};
use openline_core::quick_answers::{search, QuickAnswer, QuickAnswerInput};
use openline_core::settings::LineSettings;
use openline_core::timers::TimerKey;
use openline_core::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue as V,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// How long finished dialogs stay in the line's state (core time).
const RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Header through which the worker names the authenticated operator.
pub const OPERATOR_HEADER: &str = "x-openline-operator";

const MIGRATIONS: &[Migration] = &[
    Migration {
    name: "0001_line",
    sql: "CREATE TABLE line_state (id INTEGER PRIMARY KEY CHECK (id = 1), line_id TEXT NOT NULL, state TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
          CREATE TABLE ratings (dialog TEXT NOT NULL, by TEXT, score INTEGER NOT NULL, comment TEXT, at INTEGER NOT NULL);
          CREATE TABLE notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, recipients TEXT NOT NULL, notice TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // The machine is stored as a head row plus one row per dialog, so a step
    // writes only what it changed.
    Migration {
        name: "0002_line_dialogs",
        sql: "CREATE TABLE line_dialogs (id TEXT PRIMARY KEY, state TEXT NOT NULL)",
    },
    Migration {
        name: "0003_quick_answers_contacts_consents",
        sql: "CREATE TABLE quick_answers (id TEXT PRIMARY KEY, grp TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, created_by TEXT, created_at INTEGER NOT NULL);
              CREATE TABLE client_contacts (client TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT, updated_at INTEGER NOT NULL);
              CREATE TABLE consents (id INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // Operators, clients and timers get rows of their own, so a step writes
    // only what it changed (the head keeps settings, departments, waits).
    Migration {
        name: "0004_line_rows",
        sql: "CREATE TABLE line_operators (id TEXT PRIMARY KEY, state TEXT NOT NULL);
              CREATE TABLE line_clients (id TEXT PRIMARY KEY, state TEXT NOT NULL);
              CREATE TABLE line_timers (key TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    },
];

/// Body of `POST /contacts`: contact data left by a client, and the consent
/// given with it (A1).
#[derive(Serialize, Deserialize)]
pub struct ContactsLeft {
    pub client: String,
    pub contacts: Contacts,
    pub consent: Option<ConsentRecord>,
}

#[derive(Serialize, Deserialize)]
struct QaRow {
    id: String,
    grp: String,
    title: String,
    text: String,
}

impl QaRow {
    fn answer(self) -> QuickAnswer {
        QuickAnswer {
            id: self.id,
            group: self.grp,
            title: self.title,
            text: self.text,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ContactRow {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ConsentRow {
    client: String,
    version: i64,
    text: String,
    at: i64,
}

/// Body of `POST /create`.
#[derive(Serialize, Deserialize)]
pub struct CreateLine {
    pub line_id: String,
    pub settings: LineSettings,
}

/// Body of `PUT /settings`: the settings and the accounts, so the line knows
/// the operators its queue names.
#[derive(Serialize, Deserialize)]
pub struct SettingsUpdate {
    pub settings: LineSettings,
    pub accounts: Vec<Account>,
}

#[derive(Deserialize)]
struct StateRow {
    line_id: String,
    state: String,
    deleted: i64,
}

#[durable_object]
pub struct LineObject {
    state: State,
    env: Env,
    line: RefCell<Option<(String, Line)>>,
    /// The alarm as last set by this instance (None: not known since the
    /// object woke), so a step touches the alarm only when it moves.
    armed: Cell<Option<Option<i64>>>,
}

impl DurableObject for LineObject {
    fn new(state: State, env: Env) -> Self {
        if let Err(e) = migrate(&state.storage().sql(), MIGRATIONS) {
            worker::console_error!("line migration failed: {e}");
        }
        Self {
            state,
            env,
            line: RefCell::new(None),
            armed: Cell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        Ok(match self.handle(req).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        })
    }

    async fn alarm(&self) -> Result<Response> {
        // A fired alarm is no longer set.
        self.armed.set(Some(None));
        let now = clock::core_now(&self.env);
        let effects = match self
            .step(|line| {
                let fx = line.handle_timeout(now);
                // Keep the line's state bounded: finished dialogs older than
                // 30 days live on only in their own objects.
                line.prune_finished(now - RETENTION_MS);
                Ok(fx)
            })
            .await
        {
            Ok(fx) => fx,
            Err(e) => {
                worker::console_error!("alarm: {e}");
                Vec::new()
            }
        };
        self.apply(effects).await;
        Response::ok("ok")
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let WebSocketIncomingMessage::String(raw) = message else {
            return Ok(());
        };
        let frame = match serde_json::from_str::<OperatorFrame>(&raw) {
            Ok(f) => f,
            Err(e) => {
                let error =
                    ProtocolError::new(ErrorCode::BadRequest, format!("invalid frame: {e}"));
                let _ = ws.send(&OperatorEvent::Error {
                    error,
                    client_id: None,
                });
                return Ok(());
            }
        };
        let client_id = match &frame {
            OperatorFrame::Send { client_id, .. } => Some(client_id.clone()),
            _ => None,
        };
        if let Err(error) = self.operator_frame(&ws, frame).await {
            let _ = ws.send(&OperatorEvent::Error { error, client_id });
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        self.socket_gone(&ws).await;
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.socket_gone(&ws).await;
        Ok(())
    }
}

impl LineObject {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    /// Loads the machine from storage once per wake: the head and every
    /// row. A line stored in an older format is rewritten in rows once.
    fn load(&self) -> std::result::Result<(), ProtocolError> {
        if self.line.borrow().is_some() {
            return Ok(());
        }
        let r: Vec<StateRow> = rows(
            &self.sql(),
            "SELECT line_id, state, deleted FROM line_state WHERE id = 1",
            vec![],
        )?;
        let row = match r.into_iter().next() {
            Some(row) if row.deleted == 0 => row,
            _ => return Err(ProtocolError::new(ErrorCode::NotFound, "no such line")),
        };
        // Before 0002 the whole machine was one JSON document.
        let (mut line, rewrite) = match serde_json::from_str::<Line>(&row.state) {
            Ok(full) => (full, true),
            Err(_) => self.read_rows(&row.state)?,
        };
        if rewrite {
            line.mark_all_changed();
            self.store(&mut line)?;
        }
        *self.line.borrow_mut() = Some((row.line_id, line));
        Ok(())
    }

    fn read_rows(&self, head_json: &str) -> std::result::Result<(Line, bool), ProtocolError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            state: String,
        }
        #[derive(Deserialize)]
        struct TimerRow {
            key: String,
            at: i64,
        }
        let sql = self.sql();
        let parse = |rows: Vec<Row>| rows.into_iter().map(|r| (r.id, r.state));
        let dialogs = parse(rows(&sql, "SELECT id, state FROM line_dialogs", vec![])?)
            .map(|(_, s)| serde_json::from_str(&s))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(internal)?;
        let operators = parse(rows(&sql, "SELECT id, state FROM line_operators", vec![])?)
            .map(|(_, s)| serde_json::from_str(&s))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(internal)?;
        let clients = parse(rows(&sql, "SELECT id, state FROM line_clients", vec![])?)
            .map(|(id, s)| serde_json::from_str::<ClientRecord>(&s).map(|c| (id, c)))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(internal)?;
        let timers = rows::<TimerRow>(&sql, "SELECT key, at FROM line_timers", vec![])?
            .into_iter()
            .map(|t| serde_json::from_str::<TimerKey>(&t.key).map(|k| (k, t.at)))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(internal)?;
        Line::from_stored(StoredLine {
            head_json,
            operators,
            clients,
            dialogs,
            timers,
        })
        .map_err(internal)
    }

    /// Runs one step of the machine, stores what it changed and re-arms the
    /// alarm. A refused step changes nothing (the core guarantees it; a
    /// multi-event step that fails half-way is reloaded from storage). The
    /// borrow of the machine ends before the first `await`.
    async fn step<F>(&self, f: F) -> std::result::Result<Vec<Effect>, ProtocolError>
    where
        F: FnOnce(&mut Line) -> std::result::Result<Vec<Effect>, ProtocolError>,
    {
        self.load()?;
        let result = {
            let mut guard = self.line.borrow_mut();
            let (_, line) = guard.as_mut().ok_or_else(|| internal("line not loaded"))?;
            match f(line) {
                Ok(effects) => self.store(line).map(|()| (effects, line.next_deadline())),
                Err(e) => Err(e),
            }
        };
        match result {
            Ok((effects, deadline)) => {
                self.arm(deadline).await;
                Ok(effects)
            }
            Err(e) => {
                *self.line.borrow_mut() = None;
                Err(e)
            }
        }
    }

    /// Writes the rows the last step changed, and the head only when it
    /// changed; the writes have no `await` between them, so they commit
    /// together.
    fn store(&self, line: &mut Line) -> std::result::Result<(), ProtocolError> {
        let sql = self.sql();
        let changes = line.take_changes();
        if changes.head {
            run(
                &sql,
                "UPDATE line_state SET state = ? WHERE id = 1",
                vec![V::from(line.head_json().map_err(internal)?)],
            )?;
        }
        let put = |table: &str, id: &str, state: Option<String>| match state {
            Some(state) => run(
                &sql,
                &format!("INSERT OR REPLACE INTO {table} (id, state) VALUES (?, ?)"),
                vec![V::from(id), V::from(state)],
            ),
            None => run(
                &sql,
                &format!("DELETE FROM {table} WHERE id = ?"),
                vec![V::from(id)],
            ),
        };
        for id in &changes.dialogs {
            let state = line.dialog(id).map(serde_json::to_string).transpose();
            put("line_dialogs", id, state.map_err(internal)?)?;
        }
        for id in &changes.operators {
            let state = line.operator(id).map(serde_json::to_string).transpose();
            put("line_operators", id, state.map_err(internal)?)?;
        }
        for id in &changes.clients {
            let state = line.client(id).map(serde_json::to_string).transpose();
            put("line_clients", id, state.map_err(internal)?)?;
        }
        for (key, at) in &changes.timers {
            let key = serde_json::to_string(key).map_err(internal)?;
            match at {
                Some(at) => run(
                    &sql,
                    "INSERT OR REPLACE INTO line_timers (key, at) VALUES (?, ?)",
                    vec![V::from(key), V::from(*at)],
                )?,
                None => run(
                    &sql,
                    "DELETE FROM line_timers WHERE key = ?",
                    vec![V::from(key)],
                )?,
            }
        }
        Ok(())
    }

    /// Sets the single alarm to the machine's earliest deadline (real
    /// time), only when it moved since this instance last set it.
    async fn arm(&self, deadline: Option<i64>) {
        let at = deadline.map(|d| clock::real_at(&self.env, d));
        if self.armed.get() == Some(at) {
            return;
        }
        let storage = self.state.storage();
        let r = match at {
            Some(at) => {
                storage
                    .set_alarm(worker::ScheduledTime::new(js_sys::Date::new(
                        &(at as f64).into(),
                    )))
                    .await
            }
            None => storage.delete_alarm().await,
        };
        match r {
            Ok(()) => self.armed.set(Some(at)),
            Err(e) => {
                self.armed.set(None);
                worker::console_error!("alarm: {e}");
            }
        }
    }

    async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        let path = url.path().to_owned();
        let method = req.method();
        if (method.clone(), path.as_str()) == (Method::Post, "/create") {
            let body: CreateLine = read_json(&mut req).await?;
            return self.create(body);
        }
        match (method, path.as_str()) {
            (Method::Get, "/settings") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                json(200, line.settings())
            }
            (Method::Put, "/settings") => {
                let body: SettingsUpdate = read_json(&mut req).await?;
                let now = clock::core_now(&self.env);
                let fx = self
                    .step(|line| {
                        for account in line.roster_from(&body.settings, &body.accounts) {
                            line.handle(now, Event::UpsertOperator { operator: account })?;
                        }
                        Ok(line.update_settings(body.settings, now)?)
                    })
                    .await?;
                self.apply(fx).await;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                json(200, line.settings())
            }
            (Method::Delete, "/") => {
                self.load()?;
                run(
                    &self.sql(),
                    "UPDATE line_state SET deleted = 1 WHERE id = 1",
                    vec![],
                )?;
                *self.line.borrow_mut() = None;
                self.arm(None).await;
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Post, "/event") => {
                let event: Event = read_json(&mut req).await?;
                let now = clock::core_now(&self.env);
                let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
                self.apply(fx.clone()).await;
                json(200, &Applied { effects: fx })
            }
            (Method::Get, "/dialogs") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let list: Vec<_> = line.dialogs().collect();
                // `now`: the line's clock, so consoles count K3 waiting times
                // against it rather than the browser's.
                let now = clock::core_now(&self.env);
                json(200, &serde_json::json!({ "dialogs": list, "now": now }))
            }
            (Method::Get, "/departments") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let list: Vec<_> = line
                    .departments()
                    .map(|(id, members)| serde_json::json!({ "id": id, "members": members }))
                    .collect();
                json(200, &serde_json::json!({ "departments": list }))
            }
            (Method::Get, "/operators") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let list: Vec<_> = line.operators().collect();
                json(200, &serde_json::json!({ "operators": list }))
            }
            (Method::Get, p) if p.starts_with("/queue/") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let dialog = p.trim_start_matches("/queue/");
                json(
                    200,
                    &serde_json::json!({ "queue": line.queue_info(dialog) }),
                )
            }
            (Method::Post, ClientLastDialog::PATH) => {
                let ask: ClientLastDialog = read_json(&mut req).await?;
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let d = line.dialog_for_client(&ask.client)?;
                json(
                    200,
                    &LastDialog {
                        dialog: d.id.clone(),
                        status: d.status.clone(),
                    },
                )
            }
            (Method::Get, "/open-now") => {
                self.load()?;
                let now = clock::core_now(&self.env);
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let scale = clock::scale(&self.env);
                let next = line.next_opening(now).map(|t| t / scale);
                json(
                    200,
                    &serde_json::json!({ "open": line.open_now(now), "next_opening": next }),
                )
            }
            (Method::Get, "/quick-answers") => {
                self.load()?;
                let q = url
                    .query_pairs()
                    .find(|(k, _)| k == "q")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let all: Vec<QaRow> = rows(
                    &self.sql(),
                    "SELECT id, grp, title, text FROM quick_answers",
                    vec![],
                )?;
                let all: Vec<QuickAnswer> = all.into_iter().map(QaRow::answer).collect();
                let hits: Vec<&QuickAnswer> = search(&all, &q);
                json(200, &serde_json::json!({ "quick_answers": hits }))
            }
            (Method::Post, "/quick-answers") => {
                self.load()?;
                #[derive(Deserialize)]
                struct Create {
                    items: Vec<QuickAnswerInput>,
                    by: String,
                }
                let body: Create = read_json(&mut req).await?;
                if body.items.is_empty() || body.items.len() > 500 {
                    return Err(ProtocolError::invalid_field("items", "1–500 quick answers"));
                }
                let valid = body
                    .items
                    .iter()
                    .map(QuickAnswerInput::validated)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let mut created = Vec::new();
                for v in valid {
                    let id = crate::ids::random_hex(8).map_err(internal)?;
                    run(
                        &self.sql(),
                        "INSERT INTO quick_answers (id, grp, title, text, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        vec![V::from(id.as_str()), V::from(v.group.as_str()), V::from(v.title.as_str()), V::from(v.text.as_str()), V::from(body.by.as_str()), V::from(clock::real_now())],
                    )?;
                    created.push(QuickAnswer {
                        id,
                        group: v.group,
                        title: v.title,
                        text: v.text,
                    });
                }
                json(201, &serde_json::json!({ "quick_answers": created }))
            }
            (Method::Put, p) if p.starts_with("/quick-answers/") => {
                self.load()?;
                let id = p.trim_start_matches("/quick-answers/").to_owned();
                let v = read_json::<QuickAnswerInput>(&mut req).await?.validated()?;
                let found: Vec<QaRow> = rows(
                    &self.sql(),
                    "SELECT id, grp, title, text FROM quick_answers WHERE id = ?",
                    vec![V::from(id.as_str())],
                )?;
                if found.is_empty() {
                    return Err(ProtocolError::new(
                        ErrorCode::NotFound,
                        "no such quick answer",
                    ));
                }
                run(
                    &self.sql(),
                    "UPDATE quick_answers SET grp = ?, title = ?, text = ? WHERE id = ?",
                    vec![
                        V::from(v.group.as_str()),
                        V::from(v.title.as_str()),
                        V::from(v.text.as_str()),
                        V::from(id.as_str()),
                    ],
                )?;
                json(
                    200,
                    &QuickAnswer {
                        id,
                        group: v.group,
                        title: v.title,
                        text: v.text,
                    },
                )
            }
            (Method::Delete, p) if p.starts_with("/quick-answers/") => {
                self.load()?;
                run(
                    &self.sql(),
                    "DELETE FROM quick_answers WHERE id = ?",
                    vec![V::from(p.trim_start_matches("/quick-answers/"))],
                )?;
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Post, "/contacts") => {
                self.load()?;
                let body: ContactsLeft = read_json(&mut req).await?;
                // The core's normal form: trimmed, and an empty field is
                // absent, so it never overwrites a stored value (COALESCE).
                let contacts = body.contacts.normalized();
                let sql = self.sql();
                run(
                    &sql,
                    "INSERT INTO client_contacts (client, name, email, phone, updated_at) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT(client) DO UPDATE SET name = COALESCE(excluded.name, name), email = COALESCE(excluded.email, email),
                     phone = COALESCE(excluded.phone, phone), updated_at = excluded.updated_at",
                    vec![V::from(body.client.as_str()), V::from(contacts.name), V::from(contacts.email), V::from(contacts.phone), V::from(clock::real_now())],
                )?;
                if let Some(c) = body.consent {
                    run(
                        &sql,
                        "INSERT INTO consents (client, version, text, at) VALUES (?, ?, ?, ?)",
                        vec![
                            V::from(c.client),
                            V::from(c.version as i64),
                            V::from(c.text),
                            V::from(c.at),
                        ],
                    )?;
                }
                json(200, &serde_json::json!({ "ok": true }))
            }
            (Method::Get, "/consents") => {
                self.load()?;
                let c: Vec<ConsentRow> = rows(
                    &self.sql(),
                    "SELECT client, version, text, at FROM consents ORDER BY id DESC LIMIT 1000",
                    vec![],
                )?;
                json(200, &serde_json::json!({ "consents": c }))
            }
            (Method::Get, p) if p.starts_with("/card/") => {
                let client = p.trim_start_matches("/card/").to_owned();
                self.load()?;
                let contacts: Vec<ContactRow> = rows(
                    &self.sql(),
                    "SELECT name, email, phone FROM client_contacts WHERE client = ?",
                    vec![V::from(client.as_str())],
                )?;
                let consents: Vec<ConsentRow> = rows(
                    &self.sql(),
                    "SELECT client, version, text, at FROM consents WHERE client = ? ORDER BY id",
                    vec![V::from(client.as_str())],
                )?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let dialogs: Vec<_> = line.dialogs().filter(|d| d.client == client).collect();
                json(
                    200,
                    &serde_json::json!({ "client": client, "contacts": contacts.first(), "consents": consents, "dialogs": dialogs }),
                )
            }
            (Method::Post, Relay::PATH) => {
                let relay: Relay = read_json(&mut req).await?;
                self.relay(relay).await?;
                json(200, &Done {})
            }
            (Method::Post, OperatorSend::PATH) => {
                let send: OperatorSend = read_json(&mut req).await?;
                let stored = self.operator_send(send).await?;
                json(if stored.created { 201 } else { 200 }, &stored)
            }
            (Method::Post, DialogAccess::PATH) => {
                let ask: DialogAccess = read_json(&mut req).await?;
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let d = line.dialog(&ask.dialog).ok_or_else(|| {
                    ProtocolError::new(
                        ErrorCode::NotFound,
                        format!("no dialog '{}' on this line", ask.dialog),
                    )
                })?;
                if !(ask.supervisor || d.involves(&ask.operator)) {
                    return Err(ProtocolError::new(
                        ErrorCode::Forbidden,
                        "this dialog is not offered to you or held by you",
                    ));
                }
                json(200, d)
            }
            (Method::Get, "/ws") => {
                let operator = req
                    .headers()
                    .get(OPERATOR_HEADER)
                    .map_err(internal)?
                    .ok_or_else(|| {
                        ProtocolError::new(ErrorCode::Unauthorized, "operator required")
                    })?;
                self.accept_operator_socket(&operator).await
            }
            _ => Err(ProtocolError::new(
                ErrorCode::NotFound,
                "no such line route",
            )),
        }
    }

    /// A frame from an operator's console. Everything the console does in
    /// a dialog can go over its socket; the HTTP routes stay for scripts.
    async fn operator_frame(
        &self,
        ws: &WebSocket,
        frame: OperatorFrame,
    ) -> std::result::Result<(), ProtocolError> {
        let operator = ws
            .deserialize_attachment::<String>()
            .map_err(internal)?
            .ok_or_else(|| ProtocolError::new(ErrorCode::Unauthorized, "unknown socket"))?;
        let op = operator.clone();
        let event = match frame {
            OperatorFrame::Ping => {
                let _ = ws.send(&OperatorEvent::Pong);
                return Ok(());
            }
            OperatorFrame::Hello { .. } => return Ok(()),
            OperatorFrame::Typing { dialog } => {
                return self.operator_typing(&operator, &dialog).await
            }
            OperatorFrame::Send {
                dialog,
                client_id,
                text,
                hidden,
            } => {
                let send = OperatorSend {
                    dialog: dialog.clone(),
                    operator,
                    client_id,
                    text,
                    hidden,
                };
                let stored = self.operator_send(send).await?;
                if !stored.created {
                    // A resend: confirm to this console only.
                    let _ = ws.send(&OperatorEvent::Message {
                        dialog,
                        message: stored.message.clone(),
                        hidden: stored.message.hidden,
                    });
                }
                return Ok(());
            }
            OperatorFrame::Presence { presence } => Event::SetPresence {
                operator: op,
                presence,
            },
            OperatorFrame::WorkingDay { started } => Event::SetWorkingDay {
                operator: op,
                started,
            },
            OperatorFrame::Accept { dialog } => Event::Accept {
                dialog,
                operator: op,
            },
            OperatorFrame::Close { dialog } => Event::Close {
                dialog,
                operator: op,
            },
            OperatorFrame::Leave { dialog } => Event::Leave {
                dialog,
                operator: op,
            },
            OperatorFrame::Invite { dialog, operator } => Event::Invite {
                dialog,
                by: op,
                operator,
            },
            OperatorFrame::Transfer {
                dialog,
                to,
                comment,
            } => {
                // Q9: the comment reaches the next operator as a hidden note.
                if let Some(text) = comment.filter(|c| !c.trim().is_empty()) {
                    let client_id =
                        format!("transfer-{}", crate::ids::random_hex(8).map_err(internal)?);
                    self.operator_send(OperatorSend {
                        dialog: dialog.clone(),
                        operator: op.clone(),
                        client_id,
                        text: openline_core::text::message_text(&text)?,
                        hidden: true,
                    })
                    .await?;
                }
                Event::Transfer { dialog, by: op, to }
            }
        };
        let now = clock::core_now(&self.env);
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        self.apply(fx).await;
        Ok(())
    }

    /// An operator's message, one visit here and one at the dialog: the
    /// core allows it (participation, L2, lifecycle) and names the operator
    /// as the client sees them (O1); the dialog stores it and tells the
    /// visitor; the dialog's consoles get it from here.
    async fn operator_send(
        &self,
        send: OperatorSend,
    ) -> std::result::Result<Stored, ProtocolError> {
        let client_id = openline_core::text::client_id(&send.client_id)?;
        let text = openline_core::text::message_text(&send.text)?;
        let now = clock::core_now(&self.env);
        let event = Event::OperatorMessage {
            dialog: send.dialog.clone(),
            operator: send.operator.clone(),
            hidden: send.hidden,
        };
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        let shown_name = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            line.operator(&send.operator)
                .and_then(|o| openline_core::operator::present(o, &line.settings().presentation))
                .map(|card| card.name)
        };
        let store = StoreOperatorMessage {
            operator: send.operator.clone(),
            shown_name,
            client_id,
            text,
            hidden: send.hidden,
        };
        let stub = rpc::stub(&self.env, "DIALOGS", &send.dialog)?;
        let stored = rpc::invoke(&stub, &store).await;
        // The step's effects (an offer accepted by answering) apply either way.
        self.apply(fx).await;
        let stored = stored?;
        if stored.created {
            self.to_consoles(
                &send.dialog,
                &Sender::Operator(send.operator),
                &stored.message,
            );
        }
        Ok(stored)
    }

    /// A visitor's action relayed by their dialog: the lifecycle event
    /// first, then the message or draft to the consoles of the dialog.
    async fn relay(&self, relay: Relay) -> std::result::Result<(), ProtocolError> {
        if let Some(event) = relay.event {
            let now = clock::core_now(&self.env);
            match self.step(|line| Ok(line.handle(now, event)?)).await {
                Ok(fx) => self.apply(fx).await,
                // Stored either way; a finished dialog is the widget's cue.
                Err(e) => worker::console_log!("relay event refused: {}", e.message),
            }
        }
        if let Some(message) = &relay.message {
            let sender = if message.author == openline_core::protocol::Author::Visitor {
                Sender::Client
            } else {
                Sender::System
            };
            self.to_consoles(&relay.dialog, &sender, message);
        }
        if let Some(draft) = &relay.draft {
            self.load()?;
            let (conv, _) = self.conversation(&relay.dialog)?;
            let out = conv
                .deliver_typing(&Sender::Client, draft)
                .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
            for (to, delivery) in out {
                if let (Recipient::Operator(op), Delivery::Typing { preview, .. }) = (to, delivery)
                {
                    let event = OperatorEvent::Typing {
                        dialog: relay.dialog.clone(),
                        preview,
                    };
                    self.send_to(std::slice::from_ref(&op), &event);
                }
            }
        }
        Ok(())
    }

    /// The dialog's participants as the core defines them (the one rule),
    /// with the line's W1 setting; and the dialog's client.
    fn conversation(
        &self,
        dialog: &str,
    ) -> std::result::Result<(Conversation, String), ProtocolError> {
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        let d = line
            .dialog(dialog)
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))?;
        Ok((
            Conversation {
                operators: d.participants(),
                typing_preview: line.settings().widget.typing_preview,
            },
            d.client.clone(),
        ))
    }

    /// Shows a stored message on the consoles the conversation rules name
    /// (hidden messages reach operators only; the sender's other tabs too).
    fn to_consoles(&self, dialog: &str, sender: &Sender, message: &ChatMessage) {
        if self.load().is_err() {
            return;
        }
        let Ok((conv, _)) = self.conversation(dialog) else {
            return;
        };
        let targets: Vec<String> = match sender {
            Sender::System => conv.operators.clone(),
            s => match conv.deliver_message(s, message.seq, message.hidden) {
                Ok(t) => t
                    .into_iter()
                    .filter_map(|(r, _)| match r {
                        Recipient::Operator(o) => Some(o),
                        Recipient::Client => None,
                    })
                    .collect(),
                Err(_) => Vec::new(),
            },
        };
        let event = OperatorEvent::Message {
            dialog: dialog.to_owned(),
            message: message.clone(),
            hidden: message.hidden,
        };
        self.send_to(&targets, &event);
    }

    fn create(&self, body: CreateLine) -> ApiResult {
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
        for table in [
            "line_dialogs",
            "line_operators",
            "line_clients",
            "line_timers",
        ] {
            run(&sql, &format!("DELETE FROM {table}"), vec![])?;
        }
        run(
            &sql,
            "INSERT OR REPLACE INTO line_state (id, line_id, state, deleted) VALUES (1, ?, ?, 0)",
            vec![V::from(body.line_id.as_str()), V::from(head)],
        )?;
        let settings = line.settings().clone();
        *self.line.borrow_mut() = Some((body.line_id, line));
        json(201, &settings)
    }

    async fn accept_operator_socket(&self, operator: &str) -> ApiResult {
        let pair = WebSocketPair::new().map_err(internal)?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[&format!("op:{operator}")]);
        pair.server
            .serialize_attachment(operator)
            .map_err(internal)?;
        let _ = pair.server.send(&OperatorEvent::Welcome {
            protocol: PROTOCOL_VERSION,
            operator: operator.to_owned(),
        });
        // Being in the console means being online (Q4), unless set otherwise.
        let now = clock::core_now(&self.env);
        let op = operator.to_owned();
        let fx = self
            .step(|line| match line.operator(&op) {
                Some(o) if o.presence == Presence::Offline => Ok(line.handle(
                    now,
                    Event::SetPresence {
                        operator: op.clone(),
                        presence: Presence::Online,
                    },
                )?),
                _ => Ok(Vec::new()),
            })
            .await;
        if let Ok(fx) = fx {
            self.apply(fx).await;
        }
        Response::from_websocket(pair.client).map_err(internal)
    }

    async fn socket_gone(&self, ws: &WebSocket) {
        let Ok(Some(operator)) = ws.deserialize_attachment::<String>() else {
            return;
        };
        let tag = format!("op:{operator}");
        let still_open = self
            .state
            .get_websockets_with_tag(&tag)
            .iter()
            .any(|s| !s.as_ref().loose_eq(ws.as_ref()));
        if still_open {
            return;
        }
        let now = clock::core_now(&self.env);
        let fx = self
            .step(|line| {
                if line.operator(&operator).is_none() {
                    return Ok(Vec::new());
                }
                Ok(line.handle(
                    now,
                    Event::SetPresence {
                        operator: operator.clone(),
                        presence: Presence::Offline,
                    },
                )?)
            })
            .await;
        if let Ok(fx) = fx {
            self.apply(fx).await;
        }
    }

    /// An operator types in a dialog they are in: the visitor sees an
    /// indicator (never the text), with the operator as O1 presents them.
    async fn operator_typing(
        &self,
        operator: &str,
        dialog: &str,
    ) -> std::result::Result<(), ProtocolError> {
        self.load()?;
        let card = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let d = line
                .dialog(dialog)
                .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))?;
            if !d.involves(operator) {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "you are not in this dialog",
                ));
            }
            line.operator(operator)
                .and_then(|o| openline_core::operator::present(o, &line.settings().presentation))
        };
        let stub = rpc::stub(&self.env, "DIALOGS", dialog)?;
        rpc::invoke(&stub, &OperatorTyping(card)).await?;
        Ok(())
    }

    fn send_to(&self, operators: &[String], event: &OperatorEvent) {
        for op in operators {
            for ws in self.state.get_websockets_with_tag(&format!("op:{op}")) {
                let _ = ws.send(event);
            }
        }
    }

    /// Applies the machine's effects: consoles, dialogs, other lines, records.
    async fn apply(&self, effects: Vec<Effect>) {
        for effect in effects {
            if let Err(e) = self.apply_one(effect).await {
                worker::console_error!("effect failed: {e}");
            }
        }
    }

    async fn apply_one(&self, effect: Effect) -> std::result::Result<(), ProtocolError> {
        match effect {
            // Who takes part in a dialog is the line's record alone (the
            // core's `Dialog::involves`): no copy elsewhere to keep in step.
            Effect::Offer { dialog, operator } => {
                self.send_to(&[operator], &OperatorEvent::Offer { dialog });
            }
            Effect::Revoke { dialog, operator } => {
                self.send_to(&[operator], &OperatorEvent::Revoke { dialog });
            }
            Effect::Assigned { dialog, operator } => {
                let all = self.all_operators();
                self.send_to(&all, &OperatorEvent::Assigned { dialog, operator });
            }
            Effect::Invited { .. } | Effect::Left { .. } => {}
            Effect::StatusChanged { dialog, status } => {
                let all = self.all_operators();
                self.send_to(&all, &OperatorEvent::Status { dialog, status });
            }
            Effect::ToClient { dialog, notice } => {
                let stub = rpc::stub(&self.env, "DIALOGS", &dialog)?;
                let stored = rpc::invoke(&stub, &StoreNotice(notice)).await?;
                if stored.created {
                    self.to_consoles(&dialog, &Sender::System, &stored.message);
                }
            }
            Effect::Notify { to, notice } => {
                run(
                    &self.sql(),
                    "INSERT INTO notifications (recipients, notice, at) VALUES (?, ?, ?)",
                    vec![
                        V::from(serde_json::to_string(&to).map_err(internal)?),
                        V::from(serde_json::to_string(&notice).map_err(internal)?),
                        V::from(clock::real_now()),
                    ],
                )?;
                self.send_to(
                    &to,
                    &OperatorEvent::Notify {
                        notice: notice.clone(),
                    },
                );
                self.mail_notice(&to, &notice).await?;
            }
            Effect::Rated { dialog, by, rating } => run(
                &self.sql(),
                "INSERT INTO ratings (dialog, by, score, comment, at) VALUES (?, ?, ?, ?, ?)",
                vec![
                    V::from(dialog),
                    V::from(by),
                    V::from(rating.score as i64),
                    V::from(rating.comment),
                    V::from(clock::real_now()),
                ],
            )?,
            Effect::TransferToLine { dialog, line } => {
                let client = {
                    let guard = self.line.borrow();
                    guard
                        .as_ref()
                        .and_then(|(_, l)| l.dialog(&dialog).map(|d| d.client.clone()))
                        .unwrap_or_default()
                };
                let target = rpc::stub(&self.env, "LINES", &line)?;
                let event = Event::DialogOpened {
                    dialog: dialog.clone(),
                    client,
                };
                rpc::invoke(&target, &LineEvent(event)).await?;
                let stub = rpc::stub(&self.env, "DIALOGS", &dialog)?;
                rpc::invoke(&stub, &MoveToLine { line }).await?;
            }
            Effect::BotTakes { .. } => {}
        }
        Ok(())
    }

    /// K2: recipients whose login is an e-mail address also get an e-mail
    /// through the outbox.
    async fn mail_notice(
        &self,
        to: &[String],
        notice: &Notice,
    ) -> std::result::Result<(), ProtocolError> {
        let accounts: Vec<Account> = rpc::call_json(
            &rpc::stub(&self.env, "ACCOUNTS", "accounts")?,
            Method::Get,
            "/accounts",
            None::<&()>,
        )
        .await?;
        let (name, language) = {
            let guard = self.line.borrow();
            let s = guard.as_ref().map(|(_, l)| l.settings());
            (
                s.map(|s| s.name.clone()).unwrap_or_default(),
                s.map(|s| s.language.clone()).unwrap_or_default(),
            )
        };
        let outbox = rpc::stub(&self.env, "OUTBOX", "outbox")?;
        for a in accounts
            .iter()
            .filter(|a| to.contains(&a.id) && a.login.contains('@'))
        {
            let mail = openline_core::email::notice(&a.login, &name, &language, notice)?;
            rpc::parse::<serde_json::Value>(
                rpc::call(&outbox, Method::Post, "/enqueue", Some(&mail), &[]).await?,
            )
            .await?;
        }
        Ok(())
    }

    fn all_operators(&self) -> Vec<String> {
        self.line
            .borrow()
            .as_ref()
            .map(|(_, l)| l.operators().map(|o| o.id.clone()).collect())
            .unwrap_or_default()
    }
}
