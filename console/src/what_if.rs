//! X7: "what if" for one day of the line — its recorded dialogs (or a
//! synthetic day) replayed in the browser through the core's own line
//! machine (`openline_core::simulator`), under the settings as they are
//! and as edited (mode, pass-on time, limits, who works when), side by
//! side, before an administrator saves the edited ones. The replay is its
//! own wasm module (`simulator/`, served at `/console/what-if/`), fetched
//! the first time someone compares: the line machine would otherwise add
//! ~120 KB of brotli to every console's start.

use crate::api;
use crate::i18n::Texts;
use crate::settings_form::view_of;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::Role;
use openline_core::replies::DepartmentList;
use openline_core::settings::{ConcurrencyLimit, DistributionMode, LimitExclusion, LineSettings};
use openline_core::simulator::{synthetic_day, Arrival, Outcome, Scenario, Shift};
use openline_core::text::escape_html;
use openline_core::{Millis, MINUTE};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "export function load_replay(url) { \
    return import(url).then(async (m) => { await m.default(); return m.replay; }); }")]
extern "C" {
    /// The what-if module's `replay(scenario JSON) -> outcome JSON`.
    fn load_replay(url: &str) -> js_sys::Promise;
}

thread_local! {
    static REPLAY: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Replays each scenario with the what-if module (loaded once).
async fn replay_all(scenarios: &[Scenario]) -> Option<Vec<Outcome>> {
    let loaded = REPLAY.with(|r| r.borrow().clone());
    let replay = match loaded {
        Some(f) => f,
        None => {
            let f = JsFuture::from(load_replay("/console/what-if/openline_simulator.js"))
                .await
                .ok()?;
            let f: js_sys::Function = f.dyn_into().ok()?;
            REPLAY.with(|r| *r.borrow_mut() = Some(f.clone()));
            f
        }
    };
    let mut out = Vec::new();
    for s in scenarios {
        let json = serde_json::to_string(s).ok()?;
        let answer = replay
            .call1(&JsValue::NULL, &json.into())
            .ok()?
            .as_string()?;
        out.push(serde_json::from_str(&answer).ok()?);
    }
    Some(out)
}
/// What the replay needs besides the form.
#[derive(Clone)]
struct Base {
    settings: LineSettings,
    departments: Vec<(String, Vec<String>)>,
}

/// The form's fields by name (`FormData`): the form is written as HTML,
/// not as reactive views, for a tenth of the wasm.
struct Fields(web_sys::FormData);

impl Fields {
    fn of(ev: &leptos::ev::SubmitEvent) -> Option<Fields> {
        let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
        web_sys::FormData::new_with_form(&form).ok().map(Fields)
    }
    fn get(&self, name: &str) -> String {
        self.0.get(name).as_string().unwrap_or_default()
    }
}

/// The what-if panel for a one-day statistics report of `line`.
#[component]
pub fn WhatIf(
    ctx: Ctx,
    line: String,
    day_start: Millis,
    arrivals: Vec<Arrival>,
    names: Vec<(String, String)>,
) -> impl IntoView {
    let t = move || ctx.t();
    let base = RwSignal::new(None::<Result<Base, String>>);
    let path = StoredValue::new(format!("/api/v1/lines/{}", api::encode(&line)));
    let token = ctx.token();
    spawn_local(async move {
        let p = path.get_value();
        let got = api::text::<()>("GET", &format!("{p}/settings"), &token, None).await;
        let got = got.and_then(|t| view_of(&t));
        let deps = api::get::<DepartmentList>(&format!("{p}/departments"), &token).await;
        base.set(Some(match got {
            Ok(v) => Ok(Base {
                settings: v.settings,
                departments: deps
                    .map(|l| {
                        l.departments
                            .into_iter()
                            .map(|d| (d.id, d.members))
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            Err(e) => Err(ctx.fail(&e)),
        }));
    });
    let recorded = arrivals.len();
    let arrivals = StoredValue::new(arrivals);
    let names = StoredValue::new(names);
    let result = RwSignal::new(None::<Result<String, String>>);
    let saved = RwSignal::new(None::<Result<(), String>>);
    // The settings as edited in the form (the last one compared, to save).
    let edited = StoredValue::new(None::<LineSettings>);
    let read = move |f: &Fields, s: &LineSettings| -> Result<LineSettings, String> {
        let t = ctx.t_untracked();
        let mut e = s.clone();
        e.mode = match f.get("mode").as_str() {
            "strict" => DistributionMode::StrictOrder,
            "all" => DistributionMode::AllAtOnce,
            _ => DistributionMode::Evenly,
        };
        let number = |v: String| v.trim().parse::<u32>().ok().filter(|n| *n > 0);
        let pass = number(f.get("pass")).filter(|m| *m <= 720);
        e.pass_after_ms = Millis::from(pass.ok_or(t.what_if_bad_number)?) * MINUTE;
        e.concurrency_limit = number(f.get("limit")).map(|max| ConcurrencyLimit {
            max,
            exclude: s
                .concurrency_limit
                .map_or(LimitExclusion::Answered, |l| l.exclude),
        });
        // The replay (and the edge, on saving) validates the rest.
        e.unclosed_limit = number(f.get("unclosed"));
        Ok(e)
    };
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = ctx.t_untracked();
        let (Some(Ok(b)), Some(f)) = (base.get_untracked(), Fields::of(&ev)) else {
            return;
        };
        let scenarios = (|| -> Result<[Scenario; 2], String> {
            let settings = read(&f, &b.settings)?;
            edited.set_value(Some(settings.clone()));
            let mut now_shifts = Vec::new();
            let mut new_shifts = Vec::new();
            for (i, (id, _)) in names.get_value().into_iter().enumerate() {
                let reaction = f.get(&format!("reaction-{i}")).trim().parse::<u32>();
                let reaction_ms = Millis::from(reaction.map_err(|_| t.what_if_bad_number)?) * 1000;
                let shift = |from_min, to_min| Shift {
                    operator: id.clone(),
                    from_min,
                    to_min,
                    reaction_ms,
                };
                now_shifts.push(shift(0, 0));
                if !f.get(&format!("works-{i}")).is_empty() {
                    let time = |k: &str, end| {
                        let v = f.get(&format!("{k}-{i}"));
                        crate::hours_editor::minutes(&v, end).ok_or(t.what_if_bad_time)
                    };
                    new_shifts.push(shift(time("from", false)?, time("to", true)?));
                }
            }
            let day = match f.get("synthetic").trim() {
                "" => arrivals.get_value(),
                n => {
                    let n = n.parse::<u32>().ok().filter(|n| *n <= 5000);
                    let n = n.ok_or(t.what_if_bad_number)?;
                    synthetic_day(day_start, n, 9 * 60, 18 * 60, 8 * MINUTE)
                }
            };
            let scenario = |settings: LineSettings, shifts| Scenario {
                settings,
                day_start,
                shifts,
                departments: b.departments.clone(),
                arrivals: day.clone(),
            };
            Ok([
                scenario(b.settings.clone(), now_shifts),
                scenario(settings, new_shifts),
            ])
        })();
        saved.set(None);
        let scenarios = match scenarios {
            Ok(s) => s,
            Err(e) => return result.set(Some(Err(e))),
        };
        result.set(None);
        spawn_local(async move {
            let t = ctx.t_untracked();
            result.set(Some(match replay_all(&scenarios).await.as_deref() {
                Some([now, new]) => Ok(table(t, now, new, &names.get_value())),
                _ => Err(t.what_if_failed.to_owned()),
            }));
        });
    };
    let save = move || {
        let (Some(Ok(mut b)), Some(settings)) = (base.get_untracked(), edited.get_value()) else {
            return;
        };
        let (token, p) = (ctx.token(), path.get_value());
        spawn_local(async move {
            let put = api::text("PUT", &format!("{p}/settings"), &token, Some(&settings)).await;
            saved.set(Some(match put.and_then(|t| view_of(&t)) {
                Ok(v) => {
                    b.settings = v.settings;
                    base.set(Some(Ok(b)));
                    Ok(())
                }
                Err(e) => Err(ctx.fail(&e)),
            }));
        });
    };
    let admin = ctx.role() >= Role::Admin;
    view! {
        <section class="what-if">
            <h4>{move || t().what_if}</h4>
            <p class="hint">{move || t().what_if_intro}</p>
            {move || match base.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(b)) => view! {
                    <form on:submit=run inner_html=form(t(), &b.settings, recorded, &names.get_value())></form>
                }.into_any(),
            }}
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(h)) => view! {
                    <div class="what-if-result" inner_html=h></div>
                    {admin.then(|| view! {
                        <button type="button" on:click=move |_| save()>{move || t().what_if_save}</button>
                    })}
                }.into_any(),
            }}
            {move || saved.get().map(|r| match r {
                Ok(()) => view! { <p class="saved" role="status">{move || t().what_if_saved}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}

/// The form as HTML, filled with the settings as they are (names escaped).
fn form(t: &Texts, s: &LineSettings, recorded: usize, names: &[(String, String)]) -> String {
    let input = |label: &str, name: &str, value: String| {
        format!("<label>{label} <input name=\"{name}\" inputmode=\"numeric\" value=\"{value}\"></label>")
    };
    let mut h = format!("<p>{} {recorded}</p>", t.what_if_recorded);
    let synthetic = if recorded == 0 { "100" } else { "" };
    h += &input(t.what_if_synthetic, "synthetic", synthetic.to_owned());
    h += &format!("<label>{} <select name=\"mode\">", t.mode);
    let mode = mode_name(s.mode);
    for (value, label) in [
        ("evenly", t.mode_evenly),
        ("strict", t.mode_strict),
        ("all", t.mode_all),
    ] {
        let sel = if value == mode { " selected" } else { "" };
        h += &format!("<option value=\"{value}\"{sel}>{label}</option>");
    }
    h += "</select></label>";
    h += &input(t.pass_after, "pass", (s.pass_after_ms / MINUTE).to_string());
    let limit = s
        .concurrency_limit
        .map(|l| l.max.to_string())
        .unwrap_or_default();
    h += &input(t.what_if_limit, "limit", limit);
    let unclosed = s.unclosed_limit.map(|n| n.to_string()).unwrap_or_default();
    h += &input(t.unclosed_max, "unclosed", unclosed);
    h += &format!(
        "<table class=\"shifts\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        t.what_if_shifts, t.operator, t.from, t.to, t.what_if_reaction
    );
    for (i, (_, name)) in names.iter().enumerate() {
        h += &format!(
            "<tr><th scope=\"row\"><label><input type=\"checkbox\" name=\"works-{i}\" value=\"1\" checked> {}</label></th>\
             <td><input type=\"time\" name=\"from-{i}\" value=\"00:00\" aria-label=\"{}\"></td>\
             <td><input type=\"time\" name=\"to-{i}\" value=\"00:00\" aria-label=\"{}\"></td>\
             <td><input name=\"reaction-{i}\" inputmode=\"numeric\" size=\"4\" value=\"30\" aria-label=\"{}\"></td></tr>",
            escape_html(name),
            t.from,
            t.to,
            t.what_if_reaction
        );
    }
    h + &format!(
        "</tbody></table><button type=\"submit\">{}</button>",
        t.what_if_run
    )
}

fn mode_name(m: DistributionMode) -> &'static str {
    match m {
        DistributionMode::Evenly => "evenly",
        DistributionMode::StrictOrder => "strict",
        DistributionMode::AllAtOnce => "all",
    }
}

/// Both outcomes side by side, as HTML (every name escaped).
fn table(t: &Texts, now: &Outcome, new: &Outcome, names: &[(String, String)]) -> String {
    let spread = |o: &Outcome| crate::statistics::spread(&o.wait);
    let mut h = format!(
        "<table class=\"compare\"><thead><tr><th></th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        t.what_if_now, t.what_if_edited
    );
    let mut line = |label: &str, a: String, b: String| {
        h += &format!("<tr><th scope=\"row\">{label}</th><td>{a}</td><td>{b}</td></tr>");
    };
    line(
        t.stat_opened,
        now.dialogs.opened.to_string(),
        new.dialogs.opened.to_string(),
    );
    line(
        t.stat_answered,
        now.dialogs.answered.to_string(),
        new.dialogs.answered.to_string(),
    );
    line(t.what_if_wait, spread(now), spread(new));
    let longest = |o: &Outcome| format::duration(o.longest_wait_ms);
    line(t.what_if_longest_wait, longest(now), longest(new));
    line(
        t.what_if_queue,
        now.longest_queue.to_string(),
        new.longest_queue.to_string(),
    );
    let kpi = |o: &Outcome| o.kpi_first_answer_missed.to_string();
    line(t.what_if_kpi, kpi(now), kpi(new));
    for (id, name) in names {
        let load = |o: &Outcome| {
            o.operators
                .iter()
                .find(|l| &l.operator == id)
                .map_or("—".to_owned(), |l| {
                    format!("{} · {} · {}", l.dialogs, l.peak, l.passed_on)
                })
        };
        line(
            &format!("{} <small>({})</small>", escape_html(name), t.what_if_load),
            load(now),
            load(new),
        );
    }
    h + "</tbody></table>"
}
