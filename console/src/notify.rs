//! Telling an operator who is looking elsewhere: the tab title shows a
//! count, a short beep plays (WebAudio), and while the tab is hidden a
//! desktop notification (Notification API, permission asked once, on the
//! operator's click) says what came and opens its dialog when clicked.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{
    AudioContext, Notification, NotificationOptions, NotificationPermission, OscillatorType,
    VisibilityState,
};

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// The page's own title, before any count is added.
const TITLE: &str = "openline console";

/// Shows `(n) …` in the tab title while `n` dialogs wait for this operator.
pub fn set_title(waiting: usize) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let title = if waiting == 0 {
            TITLE.to_owned()
        } else {
            format!("({waiting}) {TITLE}")
        };
        if doc.title() != title {
            doc.set_title(&title);
        }
    }
}

/// A short two-tone beep; silent when the browser refuses audio (no user
/// gesture yet) — the title still tells.
pub fn beep() {
    AUDIO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = AudioContext::new().ok();
        }
        let Some(ctx) = slot.as_ref() else {
            return;
        };
        let _ = ctx.resume();
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
            return;
        };
        let t = ctx.current_time();
        osc.set_type(OscillatorType::Sine);
        osc.frequency().set_value(880.0);
        let _ = osc.frequency().set_value_at_time(660.0, t + 0.12);
        gain.gain().set_value(0.15);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, t + 0.25);
        if osc.connect_with_audio_node(&gain).is_err()
            || gain.connect_with_audio_node(&ctx.destination()).is_err()
        {
            return;
        }
        let _ = osc.start();
        let _ = osc.stop_with_when(t + 0.25);
    });
}

/// Whether the browser can show desktop notifications and has not been
/// asked yet (the console then offers a button; browsers only ask after a
/// click, and remember the answer).
pub fn can_ask() -> bool {
    supported() && Notification::permission() == NotificationPermission::Default
}

/// Asks for the permission; `then` runs with whether it was granted.
pub fn ask(then: impl FnOnce(bool) + 'static) {
    if !supported() {
        return then(false);
    }
    let Ok(promise) = Notification::request_permission() else {
        return then(false);
    };
    wasm_bindgen_futures::spawn_local(async move {
        let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
        then(answer.ok().and_then(|v| v.as_string()).as_deref() == Some("granted"));
    });
}

/// Whether the console's tab is out of sight (another tab, minimised).
pub fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == VisibilityState::Hidden)
}

/// A desktop notification while the tab is hidden and the operator allowed
/// them; one per `tag` at a time (a dialog's newer message replaces its
/// older one). A click brings the tab forward and runs `on_click`.
pub fn desktop(title: &str, body: &str, tag: &str, on_click: impl FnOnce() + 'static) {
    if !supported() || !hidden() || Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let Ok(n) = Notification::new_with_options(title, &options) else {
        return;
    };
    let click = Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        on_click();
    });
    n.set_onclick(Some(click.unchecked_ref()));
}

/// Whether this browser has the Notification API at all (some phones do not).
fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
    })
}
