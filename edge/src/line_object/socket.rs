//! The operators' console sockets: accepted here (hibernating), one tag
//! per operator; every dialog action can arrive as a frame, answered with a
//! confirmation or an error frame naming the console's client id.

use super::LineObject;
use crate::api::{internal, ApiResult};
use crate::calls::CloseSockets;
use crate::calls::{OperatorRead, OperatorSend, OperatorTyping};
use crate::clock;
use crate::rpc;
use openline_core::conversation::Sender;
use openline_core::line::Event;
use openline_core::operator::Presence;
use openline_core::protocol::frames::{OperatorEvent, OperatorFrame};
use openline_core::protocol::PROTOCOL_VERSION;
use openline_core::{ErrorCode, ProtocolError};
use worker::{Response, WebSocket, WebSocketPair};

impl LineObject {
    /// A frame from an operator's console. Everything the console does in
    /// a dialog can go over its socket; the HTTP routes stay for scripts.
    pub(super) async fn operator_frame(
        &self,
        ws: &WebSocket,
        frame: OperatorFrame,
    ) -> std::result::Result<(), ProtocolError> {
        let operator = ws
            .deserialize_attachment::<String>()
            .map_err(internal)?
            .ok_or_else(|| ProtocolError::new(ErrorCode::Unauthorized, "unknown socket"))?;
        // What a console changes over its socket is counted per operator
        // like a session's changes over HTTP (`CHANGE_LIMITER`); pings
        // and read receipts (their own count) are not.
        if !matches!(
            frame,
            OperatorFrame::Ping | OperatorFrame::Hello { .. } | OperatorFrame::Read { .. }
        ) {
            crate::limits::check(
                &self.env,
                "CHANGE_LIMITER",
                format!("op:{operator}"),
                "changes from this console",
            )
            .await?;
        }
        let op = operator.clone();
        let event = match frame {
            OperatorFrame::Ping => {
                let _ = ws.send(&OperatorEvent::Pong);
                self.console_alive(&operator).await;
                return Ok(());
            }
            OperatorFrame::Hello { .. } => return Ok(()),
            OperatorFrame::Typing { dialog } => {
                return self.operator_typing(&operator, &dialog).await
            }
            OperatorFrame::Read { dialog, seq } => {
                return self.operator_read(&operator, &dialog, seq).await
            }
            OperatorFrame::Send {
                dialog,
                client_id,
                text,
                hidden,
            } => {
                let send = OperatorSend {
                    dialog: dialog.clone(),
                    operator,
                    client_id,
                    text,
                    hidden,
                    attachment: None,
                };
                let stored = self.operator_send(send).await?;
                if !stored.created {
                    // A resend: confirm to this console only.
                    let _ = ws.send(&OperatorEvent::Message {
                        dialog,
                        message: stored.message.clone(),
                        hidden: stored.message.hidden,
                    });
                }
                return Ok(());
            }
            OperatorFrame::Presence { presence } => Event::SetPresence {
                operator: op,
                presence,
            },
            OperatorFrame::WorkingDay { started } => Event::SetWorkingDay {
                operator: op,
                started,
            },
            OperatorFrame::Accept { dialog } => Event::Accept {
                dialog,
                operator: op,
            },
            OperatorFrame::Close { dialog } => Event::Close {
                dialog,
                operator: op,
            },
            OperatorFrame::Leave { dialog } => Event::Leave {
                dialog,
                operator: op,
            },
            OperatorFrame::Invite { dialog, operator } => Event::Invite {
                dialog,
                by: op,
                operator,
            },
            OperatorFrame::Transfer {
                dialog,
                to,
                comment,
            } => {
                self.check_transfer_target(&to).await?;
                // Q9: the comment reaches the next operator as a hidden note.
                if let Some(text) = comment.filter(|c| !c.trim().is_empty()) {
                    let client_id =
                        format!("transfer-{}", crate::ids::random_hex(8).map_err(internal)?);
                    self.operator_send(OperatorSend {
                        dialog: dialog.clone(),
                        operator: op.clone(),
                        client_id,
                        text: openline_core::text::message_text(&text)?,
                        hidden: true,
                        attachment: None,
                    })
                    .await?;
                }
                Event::Transfer { dialog, by: op, to }
            }
        };
        let now = clock::core_now(&self.env);
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        self.apply(fx).await;
        Ok(())
    }

    pub(super) async fn accept_operator_socket(
        &self,
        operator: &str,
        session: Option<&str>,
        watcher: bool,
    ) -> ApiResult {
        let pair = WebSocketPair::new().map_err(internal)?;
        // `watch`: a supervisor's or administrator's socket; `queue:ID`: an
        // operator's, who hears of the line's dialogs while in its queue.
        let audience = if watcher {
            "watch".to_owned()
        } else {
            format!("queue:{operator}")
        };
        let mut tags = vec![format!("op:{operator}"), audience];
        if let Some(hash) = session {
            tags.push(format!("session:{hash}"));
        }
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.state.accept_websocket_with_tags(&pair.server, &tags);
        pair.server
            .serialize_attachment(operator)
            .map_err(internal)?;
        let _ = pair.server.send(&OperatorEvent::Welcome {
            protocol: PROTOCOL_VERSION,
            operator: operator.to_owned(),
        });
        // Being in the console means being online (Q4, the core's rule).
        self.console_alive(operator).await;
        Response::from_websocket(pair.client).map_err(internal)
    }

