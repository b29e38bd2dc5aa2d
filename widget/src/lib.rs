//! openline's visitor widget: a Leptos CSR app that the tiny loader
//! (`www/widget.js`) fetches only when the visitor shows interest, and
//! mounts inside its Shadow DOM so the host page's CSS cannot touch it.
//!
//! Messages go to the edge over HTTP with a client id and an outbox kept in
//! localStorage (nothing typed is lost, nothing shows twice); replies,
//! typing and notices arrive over a resuming WebSocket (`live.rs`).

mod forms;
mod http;
mod i18n;
mod live;
mod storage;

use http::{call, HttpError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::frames::{VisitorEvent, VisitorFrame};
use openline_core::protocol::{
    Author, ChatMessage, History, SendMessage, Session, StartSession, WidgetConfig,
};
use std::cell::Cell;
use std::rc::Rc;
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
    seq: Option<u64>,
    client_id: String,
    author: Author,
    text: String,
    kind: Option<String>,
    delivery: Delivery,
}

impl From<ChatMessage> for Row {
    fn from(m: ChatMessage) -> Self {
        Row {
            seq: Some(m.seq),
            client_id: m.client_id,
            author: m.author,
            text: m.text,
            kind: m.kind,
            delivery: Delivery::Sent,
        }
    }
}

