//! Channels (L4): where a dialog's client writes from. The site widget is
//! one; Telegram (N2) is the first messenger. A channel instance belongs to
//! exactly one line; the dialog remembers its channel, so routing, the
//! console and the statistics treat every channel alike, and only the
//! adapters that carry words in and out differ. This module holds what the
//! Telegram adapter decides: which updates become messages, whose they are,
//! what an operator's answer looks like there, and what Telegram's answers
//! to a send mean (retry, give up, tell the operator).

use crate::settings::{ContactField, LineSettings};
use crate::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};

/// What a channel can carry, for the console to say what it cannot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    #[default]
    Widget,
    Telegram,
}

impl ChannelKind {
    /// Whether the line can write to the client through it after the
    /// conversation (C3: a lead needs a way to answer): a messenger's chat
    /// stays; a widget's visitor may never come back.
    pub fn answers_back(self) -> bool {
        self != ChannelKind::Widget
    }
}

/// The Telegram chat a dialog talks to (kept by the dialog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TelegramChat {
    pub chat_id: i64,
}

/// `PUT /api/v1/lines/{line}/channels/telegram`: connect a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConnectTelegram {
    /// The token BotFather gave (`123456:ABC…`); write-only.
    pub token: String,
}

/// A line's channel as the console shows it: never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelInfo {
    pub kind: ChannelKind,
    /// The bot's `@username`.
    #[serde(default)]
    pub name: Option<String>,
    pub connected_at: i64,
    /// What went wrong last with it (a refused send, a webhook error).
    #[serde(default)]
    pub last_error: Option<String>,
}

/// `GET /api/v1/lines/{line}/channels`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelList {
    pub channels: Vec<ChannelInfo>,
}

/// Checks a bot token's shape (`<digits>:<35 characters>`), before any
/// call to Telegram with it.
pub fn check_bot_token(token: &str) -> Result<(), ProtocolError> {
    let ok = token.split_once(':').is_some_and(|(id, rest)| {
        !id.is_empty()
            && id.len() <= 20
            && id.bytes().all(|b| b.is_ascii_digit())
            && (20..=100).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::invalid_field(
            "token",
            "a bot token from BotFather, like 123456789:AAH…",
        ))
    }
}

// ----- Telegram's updates (only the fields used) ---------------------------

/// One webhook update.
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<Message>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub chat: Chat,
    #[serde(default)]
    pub from: Option<User>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    /// The sizes Telegram keeps of a photo, smallest first.
    #[serde(default)]
    pub photo: Option<Vec<PhotoSize>>,
    #[serde(default)]
    pub document: Option<Document>,
    #[serde(default)]
    pub sticker: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub voice: Option<serde::de::IgnoredAny>,
    /// A contact card: the client's own when they tapped "Share my phone
    /// number" (its `user_id` is theirs), or someone else's.
    #[serde(default)]
    pub contact: Option<SharedContact>,
}

/// Telegram's `Contact`.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedContact {
    #[serde(default)]
    pub phone_number: String,
    #[serde(default)]
    pub first_name: String,
    /// The Telegram user the card is of, when they have an account.
    #[serde(default)]
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    #[serde(default)]
    pub file_id: String,
    #[serde(default)]
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PhotoSize {
    #[serde(default)]
    pub file_id: String,
}

/// What an update comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// The client wrote: a message for their dialog.
    Says(Box<Said>),
    /// `/start`: the client opened the bot; they get the line's greeting,
    /// and a dialog begins only when they write.
    Start { chat_id: i64 },
    /// Nothing for a line (a group chat, an edited message, a service update).
    Ignored,
}

/// A client's message from Telegram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub chat_id: i64,
    /// The line's client id for this chat.
    pub client: String,
    /// The Telegram name (first and last), for the client's card.
    pub name: Option<String>,
    pub username: Option<String>,
    /// The phone number Telegram vouches for: the client shared their own
    /// contact (C1 then proposes the line's clients who left it as the same
    /// person, whatever channel they wrote from).
    pub phone: Option<String>,
    /// The words, or what was sent in their place.
    pub text: String,
    /// What the channel carried that the console cannot show yet
    /// (a photo, a file, a sticker, a voice message).
    pub unsupported: Option<&'static str>,
    /// The words alone (text or caption), if any.
    pub caption: Option<String>,
    /// A photo (its largest size) or a document the adapter may fetch and
    /// keep as the message's attachment; `text` says what it was when it
    /// cannot (too big, a kind the line refuses, Telegram unreachable).
    pub file: Option<crate::telegram_files::TelegramFile>,
}

