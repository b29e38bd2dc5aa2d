//! Local development only (`OPENLINE_DEV=1`): the demo seed and the mailbox.

use crate::accounts_object::Seed;
use crate::api::{json, read_body, ApiResult};
use crate::rpc::{call, call_json, parse, stub};
use openline_core::protocol::{Account, NewAccount, Role};
use openline_core::replies::DevSeed;
use openline_core::settings::{LineSettings, QueueEntry};
use worker::{Env, Method, Request, Url};

use super::auth::*;
use super::lines::*;

/// Local development: demo accounts and the demo line, created once.
pub(super) async fn dev_seed(env: &Env) -> ApiResult {
    let demo = [
        ("admin", "Alexandra Admin", Role::Admin, "openline-admin"),
        (
            "sveta",
            "Sveta Supervisor",
            Role::Supervisor,
            "openline-sveta",
        ),
        ("anna", "Anna", Role::Operator, "openline-anna"),
        ("boris", "Boris", Role::Operator, "openline-boris"),
    ];
    let seed = Seed {
        accounts: demo
            .iter()
            .map(|(login, name, role, password)| NewAccount {
                login: (*login).into(),
                name: (*name).into(),
                role: *role,
                password: (*password).into(),
            })
            .collect(),
    };
    let all: Vec<Account> = call_json(&accounts(env)?, Method::Post, "/seed", Some(&seed)).await?;
    if line_settings(env, "demo").await.is_err() {
        let mut s = LineSettings::new("Northwind Tea");
        s.widget.title = Some("Chat with Northwind Tea".into());
        s.widget.greeting = "Hello! How can we help you today?".into();
        parse::<LineSettings>(create_line(env, "demo", s.clone()).await?).await?;
        s.queue = all
            .iter()
            .filter(|a| a.role == Role::Operator)
            .map(|a| QueueEntry::Operator(a.id.clone()))
            .collect();
        parse::<LineSettings>(save_settings(env, "demo", s).await?).await?;
    }
    json(
        200,
        &DevSeed {
            accounts: all,
            line: "demo".into(),
        },
    )
}

pub(super) async fn seed(env: &Env) -> ApiResult {
    dev_seed(env).await
}

pub(super) async fn mailbox(env: &Env) -> ApiResult {
    call(
        &stub(env, "OUTBOX", "outbox")?,
        Method::Get,
        "/mail",
        None::<&()>,
        &[],
    )
    .await
}

/// What an account's password hash cost (`GET ?login=`), or a hash made at
/// an older cost (`PUT {"login", "password", "iterations"}`), so the
/// re-hash on login can be tried.
pub(super) async fn password_cost(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let path = match url.query() {
        Some(q) => format!("/password-cost?{q}"),
        None => "/password-cost".to_owned(),
    };
    let body = match req.method() {
        Method::Put => Some(read_body::<openline_core::replies::PasswordCost>(req).await?),
        _ => None,
    };
    call(&accounts(env)?, req.method(), &path, body.as_ref(), &[]).await
}
