//! Who is calling: console sessions (through the isolate's cache, see
//! `crate::caches`), roles, and the first administrator.

use crate::accounts_object::{LineEntry, Seed, TokenHash};
use crate::api::bearer;
use crate::caches;
use crate::calls::Membership;
use crate::ids;
use crate::rpc::{call, call_json, invoke, parse, stub};
use openline_core::protocol::{Account, Login, NewAccount, Role};
use openline_core::replies::Ack;
use openline_core::{ErrorCode, ProtocolError};
use worker::{Env, Headers, Method, Url};

use super::{query, R};

pub(super) fn unauthorized() -> ProtocolError {
    ProtocolError::new(ErrorCode::Unauthorized, "a session token is required")
}

pub(super) fn accounts(env: &Env) -> R<worker::Stub> {
    stub(env, "ACCOUNTS", "accounts")
}

/// The console user behind the bearer token (or `?token=` for sockets).
pub(super) async fn authenticate(env: &Env, headers: &Headers, url: &Url) -> R<Account> {
    let token = bearer(headers)
        .or_else(|| query(url, "token"))
        .ok_or_else(unauthorized)?;
    let body = TokenHash {
        token_hash: ids::token_hash(&token),
    };
    if let Some(account) = caches::session(&body.token_hash) {
        return Ok(account);
    }
    let account: Account = call_json(&accounts(env)?, Method::Post, "/verify", Some(&body)).await?;
    caches::remember_session(&body.token_hash, &account);
    Ok(account)
}

pub(super) async fn require(env: &Env, headers: &Headers, url: &Url, role: Role) -> R<Account> {
    let me = authenticate(env, headers, url).await?;
    if me.role < role {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "your role does not allow this",
        ));
    }
    Ok(me)
}

/// A console user who may work on `line` with at least `role`:
/// supervisors and administrators by their role (they oversee every line),
/// operators only on lines whose queue holds them. Anyone else is refused
/// as if the line did not concern them (403), before anything is read.
pub(super) async fn require_on_line(
    env: &Env,
    headers: &Headers,
    url: &Url,
    line: &str,
    role: Role,
) -> R<Account> {
    let me = require(env, headers, url, role).await?;
    super::lines::known_line(env, line).await?;
    if !works_on(env, line, &me).await? {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "you do not work on this line",
        ));
    }
    Ok(me)
}

/// The lines `me` works on, in the directory's order (L1, S2).
pub(super) async fn my_lines(env: &Env, me: &Account) -> R<Vec<LineEntry>> {
    let all: Vec<LineEntry> =
        call_json(&accounts(env)?, Method::Get, "/lines", None::<&()>).await?;
    let mut mine = Vec::new();
    for entry in all {
        if works_on(env, &entry.id, me).await? {
            mine.push(entry);
        }
    }
    Ok(mine)
}

/// Whether `me` may work on `line` (an existing one): supervisors and
/// administrators always, operators when the line's queue holds them (the
/// line's answer, cached).
pub(super) async fn works_on(env: &Env, line: &str, me: &Account) -> R<bool> {
    if me.role > Role::Operator {
        return Ok(true);
    }
    Ok(match caches::membership(line, &me.id) {
        Some(known) => known,
        None => {
            let ask = Membership {
                operator: me.id.clone(),
            };
            let member = invoke(&stub(env, "LINES", line)?, &ask).await?.member;
            caches::remember_membership(line, &me.id, member);
            member
        }
    })
}

/// The first administrator comes from a secret (`wrangler secret put
/// OPENLINE_ADMIN_PASSWORD`) and is created only while no account exists.
pub(super) async fn bootstrap_admin(env: &Env) -> R<()> {
    let Ok(password) = env.secret("OPENLINE_ADMIN_PASSWORD") else {
        return Ok(());
    };
    let login = env
        .var("OPENLINE_ADMIN_LOGIN")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "admin".into());
    let seed = Seed {
        accounts: vec![NewAccount {
            login,
            name: "Administrator".into(),
            role: Role::Admin,
            password: password.to_string(),
        }],
    };
    parse::<Vec<Account>>(call(&accounts(env)?, Method::Post, "/seed", Some(&seed), &[]).await?)
        .await?;
    Ok(())
}

/// Recovery for a deployment whose administrators all lost their
/// passwords: while the secret `OPENLINE_RECOVERY_PASSWORD` is set, a login
/// as `OPENLINE_ADMIN_LOGIN` (default `admin`) with it makes that account an
/// active administrator with that password (created if missing, its lock
/// lifted). Whoever can set a Workers secret already controls the
/// deployment; the steps end with a new password and the secret deleted
/// (`SECURITY.md`).
pub(super) async fn recover_admin(env: &Env, body: &Login) -> R<()> {
    let Ok(secret) = env.secret("OPENLINE_RECOVERY_PASSWORD") else {
        return Ok(());
    };
    let secret = secret.to_string();
    let login = env
        .var("OPENLINE_ADMIN_LOGIN")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "admin".into());
    if body.login.trim().to_lowercase() != login || !ids::constant_time_eq(&body.password, &secret)
    {
        return Ok(());
    }
    let account = NewAccount {
        login,
        name: "Administrator".into(),
        role: Role::Admin,
        password: secret,
    };
    parse::<Ack>(
        call(
            &accounts(env)?,
            Method::Post,
            "/recover",
            Some(&account),
            &[],
        )
        .await?,
    )
    .await?;
    Ok(())
}
