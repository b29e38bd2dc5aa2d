//! C2–C5: the line's leads as their people work them — the caller's own
//! (every lead for supervisors), filtered by status; a lead's status set
//! in its row; its transcript shown under the list.

use crate::api::{self, ApiError};
use crate::i18n::Texts;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::leads::{Lead, LeadList, LeadView};
use openline_core::text::escape_html;

type Label = fn(&Texts) -> &'static str;

const STATUSES: &[(&str, Label)] = &[
    ("new", |t| t.lead_new),
    ("in_progress", |t| t.lead_in_progress),
    ("won", |t| t.lead_won),
    ("lost", |t| t.lead_lost),
];

/// A status as people read it.
pub(crate) fn status_label(t: &Texts, status: openline_core::leads::LeadStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(v, _)| *v == status.name())
        .map_or("", |(_, l)| l(t))
}

/// The leads of `line`.
#[component]
pub fn Leads(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let base = StoredValue::new(format!("/api/v1/lines/{}", api::encode(&line)));
    let filter = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Result<Vec<Lead>, String>>);
    let names = RwSignal::new(Vec::<(String, String)>::new());
    let said = RwSignal::new(None::<String>);
    let load = move || {
        let token = ctx.token();
        let path = format!(
            "{}/leads?status={}",
            base.get_value(),
            filter.get_untracked()
        );
        spawn_local(async move {
            let r = api::get::<LeadList>(&path, &token).await;
            list.set(Some(r.map(|l| l.leads).map_err(|e| ctx.fail(&e))));
        });
    };
    load();
    {
        let (token, line) = (ctx.token(), api::encode(&line));
        spawn_local(async move { names.set(api::operator_names(&line, &token).await) });
    }
    let name_of = move |id: &Option<String>| match id {
        None => "—".to_owned(),
        Some(id) => names.with(|n| api::name_in(n, id)),
    };
    let set_status = move |lead: String, status: String| {
        let token = ctx.token();
        let path = format!("{}/leads/{}", base.get_value(), api::encode(&lead));
        spawn_local(async move {
            let body = StatusPatch { status };
            // The answer's lead is read again with the list.
            let r: Result<api::Ignored, ApiError> = api::send("PATCH", &path, &token, &body).await;
            said.set(Some(match r {
                Ok(_) => ctx.t_untracked().lead_saved.to_owned(),
                Err(e) => ctx.fail(&e),
            }));
            load();
        });
    };
    let shown = RwSignal::new(None::<String>);
    // The rows are a static picture written as escaped HTML (as the
    // statistics are); their select and button are answered here, by the
    // events they raise in the table.
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(lead) = target_data(&ev, "data-lead") {
            set_status(lead, event_target_value(&ev));
        }
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(lead) = target_data(&ev, "data-show") else {
            return;
        };
        let token = ctx.token();
        let path = format!("{}/leads/{}", base.get_value(), api::encode(&lead));
        spawn_local(async move {
            let t = ctx.t_untracked();
            shown.set(Some(match api::get::<LeadView>(&path, &token).await {
                Ok(v) => crate::history::transcript(t, &v.transcript.messages),
                Err(e) => format!("<p class=\"error\">{}</p>", escape_html(&ctx.fail(&e))),
            }));
        });
    };
    let rows = move |leads: &[Lead]| {
        let t = ctx.t_untracked();
        let mut h = String::new();
        for lead in leads {
            let c = &lead.contacts;
            let name = c
                .name
                .clone()
                .unwrap_or_else(|| format::short(&lead.client));
            let contact = [c.email.as_deref(), c.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let id = escape_html(&lead.id);
            h += &format!(
                "<tr data-lead=\"{id}\"><th scope=\"row\">{}</th><td>{}</td><td><select data-lead=\"{id}\" aria-label=\"{}\">",
                escape_html(&name),
                escape_html(&contact),
                t.lead_status
            );
            for (v, label) in STATUSES {
                let selected = if *v == lead.status.name() {
                    " selected"
                } else {
                    ""
                };
                h += &format!("<option value=\"{v}\"{selected}>{}</option>", label(t));
            }
            h += &format!(
                "</select></td><td>{}</td><td>{}</td><td class=\"page\">{}</td><td><button type=\"button\" data-show=\"{id}\">{}</button></td></tr>",
                escape_html(&name_of(&lead.responsible)),
                format::time(lead.created_at),
                escape_html(lead.page.as_deref().unwrap_or_default()),
                t.show
            );
        }
        h
    };
    view! {
        <section class="leads">
            <h2>{move || t().leads}</h2>
            <label>{move || t().lead_status}
                <select prop:value=move || filter.get()
                    on:change=move |ev| { filter.set(event_target_value(&ev)); load(); }>
                    <option value="">{move || t().lead_all}</option>
                    {move || STATUSES.iter().map(|(v, l)| view! { <option value=*v>{l(t())}</option> }).collect_view()}
                </select>
            </label>
            {move || said.get().map(|s| view! { <p role="status">{s}</p> })}
            {move || match list.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! { <p class="empty">{move || t().no_leads}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <table>
                        <thead><tr>
                            <th scope="col">{move || t().client}</th>
                            <th scope="col">{move || t().lead_contacts}</th>
                            <th scope="col">{move || t().lead_status}</th>
                            <th scope="col">{move || t().lead_responsible}</th>
                            <th scope="col">{move || t().when}</th>
                            <th scope="col">{move || t().lead_page}</th>
                            <th scope="col">{move || t().history}</th>
                        </tr></thead>
                        <tbody inner_html=rows(&l) on:change=on_change on:click=on_click></tbody>
                    </table>
                }.into_any(),
            }}
            {move || shown.get().map(|h| view! { <div class="transcript" inner_html=h></div> })}
        </section>
    }
}

/// The value of an attribute of the element an event came from.
pub(crate) fn target_data(ev: &leptos::ev::Event, name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    ev.target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .get_attribute(name)
}

/// `PATCH …/leads/{lead}` with a new status (its wire name).
#[derive(serde::Serialize)]
struct StatusPatch {
    status: String,
}
