//! Keeping the panel in step with the edge: resuming (or opening) the
//! session, the history, the live socket, the outbox's sending and the
//! queue poll. What to do in each case is decided in `conversation.rs`.

use super::State;
use crate::conversation::{self, merge, StartFailed};
use crate::http::{call_json, typed, HttpError};
use crate::wire::{self, FromJson, ToJson};
use crate::{live, storage, timers};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::line::QueueInfo;
use openline_core::protocol::frames::VisitorEvent;
use openline_core::protocol::{Author, ChatMessage, History, Session};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Sends every message of the outbox, oldest first; stops at the first
/// transient failure and tries again on reconnect.
pub(super) fn flush(st: &State) {
    let st = *st;
    spawn_local(async move {
        let Some(s) = st.session.get_untracked() else {
            return;
        };
        let base = st.api.get_value();
        let line = st.line.get_value();
        loop {
            let outbox = storage::load_outbox(&line);
            let Some(next) = outbox.first().cloned() else {
                break;
            };
            let result: Result<ChatMessage, HttpError> = typed(
                call_json(
                    "POST",
                    &format!("{base}/api/v1/visitor/messages"),
                    Some(&s.token),
                    Some(next.to_json()),
                )
                .await,
            );
            match result {
                Ok(m) => {
                    storage::forget_outbox(&line, &next.client_id);
                    st.rows.update(|r| merge(r, m));
                    st.error.set(None);
                }
                // The conversation ended (the line finished it): the
                // message stays in the outbox and goes to a new one.
                Err(e) if e.status() == Some(409) => {
                    if let Some(restart) = st.restart.get_value() {
                        restart(false);
                    }
                    break;
                }
                Err(e) => {
                    st.rows
                        .update(|r| conversation::mark_failed(r, &next.client_id));
                    st.fail(&e);
                    if !conversation::refused_for_good(e.status()) {
                        break;
                    }
                    // Refused for good (e.g. too long): drop it, say why.
                    storage::forget_outbox(&line, &next.client_id);
                }
            }
        }
    });
}

/// What starts the conversation: `begin(resume_only)` resumes the session
/// (or opens one), shows the history and what is still in the outbox, then
/// goes live. One start at a time; `wanted` says the visitor engaged.
pub(super) fn starter(
    st: State,
    identity: Option<JsValue>,
    on_reply: impl Fn() + 'static,
    busy_form: bool,
    wanted: Rc<Cell<bool>>,
) -> impl Fn(bool) + Clone + 'static {
    let starting = Rc::new(Cell::new(false));
    let last_seq = Rc::new(Cell::new(0u64));
    let on_reply = Rc::new(on_reply);
    let again = Rc::clone(&starting);
    let begin = move |mut resume_only: bool| {
        if starting.replace(true) {
            return;
        }
        let last_seq = Rc::clone(&last_seq);
        let identity = identity.clone();
        let on_reply = Rc::clone(&on_reply);
        let starting = Rc::clone(&starting);
        let wanted = Rc::clone(&wanted);
        spawn_local(async move {
            let base = st.api.get_value();
            let line = st.line.get_value();
            let s = loop {
                let stored = storage::load_session(&line);
                let start = wire::object(&[
                    ("line", line.as_str().into()),
                    (
                        "client_key",
                        wire::opt(storage::load_client_key().as_deref()),
                    ),
                    (
                        "token",
                        wire::opt(stored.as_ref().map(|s| s.token.as_str())),
                    ),
                    ("identity", identity.clone().unwrap_or(JsValue::UNDEFINED)),
                    ("resume_only", resume_only.into()),
                    ("page", wire::page()),
                ]);
                let answer = call_json(
                    "POST",
                    &format!("{base}/api/v1/visitor/sessions"),
                    None,
                    Some(start),
                )
                .await;
                // `204 No Content` (an empty answer): nothing to resume.
                let (status, error) = match answer {
                    Ok(v) if v.is_null() => (Some(204), None),
                    answer => match typed::<Session>(answer) {
                        Ok(s) => break s,
                        Err(e) => (e.status(), Some(e)),
                    },
                };
                let next = conversation::start_failed(status, resume_only, wanted.get());
                if next == StartFailed::Fail {
                    if let Some(e) = &error {
                        st.fail(e);
                    }
                } else {
                    // Nothing to resume: forget it; start when the visitor
                    // engages (now, if they already have).
                    storage::forget_session(&line);
                    if next == StartFailed::StartNew {
                        resume_only = false;
                        continue;
                    }
                }
                starting.set(false);
                return;
            };
            // What the outbox holds is sent even into a new dialog: the
            // visitor's words are never dropped.
            storage::save_session(&s);
            if let Some(key) = &s.client_key {
                storage::save_client_key(key);
            }
            if let Ok(h) = typed::<History>(
                call_json(
                    "GET",
                    &format!("{base}/api/v1/visitor/messages?after=0"),
                    Some(&s.token),
                    None,
                )
                .await,
            ) {
                st.rows
                    .update(|r| h.messages.into_iter().for_each(|m| merge(r, m)));
            }
            st.rows
                .update(|r| conversation::show_outbox(r, storage::load_outbox(&line)));
            last_seq.set(conversation::last_seq(&st.rows.get_untracked()));
            go_live(st, s, base, line, last_seq, on_reply, busy_form);
        });
    };
    let restart_begin = begin.clone();
    st.restart.set_value(Some(Rc::new(move |resume_only: bool| {
        if let Some(live) = st.live.get_value() {
            live.stop();
        }
        st.live.set_value(None);
        st.session.set(None);
        st.rows.set(Vec::new());
        if !resume_only {
            storage::forget_session(&st.line.get_value());
        }
        again.set(false);
        restart_begin(resume_only);
    })));
    begin
}