/// How a Telegram chat's client id begins.
const TELEGRAM_CLIENT: &str = "tg-";

/// The line's client id of a Telegram chat.
pub fn client_of(chat_id: i64) -> String {
    format!("{TELEGRAM_CLIENT}{}", chat_id.unsigned_abs())
}

/// Whether a client is a channel's (its chat keeps writing under this id).
pub fn is_channel_client(client: &str) -> bool {
    client.starts_with(TELEGRAM_CLIENT)
}

/// A number as Telegram gives it ("79991234567", "+7 999…") written
/// the one way the card shows it; None when it holds no digits.
fn international(phone: &str) -> Option<String> {
    let digits: String = phone
        .chars()
        .filter(char::is_ascii_digit)
        .take(20)
        .collect();
    (!digits.is_empty()).then(|| format!("+{digits}"))
}

/// Reads an update: private chats only; text, or a caption, or a note of
/// what came instead.
pub fn inbound(update: &Update) -> Inbound {
    let Some(m) = &update.message else {
        return Inbound::Ignored;
    };
    if m.chat.kind != "private" {
        return Inbound::Ignored;
    }
    let words = m
        .text
        .as_deref()
        .or(m.caption.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if words.is_some_and(|t| t == "/start" || t.starts_with("/start ")) {
        return Inbound::Start { chat_id: m.chat.id };
    }
    let from = m.from.as_ref();
    // A contact card is the client's own only when Telegram says it is
    // theirs; someone else's number is words in the transcript, no more.
    let contact = m
        .contact
        .as_ref()
        .filter(|c| !c.phone_number.trim().is_empty());
    let phone = contact
        .filter(|c| from.is_some_and(|u| u.id != 0 && c.user_id == Some(u.id)))
        .and_then(|c| international(&c.phone_number));
    let words = match (contact, &phone) {
        (_, Some(p)) => Some(format!("[phone] {p}")),
        (Some(c), None) => Some(format!(
            "[contact: {} {}]",
            c.first_name.trim(),
            c.phone_number.trim()
        )),
        (None, None) => words.map(str::to_owned),
    };
    let words = words.as_deref();
    let unsupported = if m.photo.is_some() {
        Some("photo")
    } else if m.document.is_some() {
        Some("file")
    } else if m.sticker.is_some() {
        Some("sticker")
    } else if m.voice.is_some() {
        Some("voice message")
    } else {
        None
    };
    let text = match (words, unsupported) {
        (Some(w), None) => w.to_owned(),
        (Some(w), Some(what)) => format!("[{what}] {w}"),
        (None, Some(what)) => {
            let name = m.document.as_ref().and_then(|d| d.file_name.as_deref());
            match name {
                Some(n) => format!("[{what}: {n}]"),
                None => format!("[{what}]"),
            }
        }
        (None, None) => return Inbound::Ignored,
    };
    let text: String = text.chars().take(crate::text::MAX_MESSAGE_CHARS).collect();
    let name = from
        .map(|u| match &u.last_name {
            Some(l) => format!("{} {l}", u.first_name),
            None => u.first_name.clone(),
        })
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let photo = m.photo.as_ref().and_then(|sizes| sizes.last());
    let file = match (photo, &m.document) {
        (Some(p), _) => Some(crate::telegram_files::TelegramFile {
            file_id: p.file_id.clone(),
            name: None,
        }),
        (None, Some(d)) => Some(crate::telegram_files::TelegramFile {
            file_id: d.file_id.clone(),
            name: d.file_name.clone(),
        }),
        (None, None) => None,
    }
    .filter(|f| !f.file_id.is_empty());
    Inbound::Says(Box::new(Said {
        chat_id: m.chat.id,
        client: client_of(m.chat.id),
        name,
        username: from.and_then(|u| u.username.clone()),
        phone,
        text,
        unsupported,
        caption: words.map(|w| w.chars().take(crate::text::MAX_MESSAGE_CHARS).collect()),
        file,
    }))
}

/// B3's quick replies as Telegram offers them: a reply keyboard
/// (`ReplyKeyboardMarkup`, one button a row, hidden once used); a pick
/// comes back as the client's message with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyKeyboard {
    pub keyboard: Vec<Vec<KeyboardButton>>,
    pub one_time_keyboard: bool,
    pub resize_keyboard: bool,
}

