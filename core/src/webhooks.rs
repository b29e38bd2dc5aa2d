//! Webhooks for integrations (issue 13): the events another system can
//! subscribe to, what a delivery carries, how it is signed (Stripe's
//! scheme: `Openline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`)
//! and when a failed delivery is tried again. The line publishes, the
//! outbox stores and sends; the rules are here once.

use crate::consent::Contacts;
use crate::leads::Lead;
use crate::line::{DialogState, Effect, KpiKind, Line, Rating};
use crate::protocol::ChatMessage;
use crate::{ErrorCode, Millis, ProtocolError};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a subscription can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum HookKind {
    /// A client wrote on the line: a new dialog.
    #[serde(rename = "dialog.opened")]
    DialogOpened,
    /// An operator took the dialog.
    #[serde(rename = "dialog.assigned")]
    DialogAssigned,
    /// The dialog went to another line (Q9).
    #[serde(rename = "dialog.transferred")]
    DialogTransferred,
    /// The dialog finished.
    #[serde(rename = "dialog.closed")]
    DialogClosed,
    /// A message the client sees, from either side (hidden notes are not sent).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// The client or a supervisor rated the dialog.
    #[serde(rename = "rating.created")]
    RatingCreated,
    /// The client left a name, an e-mail or a phone.
    #[serde(rename = "contacts.left")]
    ContactsLeft,
    /// A lead was made from a chat (C2).
    #[serde(rename = "lead.created")]
    LeadCreated,
    /// A lead's status or responsible person changed (C2–C5): CRMs follow
    /// it; `data.lead` is the lead as it now is.
    #[serde(rename = "lead.updated")]
    LeadUpdated,
    /// A first-answer or answer deadline passed (K1).
    #[serde(rename = "kpi.missed")]
    KpiMissed,
    /// Sent by "send test event"; never subscribed to.
    #[serde(rename = "test")]
    Test,
}

impl HookKind {
    /// Every kind a subscription may list.
    pub const SUBSCRIBABLE: [HookKind; 10] = [
        HookKind::DialogOpened,
        HookKind::DialogAssigned,
        HookKind::DialogTransferred,
        HookKind::DialogClosed,
        HookKind::MessageCreated,
        HookKind::RatingCreated,
        HookKind::ContactsLeft,
        HookKind::LeadCreated,
        HookKind::LeadUpdated,
        HookKind::KpiMissed,
    ];

    /// The wire name (`dialog.closed`), as stored.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::DialogOpened => "dialog.opened",
            HookKind::DialogAssigned => "dialog.assigned",
            HookKind::DialogTransferred => "dialog.transferred",
            HookKind::DialogClosed => "dialog.closed",
            HookKind::MessageCreated => "message.created",
            HookKind::RatingCreated => "rating.created",
            HookKind::ContactsLeft => "contacts.left",
            HookKind::LeadCreated => "lead.created",
            HookKind::LeadUpdated => "lead.updated",
            HookKind::KpiMissed => "kpi.missed",
            HookKind::Test => "test",
        }
    }

    /// The kind a stored name stands for.
    pub fn named(name: &str) -> Option<HookKind> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([HookKind::Test])
            .find(|k| k.name() == name)
    }
}

/// What happened, as much as a receiver needs to act without calling back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Where the client writes from (`widget`, `telegram`; L4): every
    /// event about a dialog says it, so a CRM treats channels alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<crate::channels::ChannelKind>,
    /// The operator the event is about (who took, closed, missed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `dialog.transferred`: the line it went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<ChatMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// `rating.created`: the supervisor who rated, when not the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<KpiKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Lead>,
}

/// One event as delivered: the request body, byte for byte the same on
/// every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookEvent {
    /// `evt_` and 24 hex digits; the same on every retry, so a receiver
    /// can drop a repeat.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: HookKind,
    /// Unix seconds when it happened.
    pub created: i64,
    /// The line it happened on (none for a test event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    pub data: HookData,
}

