//! Small helpers over a Durable Object's SQLite storage.

use crate::api::internal;
use openline_core::ProtocolError;
use serde::de::DeserializeOwned;
use worker::{SqlStorage, SqlStorageValue};

/// Runs a query and deserialises every row.
pub fn rows<T: DeserializeOwned>(
    sql: &SqlStorage,
    query: &str,
    params: Vec<SqlStorageValue>,
) -> Result<Vec<T>, ProtocolError> {
    sql.exec(query, params)
        .and_then(|c| c.to_array())
        .map_err(internal)
}

/// Runs a statement whose rows are not needed.
pub fn run(
    sql: &SqlStorage,
    query: &str,
    params: Vec<SqlStorageValue>,
) -> Result<(), ProtocolError> {
    sql.exec(query, params).map(|_| ()).map_err(internal)
}

/// A list kept as a JSON column: NULL when empty (what most rows hold).
pub fn json_list(items: &[String]) -> Result<Option<String>, ProtocolError> {
    match items.is_empty() {
        true => Ok(None),
        false => serde_json::to_string(items).map(Some).map_err(internal),
    }
}

/// Runs a statement and says how many rows it wrote (0: it changed
/// nothing, which a caller reports rather than answering as if it had).
pub fn written(
    sql: &SqlStorage,
    query: &str,
    params: Vec<SqlStorageValue>,
) -> Result<usize, ProtocolError> {
    sql.exec(query, params)
        .and_then(|c| {
            c.to_array::<serde::de::IgnoredAny>()
                .map(|_| c.rows_written())
        })
        .map_err(internal)
}
