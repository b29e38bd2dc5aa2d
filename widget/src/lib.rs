//! openline's visitor widget: a small wasm app that the tiny loader
//! (`www/widget.js`) fetches only when the visitor shows interest, and
//! mounts inside its Shadow DOM so the host page's CSS cannot touch it.
//!
//! Messages go to the edge over HTTP with a client id and an outbox kept in
//! localStorage (nothing typed is lost, nothing shows twice); replies,
//! typing and notices arrive over a resuming WebSocket (`live.rs`). The
//! panel's parts are in `chat/`, built on a few DOM helpers (`dom.rs`);
//! what it keeps and decides (rows, outbox, delivery, retries) in
//! `conversation.rs`, which is tested natively.

mod chat;
mod conversation;
mod dom;
mod http;
mod i18n;
mod live;
mod storage;
mod timers;
mod wire;

use chat::{Mount, Panel};
use http::HttpError;
use openline_core::protocol::WidgetConfig;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wire::FromJson;

thread_local! {
    /// Operator replies that arrived while the panel was hidden.
    static UNREAD: Cell<u32> = const { Cell::new(0) };
    /// The mounted panel (one per page).
    static PANEL: RefCell<Option<Rc<Panel>>> = const { RefCell::new(None) };
}

/// Mounts the widget into `host` (the loader's panel inside its shadow
/// root, possibly still hidden). `api` is the edge's origin; `on_close`
/// hides the panel; `on_unread(n)` updates the launcher's badge when a reply
/// arrives while the panel is hidden. `identity` is the logged-in user the
/// site vouches for (`{user_id, hash, name, email}`), or null; `config` the
/// line's widget settings (`GET /api/v1/lines/{line}/widget`), or null.
#[wasm_bindgen]
pub fn start(
    host: web_sys::HtmlElement,
    line: String,
    api: String,
    on_close: js_sys::Function,
    on_unread: js_sys::Function,
    identity: JsValue,
    config: JsValue,
) {
    // Every reply is counted for the loader, which knows whether the
    // visitor can see it (panel open, tab in front: `seen` at once) or not
    // (the badge; the title blinks in a background tab).
    let on_reply = move || {
        let n = UNREAD.with(|u| {
            u.set(u.get() + 1);
            u.get()
        });
        let _ = on_unread.call1(&JsValue::NULL, &n.into());
    };
    let mount = Mount {
        line,
        api,
        forms: wire::forms(&config),
        config: WidgetConfig::from_json(&config),
        on_close,
        on_reply: Box::new(on_reply),
        identity: identity.is_object().then_some(identity),
        // Opened by the visitor, or mounted hidden because a conversation
        // is in progress (for the unread badge); `seen` reports the opening.
        opened: !host.hidden(),
    };
    let panel = Panel::mount(&host, mount);
    PANEL.with(|p| *p.borrow_mut() = Some(panel));
}

/// The visitor opened the panel: every reply so far is read.
#[wasm_bindgen]
pub fn seen() {
    UNREAD.with(|u| u.set(0));
    if let Some(panel) = PANEL.with(|p| p.borrow().clone()) {
        panel.open();
    }
}

/// What the visitor reads about a failed call.
fn describe(e: &HttpError, texts: &i18n::Texts) -> String {
    match e {
        HttpError::Network => texts.offline.into(),
        HttpError::Api { message, .. } => message.clone(),
    }
}