    /// A console connected or pinged: its operator is there until the
    /// heartbeat window ends (Q7: a console that goes silent without
    /// closing counts as gone then). The window is real time, whatever the
    /// dev time scale: it measures the network, not the product's clocks.
    async fn console_alive(&self, operator: &str) {
        let now = clock::core_now(&self.env);
        let until = now + clock::heartbeat_ms(&self.env) * clock::scale(&self.env);
        let op = operator.to_owned();
        let fx = self
            .step(|line| match line.operator(&op) {
                Some(_) => Ok(line.handle(
                    now,
                    Event::ConsoleAlive {
                        operator: op.clone(),
                        until,
                    },
                )?),
                None => Ok(Vec::new()),
            })
            .await;
        if let Ok(fx) = fx {
            self.apply(fx).await;
        }
    }

    /// Closes the sockets of an account or of one session (see
    /// [`CloseSockets`]); an operator left with none is offline (Q4).
    pub(super) async fn close_sockets(&self, which: CloseSockets) {
        let tag = match (&which.operator, &which.session) {
            (Some(op), _) => format!("op:{op}"),
            (None, Some(hash)) => format!("session:{hash}"),
            (None, None) => return,
        };
        let sockets = self.state.get_websockets_with_tag(&tag);
        for ws in &sockets {
            let _ = ws.close(Some(4001), Some("session ended"));
        }
        if let Some(ws) = sockets.first() {
            self.socket_gone_with(ws, &sockets, Gone::Ended).await;
        }
    }

    /// Presence comes from live consoles (Q4): when this object starts
    /// (first request or alarm after a restart of the runtime), an operator
    /// marked present whose every socket is gone is offline, so offers never
    /// wait on consoles that died with the runtime. Hibernated sockets
    /// survive an eviction and still count.
    pub(super) async fn reconcile_presence(&self) {
        if self.presence_checked.replace(true) || self.load().is_err() {
            return;
        }
        let gone: Vec<String> = {
            let guard = self.line.borrow();
            let Some((_, line)) = guard.as_ref() else {
                return;
            };
            line.operators()
                .filter(|o| o.presence != Presence::Offline)
                .filter(|o| {
                    self.state
                        .get_websockets_with_tag(&format!("op:{}", o.id))
                        .is_empty()
                })
                .map(|o| o.id.clone())
                .collect()
        };
        for operator in gone {
            let now = clock::core_now(&self.env);
            let event = Event::SetPresence {
                operator,
                presence: Presence::Offline,
            };
            if let Ok(fx) = self.step(|line| Ok(line.handle(now, event)?)).await {
                self.apply(fx).await;
            }
        }
    }

    pub(super) async fn socket_gone(&self, ws: &WebSocket) {
        self.socket_gone_with(ws, std::slice::from_ref(ws), Gone::Closed)
            .await;
    }

    /// After `gone` closed: an operator with no other socket is offline,
    /// at once when their session ended, after the core's grace period
    /// when the console just went away (a reload or a network drop).
    async fn socket_gone_with(&self, ws: &WebSocket, gone: &[WebSocket], how: Gone) {
        let Ok(Some(operator)) = ws.deserialize_attachment::<String>() else {
            return;
        };
        let tag = format!("op:{operator}");
        let still_open = self
            .state
            .get_websockets_with_tag(&tag)
            .iter()
            .any(|s| !gone.iter().any(|g| s.as_ref().loose_eq(g.as_ref())));
        if still_open {
            return;
        }
        let now = clock::core_now(&self.env);
        let fx = self
            .step(|line| {
                if line.operator(&operator).is_none() {
                    return Ok(Vec::new());
                }
                let event = match how {
                    Gone::Ended => Event::SetPresence {
                        operator: operator.clone(),
                        presence: Presence::Offline,
                    },
                    Gone::Closed => Event::ConsoleClosed {
                        operator: operator.clone(),
                    },
                };
                Ok(line.handle(now, event)?)
            })
            .await;
        if let Ok(fx) = fx {
            self.apply(fx).await;
        }
    }

    /// An operator types in a dialog they are in: the visitor sees an
    /// indicator (never the text), with the operator as O1 presents them.
    pub(super) async fn operator_typing(
        &self,
        operator: &str,
        dialog: &str,
    ) -> std::result::Result<(), ProtocolError> {
        self.load()?;
        let card = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let d = line
                .dialog(dialog)
                .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such dialog"))?;
            if !d.involves(operator) {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "you are not in this dialog",
                ));
            }
            line.operator(operator)
                .and_then(|o| openline_core::operator::present(o, &line.settings().presentation))
        };
        let stub = rpc::dialog_stub(&self.env, dialog)?;
        rpc::invoke(&stub, &OperatorTyping(card)).await?;
        Ok(())
    }
}

impl LineObject {
    /// Issue 11.3: an operator read a dialog up to `seq`; only one in the
    /// dialog (the core's rule) tells its client, counted per operator
    /// like their messages.
    pub(super) async fn operator_read(
        &self,
        operator: &str,
        dialog: &str,
        seq: u64,
    ) -> std::result::Result<(), ProtocolError> {
        self.load()?;
        let (conv, _) = self.conversation(dialog)?;
        conv.deliver_read(&Sender::Operator(operator.to_owned()), seq)
            .map_err(|e| ProtocolError::new(ErrorCode::Forbidden, e.to_string()))?;
        crate::limits::check(
            &self.env,
            "MESSAGE_LIMITER",
            format!("read:{operator}"),
            "read receipts",
        )
        .await?;
        let stub = rpc::dialog_stub(&self.env, dialog)?;
        rpc::invoke(&stub, &OperatorRead { seq }).await?;
        Ok(())
    }
}

/// How an operator's last console went away.
#[derive(Clone, Copy)]
enum Gone {
    /// Their session ended (logout, dismissal): offline at once.
    Ended,
    /// The socket closed on its own: the core's grace period applies.
    Closed,
}
