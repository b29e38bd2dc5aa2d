//! The chat view of one dialog: its history (hidden messages marked), the
//! visitor's live draft (W1), the composer with the hidden switch (Q11) and
//! the `/` shortcut for quick answers, and the dialog's actions — accept,
//! close (T4), transfer with a comment (Q9), invite and leave (Q10), and the
//! supervisor's rating (R2).

use crate::api::{self, ApiError};
use crate::state::{offered_to, state_label, state_name, DeskState};
use crate::{format, quick_answers};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::channels::ChannelKind;
use openline_core::line::{Dialog, Rating, Status, TransferTarget};
use openline_core::protocol::{Author, ChatMessage, Role};

/// What the signed-in operator may do with the dialog now.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Rights {
    accept: bool,
    holds: bool,
    invited: bool,
    write: bool,
    rate: bool,
}

fn rights(d: &Dialog, me: &str, role: Role) -> Rights {
    let offered = offered_to(d, me);
    let holds = matches!(&d.status, Status::Active { operator, .. } if operator == me);
    let invited = d.invited.iter().any(|o| o == me) && !matches!(d.status, Status::Finished { .. });
    Rights {
        accept: offered || matches!(d.status, Status::Queued | Status::WithBot { .. }),
        holds,
        invited,
        write: holds || invited || offered,
        rate: role >= Role::Supervisor,
    }
}

fn stars(r: &Rating) -> String {
    let mut s = "★".repeat(r.score as usize);
    s.push_str(&"☆".repeat(5usize.saturating_sub(r.score as usize)));
    match &r.comment {
        Some(c) if !c.is_empty() => format!("{s} {}/5 — {c}", r.score),
        _ => format!("{s} {}/5", r.score),
    }
}

