//! The panel's header: the line's title, the operator as the line presents
//! them (O1), the close button, and the offline notice under it (H4).

use super::State;
use crate::conversation;
use leptos::either::Either;
use leptos::prelude::*;
use openline_core::protocol::WidgetConfig;
use wasm_bindgen::JsValue;

/// The header and, outside working hours, the notice of when the line
/// opens: two siblings, placed by the panel (a flat list of children keeps
/// the wasm smaller than a nested fragment).
pub(super) fn header(
    st: State,
    config: Option<&WidgetConfig>,
    title: String,
    on_close: js_sys::Function,
) -> (impl IntoView, impl IntoView) {
    let texts = st.texts;
    let operator = st.operator;
    // O1: the line's own card, its replacement card, or nobody; with its
    // own, the card of whoever answers (arriving live).
    let fixed_card = conversation::presented_card(config.map(|c| &c.presentation));
    let card = move || fixed_card.clone().unwrap_or_else(|| operator.get());
    // H4: outside working hours, say when the line opens.
    let offline_notice = config.filter(|c| !c.open).map(|c| match c.next_opening {
        Some(at) => {
            let when = js_sys::Date::new(&(at as f64).into())
                .to_locale_string(&c.language, &JsValue::UNDEFINED)
                .as_string()
                .unwrap_or_default();
            texts.closed_until.replace("{time}", &when)
        }
        None => texts.closed.to_string(),
    });
    let header = view! {
        <header class="ol-header">
            <div class="ol-head">
                <h2 class="ol-title">{title}</h2>
                {move || card().map(|c| view! {
                    <p class="ol-operator" aria-label=texts.operator>
                        {match conversation::shown_avatar(c.avatar, &st.api.get_value()) {
                            Some(a) => Either::Left(view! { <img class="ol-avatar" src=a alt="" width="28" height="28" /> }),
                            None => Either::Right(view! { <span class="ol-avatar ol-initials" aria-hidden="true">{conversation::initials(&c.name)}</span> }),
                        }}
                        <span class="ol-operator-name">{c.name}</span>
                        {c.position.map(|p| view! { <span class="ol-operator-position">{p}</span> })}
                    </p>
                })}
            </div>
            <button class="ol-close" type="button" aria-label=texts.close_chat
                on:click=move |_| { let _ = on_close.call0(&JsValue::NULL); }>"×"</button>
        </header>
    };
    let notice = offline_notice.map(|n| view! { <p class="ol-offline" role="status">{n}</p> });
    (header, notice)
}
