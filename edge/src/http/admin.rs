//! Routes of accounts and administration: login and logout, accounts and
//! roles, lines and their settings, departments, quick-answer editing and
//! the consent log. Each checks the caller's role.

use crate::accounts_object::{LineEntry, TokenHash, ACTOR_HEADER};
use crate::api::{bearer, json, read_body, ApiResult};
use crate::caches;
use crate::calls::{CloseSockets, LineFiguresAsk};
use crate::ids;
use crate::limits;
use crate::rpc::{call, call_json, invoke, parse, stub};
use openline_core::deployment::Deployment;
use openline_core::line::Event;
use openline_core::protocol::{Account, AccountPatch, Login, LoginSession, NewAccount, Role};
use openline_core::replies::{Ack, Figures, OutboxFigures};
use openline_core::requests::{DepartmentMembers, NewLine};
use openline_core::settings::LineSettings;
use openline_core::{text, ProtocolError};
use worker::{Env, Method, Request, Url};

use super::auth::*;
use super::lines::*;
use super::ok;

pub(super) async fn login(env: &Env, req: &mut Request) -> ApiResult {
    let body: Login = read_body(req).await?;
    let ip = limits::client_ip(req.headers());
    let who = body.login.trim().to_lowercase();
    limits::check(
        env,
        "LOGIN_LIMITER",
        format!("login:{ip}:{who}"),
        "login attempts",
    )
    .await?;
    bootstrap_admin(env).await?;
    recover_admin(env, &body).await?;
    let session: LoginSession =
        call_json(&accounts(env)?, Method::Post, "/login", Some(&body)).await?;
    json(200, &session)
}

pub(super) async fn logout(env: &Env, req: &mut Request) -> ApiResult {
    let token = bearer(req.headers()).ok_or_else(unauthorized)?;
    let body = TokenHash {
        token_hash: ids::token_hash(&token),
    };
    caches::forget_session(&body.token_hash);
    let resp = call(&accounts(env)?, Method::Post, "/logout", Some(&body), &[]).await?;
    let which = CloseSockets {
        session: Some(body.token_hash),
        ..CloseSockets::default()
    };
    close_sockets_everywhere(env, &which).await?;
    Ok(resp)
}

pub(super) async fn me(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    json(200, &authenticate(env, req.headers(), url).await?)
}

pub(super) async fn accounts_list(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Supervisor).await?;
    call(&accounts(env)?, Method::Get, "/accounts", None::<&()>, &[]).await
}

pub(super) async fn account_create(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let body: NewAccount = read_body(req).await?;
    call(&accounts(env)?, Method::Post, "/accounts", Some(&body), &[]).await
}

pub(super) async fn account_patch(env: &Env, req: &mut Request, url: &Url, id: &str) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Admin).await?;
    let body: AccountPatch = read_body(req).await?;
    let account: Account = parse(
        call(
            &accounts(env)?,
            Method::Patch,
            &format!("/accounts/{id}"),
            Some(&body),
            &[(ACTOR_HEADER, &me.id)],
        )
        .await?,
    )
    .await?;
    caches::forget_account(&account.id);
    refresh_operator(env, &account).await?;
    if body.dismissed == Some(true) || body.role.is_some() || body.password.is_some() {
        let which = CloseSockets {
            operator: Some(account.id.clone()),
            ..CloseSockets::default()
        };
        close_sockets_everywhere(env, &which).await?;
    }
    json(200, &account)
}

/// The lines a console user may work on: all of them for supervisors and
/// administrators, those whose queue holds them for operators.
pub(super) async fn lines_list(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Operator).await?;
    json(200, &my_lines(env, &me).await?)
}

pub(super) async fn line_create(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let body: NewLine = read_body(req).await?;
    let id = text::identifier("id", &body.id)?;
    let company: Deployment =
        call_json(&accounts(env)?, Method::Get, "/deployment", None::<&()>).await?;
    let settings = LineSettings::new(&company.line_name(&body.name)?);
    settings
        .validate()
        .map_err(|e| ProtocolError::invalid_field(e.field, &e.reason))?;
    let created: LineSettings = parse(create_line(env, &id, settings).await?).await?;
    json(201, &created.view())
}

