//! The chat panel, one part per module: the header (title, operator card,
//! offline notice), the message list, the rating form, the composer and the
//! contact forms; `sync` resumes the session, goes live and sends the
//! outbox. What the panel decides lives in `conversation.rs`, tested
//! natively.
//!
//! The panel is one [`Panel`] shared by its parts (`Rc`): what it knows in
//! cells, and the nodes each change updates in [`Ui`]. A change goes
//! through one method (`rows_changed`, `set_typing`…) that updates exactly
//! those nodes — no framework in between (see `dom.rs` for why).

mod composer;
mod files;
mod forms;
mod header;
mod messages;
mod rating;
mod sync;

use crate::conversation::{self, Contacts, FormKind, Forms, Row};
use crate::dom::{self, Slot};
use crate::http::HttpError;
use crate::i18n::{self, Texts};
use crate::{live, storage, timers};
use openline_core::attachments::AttachmentRules;
use openline_core::operator::OperatorCard;
use openline_core::protocol::{Session, WidgetConfig};
use openline_core::settings::ConsentText;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

/// What the panel knows and the nodes that show it.
pub struct Panel {
    texts: &'static Texts,
    api: String,
    line: String,
    /// F5: the line's form for each case.
    forms: Forms,
    /// A1: the line's consent text, when it asks for one.
    consent: Option<ConsentText>,
    /// Issue 11.3: the files the visitor may send.
    attachments: AttachmentRules,
    /// Links to files: file id, link, when it stops serving (ms). A list,
    /// not a map: a conversation has few files, and a map's code costs
    /// the widget 3 KB.
    links: RefCell<Vec<(String, String, f64)>>,
    /// The site's word on who the visitor is (`{user_id, hash, …}`).
    identity: Option<JsValue>,
    busy_form: bool,
    session: RefCell<Option<Session>>,
    rows: RefCell<Vec<Row>>,
    contacts: Cell<Contacts>,
    /// The operator who answers, as they arrive live.
    operator: RefCell<Option<OperatorCard>>,
    /// O1: the card the line presents instead (`Some(None)`: nobody).
    fixed_card: Option<Option<OperatorCard>>,
    live: RefCell<Option<Rc<live::Live>>>,
    /// The highest sequence number shown, where the socket resumes.
    last_seq: Rc<Cell<u64>>,
    /// Issue 11.3: the operators have seen up to here (the visitor's
    /// messages up to it are marked "seen").
    seen: Cell<u64>,
    /// Issue 11.3: the visitor's own read mark, as last sent.
    read_sent: Cell<u64>,
    /// A start is under way or done (one at a time).
    starting: Cell<bool>,
    /// The visitor engaged: a start that finds nothing opens a dialog.
    wanted: Cell<bool>,
    /// The timers of the live session run (started once).
    ticking: Cell<bool>,
    /// F2: the pause before the contact block, until the first opening.
    contact_pause: Cell<Option<u32>>,
    /// Bumped by every typing notice; its timer clears only its own.
    typing_gen: Cell<u32>,
    /// The reply counter of the loader's badge.
    on_reply: Box<dyn Fn()>,
    ui: Ui,
}

/// The nodes that change.
struct Ui {
    /// The loader's panel: hidden while the chat is closed.
    host: HtmlElement,
    body: HtmlElement,
    operator: Slot,
    /// The rows shown, with the row each shows (rebuilt when it changes).
    shown: RefCell<Vec<(Row, Element)>>,
    /// After the rows: "this conversation has ended".
    ended: Slot,
    /// Under the list: a bot's quick replies (B3), with the ones shown.
    replies: Slot,
    offered: RefCell<Vec<String>>,
    queue: Slot,
    typing: Slot,
    rating: rating::Rating,
    contacts: Slot,
    reconnecting: Slot,
    error: Slot,
    input: HtmlTextAreaElement,
    /// F3's place, hidden while the conversation is empty.
    copy: Option<Element>,
}

/// What the loader hands over to the panel.
pub struct Mount {
    pub line: String,
    pub api: String,
    pub config: Option<WidgetConfig>,
    pub forms: Forms,
    pub on_close: js_sys::Function,
    pub on_reply: Box<dyn Fn()>,
    pub identity: Option<JsValue>,
    pub opened: bool,
}

