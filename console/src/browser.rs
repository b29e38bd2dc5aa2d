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

/// The form a submit event came from and its fields, for forms written as
/// HTML and read once on submit (the default submission prevented).
pub fn submitted(
    ev: &leptos::ev::SubmitEvent,
) -> Option<(web_sys::HtmlFormElement, web_sys::FormData)> {
    ev.prevent_default();
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    Some((form, data))
}
