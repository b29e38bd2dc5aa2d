//! Issue 11.3: files in a conversation. The visitor or an operator sends
//! the file itself as the request's body; the worker checks it by content
//! against the line's rules (`AttachmentRules`), keeps it in R2 under its
//! dialog and has the dialog store a message carrying it. Files are served
//! only through links signed with the deployment's own key that expire
//! (`attachments::LINK_TTL_MS`), handed to the dialog's participants: the
//! visitor of the dialog, and operators who may read it.

use crate::api::{file_response, internal, json, read_bytes, ApiResult};
use crate::calls::{FileKeyAsk, OperatorSend};
use crate::clock;
use crate::dialog_object::VisitorAttachment;
use crate::ids;
use crate::limits;
use crate::rpc::{invoke, stub};
use openline_core::attachments::{self, Attachment, AttachmentRules};
use openline_core::files::FileKind;
use openline_core::protocol::Role;
use openline_core::settings::LineSettings;
use openline_core::{text, ErrorCode, ProtocolError};
use serde::Serialize;
use std::cell::RefCell;
use worker::{Env, Method, Request, Url};

use super::auth::require_on_line;
use super::lines::line_settings;
use super::operator::may_read_as;
use super::visitor::{to_dialog, visitor_credentials, visitor_dialog};
use super::{query, R};

/// The R2 binding holding uploaded files.
pub(crate) const FILES: &str = "FILES";
/// Where attachments are kept in it: `attachments/{dialog}/{file}`.
pub(crate) const PREFIX: &str = "attachments/";

thread_local! {
    /// The link-signing key, once read (it never changes).
    static KEY: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// A link to a file, as participants receive it.
#[derive(Serialize)]
struct FileLink {
    url: String,
    /// When it stops serving the file (epoch ms).
    expires_at: i64,
}

async fn link_key(env: &Env) -> R<Vec<u8>> {
    if let Some(k) = KEY.with(|k| k.borrow().clone()) {
        return Ok(k);
    }
    let reply = invoke(&stub(env, "ACCOUNTS", "accounts")?, &FileKeyAsk {}).await?;
    let key = hex::decode(reply.key).map_err(internal)?;
    KEY.with(|k| *k.borrow_mut() = Some(key.clone()));
    Ok(key)
}

/// The file's name and the sender's id for it, from the query.
fn sent_as(url: &Url) -> R<(String, String)> {
    let client_id = text::client_id(&query(url, "client_id").unwrap_or_default())?;
    Ok((query(url, "name").unwrap_or_default(), client_id))
}

/// Reads the body within the line's limit, checks it and keeps it.
async fn keep(
    env: &Env,
    req: &mut Request,
    rules: &LineSettings,
    dialog: &str,
    name: &str,
) -> R<Attachment> {
    let rules = &rules.attachments;
    if !rules.enabled {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "this line does not accept files",
        ));
    }
    let bytes = read_bytes(req, rules.max_bytes as usize)
        .await
        .map_err(|e| match e.code {
            ErrorCode::PayloadTooLarge => rules.too_big(),
            _ => e,
        })?;
    keep_bytes(env, rules, dialog, bytes, name).await
}

/// Checks a file's bytes against the line's rules and keeps them in R2
/// under `dialog` (what a messenger's file goes through too).
pub(super) async fn keep_bytes(
    env: &Env,
    rules: &AttachmentRules,
    dialog: &str,
    bytes: Vec<u8>,
    name: &str,
) -> R<Attachment> {
    let kind = rules.check(&bytes)?;
    let random = ids::random_hex(16).map_err(internal)?;
    let a = Attachment {
        id: attachments::file_id(dialog, &random, kind),
        name: attachments::shown_name(name, kind),
        kind,
        size: bytes.len() as u64,
    };
    let bucket = env.bucket(FILES).map_err(internal)?;
    bucket
        .put(format!("{PREFIX}{}", a.id), bytes)
        .http_metadata(worker::HttpMetadata {
            content_type: Some(kind.mime().to_owned()),
            ..Default::default()
        })
        .custom_metadata([("name".to_owned(), a.name.clone())])
        .execute()
        .await
        .map_err(internal)?;
    Ok(a)
}

/// Removes a kept file whose message was refused or already stored.
pub(super) async fn drop_file(env: &Env, a: &Attachment) {
    if let Ok(bucket) = env.bucket(FILES) {
        let _ = bucket.delete(format!("{PREFIX}{}", a.id)).await;
    }
}

