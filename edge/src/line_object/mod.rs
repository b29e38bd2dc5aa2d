//! The Durable Object of one line: its settings, operators' presence, the
//! queue and every routing decision — the core's `Line` machine, persisted
//! in SQLite after each step, with the object's single alarm set to the
//! machine's earliest deadline. Operators' consoles hold a hibernating
//! WebSocket here for offers, status changes and live messages.

mod archive;
mod bots;
mod channels;
mod effects;
mod figures;
mod hooks;
mod leads;
mod lifecycle;
mod mail;
mod notices;
mod privacy;
mod records;
mod router;
mod schema;
mod search;
mod socket;

use crate::api::{error_response, internal};
use crate::calls::Call;
use crate::clock;
use crate::migrations::{self, Schema};
use crate::sql::{rows, run};
use openline_core::consent::{ConsentRecord, Contacts};
use openline_core::line::{ClientRecord, Effect, Line, StoredLine};
use openline_core::protocol::frames::{OperatorEvent, OperatorFrame};
use openline_core::protocol::Account;
use openline_core::replies::Ack;
use openline_core::settings::LineSettings;
use openline_core::timers::TimerKey;
use openline_core::webhooks::{HookData, HookKind};
use openline_core::{ErrorCode, ProtocolError};
use schema::{StateRow, MIGRATIONS};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorageValue as V, State,
    WebSocket, WebSocketIncomingMessage,
};

/// Header through which the worker names the authenticated operator.
pub const OPERATOR_HEADER: &str = "x-openline-operator";

/// Header through which the worker names the console session (its token's
/// hash) that opens a socket, so a logout can close that session's sockets.
pub const SESSION_HEADER: &str = "x-openline-session";

/// Set by the worker on a console socket of a supervisor or administrator:
/// they watch every dialog of the line without being in its queue.
pub const WATCHER_HEADER: &str = "x-openline-watcher";

/// Body of `POST /contacts`: contact data left by a client, and the consent
/// given with it (A1).
#[derive(Serialize, Deserialize)]
pub struct ContactsLeft {
    pub client: String,
    pub contacts: Contacts,
    pub consent: Option<ConsentRecord>,
    /// Left by the client in the widget's form (F2/F4/H4), not read from
    /// the site's login: only then are the operators told (part 5).
    #[serde(default)]
    pub form: bool,
}

impl Call for ContactsLeft {
    const PATH: &'static str = "/contacts";
    type Reply = Ack;
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

#[durable_object]
pub struct LineObject {
    state: State,
    env: Env,
    /// Whether the storage migrated (see [`crate::migrations`]).
    schema: Schema,
    line: RefCell<Option<(String, Line)>>,
    /// The alarm as last set by this instance (None: not known since the
    /// object woke), so a step touches the alarm only when it moves.
    armed: Cell<Option<Option<i64>>>,
    /// Whether this instance has matched presence to live sockets yet.
    presence_checked: Cell<bool>,
    /// S3: when the oldest archived transcript not yet erased finished
    /// (None: not known since the archive last changed; `Some(None)`: none).
    expiry: Cell<Option<Option<i64>>>,
    /// Issue 13: what this request did that webhooks may hear of.
    hooks: RefCell<Vec<(HookKind, HookData)>>,
    /// The kinds some subscription hears on this line (None: ask the outbox).
    hook_kinds: RefCell<Option<Vec<HookKind>>>,
    /// B3: what the bots holding dialogs hear from this request (bot id first).
    bot_hooks: RefCell<Vec<(String, HookKind, HookData)>>,
}

impl DurableObject for LineObject {
    fn new(state: State, env: Env) -> Self {
        let (state, schema) = migrations::open(state, MIGRATIONS);
        Self {
            state,
            env,
            schema,
            line: RefCell::new(None),
            armed: Cell::new(None),
            presence_checked: Cell::new(false),
            expiry: Cell::new(None),
            hooks: RefCell::new(Vec::new()),
            hook_kinds: RefCell::new(None),
            bot_hooks: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if let Err(e) = self.schema.check() {
            return Ok(error_response(&e));
        }
        self.reconcile_presence().await;
        let answer = match self.handle(req).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        };
        self.publish_hooks().await;
        Ok(answer)
    }

