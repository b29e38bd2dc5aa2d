//! Reading the frames browsers send (`VisitorFrame`, `OperatorFrame`) the
//! cheap way: every field in one pass into a flat record, then the variant
//! its `type` names, built from the fields it needs. It reads exactly the
//! JSON the derived `Deserialize` reads (the tests check both agree), but
//! serde's internally tagged enums first buffer the whole frame in a
//! generic tree and compile every variant a second time for it — 39 KB of
//! the edge's wasm for these two enums.

use crate::line::TransferTarget;
use crate::operator::Presence;
use crate::protocol::frames::{OperatorFrame, VisitorFrame};
use serde::Deserialize;

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
            "ping" => VisitorFrame::Ping,
            other => return Err(unknown(other, "`hello`, `send`, `typing`, `rate`, `ping`")),
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
            "ping" => OperatorFrame::Ping,
            other => {
                return Err(unknown(
                    other,
                    "`hello`, `presence`, `working_day`, `accept`, `send`, `typing`, `close`, `transfer`, `invite`, `leave`, `ping`",
                ))
            }
        })
    }
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
        ] {
            assert!(serde_json::from_str::<VisitorFrame>(raw).is_err(), "{raw}");
            assert!(VisitorFrame::parse(raw).is_err(), "{raw}");
        }
    }
}
