//! The client card (C1, C6, A1): the contacts the client left, the consents
//! they gave, and all their dialogs on this line; for administrators, the
//! client's data downloaded or erased (GDPR).

use crate::api::{self, ApiError};
use crate::format;
use crate::state::{state_label, DeskState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::client_merge::{Likeness, MergeRequest, Merged, SimilarClient};
use openline_core::leads::Lead;
use openline_core::privacy::ClientErased;
use openline_core::protocol::Role;
use openline_core::replies::ClientCard as Card;
use openline_core::visits::{PageView, Visit};

/// The card of `client`, read when shown.
#[component]
pub fn ClientCard(desk: DeskState, client: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let card = RwSignal::new(None::<Card>);
    let path = StoredValue::new(desk.path(&format!("/clients/{}", api::encode(&client))));
    let read = move || {
        let token = ctx.token();
        spawn_local(async move {
            match api::get::<Card>(&path.get_value(), &token).await {
                Ok(c) => card.set(Some(c)),
                Err(e) => desk.show_error(&e),
            }
        });
    };
    read();
    // A page the client opens while the card is shown comes in live.
    let who = StoredValue::new(client);
    Effect::new(move |_| {
        if let Some((c, v)) = desk.visit.get() {
            if c == who.get_value() {
                card.update(|k| {
                    if let Some(k) = k {
                        k.visits.insert(0, v);
                        k.visits.truncate(20);
                    }
                });
            }
        }
    });
    view! {
        <details class="client-card" open>
            <summary>{move || t().client_card}</summary>
            {move || card.with(|c| c.as_ref().and_then(|c| c.visits.first().cloned())).map(|v| view! { <VisitorPanel desk visit=v /> })}
            {move || card.with(|c| c.as_ref().map(|c| c.visits.iter().skip(1).take(5).cloned().collect::<Vec<_>>()))
                .filter(|earlier| !earlier.is_empty())
                .map(|earlier| view! {
                    <h4>{move || t().pages_visited}</h4>
                    <ul class="pages">{earlier.into_iter().filter_map(|v| v.page.map(|p| (v.at, p))).map(|(at, p)| view! {
                        <li><span class="when">{format::message_time(at)}</span>" "<a href=p.url.clone() target="_blank" rel="noopener noreferrer">{page_name(&p)}</a></li>
                    }).collect_view()}</ul>
                })}
            {move || card.get().map(|c| view! {
                {match c.contacts {
                    Some(k) => view! {
                        <dl>
                            <dt>{move || t().name}</dt><dd>{k.name.unwrap_or_default()}</dd>
                            <dt>{move || t().email}</dt><dd>{k.email.unwrap_or_default()}</dd>
                            <dt>{move || t().phone}</dt><dd>{k.phone.unwrap_or_default()}</dd>
                        </dl>
                    }.into_any(),
                    None => view! { <p class="empty">{move || t().no_contacts}</p> }.into_any(),
                }}
                {(!c.similar.is_empty()).then(|| view! { <Similar desk path similar=c.similar.clone() on_merged=Callback::new(move |()| read()) /> })}
                <h4>{move || t().consents}</h4>
                {if c.consents.is_empty() {
                    view! { <p class="empty">{move || t().no_consents}</p> }.into_any()
                } else {
                    view! { <ul>{c.consents.into_iter().map(|k| view! {
                        <li>{format!("v{} · {}", k.version, format::time(k.at))}<br/><small>{k.text}</small></li>
                    }).collect_view()}</ul> }.into_any()
                }}
                {(!c.leads.is_empty()).then(|| view! {
                    <h4>{move || t().leads}</h4>
                    <ul class="card-leads" inner_html=leads_html(ctx.t_untracked(), &c.leads, desk)></ul>
                })}
                <h4>{move || t().earlier_dialogs}</h4>
                <ul class="earlier">
                    {c.dialogs.into_iter().map(|d| {
                        let id = d.id.clone();
                        view! {
                            <li><button type="button" class="link" on:click=move |_| desk.select(id.clone())>
                                {format!("{} · {} · {}", format::short(&d.id), state_label(ctx.t_untracked(), &d.status), format::time(d.opened_at))}
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {move || (ctx.role() >= Role::Admin).then(|| view! {
                <PersonalData desk client=who.get_value() on_erased=Callback::new(move |()| {
                    // What is shown of the client is read again: gone now.
                    read();
                    desk.messages.set(Vec::new());
                    desk.catch_up();
                    desk.refresh();
                }) />
            })}
        </details>
    }
}

/// C1: clients of the line who left the same e-mail or phone, each with
/// "Merge"; the card then shows the merged client (the verified user's id
/// stays when one of them is).
#[component]
fn Similar(
    desk: DeskState,
    path: StoredValue<String>,
    similar: Vec<SimilarClient>,
    on_merged: Callback<()>,
) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let merge = move |with: String| {
        let token = ctx.token();
        spawn_local(async move {
            let body = MergeRequest { with };
            let to = format!("{}/merge", path.get_value());
            let r = api::send::<_, Merged>("POST", &to, &token, &body);
            match r.await {
                Ok(m) => {
                    path.set_value(desk.path(&format!("/clients/{}", api::encode(&m.client))));
                    on_merged.run(());
                    desk.refresh();
                }
                Err(e) => desk.show_error(&e),
            }
        });
    };
    view! {
        <h4>{move || t().similar_clients}</h4>
        <ul class="similar">
            {similar.into_iter().map(|s| {
                let k = &s.contacts;
                let name = [k.name.clone(), k.email.clone(), k.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                let why = move || match s.by {
                    Likeness::Email => t().same_email,
                    Likeness::Phone => t().same_phone,
                };
                let with = s.client.clone();
                view! {
                    <li>{name}" — "{why}" "
                        <button type="button" on:click=move |_| merge(with.clone())>{move || t().merge_clients}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// GDPR, for administrators: the client's data as one JSON download, and
/// its erasure (asked first; the answer said in a sentence).
#[component]
fn PersonalData(desk: DeskState, client: String, on_erased: Callback<()>) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let path = StoredValue::new(desk.path(&format!("/clients/{}", api::encode(&client))));
    let said = RwSignal::new(None::<String>);
    let erase = move |_| {
        let t = ctx.t_untracked();
        if !crate::browser::confirmed(t.erase_question) {
            return;
        }
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<ClientErased, ApiError> =
                api::call::<(), _>("DELETE", &path.get_value(), Some(&token), None).await;
            if r.is_ok() {
                on_erased.run(());
            }
            said.set(Some(match r {
                Ok(e) if e.anything() => t.erased.to_owned(),
                Ok(_) => t.nothing_to_erase.to_owned(),
                Err(ApiError::Api { code, .. }) if code == "conflict" => t.erase_wait.to_owned(),
                Err(e) => ctx.fail(&e),
            }));
        });
    };
    view! {
        <h4>{move || t().personal_data}</h4>
        <p class="gdpr">
            <a href=move || format!("{}/export?token={}", path.get_value(), api::encode(&ctx.token()))
                download="client.json">{move || t().export_data}</a>
            " "
            <button type="button" class="danger" on:click=erase>{move || t().erase_data}</button>
        </p>
        {move || said.get().map(|s| view! { <p role="status">{s}</p> })}
    }
}

/// C1: the client's leads as escaped list items — status, who is
/// responsible, when it was made.
fn leads_html(t: &crate::i18n::Texts, leads: &[Lead], desk: DeskState) -> String {
    leads
        .iter()
        .map(|l| {
            let who = l
                .responsible
                .as_deref()
                .map(|r| desk.name_of(r))
                .unwrap_or_else(|| "—".to_owned());
            format!(
                "<li>{} · {} · {}</li>",
                crate::leads::status_label(t, l.status),
                openline_core::text::escape_html(&who),
                format::time(l.created_at)
            )
        })
        .collect()
}

/// A page as a link text: its title, else its address.
fn page_name(p: &PageView) -> String {
    if p.title.trim().is_empty() {
        p.url.clone()
    } else {
        p.title.clone()
    }
}

/// Where the visitor is now (the newest page view) and what they browse
/// with: the visitor panel (issue 11.7).
#[component]
fn VisitorPanel(desk: DeskState, visit: Visit) -> impl IntoView {
    let t = move || desk.ctx.t();
    let place = [visit.city.clone(), visit.country.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let system = [visit.browser.clone(), visit.os.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let local = visit.time_zone.as_deref().and_then(format::time_in_zone);
    view! {
        <dl class="visitor">
            {visit.page.clone().map(|p| view! {
                <dt>{move || t().now_on}</dt>
                <dd><a href=p.url.clone() target="_blank" rel="noopener noreferrer" title=p.url.clone()>{page_name(&p)}</a></dd>
                {p.referrer.clone().map(|r| view! { <dt>{move || t().came_from}</dt><dd class="url">{r}</dd> })}
            })}
            {(!system.is_empty()).then(|| view! { <dt>{move || t().browser}</dt><dd>{system}</dd> })}
            {visit.language.clone().map(|l| view! { <dt>{move || t().visitor_language}</dt><dd>{l}</dd> })}
            {(!place.is_empty()).then(|| view! { <dt>{move || t().location}</dt><dd>{place}</dd> })}
            {local.map(|l| view! { <dt>{move || t().local_time}</dt><dd>{l}</dd> })}
        </dl>
    }
}
