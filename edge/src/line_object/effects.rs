//! The message path through the line and the machine's effects applied:
//! an operator's message checked here and stored by its dialog, a visitor's
//! action relayed by their dialog, both shown on the consoles the
//! conversation rules name; offers, notices, ratings and transfers.

use super::LineObject;
use crate::api::internal;
use crate::calls::{
    Ended, LineEvent, ListBots, MoveToLine, OperatorSend, PresentOperator, Relay, StoreNotice,
    StoreOperatorMessage, Stored,
};
use crate::clock;
use crate::rpc;
use crate::sql::run;
use openline_core::channels;
use openline_core::conversation::{Conversation, Delivery, Recipient, Sender};
use openline_core::line::{ClientNotice, DialogState, Effect, Event, Status, TransferTarget};
use openline_core::protocol::frames::OperatorEvent;
use openline_core::protocol::ChatMessage;
use openline_core::replies::LineEntry;
use openline_core::{ErrorCode, ProtocolError};
use worker::{Method, SqlStorageValue as V};

impl LineObject {
    /// A transfer to another line must name an existing line other than
    /// this one — checked before the step, so a refused transfer leaves the
    /// dialog where it was (the step would finish it here).
    pub(super) async fn check_transfer_target(
        &self,
        to: &TransferTarget,
    ) -> std::result::Result<(), ProtocolError> {
        let TransferTarget::Line(target) = to else {
            return Ok(());
        };
        self.load()?;
        let own = self
            .line
            .borrow()
            .as_ref()
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        if *target == own {
            return Err(ProtocolError::invalid_field(
                "to",
                "the dialog is already on this line",
            ));
        }
        let lines: Vec<LineEntry> = rpc::call_json(
            &rpc::stub(&self.env, "ACCOUNTS", "accounts")?,
            Method::Get,
            "/lines",
            None::<&()>,
        )
        .await?;
        if !lines.iter().any(|l| l.id == *target) {
            return Err(ProtocolError::new(
                ErrorCode::NotFound,
                format!("no line '{target}' to transfer to"),
            ));
        }
        Ok(())
    }

    /// An operator's message, one visit here and one at the dialog: the
    /// core allows it (participation, L2, lifecycle) and names the operator
    /// as the client sees them (O1); the dialog stores it and tells the
    /// visitor; the dialog's consoles get it from here.
    /// A message an operator (or a bot) stored goes where it is read: the
    /// client's messenger (never a hidden note), integrations, the
    /// consoles of the dialog.
    pub(super) async fn spread_stored(
        &self,
        dialog: &str,
        store: &StoreOperatorMessage,
        stored: &Stored,
    ) {
        if let (Some(chat), false) = (&stored.channel, store.hidden) {
            // A file goes with the operator's shown name as its caption.
            let text = match &store.attachment {
                Some(_) => store.shown_name.clone().unwrap_or_default(),
                None => {
                    openline_core::channels::outgoing_text(store.shown_name.as_deref(), &store.text)
                }
            };
            let replies = store.quick_replies.clone();
            self.to_channel(
                Some(dialog),
                chat,
                text,
                store.attachment.clone(),
                (replies, false),
            )
            .await;
        }
        self.hook_message(dialog, &stored.message);
        let sender = Sender::Operator(store.operator.clone());
        self.to_consoles(dialog, &sender, &stored.message);
    }