impl Panel {
    /// Builds the panel into `host`. The line's settings come from the
    /// loader (fetched while the wasm downloads), so the panel renders at
    /// once in the right language with its texts fixed; without them (the
    /// edge unreachable) it still works in the browser's language.
    pub fn mount(host: &HtmlElement, m: Mount) -> Rc<Panel> {
        let config = m.config.as_ref();
        let language = config
            .map(|c| c.language.clone())
            .unwrap_or_else(i18n::browser_language);
        let texts = i18n::texts(&language);
        let title = config.map_or("Chat", |c| c.title.as_str());
        let typing_preview = config.is_some_and(|c| c.typing_preview);

        let section = dom::el("section", "ol-panel");
        dom::attr(&section, "role", "dialog");
        dom::attr(&section, "aria-label", title);
        let operator = header::header(&section, config, title, texts, m.on_close);
        let body = dom::el("div", "ol-body");
        dom::add(&section, &body);
        let ended = messages::list(&body, config.map(|c| c.greeting.as_str()));
        let replies = Slot::new(&body);
        let queue = Slot::new(&body);
        let typing = Slot::new(&body);
        let rating = rating::Rating::new(&body, texts);
        let contacts = Slot::new(&body);
        // F3 under the conversation, once there is one to copy.
        let copy = config.is_some_and(|c| c.email_copy).then(|| {
            let wrap = dom::el("div", "");
            let _ = wrap.toggle_attribute_with_force("hidden", true);
            dom::add(&body, &wrap);
            (Slot::new(&wrap), wrap)
        });
        let reconnecting = Slot::new(&section);
        let error = Slot::new(&section);
        let input = composer::composer(&section, texts, typing_preview);
        dom::add(host, &section);

        let p = Rc::new(Panel {
            texts,
            api: m.api,
            line: m.line,
            forms: m.forms,
            consent: config.and_then(|c| c.consent.clone()),
            links: RefCell::default(),
            attachments: config
                .map(|c| c.attachments.clone())
                .unwrap_or(AttachmentRules {
                    enabled: false,
                    ..AttachmentRules::default()
                }),
            identity: m.identity,
            busy_form: config.is_some_and(|c| c.busy_form),
            session: RefCell::new(None),
            rows: RefCell::new(Vec::new()),
            contacts: Cell::new(Contacts::Hidden),
            operator: RefCell::new(None),
            fixed_card: conversation::presented_card(config.map(|c| &c.presentation)),
            live: RefCell::new(None),
            last_seq: Rc::new(Cell::new(0)),
            seen: Cell::new(0),
            read_sent: Cell::new(0),
            starting: Cell::new(false),
            wanted: Cell::new(false),
            ticking: Cell::new(false),
            contact_pause: Cell::new(config.and_then(|c| c.contact_request_after_s)),
            typing_gen: Cell::new(0),
            on_reply: m.on_reply,
            ui: Ui {
                host: host.clone(),
                body: wasm_bindgen::JsCast::unchecked_into(body),
                operator,
                shown: RefCell::new(Vec::new()),
                ended,
                replies,
                offered: RefCell::new(Vec::new()),
                queue,
                typing,
                rating,
                contacts,
                reconnecting,
                error,
                input,
                copy: copy.as_ref().map(|(_, wrap)| wrap.clone()),
            },
        });
        composer::wire(&p, typing_preview);
        if let Some(form) = p.ui.input.parent_element() {
            files::picker(&p, &form);
        }
        rating::wire(&p);
        if let Some((at, _)) = copy {
            forms::email_copy(&p, at);
        }
        p.show_operator();
        match config {
            // H4 (F5): offline, the visitor may leave contacts at once.
            Some(c) if !c.open => p.ask_contacts(FormKind::Offline),
            Some(_) => {}
            None => p.fail(&HttpError::Network),
        }
        if m.opened {
            p.open();
        } else if storage::load_session(&p.line).is_some() {
            // In the background when this browser has a conversation (a
            // verified user's other device too): for the unread badge.
            p.begin(true);
        }
        p
    }