/// The chat view of `dialog`.
#[component]
pub fn ChatView(desk: DeskState, dialog: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let id = StoredValue::new(dialog.clone());
    let record = Memo::new(move |_| {
        desk.dialogs
            .with(|ds| ds.iter().find(|d| d.id == id.get_value()).cloned())
    });
    let me = StoredValue::new(ctx.me());
    let can = Memo::new(move |_| {
        record
            .get()
            .map(|d| rights(&d, &me.get_value(), ctx.role()))
            .unwrap_or_default()
    });
    let client = move || record.get().map(|d| d.client);

    // Issue 11.3: what the operator sees is read — while the tab is in
    // front, by an operator in the dialog (the core's rule; supervisors
    // watching tell the client nothing). Checked each second, sent when it
    // moves.
    let read_sent = StoredValue::new(0u64);
    Effect::new(move |_| {
        desk.clock.track();
        let last = desk.messages.with(|m| m.last().map_or(0, |m| m.seq));
        let involved = record.with(|d| d.as_ref().is_some_and(|d| d.involves(&me.get_value())));
        if involved
            && last > read_sent.get_value()
            && !crate::notify::hidden()
            && desk.read(&id.get_value(), last)
        {
            read_sent.set_value(last);
        }
    });
    // The last reply the client has seen, where "Seen" shows.
    let seen_row = Memo::new(move |_| {
        let upto = desk.seen.get();
        desk.messages.with(|ms| {
            ms.iter()
                .rev()
                .find(|m| m.seq <= upto && !m.hidden && m.author != Author::Visitor)
                .map(|m| m.seq)
        })
    });

    // Keep the newest message in view.
    let list = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        desk.messages.track();
        desk.typing.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let accept = move |_| {
        spawn_local(async move {
            if desk
                .act(&id.get_value(), "accept", api::json(&api::NO_BODY))
                .await
            {
                desk.catch_up();
            }
        });
    };
    let close = move |_| {
        spawn_local(async move {
            desk.act(&id.get_value(), "close", api::json(&api::NO_BODY))
                .await;
        });
    };
    // C2: a lead from this chat; the answer is said above the desk.
    let make_lead = move |_| {
        spawn_local(async move {
            let path = desk.path(&format!("/dialogs/{}/lead", api::encode(&id.get_value())));
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", &path, &desk.ctx.token(), &api::NO_BODY).await;
            let t = desk.ctx.t_untracked();
            let said = match r {
                Ok(_) => t.lead_made.to_owned(),
                Err(ApiError::Api { code, .. }) if code == "no_contact" => {
                    t.lead_no_contact.to_owned()
                }
                Err(ApiError::Api { code, .. }) if code == "conflict" => t.lead_exists.to_owned(),
                Err(e) => desk.ctx.fail(&e),
            };
            desk.notice.set(Some(said.into()));
        });
    };
    let leave = move |_| {
        spawn_local(async move {
            desk.act(&id.get_value(), "leave", api::json(&api::NO_BODY))
                .await;
        });
    };

    view! {
        <section class="chat" aria-label=move || format!("{} {}", t().history, format::short(&id.get_value()))>
            <header class="chat-header">
                // On a phone the chat is a screen of its own: back to the list.
                <button type="button" class="back" on:click=move |_| desk.selected.set(None)>{move || format!("← {}", t().dialogs)}</button>
                <h2>{move || client().map(|c| desk.client_label(&c)).unwrap_or_default()}</h2>
                // L1: the line the client wrote to.
                <span class="line-name">{move || {
                    let line = desk.line.get_value();
                    desk.ctx.lines.with(|ls| ls.iter().find(|l| l.id == line).map(|l| l.name.clone())).unwrap_or(line)
                }}</span>
                <span class="state" data-state=move || record.get().map(|d| state_name(&d.status)).unwrap_or_default()>
                    {move || record.get().map(|d| state_label(t(), &d.status)).unwrap_or_default()}
                </span>
                // L4: what the client's channel does not carry.
                {move || record.get().filter(|d| d.channel == ChannelKind::Telegram).map(|_| view! {
                    <p class="channel-note">{move || t().telegram_limits}</p>
                })}
                {move || record.get().and_then(|d| d.client_rating).map(|r| view! {
                    <span class="rating rating-client">{move || t().client_rating}": "{stars(&r)}</span>
                })}
                {move || record.get().and_then(|d| d.supervisor_rating).map(|r| view! {
                    <span class="rating rating-supervisor">{move || t().supervisor_rating}": "{stars(&r)}</span>
                })}
                <div class="actions">
                    {move || can.get().accept.then(|| view! { <button type="button" class="primary" on:click=accept>{move || t().accept}</button> })}
                    {move || can.get().holds.then(|| view! { <button type="button" on:click=close>{move || t().close}</button> })}
                    {move || can.get().invited.then(|| view! { <button type="button" on:click=leave>{move || t().leave}</button> })}
                    {move || (can.get().holds || ctx.role() >= Role::Supervisor).then(|| view! { <button type="button" on:click=make_lead>{move || t().make_lead}</button> })}
                </div>
            </header>
            {move || can.get().holds.then(|| view! { <TransferForm desk dialog=id.get_value() /><InviteForm desk dialog=id.get_value() /> })}
            {move || can.get().rate.then(|| view! { <RatingForm desk dialog=id.get_value() /> })}
            <ol class="messages" aria-live="polite" node_ref=list>
                <For each=move || desk.messages.get() key=|m| (m.seq, m.text.len()) let:m>
                    <MessageRow desk m seen_row />
                </For>
                {move || desk.outbox.with(|o| o.iter()
                    .filter(|p| p.dialog == id.get_value())
                    .map(|p| view! {
                        <li class="outgoing" class:hidden-note=p.hidden>
                            <p class="text">{p.text.clone()}</p>
                            <span class="meta">{move || t().sending}</span>
                        </li>
                    })
                    .collect_view())}
            </ol>
            {move || (!can.get().write && desk.messages.with(|m| m.is_empty()) && ctx.role() < Role::Supervisor)
                .then(|| view! { <p class="empty">{move || t().not_yours}</p> })}
            {move || desk.typing.with(|tp| tp.get(&id.get_value()).cloned()).map(|draft| view! {
                <p class="typing-preview" role="status"><span>{move || t().typing_preview}" "</span><q>{draft}</q></p>
            })}
            {move || can.get().write.then(|| view! { <Composer desk dialog=id.get_value() /> })}
            <div class="chat-side">
                {move || client().map(|c| view! { <crate::client_card::ClientCard desk client=c /> })}
            </div>
        </section>
    }
}

