//! Chat bots (B1–B3): a bot is registered through the API with a name and
//! the address its events go to; a line's settings name the bot that takes
//! new conversations (every one, or only a client's first: B1) and for how
//! long before they go to the queue (B2). The bot hears, signed like a
//! webhook (`webhooks::signature`), that it took a dialog and what the
//! client writes while it holds it, and answers through the API with its
//! token: a message, "hand over to an operator", or "close".

use crate::line::{Effect, Line, Status};
use crate::protocol::{Author, ChatMessage};
use crate::webhooks::{HookData, HookKind};
use crate::{ErrorCode, Millis, ProtocolError};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/bots`: a new bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotDraft {
    /// Shown to clients as the author of its messages.
    pub name: String,
    /// Where its events are POSTed (`https://`).
    pub url: String,
    /// Its picture beside its messages in the widget: an `https://`
    /// address (the site owner's own image), as a replacement card's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// `PATCH /api/v1/bots/{bot}`: what changes (absent: unchanged; an empty
/// `avatar`: none, initials again). The token stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
}

/// A bot as listed: never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bot {
    /// What a line's settings name (`bot.bot`).
    pub id: String,
    pub name: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    pub created_at: Millis,
}

impl Bot {
    /// How the widget shows the bot while it holds a dialog: its name and
    /// picture, like an operator's card.
    pub fn card(&self) -> crate::operator::OperatorCard {
        crate::operator::OperatorCard {
            name: self.name.clone(),
            avatar: self.avatar.clone(),
            position: None,
        }
    }
}

/// The answer to a registration: the bot's token, shown this once. It
/// signs the bot's events (the `Openline-Signature` key) and authorises
/// its calls (`Authorization: Bearer <token>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotSaved {
    pub bot: Bot,
    pub token: String,
}

/// `GET /api/v1/bots`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotList {
    pub bots: Vec<Bot>,
}

/// `POST /api/v1/lines/{line}/dialogs/{dialog}/bot/messages`: the bot
/// writes to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotMessage {
    /// Chosen by the bot; a resend with the same id is stored once.
    pub client_id: String,
    pub text: String,
    /// B3 quick replies: answers the client may pick instead of typing
    /// (at most [`MAX_QUICK_REPLIES`], each 1–[`MAX_QUICK_REPLY_CHARS`]
    /// characters); a pick is the client's message with that text.
    #[serde(default)]
    pub quick_replies: Vec<String>,
}

/// Quick replies one message may offer.
pub const MAX_QUICK_REPLIES: usize = 10;
/// Characters of one quick reply (a button's label).
pub const MAX_QUICK_REPLY_CHARS: usize = 40;

/// A message's quick replies as offered: each trimmed, 1–40 characters
/// without control characters, at most 10, none twice.
pub fn quick_replies(raw: &[String]) -> Result<Vec<String>, ProtocolError> {
    let bad = |reason: &str| ProtocolError::invalid_field("quick_replies", reason);
    if raw.len() > MAX_QUICK_REPLIES {
        return Err(bad("at most 10"));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let r = r.trim();
        if r.is_empty()
            || r.chars().count() > MAX_QUICK_REPLY_CHARS
            || r.chars().any(char::is_control)
        {
            return Err(bad("each 1–40 characters"));
        }
        if out.iter().any(|o| o == r) {
            return Err(bad("each offered once"));
        }
        out.push(r.to_owned());
    }
    Ok(out)
}

/// The answer to a bot's action: for a message, the message as stored
/// (201 when new, 200 for a resend of the same `client_id`); for the
/// hand-over and the close, nothing (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotActed {
    #[serde(default)]
    pub message: Option<ChatMessage>,
    #[serde(default)]
    pub created: bool,
}

/// A bot's name: 1–60 characters, trimmed.
pub fn check_name(name: &str) -> Result<String, ProtocolError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 60 || n.chars().any(char::is_control) {
        return Err(ProtocolError::invalid_field("name", "1–60 characters"));
    }
    Ok(n.to_owned())
}

