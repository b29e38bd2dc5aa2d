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
mod timers;
mod wire;

use http::{call_json, typed, HttpError};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::line::QueueInfo;
use openline_core::operator::OperatorCard;
use openline_core::protocol::frames::VisitorEvent;
use openline_core::protocol::{Author, ChatMessage, History, SendMessage, Session, WidgetConfig};
use openline_core::settings::Presentation;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wire::{FromJson, ToJson};

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
    rows.retain(|r| r.client_id != m.client_id);
    // Before the first later message or the first still-pending one (no
    // sort: the list is kept in order as it grows).
    let at = rows
        .iter()
        .position(|r| r.seq.is_none_or(|seq| seq > m.seq))
        .unwrap_or(rows.len());
    rows.insert(at, Row::from(m));
}

thread_local! {
    /// Operator replies that arrived while the panel was hidden.
    static UNREAD: Cell<u32> = const { Cell::new(0) };
    /// Whether the visitor has opened the panel (set by `seen`).
    static OPENED: Cell<Option<RwSignal<bool>>> = const { Cell::new(None) };
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
    let panel = host.clone();
    // Opened by the visitor, or mounted hidden because a conversation is in
    // progress (for the unread badge); `seen` reports the opening.
    let opened = RwSignal::new(!host.hidden());
    OPENED.with(|o| o.set(Some(opened)));
    let on_reply = move || {
        if panel.hidden() {
            let n = UNREAD.with(|u| {
                u.set(u.get() + 1);
                u.get()
            });
            let _ = on_unread.call1(&JsValue::NULL, &n.into());
        }
    };
    let identity = identity.is_object().then_some(identity);
    let config = WidgetConfig::from_json(&config);
    leptos::mount::mount_to(
        host,
        move || view! { <Chat line api config on_close on_reply identity opened /> },
    )
    .forget();
}

/// The visitor opened the panel: every reply so far is read.
#[wasm_bindgen]
pub fn seen() {
    UNREAD.with(|u| u.set(0));
    OPENED.with(|o| {
        if let Some(opened) = o.get() {
            opened.set(true);
        }
    });
}

/// Where the contact block stands: it is offered once (F2 after the
/// greeting, F4 when every operator is busy, or while the line is offline)
/// and stays answered or dismissed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contacts {
    Hidden,
    Asking(&'static str),
    Saved,
    Dismissed,
}

/// The message list's last word is the visitor's: they wait for a reply.
fn waiting_for_reply(rows: &[Row]) -> bool {
    rows.iter()
        .rev()
        .find(|r| !matches!(r.author, Author::System))
        .is_some_and(|r| matches!(r.author, Author::Visitor) && r.seq.is_some())
}

/// "You are number 2 in the queue. Expected wait: about 3 min."
fn queue_text(q: &QueueInfo, texts: &i18n::Texts) -> String {
    let mut text = texts.queue_position.replace("{n}", &q.position.to_string());
    if let Some(ms) = q.estimate_ms {
        let minutes = ((ms.max(0) + 59_999) / 60_000).max(1);
        text.push(' ');
        text.push_str(&texts.queue_estimate.replace("{m}", &minutes.to_string()));
    }
    text
}

