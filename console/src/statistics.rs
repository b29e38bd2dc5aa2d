//! S1: a line's statistics for a period, as its supervisors read them:
//! figures at a glance, the dialogs of each day and of each hour of the day
//! as bars (SVG drawn here, no charting library), and a row per operator —
//! all from `GET /api/v1/lines/{line}/statistics`.

use crate::api;
use crate::i18n::Texts;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::channels::ChannelKind;
use openline_core::statistics::{Durations, LineStatistics, Ratings};
use openline_core::text::escape_html;

type Loaded = (LineStatistics, Vec<(String, String)>);
/// A bar: its label, the answered part, the rest.
type Bar = (String, u32, u32);

/// The statistics of `line` for the period chosen (the last week first).
#[component]
pub fn Statistics(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let data = RwSignal::new(None::<Result<Loaded, String>>);
    let raw = StoredValue::new(line.clone());
    let line = StoredValue::new(api::encode(&line));
    let load = move || {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        // ISO dates compare as text; the edge would refuse it in its words.
        if !f.is_empty() && !t.is_empty() && t < f {
            data.set(Some(Err(ctx.t_untracked().period_backwards.to_owned())));
            return;
        }
        let token = ctx.token();
        let base = format!("/api/v1/lines/{}", line.get_value());
        let query = format!("/statistics?from={f}&to={t}");
        spawn_local(async move {
            let got = api::get::<LineStatistics>(&format!("{base}{query}"), &token).await;
            let names = api::operator_names(&line.get_value(), &token).await;
            data.set(Some(match got {
                Ok(s) => {
                    from.set(s.from.to_string());
                    to.set(s.to.to_string());
                    Ok((s, names))
                }
                Err(e) => Err(ctx.fail(&e)),
            }));
        });
    };
    load();
    let date = move |label: fn(&Texts) -> &'static str, value: RwSignal<String>| {
        view! {
            <label>{move || label(t())}
                <input type="date" prop:value=move || value.get()
                    on:change=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <section class="statistics">
            <h3>{move || t().statistics}</h3>
            <form class="period" on:submit=move |ev| { ev.prevent_default(); load(); }>
                {date(|t| t.period_from, from)}
                {date(|t| t.period_to, to)}
                <button type="submit">{move || t().show}</button>
            </form>
            {move || match data.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok((s, names))) => {
                    let html = report(t(), &s, &names);
                    let what_if = if s.from == s.to {
                        let (day_start, arrivals) = (s.day_start, s.arrivals);
                        view! { <crate::what_if::WhatIf ctx line=raw.get_value() day_start arrivals names /> }.into_any()
                    } else {
                        view! { <p class="hint">{move || t().what_if_one_day}</p> }.into_any()
                    };
                    view! { <div class="report" inner_html=html></div>{what_if} }.into_any()
                }
            }}
        </section>
    }
}