#[component]
fn MessageRow(desk: DeskState, m: ChatMessage, seen_row: Memo<Option<u64>>) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let (class, who) = match &m.author {
        Author::Visitor => ("msg from-visitor", ctx.t_untracked().visitor.to_owned()),
        Author::Operator { name } => (
            "msg from-operator",
            name.clone()
                .unwrap_or_else(|| ctx.t_untracked().operator.to_owned()),
        ),
        Author::System => ("msg from-system", ctx.t_untracked().system.to_owned()),
    };
    // A system line says what happened, in the console's language: the
    // closing reply (T4) the client got, or what the line did.
    let shown = match (&m.author, m.kind.as_deref()) {
        (Author::System, Some("closed")) if m.text.trim().is_empty() => {
            ctx.t_untracked().notice_closed.to_owned()
        }
        (Author::System, Some("closed")) => {
            format!("{}: {}", ctx.t_untracked().notice_closed, m.text)
        }
        (Author::System, Some("rating_request")) => {
            ctx.t_untracked().notice_rating_request.to_owned()
        }
        (Author::System, Some("reopened")) => ctx.t_untracked().notice_reopened.to_owned(),
        _ => m.text.clone(),
    };
    let text = StoredValue::new(m.text.clone());
    let t_now = ctx.t_untracked();
    let seq = m.seq;
    // What an operator wrote is what one reuses; the client's words, the
    // line's own lines and files are not quick answers.
    let saveable = matches!(m.author, Author::Operator { .. }) && m.attachment.is_none();
    let save = move |_| {
        let token = ctx.token();
        spawn_local(async move {
            let body = openline_core::quick_answers::QuickAnswerInput {
                text: text.get_value(),
                ..Default::default()
            };
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", &desk.path("/quick-answers"), &token, &body).await;
            match r {
                Ok(_) => {
                    desk.notice.set(Some(ctx.t_untracked().saved_quick.into()));
                    quick_answers::reload(desk);
                }
                Err(e) => desk.show_error(&e),
            }
        });
    };
    view! {
        <li class=class class:hidden=m.hidden data-seq=m.seq>
            <div class="meta">
                <span class="author">{who}</span>
                <time title=format::time(m.at)>{format::message_time(m.at)}</time>
                {m.hidden.then(|| view! { <span class="hidden-badge">{move || t().hidden_badge}</span> })}
            </div>
            {m.attachment.clone().map(|file| view! { <p class="text"><crate::files::FileLink desk file /></p> })}
            {m.attachment.as_ref().is_none_or(|a| a.name != m.text).then(|| view! { <p class="text">{shown}</p> })}
            // B3: what a bot offered the client to pick, as they saw it.
            {(!m.quick_replies.is_empty()).then(|| view! {
                <p class="offered">{format!("{}: {}", t_now.offered_replies, m.quick_replies.join(" · "))}</p>
            })}
            {saveable.then(|| view! {
                <button type="button" class="link save-quick" on:click=save>{move || t().save_as_quick}</button>
            })}
            {move || (seen_row.get() == Some(seq)).then(|| view! { <span class="seen">{move || t().seen}</span> })}
        </li>
    }
}

