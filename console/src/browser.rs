//! Small pieces of the browser every view asks for the same way: a yes/no
//! question, and the file a file input was given.

use wasm_bindgen::JsCast;

/// Asks the person to confirm (the browser's dialog); no window: no.
pub fn confirmed(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// The first file chosen in the file input an event came from.
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
}
