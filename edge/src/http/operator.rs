//! Routes the operator's console calls on a line: its socket, the dialog
//! list, presence and the working day, dialog actions and messages, a
//! dialog's history, quick answers and client cards.

use crate::api::{bearer, internal, json, read_body, read_json, ApiResult};
use crate::calls::{
    AcknowledgeNotifications, DialogAccess, EraseClient, ExportClient, ListAudit, ListDialogs,
    ListNotifications, MergeClients, OperatorSend, SearchDialogs,
};
use crate::ids;
use crate::line_object::{OPERATOR_HEADER, SESSION_HEADER, WATCHER_HEADER};
use crate::rpc::{call, dialog_stub, forward, invoke, stub};
use openline_core::dialog_search::{lines_csv, merge_pages};
use openline_core::line::Event;
use openline_core::protocol::{Account, Role};
use openline_core::requests::{
    InviteRequest, OperatorMessageRequest, PresenceUpdate, RateDialog, TransferRequest,
    WorkingDayUpdate,
};
use openline_core::{text, ErrorCode, ProtocolError};
use worker::{Env, Headers, Method, Request, RequestInit, Url};

use super::auth::*;
use super::lines::*;
use super::{after, not_found, ok, query, query_without_token};

pub(super) async fn operator_action(
    env: &Env,
    req: &mut Request,
    me: &Account,
    line: &str,
    dialog: &str,
    action: &str,
) -> ApiResult {
    let dialog = dialog.to_owned();
    let op = me.id.clone();
    let event = match action {
        "accept" => Event::Accept {
            dialog,
            operator: op,
        },
        "close" => Event::Close {
            dialog,
            operator: op,
        },
        "leave" => Event::Leave {
            dialog,
            operator: op,
        },
        "transfer" => {
            let t: TransferRequest = read_body(req).await?;
            Event::Transfer {
                dialog,
                by: op,
                to: t.to,
            }
        }
        "invite" => {
            let i: InviteRequest = read_body(req).await?;
            Event::Invite {
                dialog,
                by: op,
                operator: i.operator,
            }
        }
        "rating" => {
            if me.role < Role::Supervisor {
                return Err(ProtocolError::new(
                    ErrorCode::Forbidden,
                    "only supervisors rate dialogs",
                ));
            }
            let s: RateDialog = read_body(req).await?;
            Event::SupervisorRating {
                dialog,
                supervisor: op,
                score: s.score,
                comment: s.comment,
            }
        }
        "messages" => {
            let m: OperatorMessageRequest = read_body(req).await?;
            // One visit to the line (checks, consoles), which has the
            // dialog store it (visitor's sockets).
            let send = OperatorSend {
                dialog,
                operator: op,
                client_id: m.client_id,
                text: m.text,
                hidden: m.hidden,
                attachment: None,
            };
            let stored = invoke(&stub(env, "LINES", line)?, &send).await?;
            let status = if stored.created { 201 } else { 200 };
            return json(status, &stored.message);
        }
        other => return Err(not_found(&format!("no such dialog action '{other}'"))),
    };
    forward(&stub(env, "LINES", line)?, &crate::calls::LineEvent(event)).await
}

pub(super) async fn socket(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let s = stub(env, "LINES", line)?;
    let h = Headers::new();
    h.set("Upgrade", "websocket").map_err(internal)?;
    h.set(OPERATOR_HEADER, &me.id).map_err(internal)?;
    if me.role >= Role::Supervisor {
        h.set(WATCHER_HEADER, "1").map_err(internal)?;
    }
    if let Some(token) = bearer(req.headers()).or_else(|| query(url, "token")) {
        h.set(SESSION_HEADER, &ids::token_hash(&token))
            .map_err(internal)?;
    }
    let mut init = RequestInit::new();
    init.with_headers(h);
    let r = Request::new_with_init("https://object/ws", &init).map_err(internal)?;
    s.fetch_with_request(r).await.map_err(internal)
}

pub(super) async fn dialogs(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let ask = ListDialogs {
        operator: me.id,
        supervisor: me.role >= Role::Supervisor,
    };
    forward(&stub(env, "LINES", line)?, &ask).await
}

/// K2: the caller's notification centre on the line.
pub(super) async fn notifications(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let ask = ListNotifications { account: me.id };
    forward(&stub(env, "LINES", line)?, &ask).await
}

/// K2: the caller acknowledges one notice (`id`) or all of theirs (`None`).
pub(super) async fn notifications_read(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    id: Option<&str>,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let id = match id {
        None => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| {
            ProtocolError::new(ErrorCode::NotFound, "no such notification for you")
        })?),
    };
    let ask = AcknowledgeNotifications { account: me.id, id };
    forward(&stub(env, "LINES", line)?, &ask).await
}

pub(super) async fn operators(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    line_get(env, line, "/operators").await
}

pub(super) async fn presence(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let body: PresenceUpdate = read_body(req).await?;
    line_event(
        env,
        line,
        &Event::SetPresence {
            operator: me.id,
            presence: body.presence,
        },
    )
    .await?;
    ok()
}

pub(super) async fn working_day(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let body: WorkingDayUpdate = read_body(req).await?;
    line_event(
        env,
        line,
        &Event::SetWorkingDay {
            operator: me.id,
            started: body.started,
        },
    )
    .await?;
    ok()
}

pub(super) async fn action(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
    action: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    operator_action(env, req, &me, line, dialog, action).await
}

/// A console user of the line whom the line lets read the dialog (one
/// rule, in the core); only then is the dialog itself read.
pub(super) async fn may_read(
    env: &Env,
    req: &Request,
    url: &Url,
    line: &str,
    dialog: &str,
) -> Result<(), ProtocolError> {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    may_read_as(env, &me, line, dialog).await
}