/// The composer: Enter sends, Shift+Enter breaks the line, `/` opens the
/// quick answers matching what follows it.
#[component]
fn Composer(desk: DeskState, dialog: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let dialog = StoredValue::new(dialog);
    let hidden = RwSignal::new(false);
    let last_typing = StoredValue::new(0i64);
    // The message goes to the outbox, which sends it and retries until the
    // edge confirms it: the composer is free again at once.
    let send = move || {
        let text = desk.draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        desk.draft.set(String::new());
        desk.send_message(&dialog.get_value(), text, hidden.get_untracked());
    };
    let slash = move || desk.draft.with(|d| d.strip_prefix('/').map(str::to_owned));
    let on_input = move |value: String| {
        desk.draft.set(value);
        let now = format::now();
        if now - last_typing.get_value() > 1500 {
            last_typing.set_value(now);
            desk.typing(&dialog.get_value());
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            {move || slash().map(|q| view! { <quick_answers::SlashMenu desk query=q /> })}
            <label class="sr" for="composer-input">{move || t().message}</label>
            <textarea id="composer-input" rows="3" placeholder=move || t().placeholder
                class:hidden-draft=move || hidden.get()
                prop:value=move || desk.draft.get()
                on:input=move |ev| on_input(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() {
                        ev.prevent_default();
                        match slash() {
                            Some(q) => quick_answers::insert_first(desk, &q),
                            None => send(),
                        }
                    } else if ev.key() == "Escape" && slash().is_some() {
                        desk.draft.set(String::new());
                    }
                }></textarea>
            <div class="composer-row">
                <label class="button-like attach">{move || t().attach}
                    <input type="file" class="sr" multiple
                        on:change=move |ev| crate::files::attach(desk, dialog.get_value(), ev) />
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || hidden.get()
                        on:change=move |ev| hidden.set(event_target_checked(&ev)) />
                    {move || t().hidden_toggle}
                </label>
                <button type="submit" class="primary">{move || t().send}</button>
            </div>
        </form>
        <quick_answers::QuickPanel desk />
    }
}

/// Q9: transfer to an operator or a line; the comment goes first as a
/// hidden message, so the next operator reads it with the history.
#[component]
fn TransferForm(desk: DeskState, dialog: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let dialog = StoredValue::new(dialog);
    let kind = RwSignal::new("operator".to_owned());
    let target = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let me = StoredValue::new(ctx.me());
    let submit = move || {
        let to = target.get_untracked();
        if to.is_empty() {
            return;
        }
        let note = comment.get_untracked().trim().to_owned();
        let kind = kind.get_untracked();
        let token = ctx.token();
        spawn_local(async move {
            let d = dialog.get_value();
            if !note.is_empty() {
                let body = openline_core::requests::OperatorMessageRequest {
                    client_id: format::client_id(),
                    text: format!("{}: {note}", ctx.t_untracked().transfer_comment),
                    hidden: true,
                };
                let path = desk.path(&format!("/dialogs/{}/messages", api::encode(&d)));
                if let Err(e) = api::send::<_, api::Ignored>("POST", &path, &token, &body).await {
                    desk.show_error(&e);
                    return;
                }
            }
            let to = match kind.as_str() {
                "line" => TransferTarget::Line(to),
                _ => TransferTarget::Operator(to),
            };
            let body = api::json(&openline_core::requests::TransferRequest { to });
            if desk.act(&d, "transfer", body).await {
                comment.set(String::new());
                desk.catch_up();
            }
        });
    };
    view! {
        <details class="action-form">
            <summary>{move || t().transfer}</summary>
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <label for="transfer-kind">{move || t().transfer_to}</label>
                    <select id="transfer-kind" prop:value=move || kind.get() on:change=move |ev| { kind.set(event_target_value(&ev)); target.set(String::new()); }>
                        <option value="operator">{move || t().to_operator}</option>
                        <option value="line">{move || t().to_line}</option>
                    </select>
                <label for="transfer-target">{move || if kind.get() == "line" { t().to_line } else { t().to_operator }}</label>
                    <select id="transfer-target" prop:value=move || target.get() on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || if kind.get() == "line" {
                            let current = ctx.line_id();
                            ctx.lines.get().into_iter().filter(|l| l.id != current)
                                .map(|l| view! { <option value=l.id.clone()>{l.name.clone()}</option> }).collect_view().into_any()
                        } else {
                            desk.operators.get().into_iter().filter(|o| o.id != me.get_value() && !o.dismissed)
                                .map(|o| view! { <option value=o.id.clone()>{o.name.clone()}</option> }).collect_view().into_any()
                        }}
                    </select>
                <label for="transfer-comment">{move || t().comment}</label>
                <input id="transfer-comment" type="text" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
                <button type="submit">{move || t().transfer}</button>
            </form>
        </details>
    }
}

/// Q10: invite a colleague into the dialog.
#[component]
fn InviteForm(desk: DeskState, dialog: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let dialog = StoredValue::new(dialog);
    let who = RwSignal::new(String::new());
    let me = StoredValue::new(ctx.me());
    let submit = move || {
        let operator = who.get_untracked();
        if operator.is_empty() {
            return;
        }
        spawn_local(async move {
            let body = api::json(&openline_core::requests::InviteRequest { operator });
            desk.act(&dialog.get_value(), "invite", body).await;
        });
    };
    view! {
        <details class="action-form">
            <summary>{move || t().invite}</summary>
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <label for="invite-who">{move || t().invite_who}</label>
                    <select id="invite-who" prop:value=move || who.get() on:change=move |ev| who.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || desk.operators.get().into_iter().filter(|o| o.id != me.get_value() && !o.dismissed)
                            .map(|o| view! { <option value=o.id.clone()>{o.name.clone()}</option> }).collect_view()}
                    </select>
                <button type="submit">{move || t().invite}</button>
            </form>
        </details>
    }
}

/// R2: a supervisor rates the dialog.
#[component]
fn RatingForm(desk: DeskState, dialog: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let dialog = StoredValue::new(dialog);
    let score = RwSignal::new("5".to_owned());
    let comment = RwSignal::new(String::new());
    let submit = move || {
        let Ok(score) = score.get_untracked().parse::<u8>() else {
            return;
        };
        let c = comment.get_untracked().trim().to_owned();
        spawn_local(async move {
            let comment = (!c.is_empty()).then_some(c);
            let body = api::json(&openline_core::requests::RateDialog { score, comment });
            desk.act(&dialog.get_value(), "rating", body).await;
        });
    };
    view! {
        <details class="action-form">
            <summary>{move || t().rate}</summary>
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <label for="rating-score">{move || t().score}</label>
                    <select id="rating-score" prop:value=move || score.get() on:change=move |ev| score.set(event_target_value(&ev))>
                        {(1..=5).rev().map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                <label for="rating-comment">{move || t().comment}</label>
                <input id="rating-comment" type="text" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
                <button type="submit">{move || t().rate}</button>
            </form>
        </details>
    }
}