/// The events a line step's effects amount to, in order.
pub fn from_effects(line: &Line, fx: &[Effect]) -> Vec<(HookKind, HookData)> {
    let about = |dialog: &str| HookData {
        dialog: Some(dialog.to_owned()),
        client: line.dialog(dialog).map(|d| d.client.clone()),
        channel: line.dialog(dialog).map(|d| d.channel),
        ..HookData::default()
    };
    let mut out: Vec<(HookKind, HookData)> = Vec::new();
    for effect in fx {
        match effect {
            Effect::Opened { dialog, client } => out.push((
                HookKind::DialogOpened,
                HookData {
                    client: Some(client.clone()),
                    ..about(dialog)
                },
            )),
            Effect::StatusChanged {
                dialog,
                status: DialogState::Finished,
            } => out.push((
                HookKind::DialogClosed,
                HookData {
                    operator: line
                        .dialog(dialog)
                        .and_then(|d| d.status.owner().map(str::to_owned)),
                    ..about(dialog)
                },
            )),
            Effect::Assigned { dialog, operator } => out.push((
                HookKind::DialogAssigned,
                HookData {
                    operator: Some(operator.clone()),
                    ..about(dialog)
                },
            )),
            Effect::TransferToLine { dialog, line: to } => out.push((
                HookKind::DialogTransferred,
                HookData {
                    to_line: Some(to.clone()),
                    ..about(dialog)
                },
            )),
            Effect::Rated { dialog, by, rating } => out.push((
                HookKind::RatingCreated,
                HookData {
                    rating: Some(rating.clone()),
                    rated_by: by.clone(),
                    ..about(dialog)
                },
            )),
            Effect::KpiMissed {
                dialog,
                kpi,
                operator,
            } => out.push((
                HookKind::KpiMissed,
                HookData {
                    kpi: Some(*kpi),
                    operator: operator.clone(),
                    ..about(dialog)
                },
            )),
            _ => {}
        }
    }
    out
}

/// `message.created` for a stored message, unless it is a note hidden
/// from the client (Q11) or a system line.
pub fn message(line: &Line, dialog: &str, m: &ChatMessage) -> Option<(HookKind, HookData)> {
    (!m.hidden && m.kind.is_none()).then(|| {
        let d = line.dialog(dialog);
        (
            HookKind::MessageCreated,
            HookData {
                dialog: Some(dialog.to_owned()),
                client: d.map(|d| d.client.clone()),
                channel: d.map(|d| d.channel),
                message: Some(m.clone()),
                ..HookData::default()
            },
        )
    })
}

// ----- subscriptions -------------------------------------------------------

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2000;
/// A secret chosen by the administrator: 16–200 characters.
pub const SECRET_CHARS: std::ops::RangeInclusive<usize> = 16..=200;

/// `POST /api/v1/webhooks`: a new subscription. Without `line` it hears
/// every line of the deployment. Without `secret` one is made and shown
/// once in the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookDraft {
    pub url: String,
    pub events: Vec<HookKind>,
    #[serde(default)]
    pub line: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

/// `PATCH /api/v1/webhooks/{id}`: what changes; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookChange {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<HookKind>>,
    #[serde(default)]
    pub description: Option<String>,
    /// False pauses deliveries (events meanwhile are not queued).
    #[serde(default)]
    pub active: Option<bool>,
    /// A new secret (write-only); `"new"` makes one, shown once.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A subscription as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Webhook {
    pub id: String,
    #[serde(default)]
    pub line: Option<String>,
    pub url: String,
    pub events: Vec<HookKind>,
    pub description: String,
    pub active: bool,
    pub created_at: Millis,
    pub created_by: String,
}

