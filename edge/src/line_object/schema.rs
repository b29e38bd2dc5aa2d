//! How the line's object stores what it keeps: the migrations of its
//! SQLite schema and the rows read back from it.

use crate::migrations::Migration;
use openline_core::consent::{ConsentRecord, Contacts};
use serde::{Deserialize, Serialize};

pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
    name: "0001_line",
    sql: "CREATE TABLE line_state (id INTEGER PRIMARY KEY CHECK (id = 1), line_id TEXT NOT NULL, state TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
          CREATE TABLE ratings (dialog TEXT NOT NULL, by TEXT, score INTEGER NOT NULL, comment TEXT, at INTEGER NOT NULL);
          CREATE TABLE notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, recipients TEXT NOT NULL, notice TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // The machine is stored as a head row plus one row per dialog, so a step
    // writes only what it changed.
    Migration {
        name: "0002_line_dialogs",
        sql: "CREATE TABLE line_dialogs (id TEXT PRIMARY KEY, state TEXT NOT NULL)",
    },
    Migration {
        name: "0003_quick_answers_contacts_consents",
        sql: "CREATE TABLE quick_answers (id TEXT PRIMARY KEY, grp TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, created_by TEXT, created_at INTEGER NOT NULL);
              CREATE TABLE client_contacts (client TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT, updated_at INTEGER NOT NULL);
              CREATE TABLE consents (id INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // Operators, clients and timers get rows of their own, so a step writes
    // only what it changed (the head keeps settings, departments, waits).
    Migration {
        name: "0004_line_rows",
        sql: "CREATE TABLE line_operators (id TEXT PRIMARY KEY, state TEXT NOT NULL);
              CREATE TABLE line_clients (id TEXT PRIMARY KEY, state TEXT NOT NULL);
              CREATE TABLE line_timers (key TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    },
    // The last message of each dialog for the console's list (issue 11);
    // dialogs older than this step get theirs with their next message.
    Migration {
        name: "0005_dialog_previews",
        sql: "CREATE TABLE dialog_previews (dialog TEXT PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // Page views of clients with a conversation (issue 11.7), newest kept.
    Migration {
        name: "0006_client_visits",
        sql: "CREATE TABLE client_visits (id INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL, at INTEGER NOT NULL, visit TEXT NOT NULL);
              CREATE INDEX client_visits_by_client ON client_visits (client, id)",
    },
    // K2's notification centre: who acknowledged which notice, and when.
    Migration {
        name: "0007_notification_reads",
        sql: "CREATE TABLE notification_reads (notification INTEGER NOT NULL, account TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (notification, account))",
    },
    // QA1: an answer's `/` shortcut.
    Migration {
        name: "0008_quick_answer_shortcuts",
        sql: "ALTER TABLE quick_answers ADD COLUMN shortcut TEXT",
    },
    // L6: when an operator's answer last went to the client by e-mail.
    Migration {
        name: "0009_offline_mails",
        sql: "CREATE TABLE offline_mails (dialog TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    },
    // S3: finished dialogs past the live retention, kept for good.
    Migration {
        name: "0010_dialog_archive",
        sql: "CREATE TABLE dialog_archive (id TEXT PRIMARY KEY, client TEXT NOT NULL, opened_at INTEGER NOT NULL, state TEXT NOT NULL);
              CREATE INDEX dialog_archive_by_client ON dialog_archive (client);
              CREATE INDEX dialog_archive_by_opening ON dialog_archive (opened_at)",
    },
    // C2–C5: leads made from the line's chats.
    Migration {
        name: "0011_leads",
        sql: "CREATE TABLE leads (id TEXT PRIMARY KEY, client TEXT NOT NULL, status TEXT NOT NULL, responsible TEXT, created_at INTEGER NOT NULL, state TEXT NOT NULL);
              CREATE INDEX leads_by_client ON leads (client)",
    },
    // S2: the words of every message, for finding dialogs.
    Migration {
        name: "0012_message_index",
        sql: "CREATE VIRTUAL TABLE message_index USING fts5(dialog UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2')",
    },
    // GDPR: who erased which client's data, and when.
    Migration {
        name: "0013_erasures",
        sql: "CREATE TABLE erasures (client TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL)",
    },
    // X9: the audit log — exports, erasures (those noted before kept) and
    // merges of clients' data.
    Migration {
        name: "0014_audit",
        sql: "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, by TEXT NOT NULL,
                action TEXT NOT NULL, client TEXT NOT NULL, detail TEXT);
              INSERT INTO audit (at, by, action, client) SELECT at, by, 'erase', client FROM erasures ORDER BY at;
              DROP TABLE erasures",
    },
    // S3: the retention setting — when each archived dialog finished, and
    // when its transcript was erased for its age.
    Migration {
        name: "0015_retention",
        sql: "ALTER TABLE dialog_archive ADD COLUMN finished_at INTEGER;
              ALTER TABLE dialog_archive ADD COLUMN expired_at INTEGER;
              UPDATE dialog_archive SET finished_at = json_extract(state, '$.finished_at');
              CREATE INDEX dialog_archive_to_expire ON dialog_archive (finished_at) WHERE expired_at IS NULL",
    },
    // L4/N2: the line's channels (a Telegram bot: its token and the
    // webhook's secret, write-only) and the updates already taken (Telegram
    // retries an update until it is answered).
    Migration {
        name: "0016_channels",
        sql: "CREATE TABLE channels (kind TEXT PRIMARY KEY, token TEXT NOT NULL, secret TEXT NOT NULL, name TEXT,
                connected_at INTEGER NOT NULL, last_error TEXT);
              CREATE TABLE channel_updates (update_id INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
    },
];

#[derive(Serialize, Deserialize)]
pub(super) struct ContactRow {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
}

impl ContactRow {
    pub(super) fn contacts(self) -> Contacts {
        Contacts {
            name: self.name,
            email: self.email,
            phone: self.phone,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct ConsentRow {
    pub(super) client: String,
    pub(super) version: i64,
    pub(super) text: String,
    pub(super) at: i64,
}

impl ConsentRow {
    pub(super) fn record(self) -> ConsentRecord {
        ConsentRecord {
            client: self.client,
            version: u32::try_from(self.version).unwrap_or_default(),
            text: self.text,
            at: self.at,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct StateRow {
    pub(super) line_id: String,
    pub(super) state: String,
    pub(super) deleted: i64,
}

/// A row of `dialog_previews`.
#[derive(Serialize, Deserialize)]
pub(super) struct PreviewRow {
    pub(super) dialog: String,
    /// The message's author as JSON.
    pub(super) author: String,
    pub(super) text: String,
    pub(super) at: i64,
}

/// A row of `client_contacts` with its client.
#[derive(Serialize, Deserialize)]
pub(super) struct ClientContactRow {
    pub(super) client: String,
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
}

/// A row of `client_visits`: the visit as JSON.
#[derive(Serialize, Deserialize)]
pub(super) struct VisitRow {
    pub(super) visit: String,
}
