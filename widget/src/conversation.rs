//! What the widget keeps of a conversation, as plain data and decisions:
//! the message rows (in sequence order, each shown once), the outbox of
//! messages not yet confirmed, their delivery state, and what to do when a
//! call fails.
//!
//! Why a module of its own: none of this touches the browser (no web-sys,
//! js-sys or Leptos), so it is tested natively with
//! `cargo test -p openline-widget`; `chat/` only wires it to signals,
//! storage and the network.

use crate::i18n::Texts;
use openline_core::attachments::{size_words, Attachment, AttachmentRules};
use openline_core::line::QueueInfo;
use openline_core::operator::OperatorCard;
use openline_core::protocol::{Author, ChatMessage, SendMessage};
use openline_core::settings::Presentation;
use std::cell::Cell;

#[cfg(test)]
mod tests;

/// Delivery state of a message the visitor wrote, shown beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// In the outbox, not yet confirmed by the edge.
    Sending,
    /// Stored by the edge (it has a sequence number).
    Sent,
    /// Seen by the operators (issue 11.3's read receipt).
    Seen,
    /// The last attempt failed; it is retried or was refused.
    Failed,
}

impl Delivery {
    /// The row's `data-delivery` attribute (styled, and read by the tests).
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Seen => "seen",
            Delivery::Failed => "failed",
        }
    }

    /// The mark shown beside the visitor's message.
    pub fn mark(self) -> &'static str {
        match self {
            Delivery::Sending => "…",
            Delivery::Sent => "✓",
            Delivery::Seen => "✓✓",
            Delivery::Failed => "!",
        }
    }
}

/// One row of the message list.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The edge's sequence number; `None` while the message is pending.
    pub seq: Option<u64>,
    /// The sender's id: a confirmed message replaces its pending row.
    pub client_id: String,
    pub author: Author,
    pub text: String,
    /// For system messages: what they are (`closed`, `rating_request`…).
    pub kind: Option<String>,
    pub delivery: Delivery,
    /// When the edge stored it (epoch ms); `None` while pending.
    pub at: Option<i64>,
    /// The file it sends (issue 11.3); its `text` is the file's name.
    pub attachment: Option<Attachment>,
    /// B3: the answers a bot offers with it.
    pub quick_replies: Vec<String>,
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
            at: Some(m.at),
            attachment: m.attachment,
            quick_replies: m.quick_replies,
        }
    }
}

impl Row {
    /// The visitor's message as shown before the edge confirms it.
    pub fn pending(client_id: String, text: String) -> Row {
        Row {
            seq: None,
            client_id,
            author: Author::Visitor,
            text,
            kind: None,
            delivery: Delivery::Sending,
            at: None,
            attachment: None,
            quick_replies: Vec::new(),
        }
    }

    /// Whether the row is listed: the rating request shows as a form and a
    /// reopening as nothing.
    pub fn shown(&self) -> bool {
        !matches!(self.kind.as_deref(), Some("rating_request" | "reopened"))
    }

    /// Whether `other` is this row with at most another delivery mark.
    pub fn same_but_delivery(&self, other: &Row) -> bool {
        *self
            == Row {
                delivery: self.delivery,
                ..other.clone()
            }
    }

    /// The row's CSS class, by author.
    pub fn class(&self) -> &'static str {
        match self.author {
            Author::Visitor => "ol-msg ol-from-visitor",
            Author::System => "ol-msg ol-system",
            _ => "ol-msg ol-from-operator",
        }
    }
}

/// Adds a confirmed message, or confirms the pending row with its client
/// id: each message is shown once, in sequence order.
pub fn merge(rows: &mut Vec<Row>, m: ChatMessage) {
    rows.retain(|r| r.client_id != m.client_id);
    // Before the first later message or the first still-pending one (no
    // sort: the list is kept in order as it grows).
    let at = rows
        .iter()
        .position(|r| r.seq.is_none_or(|seq| seq > m.seq))
        .unwrap_or(rows.len());
    rows.insert(at, Row::from(m));
}

/// Shows what the outbox still holds (after a reload) as pending rows at
/// the end, unless a row with its client id is already listed.
pub fn show_outbox(rows: &mut Vec<Row>, outbox: Vec<SendMessage>) {
    for o in outbox {
        if !rows.iter().any(|row| row.client_id == o.client_id) {
            rows.push(Row::pending(o.client_id, o.text));
        }
    }
}

/// B3: the answers on offer — those of the last message, while it is the
/// last word and not the visitor's (answering, by a pick or in words,
/// takes them away).
pub fn offered_replies(rows: &[Row]) -> &[String] {
    match rows.last() {
        Some(r) if !matches!(r.author, Author::Visitor) => &r.quick_replies,
        _ => &[],
    }
}

