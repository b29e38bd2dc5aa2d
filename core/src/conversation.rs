//! Inside one dialog: who receives which message and typing signal. The
//! rules that keep the client's view clean live here — hidden messages
//! (Q11) and the client's typing preview (W1) reach operators only.

use serde::{Deserialize, Serialize};

/// Who sends something in a dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Sender {
    Client,
    Operator(String),
    System,
}

/// Who receives a frame.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Recipient {
    Client,
    Operator(String),
}

/// What is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivery {
    Message {
        seq: u64,
        hidden: bool,
    },
    /// `preview` carries the draft only for operators watching a client (W1).
    Typing {
        from: Sender,
        preview: Option<String>,
    },
    /// Issue 11.3 read receipts: `by` has seen every message up to `seq`
    /// (the operators' numbering; the dialog translates it for the client).
    Read {
        by: Sender,
        seq: u64,
    },
}

/// The participants of a dialog, as the dialog's object knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Conversation {
    /// Operators in the dialog: the holder, invited colleagues, and
    /// operators it is offered to (so they can read before accepting).
    pub operators: Vec<String>,
    /// W1: whether operators see the client's draft.
    pub typing_preview: bool,
}

/// A refused action inside a dialog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversationError {
    #[error("operator '{0}' is not in this dialog")]
    NotParticipant(String),
    #[error("only operators can write hidden messages")]
    HiddenFromClient,
}

impl Conversation {
    fn operators_except(&self, except: Option<&str>) -> Vec<Recipient> {
        self.operators
            .iter()
            .filter(|o| Some(o.as_str()) != except)
            .map(|o| Recipient::Operator(o.clone()))
            .collect()
    }

    fn check(&self, sender: &Sender) -> Result<(), ConversationError> {
        match sender {
            Sender::Operator(o) if !self.operators.contains(o) => {
                Err(ConversationError::NotParticipant(o.clone()))
            }
            _ => Ok(()),
        }
    }

    /// Recipients of a stored message with this sequence number. The sender
    /// receives it too (their other tabs and the delivery confirmation).
    pub fn deliver_message(
        &self,
        sender: &Sender,
        seq: u64,
        hidden: bool,
    ) -> Result<Vec<(Recipient, Delivery)>, ConversationError> {
        self.check(sender)?;
        if hidden && !matches!(sender, Sender::Operator(_)) {
            return Err(ConversationError::HiddenFromClient);
        }
        let mut to = self.operators_except(None);
        if !hidden {
            to.push(Recipient::Client);
        }
        Ok(to
            .into_iter()
            .map(|r| (r, Delivery::Message { seq, hidden }))
            .collect())
    }

    /// Recipients of a typing signal. The client's draft goes to operators
    /// only, and only when the line enables the preview; operators' typing
    /// reaches the client as a bare indicator.
    pub fn deliver_typing(
        &self,
        sender: &Sender,
        draft: &str,
    ) -> Result<Vec<(Recipient, Delivery)>, ConversationError> {
        self.check(sender)?;
        Ok(match sender {
            Sender::Client => {
                let preview = self.typing_preview.then(|| draft.to_owned());
                self.operators_except(None)
                    .into_iter()
                    .map(|r| {
                        (
                            r,
                            Delivery::Typing {
                                from: Sender::Client,
                                preview: preview.clone(),
                            },
                        )
                    })
                    .collect()
            }
            Sender::Operator(o) => {
                let mut out: Vec<(Recipient, Delivery)> = self
                    .operators_except(Some(o))
                    .into_iter()
                    .map(|r| {
                        (
                            r,
                            Delivery::Typing {
                                from: sender.clone(),
                                preview: None,
                            },
                        )
                    })
                    .collect();
                out.push((
                    Recipient::Client,
                    Delivery::Typing {
                        from: Sender::Operator(o.clone()),
                        preview: None,
                    },
                ));
                out
            }
            Sender::System => Vec::new(),
        })
    }

    /// Recipients of a read receipt ("seen"): what the client read, every
    /// operator in the dialog; what an operator of the dialog read, the
    /// client (operators outside it may watch, but their reading tells the
    /// client nothing).
    pub fn deliver_read(
        &self,
        reader: &Sender,
        seq: u64,
    ) -> Result<Vec<(Recipient, Delivery)>, ConversationError> {
        self.check(reader)?;
        let to = match reader {
            Sender::Client => self.operators_except(None),
            Sender::Operator(_) => vec![Recipient::Client],
            Sender::System => Vec::new(),
        };
        Ok(to
            .into_iter()
            .map(|r| {
                (
                    r,
                    Delivery::Read {
                        by: reader.clone(),
                        seq,
                    },
                )
            })
            .collect())
    }
}

