//! QA1 routes: a line's quick answers together with the deployment's
//! shared ones, searched and sorted here; any operator of the line saves
//! one (from a message) or a list; administrators edit, move, delete,
//! rename and delete groups, and create shared ones.

use crate::api::{json, read_body, ApiResult};
use crate::calls::{CreateQuickAnswers, RenameQuickAnswerGroup};
use crate::quick_store::SHARED_PREFIX;
use crate::rpc::{call, call_json, invoke, stub};
use openline_core::protocol::Role;
use openline_core::quick_answers::{search, QuickAnswerInput};
use openline_core::replies::QuickAnswerList;
use openline_core::requests::{GroupRename, QuickAnswerCreate};
use openline_core::{ErrorCode, ProtocolError};
use worker::{Env, Method, Request, Stub, Url};

use super::auth::*;
use super::query;

/// Where an answer (or a group) lives: the line's object, or the accounts
/// object for the shared ones.
fn store(env: &Env, line: &str, shared: bool) -> Result<Stub, ProtocolError> {
    if shared {
        accounts(env)
    } else {
        stub(env, "LINES", line)
    }
}

/// `GET …/quick-answers?q=`: the line's and the shared ones.
pub(super) async fn list(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let mut all: QuickAnswerList = call_json(
        &store(env, line, false)?,
        Method::Get,
        "/quick-answers",
        None::<&()>,
    )
    .await?;
    let shared: QuickAnswerList = call_json(
        &store(env, line, true)?,
        Method::Get,
        "/quick-answers",
        None::<&()>,
    )
    .await?;
    all.quick_answers.extend(shared.quick_answers);
    let q = query(url, "q").unwrap_or_default();
    let quick_answers = search(&all.quick_answers, &q)
        .into_iter()
        .cloned()
        .collect();
    json(200, &QuickAnswerList { quick_answers })
}

/// `POST …/quick-answers`: one or a list; shared ones only by
/// administrators. Every item is checked before any is stored.
pub(super) async fn create(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let body = read_body::<QuickAnswerCreate>(req).await.map_err(|_| {
        ProtocolError::new(
            ErrorCode::BadRequest,
            "invalid quick answers: expected {text, title?, group?, shortcut?} or {items: [...]}",
        )
    })?;
    let items = match body {
        QuickAnswerCreate::Many { items } => items,
        QuickAnswerCreate::One(item) => vec![item],
    };
    if items.is_empty() || items.len() > crate::quick_store::MAX_ITEMS {
        return Err(ProtocolError::invalid_field("items", "1–500 quick answers"));
    }
    if items.iter().any(|i| i.shared) && me.role < Role::Admin {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "only administrators create quick answers for every line",
        ));
    }
    for item in &items {
        item.validated()?;
    }
    let (shared, own): (Vec<QuickAnswerInput>, Vec<QuickAnswerInput>) =
        items.into_iter().partition(|i| i.shared);
    let mut created = QuickAnswerList {
        quick_answers: Vec::new(),
    };
    for (items, shared) in [(own, false), (shared, true)] {
        if items.is_empty() {
            continue;
        }
        let ask = CreateQuickAnswers {
            items,
            by: me.id.clone(),
        };
        let made = invoke(&store(env, line, shared)?, &ask).await?;
        created.quick_answers.extend(made.quick_answers);
    }
    json(201, &created)
}

/// `PUT …/quick-answers/{id}` (administrators): a new text, title,
/// shortcut or group (moving it).
pub(super) async fn replace(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    id: &str,
) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let body: QuickAnswerInput = read_body(req).await?;
    let target = store(env, line, id.starts_with(SHARED_PREFIX))?;
    call(
        &target,
        Method::Put,
        &format!("/quick-answers/{id}"),
        Some(&body),
        &[],
    )
    .await
}

/// `DELETE …/quick-answers/{id}` (administrators).
pub(super) async fn delete(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    id: &str,
) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let target = store(env, line, id.starts_with(SHARED_PREFIX))?;
    call(
        &target,
        Method::Delete,
        &format!("/quick-answers/{id}"),
        None::<&()>,
        &[],
    )
    .await
}

/// `PUT …/quick-answer-groups/{group}` (administrators): renames a group
/// (into an existing one: they merge).
pub(super) async fn rename_group(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    group: &str,
) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let body: GroupRename = read_body(req).await?;
    let ask = RenameQuickAnswerGroup {
        from: decoded(group),
        to: body.name,
    };
    json(200, &invoke(&store(env, line, body.shared)?, &ask).await?)
}

/// `DELETE …/quick-answer-groups/{group}?shared=true|false`
/// (administrators): the group and its answers.
pub(super) async fn delete_group(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    group: &str,
) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let shared = query(url, "shared").as_deref() == Some("true");
    let path = format!(
        "/quick-answer-groups/{}",
        String::from(js_sys::encode_uri_component(&decoded(group)))
    );
    call(
        &store(env, line, shared)?,
        Method::Delete,
        &path,
        None::<&()>,
        &[],
    )
    .await
}

/// A path segment as the name it encodes.
fn decoded(segment: &str) -> String {
    js_sys::decode_uri_component(segment)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| segment.to_owned())
}