/// One button of a [`ReplyKeyboard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyboardButton {
    pub text: String,
    /// Telegram sends the client's own contact when they tap it (C1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request_contact: bool,
}

/// The keyboard of `replies`; none without any. With `ask_phone` its
/// buttons send the client's contact instead of their text.
pub fn reply_keyboard(replies: &[String], ask_phone: bool) -> Option<ReplyKeyboard> {
    (!replies.is_empty()).then(|| ReplyKeyboard {
        keyboard: replies
            .iter()
            .map(|r| {
                vec![KeyboardButton {
                    text: r.clone(),
                    request_contact: ask_phone,
                }]
            })
            .collect(),
        one_time_keyboard: true,
        resize_keyboard: true,
    })
}

/// What a message to a Telegram chat carries besides its text: the quick
/// replies' keyboard, or the order to take away the one an earlier
/// message left (a one-time keyboard only hides once used; it stays a tap
/// away, offering answers to a question the conversation has left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReplyMarkup {
    Keyboard(ReplyKeyboard),
    /// `ReplyKeyboardRemove`: `{"remove_keyboard": true}`.
    Remove {
        remove_keyboard: bool,
    },
}

/// The markup of a message offering `replies`, when the chat's last
/// keyboard was `keyboard_left` there (offered and not yet taken away).
pub fn reply_markup(
    replies: &[String],
    keyboard_left: bool,
    ask_phone: bool,
) -> Option<ReplyMarkup> {
    match reply_keyboard(replies, ask_phone) {
        Some(k) => Some(ReplyMarkup::Keyboard(k)),
        None => keyboard_left.then_some(ReplyMarkup::Remove {
            remove_keyboard: true,
        }),
    }
}

/// What `/start` answers: the line's greeting, and when the line asks a
/// new client for a phone number after it (F2/F5) the channel's form —
/// the form's invitation and Telegram's "Share my phone number" button
/// (one tap; the contact comes back as [`Said::phone`]). `phone_known`:
/// the client's card has one, so nothing is asked. A line with a consent
/// text (A1) never asks: a chat cannot show its checkbox, and such a line
/// keeps no phone without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartReply {
    pub text: String,
    /// The button's label, in the line's language.
    pub ask_phone: Option<String>,
}

/// See [`StartReply`]; None when there is nothing to say.
pub fn start_reply(settings: &LineSettings, phone_known: bool) -> Option<StartReply> {
    let form = settings.form_cases().after_greeting.filter(|f| {
        !phone_known && settings.consent.is_none() && f.fields.contains(&ContactField::Phone)
    });
    let ru = settings.language == "ru";
    let mut text = settings.widget.greeting.trim().to_owned();
    if let Some(f) = &form {
        let invitation = match f.text.trim() {
            "" if text.is_empty() && ru => {
                "Оставьте номер телефона, чтобы мы могли связаться с вами."
            }
            "" if text.is_empty() => "Leave your phone number so that we can reach you.",
            t => t,
        };
        if !text.is_empty() && !invitation.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(invitation);
    }
    let ask_phone = form.map(|_| {
        if ru {
            "Поделиться номером телефона"
        } else {
            "Share my phone number"
        }
        .to_owned()
    });
    (!text.is_empty()).then_some(StartReply { text, ask_phone })
}

/// R1 in a chat: the rating request as the client gets it — the question
/// in the line's language and a one-time keyboard of the scores, best
/// first ("5 ★★★★★" … "1 ★"); a tap comes back as its words, read by
/// [`rating_of`]. (The widget draws stars; a messenger has buttons.)
pub fn rating_request(language: &str) -> (String, Vec<String>) {
    let question = match language {
        "ru" => "Пожалуйста, оцените разговор:",
        _ => "How would you rate this conversation?",
    };
    let buttons = (1..=5usize)
        .rev()
        .map(|s| format!("{s} {}", "★".repeat(s)))
        .collect();
    (question.to_owned(), buttons)
}

/// The score of a client's words when they are exactly a button of
/// [`rating_request`] ("4 ★★★★"); None for anything else, a bare digit
/// included (a "2" may well be an answer), which stays a message.
pub fn rating_of(text: &str) -> Option<u8> {
    let (score, stars) = text.trim().split_once(' ')?;
    let score: u8 = score.parse().ok().filter(|s| (1..=5).contains(s))?;
    (stars == "★".repeat(usize::from(score))).then_some(score)
}