/// The read-mark rule: a side's mark only moves forward, and never past
/// the dialog's last message (`last`); the new mark when `claimed` moves
/// it, else none (nothing to store or tell — a repeated or stale receipt).
pub fn read_advances(stored: u64, claimed: u64, last: u64) -> Option<u64> {
    let mark = claimed.min(last);
    (mark > stored).then_some(mark)
}

/// The turn rule: a client's message starts the client's turn (the line
/// hears of it: K1's answer timer, reopening) unless the last visible
/// message before it was the client's too. `previous` is the author of that
/// message: None when there is none, `Some(None)` when it is unreadable
/// (then the line hears of it, to be safe).
pub fn client_turn_starts(previous: Option<Option<&crate::protocol::Author>>) -> bool {
    !matches!(previous, Some(Some(crate::protocol::Author::Visitor)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Author;

    #[test]
    fn a_run_of_client_messages_is_one_turn() {
        assert!(client_turn_starts(None), "the first message starts a turn");
        assert!(client_turn_starts(Some(Some(&Author::Operator {
            name: None
        }))));
        assert!(client_turn_starts(Some(Some(&Author::System))));
        assert!(!client_turn_starts(Some(Some(&Author::Visitor))));
        assert!(client_turn_starts(Some(None)), "unreadable: tell the line");
    }

    #[test]
    fn read_marks_only_move_forward_and_stop_at_the_last_message() {
        assert_eq!(read_advances(0, 3, 5), Some(3));
        assert_eq!(read_advances(3, 3, 5), None, "a repeat changes nothing");
        assert_eq!(read_advances(4, 2, 5), None, "a stale receipt");
        assert_eq!(read_advances(2, 99, 5), Some(5), "capped at the last");
        assert_eq!(read_advances(5, 99, 5), None);
    }

    #[test]
    fn the_client_reading_tells_the_operators_and_an_operator_reading_the_client() {
        let to = conv().deliver_read(&Sender::Client, 4).unwrap();
        assert_eq!(to.len(), 2);
        assert!(to.iter().all(|(r, d)| matches!(r, Recipient::Operator(_))
            && *d
                == Delivery::Read {
                    by: Sender::Client,
                    seq: 4
                }));
        let to = conv()
            .deliver_read(&Sender::Operator("anna".into()), 4)
            .unwrap();
        assert_eq!(to.len(), 1);
        assert_eq!(to[0].0, Recipient::Client);
        assert_eq!(
            conv().deliver_read(&Sender::Operator("eve".into()), 4),
            Err(ConversationError::NotParticipant("eve".into())),
            "an outsider's reading is refused"
        );
    }

    fn conv() -> Conversation {
        Conversation {
            operators: vec!["anna".into(), "boris".into()],
            typing_preview: true,
        }
    }

    #[test]
    fn a_hidden_message_reaches_operators_and_never_the_client() {
        let to = conv()
            .deliver_message(&Sender::Operator("anna".into()), 3, true)
            .unwrap();
        assert_eq!(to.len(), 2);
        assert!(to.iter().all(|(r, _)| *r != Recipient::Client));
    }

    #[test]
    fn a_client_cannot_send_a_hidden_message_and_outsiders_cannot_write() {
        assert_eq!(
            conv().deliver_message(&Sender::Client, 1, true),
            Err(ConversationError::HiddenFromClient)
        );
        assert!(conv()
            .deliver_message(&Sender::Operator("eve".into()), 1, false)
            .is_err());
    }

    #[test]
    fn the_clients_draft_goes_to_operators_only_and_only_when_enabled() {
        let to = conv()
            .deliver_typing(&Sender::Client, "my order 12")
            .unwrap();
        assert!(to.iter().all(|(r, _)| matches!(r, Recipient::Operator(_))));
        assert!(to.iter().all(
            |(_, d)| matches!(d, Delivery::Typing { preview: Some(p), .. } if p == "my order 12")
        ));
        let mut off = conv();
        off.typing_preview = false;
        let to = off.deliver_typing(&Sender::Client, "secret").unwrap();
        assert!(to
            .iter()
            .all(|(_, d)| matches!(d, Delivery::Typing { preview: None, .. })));
    }

    #[test]
    fn an_operators_typing_reaches_the_client_without_text() {
        let to = conv()
            .deliver_typing(&Sender::Operator("anna".into()), "draft")
            .unwrap();
        assert!(to.contains(&(
            Recipient::Client,
            Delivery::Typing {
                from: Sender::Operator("anna".into()),
                preview: None
            }
        )));
        assert!(!to
            .iter()
            .any(|(r, _)| *r == Recipient::Operator("anna".into())));
    }
}
