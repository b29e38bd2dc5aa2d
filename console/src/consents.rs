//! A1: the log of consents a line received — who, when, which text; and,
//! for administrators, X9's audit log of what was done to clients' data.

use crate::api;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::consent::ConsentRecord;
use openline_core::privacy::{AuditAction, AuditLog};
use openline_core::protocol::{Account, Role};
use openline_core::replies::ConsentLog;
use openline_core::text::escape_html;

/// The consent log of `line`, newest first.
#[component]
pub fn Consents(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let log = RwSignal::new(None::<Result<Vec<ConsentRecord>, String>>);
    let token = ctx.token();
    let path = format!("/api/v1/lines/{}/consents", api::encode(&line));
    let audit = (ctx.role() >= Role::Admin).then(|| view! { <Audit ctx line /> });
    spawn_local(async move {
        let r = api::get::<ConsentLog>(&path, &token).await;
        log.set(Some(r.map(|l| l.consents).map_err(|e| ctx.fail(&e))));
    });
    view! {
        <section class="consents">
            <h3>{move || t().consent_log}</h3>
            {move || match log.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{move || t().no_consents}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table>
                        <thead><tr>
                            <th scope="col">{move || t().client}</th>
                            <th scope="col">{move || t().when}</th>
                            <th scope="col">{move || t().version}</th>
                            <th scope="col">{move || t().consent_text}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|c| view! {
                                <tr><td>{c.client}</td><td>{format::time(c.at)}</td><td>{c.version}</td><td class="consent-text">{c.text}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
        {audit}
    }
}

/// X9: who exported, erased or merged which client's data, and when —
/// newest first, as one escaped HTML table.
#[component]
fn Audit(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let html = RwSignal::new(None::<Result<String, String>>);
    let token = ctx.token();
    let path = format!("/api/v1/lines/{}/audit", api::encode(&line));
    spawn_local(async move {
        let r = api::get::<AuditLog>(&path, &token).await;
        let names = api::get::<Vec<Account>>("/api/v1/accounts", &token).await;
        let names: Vec<(String, String)> = names
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        html.set(Some(match r {
            Ok(log) => Ok(table(ctx.t_untracked(), &log, &names)),
            Err(e) => Err(ctx.fail(&e)),
        }));
    });
    view! {
        <section class="audit">
            <h3>{move || t().audit_log}</h3>
            {move || match html.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(h)) => view! { <div inner_html=h></div> }.into_any(),
            }}
        </section>
    }
}

fn table(t: &crate::i18n::Texts, log: &AuditLog, names: &[(String, String)]) -> String {
    if log.entries.is_empty() {
        return format!("<p class=\"empty\">{}</p>", t.audit_none);
    }
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead><tbody>",
        t.when, t.audit_by, t.audit_what, t.client
    );
    for e in &log.entries {
        let (label, named) = match e.action {
            AuditAction::Export => (t.audit_export, false),
            AuditAction::Erase => (t.audit_erase, false),
            AuditAction::Merge => (t.audit_merge, true),
            AuditAction::Expire => (t.audit_expire, true),
        };
        let what = match (named, &e.detail) {
            (true, Some(d)) => format!("{label} {}", escape_html(d)),
            _ => label.to_owned(),
        };
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{what}</td><td>{}</td></tr>",
            format::time(e.at),
            escape_html(&api::name_in(names, &e.by)),
            escape_html(&e.client)
        );
    }
    h + "</tbody></table>"
}