/// The answer to a creation, or to a change that made a new secret: the
/// only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookSaved {
    pub webhook: Webhook,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `GET /api/v1/webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Queued,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after [`GIVE_UP_AFTER_MS`] of failures.
    Failed,
}

/// One event's delivery to one subscription, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: Millis,
    pub attempts: u32,
    pub status: DeliveryStatus,
    /// The receiver's last HTTP status (none: no answer at all).
    #[serde(default)]
    pub last_code: Option<u16>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub next_attempt_at: Option<Millis>,
    #[serde(default)]
    pub delivered_at: Option<Millis>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryLog {
    pub deliveries: Vec<Delivery>,
}

fn invalid(field: &str, why: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidField, format!("{field}: {why}"))
}

/// A receiver's address: `https://` with a host, or `http://` when the
/// deployment allows it (local development, where receivers are local).
pub fn check_url(url: &str, allow_http: bool) -> Result<(), ProtocolError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| allow_http));
    let Some(rest) = rest else {
        return Err(invalid("url", "an https:// address"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if url.chars().count() > MAX_URL_CHARS
        || host.is_empty()
        || host.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "url",
            "an https:// address with a host, at most 2000 characters",
        ));
    }
    Ok(())
}

/// The events of a subscription: at least one, each once, no `test`.
pub fn check_events(events: &[HookKind]) -> Result<Vec<HookKind>, ProtocolError> {
    let mut out: Vec<HookKind> = Vec::new();
    for k in events {
        if *k == HookKind::Test {
            return Err(invalid(
                "events",
                "`test` is sent by the test button, not subscribed to",
            ));
        }
        if !out.contains(k) {
            out.push(*k);
        }
    }
    if out.is_empty() {
        return Err(invalid("events", "at least one event"));
    }
    Ok(out)
}

/// A description: at most 200 characters, trimmed.
pub fn check_description(d: Option<&str>) -> Result<String, ProtocolError> {
    let d = d.unwrap_or_default().trim();
    if d.chars().count() > 200 {
        return Err(invalid("description", "at most 200 characters"));
    }
    Ok(d.to_owned())
}

/// A secret the administrator chose.
pub fn check_secret(s: &str) -> Result<(), ProtocolError> {
    if !SECRET_CHARS.contains(&s.chars().count()) || s.chars().any(char::is_control) {
        return Err(invalid("secret", "16–200 characters"));
    }
    Ok(())
}

/// The stored form of a subscription's events (`dialog.opened kpi.missed`),
/// so the outbox can match with `LIKE`.
pub fn events_text(events: &[HookKind]) -> String {
    let names: Vec<&str> = events.iter().map(|k| k.name()).collect();
    format!(" {} ", names.join(" "))
}

/// The events read back from [`events_text`].
pub fn events_read(text: &str) -> Vec<HookKind> {
    text.split_whitespace()
        .filter_map(HookKind::named)
        .collect()
}

// ----- signing -------------------------------------------------------------

/// The `Openline-Signature` header for `body` sent at unix second `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a receiver does: the header's `v1` matches `body` under `secret`
/// (in constant time) and `t` is within `tolerance_s` of `now` (a replayed
/// old delivery is refused).
pub fn verify(header: &str, secret: &str, body: &str, now: i64, tolerance_s: i64) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > tolerance_s {
        return false;
    }
    sigs.iter().any(|sig| {
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
            mac.update(t.to_string().as_bytes());
            mac.update(b".");
            mac.update(body.as_bytes());
            mac.verify_slice(sig).is_ok()
        })
    })
}

// ----- retries -------------------------------------------------------------

/// A delivery is retried for this long after its event, then failed.
pub const GIVE_UP_AFTER_MS: Millis = 24 * 60 * 60 * 1000;
/// The wait after the first failed attempt; it doubles per attempt.
pub const FIRST_RETRY_MS: Millis = 30_000;
/// The longest wait between two attempts.
pub const LONGEST_RETRY_MS: Millis = 4 * 60 * 60 * 1000;

