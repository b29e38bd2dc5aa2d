//! The state one line's desk shares with its views (the dialog list, the
//! chat, quick answers, the client card): signals, the live socket, the
//! outbox and the actions. It sits below the views — it imports none of
//! them — so no view imports another through it.

use crate::api::{self, ApiError};
use crate::live::Live;
use crate::outbox::{self, Pending};
use crate::{format, notify, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::consent::Contacts;
use openline_core::line::{Dialog, Notice, Status};
use openline_core::operator::{Operator, Presence};
use openline_core::protocol::frames::{OperatorEvent, OperatorFrame};
use openline_core::protocol::{Author, ChatMessage, History};
use openline_core::quick_answers::QuickAnswer;
use openline_core::replies::{
    Acknowledged, DialogList, DialogPreview, Notifications, OperatorList,
};
use openline_core::visits::Visit;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Duration;

/// State of the desk, shared by its views (all handles: `Copy`).
#[derive(Clone, Copy)]
pub struct DeskState {
    /// The console's shared context.
    pub ctx: Ctx,
    /// The line worked on.
    pub line: StoredValue<String>,
    /// Every dialog the line knows, finished ones included.
    pub dialogs: RwSignal<Vec<Dialog>>,
    /// The line's clock minus the browser's, at the last list read.
    pub skew: RwSignal<i64>,
    /// The browser's clock, ticking every second (K3 columns).
    pub clock: RwSignal<i64>,
    /// The dialog open in the chat view.
    pub selected: RwSignal<Option<String>>,
    /// Messages of the open dialog, in sequence order.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// Visitor messages not seen yet, per dialog.
    pub unread: RwSignal<HashMap<String, u32>>,
    /// Issue 11.3: the open dialog's client has seen every message up to
    /// this one ("Seen" under the last reply it covers).
    pub seen: RwSignal<u64>,
    /// W1: the visitor's current draft, per dialog.
    pub typing: RwSignal<HashMap<String, String>>,
    /// The line's operators (presence, transfer and invite targets).
    pub operators: RwSignal<Vec<Operator>>,
    /// The composer's text (quick answers insert into it).
    pub draft: RwSignal<String>,
    /// QA1: the line's quick answers, loaded once per desk.
    pub quick: RwSignal<Vec<QuickAnswer>>,
    /// K2/Q12 notices and action errors, shown above the desk.
    pub notice: RwSignal<Option<Banner>>,
    /// Contacts the clients of the listed dialogs left, by client id.
    pub clients: RwSignal<BTreeMap<String, Contacts>>,
    /// The last message of each dialog this operator may read.
    pub previews: RwSignal<BTreeMap<String, DialogPreview>>,
    /// The newest page view reported live (client, visit): the open client
    /// card takes it.
    pub visit: RwSignal<Option<(String, Visit)>>,
    /// K2: the caller's notification centre on this line.
    pub notifications: RwSignal<Notifications>,
    /// Whether the live socket is up.
    pub connected: RwSignal<bool>,
    /// The operator's messages not yet confirmed by the edge.
    pub outbox: RwSignal<Vec<Pending>>,
    pub(crate) live: StoredValue<Option<Rc<Live>>, LocalStorage>,
}

/// A line above the desk: a notice or an action's failure, with the dialog
/// it is about (a missed KPI, a passed-on offer) to open from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Banner {
    pub text: String,
    pub dialog: Option<String>,
}

impl From<String> for Banner {
    fn from(text: String) -> Self {
        Banner { text, dialog: None }
    }
}

impl From<&str> for Banner {
    fn from(text: &str) -> Self {
        text.to_owned().into()
    }
}

/// Adds or replaces a message by sequence number, keeping the order.
pub fn merge(list: &mut Vec<ChatMessage>, m: ChatMessage) {
    match list.iter_mut().find(|x| x.seq == m.seq) {
        Some(x) => *x = m,
        None => {
            list.push(m);
            list.sort_by_key(|x| x.seq);
        }
    }
}

