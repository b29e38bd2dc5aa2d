//! What the line publishes for webhooks (issue 13). Whatever a request does
//! (a step's effects, a stored message, contacts, a lead) is gathered while
//! it runs and sent to the outbox once at its end, and only when some
//! active subscription hears that kind on this line: the kinds are asked
//! of the outbox once per wake and forgotten when subscriptions change.

use super::LineObject;
use crate::calls::{HookKindsOf, Publish, Published};
use crate::clock;
use crate::rpc;
use openline_core::line::Effect;
use openline_core::protocol::ChatMessage;
use openline_core::webhooks::{self, HookData, HookKind};

impl LineObject {
    /// Notes what a step did, for the end of the request.
    pub(super) fn hooks_of(&self, effects: &[Effect]) {
        let (found, bots) = match self.line.borrow().as_ref() {
            Some((_, line)) => (
                webhooks::from_effects(line, effects),
                openline_core::bots::taken(line, effects),
            ),
            None => return,
        };
        self.hooks.borrow_mut().extend(found);
        self.bot_hooks.borrow_mut().extend(bots);
    }

    /// B3: the client's message, for the bot holding the dialog.
    pub(super) fn bot_hears(&self, dialog: &str, message: &openline_core::protocol::ChatMessage) {
        let heard = match self.line.borrow().as_ref() {
            Some((_, line)) => openline_core::bots::hears(line, dialog, message),
            None => return,
        };
        self.bot_hooks.borrow_mut().extend(heard);
    }

    /// Notes one event for the end of the request.
    pub(super) fn hook(&self, event: Option<(HookKind, HookData)>) {
        self.hooks.borrow_mut().extend(event);
    }

    /// The dialog's client, for an event's data.
    /// `message.created` for a stored message (its dialog's client and
    /// channel from the line), unless the client does not see it.
    pub(super) fn hook_message(&self, dialog: &str, message: &ChatMessage) {
        let event = {
            let guard = self.line.borrow();
            guard
                .as_ref()
                .and_then(|(_, line)| webhooks::message(line, dialog, message))
        };
        self.hook(event);
    }

    /// The client's latest dialog on this line, for an event's data.
    pub(super) fn last_dialog_of(&self, client: &str) -> Option<String> {
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref()?;
        line.dialog_for_client(client).ok().map(|d| d.id.clone())
    }

    /// Sends what was gathered to the outbox, if anyone listens; a failure
    /// is logged, never the request's.
    pub(super) async fn publish_hooks(&self) {
        let gathered = std::mem::take(&mut *self.hooks.borrow_mut());
        let for_bots = std::mem::take(&mut *self.bot_hooks.borrow_mut());
        if gathered.is_empty() && for_bots.is_empty() {
            return;
        }
        let line = self.line_id();
        if let Err(e) = self.publish_now(line, gathered, for_bots).await {
            crate::logs::error("line", "publish_failed", None, None, &e.message);
        }
    }

    async fn publish_now(
        &self,
        line: String,
        gathered: Vec<(HookKind, HookData)>,
        for_bots: Vec<(String, HookKind, HookData)>,
    ) -> Result<(), openline_core::ProtocolError> {
        let outbox = rpc::stub(&self.env, "OUTBOX", "outbox")?;
        let mut events = Vec::new();
        for (bot, kind, data) in for_bots {
            let data = serde_json::to_string(&data).map_err(crate::api::internal)?;
            events.push(Published {
                kind,
                data,
                bot: Some(bot),
            });
        }
        let known = self.hook_kinds.borrow().clone();
        let kinds = match known {
            Some(k) => k,
            None if gathered.is_empty() => Vec::new(),
            None => {
                let ask = HookKindsOf { line: line.clone() };
                let k = rpc::invoke(&outbox, &ask).await?.kinds;
                *self.hook_kinds.borrow_mut() = Some(k.clone());
                k
            }
        };
        for (kind, data) in gathered {
            if kinds.contains(&kind) {
                let data = serde_json::to_string(&data).map_err(crate::api::internal)?;
                events.push(Published {
                    kind,
                    data,
                    bot: None,
                });
            }
        }
        if events.is_empty() {
            return Ok(());
        }
        let publish = Publish {
            line,
            at: clock::real_now(),
            events,
        };
        rpc::invoke_done(&outbox, &publish).await
    }

    /// The subscriptions changed: ask the outbox again next time.
    pub(super) fn forget_hook_kinds(&self) {
        *self.hook_kinds.borrow_mut() = None;
    }
}