/// L1: the deployment's settings; every console user reads them (the
/// company's name heads the console), administrators change them.
pub(super) async fn deployment_get(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Operator).await?;
    call(
        &accounts(env)?,
        Method::Get,
        "/deployment",
        None::<&()>,
        &[],
    )
    .await
}

pub(super) async fn deployment_put(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let body: Deployment = read_body(req).await?;
    let body = body.validated()?;
    call(
        &accounts(env)?,
        Method::Put,
        "/deployment",
        Some(&body),
        &[],
    )
    .await
}

/// The settings without their secrets (write-only: only whether each is set).
pub(super) async fn settings_get(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Supervisor).await?;
    json(200, &fresh_line_settings(env, line).await?.view())
}

/// Saves the settings; a secret left out keeps the stored one, an empty one
/// removes it (see `LineSettings::keeping_secrets_of`).
pub(super) async fn settings_put(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let settings: LineSettings = read_body(req).await?;
    let stored = fresh_line_settings(env, line).await?;
    // B1: a newly named bot must be registered.
    let stored_bot = stored.bot.as_ref().map(|b| b.bot.as_str());
    let named = settings.bot.as_ref().map(|b| b.bot.as_str());
    if let Some(bot) = named.filter(|b| Some(*b) != stored_bot) {
        super::bots::check_registered(env, bot).await?;
    }
    let merged = settings.keeping_secrets_of(&stored);
    let saved: LineSettings = parse(save_settings(env, line, merged).await?).await?;
    json(200, &saved.view())
}

pub(super) async fn line_delete(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    caches::forget_settings(line);
    parse::<Ack>(
        call(
            &stub(env, "LINES", line)?,
            Method::Delete,
            "/",
            None::<&()>,
            &[],
        )
        .await?,
    )
    .await?;
    call(
        &accounts(env)?,
        Method::Delete,
        &format!("/lines/{line}"),
        None::<&()>,
        &[],
    )
    .await
}

pub(super) async fn departments(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Supervisor).await?;
    line_get(env, line, "/departments").await
}

pub(super) async fn department_put(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dep: &str,
) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let body: DepartmentMembers = read_body(req).await?;
    let department = text::identifier("department", dep)?;
    line_event(
        env,
        line,
        &Event::SetDepartment {
            department,
            members: body.members,
        },
    )
    .await?;
    // Members become operators of the line (Q1) with their accounts.
    let settings = fresh_line_settings(env, line).await?;
    parse::<LineSettings>(save_settings(env, line, settings).await?).await?;
    ok()
}

pub(super) async fn consents(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require(env, req.headers(), url, Role::Supervisor).await?;
    line_get(env, line, "/consents").await
}

/// `GET /api/v1/lines/{line}/statistics?from=&to=` (supervisors and
/// administrators, S1): the line's figures for a period, computed by the
/// line from its live and archived dialogs.
pub(super) async fn statistics(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Supervisor).await?;
    let query = super::query_without_token(url);
    line_get(env, line, &format!("/statistics?{query}")).await
}

/// `GET /api/v1/figures` (administrators): every line's live state, the
/// outbox's backlog and failures, and each object's storage schema.
pub(super) async fn figures(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    require(env, req.headers(), url, Role::Admin).await?;
    let all: Vec<LineEntry> =
        call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
    let mut lines = Vec::with_capacity(all.len());
    for entry in &all {
        lines.push(invoke(&stub(env, "LINES", &entry.id)?, &LineFiguresAsk {}).await?);
    }
    let outbox: OutboxFigures = call_json(
        &stub(env, "OUTBOX", "outbox")?,
        Method::Get,
        "/figures",
        None::<&()>,
    )
    .await?;
    let accounts_schema: Option<String> =
        call_json(&accounts(env)?, Method::Get, "/schema", None::<&()>).await?;
    json(
        200,
        &Figures {
            version: super::VERSION.to_owned(),
            protocol: openline_core::protocol::PROTOCOL_VERSION,
            lines,
            outbox,
            accounts_schema,
        },
    )
}
