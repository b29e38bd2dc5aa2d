//! Administration: the selected line's settings, its consent log, its
//! statistics (S1), the
//! accounts, the lines themselves (create, delete, embed snippet) and, for
//! administrators, the integrations (webhooks).
//! Administrators change things; supervisors read (L5).

use crate::api::{self, ApiError};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::deployment::Deployment;
use openline_core::protocol::Role;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Settings,
    Consents,
    Statistics,
    Accounts,
    Lines,
    Quick,
    Integrations,
}

/// The one snippet a site owner pastes for a line.
pub fn embed_snippet(origin: &str, line: &str) -> String {
    format!(r#"<script src="{origin}/widget.js" data-line="{line}" async></script>"#)
}

/// The administration section.
#[component]
pub fn Admin(ctx: Ctx) -> impl IntoView {
    let t = move || ctx.t();
    let page = RwSignal::new(Page::Settings);
    // Only a change of role redraws the page (a saved profile does not).
    let role = Memo::new(move |_| ctx.role());
    let readonly = move || role.get() < Role::Admin;
    let tab = move |p: Page, label: fn(&crate::i18n::Texts) -> &'static str| {
        view! {
            <button type="button" role="tab" aria-selected=move || (page.get() == p).to_string()
                on:click=move |_| crate::choose(page, p)>{move || label(t())}</button>
        }
    };
    view! {
        <div class="admin">
            <div role="tablist" class="tabs">
                {tab(Page::Settings, |t| t.settings)}
                {tab(Page::Consents, |t| t.consents)}
                {tab(Page::Statistics, |t| t.statistics)}
                {tab(Page::Accounts, |t| t.accounts)}
                {tab(Page::Lines, |t| t.lines)}
                {tab(Page::Quick, |t| t.quick_tab)}
                {move || (role.get() >= Role::Admin).then(|| tab(Page::Integrations, |t| t.integrations))}
            </div>
            {move || match (page.get(), ctx.line.get()) {
                (Page::Settings, Some(line)) => view! { <crate::settings_form::SettingsForm ctx line readonly=readonly() /> }.into_any(),
                (Page::Consents, Some(line)) => view! { <crate::consents::Consents ctx line /> }.into_any(),
                (Page::Statistics, Some(line)) => view! { <crate::statistics::Statistics ctx line /> }.into_any(),
                (Page::Accounts, _) => view! { <crate::accounts::Accounts ctx readonly=readonly() /> }.into_any(),
                (Page::Lines, _) => view! { <Lines ctx readonly=readonly() /> }.into_any(),
                (Page::Integrations, _) => view! { <crate::integrations::Integrations ctx /> }.into_any(),
                (Page::Quick, Some(line)) => view! { <crate::quick_manager::QuickManager ctx line readonly=readonly() /> }.into_any(),
                (_, None) => view! { <p class="empty">{move || t().no_lines}</p> }.into_any(),
            }}
        </div>
    }
}

/// L1/L3 and the embed code of every line.
#[component]
fn Lines(ctx: Ctx, readonly: bool) -> impl IntoView {
    let t = move || ctx.t();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let origin = StoredValue::new(origin);
    let new_id = RwSignal::new(String::new());
    let new_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // L1: the company's name, which a line created without a name takes.
    let company = RwSignal::new(String::new());
    let company_saved = RwSignal::new(false);
    {
        let token = ctx.token();
        spawn_local(async move {
            if let Ok(d) = api::get::<Deployment>("/api/v1/deployment", &token).await {
                // What the administrator typed meanwhile stays.
                company.update(|c| {
                    if c.is_empty() {
                        *c = d.company_name;
                    }
                });
            }
        });
    }
    let save_company = move || {
        let body = Deployment {
            company_name: company.get_untracked(),
        };
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<Deployment, ApiError> =
                api::send("PUT", "/api/v1/deployment", &token, &body).await;
            match r {
                Ok(d) => {
                    error.set(None);
                    company.set(d.company_name);
                    company_saved.set(true);
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let copied = RwSignal::new(None::<String>);
    let create = move || {
        let body = openline_core::requests::NewLine {
            id: new_id.get_untracked().trim().to_owned(),
            name: new_name.get_untracked().trim().to_owned(),
        };
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", "/api/v1/lines", &token, &body).await;
            match r {
                Ok(_) => {
                    error.set(None);
                    new_id.set(String::new());
                    new_name.set(String::new());
                    ctx.reload_lines();
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let delete = move |id: String| {
        if !crate::browser::confirmed(ctx.t_untracked().confirm_delete) {
            return;
        }
        let token = ctx.token();
        spawn_local(async move {
            let path = format!("/api/v1/lines/{}", api::encode(&id));
            let r: Result<api::Ignored, ApiError> =
                api::call::<(), _>("DELETE", &path, Some(&token), None).await;
            match r {
                Ok(_) => ctx.reload_lines(),
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let copy = move |id: String, snippet: String| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&snippet);
        }
        copied.set(Some(id));
    };
    view! {
        <section class="lines">
            <form class="company" on:submit=move |ev| { ev.prevent_default(); save_company(); }>
                <h3>{move || t().company}</h3>
                <label>{move || t().company_name}
                    <input type="text" disabled=readonly prop:value=move || company.get()
                        on:input=move |ev| { company.set(event_target_value(&ev)); company_saved.set(false); } /></label>
                <p class="note">{move || t().company_hint}</p>
                {(!readonly).then(|| view! { <button type="submit">{move || t().save}</button> })}
                {move || company_saved.get().then(|| view! { <span role="status" class="ok">{move || t().saved}</span> })}
            </form>
            <h3>{move || t().lines}</h3>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <p class="note">{move || t().embed_hint}</p>
            <For each=move || ctx.lines.get() key=|l| (l.id.clone(), l.name.clone()) let:l>
                {
                    let snippet = embed_snippet(&origin.get_value(), &l.id);
                    let id = l.id.clone();
                    let id2 = l.id.clone();
                    let id3 = l.id.clone();
                    let s2 = snippet.clone();
                    view! {
                        <article class="line-card" data-line=l.id.clone()>
                            <h4>{format!("{} ({})", l.name, l.id)}</h4>
                            <label>{move || t().embed}
                                <textarea readonly rows="2" class="snippet" prop:value=snippet.clone()></textarea>
                            </label>
                            <button type="button" on:click=move |_| copy(id.clone(), s2.clone())>{move || t().copy}</button>
                            {move || (copied.get().as_deref() == Some(id3.as_str())).then(|| view! { <span role="status">{move || t().copied}</span> })}
                            {(!readonly).then(|| view! {
                                <button type="button" class="danger" on:click=move |_| delete(id2.clone())>{move || t().delete_line}</button>
                            })}
                        </article>
                    }
                }
            </For>
            {(!readonly).then(|| view! {
                <form class="new-line" on:submit=move |ev| { ev.prevent_default(); create(); }>
                    <h4>{move || t().new_line}</h4>
                    <label>{move || t().line_id}<input type="text" required pattern="[a-z0-9-]+" prop:value=move || new_id.get() on:input=move |ev| new_id.set(event_target_value(&ev)) /></label>
                    <label>{move || t().line_name}<input type="text" placeholder=move || company.get() prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev)) /></label>
                    <button type="submit">{move || t().create}</button>
                </form>
            })}
        </section>
    }
}
