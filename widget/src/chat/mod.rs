//! The chat panel, one part per module: the header (title, operator card,
//! offline notice), the message list, the rating form and the composer;
//! `sync` resumes the session, goes live and sends the outbox. What the
//! panel decides lives in `conversation.rs`, tested natively.
//!
//! The parts are plain functions returning views, not components: the same
//! markup without a props builder each, since every byte of the widget is
//! paid by the host page.

mod composer;
mod header;
mod messages;
mod rating;
mod sync;

use crate::conversation::{self, Contacts, FormKind, Row};
use crate::http::HttpError;
use crate::i18n::{self, Texts};
use crate::{forms, live, storage, timers};
use leptos::either::Either;
use leptos::prelude::*;
use openline_core::operator::OperatorCard;
use openline_core::protocol::{Session, WidgetConfig};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Starts the conversation again; see [`State::restart`].
type Restart = Rc<dyn Fn(bool)>;

/// What the panel's parts share. Signals and stored values are `Copy`, so
/// each part takes the whole and its closures capture only what they use;
/// helpers take it by reference (a copy per call costs wasm bytes).
#[derive(Clone, Copy)]
struct State {
    session: RwSignal<Option<Session>>,
    rows: RwSignal<Vec<Row>>,
    error: RwSignal<Option<String>>,
    connected: RwSignal<bool>,
    /// The typing operator's name ("" when unnamed), while they type.
    typing: RwSignal<Option<String>>,
    operator: RwSignal<Option<OperatorCard>>,
    /// The queue notice, ready to show (position and wait estimate).
    queue: RwSignal<Option<String>>,
    contacts: RwSignal<Contacts>,
    /// F5: the line's form for each case.
    forms: StoredValue<conversation::Forms>,
    api: StoredValue<String>,
    line: StoredValue<String>,
    live: StoredValue<Option<Rc<live::Live>>, LocalStorage>,
    /// Starts the conversation again (`true`: only joining what the
    /// stored token leads to): the dialog ended or moved on.
    restart: StoredValue<Option<Restart>, LocalStorage>,
    texts: &'static Texts,
}

impl State {
    /// Offers the line's form for this case, if it has one and no form
    /// was offered already.
    fn ask_contacts(&self, kind: FormKind) {
        if self.forms.with_value(|f| kind.case(f).is_some()) {
            self.contacts.update(|c| c.ask(kind));
        }
    }

    /// Shows what went wrong, in words the visitor can read.
    fn fail(&self, e: &HttpError) {
        self.error.set(Some(crate::describe(e, self.texts)));
    }
}