/// Issue 11.3: the visitor's messages up to `upto` (the operators' read
/// mark, in the visitor's numbering) are seen; a row merged anew is marked
/// again by the next call.
pub fn mark_seen(rows: &mut [Row], upto: u64) {
    for row in rows.iter_mut() {
        if row.delivery == Delivery::Sent
            && matches!(row.author, Author::Visitor)
            && row.seq.is_some_and(|s| s <= upto)
        {
            row.delivery = Delivery::Seen;
        }
    }
}

/// Marks the row of a message whose sending failed.
pub fn mark_failed(rows: &mut [Row], client_id: &str) {
    if let Some(row) = rows.iter_mut().find(|row| row.client_id == client_id) {
        row.delivery = Delivery::Failed;
    }
}

/// The outbox once the edge has answered for one of its messages.
pub fn without(outbox: Vec<SendMessage>, client_id: &str) -> Vec<SendMessage> {
    outbox
        .into_iter()
        .filter(|o| o.client_id != client_id)
        .collect()
}

/// Whether a failed send is dropped from the outbox rather than retried:
/// the edge refused it for good (4xx, e.g. too long), except 429 (slow
/// down). Network failures (`None`) and 5xx are retried.
pub fn refused_for_good(status: Option<u16>) -> bool {
    matches!(status, Some(s) if (400..500).contains(&s) && s != 429)
}

/// The highest sequence number listed: the live socket resumes after it.
pub fn last_seq(rows: &[Row]) -> u64 {
    rows.iter().filter_map(|r| r.seq).max().unwrap_or(0)
}

/// Records a message's sequence number; true when it is newer than all
/// seen so far (a resumed socket replays older ones).
pub fn advance(last_seq: &Cell<u64>, seq: u64) -> bool {
    let fresh = seq > last_seq.get();
    last_seq.set(last_seq.get().max(seq));
    fresh
}

/// The message list's last word is the visitor's: they wait for a reply.
pub fn waiting_for_reply(rows: &[Row]) -> bool {
    rows.iter()
        .rev()
        .find(|r| !matches!(r.author, Author::System))
        .is_some_and(|r| matches!(r.author, Author::Visitor) && r.seq.is_some())
}

/// The operator asked for a rating (R1).
/// Whether the conversation has ended: its last lifecycle notice is the
/// close (not a reopening after it). The panel then says so, and that
/// writing starts a new conversation.
pub fn ended(rows: &[Row]) -> bool {
    rows.iter()
        .rev()
        .find_map(|r| match r.kind.as_deref() {
            Some("closed") => Some(true),
            Some("reopened") => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

pub fn asks_rating(rows: &[Row]) -> bool {
    rows.iter()
        .any(|r| r.kind.as_deref() == Some("rating_request"))
}

/// What starting or resuming the session does after a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFailed {
    /// Nothing to resume and the visitor has engaged: open a new dialog.
    StartNew,
    /// Nothing to resume and the visitor has not engaged: wait until they do.
    Wait,
    /// Any other failure: say so; the next engagement tries again.
    Fail,
}

/// Decides [`StartFailed`]: only a resume (`resume_only`) answered
/// `204 No Content` means "nothing to resume" (the stored session is then
/// forgotten); anything else that is not a session is a failure.
pub fn start_failed(status: Option<u16>, resume_only: bool, wanted: bool) -> StartFailed {
    match status {
        Some(204) if resume_only && wanted => StartFailed::StartNew,
        Some(204) if resume_only => StartFailed::Wait,
        _ => StartFailed::Fail,
    }
}

/// Where the contact block stands: it is offered once (F2 after the
/// greeting, F4 when every operator is busy, or while the line is offline)
/// and stays answered or dismissed. Offering it opens no dialog; submitting
/// it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contacts {
    Hidden,
    Asking(FormKind),
    Saved,
    Dismissed,
}

impl Contacts {
    /// Offers the block of `kind`, unless one was already offered.
    pub fn ask(&mut self, kind: FormKind) {
        if *self == Contacts::Hidden {
            *self = Contacts::Asking(kind);
        }
    }
}

/// F5: the case a contact form is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    Greeting,
    Busy,
    Offline,
    AfterClose,
}

/// F5 as the widget keeps it: a case's sentence (empty: the widget's) and
/// its fields as bits ([`NAME`], [`EMAIL`], [`PHONE`]); one per
/// [`FormKind`], in its order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub text: String,
    pub fields: u8,
}

pub const NAME: u8 = 1;
pub const EMAIL: u8 = 2;
pub const PHONE: u8 = 4;

/// The line's forms, by [`FormKind`].
pub type Forms = [Option<Form>; 4];

impl FormKind {
    /// The line's form for this case, if it has one.
    pub fn case(self, forms: &Forms) -> Option<&Form> {
        forms[self as usize].as_ref()
    }

