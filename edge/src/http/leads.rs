//! C2–C5: the routes of a line's leads — make one from a chat, list them,
//! read one with its transcript, change its status or responsible person.
//! Operators of the line act on their own leads; supervisors and
//! administrators on all; the line decides (`line_object::leads`).

use crate::api::{read_body, ApiResult};
use crate::calls::{ChangeLead, CreateLead, LeadAsker, ListLeads, ShowLead};
use crate::rpc::{forward, stub};
use openline_core::leads::{LeadPatch, LeadStatus};
use openline_core::protocol::{Account, Role};
use openline_core::{text, ProtocolError};
use worker::{Env, Request, Url};

use super::auth::require_on_line;
use super::query;

async fn asker(
    env: &Env,
    req: &Request,
    url: &Url,
    line: &str,
) -> Result<LeadAsker, ProtocolError> {
    let me: Account = require_on_line(env, req.headers(), url, line, Role::Operator).await?;
    Ok(LeadAsker {
        operator: me.id,
        supervisor: me.role >= Role::Supervisor,
    })
}

/// `POST /api/v1/lines/{line}/dialogs/{dialog}/lead`.
pub(super) async fn create(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    dialog: &str,
) -> ApiResult {
    let by = asker(env, req, url, line).await?;
    let dialog = text::identifier("dialog", dialog)?;
    forward(&stub(env, "LINES", line)?, &CreateLead { dialog, by }).await
}

/// `GET /api/v1/lines/{line}/leads?status=`.
pub(super) async fn list(env: &Env, req: &mut Request, url: &Url, line: &str) -> ApiResult {
    let by = asker(env, req, url, line).await?;
    let status = match query(url, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(LeadStatus::named(&s).ok_or_else(|| {
            ProtocolError::invalid_field("status", "one of new, in_progress, won, lost")
        })?),
    };
    forward(&stub(env, "LINES", line)?, &ListLeads { by, status }).await
}

/// `GET /api/v1/lines/{line}/leads/{lead}`.
pub(super) async fn show(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    lead: &str,
) -> ApiResult {
    let by = asker(env, req, url, line).await?;
    let lead = text::identifier("lead", lead)?;
    forward(&stub(env, "LINES", line)?, &ShowLead { lead, by }).await
}

/// `PATCH /api/v1/lines/{line}/leads/{lead}`.
pub(super) async fn change(
    env: &Env,
    req: &mut Request,
    url: &Url,
    line: &str,
    lead: &str,
) -> ApiResult {
    let by = asker(env, req, url, line).await?;
    let lead = text::identifier("lead", lead)?;
    let patch: LeadPatch = read_body(req).await?;
    forward(&stub(env, "LINES", line)?, &ChangeLead { lead, by, patch }).await
}