/// A bot's picture: `None` for none (an empty text removes it), else a
/// web address the widget may show (`settings::check_avatar`).
pub fn check_avatar(avatar: Option<&str>) -> Result<Option<String>, ProtocolError> {
    match avatar.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => crate::settings::check_avatar("avatar", a)
            .map(|()| Some(a.to_owned()))
            .map_err(|e| ProtocolError::invalid_field(e.field, &e.reason)),
    }
}

/// A bot's token: `<bot id>.<secret>`; its two parts.
pub fn split_token(token: &str) -> Result<(&str, &str), ProtocolError> {
    token
        .split_once('.')
        .filter(|(id, secret)| id.starts_with("bot_") && secret.len() == 64)
        .ok_or_else(|| ProtocolError::new(ErrorCode::Unauthorized, "a bot's token is required"))
}

/// The bot a line step handed dialogs to, with what it hears: the dialog
/// it took (as `dialog.opened`).
pub fn taken(line: &Line, fx: &[Effect]) -> Vec<(String, HookKind, HookData)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::BotTakes { dialog, bot } => Some((
                bot.clone(),
                HookKind::DialogOpened,
                HookData {
                    dialog: Some(dialog.clone()),
                    client: line.dialog(dialog).map(|d| d.client.clone()),
                    ..HookData::default()
                },
            )),
            _ => None,
        })
        .collect()
}

/// The bot that holds `dialog` hears the client's message.
pub fn hears(line: &Line, dialog: &str, m: &ChatMessage) -> Option<(String, HookKind, HookData)> {
    let d = line.dialog(dialog)?;
    let Status::WithBot { bot } = &d.status else {
        return None;
    };
    (m.author == Author::Visitor).then(|| {
        (
            bot.clone(),
            HookKind::MessageCreated,
            HookData {
                dialog: Some(dialog.to_owned()),
                client: Some(d.client.clone()),
                message: Some(m.clone()),
                ..HookData::default()
            },
        )
    })
}

/// The account id under which a bot's messages are kept (its idempotency
/// keys apart from every operator's).
pub fn author_key(bot: &str) -> String {
    format!("bot:{bot}")
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_bots_avatar_is_a_web_address_or_none() {
        assert_eq!(check_avatar(None).unwrap(), None);
        assert_eq!(check_avatar(Some("  ")).unwrap(), None, "empty: removed");
        assert_eq!(
            check_avatar(Some(" https://shop.example/bot.png "))
                .unwrap()
                .as_deref(),
            Some("https://shop.example/bot.png")
        );
        for bad in [
            "javascript:alert(1)",
            "http://shop.example/a.png",
            "//evil.example/a.png",
        ] {
            let e = check_avatar(Some(bad)).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidField, "{bad}");
            assert!(e.message.starts_with("avatar:"), "{}", e.message);
        }
        let long = format!("https://shop.example/{}", "a".repeat(500));
        assert!(check_avatar(Some(&long)).is_err());
    }

    #[test]
    fn quick_replies_are_short_distinct_and_few() {
        let ok = quick_replies(&[" Delivery ".into(), "Returns".into()]).unwrap();
        assert_eq!(ok, ["Delivery", "Returns"]);
        assert!(quick_replies(&[]).unwrap().is_empty());
        for bad in [
            vec!["".to_owned()],
            vec!["x".repeat(41)],
            vec!["a\nb".to_owned()],
            vec!["Yes".to_owned(), " Yes".to_owned()],
            (0..11).map(|i| i.to_string()).collect(),
        ] {
            let e = quick_replies(&bad).unwrap_err();
            assert!(e.message.starts_with("quick_replies: "), "{bad:?}: {e:?}");
        }
        assert_eq!(quick_replies(&["é".repeat(40)]).unwrap().len(), 1);
    }

    use super::*;

    #[test]
    fn names_and_tokens_are_checked() {
        assert_eq!(check_name("  FAQ bot ").unwrap(), "FAQ bot");
        assert!(check_name("").is_err());
        assert!(check_name(&"x".repeat(61)).is_err());
        let secret = "a".repeat(64);
        assert_eq!(
            split_token(&format!("bot_1a2b.{secret}")).unwrap(),
            ("bot_1a2b", secret.as_str())
        );
        for bad in ["", "bot_1a2b", "wh_1.aaaa", "bot_1.short"] {
            assert!(split_token(bad).is_err(), "{bad}");
        }
    }
}