    /// The visitor opened the panel (or it was mounted open): resume the
    /// conversation, start F2's pause, put the focus in the message field.
    /// Opening the chat only resumes; a new dialog opens when the visitor
    /// engages (types, or submits a form): operators never get empty
    /// dialogs from a mere look.
    pub fn open(self: &Rc<Self>) {
        self.begin(true);
        // F2: the contact block follows the greeting after a pause, counted
        // from the first opening (a panel mounted hidden starts no timer);
        // skipped once the visitor has written (it must not interrupt a
        // conversation, issue 11).
        if let Some(after_s) = self.contact_pause.take() {
            let p = Rc::clone(self);
            timers::after((after_s as i32).saturating_mul(1000), move || {
                if conversation::greeting_may_ask_contacts(&p.rows.borrow()) {
                    p.ask_contacts(FormKind::Greeting);
                }
            });
        }
        if self.ui.input.offset_parent().is_some() {
            let _ = self.ui.input.focus();
        }
        self.read();
    }

    /// Issue 11.3: what the visitor can see now (the panel open, the tab
    /// in front) is read; the edge hears when the mark moves.
    fn read(&self) {
        let last = self.last_seq.get();
        let visible = !self.ui.host.hidden()
            && web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| !d.hidden());
        if !visible || last <= self.read_sent.get() {
            return;
        }
        let frame = crate::wire::object(&[("type", "read".into()), ("seq", (last as f64).into())]);
        if let Some(live) = self.live.borrow().as_ref() {
            if live.send(&frame) {
                self.read_sent.set(last);
            }
        }
    }

    /// The visitor engaged (typed, or submitted a form): open the dialog.
    fn engage(self: &Rc<Self>) {
        self.wanted.set(true);
        self.begin(false);
    }

    /// Offers the line's form for this case, if it has one and no form
    /// was offered already.
    fn ask_contacts(self: &Rc<Self>, kind: FormKind) {
        let mut c = self.contacts.get();
        c.ask(kind);
        if kind.case(&self.forms).is_some() && c != self.contacts.get() {
            self.set_contacts(c);
        }
    }

    fn set_contacts(self: &Rc<Self>, c: Contacts) {
        self.contacts.set(c);
        self.ui.contacts.set(match c {
            Contacts::Asking(kind) => Some(forms::contact_block(self, kind)),
            Contacts::Saved => Some(dom::notice("ol-done", "status", self.texts.contacts_saved)),
            _ => None,
        });
    }

    /// Shows what went wrong, in words the visitor can read.
    fn fail(&self, e: &HttpError) {
        self.set_error(Some(crate::describe(e, self.texts)));
    }

    fn set_error(&self, e: Option<String>) {
        self.ui
            .error
            .set(e.map(|e| dom::notice("ol-error", "alert", &e)));
    }

    fn set_connected(&self, up: bool) {
        self.ui
            .reconnecting
            .set((!up).then(|| dom::notice("ol-error", "status", self.texts.reconnecting)));
    }

    /// The typing operator's name ("" when unnamed), while they type.
    fn set_typing(&self, name: Option<String>) {
        self.typing_gen.set(self.typing_gen.get().wrapping_add(1));
        self.ui.typing.set(name.map(|n| {
            dom::notice(
                "ol-typing",
                "status",
                &conversation::typing_text(&n, self.texts),
            )
        }));
        self.scroll_to_newest();
    }

    /// The queue notice, ready to show (position and wait estimate).
    fn set_queue(&self, q: Option<String>) {
        self.ui
            .queue
            .set(q.map(|q| dom::notice("ol-queue", "status", &q)));
        self.scroll_to_newest();
    }

    fn set_operator(&self, card: Option<OperatorCard>) {
        *self.operator.borrow_mut() = card;
        self.show_operator();
    }

    /// Changes the rows and shows them.
    fn update_rows(self: &Rc<Self>, f: impl FnOnce(&mut Vec<Row>)) {
        {
            let mut rows = self.rows.borrow_mut();
            f(&mut rows);
            conversation::mark_seen(&mut rows, self.seen.get());
        }
        if let Some(copy) = &self.ui.copy {
            let empty = self.rows.borrow().is_empty();
            let _ = copy.toggle_attribute_with_force("hidden", empty);
        }
        messages::show(self);
        self.ui.rating.show(self);
        self.scroll_to_newest();
    }

    /// Keeps the newest message (or notice) in view as the list grows.
    fn scroll_to_newest(&self) {
        let body = &self.ui.body;
        body.set_scroll_top(body.scroll_height());
    }

    fn token(&self) -> Option<String> {
        self.session.borrow().as_ref().map(|s| s.token.clone())
    }
}
