//! Forward-only schema migrations for a Durable Object's SQLite storage.
//! `PRAGMA user_version` is not available there, so applied steps are
//! recorded in a table of their own.

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue};

/// One named step; names are never reused or edited once shipped.
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

#[derive(Deserialize)]
struct Applied {
    name: String,
}

/// Applies every step not yet recorded, in order. Each step and its record
/// are written with no `await` between them, so they commit together.
pub fn migrate(sql: &SqlStorage, steps: &[Migration]) -> worker::Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        None,
    )?;
    let applied: Vec<Applied> = sql.exec("SELECT name FROM _migrations", None)?.to_array()?;
    for step in steps {
        if applied.iter().any(|a| a.name == step.name) {
            continue;
        }
        for statement in step.sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sql.exec(statement, None)?;
        }
        sql.exec(
            "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
            vec![
                SqlStorageValue::from(step.name),
                SqlStorageValue::from(js_sys::Date::now()),
            ],
        )?;
    }
    Ok(())
}