/// `POST /api/v1/visitor/attachments?name=&client_id=`: the visitor sends
/// a file (the body); `201` with the message, `200` for a resend.
pub(super) async fn visitor_send(
    env: &Env,
    req: &mut Request,
    url: &Url,
    origin: Option<&str>,
) -> ApiResult {
    let ip = limits::client_ip(req.headers());
    limits::check(env, "UPLOAD_LIMITER", format!("attach:{ip}"), "uploads").await?;
    let (dialog, hash) = visitor_credentials(req.headers(), url)?;
    limits::visitor(env, &dialog, limits::VisitorAction::Message).await?;
    let (name, client_id) = sent_as(url)?;
    let session = visitor_dialog(env, origin, &dialog, &hash).await?;
    let settings = line_settings(env, &session.line).await?;
    let a = keep(env, req, &settings, &dialog, &name).await?;
    let body = VisitorAttachment {
        client_id,
        attachment: a.clone(),
    };
    let path = VisitorAttachment::PATH;
    match to_dialog(env, origin, &dialog, &hash, Method::Post, path, Some(&body)).await {
        Ok(resp) => {
            // A resend (200) keeps the first copy; a refusal stored nothing.
            if resp.status_code() == 200 || refused(resp.status_code()) {
                drop_file(env, &a).await;
            }
            Ok(resp)
        }
        Err(e) => {
            if refused(e.code.http_status()) {
                drop_file(env, &a).await;
            }
            Err(e)
        }
    }
}

/// Whether a failed call refused the message (its file is not referenced
/// by anything stored) rather than failing after, or while, storing it —
/// a 5xx or a lost answer may follow a stored message, whose file must
/// stay.
pub(super) fn refused(status: u16) -> bool {
    (400..500).contains(&status)
}

/// `POST /api/v1/lines/{line}/dialogs/{dialog}/attachments?name=&client_id=`:
/// an operator sends a file; the line allows it like a message.
pub(super) async fn operator_send(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    limits::check(
        env,
        "UPLOAD_LIMITER",
        format!("attach:{}", me.id),
        "uploads",
    )
    .await?;
    let dialog = text::identifier("dialog", dialog)?;
    let (name, client_id) = sent_as(url)?;
    let settings = line_settings(env, line).await?;
    let a = keep(env, req, &settings, &dialog, &name).await?;
    let send = OperatorSend {
        dialog,
        operator: me.id,
        client_id,
        text: a.name.clone(),
        hidden: false,
        attachment: Some(a.clone()),
    };
    match invoke(&stub(env, "LINES", line)?, &send).await {
        Ok(stored) => {
            if !stored.created {
                drop_file(env, &a).await;
            }
            json(if stored.created { 201 } else { 200 }, &stored.message)
        }
        Err(e) => {
            if refused(e.code.http_status()) {
                drop_file(env, &a).await;
            }
            Err(e)
        }
    }
}

/// The file id of `{dialog}/{file}`, if it names a file of that dialog.
fn file_of(dialog: &str, file: &str) -> R<String> {
    let id = format!("{dialog}/{file}");
    match attachments::dialog_of(&id) {
        Some(d) if d == dialog => Ok(id),
        _ => Err(ProtocolError::new(ErrorCode::NotFound, "no such file")),
    }
}

/// A fresh link to file `id`, on the address the caller used; none for a
/// file that is not kept (never sent, or erased).
async fn link(env: &Env, url: &Url, id: &str) -> ApiResult {
    let bucket = env.bucket(FILES).map_err(internal)?;
    if bucket
        .head(format!("{PREFIX}{id}"))
        .await
        .map_err(internal)?
        .is_none()
    {
        return Err(ProtocolError::new(ErrorCode::NotFound, "no such file"));
    }
    let key = link_key(env).await?;
    let expires_at = clock::real_now() + attachments::LINK_TTL_MS;
    json(
        200,
        &FileLink {
            url: file_url(url, &key, id, expires_at),
            expires_at,
        },
    )
}

/// The address of a signed link to file `id`, serving until `expires`.
fn file_url(url: &Url, key: &[u8], id: &str, expires: i64) -> String {
    format!(
        "{}/api/v1/files/{PREFIX}{id}?{}",
        url.origin().ascii_serialization(),
        attachments::link_query(key, id, expires)
    )
}

