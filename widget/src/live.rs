//! The visitor's live connection: a WebSocket that resumes from the last
//! sequence number seen and reconnects with back-off, so replies arrive
//! without polling and nothing is missed across network cuts.

use crate::wire::{self, FromJson};
use openline_core::protocol::frames::VisitorEvent;
use openline_core::protocol::PROTOCOL_VERSION;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF_MS: i32 = 15_000;

/// A self-reconnecting visitor socket.
pub struct Live {
    url: String,
    last_seq: Rc<Cell<u64>>,
    backoff_ms: Cell<i32>,
    socket: RefCell<Option<WebSocket>>,
    /// Closed for good: the conversation moved on (no reconnecting).
    stopped: Cell<bool>,
    on_event: Box<dyn Fn(VisitorEvent)>,
    on_status: Box<dyn Fn(bool)>,
}

impl Live {
    /// Connects now; `on_event` gets every frame, `on_status` the
    /// connected/disconnected state.
    pub fn start(
        url: String,
        last_seq: Rc<Cell<u64>>,
        on_event: impl Fn(VisitorEvent) + 'static,
        on_status: impl Fn(bool) + 'static,
    ) -> Rc<Live> {
        let live = Rc::new(Live {
            url,
            last_seq,
            backoff_ms: Cell::new(500),
            socket: RefCell::new(None),
            stopped: Cell::new(false),
            on_event: Box::new(on_event),
            on_status: Box::new(on_status),
        });
        Live::connect(&live);
        live
    }

    fn connect(this: &Rc<Live>) {
        let Ok(ws) = WebSocket::new(&this.url) else {
            Live::retry(this);
            return;
        };
        let me = Rc::clone(this);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            me.backoff_ms.set(500);
            (me.on_status)(true);
            me.send(&wire::object(&[
                ("type", "hello".into()),
                ("protocol", PROTOCOL_VERSION.into()),
                ("after", (me.last_seq.get() as f64).into()),
            ]));
        });
        let me = Rc::clone(this);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                if let Some(event) = wire::parse(&text).and_then(|v| VisitorEvent::from_json(&v)) {
                    (me.on_event)(event);
                }
            }
        });
        let me = Rc::clone(this);
        let on_close = Closure::<dyn FnMut()>::new(move || {
            (me.on_status)(false);
            me.socket.borrow_mut().take();
            Live::retry(&me);
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The socket lives as long as the page: its handlers too.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        *this.socket.borrow_mut() = Some(ws);
    }

    fn retry(this: &Rc<Live>) {
        if this.stopped.get() {
            return;
        }
        let delay = this.backoff_ms.get();
        this.backoff_ms.set((delay * 2).min(MAX_BACKOFF_MS));
        let me = Rc::clone(this);
        crate::timers::after(delay, move || Live::connect(&me));
    }

    /// Closes the socket for good (its dialog is over for this page).
    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(ws) = self.socket.borrow_mut().take() {
            let _ = ws.close();
        }
    }

    /// Sends a frame if connected (whether it went); frames are
    /// best-effort (messages go over HTTP with an outbox).
    pub fn send(&self, frame: &JsValue) -> bool {
        match self.socket.borrow().as_ref() {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => {
                ws.send_with_str(&wire::stringify(frame)).is_ok()
            }
            _ => false,
        }
    }
}
