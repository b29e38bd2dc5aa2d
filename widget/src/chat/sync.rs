//! Keeping the panel in step with the edge: resuming (or opening) the
//! session, the history, the live socket, the outbox's sending and the
//! queue poll. What to do in each case is decided in `conversation.rs`.

use super::Panel;
use crate::conversation::{self, merge, FormKind, StartFailed};
use crate::http::{call_json, typed, HttpError};
use crate::wire::{self, FromJson, ToJson};
use crate::{live, storage, timers};
use openline_core::line::QueueInfo;
use openline_core::protocol::frames::VisitorEvent;
use openline_core::protocol::{Author, ChatMessage, History, Session};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

/// Sends every message of the outbox, oldest first; stops at the first
/// transient failure and tries again on reconnect.
pub(super) fn flush(p: &Rc<Panel>) {
    let p = Rc::clone(p);
    spawn_local(async move {
        let Some(token) = p.token() else {
            return;
        };
        let url = format!("{}/api/v1/visitor/messages", p.api);
        loop {
            let outbox = storage::load_outbox(&p.line);
            let Some(next) = outbox.first().cloned() else {
                break;
            };
            let result: Result<ChatMessage, HttpError> =
                typed(call_json("POST", &url, Some(&token), Some(next.to_json())).await);
            match result {
                Ok(m) => {
                    storage::forget_outbox(&p.line, &next.client_id);
                    p.update_rows(|r| merge(r, m));
                    p.set_error(None);
                }
                // The conversation ended (the line finished it): the
                // message stays in the outbox and goes to a new one.
                Err(e) if e.status() == Some(409) => {
                    p.restart(false);
                    break;
                }
                Err(e) => {
                    p.update_rows(|r| conversation::mark_failed(r, &next.client_id));
                    p.fail(&e);
                    if !conversation::refused_for_good(e.status()) {
                        break;
                    }
                    // Refused for good (e.g. too long): drop it, say why.
                    storage::forget_outbox(&p.line, &next.client_id);
                }
            }
        }
    });
}

impl Panel {
    /// Starts the conversation: resumes the session (`resume_only`: only
    /// that) or opens one, shows the history and what is still in the
    /// outbox, then goes live. One start at a time.
    pub(super) fn begin(self: &Rc<Self>, resume_only: bool) {
        if self.starting.replace(true) {
            return;
        }
        let p = Rc::clone(self);
        spawn_local(async move {
            if let Some(s) = p.session_for(resume_only).await {
                p.show_history(s).await;
            } else {
                p.starting.set(false);
            }
        });
    }

    /// Asks the edge for the session; `None` when there is none to resume
    /// and the visitor has not engaged, or the call failed (said so).
    async fn session_for(&self, mut resume_only: bool) -> Option<Session> {
        loop {
            let stored = storage::load_session(&self.line);
            let start = wire::object(&[
                ("line", self.line.as_str().into()),
                (
                    "client_key",
                    wire::opt(storage::load_client_key().as_deref()),
                ),
                (
                    "token",
                    wire::opt(stored.as_ref().map(|s| s.token.as_str())),
                ),
                (
                    "identity",
                    self.identity.clone().unwrap_or(JsValue::UNDEFINED),
                ),
                ("resume_only", resume_only.into()),
                ("page", wire::page()),
            ]);
            let url = format!("{}/api/v1/visitor/sessions", self.api);
            let answer = call_json("POST", &url, None, Some(start)).await;
            // `204 No Content` (an empty answer): nothing to resume.
            let (status, error) = match answer {
                Ok(v) if v.is_null() => (Some(204), None),
                answer => match typed::<Session>(answer) {
                    Ok(s) => return Some(s),
                    Err(e) => (e.status(), Some(e)),
                },
            };
            let next = conversation::start_failed(status, resume_only, self.wanted.get());
            if next == StartFailed::Fail {
                if let Some(e) = &error {
                    self.fail(e);
                }
                return None;
            }
            // Nothing to resume: forget it; start when the visitor engages
            // (now, if they already have).
            storage::forget_session(&self.line);
            if next != StartFailed::StartNew {
                return None;
            }
            resume_only = false;
        }
    }

    /// Shows the session's history and what the outbox still holds (sent
    /// even into a new dialog: the visitor's words are never dropped), then
    /// goes live.
    async fn show_history(self: &Rc<Self>, s: Session) {
        storage::save_session(&s);
        if let Some(key) = &s.client_key {
            storage::save_client_key(key);
        }
        let url = format!("{}/api/v1/visitor/messages?after=0", self.api);
        if let Ok(h) = typed::<History>(call_json("GET", &url, Some(&s.token), None).await) {
            self.seen.set(self.seen.get().max(h.seen));
            self.update_rows(|r| h.messages.into_iter().for_each(|m| merge(r, m)));
        }
        let outbox = storage::load_outbox(&self.line);
        self.update_rows(|r| conversation::show_outbox(r, outbox));
        self.last_seq
            .set(conversation::last_seq(&self.rows.borrow()));
        self.go_live(s);
    }

