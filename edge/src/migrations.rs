//! Forward-only schema migrations for a Durable Object's SQLite storage.
//! `PRAGMA user_version` is not available there, so applied steps are
//! recorded in a table of their own. Each step runs in its own transaction
//! (the runtime's `transactionSync`): a statement that fails rolls its whole
//! step back, so storage is never left half-migrated, and the object then
//! refuses work with `503 storage_unavailable` instead of running on a
//! schema it does not know.

use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use worker::{SqlStorageValue, State};

/// One named step; names are never reused or edited once shipped.
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// What an object's storage is after [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// Every step is applied.
    Ready,
    /// A step failed and was rolled back; the message says which and why.
    Failed(String),
}

impl Schema {
    /// The error every request gets while the schema is not ready.
    pub fn check(&self) -> Result<(), ProtocolError> {
        match self {
            Schema::Ready => Ok(()),
            Schema::Failed(why) => Err(ProtocolError::new(
                ErrorCode::StorageUnavailable,
                format!("this object's storage could not be migrated: {why}"),
            )),
        }
    }
}

#[derive(Deserialize)]
struct Applied {
    name: String,
}

/// The last step applied here (names sort in order), for the figures.
pub fn last_step(sql: &worker::SqlStorage) -> Option<String> {
    sql.exec(
        "SELECT name FROM _migrations ORDER BY name DESC LIMIT 1",
        None,
    )
    .and_then(|c| c.to_array::<Applied>())
    .ok()?
    .into_iter()
    .next()
    .map(|a| a.name)
}

/// Opens the object's storage and migrates it. Returns the state back,
/// since the runtime's storage object is reached through it.
pub fn open(state: State, steps: &'static [Migration]) -> (State, Schema) {
    let raw = state._inner();
    let storage: Option<JsValue> = raw.storage().ok().map(Into::into);
    let state = State::from(raw);
    let schema = match &storage {
        None => Schema::Failed("no storage".into()),
        Some(js) => apply(&state, js, steps),
    };
    if let Schema::Failed(why) = &schema {
        crate::logs::error("storage", "migration_failed", None, None, why);
    }
    (state, schema)
}

fn apply(state: &State, storage: &JsValue, steps: &'static [Migration]) -> Schema {
    let sql = state.storage().sql();
    let applied: Result<Vec<Applied>, String> = sql
        .exec(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
            None,
        )
        .and_then(|_| sql.exec("SELECT name FROM _migrations", None)?.to_array())
        .map_err(|e| e.to_string());
    let applied = match applied {
        Ok(a) => a,
        Err(e) => return Schema::Failed(e),
    };
    for step in steps {
        if applied.iter().any(|a| a.name == step.name) {
            continue;
        }
        let sql = state.storage().sql();
        let result = transaction_sync(storage, move || {
            for statement in step.sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sql.exec(statement, None).map_err(|e| e.to_string())?;
            }
            sql.exec(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                vec![
                    SqlStorageValue::from(step.name),
                    SqlStorageValue::from(js_sys::Date::now()),
                ],
            )
            .map_err(|e| e.to_string())?;
            Ok(())
        });
        if let Err(e) = result {
            return Schema::Failed(format!("step {}: {e}", step.name));
        }
    }
    Schema::Ready
}

/// Runs `body` inside `storage.transactionSync`: if it fails, everything it
/// wrote is rolled back.
fn transaction_sync(
    storage: &JsValue,
    body: impl FnOnce() -> Result<(), String> + 'static,
) -> Result<(), String> {
    let run = js_sys::Reflect::get(storage, &JsValue::from_str("transactionSync"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| "the runtime has no transactionSync".to_owned())?;
    let callback = Closure::once_into_js(move || -> Result<JsValue, JsValue> {
        body()
            .map(|()| JsValue::UNDEFINED)
            .map_err(|e| js_sys::Error::new(&e).into())
    });
    run.call1(storage, &callback).map(|_| ()).map_err(|e| {
        js_sys::Error::from(e)
            .message()
            .as_string()
            .unwrap_or_else(|| "failed".into())
    })
}