/// The chat panel. The line's settings come from the loader (fetched while
/// the wasm downloads), so the panel renders at once in the right language
/// with its texts fixed; without them (the edge unreachable) it still works
/// in the browser's language.
#[component]
pub fn Chat(
    line: String,
    api: String,
    config: Option<WidgetConfig>,
    /// F5: the line's forms (`wire::forms`).
    forms: conversation::Forms,
    on_close: js_sys::Function,
    on_reply: impl Fn() + 'static,
    identity: Option<JsValue>,
    opened: RwSignal<bool>,
) -> impl IntoView {
    let language = config
        .as_ref()
        .map(|c| c.language.clone())
        .unwrap_or_else(i18n::browser_language);
    let texts = i18n::texts(&language);
    let st = State {
        session: RwSignal::new(None),
        rows: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        connected: RwSignal::new(true),
        typing: RwSignal::new(None),
        operator: RwSignal::new(None),
        queue: RwSignal::new(None),
        contacts: RwSignal::new(Contacts::Hidden),
        forms: StoredValue::new(forms),
        api: StoredValue::new(api),
        line: StoredValue::new(line),
        live: StoredValue::new_local(None),
        restart: StoredValue::new_local(None),
        texts,
    };
    let busy_form = config.as_ref().is_some_and(|c| c.busy_form);
    let typing_preview = config.as_ref().is_some_and(|c| c.typing_preview);
    let email_copy = config.as_ref().is_some_and(|c| c.email_copy);
    let consent = config.as_ref().and_then(|c| c.consent.clone());
    let title = config
        .as_ref()
        .map(|c| c.title.clone())
        .unwrap_or_else(|| "Chat".into());
    let greeting = config.as_ref().map(|c| c.greeting.clone());

    // Opening the chat only resumes; a new dialog opens when the visitor
    // engages: starts typing, or submits a contact form. Showing a form
    // (F2, F4, H4) is not engaging, so operators never get empty dialogs
    // from a mere look.
    let wanted = Rc::new(Cell::new(false));
    let begin = sync::starter(st, identity, on_reply, busy_form, Rc::clone(&wanted));
    // Resume once the visitor opens the chat, or in the background when
    // this browser has a conversation (a verified user's other device too).
    {
        let begin = begin.clone();
        Effect::new(move |_| {
            if opened.get() || storage::load_session(&st.line.get_value()).is_some() {
                begin(true);
            }
        });
    }
    // Engaging sets a signal (`Copy`, so the contact block rendered from a
    // reactive closure can set it too) and this effect starts the dialog.
    let engaged = RwSignal::new(false);
    Effect::new(move |_| {
        if engaged.get() {
            wanted.set(true);
            begin(false);
        }
    });
    let engage = move || engaged.set(true);
    match &config {
        Some(c) => {
            // F2: the contact block follows the greeting after a pause,
            // counted from the first time the visitor opens the panel: a
            // panel mounted hidden (hover, background resume) starts no
            // timer. If the visitor closes the panel before the pause ends,
            // the block waits there for the next opening. It is skipped
            // once the visitor has written (issue 11: it must not interrupt
            // a conversation).
            let mut pause = c.contact_request_after_s;
            Effect::new(move |_| {
                if let Some(after_s) = pause.filter(|_| opened.get()) {
                    pause = None;
                    timers::after((after_s as i32).saturating_mul(1000), move || {
                        if conversation::greeting_may_ask_contacts(&st.rows.get_untracked()) {
                            st.ask_contacts(FormKind::Greeting)
                        }
                    });
                }
            });
            // H4 (F5): offline, the visitor may leave contacts at once.
            if !c.open {
                st.ask_contacts(FormKind::Offline);
            }
        }
        None => st.fail(&HttpError::Network),
    }

    let body = NodeRef::<leptos::html::Div>::new();
    messages::keep_newest_in_view(st, body);
    let (header, offline_notice) = header::header(st, config.as_ref(), title.clone(), on_close);
    let (list, queue, typing) = messages::messages(st, greeting);
    let (rating, rated) = rating::rating(st);
    let (composer, typing_note) = composer::composer(st, engage, opened, typing_preview);
    let session = st.session;
    let api = st.api;
    let contacts = st.contacts;
    view! {
        <section class="ol-panel" role="dialog" aria-label=title>
            {header}
            {offline_notice}
            <div class="ol-body" node_ref=body>
                {list}
                {queue}
                {typing}
                {rating}
                {rated}
                {move || match contacts.get() {
                    Contacts::Asking(kind) => Some(Either::Left({
                        let mut case = st.forms.with_value(|f| kind.case(f).cloned()).unwrap_or_default();
                        if case.text.is_empty() {
                            case.text = kind.prompt(texts).into();
                        }
                        view! {
                        <forms::ContactBlock api session consent=consent.clone() texts prompt=case.text fields=case.fields engage
                            on_saved=move || contacts.set(Contacts::Saved)
                            on_dismiss=move || contacts.set(Contacts::Dismissed) />
                    }})),
                    Contacts::Saved => Some(Either::Right(view! { <p class="ol-done" role="status">{texts.contacts_saved}</p> })),
                    _ => None,
                }}
                {email_copy.then(|| view! { <forms::EmailCopy api session texts /> })}
            </div>
            {move || (!st.connected.get()).then(|| view! { <p class="ol-error" role="status">{texts.reconnecting}</p> })}
            {move || st.error.get().map(|e| view! { <p class="ol-error" role="alert">{e}</p> })}
            {composer}
            {typing_note}
        </section>
    }
}