/// Opens the live socket (replies, typing, queue, operator card), retries
/// the outbox every few seconds and on reconnect, and polls the queue while
/// the visitor waits for a reply.
fn go_live(
    st: State,
    s: Session,
    base: String,
    line: String,
    last_seq: Rc<Cell<u64>>,
    on_reply: Rc<impl Fn() + 'static>,
    busy_form: bool,
) {
    let texts = st.texts;
    let url = format!(
        "{}/api/v1/visitor/ws?token={}",
        base.replacen("http", "ws", 1),
        s.token
    );
    let token = s.token.clone();
    st.session.set(Some(s));
    let seq = Rc::clone(&last_seq);
    let on_event = move |event: VisitorEvent| match event {
        VisitorEvent::Message { message } => {
            let fresh = conversation::advance(&seq, message.seq);
            // F5: the form after an operator closed the conversation.
            if fresh && message.kind.as_deref() == Some("closed") {
                st.ask_contacts(crate::conversation::FormKind::AfterClose);
            }
            if let Some(card) = st
                .operator
                .with_untracked(|o| conversation::named_operator(&message.author, o.as_ref()))
            {
                st.operator.set(Some(card));
            }
            if !matches!(message.author, Author::Visitor) {
                st.typing.set(None);
                st.queue.set(None);
                if fresh {
                    (*on_reply)();
                }
            }
            st.rows.update(|r| merge(r, message));
        }
        VisitorEvent::Typing { operator: card } => {
            st.typing.set(Some(
                card.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            ));
            if card.is_some() {
                st.operator.set(card);
            }
            let typing = st.typing;
            timers::after(4000, move || typing.set(None));
        }
        VisitorEvent::Operator { card } => st.operator.set(card),
        // C7 wrote after the conversation finished: join the new dialog.
        VisitorEvent::Moved => {
            if let Some(restart) = st.restart.get_value() {
                restart(true);
            }
        }
        VisitorEvent::Queue { info } => st.queue.set(Some(conversation::queue_text(&info, texts))),
        _ => {}
    };
    let on_status = move |up: bool| {
        st.connected.set(up);
        if up {
            flush(&st);
        }
    };
    st.live
        .set_value(Some(live::Live::start(url, last_seq, on_event, on_status)));
    // Whatever is still in the outbox is retried every few seconds (a
    // socket may survive a network cut that failed a send).
    timers::every(3000, move || {
        if !storage::load_outbox(&line).is_empty() {
            flush(&st);
        }
    });
    // While the visitor waits for a reply: queue position and wait
    // estimate, and F4's form when every operator is busy.
    let queue = st.queue;
    timers::every(4000, move || {
        if !st
            .rows
            .with_untracked(|r| conversation::waiting_for_reply(r))
        {
            queue.set(None);
            return;
        }
        let url = format!("{base}/api/v1/visitor/queue");
        let token = token.clone();
        spawn_local(async move {
            if let Ok(w) = call_json("GET", &url, Some(&token), None).await {
                let waiting = QueueInfo::from_json(&wire::get(&w, "queue"));
                if waiting.is_some() && busy_form {
                    st.ask_contacts(crate::conversation::FormKind::Busy);
                }
                queue.set(waiting.map(|q| conversation::queue_text(&q, texts)));
            }
        });
    });
}