/// When to try again after `attempts` failed attempts of a delivery made at
/// `created_at`, time running `scale` times faster (tests); None: give up.
pub fn next_attempt(created_at: Millis, attempts: u32, now: Millis, scale: i64) -> Option<Millis> {
    let scale = scale.max(1);
    let wait = (FIRST_RETRY_MS << attempts.saturating_sub(1).min(20)).min(LONGEST_RETRY_MS) / scale;
    let at = now + wait;
    (at <= created_at + GIVE_UP_AFTER_MS / scale).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let body = r#"{"id":"evt_1","type":"test"}"#;
        let h = signature("whsec_abcdefghijklmnop", 1_765_000_000, body);
        assert!(h.starts_with("t=1765000000,v1="));
        assert!(verify(
            &h,
            "whsec_abcdefghijklmnop",
            body,
            1_765_000_100,
            300
        ));
        assert!(!verify(
            &h,
            "whsec_abcdefghijklmnoq",
            body,
            1_765_000_100,
            300
        ));
        assert!(!verify(
            &h,
            "whsec_abcdefghijklmnop",
            &body.replace("test", "tesT"),
            1_765_000_100,
            300
        ));
        assert!(
            !verify(&h, "whsec_abcdefghijklmnop", body, 1_765_000_400, 300),
            "too old"
        );
        let moved = h.replace("t=1765000000", "t=1765000001");
        assert!(!verify(
            &moved,
            "whsec_abcdefghijklmnop",
            body,
            1_765_000_100,
            300
        ));
        assert!(!verify("v1=00", "whsec_abcdefghijklmnop", body, 0, 300));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_t_dot_body() {
        // RFC 4231 test case 2's key and data, as "t.body" with t = "what"
        // cannot be a number; so checked against an independent HMAC.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"42.body");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signature("key", 42, "body"), format!("t=42,v1={expected}"));
    }

    #[test]
    fn retries_double_then_stop_after_a_day() {
        let t0 = 1_000_000;
        assert_eq!(next_attempt(t0, 1, t0, 1), Some(t0 + 30_000));
        assert_eq!(next_attempt(t0, 2, t0, 1), Some(t0 + 60_000));
        assert_eq!(next_attempt(t0, 12, t0, 1), Some(t0 + LONGEST_RETRY_MS));
        let late = t0 + GIVE_UP_AFTER_MS - 60_000;
        assert_eq!(next_attempt(t0, 5, late, 1), None);
        assert_eq!(next_attempt(t0, 1, t0, 60), Some(t0 + 500));
        // Every attempt fails: how many before giving up.
        let (mut now, mut n) = (t0, 1u32);
        while let Some(at) = next_attempt(t0, n, now, 1) {
            now = at;
            n += 1;
        }
        assert!((10..=16).contains(&n), "{n} attempts in a day");
    }

    #[test]
    fn urls_events_and_secrets_are_checked() {
        assert!(check_url("https://crm.example.com/hooks/openline", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/h", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "https://u@evil",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
        assert!(check_events(&[]).is_err());
        assert!(check_events(&[HookKind::Test]).is_err());
        assert_eq!(
            check_events(&[HookKind::DialogClosed, HookKind::DialogClosed]).unwrap(),
            vec![HookKind::DialogClosed]
        );
        assert!(check_secret("short").is_err());
        assert!(check_secret("0123456789abcdef").is_ok());
        let text = events_text(&[HookKind::DialogOpened, HookKind::KpiMissed]);
        assert_eq!(text, " dialog.opened kpi.missed ");
        assert_eq!(
            events_read(&text),
            vec![HookKind::DialogOpened, HookKind::KpiMissed]
        );
        assert_eq!(
            serde_json::to_string(&HookKind::MessageCreated).unwrap(),
            "\"message.created\""
        );
        for k in HookKind::SUBSCRIBABLE {
            assert_eq!(HookKind::named(k.name()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
    }
}