/// An operator's answer as the client reads it in Telegram: the bot
/// speaks, so the operator's shown name leads (none when the line hides
/// names).
pub fn outgoing_text(shown_name: Option<&str>, text: &str) -> String {
    match shown_name {
        Some(n) if !n.is_empty() => format!("{n}: {text}"),
        _ => text.to_owned(),
    }
}

// ----- Telegram's answers to a send ---------------------------------------

/// The Bot API's answer (`{"ok": false, "error_code", "description",
/// "parameters": {"retry_after"}}` on failure).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiAnswer {
    #[serde(default)]
    pub ok: bool,
    #[serde(default)]
    pub error_code: Option<u16>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Option<ApiParameters>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiParameters {
    #[serde(default)]
    pub retry_after: Option<i64>,
}

/// What to do after one attempt to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// Too many requests: try again after this many seconds (Telegram's).
    RetryAfter(i64),
    /// A passing fault (5xx, no answer): retry with back-off.
    Retry(String),
    /// It will never go (the client blocked the bot, the chat is gone, the
    /// token was revoked): the operator is told.
    Undeliverable(String),
}

/// Reads the Bot API's answer to a send (`status` its HTTP status, `body`
/// its JSON; None when there was no answer).
pub fn send_outcome(status: Option<u16>, body: Option<&str>) -> SendOutcome {
    let Some(status) = status else {
        return SendOutcome::Retry("Telegram did not answer".into());
    };
    let answer: ApiAnswer = body
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    if (200..300).contains(&status) && answer.ok {
        return SendOutcome::Sent;
    }
    let code = answer.error_code.unwrap_or(status);
    let why = answer
        .description
        .unwrap_or_else(|| format!("Telegram answered {code}"));
    match code {
        429 => SendOutcome::RetryAfter(
            answer
                .parameters
                .and_then(|p| p.retry_after)
                .unwrap_or(5)
                .clamp(1, 3600),
        ),
        c if c >= 500 => SendOutcome::Retry(why),
        _ => SendOutcome::Undeliverable(why),
    }
}

/// The sentence an operator reads when an answer could not reach the
/// client in Telegram.
pub fn undeliverable_note(why: &str) -> String {
    format!("Telegram did not deliver the last answer: {why}")
}

/// What can be wrong with a connected Telegram bot (the console says it
/// in its own words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelProblem {
    /// Telegram no longer knows the token (revoked in BotFather).
    TokenRevoked,
    /// Telegram could not be reached.
    Unreachable,
    /// Telegram sends the bot's updates somewhere else (another webhook
    /// was set with this token): connect the bot again.
    WebhookElsewhere,
    /// Telegram tries to deliver updates here and fails.
    DeliveryFailing,
}

/// `POST /api/v1/lines/{line}/channels/telegram/check`: what Telegram says
/// of the line's bot now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelCheck {
    /// The bot's `@username`, when Telegram answered.
    #[serde(default)]
    pub name: Option<String>,
    /// None: the bot works (the token is valid, updates come here).
    #[serde(default)]
    pub problem: Option<ChannelProblem>,
    /// Updates Telegram holds for the bot, not yet delivered.
    pub pending_updates: u32,
    /// Telegram's own words about its last failed delivery, if any.
    #[serde(default)]
    pub telegram_error: Option<String>,
}

#[derive(Deserialize, Default)]
struct WebhookInfoAnswer {
    #[serde(default)]
    result: Option<WebhookInfo>,
}

#[derive(Deserialize, Default)]
struct WebhookInfo {
    #[serde(default)]
    url: String,
    #[serde(default)]
    pending_update_count: u32,
    #[serde(default)]
    last_error_message: Option<String>,
}

#[derive(Deserialize, Default)]
struct MeAnswer {
    #[serde(default)]
    result: Option<MeResult>,
}

#[derive(Deserialize, Default)]
struct MeResult {
    #[serde(default)]
    username: Option<String>,
}

/// The bot's `@username` from `getMe`'s answer.
pub fn bot_name(body: Option<&str>) -> Option<String> {
    let me: MeAnswer = serde_json::from_str(body?).ok()?;
    me.result?.username.map(|u| format!("@{u}"))
}

