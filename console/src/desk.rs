//! The operator's desk on one line: the toolbar (presence, the working day,
//! the connection), the dialog list and the chat, over the shared state in
//! `state.rs`. Every socket (re)connection re-fetches the dialog list and
//! the open dialog's messages after the last sequence number seen, so
//! nothing is lost across a cut.

use crate::live::Live;
use crate::state::{offered_to, DeskState};
use crate::{format, notify, outbox, Ctx};
use leptos::prelude::*;
use openline_core::operator::Presence;
use openline_core::replies::Notifications;
use std::collections::HashMap;
use std::time::Duration;

/// The desk of one line.
#[component]
pub fn Desk(ctx: Ctx, line: String) -> impl IntoView {
    let desk = DeskState {
        ctx,
        line: StoredValue::new(line.clone()),
        dialogs: RwSignal::new(Vec::new()),
        skew: RwSignal::new(0),
        clock: RwSignal::new(format::now()),
        selected: RwSignal::new(None),
        messages: RwSignal::new(Vec::new()),
        unread: RwSignal::new(HashMap::new()),
        seen: RwSignal::new(0),
        typing: RwSignal::new(HashMap::new()),
        operators: RwSignal::new(Vec::new()),
        draft: RwSignal::new(String::new()),
        quick: RwSignal::new(Vec::new()),
        notice: RwSignal::new(None),
        clients: RwSignal::new(Default::default()),
        previews: RwSignal::new(Default::default()),
        visit: RwSignal::new(None),
        notifications: RwSignal::new(Notifications {
            notifications: Vec::new(),
            unread: 0,
        }),
        connected: RwSignal::new(false),
        outbox: RwSignal::new(outbox::load(&line)),
        live: StoredValue::new_local(None),
    };
    let live = Live::start(
        &line,
        &ctx.token(),
        move |event| desk.handle(event),
        move |up| {
            desk.connected.set(up);
            if up {
                desk.refresh();
                desk.refresh_operators();
                desk.catch_up();
                // What waited for the connection goes now.
                desk.outbox
                    .update(|o| o.iter_mut().for_each(|p| p.sent_at = 0));
                desk.flush();
            }
        },
    );
    desk.live.set_value(Some(live));
    desk.refresh();
    desk.refresh_operators();
    crate::quick_answers::reload(desk);
    desk.reload_notifications();
    // K3 columns tick; the list is also re-read now and then (supervisors
    // watching dialogs they are not in get no frames for them).
    let ticks = StoredValue::new(0u32);
    let timer = set_interval_with_handle(
        move || {
            desk.clock.set(format::now());
            ticks.update_value(|n| *n += 1);
            if ticks.get_value().is_multiple_of(10) {
                desk.refresh();
            }
            if desk.outbox.with_untracked(|o| !o.is_empty()) {
                desk.flush();
            }
        },
        Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        desk.live.with_value(|l| {
            if let Some(l) = l {
                l.stop()
            }
        });
        if let Some(t) = timer {
            t.clear();
        }
        notify::set_title(0);
    });
    // The tab title counts the dialogs offered to me.
    Effect::new(move |_| {
        let me = ctx.me();
        let n = desk
            .dialogs
            .with(|ds| ds.iter().filter(|d| offered_to(d, &me)).count());
        notify::set_title(n);
    });

    // Desktop notifications: offered once, while the browser has not asked.
    let can_ask = RwSignal::new(notify::can_ask());
    let t = move || ctx.t();
    let presence_value = move || match desk.me().map(|o| o.presence) {
        Some(Presence::Online) => "online",
        Some(Presence::Away) => "away",
        _ => "offline",
    };
    view! {
        <div class="desk">
            <div class="toolbar">
                {move || desk.me().map(|me| view! {
                    <label for="presence">{move || t().presence}</label>
                        <select id="presence" prop:value=presence_value
                            on:change=move |ev| desk.set_presence(match event_target_value(&ev).as_str() {
                                "online" => Presence::Online, "away" => Presence::Away, _ => Presence::Offline })>
                            <option value="online">{move || t().online}</option>
                            <option value="away">{move || t().away}</option>
                            <option value="offline">{move || t().offline_state}</option>
                        </select>
                    {if me.working_day {
                        view! { <span class="day">{move || t().day_started}</span>
                            <button type="button" on:click=move |_| desk.set_working_day(false)>{move || t().end_day}</button> }.into_any()
                    } else {
                        view! { <button type="button" on:click=move |_| desk.set_working_day(true)>{move || t().start_day}</button> }.into_any()
                    }}
                })}
                {move || (!desk.connected.get()).then(|| view! { <span class="conn" role="status">{move || t().reconnecting}</span> })}
                <crate::notices::Bell desk />
                {move || can_ask.get().then(|| view! {
                    <button type="button" class="link" on:click=move |_| {
                        notify::ask(move |_| can_ask.set(notify::can_ask()));
                    }>{move || t().enable_notifications}</button>
                })}
                {move || desk.notice.get().map(|n| view! {
                    <p class="notice" role="alert">{n.text}
                        {n.dialog.map(|d| view! {
                            <button type="button" class="link" on:click=move |_| {
                                desk.select(d.clone());
                                desk.notice.set(None);
                            }>{move || t().open_dialog}</button>
                        })}
                        <button type="button" class="link" aria-label=move || t().cancel on:click=move |_| desk.notice.set(None)>"×"</button>
                    </p>
                })}
            </div>
            <div class="desk-main">
                <crate::dialogs::DialogList desk />
                {move || desk.selected.get().map(|d| view! { <crate::chat::ChatView desk dialog=d /> }.into_any())
                    .unwrap_or_else(|| view! { <section class="chat empty"><p>{move || t().pick_dialog}</p></section> }.into_any())}
            </div>
        </div>
    }
}
