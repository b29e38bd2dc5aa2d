//! The wire protocol on the visitor's side, read and written through the
//! browser's own `JSON.parse`/`JSON.stringify` instead of serde.
//!
//! Why: serde's generated (de)serializers and serde_json's parser were
//! about a third of the widget's wasm, and the widget's size is what host
//! pages pay. The types stay `openline_core`'s (so the edge, the console and
//! the widget cannot drift); only their JSON mapping is written here, and
//! the end-to-end suite exercises every field against the real edge.

use crate::conversation;
use js_sys::{Array, Object, Reflect, JSON};
use openline_core::attachments::{Attachment, AttachmentRules};
use openline_core::files::FileKind;
use openline_core::line::QueueInfo;
use openline_core::operator::OperatorCard;
use openline_core::protocol::frames::VisitorEvent;
use openline_core::protocol::{Author, ChatMessage, History, SendMessage, Session, WidgetConfig};
use openline_core::settings::{ConsentText, Presentation};
use wasm_bindgen::{JsCast, JsValue};

/// Parses JSON text; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// JSON text of a value.
pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// A property (undefined when absent or not an object).
pub fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

fn number(value: &JsValue, key: &str) -> Option<f64> {
    get(value, key).as_f64()
}

fn flag(value: &JsValue, key: &str) -> Option<bool> {
    get(value, key).as_bool()
}

/// An object from key/value pairs; `undefined` values are left out by
/// `JSON.stringify`, like serde's `skip_serializing_if`.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// An optional string as JSON (`undefined` leaves the key out).
pub fn opt(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// Reading one of the protocol's types from parsed JSON.
pub trait FromJson: Sized {
    fn from_json(value: &JsValue) -> Option<Self>;
}

/// Writing one of the protocol's types as JSON.
pub trait ToJson {
    fn to_json(&self) -> JsValue;
}

impl FromJson for JsValue {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(value.clone())
    }
}

/// The strings of a JSON array; none for anything else.
fn strings(value: &JsValue) -> Vec<String> {
    if !Array::is_array(value) {
        return Vec::new();
    }
    Array::from(value)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &JsValue) -> Option<Self> {
        if !Array::is_array(value) {
            return None;
        }
        Some(
            Array::from(value)
                .iter()
                .filter_map(|v| T::from_json(&v))
                .collect(),
        )
    }
}

impl FromJson for Author {
    fn from_json(value: &JsValue) -> Option<Self> {
        match text(value, "kind")?.as_str() {
            "visitor" => Some(Author::Visitor),
            "operator" => Some(Author::Operator {
                name: text(value, "name"),
            }),
            "system" => Some(Author::System),
            _ => None,
        }
    }
}

impl FromJson for ChatMessage {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(ChatMessage {
            seq: number(value, "seq")? as u64,
            client_id: text(value, "client_id")?,
            author: Author::from_json(&get(value, "author"))?,
            text: text(value, "text")?,
            at: number(value, "at").unwrap_or(0.0) as i64,
            hidden: flag(value, "hidden").unwrap_or(false),
            kind: text(value, "kind"),
            attachment: Attachment::from_json(&get(value, "attachment")),
            quick_replies: strings(&get(value, "quick_replies")),
        })
    }
}

impl FromJson for AttachmentRules {
    fn from_json(value: &JsValue) -> Option<Self> {
        let kinds = get(value, "kinds");
        let kinds: Vec<FileKind> = Array::from(&kinds)
            .iter()
            .filter_map(|k| k.as_string())
            .filter_map(|k| FileKind::ALL.into_iter().find(|f| f.name() == k))
            .collect();
        Some(AttachmentRules {
            enabled: flag(value, "enabled")?,
            max_bytes: number(value, "max_bytes")? as u32,
            kinds,
        })
    }
}

impl FromJson for Attachment {
    fn from_json(value: &JsValue) -> Option<Self> {
        let kind = text(value, "kind")?;
        Some(Attachment {
            id: text(value, "id")?,
            name: text(value, "name")?,
            kind: FileKind::ALL.into_iter().find(|k| k.name() == kind)?,
            size: number(value, "size").unwrap_or(0.0) as u64,
        })
    }
}

impl FromJson for History {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(History {
            messages: Vec::from_json(&get(value, "messages"))?,
            // Later pages come over the socket, which replays everything
            // after the last message shown.
            more: false,
            seen: number(value, "seen").unwrap_or(0.0) as u64,
        })
    }
}

impl FromJson for Session {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(Session {
            line: text(value, "line")?,
            dialog: text(value, "dialog")?,
            client: text(value, "client")?,
            token: text(value, "token")?,
            resumed: flag(value, "resumed").unwrap_or(false),
            client_key: text(value, "client_key"),
        })
    }
}

impl ToJson for Session {
    fn to_json(&self) -> JsValue {
        object(&[
            ("line", self.line.as_str().into()),
            ("dialog", self.dialog.as_str().into()),
            ("client", self.client.as_str().into()),
            ("token", self.token.as_str().into()),
            ("resumed", self.resumed.into()),
        ])
    }
}

impl FromJson for SendMessage {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(SendMessage {
            client_id: text(value, "client_id")?,
            text: text(value, "text")?,
        })
    }
}