/// [`may_read`] for a caller already known to work on the line.
pub(super) async fn may_read_as(
    env: &Env,
    me: &Account,
    line: &str,
    dialog: &str,
) -> Result<(), ProtocolError> {
    let ask = DialogAccess {
        dialog: dialog.to_owned(),
        operator: me.id.clone(),
        supervisor: me.role >= Role::Supervisor,
    };
    invoke(&stub(env, "LINES", line)?, &ask).await?;
    Ok(())
}

pub(super) async fn history(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
) -> ApiResult {
    may_read(env, req, url, line, dialog).await?;
    let s = dialog_stub(env, dialog)?;
    call(
        &s,
        Method::Get,
        &format!("/operator-history?after={}", after(url)?),
        None::<&()>,
        &[],
    )
    .await
}

pub(super) async fn client_card(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    client: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let client = text::identifier("client", client)?;
    let all = u8::from(me.role >= Role::Supervisor);
    line_get(env, line, &format!("/card/{client}?by={}&all={all}", me.id)).await
}

/// `POST /api/v1/lines/{line}/clients/{client}/merge` `{"with"}`: C1, two
/// clients of the line confirmed as one person (operators: those proposed
/// on the card; supervisors: any two).
pub(super) async fn merge_clients(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    client: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let client = text::identifier("client", client)?;
    let body: openline_core::client_merge::MergeRequest = read_json(req).await?;
    let ask = MergeClients {
        client,
        with: text::identifier("with", &body.with)?,
        supervisor: me.role >= Role::Supervisor,
        by: me.id,
    };
    forward(&stub(env, "LINES", line)?, &ask).await
}

/// `GET /api/v1/lines/{line}/dialogs/search` (JSON) and `…/search.csv`:
/// S2/S3, the line's dialogs the caller may read that answer the query.
pub(super) async fn search(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    csv: bool,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    let ask = SearchDialogs {
        operator: me.id.clone(),
        supervisor: me.role >= Role::Supervisor,
        query: query_without_token(url),
        csv,
    };
    forward(&stub(env, "LINES", line)?, &ask).await
}

/// The most rows of a CSV across lines, as of one line's.
const CSV_ROWS: usize = 5000;

/// `GET /api/v1/dialogs/search` (JSON) and `…/search.csv`: S2/S3 across
/// the caller's lines (or the one `line=` names): each line's page of the
/// dialogs the caller may read, merged newest first.
pub(super) async fn search_lines(env: &Env, req: &mut Request, url: &Url, csv: bool) -> ApiResult {
    let me = require(env, req.headers(), url, Role::Operator).await?;
    let lines = match query(url, "line").filter(|l| !l.is_empty()) {
        Some(line) => {
            require_on_line(env, req.headers(), url, &line, Role::Operator).await?;
            vec![line]
        }
        None => my_lines(env, &me)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect(),
    };
    // The filters as given, for each line to read; `before` is this
    // handler's (a CSV goes on page after page).
    let filters: Vec<&str> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| {
            !["token=", "line=", "before="]
                .iter()
                .any(|k| p.starts_with(k))
        })
        .collect();
    let mut before = query(url, "before");
    let mut rows = Vec::new();
    loop {
        let mut q = filters.join("&");
        if let Some(b) = &before {
            q += &format!("&before={b}");
        }
        let ask = SearchDialogs {
            operator: me.id.clone(),
            supervisor: me.role >= Role::Supervisor,
            query: q,
            csv: false,
        };
        let mut pages = Vec::new();
        for line in &lines {
            pages.push((
                line.clone(),
                invoke(&stub(env, "LINES", line)?, &ask).await?,
            ));
        }
        let page = merge_pages(pages);
        if !csv {
            return json(200, &page);
        }
        before = page.dialogs.last().map(|r| r.dialog.opened_at.to_string());
        rows.extend(page.dialogs);
        if !page.more || rows.len() >= CSV_ROWS {
            break;
        }
    }
    crate::api::csv(lines_csv(&rows), "dialogs")
}

/// `GET /api/v1/lines/{line}/dialogs/{dialog}/transcript.csv`: S3, a
/// dialog's messages as CSV for whoever may read it.
pub(super) async fn transcript_csv(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
) -> ApiResult {
    may_read(env, req, url, line, dialog).await?;
    let history: openline_core::protocol::History = crate::rpc::call_json(
        &dialog_stub(env, dialog)?,
        Method::Get,
        "/operator-history?after=0",
        None::<&()>,
    )
    .await?;
    let csv = openline_core::dialog_search::transcript_csv(&history.messages);
    crate::api::csv(csv, &text::identifier("dialog", dialog)?)
}

/// `GET /api/v1/lines/{line}/clients/{client}/export` (administrators):
/// everything the line keeps of one client (GDPR access).
pub(super) async fn export_client(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    client: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let client = text::identifier("client", client)?;
    forward(
        &stub(env, "LINES", line)?,
        &ExportClient { client, by: me.id },
    )
    .await
}

/// `GET /api/v1/lines/{line}/audit` (administrators): who exported,
/// erased or merged which client's data, and when (X9).
pub(super) async fn audit(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    forward(&stub(env, "LINES", line)?, &ListAudit {}).await
}

/// `DELETE /api/v1/lines/{line}/clients/{client}` (administrators): one
/// client's personal data erased (GDPR).
pub(super) async fn erase_client(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    client: &str,
) -> ApiResult {
    let me = require_on_line(env, req.headers(), url, line, Role::Admin).await?;
    let client = text::identifier("client", client)?;
    forward(
        &stub(env, "LINES", line)?,
        &EraseClient { client, by: me.id },
    )
    .await
}
