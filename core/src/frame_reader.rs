//! Reading the frames browsers send (`VisitorFrame`, `OperatorFrame`) the
//! cheap way: every field in one pass into a flat record, then the variant
//! its `type` names, built from the fields it needs. It reads exactly the
//! JSON the derived `Deserialize` reads (the tests check both agree), but
//! serde's internally tagged enums first buffer the whole frame in a
//! generic tree and compile every variant a second time for it — 39 KB of
//! the edge's wasm for these two enums.
//!
//! The line machine's `Event`, which the worker and the dialogs' objects
//! send the line externally tagged (`{"accept": {"dialog": …}}`), is read
//! the same way: the one key, its fields in one flat record — serde's
//! derive compiled a map and a sequence reader for each of its 20
//! variants (32 KB of the edge).

use crate::line::{Event, TransferTarget};
use crate::operator::{Operator, Presence};
use crate::protocol::frames::{OperatorFrame, VisitorFrame};
use crate::Millis;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Every field any frame has; which are needed depends on `type`.
#[derive(Deserialize)]
struct Fields {
    #[serde(rename = "type")]
    kind: String,
    protocol: Option<u32>,
    after: Option<u64>,
    client_id: Option<String>,
    text: Option<String>,
    draft: Option<String>,
    score: Option<u8>,
    comment: Option<String>,
    presence: Option<Presence>,
    started: Option<bool>,
    dialog: Option<String>,
    hidden: Option<bool>,
    to: Option<TransferTarget>,
    operator: Option<String>,
    seq: Option<u64>,
}

/// A required field of the frame, or serde's own words for its absence.
fn need<T>(v: Option<T>, name: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("missing field `{name}`"))
}

fn unknown(kind: &str, expected: &str) -> String {
    format!("unknown variant `{kind}`, expected one of {expected}")
}

fn fields(raw: &str) -> Result<Fields, String> {
    serde_json::from_str(raw).map_err(|e| e.to_string())
}

impl VisitorFrame {
    /// Reads a frame from the widget (see the module's note).
    pub fn parse(raw: &str) -> Result<VisitorFrame, String> {
        let f = fields(raw)?;
        Ok(match f.kind.as_str() {
            "hello" => VisitorFrame::Hello {
                protocol: need(f.protocol, "protocol")?,
                after: need(f.after, "after")?,
            },
            "send" => VisitorFrame::Send {
                client_id: need(f.client_id, "client_id")?,
                text: need(f.text, "text")?,
            },
            "typing" => VisitorFrame::Typing {
                draft: need(f.draft, "draft")?,
            },
            "rate" => VisitorFrame::Rate {
                score: need(f.score, "score")?,
                comment: f.comment,
            },
            "read" => VisitorFrame::Read {
                seq: need(f.seq, "seq")?,
            },
            "ping" => VisitorFrame::Ping,
            other => {
                return Err(unknown(
                    other,
                    "`hello`, `send`, `typing`, `rate`, `read`, `ping`",
                ))
            }
        })
    }
}

impl OperatorFrame {
    /// Reads a frame from the console (see the module's note).
    pub fn parse(raw: &str) -> Result<OperatorFrame, String> {
        let f = fields(raw)?;
        let dialog = || need(f.dialog.clone(), "dialog");
        Ok(match f.kind.as_str() {
            "hello" => OperatorFrame::Hello {
                protocol: need(f.protocol, "protocol")?,
                after: need(f.after, "after")?,
            },
            "presence" => OperatorFrame::Presence {
                presence: need(f.presence, "presence")?,
            },
            "working_day" => OperatorFrame::WorkingDay {
                started: need(f.started, "started")?,
            },
            "accept" => OperatorFrame::Accept { dialog: dialog()? },
            "send" => OperatorFrame::Send {
                dialog: dialog()?,
                client_id: need(f.client_id, "client_id")?,
                text: need(f.text, "text")?,
                hidden: need(f.hidden, "hidden")?,
            },
            "typing" => OperatorFrame::Typing { dialog: dialog()? },
            "close" => OperatorFrame::Close { dialog: dialog()? },
            "transfer" => OperatorFrame::Transfer {
                dialog: dialog()?,
                to: need(f.to, "to")?,
                comment: f.comment,
            },
            "invite" => OperatorFrame::Invite {
                dialog: dialog()?,
                operator: need(f.operator, "operator")?,
            },
            "leave" => OperatorFrame::Leave { dialog: dialog()? },
            "read" => OperatorFrame::Read {
                dialog: dialog()?,
                seq: need(f.seq, "seq")?,
            },
            "ping" => OperatorFrame::Ping,
            other => {
                return Err(unknown(
                    other,
                    "`hello`, `presence`, `working_day`, `accept`, `send`, `typing`, `close`, `transfer`, `invite`, `leave`, `read`, `ping`",
                ))
            }
        })
    }
}

