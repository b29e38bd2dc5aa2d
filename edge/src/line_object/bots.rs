//! A chat bot acting in a dialog it holds (B1–B3): its message stored in
//! the dialog under its name (and sent on to the client's messenger), or
//! the hand-over to the operators, or the close — each refused once the
//! bot no longer holds the dialog (an operator took it, its time ran out).

use super::LineObject;
use crate::api::internal;
use crate::calls::{BotAct, BotAction, StoreOperatorMessage};
use crate::clock;
use crate::rpc;
use openline_core::bots;
use openline_core::bots::BotActed;
use openline_core::line::Event;
use openline_core::{text, ErrorCode, ProtocolError};

impl LineObject {
    pub(super) async fn bot_act(&self, ask: BotAct) -> Result<BotActed, ProtocolError> {
        self.load()?;
        {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            line.bot_holds(&ask.dialog, &ask.bot).map_err(|_| {
                ProtocolError::new(
                    ErrorCode::Conflict,
                    "the bot does not hold this dialog (an operator took it, or its time ran out)",
                )
            })?;
        }
        let now = clock::core_now(&self.env);
        let event = match ask.action {
            BotAction::Say(m) => {
                let store = StoreOperatorMessage {
                    operator: bots::author_key(&ask.bot),
                    shown_name: Some(ask.name),
                    client_id: text::client_id(&m.client_id)?,
                    text: text::message_text(&m.text)?,
                    hidden: false,
                    attachment: None,
                    quick_replies: bots::quick_replies(&m.quick_replies)?,
                };
                let stub = rpc::dialog_stub(&self.env, &ask.dialog)?;
                let stored = rpc::invoke(&stub, &store).await?;
                if stored.created {
                    self.spread_stored(&ask.dialog, &store, &stored).await;
                }
                return Ok(BotActed {
                    message: Some(stored.message),
                    created: stored.created,
                });
            }
            BotAction::Handoff => Event::BotHandoff { dialog: ask.dialog },
            BotAction::Close => Event::BotClose {
                dialog: ask.dialog,
                by: ask.bot,
            },
        };
        let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
        self.apply(fx).await;
        Ok(BotActed {
            message: None,
            created: false,
        })
    }
}