/// Adds a confirmed message, or confirms the pending row with its client
/// id: each message is shown once, in sequence order.
fn merge(rows: &mut Vec<Row>, m: ChatMessage) {
    if let Some(row) = rows.iter_mut().find(|r| r.client_id == m.client_id) {
        *row = Row::from(m);
    } else {
        rows.push(Row::from(m));
    }
    rows.sort_by_key(|r| r.seq.unwrap_or(u64::MAX));
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
    let connected = RwSignal::new(true);
    let typing = RwSignal::new(None::<String>);
    let rated = RwSignal::new(false);
    let show_contacts = RwSignal::new(false);
    let api = StoredValue::new(api);
    let line = StoredValue::new(line);
    let last_seq = Rc::new(Cell::new(0u64));
    let live = StoredValue::new_local(None::<Rc<live::Live>>);
    let texts = move || {
        i18n::texts(
            &config
                .get()
                .map(|c| c.language)
                .unwrap_or_else(i18n::browser_language),
        )
    };

    // Sends every message of the outbox, oldest first; stops at the first
    // transient failure and tries again on reconnect.
    let flush = move || {
        spawn_local(async move {
            let Some(s) = session.get_untracked() else {
                return;
            };
            let base = api.get_value();
            let line = line.get_value();
            loop {
                let outbox = storage::load_outbox(&line);
                let Some(next) = outbox.first().cloned() else {
                    break;
                };
                let result: Result<ChatMessage, HttpError> = call(
                    "POST",
                    &format!("{base}/api/v1/visitor/messages"),
                    Some(&s.token),
                    Some(&next),
                )
                .await;
                match result {
                    Ok(m) => {
                        storage::forget_outbox(&line, &next.client_id);
                        rows.update(|r| merge(r, m));
                        error.set(None);
                    }
                    Err(HttpError::Api {
                        status, message, ..
                    }) if (400..500).contains(&status) && status != 429 => {
                        // Refused for good (e.g. too long): drop it, say why.
                        storage::forget_outbox(&line, &next.client_id);
                        rows.update(|r| {
                            if let Some(row) =
                                r.iter_mut().find(|row| row.client_id == next.client_id)
                            {
                                row.delivery = Delivery::Failed;
                            }
                        });
                        error.set(Some(message));
                    }
                    Err(e) => {
                        rows.update(|r| {
                            if let Some(row) =
                                r.iter_mut().find(|row| row.client_id == next.client_id)
                            {
                                row.delivery = Delivery::Failed;
                            }
                        });
                        error.set(Some(describe(&e, texts())));
                        break;
                    }
                }
            }
        });
    };

    // Load the line's configuration, resume (or open) the session, show the
    // history and what is still in the outbox, then go live.
    {
        let last_seq = Rc::clone(&last_seq);
        spawn_local(async move {
            let base = api.get_value();
            let line = line.get_value();
            match call::<(), WidgetConfig>(
                "GET",
                &format!("{base}/api/v1/lines/{line}/widget"),
                None,
                None,
            )
            .await
            {
                Ok(c) => {
                    // F2: the contact block follows the greeting after a pause.
                    if let Some(after_s) = c.contact_request_after_s {
                        let show = Closure::once_into_js(move || show_contacts.set(true));
                        if let Some(w) = web_sys::window() {
                            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                                show.unchecked_ref(),
                                (after_s as i32).saturating_mul(1000),
                            );
                        }
                    }
                    config.set(Some(c))
                }
                Err(e) => error.set(Some(describe(&e, texts()))),
            }
            let stored = storage::load_session(&line);
            let start = StartSession {
                line: line.clone(),
                client: stored.as_ref().map(|s| s.client.clone()),
                token: stored.map(|s| s.token),
            };
            let s = match call::<_, Session>(
                "POST",
                &format!("{base}/api/v1/visitor/sessions"),
                None,
                Some(&start),
            )
            .await
            {
                Ok(s) => s,
                Err(e) => {
                    error.set(Some(describe(&e, texts())));
                    return;
                }
            };
            storage::save_session(&s);
            if !s.resumed {
                storage::save_outbox(&line, &[]);
            }
            if let Ok(h) = call::<(), History>(
                "GET",
                &format!("{base}/api/v1/visitor/messages?after=0"),
                Some(&s.token),
                None,
            )
            .await
            {
                rows.update(|r| h.messages.into_iter().for_each(|m| merge(r, m)));
            }
            rows.update(|r| {
                for o in storage::load_outbox(&line) {
                    if !r.iter().any(|row| row.client_id == o.client_id) {
                        r.push(Row {
                            seq: None,
                            client_id: o.client_id,
                            author: Author::Visitor,
                            text: o.text,
                            kind: None,
                            delivery: Delivery::Sending,
                        });
                    }
                }
            });
            last_seq.set(
                rows.get_untracked()
                    .iter()
                    .filter_map(|r| r.seq)
                    .max()
                    .unwrap_or(0),
            );
            let url = format!(
                "{}/api/v1/visitor/ws?token={}",
                base.replacen("http", "ws", 1),
                s.token
            );
            session.set(Some(s));
            let seq = Rc::clone(&last_seq);
            let on_event = move |event: VisitorEvent| match event {
                VisitorEvent::Message { message } => {
                    seq.set(seq.get().max(message.seq));
                    if !matches!(message.author, Author::Visitor) {
                        typing.set(None);
                    }
                    rows.update(|r| merge(r, message));
                }
                VisitorEvent::Typing { operator } => {
                    typing.set(Some(operator.map(|o| o.name).unwrap_or_default()));
                    let clear = Closure::once_into_js(move || typing.set(None));
                    if let Some(w) = web_sys::window() {
                        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                            clear.unchecked_ref(),
                            4000,
                        );
                    }
                }
                _ => {}
            };
            let on_status = move |up: bool| {
                connected.set(up);
                if up {
                    flush();
                }
            };
            live.set_value(Some(live::Live::start(url, last_seq, on_event, on_status)));
            // Whatever is still in the outbox is retried every few seconds
            // (a socket may survive a network cut that failed a send).
            let retry = Closure::<dyn FnMut()>::new(move || {
                if !storage::load_outbox(&line).is_empty() {
                    flush();
                }
            });
            if let Some(w) = web_sys::window() {
                let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
                    retry.as_ref().unchecked_ref(),
                    3000,
                );
            }
            retry.forget();
        });
    }

    let send = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() || session.get_untracked().is_none() {
            return;
        }
        draft.set(String::new());
        let message = SendMessage {
            client_id: storage::new_client_id(),
            text: text.clone(),
        };
        let line = line.get_value();
        let mut outbox = storage::load_outbox(&line);
        outbox.push(message.clone());
        storage::save_outbox(&line, &outbox);
        rows.update(|r| {
            r.push(Row {
                seq: None,
                client_id: message.client_id,
                author: Author::Visitor,
                text,
                kind: None,
                delivery: Delivery::Sending,
            })
        });
        flush();
    };

    // W1: the draft goes out as a throttled typing signal.
    let last_typing = Rc::new(Cell::new(0f64));
    let on_draft = move |value: String| {
        draft.set(value.clone());
        let now = js_sys::Date::now();
        if now - last_typing.get() > 1000.0 {
            last_typing.set(now);
            live.with_value(|l| {
                if let Some(l) = l {
                    l.send(&VisitorFrame::Typing { draft: value });
                }
            });
        }
    };

    let rate = move |score: u8| {
        rated.set(true);
        spawn_local(async move {
            let Some(s) = session.get_untracked() else {
                return;
            };
            let base = api.get_value();
            let body = serde_json::json!({ "score": score });
            if let Err(e) = call::<_, serde_json::Value>(
                "POST",
                &format!("{base}/api/v1/visitor/rating"),
                Some(&s.token),
                Some(&body),
            )
            .await
            {
                rated.set(false);
                error.set(Some(describe(&e, texts())));
            }
        });
    };

    // H4: outside working hours, say when the line opens.
    let offline_notice = move || {
        let c = config.get()?;
        if c.open {
            return None;
        }
        Some(match c.next_opening {
            Some(at) => {
                let when = js_sys::Date::new(&(at as f64).into())
                    .to_locale_string(&c.language, &JsValue::UNDEFINED)
                    .as_string()
                    .unwrap_or_default();
                texts().closed_until.replace("{time}", &when)
            }
            None => texts().closed.to_string(),
        })
    };

    // Keep the newest message in view.
    let list = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        rows.track();
        typing.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let title = move || {
        config
            .get()
            .map(|c| c.title)
            .unwrap_or_else(|| "Chat".into())
    };
    let greeting = move || config.get().map(|c| c.greeting);
    let asks_rating = move || {
        rows.get()
            .iter()
            .any(|r| r.kind.as_deref() == Some("rating_request"))
    };

    view! {
        <section class="ol-panel" role="dialog" aria-label=title>
            <header class="ol-header">
                <h2 class="ol-title">{title}</h2>
                <button class="ol-close" type="button" aria-label=move || texts().close_chat
                    on:click=move |_| { let _ = on_close.call0(&JsValue::NULL); }>"×"</button>
            </header>
            {move || offline_notice().map(|n| view! { <p class="ol-offline" role="status">{n}</p> })}
            <ol class="ol-messages" aria-live="polite" node_ref=list>
                {move || greeting().map(|g| view! { <li class="ol-msg ol-from-operator ol-greeting">{g}</li> })}
                <For each=move || rows.get().into_iter().filter(|r| r.kind.as_deref() != Some("rating_request") && r.kind.as_deref() != Some("reopened"))
                    key=|r| (r.client_id.clone(), r.delivery as u8) let:row>
                    <li class=match row.author { Author::Visitor => "ol-msg ol-from-visitor", Author::System => "ol-msg ol-system", _ => "ol-msg ol-from-operator" }
                        data-delivery=match row.delivery { Delivery::Sending => "sending", Delivery::Sent => "sent", Delivery::Failed => "failed" }>
                        {match &row.author { Author::Operator { name: Some(n) } => Some(view! { <span class="ol-author">{n.clone()}</span> }), _ => None }}
                        <span class="ol-text">{row.text.clone()}</span>
                        {matches!(row.author, Author::Visitor).then(|| view! {
                            <span class="ol-state" title=move || if row.delivery == Delivery::Failed { texts().not_sent } else { "" }>
                                {match row.delivery { Delivery::Sending => "…", Delivery::Sent => "✓", Delivery::Failed => "!" }}
                            </span>
                        })}
                    </li>
                </For>
            </ol>
            {move || typing.get().map(|name| view! {
                <p class="ol-typing" role="status">{if name.is_empty() { texts().someone_typing.to_string() } else { format!("{name} {}", texts().typing) }}</p>
            })}
            {move || (asks_rating() && !rated.get()).then(|| view! {
                <div class="ol-rating" role="group" aria-label=move || texts().rate_prompt>
                    <p>{move || texts().rate_prompt}</p>
                    {(1u8..=5).map(|n| view! {
                        <button type="button" class="ol-star" aria-label=move || texts().rate_star.replace("{n}", &n.to_string())
                            on:click=move |_| rate(n)>"★"</button>
                    }).collect_view()}
                </div>
            })}
            {move || rated.get().then(|| view! { <p class="ol-rated" role="status">{move || texts().rated}</p> })}
            {move || (!connected.get()).then(|| view! { <p class="ol-error" role="status">{move || texts().reconnecting}</p> })}
            {move || show_contacts.get().then(|| config.get().map(|c| view! {
                <forms::ContactBlock api session config=c texts=texts() on_done=move || show_contacts.set(false) />
            })).flatten()}
            {move || config.get().filter(|c| c.email_copy).map(|_| view! { <forms::EmailCopy api session texts=texts() /> })}
            {move || error.get().map(|e| view! { <p class="ol-error" role="alert">{e}</p> })}
            <form class="ol-compose" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label class="ol-sr" for="ol-input">{move || texts().message_label}</label>
                <textarea id="ol-input" class="ol-input" rows="2" placeholder=move || texts().placeholder
                    prop:value=move || draft.get()
                    on:input=move |ev| on_draft(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); send(); }
                    }></textarea>
                <button class="ol-send" type="submit" disabled=move || session.get().is_none()>{move || texts().send}</button>
            </form>
        </section>
    }
}

fn describe(e: &HttpError, texts: &i18n::Texts) -> String {
    match e {
        HttpError::Network => texts.offline.into(),
        HttpError::Api { message, .. } => message.clone(),
    }
}