/// Every field of any `Event` variant; which are needed depends on the
/// variant's name (the one key of the event's object).
#[derive(Deserialize)]
struct EventFields {
    operator: Option<OperatorField>,
    presence: Option<Presence>,
    until: Option<Millis>,
    started: Option<bool>,
    dismissed: Option<bool>,
    vacations: Option<Vec<(Millis, Millis)>>,
    department: Option<String>,
    members: Option<Vec<String>>,
    from: Option<String>,
    into: Option<String>,
    dialog: Option<String>,
    client: Option<String>,
    hidden: Option<bool>,
    score: Option<u8>,
    comment: Option<String>,
    supervisor: Option<String>,
    by: Option<String>,
    to: Option<TransferTarget>,
    channel: Option<crate::channels::ChannelKind>,
}

/// `operator` is an account id in every variant but `upsert_operator`,
/// where it is the whole operator.
enum OperatorField {
    Id(String),
    Account(Box<Operator>),
}

impl<'de> Deserialize<'de> for OperatorField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OperatorField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an account id or an operator")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OperatorField, E> {
                Ok(OperatorField::Id(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<OperatorField, A::Error> {
                let d = serde::de::value::MapAccessDeserializer::new(map);
                Operator::deserialize(d).map(|o| OperatorField::Account(Box::new(o)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        use serde::de::Error;
        let mut all = BTreeMap::<String, EventFields>::deserialize(d)?;
        let (Some((kind, f)), true) = (all.pop_first(), all.is_empty()) else {
            return Err(D::Error::custom(
                "an event is an object with exactly one key, its kind",
            ));
        };
        event(&kind, f).map_err(D::Error::custom)
    }
}

/// The variant `kind` names, from its fields.
fn event(kind: &str, f: EventFields) -> Result<Event, String> {
    let id = |o: Option<OperatorField>| match o {
        Some(OperatorField::Id(id)) => Ok(id),
        Some(OperatorField::Account(_)) => Err("invalid type: map, expected a string".to_owned()),
        None => Err("missing field `operator`".to_owned()),
    };
    let dialog = || need(f.dialog.clone(), "dialog");
    Ok(match kind {
        "upsert_operator" => match f.operator {
            Some(OperatorField::Account(operator)) => Event::UpsertOperator {
                operator: *operator,
            },
            Some(OperatorField::Id(_)) => {
                return Err("invalid type: string, expected struct Operator".into())
            }
            None => return Err("missing field `operator`".into()),
        },
        "set_presence" => Event::SetPresence {
            presence: need(f.presence, "presence")?,
            operator: id(f.operator)?,
        },
        "console_alive" => Event::ConsoleAlive {
            until: need(f.until, "until")?,
            operator: id(f.operator)?,
        },
        "console_closed" => Event::ConsoleClosed {
            operator: id(f.operator)?,
        },
        "set_working_day" => Event::SetWorkingDay {
            started: need(f.started, "started")?,
            operator: id(f.operator)?,
        },
        "set_dismissed" => Event::SetDismissed {
            dismissed: need(f.dismissed, "dismissed")?,
            operator: id(f.operator)?,
        },
        "set_vacations" => Event::SetVacations {
            vacations: need(f.vacations, "vacations")?,
            operator: id(f.operator)?,
        },
        "set_department" => Event::SetDepartment {
            department: need(f.department, "department")?,
            members: need(f.members, "members")?,
        },
        "merge_client" => Event::MergeClient {
            from: need(f.from, "from")?,
            into: need(f.into, "into")?,
        },
        "dialog_opened" => Event::DialogOpened {
            dialog: dialog()?,
            client: need(f.client, "client")?,
            channel: f.channel.unwrap_or_default(),
        },
        "client_message" => Event::ClientMessage { dialog: dialog()? },
        "bot_handoff" => Event::BotHandoff { dialog: dialog()? },
        "contacts_left" => Event::ContactsLeft { dialog: dialog()? },
        "bot_close" => Event::BotClose {
            dialog: dialog()?,
            by: need(f.by, "by")?,
        },
        "accept" => Event::Accept {
            dialog: dialog()?,
            operator: id(f.operator)?,
        },
        "operator_message" => Event::OperatorMessage {
            dialog: dialog()?,
            hidden: need(f.hidden, "hidden")?,
            operator: id(f.operator)?,
        },
        "close" => Event::Close {
            dialog: dialog()?,
            operator: id(f.operator)?,
        },
        "client_rating" => Event::ClientRating {
            dialog: dialog()?,
            score: need(f.score, "score")?,
            comment: f.comment,
        },
        "supervisor_rating" => Event::SupervisorRating {
            dialog: dialog()?,
            supervisor: need(f.supervisor, "supervisor")?,
            score: need(f.score, "score")?,
            comment: f.comment,
        },
        "transfer" => Event::Transfer {
            dialog: dialog()?,
            by: need(f.by, "by")?,
            to: need(f.to, "to")?,
        },
        "invite" => Event::Invite {
            dialog: dialog()?,
            by: need(f.by, "by")?,
            operator: id(f.operator)?,
        },
        "leave" => Event::Leave {
            dialog: dialog()?,
            operator: id(f.operator)?,
        },
        other => return Err(format!("unknown variant `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operator_frames() -> Vec<OperatorFrame> {
        let d = || "d-1".to_owned();
        vec![
            OperatorFrame::Hello {
                protocol: 1,
                after: 7,
            },
            OperatorFrame::Presence {
                presence: Presence::Away,
            },
            OperatorFrame::WorkingDay { started: true },
            OperatorFrame::Accept { dialog: d() },
            OperatorFrame::Send {
                dialog: d(),
                client_id: "c-1".into(),
                text: "Hi \"there\" ✓".into(),
                hidden: true,
            },
            OperatorFrame::Typing { dialog: d() },
            OperatorFrame::Close { dialog: d() },
            OperatorFrame::Transfer {
                dialog: d(),
                to: TransferTarget::Line("sales".into()),
                comment: Some("VIP".into()),
            },
            OperatorFrame::Transfer {
                dialog: d(),
                to: TransferTarget::Operator("u-boris".into()),
                comment: None,
            },
            OperatorFrame::Invite {
                dialog: d(),
                operator: "u-boris".into(),
            },
            OperatorFrame::Leave { dialog: d() },
            OperatorFrame::Read {
                dialog: d(),
                seq: 7,
            },
            OperatorFrame::Ping,
        ]
    }

    fn visitor_frames() -> Vec<VisitorFrame> {
        vec![
            VisitorFrame::Hello {
                protocol: 1,
                after: 0,
            },
            VisitorFrame::Send {
                client_id: "m1".into(),
                text: "Где мой заказ?".into(),
            },
            VisitorFrame::Typing { draft: "Wh".into() },
            VisitorFrame::Rate {
                score: 5,
                comment: Some("Thanks".into()),
            },
            VisitorFrame::Rate {
                score: 4,
                comment: None,
            },
            VisitorFrame::Read { seq: 3 },
            VisitorFrame::Ping,
        ]
    }

    #[test]
    fn every_frame_reads_back_as_the_derived_serde_writes_and_reads_it() {
        for f in operator_frames() {
            let raw = serde_json::to_string(&f).unwrap();
            assert_eq!(OperatorFrame::parse(&raw).as_ref(), Ok(&f), "{raw}");
            assert_eq!(serde_json::from_str::<OperatorFrame>(&raw).unwrap(), f);
        }
        for f in visitor_frames() {
            let raw = serde_json::to_string(&f).unwrap();
            assert_eq!(VisitorFrame::parse(&raw).as_ref(), Ok(&f), "{raw}");
        }
        // The tag need not come first; unknown fields are ignored.
        let late = r#"{"dialog":"d-1","extra":1,"type":"accept"}"#;
        assert_eq!(
            OperatorFrame::parse(late),
            Ok(OperatorFrame::Accept {
                dialog: "d-1".into()
            })
        );
    }

    #[test]
    fn what_serde_refuses_is_refused_with_the_field_named() {
        for raw in [
            r#"{"type":"send","dialog":"d","client_id":"c","text":"t"}"#,
            r#"{"type":"accept"}"#,
            r#"{"type":"dance"}"#,
            r#"{"dialog":"d"}"#,
            r#"{"type":"presence","presence":"sleeping"}"#,
            r#"{"type":"hello","protocol":-1,"after":0}"#,
            "not json",
        ] {
            assert!(serde_json::from_str::<OperatorFrame>(raw).is_err(), "{raw}");
            assert!(OperatorFrame::parse(raw).is_err(), "{raw}");
        }
        // serde would take an array for the frame's fields in order; a
        // frame is an object, as documented.
        assert!(OperatorFrame::parse(r#"["accept","d"]"#).is_err());
        assert_eq!(
            OperatorFrame::parse(r#"{"type":"send","dialog":"d","client_id":"c","text":"t"}"#),
            Err("missing field `hidden`".into())
        );
        assert!(OperatorFrame::parse(r#"{"type":"dance"}"#)
            .unwrap_err()
            .starts_with("unknown variant `dance`"));
        for raw in [
            r#"{"type":"send","text":"t"}"#,
            r#"{"type":"rate","score":6000}"#,
            r#"{"type":"read","seq":-1}"#,
            r#"{"type":"read"}"#,
        ] {
            assert!(serde_json::from_str::<VisitorFrame>(raw).is_err(), "{raw}");
            assert!(VisitorFrame::parse(raw).is_err(), "{raw}");
        }
    }

    fn events() -> Vec<Event> {
        let d = || "d-1".to_owned();
        let o = || "u-anna".to_owned();
        let mut op = Operator::new("u-anna", "Anna \"A\"");
        op.vacations = vec![(1, 2)];
        op.presence = Presence::Online;
        vec![
            Event::UpsertOperator { operator: op },
            Event::SetPresence {
                operator: o(),
                presence: Presence::Away,
            },
            Event::ConsoleAlive {
                operator: o(),
                until: 1_795_000_000_000,
            },
            Event::ConsoleClosed { operator: o() },
            Event::SetWorkingDay {
                operator: o(),
                started: false,
            },
            Event::SetDismissed {
                operator: o(),
                dismissed: true,
            },
            Event::SetVacations {
                operator: o(),
                vacations: vec![(1, 5), (9, 12)],
            },
            Event::SetDepartment {
                department: "sales".into(),
                members: vec![o(), "u-b".into()],
            },
            Event::MergeClient {
                from: "v1".into(),
                into: "u1".into(),
            },
            Event::DialogOpened {
                dialog: d(),
                client: "v1".into(),
                channel: crate::channels::ChannelKind::Telegram,
            },
            Event::ClientMessage { dialog: d() },
            Event::BotHandoff { dialog: d() },
            Event::ContactsLeft { dialog: d() },
            Event::BotClose {
                dialog: d(),
                by: "bot_1".into(),
            },
            Event::Accept {
                dialog: d(),
                operator: o(),
            },
            Event::OperatorMessage {
                dialog: d(),
                operator: o(),
                hidden: true,
            },
            Event::Close {
                dialog: d(),
                operator: o(),
            },
            Event::ClientRating {
                dialog: d(),
                score: 5,
                comment: Some("Спасибо".into()),
            },
            Event::ClientRating {
                dialog: d(),
                score: 1,
                comment: None,
            },
            Event::SupervisorRating {
                dialog: d(),
                supervisor: "u-s".into(),
                score: 4,
                comment: None,
            },
            Event::Transfer {
                dialog: d(),
                by: o(),
                to: TransferTarget::Line("sales".into()),
            },
            Event::Invite {
                dialog: d(),
                by: o(),
                operator: "u-b".into(),
            },
            Event::Leave {
                dialog: d(),
                operator: o(),
            },
        ]
    }

    #[test]
    fn every_event_reads_back_as_written() {
        for e in events() {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e, "{json}");
            // Spacing and key order are JSON's business, not the reader's.
            let spaced = serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            )
            .unwrap();
            assert_eq!(
                serde_json::from_str::<Event>(&spaced).unwrap(),
                e,
                "{spaced}"
            );
        }
        // A comment may be absent or null, as the derive allowed.
        let e: Event = serde_json::from_str(
            r#"{"client_rating": {"dialog": "d", "score": 3, "comment": null}}"#,
        )
        .unwrap();
        assert_eq!(
            e,
            Event::ClientRating {
                dialog: "d".into(),
                score: 3,
                comment: None
            }
        );
    }

    #[test]
    fn a_bad_event_is_an_error_that_says_why() {
        let err = |raw: &str| serde_json::from_str::<Event>(raw).unwrap_err().to_string();
        assert!(err(r#"{"accept": {"dialog": "d"}}"#).contains("missing field `operator`"));
        assert!(err(r#"{"accept": {"operator": "o"}}"#).contains("missing field `dialog`"));
        assert!(err(r#"{"fly": {"dialog": "d"}}"#).contains("unknown variant `fly`"));
        assert!(err(r#"{}"#).contains("exactly one key"));
        assert!(err(r#"{"close": {"dialog": "d", "operator": "o"}, "leave": {"dialog": "d", "operator": "o"}}"#).contains("exactly one key"));
        assert!(err(r#"{"upsert_operator": {"operator": "u-anna"}}"#)
            .contains("expected struct Operator"));
        let whole = serde_json::to_string(&Operator::new("x", "X")).unwrap();
        let accept = format!(r#"{{"accept": {{"dialog": "d", "operator": {whole}}}}}"#);
        assert!(err(&accept).contains("expected a string"));
        assert!(err(r#"{"client_rating": {"dialog": "d", "score": 300}}"#).contains("300"));
        assert!(err(r#""accept""#).contains("invalid type: string"));
    }
}
