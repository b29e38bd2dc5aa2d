//! K2's notification centre: a bell in the desk's toolbar with the unread
//! count, opening the caller's notices on this line (missed KPIs, dialogs
//! passed on, the unclosed-dialog limit, clients who wrote while nobody
//! could answer), each with a link to its dialog
//! and an acknowledgement.

use crate::format;
use crate::i18n::Texts;
use crate::state::DeskState;
use leptos::prelude::*;
use openline_core::line::{KpiKind, Notice};
use openline_core::replies::Notification;

/// What a notice says, and the dialog it is about.
fn describe(desk: DeskState, t: &Texts, notice: &Notice) -> (String, Option<String>) {
    match notice {
        Notice::KpiMissed { dialog, kpi, .. } => {
            let what = match kpi {
                KpiKind::FirstAnswer => t.kpi_first_missed,
                KpiKind::Answer => t.kpi_answer_missed,
            };
            let client = desk.client_label_of_dialog(dialog);
            (format!("{what}: {client}"), Some(dialog.clone()))
        }
        Notice::PassedOn { dialog, .. } => {
            let client = desk.client_label_of_dialog(dialog);
            (format!("{}: {client}", t.passed_on), Some(dialog.clone()))
        }
        Notice::ClientWaiting { dialog, .. } | Notice::ContactsLeft { dialog, .. } => {
            let what = match notice {
                Notice::ContactsLeft { .. } => t.client_left_contacts,
                _ => t.client_waiting,
            };
            let client = desk.client_label_of_dialog(dialog);
            (format!("{what}: {client}"), Some(dialog.clone()))
        }
        Notice::UnclosedLimitReached { limit, .. } => {
            (format!("{} ({limit})", t.unclosed_limit), None)
        }
        Notice::UnclosedLimitNear {
            unclosed, limit, ..
        } => (
            t.unclosed_limit_near
                .replace("{n}", &unclosed.to_string())
                .replace("{limit}", &limit.to_string()),
            None,
        ),
    }
}

/// The bell and, when open, the list.
#[component]
pub fn Bell(desk: DeskState) -> impl IntoView {
    let t = move || desk.ctx.t();
    let open = RwSignal::new(false);
    let unread = move || desk.notifications.with(|n| n.unread);
    let label = move || match unread() {
        0 => t().notifications.to_owned(),
        n => format!("{} ({n})", t().notifications),
    };
    view! {
        <div class="bell">
            <button type="button" class="bell-button" aria-expanded=move || open.get().to_string()
                aria-controls="notifications" aria-label=label
                on:click=move |_| {
                    if !open.get_untracked() {
                        desk.reload_notifications();
                    }
                    open.update(|o| *o = !*o);
                }>
                <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                    <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" /><path d="M13.7 21a2 2 0 0 1-3.4 0" />
                </svg>
                {move || match unread() { 0 => None, n => Some(view! { <span class="badge">{n}</span> }) }}
            </button>
            {move || open.get().then(|| view! {
                <section id="notifications" class="notifications" aria-label=move || t().notifications
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                    <header>
                        <h2>{move || t().notifications}</h2>
                        {move || (unread() > 0).then(|| view! {
                            <button type="button" class="link" on:click=move |_| desk.acknowledge(None)>
                                {move || t().mark_all_read}</button>
                        })}
                    </header>
                    {move || {
                        let list = desk.notifications.with(|n| n.notifications.clone());
                        if list.is_empty() {
                            view! { <p class="empty">{move || t().no_notifications}</p> }.into_any()
                        } else {
                            view! { <ul>{list.into_iter().map(|n| view! { <Item desk n open /> }).collect_view()}</ul> }.into_any()
                        }
                    }}
                </section>
            })}
        </div>
    }
}

#[component]
fn Item(desk: DeskState, n: Notification, open: RwSignal<bool>) -> impl IntoView {
    let t = move || desk.ctx.t();
    let (_, dialog) = describe(desk, desk.ctx.t_untracked(), &n.notice);
    let notice = StoredValue::new(n.notice.clone());
    // Read inside the view: a notice drawn before the dialog list is in
    // names its client once it is.
    let text = move || {
        desk.dialogs.track();
        notice.with_value(|notice| describe(desk, desk.ctx.t(), notice).0)
    };
    let id = n.id;
    let unread = n.read_at.is_none();
    view! {
        <li class:unread=unread data-notification=id.to_string()>
            <p>{text}</p>
            <time title=format::time(n.at)>{format::message_time(n.at)}</time>
            {dialog.map(|d| view! {
                <button type="button" class="link" on:click=move |_| {
                    desk.select(d.clone());
                    if unread {
                        desk.acknowledge(Some(id));
                    }
                    open.set(false);
                }>{move || t().open_dialog}</button>
            })}
            {unread.then(|| view! {
                <button type="button" class="link" on:click=move |_| desk.acknowledge(Some(id))>
                    {move || t().mark_read}</button>
            })}
        </li>
    }
}
