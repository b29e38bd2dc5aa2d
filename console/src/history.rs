//! S2/S3: the line's history — every dialog the caller may read, live and
//! archived, found by words and filters, a page at a time, downloaded as
//! CSV; a found dialog's transcript read in place and downloaded.

use crate::api::{self, ApiError};
use crate::i18n::Texts;
use crate::state::state_label;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::dialog_search::DialogPage;
use openline_core::line::Dialog;
use openline_core::protocol::{Author, ChatMessage, History};
use openline_core::text::escape_html;

/// The history of `line`.
#[component]
pub fn DialogHistory(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let base = StoredValue::new(format!("/api/v1/lines/{}/dialogs", api::encode(&line)));
    let words = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let kpi = RwSignal::new(false);
    let found = RwSignal::new(Vec::<Dialog>::new());
    let more = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let shown = RwSignal::new(None::<(String, String)>);
    let names = RwSignal::new(Vec::<(String, String)>::new());
    {
        let (token, line) = (ctx.token(), api::encode(&line));
        spawn_local(async move { names.set(api::operator_names(&line, &token).await) });
    }
    let query = move || {
        let pairs = [
            ("q", words.get_untracked()),
            ("state", state.get_untracked()),
            ("rating", rating.get_untracked()),
            ("kpi_missed", kpi.get_untracked().to_string()),
        ];
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", api::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    // A new search (`next` false) or the page after the last one found.
    let search = move |next: bool| {
        let before = next
            .then(|| found.with_untracked(|f| f.last().map(|d| d.opened_at)))
            .flatten()
            .map(|b| format!("&before={b}"))
            .unwrap_or_default();
        let path = format!("{}/search?{}{before}", base.get_value(), query());
        let token = ctx.token();
        spawn_local(async move {
            match api::get::<DialogPage>(&path, &token).await {
                Ok(page) => {
                    failed.set(None);
                    more.set(page.more);
                    if next {
                        found.update(|f| f.extend(page.dialogs));
                    } else {
                        found.set(page.dialogs);
                    }
                }
                Err(e) => failed.set(Some(ctx.fail(&e))),
            }
        });
    };
    search(false);
    let open = move |ev: leptos::ev::MouseEvent| {
        let Some(dialog) = crate::leads::target_data(&ev, "data-open") else {
            return;
        };
        let path = format!(
            "{}/{}/messages?after=0",
            base.get_value(),
            api::encode(&dialog)
        );
        let token = ctx.token();
        spawn_local(async move {
            let t = ctx.t_untracked();
            let r: Result<History, ApiError> = api::get(&path, &token).await;
            let html = match r {
                Ok(h) => transcript(t, &h.messages),
                Err(e) => format!("<p class=\"error\">{}</p>", escape_html(&ctx.fail(&e))),
            };
            shown.set(Some((dialog, html)));
        });
    };
    let download = move |path: String| {
        format!(
            "{}{}{}token={}",
            base.get_value(),
            path,
            if path.contains('?') { "&" } else { "?" },
            api::encode(&ctx.token())
        )
    };
    let choice = |v: &'static str, label: &'static str| view! { <option value=v>{label}</option> };
    view! {
        <section class="history">
            <h2>{move || t().history_title}</h2>
            <form class="search" on:submit=move |ev| { ev.prevent_default(); search(false); }>
                <input type="search" aria-label=move || t().history_words placeholder=move || t().history_words
                    prop:value=move || words.get() on:input=move |ev| words.set(event_target_value(&ev)) />
                <select aria-label=move || t().lead_status prop:value=move || state.get()
                    on:change=move |ev| state.set(event_target_value(&ev))>
                    {move || [
                        choice("", t().history_any_state),
                        choice("queued", t().history_queued),
                        choice("active", t().history_active),
                        choice("finished", t().history_finished),
                    ].into_iter().collect_view()}
                </select>
                <select aria-label=move || t().client_rating prop:value=move || rating.get()
                    on:change=move |ev| rating.set(event_target_value(&ev))>
                    <option value="">{move || t().client_rating}</option>
                    {["1", "2", "3", "4", "5"].map(|r| view! { <option value=r>{format!("{r} ★")}</option> }).collect_view()}
                </select>
                <label><input type="checkbox" prop:checked=move || kpi.get()
                    on:change=move |ev| kpi.set(event_target_checked(&ev)) />{move || t().history_kpi}</label>
                <button type="submit" class="primary">{move || t().history_find}</button>
                <a class="download" href=move || { words.track(); state.track(); rating.track(); kpi.track(); download(format!("/search.csv?{}", query())) }
                    download="dialogs.csv">{move || t().history_csv}</a>
            </form>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let rows = found.with(|f| names.with(|n| rows(t(), f, n)));
                if rows.is_empty() {
                    view! { <p class="empty">{move || t().history_none}</p> }.into_any()
                } else {
                    view! {
                        <table>
                            <thead><tr>
                                <th scope="col">{move || t().when}</th>
                                <th scope="col">{move || t().client}</th>
                                <th scope="col">{move || t().lead_status}</th>
                                <th scope="col">{move || t().operator}</th>
                                <th scope="col">{move || t().client_rating}</th>
                                <th scope="col">{move || t().history}</th>
                            </tr></thead>
                            <tbody inner_html=rows on:click=open></tbody>
                        </table>
                    }.into_any()
                }
            }}
            {move || more.get().then(|| view! {
                <button type="button" on:click=move |_| search(true)>{move || t().history_more}</button>
            })}
            {move || shown.get().map(|(dialog, html)| view! {
                <div class="transcript">
                    <a class="download" href=download(format!("/{}/transcript.csv", api::encode(&dialog)))
                        download=format!("{dialog}.csv")>{move || t().history_transcript_csv}</a>
                    <div inner_html=html></div>
                </div>
            })}
        </section>
    }
}

/// The found dialogs as escaped HTML rows, each with its "Show" button.
fn rows(t: &Texts, found: &[Dialog], names: &[(String, String)]) -> String {
    let mut h = String::new();
    for d in found {
        let id = escape_html(&d.id);
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><button type=\"button\" data-open=\"{id}\">{}</button></td></tr>",
            format::time(d.opened_at),
            escape_html(&format::short(&d.client)),
            state_label(t, &d.status),
            escape_html(&d.status.owner().map_or("—".to_owned(), |o| api::name_in(names, o))),
            d.client_rating.as_ref().map_or(String::new(), |r| "★".repeat(usize::from(r.score))),
            t.show
        );
    }
    h
}

/// A transcript as escaped HTML lines: who, when, what (hidden notes
/// marked; system lines left out). Also a lead's.
pub(crate) fn transcript(t: &Texts, messages: &[ChatMessage]) -> String {
    let mut out = String::from("<ol>");
    for m in messages {
        let who = match &m.author {
            Author::Visitor => t.client.to_owned(),
            Author::Operator { name } => name.clone().unwrap_or_else(|| t.operator.to_owned()),
            Author::System => continue,
        };
        out += &format!(
            "<li{}><b>{}</b> <time>{}</time><p>{}</p></li>",
            if m.hidden {
                " class=\"hidden-note\""
            } else {
                ""
            },
            escape_html(&who),
            format::message_time(m.at),
            escape_html(&m.text)
        );
    }
    out + "</ol>"
}
