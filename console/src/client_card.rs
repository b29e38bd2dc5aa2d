//! The client card (C1, C6, A1): the contacts the client left, the consents
//! they gave, and all their dialogs on this line.

use crate::api;
use crate::format;
use crate::state::{state_label, DeskState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::replies::ClientCard as Card;

/// The card of `client`, read when shown.
#[component]
pub fn ClientCard(desk: DeskState, client: String) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let card = RwSignal::new(None::<Card>);
    let token = ctx.token();
    let path = desk.path(&format!("/clients/{}", api::encode(&client)));
    spawn_local(async move {
        match api::get::<Card>(&path, &token).await {
            Ok(c) => card.set(Some(c)),
            Err(e) => desk.show_error(&e),
        }
    });
    view! {
        <details class="client-card" open>
            <summary>{move || t().client_card}</summary>
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
                <h4>{move || t().consents}</h4>
                {if c.consents.is_empty() {
                    view! { <p class="empty">{move || t().no_consents}</p> }.into_any()
                } else {
                    view! { <ul>{c.consents.into_iter().map(|k| view! {
                        <li>{format!("v{} · {}", k.version, format::time(k.at))}<br/><small>{k.text}</small></li>
                    }).collect_view()}</ul> }.into_any()
                }}
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
        </details>
    }
}