    async fn alarm(&self) -> Result<Response> {
        if self.schema.check().is_err() {
            return Response::ok("storage unavailable");
        }
        self.reconcile_presence().await;
        // A fired alarm is no longer set.
        self.armed.set(Some(None));
        let now = clock::core_now(&self.env);
        let effects = match self
            .step(|line| {
                let fx = line.handle_timeout(now);
                // Keep the line's state bounded: finished dialogs past the
                // live retention move to the archive (S3), in this step.
                let old = line.prune_finished(now - self.live_ms(line));
                self.archive(&old)?;
                Ok(fx)
            })
            .await
        {
            Ok(fx) => fx,
            Err(e) => {
                crate::logs::error("line", "alarm_failed", None, None, &e.to_string());
                Vec::new()
            }
        };
        self.apply(effects).await;
        if let Err(e) = self.expire(now).await {
            crate::logs::error("line", "retention_failed", None, None, &e.to_string());
        }
        self.publish_hooks().await;
        Response::ok("ok")
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        if let Err(error) = self.schema.check() {
            let _ = ws.send(&OperatorEvent::Error {
                error,
                client_id: None,
            });
            return Ok(());
        }
        self.reconcile_presence().await;
        let WebSocketIncomingMessage::String(raw) = message else {
            return Ok(());
        };
        let frame = match OperatorFrame::parse(&raw) {
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
        self.publish_hooks().await;
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
        // The step's work is one non-generic instance (a closure per call
        // site would copy the storing and the alarm into each: issue 9).
        let mut f = Some(f);
        let stepped = self.run_step(&mut |line| match f.take() {
            Some(f) => f(line),
            None => Err(internal("a step ran twice")),
        });
        self.finish_step(stepped).await
    }

    /// Runs one step on the loaded line and stores what it changed; the
    /// effects and the next wake.
    #[inline(never)]
    fn run_step(
        &self,
        f: &mut dyn FnMut(&mut Line) -> std::result::Result<Vec<Effect>, ProtocolError>,
    ) -> std::result::Result<(Vec<Effect>, Option<i64>), ProtocolError> {
        self.load()?;
        let mut guard = self.line.borrow_mut();
        let (_, line) = guard.as_mut().ok_or_else(|| internal("line not loaded"))?;
        let effects = f(line)?;
        self.store(line)?;
        // The next wake: the machine's next deadline, the time the oldest
        // finished dialog is to be archived, or an archived transcript's
        // end (S3).
        let archive_at = line.earliest_finished().map(|t| t + self.live_ms(line) + 1);
        let deadline = [line.next_deadline(), archive_at, self.next_expiry(line)]
            .into_iter()
            .flatten()
            .min();
        Ok((effects, deadline))
    }

    /// After a step: the alarm moved to the next wake, or — when the step
    /// failed — the cached line dropped (it is read again from storage).
    async fn finish_step(
        &self,
        stepped: std::result::Result<(Vec<Effect>, Option<i64>), ProtocolError>,
    ) -> std::result::Result<Vec<Effect>, ProtocolError> {
        match stepped {
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
            let gone = matches!(state, Ok(None));
            put("line_dialogs", id, state.map_err(internal)?)?;
            if gone {
                // Archived (S3): its preview stays for the archive's lists.
                run(
                    &sql,
                    "DELETE FROM offline_mails WHERE dialog = ?",
                    vec![V::from(id.as_str())],
                )?;
            }
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
                crate::logs::error("line", "alarm_failed", None, None, &e.to_string());
            }
        }
    }
}