/// Reads `getMe` and `getWebhookInfo` (each its HTTP status and body) for
/// the bot whose updates should come to `expected_url`. Telegram keeps its
/// last delivery error after it recovers, so a failure counts only while
/// updates wait.
pub fn check_outcome(
    me: (Option<u16>, Option<&str>),
    info: (Option<u16>, Option<&str>),
    expected_url: &str,
) -> ChannelCheck {
    let mut check = ChannelCheck {
        name: None,
        problem: None,
        pending_updates: 0,
        telegram_error: None,
    };
    match send_outcome(me.0, me.1) {
        SendOutcome::Sent => check.name = bot_name(me.1),
        SendOutcome::Undeliverable(_) => {
            check.problem = Some(ChannelProblem::TokenRevoked);
            return check;
        }
        SendOutcome::Retry(_) | SendOutcome::RetryAfter(_) => {
            check.problem = Some(ChannelProblem::Unreachable);
            return check;
        }
    }
    if send_outcome(info.0, info.1) != SendOutcome::Sent {
        check.problem = Some(ChannelProblem::Unreachable);
        return check;
    }
    let answer: WebhookInfoAnswer = info
        .1
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let hook = answer.result.unwrap_or_default();
    check.pending_updates = hook.pending_update_count;
    if hook.url != expected_url {
        check.problem = Some(ChannelProblem::WebhookElsewhere);
    } else if hook.pending_update_count > 0 && hook.last_error_message.is_some() {
        check.problem = Some(ChannelProblem::DeliveryFailing);
        check.telegram_error = hook.last_error_message;
    }
    check
}

