//! A1: the log of consents a line received — who, when, which text.

use crate::api;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::consent::ConsentRecord;
use openline_core::replies::ConsentLog;

/// The consent log of `line`, newest first.
#[component]
pub fn Consents(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let log = RwSignal::new(None::<Result<Vec<ConsentRecord>, String>>);
    let token = ctx.token();
    let path = format!("/api/v1/lines/{}/consents", api::encode(&line));
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
    }
}
