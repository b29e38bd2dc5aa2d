//! Browser timers for the widget: a one-shot delay and a repeating tick,
//! without pulling a timer crate into the wasm.

use wasm_bindgen::prelude::*;

/// Runs `f` once after `ms` milliseconds.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

/// Runs `f` every `ms` milliseconds for the life of the page (the widget is
/// mounted once and never unmounted).
pub fn every(ms: i32, f: impl FnMut() + 'static) {
    let callback = Closure::<dyn FnMut()>::new(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            callback.as_ref().unchecked_ref(),
            ms,
        );
    }
    callback.forget();
}

/// A future that completes after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
