//! openline's visitor widget: a Leptos CSR app that the tiny loader
//! (`www/widget.js`) fetches only when the visitor shows interest, and
//! mounts inside its Shadow DOM so the host page's CSS cannot touch it.

mod http;
mod storage;

use http::{call, HttpError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::{
    Author, ChatMessage, History, SendMessage, Session, StartSession, WidgetConfig,
};
use wasm_bindgen::prelude::*;

/// Delivery state of a message the visitor wrote, shown beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delivery {
    Sending,
    Sent,
    Failed,
}

/// One row of the message list.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    client_id: String,
    author: Author,
    text: String,
    delivery: Delivery,
}

impl From<ChatMessage> for Row {
    fn from(m: ChatMessage) -> Self {
        Row {
            client_id: m.client_id,
            author: m.author,
            text: m.text,
            delivery: Delivery::Sent,
        }
    }
}

/// Mounts the widget into `host` (an element inside the loader's shadow
/// root). `api` is the edge's origin; `on_close` hides the panel.
#[wasm_bindgen]
pub fn start(host: web_sys::HtmlElement, line: String, api: String, on_close: js_sys::Function) {
    leptos::mount::mount_to(host, move || view! { <Chat line api on_close /> }).forget();
}

#[component]
fn Chat(line: String, api: String, on_close: js_sys::Function) -> impl IntoView {
    let config = RwSignal::new(None::<WidgetConfig>);
    let session = RwSignal::new(None::<Session>);
    let rows = RwSignal::new(Vec::<Row>::new());
    let error = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let api = StoredValue::new(api);

    // Load the line's configuration and resume (or open) the session.
    {
        let line = line.clone();
        spawn_local(async move {
            let base = api.get_value();
            match call::<(), WidgetConfig>(
                "GET",
                &format!("{base}/api/v1/lines/{line}/widget"),
                None,
                None,
            )
            .await
            {
                Ok(c) => config.set(Some(c)),
                Err(e) => error.set(Some(describe(&e))),
            }
            let stored = storage::load_session(&line);
            let start = StartSession {
                line: line.clone(),
                client: stored.as_ref().map(|s| s.client.clone()),
                token: stored.map(|s| s.token),
            };
            match call::<_, Session>(
                "POST",
                &format!("{base}/api/v1/visitor/sessions"),
                None,
                Some(&start),
            )
            .await
            {
                Ok(s) => {
                    storage::save_session(&s);
                    let history: Result<History, _> = call::<(), _>(
                        "GET",
                        &format!("{base}/api/v1/visitor/messages?after=0"),
                        Some(&s.token),
                        None,
                    )
                    .await;
                    session.set(Some(s));
                    match history {
                        Ok(h) => rows.set(h.messages.into_iter().map(Row::from).collect()),
                        Err(e) => error.set(Some(describe(&e))),
                    }
                }
                Err(e) => error.set(Some(describe(&e))),
            }
        });
    }

    let send = move || {
        let text = draft.get_untracked().trim().to_owned();
        let Some(s) = session.get_untracked() else {
            return;
        };
        if text.is_empty() {
            return;
        }
        draft.set(String::new());
        let client_id = storage::new_client_id();
        rows.update(|r| {
            r.push(Row {
                client_id: client_id.clone(),
                author: Author::Visitor,
                text: text.clone(),
                delivery: Delivery::Sending,
            })
        });
        spawn_local(async move {
            let base = api.get_value();
            let body = SendMessage {
                client_id: client_id.clone(),
                text,
            };
            let result: Result<ChatMessage, _> = call(
                "POST",
                &format!("{base}/api/v1/visitor/messages"),
                Some(&s.token),
                Some(&body),
            )
            .await;
            let delivery = match result {
                Ok(_) => Delivery::Sent,
                Err(e) => {
                    error.set(Some(describe(&e)));
                    Delivery::Failed
                }
            };
            rows.update(|r| {
                if let Some(row) = r.iter_mut().find(|row| row.client_id == client_id) {
                    row.delivery = delivery;
                }
            });
        });
    };

    let title = move || {
        config
            .get()
            .map(|c| c.title)
            .unwrap_or_else(|| "Chat".into())
    };
    let greeting = move || config.get().map(|c| c.greeting);

    view! {
        <section class="ol-panel" role="dialog" aria-label=title>
            <header class="ol-header">
                <h2 class="ol-title">{title}</h2>
                <button class="ol-close" type="button" aria-label="Close chat"
                    on:click=move |_| { let _ = on_close.call0(&JsValue::NULL); }>"×"</button>
            </header>
            <ol class="ol-messages" aria-live="polite">
                {move || greeting().map(|g| view! { <li class="ol-msg ol-from-operator ol-greeting">{g}</li> })}
                <For each=move || rows.get() key=|r| (r.client_id.clone(), r.delivery as u8) let:row>
                    <li class=match row.author { Author::Visitor => "ol-msg ol-from-visitor", _ => "ol-msg ol-from-operator" }
                        data-delivery=match row.delivery { Delivery::Sending => "sending", Delivery::Sent => "sent", Delivery::Failed => "failed" }>
                        <span class="ol-text">{row.text.clone()}</span>
                        <span class="ol-state">{match row.delivery { Delivery::Sending => "…", Delivery::Sent => "✓", Delivery::Failed => "!" }}</span>
                    </li>
                </For>
            </ol>
            {move || error.get().map(|e| view! { <p class="ol-error" role="alert">{e}</p> })}
            <form class="ol-compose" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label class="ol-sr" for="ol-input">"Message"</label>
                <textarea id="ol-input" class="ol-input" rows="2" placeholder="Write a message…"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); send(); }
                    }></textarea>
                <button class="ol-send" type="submit" disabled=move || session.get().is_none()>"Send"</button>
            </form>
        </section>
    }
}

fn describe(e: &HttpError) -> String {
    match e {
        HttpError::Network => "No connection to the chat service. We will retry.".into(),
        HttpError::Api { message, .. } => message.clone(),
    }
}
