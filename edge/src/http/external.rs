//! Routes for external systems (C7), authenticated by the API key.

use crate::api::{json, read_body, ApiResult};
use crate::calls::{ClientLastDialog, Ended};
use crate::ids;
use crate::rpc::{call, dialog_stub, invoke, parse, stub};
use openline_core::line::Status;
use openline_core::protocol::{ChatMessage, SendMessage};
use openline_core::replies::ExternalMessage;
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Headers, Method, Request};

use super::lines::line_settings;
use super::visitor::open_dialog;
use super::R;

pub(super) fn check_api_key(env: &Env, headers: &Headers) -> R<()> {
    let expected = env.secret("OPENLINE_API_KEY").map(|s| s.to_string()).ok();
    let given = headers.get("X-Api-Key").ok().flatten();
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() && ids::constant_time_eq(&e, &g) => Ok(()),
        _ => Err(ProtocolError::new(
            ErrorCode::Unauthorized,
            "a valid X-Api-Key is required",
        )),
    }
}

pub(super) async fn client_message(
    env: &Env,
    req: &mut Request,
    line: &str,
    client: &str,
) -> ApiResult {
    check_api_key(env, req.headers())?;
    let body: SendMessage = read_body(req).await?;
    let body = SendMessage {
        client_id: text::client_id(&body.client_id)?,
        text: text::message_text(&body.text)?,
    };
    let ask = ClientLastDialog {
        client: client.to_owned(),
    };
    let last = invoke(&stub(env, "LINES", line)?, &ask)
        .await
        .map_err(|e| match e.code {
            ErrorCode::NotFound | ErrorCode::ClientNotFound => ProtocolError::new(
                ErrorCode::ClientNotFound,
                "client with a connected open line not found",
            ),
            _ => e,
        })?;
    // The client's conversation has finished: the message starts a new
    // dialog for them, routed like any other, with this message first.
    let (dialog, opened) = if matches!(last.status, Status::Finished { .. }) {
        let settings = line_settings(env, line).await?;
        let (dialog, _token) = open_dialog(env, line, &settings, client, None).await?;
        // A visitor still looking at the finished conversation moves on.
        let moved = Ended {
            line: line.to_owned(),
            next: Some(dialog.clone()),
        };
        invoke(&dialog_stub(env, &last.dialog)?, &moved).await?;
        (dialog, true)
    } else {
        (last.dialog, false)
    };
    let resp = call(
        &dialog_stub(env, &dialog)?,
        Method::Post,
        "/external-message",
        Some(&body),
        &[],
    )
    .await?;
    let status = resp.status_code();
    let message: ChatMessage = parse(resp).await?;
    json(
        status,
        &ExternalMessage {
            dialog,
            opened,
            message,
        },
    )
}
