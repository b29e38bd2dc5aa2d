//! The line's channels (L4, N2): a Telegram bot's token and webhook
//! secret (write-only), the updates already taken, answers sent to the
//! client's chat through the outbox, and what could not be delivered
//! shown to the operators.

use super::{ContactsLeft, LineObject};
use crate::api::internal;
use crate::calls::{
    BotToken, ChannelFailed, ChannelInbound, ChannelSend, ConnectChannel, Done, InboundTaken,
    StoreChannelNote,
};
use crate::clock;
use crate::ids::constant_time_eq;
use crate::rpc;
use crate::sql::{rows, run, written};
use openline_core::channels::{
    self, client_of, start_reply, ChannelInfo, ChannelKind, ChannelList, TelegramChat,
};
use openline_core::consent::Contacts;
use openline_core::conversation::Sender;
use openline_core::line::{Event, Status};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::SqlStorageValue as V;

type R<T> = Result<T, ProtocolError>;

/// Updates are remembered this long (Telegram retries for about a day).
const UPDATES_KEPT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
struct ChannelRow {
    kind: String,
    token: String,
    secret: String,
    name: Option<String>,
    connected_at: i64,
    last_error: Option<String>,
}

impl ChannelRow {
    fn info(self) -> Option<ChannelInfo> {
        let kind = match self.kind.as_str() {
            "telegram" => ChannelKind::Telegram,
            _ => return None,
        };
        Some(ChannelInfo {
            kind,
            name: self.name,
            connected_at: self.connected_at,
            last_error: self.last_error,
        })
    }
}

fn kind_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Widget => "widget",
        ChannelKind::Telegram => "telegram",
    }
}

fn no_channel() -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, "no such channel on this line")
}

impl LineObject {
    fn channel(&self, kind: ChannelKind) -> R<Option<ChannelRow>> {
        Ok(rows::<ChannelRow>(
            &self.sql(),
            "SELECT kind, token, secret, name, connected_at, last_error FROM channels WHERE kind = ?",
            vec![V::from(kind_name(kind))],
        )?
        .into_iter()
        .next())
    }

    pub(super) fn connect_channel(&self, ask: ConnectChannel) -> R<ChannelInfo> {
        run(
            &self.sql(),
            "INSERT OR REPLACE INTO channels (kind, token, secret, name, connected_at, last_error) VALUES (?, ?, ?, ?, ?, NULL)",
            vec![
                V::from(kind_name(ask.kind)),
                V::from(ask.token),
                V::from(ask.secret),
                V::from(ask.name),
                V::from(clock::real_now()),
            ],
        )?;
        self.channel(ask.kind)?
            .and_then(ChannelRow::info)
            .ok_or_else(|| internal("the channel vanished"))
    }

    pub(super) fn list_channels(&self) -> R<ChannelList> {
        let all: Vec<ChannelRow> = rows(
            &self.sql(),
            "SELECT kind, token, secret, name, connected_at, last_error FROM channels ORDER BY kind",
            vec![],
        )?;
        Ok(ChannelList {
            channels: all.into_iter().filter_map(ChannelRow::info).collect(),
        })
    }

    /// The channel's token, for the worker's check (N2).
    pub(super) fn channel_token(&self, kind: ChannelKind) -> R<BotToken> {
        let row = self.channel(kind)?.ok_or_else(no_channel)?;
        Ok(BotToken { token: row.token })
    }

    pub(super) fn disconnect_channel(&self, kind: ChannelKind) -> R<BotToken> {
        let row = self.channel(kind)?.ok_or_else(no_channel)?;
        run(
            &self.sql(),
            "DELETE FROM channels WHERE kind = ?",
            vec![V::from(row.kind)],
        )?;
        Ok(BotToken { token: row.token })
    }