/// A refusal of the channel's webhook: wrong or missing secret.
pub fn unauthorized() -> ProtocolError {
    ProtocolError::new(ErrorCode::Unauthorized, "unknown or missing secret token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_replies_are_a_one_time_reply_keyboard_as_telegram_documents_it() {
        assert_eq!(reply_keyboard(&[], false), None);
        let k = reply_keyboard(&["Delivery".into(), "Returns".into()], false).unwrap();
        assert_eq!(
            serde_json::to_value(&k).unwrap(),
            serde_json::json!({
                "keyboard": [[{"text": "Delivery"}], [{"text": "Returns"}]],
                "one_time_keyboard": true,
                "resize_keyboard": true
            })
        );
    }

    #[test]
    fn the_next_message_takes_a_left_keyboard_away_once() {
        assert_eq!(reply_markup(&[], false, false), None);
        assert_eq!(
            serde_json::to_value(reply_markup(&[], true, false)).unwrap(),
            serde_json::json!({"remove_keyboard": true})
        );
        let offered = reply_markup(&["Yes".into()], true, false).unwrap();
        assert_eq!(
            serde_json::to_value(offered).unwrap()["keyboard"][0][0]["text"],
            "Yes"
        );
    }

    #[test]
    fn a_check_reads_the_token_the_webhook_and_failing_deliveries() {
        let me = r#"{"ok":true,"result":{"id":1,"is_bot":true,"username":"tea_bot"}}"#;
        let here = "https://chat.example/api/v1/lines/sales/channels/telegram/updates";
        let info = |url: &str, pending: u32, error: Option<&str>| {
            let error = error.map_or(String::new(), |e| {
                format!(r#","last_error_date":1,"last_error_message":"{e}""#)
            });
            format!(
                r#"{{"ok":true,"result":{{"url":"{url}","has_custom_certificate":false,"pending_update_count":{pending}{error}}}}}"#
            )
        };
        let check = |me_status, me_body: &str, info_body: &str| {
            check_outcome(
                (Some(me_status), Some(me_body)),
                (Some(200), Some(info_body)),
                here,
            )
        };
        let fine = check(200, me, &info(here, 0, Some("Connection timed out")));
        assert_eq!(fine.name.as_deref(), Some("@tea_bot"));
        assert_eq!(
            fine.problem, None,
            "an old error with nothing waiting is over"
        );
        let failing = check(
            200,
            me,
            &info(here, 3, Some("Wrong response from the webhook: 500")),
        );
        assert_eq!(failing.problem, Some(ChannelProblem::DeliveryFailing));
        assert_eq!(failing.pending_updates, 3);
        assert_eq!(
            failing.telegram_error.as_deref(),
            Some("Wrong response from the webhook: 500")
        );
        let elsewhere = check(200, me, &info("https://other.example/hook", 0, None));
        assert_eq!(elsewhere.problem, Some(ChannelProblem::WebhookElsewhere));
        let revoked = check(
            401,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
            "",
        );
        assert_eq!(revoked.problem, Some(ChannelProblem::TokenRevoked));
        let silent = check_outcome((None, None), (None, None), here);
        assert_eq!(silent.problem, Some(ChannelProblem::Unreachable));
    }

    fn update(json: &str) -> Update {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn private_text_is_a_message_with_the_clients_name() {
        let u = update(
            r#"{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},
                "from":{"id":42,"is_bot":false,"first_name":"Olga","last_name":"Petrova","username":"olgap"},"text":"  Hello  "}}"#,
        );
        assert_eq!(
            inbound(&u),
            Inbound::Says(Box::new(Said {
                chat_id: 42,
                client: "tg-42".into(),
                name: Some("Olga Petrova".into()),
                username: Some("olgap".into()),
                phone: None,
                text: "Hello".into(),
                unsupported: None,
                caption: Some("Hello".into()),
                file: None,
            }))
        );
    }

    #[test]
    fn a_shared_contact_is_the_clients_phone_only_when_it_is_their_own() {
        let shared = |user_id: &str, phone: &str| {
            let u = update(&format!(
                r#"{{"update_id":8,"message":{{"chat":{{"id":42,"type":"private"}},
                    "from":{{"id":42,"first_name":"Olga"}},
                    "contact":{{"phone_number":"{phone}","first_name":"Olga"{user_id}}}}}}}"#
            ));
            match inbound(&u) {
                Inbound::Says(s) => (s.phone, s.text),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            shared(r#","user_id":42"#, "79991234567"),
            (Some("+79991234567".into()), "[phone] +79991234567".into())
        );
        assert_eq!(
            shared(r#","user_id":42"#, "+7 (999) 123-45-67")
                .0
                .as_deref(),
            Some("+79991234567")
        );
        assert_eq!(
            shared(r#","user_id":7"#, "+15550100"),
            (None, "[contact: Olga +15550100]".into()),
            "someone else's card is words, not the client's phone"
        );
        assert_eq!(shared("", "+15550100").0, None, "a card without its user");
    }

    #[test]
    fn a_rating_is_asked_with_buttons_and_read_from_a_tap_or_a_digit() {
        let (question, buttons) = rating_request("en");
        assert_eq!(question, "How would you rate this conversation?");
        assert_eq!(buttons.first().map(String::as_str), Some("5 ★★★★★"));
        assert_eq!(buttons.last().map(String::as_str), Some("1 ★"));
        for (i, b) in buttons.iter().enumerate() {
            assert_eq!(rating_of(b), Some(5 - i as u8));
        }
        assert_eq!(rating_of(" 4 ★★★★ "), Some(4));
        for not in [
            "",
            "2",
            " 4 ",
            "0",
            "6 ★★★★★★",
            "4 ★★",
            "5 stars",
            "55",
            "★★★★★",
            "5★ thanks",
        ] {
            assert_eq!(rating_of(not), None, "{not:?}");
        }
        assert_eq!(rating_request("ru").0, "Пожалуйста, оцените разговор:");
    }

    #[test]
    fn start_greets_and_asks_for_a_phone_when_the_line_asks_for_one() {
        let mut s = LineSettings::new("Tea");
        s.widget.greeting = "Hello!".into();
        s.widget.contact_request_after_s = Some(15);
        let asked = start_reply(&s, false).unwrap();
        assert_eq!(asked.text, "Hello!");
        assert_eq!(asked.ask_phone.as_deref(), Some("Share my phone number"));
        assert_eq!(
            start_reply(&s, true).unwrap().ask_phone,
            None,
            "known already"
        );
        let mut with_consent = s.clone();
        with_consent.consent = Some(crate::settings::ConsentText {
            text: "I agree to the processing of my data".into(),
            version: 1,
        });
        assert_eq!(
            start_reply(&with_consent, false).unwrap().ask_phone,
            None,
            "A1: no phone without the consent's checkbox"
        );
        let mut forms = s.form_cases();
        forms.after_greeting = Some(crate::settings::FormCase {
            text: "Your number, please".into(),
            fields: vec![ContactField::Email],
        });
        s.widget.forms = Some(forms.clone());
        assert_eq!(
            start_reply(&s, false).unwrap().ask_phone,
            None,
            "no phone asked"
        );
        forms
            .after_greeting
            .as_mut()
            .unwrap()
            .fields
            .push(ContactField::Phone);
        s.widget.forms = Some(forms);
        s.language = "ru".into();
        let ru = start_reply(&s, false).unwrap();
        assert_eq!(ru.text, "Hello!\n\nYour number, please");
        assert_eq!(ru.ask_phone.as_deref(), Some("Поделиться номером телефона"));
        s.widget.greeting = " ".into();
        s.widget.contact_request_after_s = None;
        s.widget.forms = None;
        assert_eq!(start_reply(&s, false), None, "nothing to say");
        let markup = reply_markup(&["Share".into()], false, true).unwrap();
        assert_eq!(
            serde_json::to_value(markup).unwrap()["keyboard"][0][0],
            serde_json::json!({"text": "Share", "request_contact": true})
        );
    }

    #[test]
    fn start_groups_edits_and_empty_updates_are_not_messages() {
        let start = update(
            r#"{"update_id":1,"message":{"chat":{"id":5,"type":"private"},"text":"/start promo"}}"#,
        );
        assert_eq!(inbound(&start), Inbound::Start { chat_id: 5 });
        let group =
            update(r#"{"update_id":2,"message":{"chat":{"id":-9,"type":"group"},"text":"hi"}}"#);
        assert_eq!(inbound(&group), Inbound::Ignored);
        let edit = update(
            r#"{"update_id":3,"edited_message":{"chat":{"id":5,"type":"private"},"text":"x"}}"#,
        );
        assert_eq!(inbound(&edit), Inbound::Ignored);
        let nothing = update(r#"{"update_id":4,"message":{"chat":{"id":5,"type":"private"}}}"#);
        assert_eq!(inbound(&nothing), Inbound::Ignored);
    }

    #[test]
    fn what_the_console_cannot_show_is_said_not_dropped() {
        let photo = update(
            r#"{"update_id":1,"message":{"chat":{"id":5,"type":"private"},"photo":[{"file_id":"a"}],"caption":"my receipt"}}"#,
        );
        let Inbound::Says(s) = inbound(&photo) else {
            panic!()
        };
        assert_eq!(
            (s.text.as_str(), s.unsupported),
            ("[photo] my receipt", Some("photo"))
        );
        let file = update(
            r#"{"update_id":1,"message":{"chat":{"id":5,"type":"private"},"document":{"file_id":"b","file_name":"invoice.pdf"}}}"#,
        );
        let Inbound::Says(s) = inbound(&file) else {
            panic!()
        };
        assert_eq!(s.text, "[file: invoice.pdf]");
        assert_eq!(
            s.file.map(|f| (f.file_id, f.name)),
            Some(("b".into(), Some("invoice.pdf".into())))
        );
        // A photo's largest size is the one to fetch; its caption stays.
        let sizes = update(
            r#"{"update_id":1,"message":{"chat":{"id":5,"type":"private"},"photo":[{"file_id":"s"},{"file_id":"m"},{"file_id":"l"}],"caption":"cup"}}"#,
        );
        let Inbound::Says(s) = inbound(&sizes) else {
            panic!()
        };
        assert_eq!(s.file.map(|f| f.file_id).as_deref(), Some("l"));
        assert_eq!(s.caption.as_deref(), Some("cup"));
    }

    #[test]
    fn answers_of_the_bot_api_decide_retries() {
        assert_eq!(
            send_outcome(Some(200), Some(r#"{"ok":true,"result":{}}"#)),
            SendOutcome::Sent
        );
        assert_eq!(
            send_outcome(
                Some(429),
                Some(
                    r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#
                )
            ),
            SendOutcome::RetryAfter(3)
        );
        assert_eq!(
            send_outcome(
                Some(403),
                Some(
                    r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#
                )
            ),
            SendOutcome::Undeliverable("Forbidden: bot was blocked by the user".into())
        );
        assert!(matches!(
            send_outcome(Some(502), None),
            SendOutcome::Retry(_)
        ));
        assert!(matches!(send_outcome(None, None), SendOutcome::Retry(_)));
    }

    #[test]
    fn bot_tokens_are_checked_before_use() {
        assert!(check_bot_token("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw").is_ok());
        for bad in [
            "",
            "123456789",
            ":AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "12a:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "1:short",
            "1:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs/w",
        ] {
            assert!(check_bot_token(bad).is_err(), "{bad}");
        }
        assert_eq!(outgoing_text(Some("Anna"), "Hi"), "Anna: Hi");
        assert_eq!(outgoing_text(None, "Hi"), "Hi");
    }
}
