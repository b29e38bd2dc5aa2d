//! The message list: the line's greeting, the conversation's rows with the
//! visitor's delivery marks, and the live notices under it (queue position,
//! the operator typing).

use super::State;
use crate::conversation::{self, Delivery, Row};
use leptos::prelude::*;
use openline_core::protocol::Author;

/// The list and its two notices, as siblings for the panel to place.
pub(super) fn messages(
    st: State,
    greeting: Option<String>,
) -> (impl IntoView, impl IntoView, impl IntoView) {
    let texts = st.texts;
    let list = view! {
        <ol class="ol-messages" aria-live="polite">
            {greeting.map(|g| view! { <li class="ol-msg ol-from-operator ol-greeting">{g}</li> })}
            {move || st.rows.get().into_iter().filter(Row::shown).map(|row| view! {
                <li class=row.class() data-delivery=row.delivery.name()>
                    {match &row.author { Author::Operator { name: Some(n) } => Some(view! { <span class="ol-author">{n.clone()}</span> }), _ => None }}
                    <span class="ol-text">{row.text.clone()}</span>
                    {row.at.map(|at| view! { <time class="ol-time" title=when(at, texts.lang, false)>{when(at, texts.lang, true)}</time> })}
                    {matches!(row.author, Author::Visitor).then(|| view! {
                        <span class="ol-state" title=if row.delivery == Delivery::Failed { texts.not_sent } else { "" }>
                            {row.delivery.mark()}
                        </span>
                    })}
                </li>
            }).collect_view()}
            {move || st.rows.with(|r| conversation::ended(r)).then(|| view! { <li class="ol-ended" role="status">{texts.ended}</li> })}
        </ol>
    };
    let queue = move || {
        st.queue
            .get()
            .map(|q| view! { <p class="ol-queue" role="status">{q}</p> })
    };
    let typing = move || {
        st.typing.get().map(|name| {
            view! { <p class="ol-typing" role="status">{conversation::typing_text(&name, texts)}</p> }
        })
    };
    (list, queue, typing)
}

/// Keeps the newest message (or notice) in view as the list grows.
pub(super) fn keep_newest_in_view(st: State, body: NodeRef<leptos::html::Div>) {
    Effect::new(move |_| {
        st.rows.track();
        st.typing.track();
        st.queue.track();
        if let Some(el) = body.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
}

/// When a message was written, in the visitor's language and time zone:
/// the time of day ("14:05", "2:05 PM"), or the whole date and time.
fn when(at: i64, lang: &str, short: bool) -> String {
    let options = if short {
        crate::wire::object(&[("hour", "2-digit".into()), ("minute", "2-digit".into())])
    } else {
        wasm_bindgen::JsValue::UNDEFINED
    };
    js_sys::Date::new(&(at as f64).into())
        .to_locale_string(lang, &options)
        .as_string()
        .unwrap_or_default()
}