    /// The sentence above the form when the line wrote none.
    pub fn prompt(self, texts: &'static Texts) -> &'static str {
        match self {
            FormKind::Busy => texts.busy_prompt,
            FormKind::AfterClose => texts.after_close_prompt,
            _ => texts.contacts_prompt,
        }
    }
}

/// F2: whether the contact block may follow the greeting when its pause
/// ends. Not once the visitor has written, even a message still pending:
/// the block would interrupt a conversation under way (issue 11).
pub fn greeting_may_ask_contacts(rows: &[Row]) -> bool {
    !rows.iter().any(|r| matches!(r.author, Author::Visitor))
}

/// What the visitor typed, trimmed; `None` when blank (nothing to send,
/// no comment).
pub fn trimmed(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Least time between two typing previews (W1), in milliseconds.
pub const TYPING_EVERY_MS: f64 = 1000.0;

/// Whether a typing preview may go out at `now` after the one at `last`.
pub fn typing_due(now: f64, last: f64) -> bool {
    now - last > TYPING_EVERY_MS
}

/// "Anna is typing…", or the generic text when the operator is unnamed.
pub fn typing_text(name: &str, texts: &Texts) -> String {
    if name.is_empty() {
        texts.someone_typing.to_string()
    } else {
        format!("{name} {}", texts.typing)
    }
}

/// "You are number 2 in the queue. Expected wait: about 3 min."
pub fn queue_text(q: &QueueInfo, texts: &Texts) -> String {
    let mut text = texts.queue_position.replace("{n}", &q.position.to_string());
    if let Some(ms) = q.estimate_ms {
        let minutes = ((ms.max(0) + 59_999) / 60_000).max(1);
        text.push(' ');
        text.push_str(&texts.queue_estimate.replace("{m}", &minutes.to_string()));
    }
    text
}

/// Issue 11.1: "Online now · we usually reply in 3 min", or that nobody
/// is there now; nothing when the line could not say.
pub fn availability_text(
    online: Option<bool>,
    reply_in_s: Option<u32>,
    texts: &Texts,
) -> Option<String> {
    let mut text = match online? {
        true => texts.online.to_string(),
        false => return Some(texts.away.to_string()),
    };
    if let Some(s) = reply_in_s {
        let minutes = s.div_ceil(60).max(1);
        text.push_str(" · ");
        text.push_str(&texts.reply_in.replace("{m}", &minutes.to_string()));
    }
    Some(text)
}

/// Issue 11.3: why a file cannot be sent, before sending it (its size;
/// its kind is judged by the edge, by content).
pub fn file_refused(size: f64, rules: &AttachmentRules, texts: &Texts) -> Option<String> {
    if !rules.enabled {
        return Some(texts.files_off.into());
    }
    (size > f64::from(rules.max_bytes)).then(|| {
        texts
            .file_too_big
            .replace("{max}", &size_words(rules.max_bytes.into()))
    })
}

/// Issue 11.3: what the visitor reads when the edge refused a file, by
/// its status; `None`: another failure, said the usual way.
pub fn file_refusal(status: Option<u16>, rules: &AttachmentRules, texts: &Texts) -> Option<String> {
    match status? {
        403 => Some(texts.files_off.into()),
        413 => file_refused(f64::INFINITY, rules, texts),
        415 => Some(texts.file_kind.into()),
        _ => None,
    }
}

/// O1: the card the line fixes (`Some(None)`: operators are hidden), or
/// `None` when operators show their own, which arrives live.
pub fn presented_card(presentation: Option<&Presentation>) -> Option<Option<OperatorCard>> {
    match presentation {
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
    }
}

/// A name-only card when an operator's message names someone other than
/// the card shown; `None` to keep the card as it is.
pub fn named_operator(author: &Author, shown: Option<&OperatorCard>) -> Option<OperatorCard> {
    match author {
        Author::Operator { name: Some(name) } if shown.map(|c| &c.name) != Some(name) => {
            Some(OperatorCard {
                name: name.clone(),
                avatar: None,
                position: None,
            })
        }
        _ => None,
    }
}

/// Up to two initials of a name ("Anna Petrova" → "AP", "Anna" → "A"),
/// shown in a circle when the operator has no avatar.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        // Not `char::is_alphanumeric`: its Unicode tables cost the widget
        // ~3 KB; skipping ASCII punctuation is enough for names.
        .filter_map(|w| w.chars().find(|c| !c.is_ascii_punctuation()))
        .take(2)
        // ASCII only: `char::to_uppercase` would link Unicode case tables.
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// An avatar address the widget loads: https, or a path of the edge at
/// `api` (the widget runs in the host page, so a bare path would name the
/// host's server).
pub fn shown_avatar(avatar: Option<String>, api: &str) -> Option<String> {
    let a = avatar?;
    if a.starts_with("https://") {
        Some(a)
    } else if a.starts_with('/') && !a.starts_with("//") {
        Some(format!("{api}{a}"))
    } else {
        None
    }
}