impl DeskState {
    /// `/api/v1/lines/{line}{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!(
            "/api/v1/lines/{}{rest}",
            api::encode(&self.line.get_value())
        )
    }

    /// The line's clock now, as far as the console can tell (tracked).
    pub fn core_now(&self) -> i64 {
        self.clock.get() + self.skew.get()
    }

    /// Re-reads the dialog list.
    pub fn refresh(self) {
        spawn_local(self.reload());
    }

    /// K2: re-reads the notification centre.
    pub fn reload_notifications(self) {
        let token = self.ctx.token();
        spawn_local(async move {
            match api::get::<Notifications>(&self.path("/notifications"), &token).await {
                Ok(n) => self.notifications.set(n),
                Err(e) => self.show_error(&e),
            }
        });
    }

    /// K2: acknowledges one notice (`Some(id)`) or all, then re-reads them.
    pub fn acknowledge(self, id: Option<i64>) {
        let token = self.ctx.token();
        let path = match id {
            Some(id) => self.path(&format!("/notifications/{id}/read")),
            None => self.path("/notifications/read"),
        };
        spawn_local(async move {
            let r: Result<Acknowledged, ApiError> =
                api::send("POST", &path, &token, &api::NO_BODY).await;
            match r {
                Ok(_) => self.reload_notifications(),
                Err(e) => self.show_error(&e),
            }
        });
    }

    /// Re-reads the dialog list, and is done when the list is in.
    pub async fn reload(self) {
        let token = self.ctx.token();
        let r = api::get::<DialogList>(&self.path("/dialogs"), &token).await;
        match r {
            Ok(list) => {
                self.skew.set(list.now - format::now());
                self.dialogs.set(list.dialogs);
                self.clients.set(list.clients);
                self.previews.set(list.previews);
            }
            Err(e) => self.show_error(&e),
        }
    }

    /// A desktop notification about `dialog` once the list is re-read, so
    /// it names the client as they just introduced themselves.
    fn tell_desktop(self, dialog: String, title: Option<&'static str>, body: Option<String>) {
        spawn_local(async move {
            self.reload().await;
            let client = self.client_label_of_dialog(&dialog);
            let (title, body) = match (title, body) {
                (Some(t), _) => (t.to_owned(), client),
                (None, body) => (client, body.unwrap_or_default()),
            };
            let open = dialog.clone();
            notify::desktop(&title, &body, &dialog, move || self.select(open));
        });
    }

    /// Re-reads the line's operators (presence, working day).
    pub fn refresh_operators(self) {
        let token = self.ctx.token();
        spawn_local(async move {
            if let Ok(list) = api::get::<OperatorList>(&self.path("/operators"), &token).await {
                self.operators.set(list.operators);
            }
        });
    }

    /// Fetches the open dialog's messages after the last one held.
    pub fn catch_up(self) {
        let Some(dialog) = self.selected.get_untracked() else {
            return;
        };
        let after = self
            .messages
            .with_untracked(|m| m.last().map(|m| m.seq))
            .unwrap_or(0);
        let token = self.ctx.token();
        spawn_local(async move {
            // Page by page until the whole history is in.
            let mut after = after;
            loop {
                let path = self.path(&format!(
                    "/dialogs/{}/messages?after={after}",
                    api::encode(&dialog)
                ));
                match api::get::<History>(&path, &token).await {
                    Ok(h) if self.selected.get_untracked().as_deref() == Some(dialog.as_str()) => {
                        after = h.messages.last().map_or(after, |m| m.seq);
                        self.seen.update(|s| *s = (*s).max(h.seen));
                        self.messages
                            .update(|list| h.messages.into_iter().for_each(|m| merge(list, m)));
                        if !h.more {
                            break;
                        }
                    }
                    Ok(_) => break,
                    // Not offered to me (nor held): the view says so itself.
                    Err(ApiError::Api { status: 403, .. }) => break,
                    Err(e) => {
                        self.show_error(&e);
                        break;
                    }
                }
            }
        });
    }

    /// Opens a dialog in the chat view.
    pub fn select(self, dialog: String) {
        self.unread.update(|u| {
            u.remove(&dialog);
        });
        self.messages.set(Vec::new());
        self.seen.set(0);
        self.draft.set(String::new());
        self.selected.set(Some(dialog));
        self.catch_up();
    }

    /// Shows an action's failure above the desk.
    pub fn show_error(self, e: &ApiError) {
        let text = self.ctx.fail(e);
        self.notice.set(Some(text.into()));
    }

    /// Posts a dialog action (`accept`, `close`, `transfer`…) with its body
    /// as JSON text (one function whatever the body) and refreshes.
    pub async fn act(self, dialog: &str, action: &str, body: String) -> bool {
        let path = self.path(&format!("/dialogs/{}/{action}", api::encode(dialog)));
        let body = Some((wasm_bindgen::JsValue::from_str(&body), "application/json"));
        let r: Result<api::Ignored, ApiError> =
            api::call_raw("POST", &path, Some(&self.ctx.token()), body).await;
        self.refresh();
        match r {
            Ok(_) => {
                self.notice.set(None);
                true
            }
            Err(e) => {
                self.show_error(&e);
                false
            }
        }
    }

    /// Queues a message and sends it at once; it stays in the outbox until
    /// the edge confirms it.
    pub fn send_message(self, dialog: &str, text: String, hidden: bool) {
        let pending = Pending {
            client_id: format::client_id(),
            dialog: dialog.to_owned(),
            text,
            hidden,
            sent_at: 0,
        };
        self.outbox.update(|o| o.push(pending));
        self.flush();
    }

    /// Sends every pending message that is due: over the socket when it is
    /// up, else over HTTP (whose answer confirms it at once).
    pub fn flush(self) {
        let now = format::now();
        let due: Vec<Pending> = self
            .outbox
            .with_untracked(|o| o.iter().filter(|p| p.due(now)).cloned().collect());
        if due.is_empty() {
            self.save_outbox();
            return;
        }
        for p in due {
            let frame = OperatorFrame::Send {
                dialog: p.dialog.clone(),
                client_id: p.client_id.clone(),
                text: p.text.clone(),
                hidden: p.hidden,
            };
            let sent = self
                .live
                .with_value(|l| l.as_ref().is_some_and(|l| l.send(&frame)));
            self.outbox.update(|o| {
                if let Some(x) = o.iter_mut().find(|x| x.client_id == p.client_id) {
                    x.sent_at = now;
                }
            });
            if !sent {
                self.send_over_http(p);
            }
        }
        self.save_outbox();
    }

    fn send_over_http(self, p: Pending) {
        let token = self.ctx.token();
        spawn_local(async move {
            let path = self.path(&format!("/dialogs/{}/messages", api::encode(&p.dialog)));
            let body = openline_core::requests::OperatorMessageRequest {
                client_id: p.client_id.clone(),
                text: p.text.clone(),
                hidden: p.hidden,
            };
            match api::send::<_, ChatMessage>("POST", &path, &token, &body).await {
                Ok(m) => self.confirmed(&p.dialog, m),
                Err(ApiError::Api {
                    status,
                    code,
                    message,
                }) if outbox::refused_for_good(status, &code) => {
                    self.refused(&p.client_id, message)
                }
                // The network or the edge is down: the timer resends it.
                Err(_) => {}
            }
        });
    }

    /// The edge stored a message of ours (or a resend found it stored).
    fn confirmed(self, dialog: &str, message: ChatMessage) {
        let mine = self.outbox.try_update(|o| outbox::confirm(o, &message));
        if mine == Some(true) {
            self.save_outbox();
        }
        if self.selected.get_untracked().as_deref() == Some(dialog) {
            self.messages.update(|list| merge(list, message));
        }
    }

    /// The edge refused a message for good: it leaves the outbox and the
    /// operator is told why (the text goes back to the composer if empty).
    fn refused(self, client_id: &str, reason: String) {
        let mut text = None;
        self.outbox.update(|o| {
            if let Some(i) = o.iter().position(|p| p.client_id == client_id) {
                text = Some(o.remove(i).text);
            }
        });
        self.save_outbox();
        if let Some(text) = text {
            if self.draft.with_untracked(|d| d.trim().is_empty()) {
                self.draft.set(text);
            }
            self.notice.set(Some(reason.into()));
        }
    }

    fn save_outbox(self) {
        self.outbox
            .with_untracked(|o| outbox::save(&self.line.get_value(), o));
    }

    /// W1 the other way: tells the visitor that the operator is typing.
    pub fn typing(self, dialog: &str) {
        self.live.with_value(|l| {
            if let Some(l) = l {
                l.send(&OperatorFrame::Typing {
                    dialog: dialog.to_owned(),
                });
            }
        });
    }

    /// Issue 11.3: tells the client the operator has seen `dialog` up to
    /// `seq`; false when the socket is down (tried again later).
    pub fn read(self, dialog: &str, seq: u64) -> bool {
        self.live.with_value(|l| {
            l.as_ref().is_some_and(|l| {
                l.send(&OperatorFrame::Read {
                    dialog: dialog.to_owned(),
                    seq,
                })
            })
        })
    }

    /// The signed-in operator's record on this line, if they are in its queue.
    pub fn me(&self) -> Option<Operator> {
        let me = self.ctx.me();
        self.operators
            .with(|ops| ops.iter().find(|o| o.id == me).cloned())
    }

    /// How a client is called in the list: the name they left, else their
    /// e-mail or phone, else "Client" and a short id.
    pub fn client_label(&self, client: &str) -> String {
        self.clients
            .with(|c| {
                c.get(client).and_then(|c| {
                    [&c.name, &c.email, &c.phone]
                        .into_iter()
                        .flatten()
                        .find(|v| !v.trim().is_empty())
                        .cloned()
                })
            })
            .unwrap_or_else(|| {
                format!(
                    "{} {}",
                    self.ctx.t_untracked().client,
                    format::short(client)
                )
            })
    }

    /// [`DeskState::client_label`] of a dialog's client (its short id when
    /// the dialog is not listed).
    pub fn client_label_of_dialog(&self, dialog: &str) -> String {
        let client = self
            .dialogs
            .with_untracked(|ds| ds.iter().find(|d| d.id == dialog).map(|d| d.client.clone()));
        match client {
            Some(c) => self.client_label(&c),
            None => format::short(dialog),
        }
    }

    /// An operator's name, or a short id when unknown.
    pub fn name_of(&self, id: &str) -> String {
        self.operators
            .with(|ops| ops.iter().find(|o| o.id == id).map(|o| o.name.clone()))
            .unwrap_or_else(|| format::short(id))
    }

    pub(crate) fn handle(self, event: OperatorEvent) {
        match event {
            OperatorEvent::Offer { dialog } => {
                notify::beep();
                self.tell_desktop(dialog, Some(self.ctx.t_untracked().new_offer), None);
            }
            OperatorEvent::Revoke { .. }
            | OperatorEvent::Assigned { .. }
            | OperatorEvent::Status { .. } => self.refresh(),
            OperatorEvent::Message {
                dialog,
                mut message,
                hidden,
            } => {
                message.hidden |= hidden;
                let from_visitor = message.author == Author::Visitor;
                if from_visitor {
                    self.typing.update(|t| {
                        t.remove(&dialog);
                    });
                }
                let mine = self.outbox.try_update(|o| outbox::confirm(o, &message));
                if mine == Some(true) {
                    self.save_outbox();
                }
                let desktop = (from_visitor && notify::hidden())
                    .then(|| (dialog.clone(), message.text.clone()));
                if self.selected.get_untracked().as_deref() == Some(dialog.as_str()) {
                    self.messages.update(|list| merge(list, message));
                } else if from_visitor {
                    self.unread.update(|u| *u.entry(dialog).or_default() += 1);
                }
                match desktop {
                    // The operator is looking elsewhere: a beep, and the
                    // message on the desktop (when allowed) once the list,
                    // re-read there, names the client.
                    Some((dialog, text)) => {
                        notify::beep();
                        self.tell_desktop(dialog, None, Some(text));
                    }
                    None => self.refresh(),
                }
            }
            OperatorEvent::Typing { dialog, preview } => {
                let text = preview.unwrap_or_else(|| "…".into());
                self.typing.update(|t| {
                    t.insert(dialog.clone(), text);
                });
                let typing = self.typing;
                set_timeout(
                    move || {
                        typing.update(|t| {
                            t.remove(&dialog);
                        })
                    },
                    Duration::from_secs(6),
                );
            }
            OperatorEvent::Read { dialog, seq } => {
                if self.selected.get_untracked().as_deref() == Some(dialog.as_str()) {
                    self.seen.update(|s| *s = (*s).max(seq));
                }
            }
            OperatorEvent::Visit { client, visit } => self.visit.set(Some((client, visit))),
            OperatorEvent::Notify { notice } => {
                let t = self.ctx.t_untracked();
                let about = |text: &str, dialog: &str| Banner {
                    text: format!("{text}: {}", self.client_label_of_dialog(dialog)),
                    dialog: Some(dialog.to_owned()),
                };
                self.notice.set(Some(match notice {
                    Notice::KpiMissed { dialog, .. } => about(t.kpi_missed, &dialog),
                    Notice::UnclosedLimitReached { limit, .. } => {
                        format!("{} ({limit})", t.unclosed_limit).into()
                    }
                    Notice::UnclosedLimitNear {
                        unclosed, limit, ..
                    } => t
                        .unclosed_limit_near
                        .replace("{n}", &unclosed.to_string())
                        .replace("{limit}", &limit.to_string())
                        .into(),
                    Notice::PassedOn { dialog, .. } => about(t.passed_on, &dialog),
                    Notice::ClientWaiting { dialog, .. } => about(t.client_waiting, &dialog),
                    Notice::ContactsLeft { dialog, .. } => about(t.client_left_contacts, &dialog),
                }));
                self.reload_notifications();
                // K3: a missed KPI marks its row.
                self.refresh();
            }
            OperatorEvent::Error {
                error,
                client_id: Some(id),
            } => {
                let status = error.code.http_status();
                let code = serde_json::to_value(error.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                if outbox::refused_for_good(status, &code) {
                    self.refused(&id, error.message);
                }
            }
            OperatorEvent::Error { error, .. } => self.notice.set(Some(error.message.into())),
            OperatorEvent::Welcome { .. } | OperatorEvent::Pong => {}
        }
    }

    pub(crate) fn set_presence(self, presence: Presence) {
        let token = self.ctx.token();
        spawn_local(async move {
            let body = openline_core::requests::PresenceUpdate { presence };
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", &self.path("/presence"), &token, &body).await;
            if let Err(e) = r {
                self.show_error(&e);
            }
            self.refresh_operators();
        });
    }

    pub(crate) fn set_working_day(self, started: bool) {
        let token = self.ctx.token();
        spawn_local(async move {
            let body = openline_core::requests::WorkingDayUpdate { started };
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", &self.path("/working-day"), &token, &body).await;
            if let Err(e) = r {
                self.show_error(&e);
            }
            self.refresh_operators();
        });
    }
}

/// Whether a dialog is offered to this operator right now.
pub fn offered_to(d: &Dialog, me: &str) -> bool {
    matches!(&d.status, Status::Offered { to } if to.iter().any(|o| o == me))
}

/// The state's name in the operator's language.
pub fn state_label(t: &crate::i18n::Texts, s: &Status) -> &'static str {
    let i = match s {
        Status::WithBot { .. } => 0,
        Status::Queued => 1,
        Status::Offered { .. } => 2,
        Status::Active { .. } => 3,
        Status::AwaitingRating { .. } => 4,
        Status::Finished { .. } => 5,
    };
    t.states[i]
}

/// The state's wire name (`offered`, `active`…), for `data-state`.
pub fn state_name(s: &Status) -> &'static str {
    s.name()
}