/// The chat panel. The line's settings come from the loader (fetched while
/// the wasm downloads), so the panel renders at once in the right language
/// with its texts fixed; without them (the edge unreachable) it still works
/// in the browser's language.
#[component]
fn Chat(
    line: String,
    api: String,
    config: Option<WidgetConfig>,
    on_close: js_sys::Function,
    on_reply: impl Fn() + 'static,
    identity: Option<JsValue>,
    opened: RwSignal<bool>,
) -> impl IntoView {
    let session = RwSignal::new(None::<Session>);
    let rows = RwSignal::new(Vec::<Row>::new());
    let error = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let connected = RwSignal::new(true);
    let typing = RwSignal::new(None::<String>);
    let operator = RwSignal::new(None::<OperatorCard>);
    // The queue notice, ready to show (position and wait estimate).
    let queue = RwSignal::new(None::<String>);
    let contacts = RwSignal::new(Contacts::Hidden);
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let rated = RwSignal::new(false);
    let api = StoredValue::new(api);
    let line = StoredValue::new(line);
    let last_seq = Rc::new(Cell::new(0u64));
    let live = StoredValue::new_local(None::<Rc<live::Live>>);
    let language = config
        .as_ref()
        .map(|c| c.language.clone())
        .unwrap_or_else(i18n::browser_language);
    let fixed_texts = i18n::texts(&language);
    let busy_form = config.as_ref().is_some_and(|c| c.busy_form);
    let typing_preview = config.as_ref().is_some_and(|c| c.typing_preview);
    let email_copy = config.as_ref().is_some_and(|c| c.email_copy);
    let consent = config.as_ref().and_then(|c| c.consent.clone());
    let title = config
        .as_ref()
        .map(|c| c.title.clone())
        .unwrap_or_else(|| "Chat".into());
    let greeting = config.as_ref().map(|c| c.greeting.clone());
    let ask_contacts = move |prompt: &'static str| {
        contacts.update(|c| {
            if *c == Contacts::Hidden {
                *c = Contacts::Asking(prompt);
            }
        })
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
                let result: Result<ChatMessage, HttpError> = typed(
                    call_json(
                        "POST",
                        &format!("{base}/api/v1/visitor/messages"),
                        Some(&s.token),
                        Some(next.to_json()),
                    )
                    .await,
                );
                match result {
                    Ok(m) => {
                        storage::forget_outbox(&line, &next.client_id);
                        rows.update(|r| merge(r, m));
                        error.set(None);
                    }
                    Err(e) => {
                        rows.update(|r| {
                            if let Some(row) =
                                r.iter_mut().find(|row| row.client_id == next.client_id)
                            {
                                row.delivery = Delivery::Failed;
                            }
                        });
                        let refused = matches!(e, HttpError::Api { status, .. }
                            if (400..500).contains(&status) && status != 429);
                        error.set(Some(describe(&e, fixed_texts)));
                        if refused {
                            // Refused for good (e.g. too long): drop it, say why.
                            storage::forget_outbox(&line, &next.client_id);
                        } else {
                            break;
                        }
                    }
                }
            }
        });
    };

    // Resume (or open) the session, show the history and what is still in
    // the outbox, then go live. Opening the chat only resumes; a new dialog
    // opens when the visitor engages (starts typing, or is asked for
    // contacts), so operators never get empty dialogs from a mere look.
    let starting = Rc::new(Cell::new(false));
    let wanted = Rc::new(Cell::new(false));
    let on_reply = Rc::new(on_reply);
    let begin = {
        let wanted = Rc::clone(&wanted);
        move |mut resume_only: bool| {
            if starting.replace(true) {
                return;
            }
            let last_seq = Rc::clone(&last_seq);
            let identity = identity.clone();
            let on_reply = Rc::clone(&on_reply);
            let starting = Rc::clone(&starting);
            let wanted = Rc::clone(&wanted);
            spawn_local(async move {
                let base = api.get_value();
                let line = line.get_value();
                let s = loop {
                    let stored = storage::load_session(&line);
                    let start = wire::object(&[
                        ("line", line.as_str().into()),
                        (
                            "client",
                            wire::opt(stored.as_ref().map(|s| s.client.as_str())),
                        ),
                        (
                            "token",
                            wire::opt(stored.as_ref().map(|s| s.token.as_str())),
                        ),
                        ("identity", identity.clone().unwrap_or(JsValue::UNDEFINED)),
                        ("resume_only", resume_only.into()),
                    ]);
                    match typed::<Session>(
                        call_json(
                            "POST",
                            &format!("{base}/api/v1/visitor/sessions"),
                            None,
                            Some(start),
                        )
                        .await,
                    ) {
                        Ok(s) => break s,
                        // Nothing to resume: forget it; start when the visitor
                        // engages (now, if they already have).
                        Err(HttpError::Api { status: 404, .. }) if resume_only => {
                            storage::forget_session(&line);
                            if wanted.get() {
                                resume_only = false;
                                continue;
                            }
                            starting.set(false);
                            return;
                        }
                        Err(e) => {
                            error.set(Some(describe(&e, fixed_texts)));
                            starting.set(false);
                            return;
                        }
                    }
                };
                // What the outbox holds is sent even into a new dialog: the
                // visitor's words are never dropped.
                storage::save_session(&s);
                if let Ok(h) = typed::<History>(
                    call_json(
                        "GET",
                        &format!("{base}/api/v1/visitor/messages?after=0"),
                        Some(&s.token),
                        None,
                    )
                    .await,
                ) {
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
                let token = s.token.clone();
                session.set(Some(s));
                let seq = Rc::clone(&last_seq);
                let on_event = move |event: VisitorEvent| match event {
                    VisitorEvent::Message { message } => {
                        let fresh = message.seq > seq.get();
                        seq.set(seq.get().max(message.seq));
                        if let Author::Operator { name: Some(name) } = &message.author {
                            if operator
                                .with_untracked(|o| o.as_ref().map(|c| &c.name) != Some(name))
                            {
                                operator.set(Some(OperatorCard {
                                    name: name.clone(),
                                    avatar: None,
                                    position: None,
                                }));
                            }
                        }
                        if !matches!(message.author, Author::Visitor) {
                            typing.set(None);
                            queue.set(None);
                            if fresh {
                                (*on_reply)();
                            }
                        }
                        rows.update(|r| merge(r, message));
                    }
                    VisitorEvent::Typing { operator: card } => {
                        typing.set(Some(
                            card.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
                        ));
                        if card.is_some() {
                            operator.set(card);
                        }
                        timers::after(4000, move || typing.set(None));
                    }
                    VisitorEvent::Operator { card } => operator.set(card),
                    VisitorEvent::Queue { info } => queue.set(Some(queue_text(&info, fixed_texts))),
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
                let outbox_line = line.clone();
                timers::every(3000, move || {
                    if !storage::load_outbox(&outbox_line).is_empty() {
                        flush();
                    }
                });
                // While the visitor waits for a reply: queue position and wait
                // estimate, and F4's form when every operator is busy.
                timers::every(4000, move || {
                    if !rows.with_untracked(|r| waiting_for_reply(r)) {
                        queue.set(None);
                        return;
                    }
                    let url = format!("{base}/api/v1/visitor/queue");
                    let token = token.clone();
                    spawn_local(async move {
                        if let Ok(w) = call_json("GET", &url, Some(&token), None).await {
                            let waiting = QueueInfo::from_json(&wire::get(&w, "queue"));
                            if waiting.is_some() && busy_form {
                                ask_contacts(fixed_texts.busy_prompt);
                            }
                            queue.set(waiting.map(|q| queue_text(&q, fixed_texts)));
                        }
                    });
                });
            });
        }
    };
    // Resume once the visitor opens the chat, or in the background when
    // this browser has a conversation (a verified user's other device too).
    {
        let begin = begin.clone();
        Effect::new(move |_| {
            if opened.get() || storage::load_session(&line.get_value()).is_some() {
                begin(true);
            }
        });
    }
    let engage = move || {
        wanted.set(true);
        begin(false);
    };
    {
        let engage = engage.clone();
        Effect::new(move |_| {
            if matches!(contacts.get(), Contacts::Asking(_)) {
                engage();
            }
        });
    }
    match &config {
        Some(c) => {
            // F2: the contact block follows the greeting after a pause.
            if let Some(after_s) = c.contact_request_after_s {
                timers::after((after_s as i32).saturating_mul(1000), move || {
                    ask_contacts(fixed_texts.contacts_prompt)
                });
            }
            // H4 (F5): offline, the visitor may leave contacts at once.
            if !c.open && busy_form {
                ask_contacts(fixed_texts.contacts_prompt);
            }
        }
        None => error.set(Some(describe(&HttpError::Network, fixed_texts))),
    }

    let send = {
        let engage = engage.clone();
        move || {
            let text = draft.get_untracked().trim().to_owned();
            if text.is_empty() {
                return;
            }
            engage();
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
        if typing_preview && now - last_typing.get() > 1000.0 {
            last_typing.set(now);
            live.with_value(|l| {
                if let Some(l) = l {
                    l.send(&wire::object(&[
                        ("type", "typing".into()),
                        ("draft", value.into()),
                    ]));
                }
            });
        }
    };

    // R1: a score of 1–5 and an optional comment.
    let rate = move || {
        let Some(score) = score.get_untracked() else {
            return;
        };
        let Some(s) = session.get_untracked() else {
            return;
        };
        rated.set(true);
        let comment = Some(comment.get_untracked().trim().to_owned()).filter(|c| !c.is_empty());
        spawn_local(async move {
            let base = api.get_value();
            let body = wire::object(&[
                ("score", score.into()),
                ("comment", wire::opt(comment.as_deref())),
            ]);
            if let Err(e) = call_json(
                "POST",
                &format!("{base}/api/v1/visitor/rating"),
                Some(&s.token),
                Some(body),
            )
            .await
            {
                rated.set(false);
                error.set(Some(describe(&e, fixed_texts)));
            }
        });
    };

    // H4: outside working hours, say when the line opens.
    let offline_notice = config
        .as_ref()
        .filter(|c| !c.open)
        .map(|c| match c.next_opening {
            Some(at) => {
                let when = js_sys::Date::new(&(at as f64).into())
                    .to_locale_string(&c.language, &JsValue::UNDEFINED)
                    .as_string()
                    .unwrap_or_default();
                fixed_texts.closed_until.replace("{time}", &when)
            }
            None => fixed_texts.closed.to_string(),
        });

    // O1: the operator as the line presents them (own card, the line's
    // replacement card, or nobody).
    let fixed_card = match config.as_ref().map(|c| &c.presentation) {
        Some(Presentation::Hidden) => Some(None),
        Some(Presentation::Replacement {
            name,
            avatar,
            position,
        }) => Some(Some(OperatorCard {
            name: name.clone(),
            avatar: avatar.clone(),
            position: position.clone(),
        })),
        _ => None,
    };
    let card = move || fixed_card.clone().unwrap_or_else(|| operator.get());

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

    // Keep the newest message in view.
    let body = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        rows.track();
        typing.track();
        queue.track();
        if let Some(el) = body.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let asks_rating = move || {
        rows.get()
            .iter()
            .any(|r| r.kind.as_deref() == Some("rating_request"))
    };

    view! {
        <section class="ol-panel" role="dialog" aria-label=title>
            <header class="ol-header">
                <div class="ol-head">
                    <h2 class="ol-title">{title.clone()}</h2>
                    {move || card().map(|c| view! {
                        <p class="ol-operator" aria-label=fixed_texts.operator>
                            {c.avatar.filter(|a| a.starts_with("https://") || a.starts_with('/')).map(|a| view! { <img class="ol-avatar" src=a alt="" width="28" height="28" /> })}
                            <span class="ol-operator-name">{c.name}</span>
                            {c.position.map(|p| view! { <span class="ol-operator-position">{p}</span> })}
                        </p>
                    })}
                </div>
                <button class="ol-close" type="button" aria-label=fixed_texts.close_chat
                    on:click=move |_| { let _ = on_close.call0(&JsValue::NULL); }>"×"</button>
            </header>
            {offline_notice.map(|n| view! { <p class="ol-offline" role="status">{n}</p> })}
            <div class="ol-body" node_ref=body>
                <ol class="ol-messages" aria-live="polite">
                {greeting.map(|g| view! { <li class="ol-msg ol-from-operator ol-greeting">{g}</li> })}
                {move || rows.get().into_iter().filter(|r| r.kind.as_deref() != Some("rating_request") && r.kind.as_deref() != Some("reopened")).map(|row| view! {
                    <li class=match row.author { Author::Visitor => "ol-msg ol-from-visitor", Author::System => "ol-msg ol-system", _ => "ol-msg ol-from-operator" }
                        data-delivery=match row.delivery { Delivery::Sending => "sending", Delivery::Sent => "sent", Delivery::Failed => "failed" }>
                        {match &row.author { Author::Operator { name: Some(n) } => Some(view! { <span class="ol-author">{n.clone()}</span> }), _ => None }}
                        <span class="ol-text">{row.text.clone()}</span>
                        {matches!(row.author, Author::Visitor).then(|| view! {
                            <span class="ol-state" title=if row.delivery == Delivery::Failed { fixed_texts.not_sent } else { "" }>
                                {match row.delivery { Delivery::Sending => "…", Delivery::Sent => "✓", Delivery::Failed => "!" }}
                            </span>
                        })}
                    </li>
                }).collect_view()}
            </ol>
            {move || queue.get().map(|q| view! { <p class="ol-queue" role="status">{q}</p> })}
            {move || typing.get().map(|name| view! {
                <p class="ol-typing" role="status">{if name.is_empty() { fixed_texts.someone_typing.to_string() } else { format!("{name} {}", fixed_texts.typing) }}</p>
            })}
            {move || (asks_rating() && !rated.get()).then(|| view! {
                <form class="ol-rating" aria-label=fixed_texts.rate_prompt on:submit=move |ev| { ev.prevent_default(); rate(); }>
                    <p>{fixed_texts.rate_prompt}</p>
                    <div class="ol-stars">
                        {(1u8..=5).map(|n| view! {
                            <button type="button" class="ol-star" class:ol-on=move || score.get().is_some_and(|s| n <= s)
                                aria-pressed=move || (score.get() == Some(n)).to_string()
                                aria-label=fixed_texts.rate_star.replace("{n}", &n.to_string())
                                on:click=move |_| score.set(Some(n))>"★"</button>
                        }).collect_view()}
                    </div>
                    <label class="ol-comment">{fixed_texts.rate_comment}
                        <textarea rows="2" maxlength="1000" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </label>
                    <button type="submit" class="ol-send" disabled=move || score.get().is_none()>{fixed_texts.send_rating}</button>
                </form>
            })}
            {move || rated.get().then(|| view! { <p class="ol-rated" role="status">{fixed_texts.rated}</p> })}
            {move || match contacts.get() {
                Contacts::Asking(prompt) => Some(Either::Left(view! {
                    <forms::ContactBlock api session consent=consent.clone() texts=fixed_texts prompt
                        on_saved=move || contacts.set(Contacts::Saved)
                        on_dismiss=move || contacts.set(Contacts::Dismissed) />
                })),
                Contacts::Saved => Some(Either::Right(view! { <p class="ol-done" role="status">{fixed_texts.contacts_saved}</p> })),
                _ => None,
            }}
            {email_copy.then(|| view! { <forms::EmailCopy api session texts=fixed_texts /> })}
            </div>
            {move || (!connected.get()).then(|| view! { <p class="ol-error" role="status">{fixed_texts.reconnecting}</p> })}
            {move || error.get().map(|e| view! { <p class="ol-error" role="alert">{e}</p> })}
            <form class="ol-compose" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label class="ol-sr" for="ol-input">{fixed_texts.message_label}</label>
                <textarea id="ol-input" class="ol-input" rows="2" node_ref=input placeholder=fixed_texts.placeholder
                    aria-describedby=typing_preview.then_some("ol-typing-note")
                    prop:value=move || draft.get()
                    on:input=move |ev| on_draft(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); send_on_enter(); }
                    }></textarea>
                <button class="ol-send" type="submit">{fixed_texts.send}</button>
            </form>
            {typing_preview.then(|| view! {
                <p class="ol-note" id="ol-typing-note">{fixed_texts.typing_notice}</p>
            })}
        </section>
    }
}

/// What the visitor reads about a failed call.
fn describe(e: &HttpError, texts: &i18n::Texts) -> String {
    match e {
        HttpError::Network => texts.offline.into(),
        HttpError::Api { message, .. } => message.clone(),
    }
}
