//! S2/S3: the history — every dialog the caller may read, live and
//! archived, on the line chosen or across all their lines, found by words
//! and filters, a page at a time, in the columns they choose and the order
//! they click, downloaded as CSV; a found dialog's transcript read in
//! place and downloaded.

use crate::api::{self, ApiError};
use crate::i18n::Texts;
use crate::session::storage;
use crate::state::state_label;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::dialog_search::{LineDialog, LinesPage};
use openline_core::line::Dialog;
use openline_core::protocol::{Author, ChatMessage, History};
use openline_core::text::escape_html;

/// The list's columns, in their order; the chosen ones are kept in the
/// browser under [`COLUMNS_KEY`].
const COLUMNS: [&str; 8] = [
    "line", "when", "client", "state", "operator", "first", "rating", "kpi",
];
const COLUMNS_KEY: &str = "openline:console:history-columns";

/// The history, first of `line`.
#[component]
pub fn DialogHistory(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let scope = RwSignal::new(line);
    let words = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let kpi = RwSignal::new(false);
    let found = RwSignal::new(Vec::<LineDialog>::new());
    let more = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let shown = RwSignal::new(None::<(String, String, String)>);
    let names = RwSignal::new(Vec::<(String, String)>::new());
    let hidden = RwSignal::new(
        storage()
            .and_then(|s| s.get_item(COLUMNS_KEY).ok().flatten())
            .unwrap_or_default(),
    );
    // The column and whether it is sorted from the top down.
    let sort = RwSignal::new(("when", true));
    {
        let (token, lines) = (ctx.token(), ctx.lines.get_untracked());
        spawn_local(async move {
            for l in lines {
                let more = api::operator_names(&api::encode(&l.id), &token).await;
                names.update(|n| n.extend(more));
            }
        });
    }
    let query = move || {
        let pairs = [
            ("line", scope.get_untracked()),
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
            .then(|| found.with_untracked(|f| f.last().map(|d| d.dialog.opened_at)))
            .flatten()
            .map(|b| format!("&before={b}"))
            .unwrap_or_default();
        let path = format!("/api/v1/dialogs/search?{}{before}", query());
        let token = ctx.token();
        spawn_local(async move {
            match api::get::<LinesPage>(&path, &token).await {
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
        let Some(at) = crate::leads::target_data(&ev, "data-open") else {
            return;
        };
        let Some((line, dialog)) = at
            .split_once('/')
            .map(|(l, d)| (l.to_owned(), d.to_owned()))
        else {
            return;
        };
        let path = format!(
            "/api/v1/lines/{}/dialogs/{}/messages?after=0",
            api::encode(&line),
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
            shown.set(Some((line, dialog, html)));
        });
    };
    let download = move |path: String| {
        format!(
            "{path}{}token={}",
            if path.contains('?') { "&" } else { "?" },
            api::encode(&ctx.token())
        )
    };
    // A column switched on or off in the chooser, remembered.
    let choose = move |ev: leptos::ev::Event| {
        if let Some(col) = crate::leads::target_data(&ev, "data-col") {
            hidden.update(|h| {
                *h = if h.split(',').any(|c| c == col) {
                    h.split(',')
                        .filter(|c| *c != col && !c.is_empty())
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    format!("{h},{col}")
                };
                if let Some(s) = storage() {
                    let _ = s.set_item(COLUMNS_KEY, h);
                }
            });
        }
    };
    let order = move |ev: leptos::ev::MouseEvent| {
        let Some(col) = crate::leads::target_data(&ev, "data-sort") else {
            return;
        };
        if let Some(col) = COLUMNS.into_iter().find(|c| *c == col) {
            sort.update(|(c, down)| {
                *down = if *c == col { !*down } else { true };
                *c = col;
            });
        }
    };
    let choice = |v: &'static str, label: &'static str| view! { <option value=v>{label}</option> };
    view! {
        <section class="history">
            <h2>{move || t().history_title}</h2>
            <form class="search" on:submit=move |ev| { ev.prevent_default(); search(false); }>
                <select aria-label=move || t().line prop:value=move || scope.get()
                    on:change=move |ev| { scope.set(event_target_value(&ev)); search(false); }>
                    <option value="">{move || t().history_all_lines}</option>
                    {move || ctx.lines.get().into_iter().map(|l| view! { <option value=l.id.clone()>{l.name}</option> }).collect_view()}
                </select>
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
                <a class="download" href=move || { scope.track(); words.track(); state.track(); rating.track(); kpi.track(); download(format!("/api/v1/dialogs/search.csv?{}", query())) }
                    download="dialogs.csv">{move || t().history_csv}</a>
            </form>
            <details class="columns">
                <summary>{move || t().history_columns}</summary>
                <div on:change=choose inner_html=move || chooser(t(), &hidden.get())></div>
            </details>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let cols: Vec<&str> = hidden.with(|h| COLUMNS.into_iter().filter(|c| !h.split(',').any(|x| x == *c)).collect());
                let rows = found.with(|f| names.with(|n| rows(t(), f, n, &cols, sort.get())));
                if rows.is_empty() {
                    view! { <p class="empty">{move || t().history_none}</p> }.into_any()
                } else {
                    view! {
                        <table>
                            <thead on:click=order inner_html=head(t(), &cols, sort.get())></thead>
                            <tbody inner_html=rows on:click=open></tbody>
                        </table>
                    }.into_any()
                }
            }}
            {move || more.get().then(|| view! {
                <button type="button" on:click=move |_| search(true)>{move || t().history_more}</button>
            })}
            {move || shown.get().map(|(line, dialog, html)| view! {
                <div class="transcript">
                    <a class="download" href=download(format!("/api/v1/lines/{}/dialogs/{}/transcript.csv", api::encode(&line), api::encode(&dialog)))
                        download=format!("{dialog}.csv")>{move || t().history_transcript_csv}</a>
                    <div inner_html=html></div>
                </div>
            })}
        </section>
    }
}

/// A column's heading.
fn title(t: &Texts, col: &str) -> &'static str {
    match col {
        "line" => t.line,
        "when" => t.when,
        "client" => t.client,
        "state" => t.lead_status,
        "operator" => t.operator,
        "first" => t.history_first,
        "rating" => t.client_rating,
        _ => t.history_kpi,
    }
}