/// F3: links for an e-mail copy to the files the company sent among
/// `messages` (file id, address), each serving for
/// [`attachments::MAIL_LINK_TTL_MS`]; no key is read when there is none.
/// The visitor's own files are named, never linked: the copy goes to any
/// address they give, and must not carry their uploads under the
/// company's name.
pub(super) async fn mail_links(
    env: &Env,
    url: &Url,
    messages: &[openline_core::protocol::ChatMessage],
) -> R<Vec<(String, String)>> {
    let files: Vec<&str> = messages
        .iter()
        .filter(|m| m.author != openline_core::protocol::Author::Visitor)
        .filter_map(|m| m.attachment.as_ref().map(|a| a.id.as_str()))
        .collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let key = link_key(env).await?;
    let expires = clock::real_now() + attachments::MAIL_LINK_TTL_MS;
    Ok(files
        .into_iter()
        .map(|id| (id.to_owned(), file_url(url, &key, id, expires)))
        .collect())
}

/// `GET /api/v1/visitor/attachments/{dialog}/{file}`: a link for the
/// visitor of that dialog (their token), to a file of it.
pub(super) async fn visitor_link(
    env: &Env,
    req: &Request,
    url: &Url,
    origin: Option<&str>,
    dialog: &str,
    file: &str,
) -> ApiResult {
    let (mine, hash) = visitor_credentials(req.headers(), url)?;
    let id = file_of(dialog, file)?;
    if mine != dialog {
        return Err(ProtocolError::new(ErrorCode::NotFound, "no such file"));
    }
    limits::visitor(env, &mine, limits::VisitorAction::FileLink).await?;
    visitor_dialog(env, origin, &mine, &hash).await?;
    link(env, url, &id).await
}

/// `GET /api/v1/lines/{line}/dialogs/{dialog}/attachments/{file}`: a link
/// for an operator who may read the dialog.
pub(super) async fn operator_link(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
    file: &str,
) -> ApiResult {
    let id = file_of(dialog, file)?;
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    limits::check(
        env,
        "MESSAGE_LIMITER",
        format!("file-link:{}", me.id),
        "file links",
    )
    .await?;
    may_read_as(env, &me, line, dialog).await?;
    link(env, url, &id).await
}

/// `GET /api/v1/files/attachments/{dialog}/{file}?exp=&sig=`: the file, to
/// whoever holds a valid link (signed by this deployment, not expired).
pub(super) async fn serve(env: &Env, url: &Url, dialog: &str, file: &str) -> ApiResult {
    let id = file_of(dialog, file)?;
    let refused = || {
        ProtocolError::new(
            ErrorCode::Forbidden,
            "this link is not valid or has expired; ask for a new one",
        )
    };
    let expires = query(url, "exp")
        .and_then(|e| e.parse::<i64>().ok())
        .ok_or_else(refused)?;
    let sig = query(url, "sig").ok_or_else(refused)?;
    let key = link_key(env).await?;
    if !attachments::link_valid(&key, &id, expires, &sig, clock::real_now()) {
        return Err(refused());
    }
    let not_found = || ProtocolError::new(ErrorCode::NotFound, "no such file");
    let kind = file
        .rsplit_once('.')
        .and_then(|(_, ext)| FileKind::from_extension(ext))
        .ok_or_else(not_found)?;
    let bucket = env.bucket(FILES).map_err(internal)?;
    let object = bucket
        .get(format!("{PREFIX}{id}"))
        .execute()
        .await
        .map_err(internal)?
        .ok_or_else(not_found)?;
    let name = object
        .custom_metadata()
        .ok()
        .and_then(|m| m.get("name").cloned())
        .unwrap_or_else(|| format!("file.{}", kind.extension()));
    let bytes = object
        .body()
        .ok_or_else(not_found)?
        .bytes()
        .await
        .map_err(internal)?;
    let disposition = format!(
        "inline; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_name(&name),
        percent(&name)
    );
    file_response(
        bytes,
        &[
            ("Content-Type", kind.mime()),
            ("Content-Disposition", disposition.as_str()),
            ("Cache-Control", "private, max-age=900"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; sandbox"),
            ("Cross-Origin-Resource-Policy", "cross-origin"),
        ],
    )
}

/// The name for old clients: ASCII letters, digits and `.-_ ` only.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987's percent-encoding of the name's UTF-8.
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
