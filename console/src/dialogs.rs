//! The dialog list: offered to me, mine, the queue, my closed ones and (for
//! supervisors) all, with the K3 columns — time to first answer and time
//! the client has been waiting — and unread counts.

use crate::format;
use crate::state::{offered_to, state_label, state_name, DeskState};
use leptos::prelude::*;
use openline_core::channels::ChannelKind;
use openline_core::line::{Dialog, KpiKind, Status};
use openline_core::protocol::{Author, Role};

/// A tab of the list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Offered,
    Mine,
    Queue,
    Closed,
    All,
}

fn finished(d: &Dialog) -> bool {
    matches!(d.status, Status::Finished { .. })
}

fn in_tab(tab: Tab, d: &Dialog, me: &str) -> bool {
    match tab {
        Tab::Offered => offered_to(d, me),
        Tab::Mine => {
            !finished(d)
                && (matches!(&d.status, Status::Active { operator, .. } | Status::AwaitingRating { operator } if operator == me)
                    || d.invited.iter().any(|o| o == me))
        }
        Tab::Queue => matches!(d.status, Status::Queued),
        Tab::Closed => matches!(&d.status, Status::Finished { operator: Some(o) } if o == me),
        Tab::All => true,
    }
}

/// The list with its tabs.
#[component]
pub fn DialogList(desk: DeskState) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let tab = RwSignal::new(Tab::Offered);
    let me = StoredValue::new(ctx.me());
    let count = move |which: Tab| {
        desk.dialogs.with(|ds| {
            ds.iter()
                .filter(|d| in_tab(which, d, &me.get_value()))
                .count()
        })
    };
    let tab_button = move |which: Tab, label: fn(&crate::i18n::Texts) -> &'static str| {
        view! {
            <button type="button" role="tab" aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)>
                {move || format!("{} ({})", label(t()), count(which))}
            </button>
        }
    };
    let rows = move || {
        let mut list: Vec<Dialog> = desk.dialogs.with(|ds| {
            ds.iter()
                .filter(|d| in_tab(tab.get(), d, &me.get_value()))
                .cloned()
                .collect()
        });
        list.sort_by_key(|d| std::cmp::Reverse(d.opened_at));
        list
    };
    view! {
        <section class="dialogs" aria-label=move || t().dialogs>
            <div role="tablist" class="tabs">
                {tab_button(Tab::Offered, |t| t.offered)}
                {tab_button(Tab::Mine, |t| t.mine)}
                {tab_button(Tab::Queue, |t| t.queue)}
                {tab_button(Tab::Closed, |t| t.closed_tab)}
                {move || (ctx.role() >= Role::Supervisor).then(|| tab_button(Tab::All, |t| t.all))}
            </div>
            <table class="dialog-table">
                <thead><tr>
                    <th scope="col">{move || t().client}</th>
                    <th scope="col">{move || t().state}</th>
                    <th scope="col">{move || t().first_answer}</th>
                    <th scope="col">{move || t().waiting}</th>
                    <th scope="col">{move || t().unread}</th>
                </tr></thead>
                <tbody>
                    <For each=rows key=|d| (d.id.clone(), format!("{:?}{:?}{:?}{:?}", d.status, d.first_answer_at, d.awaiting_answer_since, d.kpi_missed)) let:d>
                        <Row desk d />
                    </For>
                </tbody>
            </table>
            {move || rows().is_empty().then(|| view! { <p class="empty">{move || t().no_dialogs}</p> })}
        </section>
    }
}

#[component]
fn Row(desk: DeskState, d: Dialog) -> impl IntoView {
    let id = d.id.clone();
    let first = d
        .first_answer_at
        .map(|at| format::duration(at - d.opened_at));
    let awaiting = d.awaiting_answer_since;
    let waiting = move || {
        awaiting
            .map(|since| format::duration(desk.core_now() - since))
            .unwrap_or_default()
    };
    let unread = {
        let id = id.clone();
        move || desk.unread.with(|u| u.get(&id).copied().unwrap_or(0))
    };
    let selected = {
        let id = id.clone();
        move || desk.selected.get().as_deref() == Some(id.as_str())
    };
    let open = {
        let id = id.clone();
        move |_| desk.select(id.clone())
    };
    let status = d.status.clone();
    // Names are read inside the view, so a row drawn before the line's
    // operators arrive shows their names once they do (not short ids).
    let who = {
        let status = status.clone();
        move || match &status {
            Status::Offered { to } => Some(
                to.iter()
                    .map(|o| desk.name_of(o))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            s => s.owner().map(|o| desk.name_of(o)),
        }
    };
    let client = StoredValue::new(d.client.clone());
    let name = move || desk.client_label(&client.get_value());
    let preview = {
        let id = id.clone();
        move || desk.previews.with(|p| p.get(&id).cloned())
    };
    let preview_line = move || {
        preview().map(|p| {
            let t = desk.ctx.t();
            let who = match &p.author {
                Author::Visitor => String::new(),
                Author::Operator { name } => {
                    format!("{}: ", name.clone().unwrap_or_else(|| t.operator.to_owned()))
                }
                Author::System => String::new(),
            };
            view! {
                <span class="preview" title=p.text.clone()>{format!("{who}{}", p.text)}</span>
                <time class="preview-at" title=format::time(p.at)>{format::message_time(p.at)}</time>
            }
        })
    };
    let label = move || format!("{} {}", desk.ctx.t().open_dialog, name());
    // K3: a missed indicator marks the row, with what was missed.
    let missed = !d.kpi_missed.is_empty();
    let missed_title = move || {
        let t = desk.ctx.t();
        d.kpi_missed
            .iter()
            .map(|k| match k {
                KpiKind::FirstAnswer => t.kpi_first_missed,
                KpiKind::Answer => t.kpi_answer_missed,
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    view! {
        <tr data-dialog=id.clone() data-state=state_name(&d.status) class:selected=selected class:kpi-missed=missed>
            <td class="who">
                <button type="button" class="link client" aria-label=label on:click=open>{name}</button>
                {(d.channel == ChannelKind::Telegram).then(|| view! { <span class="channel-tag">"Telegram"</span> })}
                <div class="last">{preview_line}</div>
            </td>
            <td>{move || {
                let state = state_label(desk.ctx.t(), &status);
                who().map(|w| format!("{state} · {w}")).unwrap_or_else(|| state.to_owned())
            }}</td>
            <td>{first.unwrap_or_default()}
                {missed.then(|| view! { <span class="kpi-badge" title=missed_title>{move || desk.ctx.t().kpi_missed_badge}</span> })}
            </td>
            <td class="waiting">{waiting}</td>
            <td>{move || match unread() { 0 => None, n => Some(view! { <span class="badge">{n}</span> }) }}</td>
        </tr>
    }
}