    /// Starts the conversation again (`resume_only`: only joining what the
    /// stored token leads to): the dialog ended or moved on.
    pub(super) fn restart(self: &Rc<Self>, resume_only: bool) {
        if let Some(live) = self.live.borrow_mut().take() {
            live.stop();
        }
        *self.session.borrow_mut() = None;
        self.seen.set(0);
        self.read_sent.set(0);
        self.update_rows(Vec::clear);
        if !resume_only {
            storage::forget_session(&self.line);
        }
        self.starting.set(false);
        self.begin(resume_only);
    }

    /// Opens the live socket (replies, typing, queue, operator card); once
    /// per page, the outbox's retry and the queue poll.
    fn go_live(self: &Rc<Self>, s: Session) {
        let url = format!(
            "{}/api/v1/visitor/ws?token={}",
            self.api.replacen("http", "ws", 1),
            s.token
        );
        *self.session.borrow_mut() = Some(s);
        let p = Rc::clone(self);
        let on_event = move |event: VisitorEvent| p.on_event(event);
        let p = Rc::clone(self);
        let on_status = move |up: bool| {
            p.set_connected(up);
            if up {
                flush(&p);
                p.read();
            }
        };
        let live = live::Live::start(url, Rc::clone(&self.last_seq), on_event, on_status);
        *self.live.borrow_mut() = Some(live);
        if !self.ticking.replace(true) {
            self.tick();
        }
    }

    /// What the socket says.
    fn on_event(self: &Rc<Self>, event: VisitorEvent) {
        match event {
            VisitorEvent::Message { message } => {
                let fresh = conversation::advance(&self.last_seq, message.seq);
                // F5: the form after an operator closed the conversation.
                if fresh && message.kind.as_deref() == Some("closed") {
                    self.ask_contacts(FormKind::AfterClose);
                }
                let named =
                    conversation::named_operator(&message.author, self.operator.borrow().as_ref());
                if let Some(card) = named {
                    self.set_operator(Some(card));
                }
                if !matches!(message.author, Author::Visitor) {
                    self.set_typing(None);
                    self.set_queue(None);
                    if fresh {
                        (self.on_reply)();
                    }
                }
                self.update_rows(|r| merge(r, message));
                self.read();
            }
            VisitorEvent::Read { seq } => {
                self.seen.set(self.seen.get().max(seq));
                self.update_rows(|_| {});
            }
            VisitorEvent::Typing { operator: card } => {
                self.set_typing(Some(
                    card.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
                ));
                if card.is_some() {
                    self.set_operator(card);
                }
                let p = Rc::clone(self);
                let current = self.typing_gen.get();
                timers::after(4000, move || {
                    if p.typing_gen.get() == current {
                        p.set_typing(None);
                    }
                });
            }
            VisitorEvent::Operator { card } => self.set_operator(card),
            // C7 wrote after the conversation finished: join the new dialog.
            VisitorEvent::Moved => self.restart(true),
            VisitorEvent::Queue { info } => {
                self.set_queue(Some(conversation::queue_text(&info, self.texts)))
            }
            _ => {}
        }
    }

    /// Whatever is still in the outbox is retried every few seconds (a
    /// socket may survive a network cut that failed a send); while the
    /// visitor waits for a reply, the queue position and wait estimate,
    /// and F4's form when every operator is busy.
    fn tick(self: &Rc<Self>) {
        let p = Rc::clone(self);
        timers::every(3000, move || {
            if !storage::load_outbox(&p.line).is_empty() {
                flush(&p);
            }
        });
        let p = Rc::clone(self);
        timers::every(4000, move || {
            let waiting = conversation::waiting_for_reply(&p.rows.borrow());
            let token = p.token().filter(|_| waiting);
            let Some(token) = token else {
                if p.ui.queue.is_set() {
                    p.set_queue(None);
                }
                return;
            };
            let p = Rc::clone(&p);
            spawn_local(async move {
                let url = format!("{}/api/v1/visitor/queue", p.api);
                if let Ok(w) = call_json("GET", &url, Some(&token), None).await {
                    let waiting = QueueInfo::from_json(&wire::get(&w, "queue"));
                    if waiting.is_some() && p.busy_form {
                        p.ask_contacts(FormKind::Busy);
                    }
                    p.set_queue(waiting.map(|q| conversation::queue_text(&q, p.texts)));
                }
            });
        });
    }
}