impl ToJson for SendMessage {
    fn to_json(&self) -> JsValue {
        object(&[
            ("client_id", self.client_id.as_str().into()),
            ("text", self.text.as_str().into()),
        ])
    }
}

impl FromJson for OperatorCard {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(OperatorCard {
            name: text(value, "name")?,
            avatar: text(value, "avatar"),
            position: text(value, "position"),
        })
    }
}

impl FromJson for QueueInfo {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(QueueInfo {
            position: number(value, "position")? as usize,
            estimate_ms: number(value, "estimate_ms").map(|ms| ms as i64),
        })
    }
}

impl FromJson for Presentation {
    fn from_json(value: &JsValue) -> Option<Self> {
        match text(value, "mode")?.as_str() {
            "own" => Some(Presentation::Own),
            "hidden" => Some(Presentation::Hidden),
            "replacement" => Some(Presentation::Replacement {
                name: text(value, "name")?,
                avatar: text(value, "avatar"),
                position: text(value, "position"),
            }),
            _ => None,
        }
    }
}

impl FromJson for WidgetConfig {
    fn from_json(value: &JsValue) -> Option<Self> {
        let consent = get(value, "consent");
        Some(WidgetConfig {
            line: text(value, "line")?,
            title: text(value, "title")?,
            greeting: text(value, "greeting").unwrap_or_default(),
            language: text(value, "language").unwrap_or_else(|| "en".into()),
            open: flag(value, "open").unwrap_or(true),
            next_opening: number(value, "next_opening").map(|t| t as i64),
            attachments: AttachmentRules::from_json(&get(value, "attachments")).unwrap_or(
                AttachmentRules {
                    enabled: false,
                    ..AttachmentRules::default()
                },
            ),
            online: flag(value, "online"),
            reply_in_s: number(value, "reply_in_s").map(|s| s as u32),
            hide_when_closed: flag(value, "hide_when_closed").unwrap_or(false),
            contact_request_after_s: number(value, "contact_request_after_s").map(|s| s as u32),
            email_copy: flag(value, "email_copy").unwrap_or(false),
            busy_form: flag(value, "busy_form").unwrap_or(false),
            typing_preview: flag(value, "typing_preview").unwrap_or(false),
            consent: Some(ConsentText {
                version: number(&consent, "version").unwrap_or(0.0) as u32,
                text: text(&consent, "text").unwrap_or_default(),
            })
            .filter(|c| !c.text.is_empty()),
            presentation: Presentation::from_json(&get(value, "presentation"))
                .unwrap_or(Presentation::Own),
        })
    }
}

/// F5: the line's form of each case, from the widget settings' `forms`,
/// in [`conversation::FormKind`]'s order.
pub fn forms(config: &JsValue) -> conversation::Forms {
    let forms = get(config, "forms");
    ["after_greeting", "busy", "offline", "after_close"].map(|key| {
        let c = get(&forms, key);
        if !c.is_object() {
            return None;
        }
        // The edge always sends `fields` as an array of names.
        let list: Array = get(&c, "fields").unchecked_into();
        let mut fields = 0;
        // Bit i stands for the i-th name (`conversation::NAME`…).
        for (i, name) in ["name", "email", "phone"].into_iter().enumerate() {
            if list.includes(&JsValue::from_str(name), 0) {
                fields |= 1 << i;
            }
        }
        Some(conversation::Form {
            text: text(&c, "text").unwrap_or_default(),
            fields,
        })
    })
}

impl FromJson for VisitorEvent {
    fn from_json(value: &JsValue) -> Option<Self> {
        let card = || OperatorCard::from_json(&get(value, "operator"));
        Some(match text(value, "type")?.as_str() {
            "message" => VisitorEvent::Message {
                message: ChatMessage::from_json(&get(value, "message"))?,
            },
            "typing" => VisitorEvent::Typing { operator: card() },
            "queue" => VisitorEvent::Queue {
                info: QueueInfo::from_json(&get(value, "info"))?,
            },
            "operator" => VisitorEvent::Operator {
                card: OperatorCard::from_json(&get(value, "card")),
            },
            "read" => VisitorEvent::Read {
                seq: number(value, "seq")? as u64,
            },
            "pong" => VisitorEvent::Pong,
            "moved" => VisitorEvent::Moved,
            // Welcome, notices (also stored as messages) and errors need
            // nothing from the widget beyond what messages carry.
            _ => return None,
        })
    }
}

/// The browser's IANA time zone (`Intl`), for times shown to the visitor
/// outside the page (the e-mail copy); undefined when the browser has none.
pub fn time_zone() -> JsValue {
    let options =
        js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    get(&options, "timeZone")
}

/// The page the visitor has open (`{url, title, referrer}`), for the
/// operator's visitor panel; undefined outside a browser page.
pub fn page() -> JsValue {
    let Some(w) = web_sys::window() else {
        return JsValue::UNDEFINED;
    };
    let (Ok(url), Some(doc)) = (w.location().href(), w.document()) else {
        return JsValue::UNDEFINED;
    };
    let referrer = doc.referrer();
    object(&[
        ("url", url.into()),
        ("title", doc.title().into()),
        (
            "referrer",
            opt(Some(referrer.as_str()).filter(|r| !r.is_empty())),
        ),
    ])
}
