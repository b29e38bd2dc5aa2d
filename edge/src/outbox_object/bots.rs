//! Chat bots (B3), kept by the outbox beside the webhook subscriptions:
//! a bot's events are deliveries like a subscription's, signed with the
//! bot's token and retried the same way. The token is shown once; the
//! worker checks a bot's calls against it here, in constant time.

use super::OutboxObject;
use crate::api::internal;
use crate::calls::{BotName, CheckBot, CreateBot, Done, UpdateBot};
use crate::clock;
use crate::ids::{self, constant_time_eq};
use crate::migrations::Migration;
use crate::sql::{rows, run, written};
use openline_core::bots::{Bot, BotList, BotSaved};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::SqlStorageValue as V;

type R<T> = Result<T, ProtocolError>;

pub(super) const MIGRATION: Migration = Migration {
    name: "0005_bots",
    sql: "CREATE TABLE bots (id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
            created_at INTEGER NOT NULL, created_by TEXT NOT NULL)",
};

/// B3: the bot's picture (an address; none: NULL).
pub(super) const AVATAR_MIGRATION: Migration = Migration {
    name: "0008_bot_avatar",
    sql: "ALTER TABLE bots ADD COLUMN avatar TEXT",
};

const BOT_COLUMNS: &str = "id, name, url, avatar, created_at";

#[derive(Deserialize)]
struct BotRow {
    id: String,
    name: String,
    url: String,
    avatar: Option<String>,
    created_at: i64,
}

impl BotRow {
    fn bot(self) -> Bot {
        Bot {
            id: self.id,
            name: self.name,
            url: self.url,
            avatar: self.avatar,
            created_at: self.created_at,
        }
    }
}

fn no_bot(id: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, format!("no bot '{id}'"))
}

fn unauthorized() -> ProtocolError {
    ProtocolError::new(ErrorCode::Unauthorized, "this bot's token is not valid")
}

impl OutboxObject {
    pub(super) fn create_bot(&self, ask: CreateBot) -> R<BotSaved> {
        let id = format!("bot_{}", ids::random_hex(8).map_err(internal)?);
        let secret = ids::random_hex(32).map_err(internal)?;
        let now = clock::real_now();
        run(
            &self.sql(),
            "INSERT INTO bots (id, name, url, avatar, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::from(id.as_str()),
                V::from(ask.draft.name.as_str()),
                V::from(ask.draft.url.as_str()),
                ask.draft.avatar.as_deref().map_or(V::Null, V::from),
                V::from(secret.as_str()),
                V::from(now),
                V::from(ask.by),
            ],
        )?;
        Ok(BotSaved {
            token: format!("{id}.{secret}"),
            bot: Bot {
                id,
                name: ask.draft.name,
                url: ask.draft.url,
                avatar: ask.draft.avatar,
                created_at: now,
            },
        })
    }

    pub(super) fn list_bots(&self) -> R<BotList> {
        let all: Vec<BotRow> = rows(
            &self.sql(),
            &format!("SELECT {BOT_COLUMNS} FROM bots ORDER BY created_at"),
            vec![],
        )?;
        Ok(BotList {
            bots: all.into_iter().map(BotRow::bot).collect(),
        })
    }

    /// A bot's name, address or picture changed (each checked by the
    /// worker); 404 for an unknown bot.
    pub(super) fn update_bot(&self, ask: UpdateBot) -> R<Bot> {
        let sql = self.sql();
        let found: Vec<BotRow> = rows(
            &sql,
            &format!("SELECT {BOT_COLUMNS} FROM bots WHERE id = ?"),
            vec![V::from(ask.id.as_str())],
        )?;
        let mut bot = found
            .into_iter()
            .next()
            .ok_or_else(|| no_bot(&ask.id))?
            .bot();
        if let Some(name) = ask.name {
            bot.name = name;
        }
        if let Some(url) = ask.url {
            bot.url = url;
        }
        if let Some(avatar) = ask.avatar {
            bot.avatar = Some(avatar).filter(|a| !a.is_empty());
        }
        run(
            &sql,
            "UPDATE bots SET name = ?, url = ?, avatar = ? WHERE id = ?",
            vec![
                V::from(bot.name.as_str()),
                V::from(bot.url.as_str()),
                bot.avatar.as_deref().map_or(V::Null, V::from),
                V::from(bot.id.as_str()),
            ],
        )?;
        Ok(bot)
    }

    pub(super) fn delete_bot(&self, id: &str) -> R<Done> {
        let sql = self.sql();
        if written(&sql, "DELETE FROM bots WHERE id = ?", vec![V::from(id)])? == 0 {
            return Err(no_bot(id));
        }
        run(
            &sql,
            "DELETE FROM deliveries WHERE webhook = ?",
            vec![V::from(id)],
        )?;
        Ok(Done {})
    }

    pub(super) fn check_bot(&self, ask: &CheckBot) -> R<BotName> {
        #[derive(Deserialize)]
        struct Secret {
            name: String,
            secret: String,
        }
        let found: Vec<Secret> = rows(
            &self.sql(),
            "SELECT name, secret FROM bots WHERE id = ?",
            vec![V::from(ask.id.as_str())],
        )?;
        match found.into_iter().next() {
            Some(s) if constant_time_eq(&s.secret, &ask.secret) => Ok(BotName { name: s.name }),
            _ => Err(unauthorized()),
        }
    }

    /// Whether the bot exists (its events are queued only then).
    pub(super) fn bot_exists(&self, id: &str) -> R<bool> {
        #[derive(Deserialize)]
        struct Id {
            #[allow(dead_code)]
            id: String,
        }
        Ok(!rows::<Id>(
            &self.sql(),
            "SELECT id FROM bots WHERE id = ?",
            vec![V::from(id)],
        )?
        .is_empty())
    }
}
