//! The operator's live connection to a line: a WebSocket that reconnects
//! with back-off and reports each (re)connection, so the console re-fetches
//! whatever it missed (dialog list, `messages?after=SEQ`) and loses nothing.

use openline_core::protocol::frames::{OperatorEvent, OperatorFrame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF_MS: i32 = 15_000;
/// Heartbeat period: keeps proxies from closing an idle socket.
const PING_MS: i32 = 25_000;

/// A self-reconnecting operator socket for one line.
pub struct Live {
    url: String,
    backoff_ms: Cell<i32>,
    stopped: Cell<bool>,
    socket: RefCell<Option<WebSocket>>,
    on_event: Box<dyn Fn(OperatorEvent)>,
    on_status: Box<dyn Fn(bool)>,
}

impl Live {
    /// Connects to `GET /api/v1/lines/{line}/ws?token=`; `on_event` gets
    /// every frame, `on_status` each connect (true) and disconnect (false).
    pub fn start(
        line: &str,
        token: &str,
        on_event: impl Fn(OperatorEvent) + 'static,
        on_status: impl Fn(bool) + 'static,
    ) -> Rc<Live> {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
            .replacen("http", "ws", 1);
        let live = Rc::new(Live {
            url: format!(
                "{origin}/api/v1/lines/{}/ws?token={}",
                crate::api::encode(line),
                crate::api::encode(token)
            ),
            backoff_ms: Cell::new(500),
            stopped: Cell::new(false),
            socket: RefCell::new(None),
            on_event: Box::new(on_event),
            on_status: Box::new(on_status),
        });
        Live::connect(&live);
        Live::heartbeat(&live);
        live
    }

    fn connect(this: &Rc<Live>) {
        if this.stopped.get() {
            return;
        }
        let Ok(ws) = WebSocket::new(&this.url) else {
            Live::retry(this);
            return;
        };
        let me = Rc::clone(this);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            me.backoff_ms.set(500);
            (me.on_status)(true);
        });
        let me = Rc::clone(this);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                if let Ok(event) = serde_json::from_str::<OperatorEvent>(&text) {
                    (me.on_event)(event);
                }
            }
        });
        let me = Rc::clone(this);
        let on_close = Closure::<dyn FnMut()>::new(move || {
            me.socket.borrow_mut().take();
            if !me.stopped.get() {
                (me.on_status)(false);
                Live::retry(&me);
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The handlers live as long as this socket object may fire them.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        *this.socket.borrow_mut() = Some(ws);
    }

    fn retry(this: &Rc<Live>) {
        let delay = this.backoff_ms.get();
        this.backoff_ms.set((delay * 2).min(MAX_BACKOFF_MS));
        let me = Rc::clone(this);
        let again = Closure::once_into_js(move || Live::connect(&me));
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                again.unchecked_ref(),
                delay,
            );
        }
    }

    fn heartbeat(this: &Rc<Live>) {
        let me = Rc::clone(this);
        let beat = Closure::once_into_js(move || {
            if !me.stopped.get() {
                me.send(&OperatorFrame::Ping);
                Live::heartbeat(&me);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                beat.unchecked_ref(),
                PING_MS,
            );
        }
    }

    /// Sends a frame if connected; whether it went out. Typing and pings
    /// are best-effort; messages wait in the outbox until confirmed.
    pub fn send(&self, frame: &OperatorFrame) -> bool {
        if let (Some(ws), Ok(json)) = (self.socket.borrow().as_ref(), serde_json::to_string(frame))
        {
            if ws.ready_state() == WebSocket::OPEN {
                return ws.send_with_str(&json).is_ok();
            }
        }
        false
    }

    /// Closes for good (line switch, logout): no reconnection.
    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(ws) = self.socket.borrow_mut().take() {
            let _ = ws.close();
        }
    }
}