/// The column chooser: a checkbox per column, ticked when shown.
fn chooser(t: &Texts, hidden: &str) -> String {
    let mut h = String::new();
    for col in COLUMNS {
        let on = if hidden.split(',').any(|c| c == col) {
            ""
        } else {
            " checked"
        };
        h += &format!(
            "<label><input type=\"checkbox\" data-col=\"{col}\"{on}> {}</label> ",
            title(t, col)
        );
    }
    h
}

/// The headings, each sorting the list when clicked (the sorted one marked).
fn head(t: &Texts, cols: &[&str], (by, down): (&str, bool)) -> String {
    let mut h = String::from("<tr>");
    for col in cols {
        let sorted = if *col == by {
            if down {
                " aria-sort=\"descending\""
            } else {
                " aria-sort=\"ascending\""
            }
        } else {
            ""
        };
        h += &format!(
            "<th scope=\"col\" data-sort=\"{col}\"{sorted}>{}</th>",
            title(t, col)
        );
    }
    h + &format!("<th scope=\"col\">{}</th></tr>", t.history)
}

/// What a dialog is ordered by in a column.
fn key(r: &LineDialog, col: &str, names: &[(String, String)]) -> (i64, String) {
    let d: &Dialog = &r.dialog;
    match col {
        "line" => (0, r.line.clone()),
        "client" => (0, d.client.clone()),
        "state" => (0, d.status.name().to_owned()),
        "operator" => (
            0,
            d.status
                .owner()
                .map(|o| api::name_in(names, o))
                .unwrap_or_default(),
        ),
        "first" => (
            d.first_answer_at.map_or(i64::MAX, |a| a - d.opened_at),
            String::new(),
        ),
        "rating" => (
            d.client_rating.as_ref().map_or(0, |r| i64::from(r.score)),
            String::new(),
        ),
        "kpi" => (d.kpi_missed.len() as i64, String::new()),
        _ => (d.opened_at, String::new()),
    }
}

/// The found dialogs as escaped HTML rows in the order asked, each with
/// its "Show" button.
fn rows(
    t: &Texts,
    found: &[LineDialog],
    names: &[(String, String)],
    cols: &[&str],
    (by, down): (&str, bool),
) -> String {
    let mut sorted: Vec<&LineDialog> = found.iter().collect();
    sorted.sort_by_cached_key(|r| key(r, by, names));
    if down {
        sorted.reverse();
    }
    let mut h = String::new();
    for r in sorted {
        let d = &r.dialog;
        h += "<tr>";
        for col in cols {
            let cell = match *col {
                "line" => r.line.clone(),
                "when" => format::time(d.opened_at),
                "client" => format::short(&d.client),
                "state" => state_label(t, &d.status).to_owned(),
                "operator" => d
                    .status
                    .owner()
                    .map_or("—".to_owned(), |o| api::name_in(names, o)),
                "first" => d
                    .first_answer_at
                    .map_or(String::new(), |a| format::duration(a - d.opened_at)),
                "rating" => d
                    .client_rating
                    .as_ref()
                    .map_or(String::new(), |r| "★".repeat(usize::from(r.score))),
                _ => {
                    if d.kpi_missed.is_empty() {
                        String::new()
                    } else {
                        "⚠".to_owned()
                    }
                }
            };
            h += &format!("<td>{}</td>", escape_html(&cell));
        }
        h += &format!(
            "<td><button type=\"button\" data-open=\"{}/{}\">{}</button></td></tr>",
            escape_html(&r.line),
            escape_html(&d.id),
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