/// The report as HTML: a static picture of the figures with no reactive
/// parts, written as text (every value escaped) — a tenth of the wasm the
/// same tree of typed views costs.
fn report(t: &Texts, s: &LineStatistics, names: &[(String, String)]) -> String {
    let d = &s.dialogs;
    let mut h = format!(
        "<p class=\"zone\">{} {}</p><dl class=\"tiles\">",
        t.stat_zone,
        escape_html(&s.time_zone)
    );
    let kpi = format!("{} / {}", s.kpi_first_answer_missed, s.kpi_answer_missed);
    for (k, v) in [
        (t.stat_opened, d.opened.to_string()),
        (t.stat_answered, d.answered.to_string()),
        (t.stat_unanswered, d.unanswered.to_string()),
        (t.stat_open, d.open.to_string()),
        (t.stat_first_answer, spread(&s.first_answer)),
        (t.stat_answer, spread(&s.answer)),
        (t.stat_queue_wait, spread(&s.queue_wait)),
        (t.stat_kpi_missed, kpi),
        (t.stat_client_rating, rating(&s.client_ratings)),
        (t.stat_supervisor_rating, rating(&s.supervisor_ratings)),
    ] {
        h += &format!("<div><dt>{k}</dt><dd>{v}</dd></div>");
    }
    h += "</dl>";
    let days = s.days.iter().map(|day| {
        // `DD.MM`, from the numbers (chrono's formatting would cost the
        // console 15 KB of code for this one label).
        use chrono::Datelike;
        let c = &day.dialogs;
        let label = format!("{:02}.{:02}", day.date.day(), day.date.month());
        (label, c.answered, c.opened - c.answered)
    });
    h += &format!("<h4>{}</h4>{}", t.stat_by_day, bars(t, days.collect()));
    let hours = s.hours.iter().enumerate();
    let hours = hours
        .map(|(hour, n)| (format!("{hour:02}"), 0, *n))
        .collect();
    h += &format!("<h4>{}</h4>{}", t.stat_by_hour, bars(t, hours));
    h += &table_head(
        t.stat_by_operator,
        "operators",
        &[
            t.operator,
            t.stat_opened,
            t.stat_answered,
            t.stat_unanswered,
            t.stat_first_answer,
            t.stat_answer,
            t.stat_client_rating,
        ],
    );
    for o in &s.operators {
        let name = api::name_in(names, &o.operator);
        h += &format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&name),
            o.dialogs.opened,
            o.dialogs.answered,
            o.dialogs.unanswered,
            spread(&o.first_answer),
            spread(&o.answer),
            rating(&o.client_ratings)
        );
    }
    h += "</tbody></table>";
    // S1 by channel (L4): where the period's dialogs came from.
    h += &table_head(
        t.stat_by_channel,
        "channels",
        &[
            t.stat_channel,
            t.stat_opened,
            t.stat_answered,
            t.stat_unanswered,
            t.stat_first_answer,
            t.stat_client_rating,
        ],
    );
    for c in &s.channels {
        let name = match c.channel {
            ChannelKind::Widget => t.channel_widget,
            ChannelKind::Telegram => "Telegram",
        };
        h += &format!(
            "<tr><th scope=\"row\">{name}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.dialogs.opened,
            c.dialogs.answered,
            c.dialogs.unanswered,
            spread(&c.first_answer),
            rating(&c.client_ratings)
        );
    }
    h + "</tbody></table>"
}

/// A table's title and head, up to its body's opening.
fn table_head(title: &str, class: &str, columns: &[&str]) -> String {
    let mut h = format!("<h4>{title}</h4><table class=\"{class}\"><thead><tr>");
    for c in columns {
        h += &format!("<th scope=\"col\">{c}</th>");
    }
    h + "</tr></thead><tbody>"
}

/// A bar chart, 480 × 100 whatever the number of bars (the page scales
/// it): per label, the answered part (solid) under the rest (light); each
/// bar says its figure on hover and to screen readers.
fn bars(t: &Texts, data: Vec<Bar>) -> String {
    let top = data.iter().map(|(_, a, b)| a + b).max().unwrap_or(0).max(1) as f32;
    let step = 480.0 / data.len().max(1) as f32;
    let mut h = format!(
        "<svg class=\"bars\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 480 100\">",
        t.stat_chart
    );
    for (i, (label, answered, rest)) in data.into_iter().enumerate() {
        let (x, w) = (i as f32 * step + step * 0.15, step * 0.7);
        let (ha, hr) = (answered as f32 / top * 80.0, rest as f32 / top * 80.0);
        h += &format!(
            "<g><title>{label}: {}</title><rect class=\"rest\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{hr}\"/>\
             <rect class=\"answered\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{ha}\"/>\
             <text x=\"{}\" y=\"98\" text-anchor=\"middle\">{label}</text></g>",
            answered + rest,
            88.0 - ha - hr,
            88.0 - ha,
            x + w / 2.0
        );
    }
    h + "</svg>"
}

/// `p50 · p90`, or a dash without values.
pub(crate) fn spread(d: &Durations) -> String {
    match (d.p50_ms, d.p90_ms) {
        (Some(a), Some(b)) => format!("{} · {}", format::duration(a), format::duration(b)),
        _ => "—".to_owned(),
    }
}

/// `4.6 (20)`, or a dash without ratings.
fn rating(r: &Ratings) -> String {
    match r.average {
        Some(a) => format!("{a:.1} ({})", r.count),
        None => "—".to_owned(),
    }
}