    pub(super) async fn operator_send(
        &self,
        send: OperatorSend,
    ) -> std::result::Result<Stored, ProtocolError> {
        let client_id = openline_core::text::client_id(&send.client_id)?;
        let text = openline_core::text::message_text(&send.text)?;
        let now = clock::core_now(&self.env);
        let event = Event::OperatorMessage {
            dialog: send.dialog.clone(),
            operator: send.operator.clone(),
            hidden: send.hidden,
        };
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        let shown_name = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            line.operator(&send.operator)
                .and_then(|o| openline_core::operator::present(o, &line.settings().presentation))
                .map(|card| card.name)
        };
        let store = StoreOperatorMessage {
            operator: send.operator.clone(),
            shown_name,
            client_id,
            text,
            hidden: send.hidden,
            attachment: send.attachment.clone(),
            quick_replies: Vec::new(),
        };
        let stub = rpc::dialog_stub(&self.env, &send.dialog)?;
        let stored = rpc::invoke(&stub, &store).await;
        // The step's effects (an offer accepted by answering) apply either way.
        self.apply(fx).await;
        let stored = stored?;
        if stored.created {
            self.spread_stored(&send.dialog, &store, &stored).await;
            let due = openline_core::email::offline_reply_due(
                stored.visitor_present,
                send.hidden,
                || self.last_offline_mail(&send.dialog),
                now,
            );
            if due {
                let name = store.shown_name.as_deref();
                if let Err(e) = self
                    .mail_offline_reply(&send.dialog, name, &store.text, now)
                    .await
                {
                    crate::logs::error(
                        "line",
                        "offline_reply",
                        None,
                        Some(&send.dialog),
                        e.code.as_str(),
                    );
                }
            }
        }
        Ok(stored)
    }

    /// A visitor's action relayed by their dialog: the lifecycle event
    /// first, then the message or draft to the consoles of the dialog.
    pub(super) async fn relay(&self, relay: Relay) -> std::result::Result<(), ProtocolError> {
        if let Some(event) = relay.event {
            let now = clock::core_now(&self.env);
            match self.step(|line| Ok(line.handle(now, event)?)).await {
                Ok(fx) => self.apply(fx).await,
                // Stored either way; a finished dialog is the widget's cue.
                Err(e) => crate::logs::error(
                    "line",
                    "relay_event_refused",
                    None,
                    Some(&relay.dialog),
                    e.code.as_str(),
                ),
            }
        }
        if let Some(message) = &relay.message {
            self.bot_hears(&relay.dialog, message);
            self.hook_message(&relay.dialog, message);
            let sender = if message.author == openline_core::protocol::Author::Visitor {
                Sender::Client
            } else {
                Sender::System
            };
            self.to_consoles(&relay.dialog, &sender, message);
        }
        if let Some(seq) = relay.read {
            self.load()?;
            let (conv, _) = self.conversation(&relay.dialog)?;
            let out = conv
                .deliver_read(&Sender::Client, seq)
                .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
            let operators: Vec<String> = out
                .into_iter()
                .filter_map(|(to, _)| match to {
                    Recipient::Operator(op) => Some(op),
                    Recipient::Client => None,
                })
                .collect();
            let event = OperatorEvent::Read {
                dialog: relay.dialog.clone(),
                seq,
            };
            self.send_to(&operators, &event);
        }
        if let Some(draft) = &relay.draft {
            self.load()?;
            let (conv, _) = self.conversation(&relay.dialog)?;
            let out = conv
                .deliver_typing(&Sender::Client, draft)
                .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
            for (to, delivery) in out {
                if let (Recipient::Operator(op), Delivery::Typing { preview, .. }) = (to, delivery)
                {
                    let event = OperatorEvent::Typing {
                        dialog: relay.dialog.clone(),
                        preview,
                    };
                    self.send_to(std::slice::from_ref(&op), &event);
                }
            }
        }
        Ok(())
    }

    /// The dialog's participants as the core defines them (the one rule),
    /// with the line's W1 setting; and the dialog's client.
    pub(super) fn conversation(
        &self,
        dialog: &str,
    ) -> std::result::Result<(Conversation, String), ProtocolError> {
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        let d = line
            .dialog(dialog)
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))?;
        Ok((
            Conversation {
                operators: d.participants(),
                typing_preview: line.settings().widget.typing_preview,
            },
            d.client.clone(),
        ))
    }

    /// Shows a stored message on the consoles the conversation rules name
    /// (hidden messages reach operators only; the sender's other tabs too).
    pub(super) fn to_consoles(&self, dialog: &str, sender: &Sender, message: &ChatMessage) {
        if self.load().is_err() {
            return;
        }
        self.remember_preview(dialog, message);
        if !matches!(sender, Sender::System) {
            self.index_message(dialog, message);
        }
        let Ok((conv, _)) = self.conversation(dialog) else {
            return;
        };
        let targets: Vec<String> = match sender {
            Sender::System => conv.operators.clone(),
            s => match conv.deliver_message(s, message.seq, message.hidden) {
                Ok(t) => t
                    .into_iter()
                    .filter_map(|(r, _)| match r {
                        Recipient::Operator(o) => Some(o),
                        Recipient::Client => None,
                    })
                    .collect(),
                Err(_) => Vec::new(),
            },
        };
        let event = OperatorEvent::Message {
            dialog: dialog.to_owned(),
            message: message.clone(),
            hidden: message.hidden,
        };
        self.send_to(&targets, &event);
    }

    /// Sends one event to the consoles of `operators`, serialised once for
    /// all their sockets.
    pub(super) fn send_to(&self, operators: &[String], event: &OperatorEvent) {
        let Ok(frame) = serde_json::to_string(event) else {
            return;
        };
        for op in operators {
            for ws in self.state.get_websockets_with_tag(&format!("op:{op}")) {
                let _ = ws.send_with_str(&frame);
            }
        }
    }

    /// Sends one event to every console that may list the line's dialogs:
    /// supervisors' and administrators' sockets, and those of operators
    /// the line's queue holds now (one taken out of it hears nothing more,
    /// though their socket lasts until it reconnects). Serialised once.
    pub(super) fn to_every_console(&self, event: &OperatorEvent) {
        let Ok(frame) = serde_json::to_string(event) else {
            return;
        };
        let members: Vec<String> = match self.line.borrow().as_ref() {
            Some((_, line)) => line
                .operators()
                .filter(|o| line.is_member(&o.id))
                .map(|o| format!("queue:{}", o.id))
                .collect(),
            None => Vec::new(),
        };
        let watchers = std::iter::once("watch".to_owned());
        for tag in watchers.chain(members) {
            for ws in self.state.get_websockets_with_tag(&tag) {
                let _ = ws.send_with_str(&frame);
            }
        }
    }

    /// Applies the machine's effects: consoles, dialogs, other lines, records.
    /// Boxed: its body is compiled once, not into every request that
    /// applies a step (issue 9's size).
    pub(super) fn apply(
        &self,
        effects: Vec<Effect>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
        Box::pin(async move {
            self.hooks_of(&effects);
            for effect in effects {
                if let Err(e) = self.apply_one(effect).await {
                    crate::logs::error("line", "effect_failed", None, None, &e.to_string());
                }
            }
        })
    }

    pub(super) async fn apply_one(&self, effect: Effect) -> std::result::Result<(), ProtocolError> {
        match effect {
            // Who takes part in a dialog is the line's record alone (the
            // core's `Dialog::involves`): no copy elsewhere to keep in step.
            Effect::Offer { dialog, operator } => {
                self.send_to(&[operator], &OperatorEvent::Offer { dialog });
            }
            Effect::Revoke { dialog, operator } => {
                self.send_to(&[operator], &OperatorEvent::Revoke { dialog });
            }
            // Every console on the line lists every dialog (supervisors
            // and administrators outside the queue included): they all hear
            // of a change at once. These events carry no conversation text.
            Effect::Assigned { dialog, operator } => {
                // O1: the visitor learns who answers (name, avatar, position).
                let card = {
                    let guard = self.line.borrow();
                    guard.as_ref().and_then(|(_, line)| {
                        line.operator(&operator).and_then(|o| {
                            openline_core::operator::present(o, &line.settings().presentation)
                        })
                    })
                };
                // Best effort: the assignment happened whether or not the
                // visitor's side hears of it now (their next message shows
                // the name; a reconnect reads the card again).
                let stub = rpc::dialog_stub(&self.env, &dialog)?;
                if let Err(e) = rpc::invoke_done(&stub, &PresentOperator(card)).await {
                    crate::logs::error(
                        "line",
                        "operator_card_failed",
                        None,
                        Some(&dialog),
                        &e.message,
                    );
                }
                self.to_every_console(&OperatorEvent::Assigned { dialog, operator });
            }
            Effect::Invited { .. } | Effect::Left { .. } => {}
            Effect::StatusChanged { dialog, status } => {
                self.to_every_console(&OperatorEvent::Status {
                    dialog: dialog.clone(),
                    status,
                });
                if status == DialogState::Finished {
                    let line = self.line_id();
                    let stub = rpc::dialog_stub(&self.env, &dialog)?;
                    rpc::invoke(&stub, &Ended { line, next: None }).await?;
                }
            }
            Effect::ToClient { dialog, notice } => {
                let asks_rating = notice == ClientNotice::RatingRequest;
                let stub = rpc::dialog_stub(&self.env, &dialog)?;
                let stored = rpc::invoke(&stub, &StoreNotice(notice)).await?;
                if stored.created {
                    self.to_consoles(&dialog, &Sender::System, &stored.message);
                    // L4: the line's words (a closing text) reach the chat
                    // too, and the rating request as score buttons.
                    if let Some(chat) = &stored.channel {
                        let (text, buttons) = match asks_rating {
                            true => channels::rating_request(&self.language()),
                            false => (stored.message.text.clone(), Vec::new()),
                        };
                        if !text.is_empty() {
                            self.to_channel(Some(&dialog), chat, text, None, (buttons, false))
                                .await;
                        }
                    }
                }
            }
            Effect::Notify { to, notice } => {
                run(
                    &self.sql(),
                    "INSERT INTO notifications (recipients, notice, at) VALUES (?, ?, ?)",
                    vec![
                        V::from(serde_json::to_string(&to).map_err(internal)?),
                        V::from(serde_json::to_string(&notice).map_err(internal)?),
                        V::from(clock::real_now()),
                    ],
                )?;
                self.send_to(
                    &to,
                    &OperatorEvent::Notify {
                        notice: notice.clone(),
                    },
                );
                if notice.mailed() {
                    self.mail_notice(&to, &notice).await?;
                }
            }
            // One rating per dialog and rater: a new one replaces the last.
            Effect::Rated { dialog, by, rating } => {
                let sql = self.sql();
                run(
                    &sql,
                    "DELETE FROM ratings WHERE dialog = ? AND by IS ?",
                    vec![V::from(dialog.as_str()), V::from(by.clone())],
                )?;
                run(
                    &sql,
                    "INSERT INTO ratings (dialog, by, score, comment, at) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        V::from(dialog),
                        V::from(by),
                        V::from(rating.score as i64),
                        V::from(rating.comment),
                        V::from(clock::real_now()),
                    ],
                )?
            }
            Effect::TransferToLine { dialog, line } => {
                let (client, channel) = {
                    let guard = self.line.borrow();
                    guard
                        .as_ref()
                        .and_then(|(_, l)| l.dialog(&dialog).map(|d| (d.client.clone(), d.channel)))
                        .unwrap_or_default()
                };
                let target = rpc::stub(&self.env, "LINES", &line)?;
                let event = Event::DialogOpened {
                    dialog: dialog.clone(),
                    client,
                    channel,
                };
                rpc::invoke_done(&target, &LineEvent(event)).await?;
                let stub = rpc::dialog_stub(&self.env, &dialog)?;
                rpc::invoke(&stub, &MoveToLine { line }).await?;
            }
            Effect::ClientsMerged { from, into } => self.merge_records(&from, &into)?,
            // B3: while the bot holds the dialog the widget shows it as it
            // would an operator — its name and picture. Best effort, as
            // for an operator: its messages carry its name either way.
            Effect::BotTakes { dialog, bot } => {
                let outbox = rpc::stub(&self.env, "OUTBOX", "outbox")?;
                let bots = rpc::invoke(&outbox, &ListBots {}).await?;
                // Handed over meanwhile: the operator's card is the one.
                let still = self.line.borrow().as_ref().is_some_and(|(_, l)| {
                    l.dialog(&dialog)
                        .is_some_and(|d| d.status == (Status::WithBot { bot: bot.clone() }))
                });
                if !still {
                    return Ok(());
                }
                let card = bots.bots.iter().find(|b| b.id == bot).map(|b| b.card());
                let stub = rpc::dialog_stub(&self.env, &dialog)?;
                if let Err(e) = rpc::invoke_done(&stub, &PresentOperator(card)).await {
                    crate::logs::error("line", "bot_card_failed", None, Some(&dialog), &e.message);
                }
            }
            Effect::Opened { .. } | Effect::KpiMissed { .. } => {}
        }
        Ok(())
    }

    /// This line's id (empty before it is loaded).
    pub(super) fn line_id(&self) -> String {
        self.line
            .borrow()
            .as_ref()
            .map(|(id, _)| id.clone())
            .unwrap_or_default()
    }

    /// The line's language (L6), for what the line itself says.
    fn language(&self) -> String {
        self.line
            .borrow()
            .as_ref()
            .map(|(_, line)| line.settings().language.clone())
            .unwrap_or_default()
    }
}