    /// An update from Telegram: refused without the channel's secret;
    /// taken once; `/start` greets; a client's words go to their open
    /// dialog (or a new one, which the worker opens).
    pub(super) async fn channel_inbound(&self, ask: ChannelInbound) -> R<InboundTaken> {
        let row = self
            .channel(ChannelKind::Telegram)?
            .ok_or_else(channels::unauthorized)?;
        if !constant_time_eq(&row.secret, &ask.secret) {
            return Err(channels::unauthorized());
        }
        let sql = self.sql();
        let now = clock::real_now();
        run(
            &sql,
            "DELETE FROM channel_updates WHERE at < ?",
            vec![V::from(now - UPDATES_KEPT_MS)],
        )?;
        let fresh = written(
            &sql,
            "INSERT OR IGNORE INTO channel_updates (update_id, at) VALUES (?, ?)",
            vec![V::from(ask.update_id), V::from(now)],
        )? > 0;
        if !fresh {
            return Ok(InboundTaken {
                done: true,
                dialog: None,
            });
        }
        if ask.start {
            let phone_known = self.contacts_of(&client_of(ask.chat_id))?.phone.is_some();
            let reply = {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                start_reply(line.settings(), phone_known)
            };
            if let Some(reply) = reply {
                let chat = TelegramChat {
                    chat_id: ask.chat_id,
                };
                let ask_phone = reply.ask_phone.is_some();
                let button = reply.ask_phone.into_iter().collect();
                self.to_channel(None, &chat, reply.text, None, (button, ask_phone))
                    .await;
            }
            return Ok(InboundTaken {
                done: false,
                dialog: None,
            });
        }
        let Some(client) = ask.client else {
            return Ok(InboundTaken {
                done: false,
                dialog: None,
            });
        };
        // The client's card: their Telegram name, unless one is stored.
        if let Some(name) = ask.name {
            run(
                &sql,
                "INSERT INTO client_contacts (client, name, updated_at) VALUES (?, ?, ?)
                 ON CONFLICT(client) DO UPDATE SET name = COALESCE(name, excluded.name)",
                vec![V::from(client.as_str()), V::from(name), V::from(now)],
            )?;
        }
        self.load()?;
        let (dialog, rate, consent_asked) = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let latest = line.dialog_for_client(&client).ok();
            let open = latest.filter(|d| !matches!(d.status, Status::Finished { .. }));
            // The dialog a score's button may rate: asked, or closed
            // already (the core takes a late rating as the widget's).
            let rate = latest
                .filter(|d| {
                    matches!(
                        d.status,
                        Status::AwaitingRating { .. } | Status::Finished { .. }
                    )
                })
                .map(|d| (d.id.clone(), d.client_rating.is_none()));
            (
                open.map(|d| d.id.clone()),
                rate,
                line.settings().consent.is_some(),
            )
        };
        // The phone the client shared as theirs, as contacts left (the
        // webhook, an automatic lead; C1 proposes merges by it) — unless
        // the line asks consent (A1), which a chat cannot show.
        if let Some(phone) = ask.phone.filter(|_| !consent_asked) {
            let left = ContactsLeft {
                client: client.clone(),
                contacts: Contacts {
                    phone: Some(phone),
                    ..Contacts::default()
                },
                consent: None,
                form: false,
            };
            self.contacts_left(left).await?;
        }
        // R1 through the chat: a score's button rates the client's dialog
        // once, instead of being a message (or opening a new dialog).
        if let (Some(score), Some((d, unrated))) = (ask.rating, rate) {
            if unrated {
                let now = clock::core_now(&self.env);
                let event = Event::ClientRating {
                    dialog: d.clone(),
                    score,
                    comment: None,
                };
                match self.step(|line| Ok(line.handle(now, event)?)).await {
                    Ok(fx) => self.apply(fx).await,
                    Err(e) => crate::logs::error(
                        "line",
                        "channel_rating_failed",
                        None,
                        Some(&d),
                        &e.message,
                    ),
                }
            }
            return Ok(InboundTaken {
                done: true,
                dialog: None,
            });
        }
        Ok(InboundTaken {
            done: false,
            dialog,
        })
    }

    /// Sends a text to the client's chat through the outbox (which retries
    /// and honours Telegram's `retry_after`); a failure to queue is logged.
    /// The keyboard: quick replies, and whether its button asks for the
    /// client's phone instead.
    pub(super) async fn to_channel(
        &self,
        dialog: Option<&str>,
        chat: &TelegramChat,
        text: String,
        file: Option<openline_core::attachments::Attachment>,
        (quick_replies, ask_phone): (Vec<String>, bool),
    ) {
        let queued = async {
            let row = self
                .channel(ChannelKind::Telegram)?
                .ok_or_else(|| internal("the line has no Telegram bot any more"))?;
            let send = ChannelSend {
                line: self.line_id(),
                dialog: dialog.map(str::to_owned),
                chat_id: chat.chat_id,
                token: row.token,
                text,
                file,
                quick_replies,
                ask_phone,
            };
            let outbox = rpc::stub(&self.env, "OUTBOX", "outbox")?;
            rpc::invoke_done(&outbox, &send).await
        };
        if let Err(e) = queued.await {
            crate::logs::error("line", "channel_send_failed", None, dialog, &e.message);
            if let Some(d) = dialog {
                self.note_undelivered(d, &e.message).await;
            }
        }
    }

    /// From the outbox: an answer will never reach the client.
    pub(super) async fn channel_failed(&self, ask: ChannelFailed) -> R<Done> {
        run(
            &self.sql(),
            "UPDATE channels SET last_error = ? WHERE kind = 'telegram'",
            vec![V::from(ask.why.as_str())],
        )?;
        if let Some(d) = &ask.dialog {
            self.note_undelivered(d, &ask.why).await;
        }
        Ok(Done {})
    }

    /// A note for the dialog's operators (hidden from the client).
    async fn note_undelivered(&self, dialog: &str, why: &str) {
        let note = StoreChannelNote {
            text: channels::undeliverable_note(why),
        };
        let stored = match rpc::dialog_stub(&self.env, dialog) {
            Ok(stub) => rpc::invoke(&stub, &note).await,
            Err(e) => Err(e),
        };
        match stored {
            Ok(s) if s.created => self.to_consoles(dialog, &Sender::System, &s.message),
            Ok(_) => {}
            Err(e) => crate::logs::error(
                "line",
                "channel_note_failed",
                None,
                Some(dialog),
                &e.message,
            ),
        }
    }
}
