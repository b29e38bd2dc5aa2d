//! O1: a person's own profile — display name, position, notice address —
//! and their avatar: a picture uploaded to R2 under a content-addressed
//! name, served to anyone (visitors see it in the widget) with a
//! year-long, immutable cache.

use crate::accounts_object::{AvatarSet, SetAvatar, ACTOR_HEADER};
use crate::api::{file_response, internal, json, read_body, read_bytes, ApiResult};
use crate::caches;
use crate::ids;
use crate::limits;
use crate::rpc::{call, call_json, parse};
use openline_core::files::{self, FileKind};
use openline_core::protocol::{Account, AccountPatch, Role};
use openline_core::requests::ProfilePatch;
use openline_core::{ErrorCode, ProtocolError};
use worker::{Env, Method, Request, Url};

use super::auth::*;
use super::lines::*;

/// The R2 binding holding uploaded files.
const FILES: &str = "FILES";
/// Where avatars are served from; the rest of the path is the R2 key.
const AVATAR_PATH: &str = "/api/v1/files/";

pub(super) async fn me_patch(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Operator).await?;
    let body: ProfilePatch = read_body(req).await?;
    if body == ProfilePatch::default() {
        return Err(ProtocolError::new(
            ErrorCode::BadRequest,
            "nothing to change: give name, position or email",
        ));
    }
    let patch = AccountPatch {
        name: body.name,
        position: body.position,
        email: body.email,
        ..AccountPatch::default()
    };
    let account: Account = parse(
        call(
            &accounts(env)?,
            Method::Patch,
            &format!("/accounts/{}", me.id),
            Some(&patch),
            &[(ACTOR_HEADER, &me.id)],
        )
        .await?,
    )
    .await?;
    caches::forget_account(&account.id);
    refresh_operator(env, &account).await?;
    json(200, &account)
}

/// `PUT /api/v1/me/avatar`: the body is the picture itself.
pub(super) async fn avatar_put(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Operator).await?;
    limits::check(
        env,
        "UPLOAD_LIMITER",
        format!("avatar:{}", me.id),
        "uploads",
    )
    .await?;
    let bytes = read_bytes(req, files::AVATAR_MAX_BYTES).await?;
    let kind = files::check_avatar(&bytes)?;
    let digest = ids::token_hash_bytes(&bytes);
    let key = format!("avatars/{}/{}.{}", me.id, &digest[..32], kind.extension());
    let bucket = env.bucket(FILES).map_err(internal)?;
    bucket
        .put(&key, bytes)
        .http_metadata(worker::HttpMetadata {
            content_type: Some(kind.mime().to_owned()),
            ..Default::default()
        })
        .execute()
        .await
        .map_err(internal)?;
    set_avatar(env, &me, Some(format!("{AVATAR_PATH}{key}"))).await
}

/// `DELETE /api/v1/me/avatar`: back to initials.
pub(super) async fn avatar_delete(env: &Env, req: &mut Request, url: &Url) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Operator).await?;
    if me.avatar.is_none() {
        return Err(ProtocolError::new(
            ErrorCode::NotFound,
            "you have no avatar to remove",
        ));
    }
    set_avatar(env, &me, None).await
}

async fn set_avatar(env: &Env, me: &Account, avatar: Option<String>) -> ApiResult {
    let body = SetAvatar {
        account: me.id.clone(),
        avatar,
    };
    let set: AvatarSet = call_json(&accounts(env)?, Method::Put, "/avatar", Some(&body)).await?;
    // The replaced picture's file goes, unless it is the same picture.
    if let Some(old) = set
        .previous
        .as_deref()
        .and_then(|p| p.strip_prefix(AVATAR_PATH))
    {
        if set
            .account
            .avatar
            .as_deref()
            .and_then(|p| p.strip_prefix(AVATAR_PATH))
            != Some(old)
        {
            let bucket = env.bucket(FILES).map_err(internal)?;
            bucket.delete(old).await.map_err(internal)?;
        }
    }
    caches::forget_account(&set.account.id);
    refresh_operator(env, &set.account).await?;
    json(200, &set.account)
}

/// `GET /api/v1/files/avatars/{account}/{name}`: anyone may load an
/// avatar (visitors see it); the name changes with the picture, so it is
/// cached for a year.
pub(super) async fn avatar_get(env: &Env, account: &str, name: &str) -> ApiResult {
    let not_found = || ProtocolError::new(ErrorCode::NotFound, "no such file");
    let kind = name
        .rsplit_once('.')
        .and_then(|(_, ext)| FileKind::from_extension(ext))
        .filter(|k| k.is_image())
        .ok_or_else(not_found)?;
    let key = format!("avatars/{account}/{name}");
    let bucket = env.bucket(FILES).map_err(internal)?;
    let object = bucket
        .get(&key)
        .execute()
        .await
        .map_err(internal)?
        .ok_or_else(not_found)?;
    let body = object.body().ok_or_else(not_found)?;
    let bytes = body.bytes().await.map_err(internal)?;
    file_response(
        bytes,
        &[
            ("Content-Type", kind.mime()),
            ("Cache-Control", "public, max-age=31536000, immutable"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'"),
        ],
    )
}
