//! The composer: the message field (Enter sends, Shift+Enter breaks the
//! line), sending through the outbox, and W1's typing preview.

use super::{sync, State};
use crate::conversation::{self, Row};
use crate::{storage, wire};
use leptos::prelude::*;
use openline_core::protocol::SendMessage;
use std::cell::Cell;
use std::rc::Rc;

/// The message form, and under it W1's notice when the line previews
/// typing (siblings for the panel to place); `engage` opens the dialog once
/// the visitor types.
pub(super) fn composer(
    st: State,
    engage: impl Fn() + Clone + 'static,
    opened: RwSignal<bool>,
    typing_preview: bool,
) -> (impl IntoView, impl IntoView) {
    let texts = st.texts;
    let draft = RwSignal::new(String::new());

    // The message goes to the outbox first (kept across reloads), shows as
    // pending, and is sent from there.
    let send = {
        let engage = engage.clone();
        move || {
            let Some(text) = conversation::trimmed(&draft.get_untracked()) else {
                return;
            };
            engage();
            draft.set(String::new());
            let message = SendMessage {
                client_id: storage::new_client_id(),
                text: text.clone(),
            };
            let line = st.line.get_value();
            let mut outbox = storage::load_outbox(&line);
            outbox.push(message.clone());
            storage::save_outbox(&line, &outbox);
            st.rows
                .update(|r| r.push(Row::pending(message.client_id, text)));
            sync::flush(&st);
        }
    };
    let send_on_enter = send.clone();

    // W1: the draft goes out as a throttled typing preview, only on lines
    // that tell the visitor so.
    let last_typing = Rc::new(Cell::new(0f64));
    let on_draft = move |value: String| {
        if !value.trim().is_empty() {
            engage();
        }
        draft.set(value.clone());
        let now = js_sys::Date::now();
        if typing_preview && conversation::typing_due(now, last_typing.get()) {
            last_typing.set(now);
            st.live.with_value(|l| {
                if let Some(l) = l {
                    l.send(&wire::object(&[
                        ("type", "typing".into()),
                        ("draft", value.into()),
                    ]));
                }
            });
        }
    };

    // Opened by the visitor (not mounted hidden for the unread badge): the
    // message field takes the focus once it exists.
    let input = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        // Again when the visitor opens a panel mounted hidden.
        opened.track();
        if let Some(el) = input.get() {
            if el.offset_parent().is_some() {
                let _ = el.focus();
            }
        }
    });

    let form = view! {
        <form class="ol-compose" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="ol-sr" for="ol-input">{texts.message_label}</label>
            <textarea id="ol-input" class="ol-input" rows="2" node_ref=input placeholder=texts.placeholder
                aria-describedby=typing_preview.then_some("ol-typing-note")
                prop:value=move || draft.get()
                on:input=move |ev| on_draft(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); send_on_enter(); }
                }></textarea>
            <button class="ol-send" type="submit">{texts.send}</button>
        </form>
    };
    let note = typing_preview.then(|| {
        view! {
            <p class="ol-note" id="ol-typing-note">{texts.typing_notice}</p>
        }
    });
    (form, note)
}
