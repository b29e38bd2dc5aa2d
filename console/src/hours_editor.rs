//! H1–H3: the working-hours editor — time zone, intervals per weekday (a
//! day without one is a day off) and holidays.

use crate::fields::Form;
use leptos::prelude::*;
use openline_core::hours::{Interval, WorkingHours};

/// Zones offered in the time-zone field (any IANA name may be typed).
const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Lisbon",
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "America/New_York",
    "America/Los_Angeles",
];

/// The browser's IANA time zone.
fn browser_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Minutes after midnight as `HH:MM`; the end of the day (1440) is `00:00`.
fn hhmm(min: u16) -> String {
    format!("{:02}:{:02}", (min / 60) % 24, min % 60)
}

/// `HH:MM` as minutes; for an end time `00:00` means the end of the day.
pub(crate) fn minutes(v: &str, end: bool) -> Option<u16> {
    let (h, m) = v.split_once(':')?;
    let (h, m) = (h.parse::<u16>().ok()?, m.get(..2)?.parse::<u16>().ok()?);
    (h < 24 && m < 60).then(|| match h * 60 + m {
        0 if end => 1440,
        x => x,
    })
}

fn with_hours(form: Form, f: impl FnOnce(&mut WorkingHours)) {
    form.s.update(|s| {
        if let Some(h) = &mut s.hours {
            f(h)
        }
    });
}

/// The working-hours part of the settings form.
#[component]
pub fn HoursEditor(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let t = move || ctx.t();
    let on = Memo::new(move |_| form.s.with(|s| s.hours.is_some()));
    let ro = form.readonly;
    view! {
        <fieldset class="hours" id="s-hours" data-field="hours">
            <legend>{move || t().hours}</legend>
            <label class="check">
                <input type="checkbox" disabled=ro prop:checked=move || on.get()
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        form.s.update(|s| s.hours = v.then(|| WorkingHours::weekdays(&browser_zone(), 9 * 60, 18 * 60)));
                    } />
                <span>{move || t().hours_on}</span>
            </label>
            {form.error_view("hours")}
            {move || on.get().then(|| view! {
                <label class="field">
                    <span>{move || t().time_zone}</span>
                    <input type="text" list="zones" disabled=ro
                        prop:value=move || form.s.with(|s| s.hours.as_ref().map(|h| h.time_zone.clone()).unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev); with_hours(form, |h| h.time_zone = v.trim().to_owned()); } />
                    <datalist id="zones">{ZONES.iter().map(|z| view! { <option value=*z /> }).collect_view()}</datalist>
                </label>
                <table class="week">
                    <tbody>
                        {(0..7usize).map(|day| view! { <DayRow form day /> }).collect_view()}
                    </tbody>
                </table>
                <Holidays form />
            })}
        </fieldset>
    }
}

#[component]
fn DayRow(form: Form, day: usize) -> impl IntoView {
    let ctx = form.ctx;
    let t = move || ctx.t();
    let ro = form.readonly;
    let intervals = move || {
        form.s
            .with(|s| s.hours.as_ref().map(|h| h.week[day].clone()))
            .unwrap_or_default()
    };
    let day_name = move || t().weekdays[day];
    view! {
        <tr>
            <th scope="row">{day_name}</th>
            <td>
                {move || {
                    let list = intervals();
                    if list.is_empty() {
                        return view! { <span class="off">{move || t().day_off}</span> }.into_any();
                    }
                    list.into_iter().enumerate().map(|(i, iv)| view! {
                        <span class="interval">
                            <label>{move || format!("{} {}", day_name(), t().from)}
                                <input type="time" disabled=ro value=hhmm(iv.from_min)
                                    on:change=move |ev| if let Some(m) = minutes(&event_target_value(&ev), false) {
                                        with_hours(form, |h| if let Some(x) = h.week[day].get_mut(i) { x.from_min = m });
                                    } />
                            </label>
                            <label>{move || format!("{} {}", day_name(), t().to)}
                                <input type="time" disabled=ro value=hhmm(iv.to_min)
                                    on:change=move |ev| if let Some(m) = minutes(&event_target_value(&ev), true) {
                                        with_hours(form, |h| if let Some(x) = h.week[day].get_mut(i) { x.to_min = m });
                                    } />
                            </label>
                            {(!ro).then(|| view! {
                                <button type="button" class="small" aria-label=move || format!("{}: {} {}", t().remove, day_name(), i + 1)
                                    on:click=move |_| with_hours(form, |h| { if i < h.week[day].len() { h.week[day].remove(i); } })>"✕"</button>
                            })}
                        </span>
                    }).collect_view().into_any()
                }}
                {(!ro).then(|| view! {
                    <button type="button" class="small" aria-label=move || format!("{}: {}", t().add, day_name())
                        on:click=move |_| with_hours(form, |h| {
                            let from = h.week[day].last().map(|x| x.to_min.min(1380)).unwrap_or(9 * 60);
                            h.week[day].push(Interval { from_min: from, to_min: (from + 60).min(1440) });
                        })>"+"</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn Holidays(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let t = move || ctx.t();
    let new_date = RwSignal::new(String::new());
    let add = move || {
        let v = new_date.get_untracked();
        // The date input's value is `YYYY-MM-DD`, read by the core.
        if let Some(date) = openline_core::dates::parse(&v) {
            with_hours(form, |h| {
                if !h.holidays.contains(&date) {
                    h.holidays.push(date);
                    h.holidays.sort();
                }
            });
            new_date.set(String::new());
        }
    };
    view! {
        <div class="holidays">
            <h4>{move || t().holidays}</h4>
            <ul>
                {move || form.s.with(|s| s.hours.as_ref().map(|h| h.holidays.clone()).unwrap_or_default()).into_iter().map(|d| {
                    let label = openline_core::dates::write(d);
                    view! {
                        <li>{label.clone()}
                            {(!form.readonly).then(|| view! {
                                <button type="button" class="small" aria-label=format!("{}: {label}", ctx.t_untracked().remove)
                                    on:click=move |_| with_hours(form, |h| h.holidays.retain(|x| *x != d))>"✕"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!form.readonly).then(|| view! {
                <label>{move || t().holidays}
                    <input type="date" prop:value=move || new_date.get() on:change=move |ev| new_date.set(event_target_value(&ev)) />
                </label>
                <button type="button" on:click=move |_| add()>{move || t().add}</button>
            })}
        </div>
    }
}
