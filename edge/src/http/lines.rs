//! Calls to a line's object shared by several callers: events, settings
//! (cached for the widget and new sessions), line creation.

use crate::accounts_object::LineEntry;
use crate::api::ApiResult;
use crate::caches;
use crate::calls::{CloseSockets, LineEvent};
use crate::line_object::{CreateLine, SettingsUpdate};
use crate::rpc::{call, call_json, invoke, invoke_done, parse, stub};
use openline_core::line::Event;
use openline_core::protocol::Account;
use openline_core::settings::LineSettings;
use openline_core::{text, ErrorCode};
use worker::{Env, Method};

use super::auth::accounts;
use super::{not_found, R};

/// One event for the line's machine; only whether it was accepted matters
/// here (the effects are the line's to apply).
pub(super) async fn line_event(env: &Env, line: &str, event: &Event) -> R<()> {
    invoke_done(&stub(env, "LINES", line)?, &LineEvent(event.clone())).await
}

/// Refuses a line the directory does not know, before its object is
/// touched: an unknown id would otherwise create a Durable Object (and its
/// storage) per request.
pub(super) async fn known_line(env: &Env, line: &str) -> R<()> {
    let exists = match caches::line_exists(line) {
        Some(known) => known,
        None => {
            let lines: Vec<LineEntry> =
                call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
            for l in &lines {
                caches::remember_line(&l.id, true);
            }
            let exists = lines.iter().any(|l| l.id == line);
            caches::remember_line(line, exists);
            exists
        }
    };
    if exists {
        Ok(())
    } else {
        Err(not_found(&format!("line '{line}' does not exist")))
    }
}

/// The line's settings, from the isolate's cache when fresh (see
/// `caches`): the widget's config and new sessions do not wake the line's
/// object on every page view.
pub(super) async fn line_settings(env: &Env, line: &str) -> R<LineSettings> {
    let line = text::identifier("line", line)?;
    if let Some(s) = caches::settings(&line) {
        return Ok(s);
    }
    known_line(env, &line).await?;
    let settings = fresh_line_settings(env, &line).await?;
    caches::remember_settings(&line, &settings);
    Ok(settings)
}

/// The line's settings read from its object (administration reads these).
pub(super) async fn fresh_line_settings(env: &Env, line: &str) -> R<LineSettings> {
    let line = text::identifier("line", line)?;
    call_json(
        &stub(env, "LINES", &line)?,
        Method::Get,
        "/settings",
        None::<&()>,
    )
    .await
    .map_err(|e| {
        if e.code == ErrorCode::NotFound {
            not_found(&format!("line '{line}' does not exist"))
        } else {
            e
        }
    })
}

pub(super) async fn create_line(env: &Env, id: &str, settings: LineSettings) -> ApiResult {
    let entry = LineEntry {
        id: id.to_owned(),
        name: settings.name.clone(),
    };
    parse::<LineEntry>(call(&accounts(env)?, Method::Post, "/lines", Some(&entry), &[]).await?)
        .await?;
    caches::remember_line(id, true);
    let body = CreateLine {
        line_id: id.to_owned(),
        settings,
    };
    call(
        &stub(env, "LINES", id)?,
        Method::Post,
        "/create",
        Some(&body),
        &[],
    )
    .await
}

pub(super) async fn save_settings(env: &Env, line: &str, settings: LineSettings) -> ApiResult {
    caches::forget_settings(line);
    let accounts_list: Vec<Account> =
        call_json(&accounts(env)?, Method::Get, "/accounts", None::<&()>).await?;
    let entry = LineEntry {
        id: line.to_owned(),
        name: settings.name.trim().to_owned(),
    };
    let body = SettingsUpdate {
        settings,
        accounts: accounts_list,
    };
    let saved = call(
        &stub(env, "LINES", line)?,
        Method::Put,
        "/settings",
        Some(&body),
        &[],
    )
    .await?;
    if saved.status_code() == 200 {
        // L1: the lines directory (the console's line picker) shows the new name.
        parse::<LineEntry>(call(&accounts(env)?, Method::Put, "/lines", Some(&entry), &[]).await?)
            .await?;
    }
    Ok(saved)
}

/// An account change (dismissal, vacation, name) reaches every line.
pub(super) async fn refresh_operator(env: &Env, account: &Account) -> R<()> {
    let lines: Vec<LineEntry> =
        call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
    for l in lines {
        /// `GET /operators` of a line.
        #[derive(serde::Deserialize)]
        struct Operators {
            operators: Vec<openline_core::operator::Operator>,
        }
        let ops: Operators = call_json(
            &stub(env, "LINES", &l.id)?,
            Method::Get,
            "/operators",
            None::<&()>,
        )
        .await?;
        let known = ops.operators.iter().any(|o| o.id == account.id);
        if known {
            let settings = fresh_line_settings(env, &l.id).await?;
            parse::<LineSettings>(save_settings(env, &l.id, settings).await?).await?;
        }
    }
    Ok(())
}

/// A GET on a line's object, its answer passed through.
pub(super) async fn line_get(env: &Env, line: &str, path: &str) -> ApiResult {
    call(
        &stub(env, "LINES", line)?,
        Method::Get,
        path,
        None::<&()>,
        &[],
    )
    .await
}

/// Closes console sockets on every line (see [`CloseSockets`]): a logout,
/// a dismissal, a role change or a new password ends them at once, so a
/// socket never outlives the session that opened it. A line that cannot be
/// told is logged; its sockets end when they next reconnect.
pub(super) async fn close_sockets_everywhere(env: &Env, which: &CloseSockets) -> R<()> {
    let lines: Vec<LineEntry> =
        call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
    for line in lines {
        if let Err(e) = invoke(&stub(env, "LINES", &line.id)?, which).await {
            crate::logs::error(
                "line",
                "close_sockets_failed",
                Some(&line.id),
                None,
                &e.message,
            );
        }
    }
    Ok(())
}
