//! QA1 in the composer: the line's quick answers, searched and grouped,
//! inserted with one click or through the `/` shortcut; the draft (or any
//! message, from the chat) can be saved as a new one.

use crate::api::{self, ApiError};
use crate::state::DeskState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::quick_answers::{search, QuickAnswer};
use openline_core::replies::QuickAnswerList;

/// Re-reads the line's quick answers.
pub fn reload(desk: DeskState) {
    let token = desk.ctx.token();
    spawn_local(async move {
        match api::get::<QuickAnswerList>(&desk.path("/quick-answers"), &token).await {
            Ok(list) => desk.quick.set(list.quick_answers),
            Err(e) => desk.show_error(&e),
        }
    });
}

/// Puts a quick answer into the composer: it replaces a `/` query, and is
/// appended to any other draft.
pub fn insert(desk: DeskState, text: &str) {
    desk.draft.update(|d| {
        if d.starts_with('/') || d.trim().is_empty() {
            *d = text.to_owned();
        } else {
            if !d.ends_with(' ') {
                d.push(' ');
            }
            d.push_str(text);
        }
    });
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("composer-input"))
    {
        use wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// The `/` shortcut's Enter: inserts the best match, if any.
pub fn insert_first(desk: DeskState, query: &str) {
    let first = desk
        .quick
        .with_untracked(|all| search(all, query).first().map(|a| a.text.clone()));
    if let Some(text) = first {
        insert(desk, &text);
    }
}

/// The menu under the composer while the draft starts with `/`.
#[component]
pub fn SlashMenu(desk: DeskState, query: String) -> impl IntoView {
    let ctx = desk.ctx;
    let hits: Vec<QuickAnswer> = desk
        .quick
        .with_untracked(|all| search(all, &query).into_iter().take(8).cloned().collect());
    view! {
        <div class="slash-menu" role="listbox" aria-label=move || ctx.t().slash_hint>
            <p class="hint">{move || ctx.t().slash_hint}</p>
            {if hits.is_empty() {
                view! { <p class="empty">{move || ctx.t().no_quick}</p> }.into_any()
            } else {
                hits.into_iter().map(|a| {
                    let text = a.text.clone();
                    view! {
                        <button type="button" role="option" class="quick-option" on:click=move |_| insert(desk, &text)>
                            <strong>{a.title.clone()}</strong>
                            {a.shortcut.clone().map(|s| view! { " " <code class="shortcut">{format!("/{s}")}</code> })}
                            " — "<span>{a.text.clone()}</span>
                        </button>
                    }
                }).collect_view().into_any()
            }}
        </div>
    }
}

/// The quick answers panel beside the composer: search, groups, insert.
#[component]
pub fn QuickPanel(desk: DeskState) -> impl IntoView {
    let ctx = desk.ctx;
    let t = move || ctx.t();
    let query = RwSignal::new(String::new());
    let groups = move || {
        let q = query.get();
        desk.quick.with(|all| {
            let mut out: Vec<(String, Vec<QuickAnswer>)> = Vec::new();
            for a in search(all, &q) {
                match out.last_mut() {
                    Some((g, items)) if *g == a.group => items.push(a.clone()),
                    _ => out.push((a.group.clone(), vec![a.clone()])),
                }
            }
            out
        })
    };
    let save_draft = move |_| {
        let text = desk.draft.get_untracked().trim().to_owned();
        if text.is_empty() || text.starts_with('/') {
            return;
        }
        let token = ctx.token();
        spawn_local(async move {
            let body = openline_core::quick_answers::QuickAnswerInput {
                text,
                ..Default::default()
            };
            let r: Result<api::Ignored, ApiError> =
                api::send("POST", &desk.path("/quick-answers"), &token, &body).await;
            match r {
                Ok(_) => {
                    desk.notice.set(Some(ctx.t_untracked().saved_quick.into()));
                    reload(desk);
                }
                Err(e) => desk.show_error(&e),
            }
        });
    };
    view! {
        <details class="quick-panel">
            <summary>{move || t().quick_answers}</summary>
            <label>{move || t().search}
                <input type="search" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
            </label>
            {move || {
                let gs = groups();
                if gs.is_empty() {
                    return view! { <p class="empty">{move || t().no_quick}</p> }.into_any();
                }
                gs.into_iter().map(|(group, items)| view! {
                    <section class="quick-group" aria-label=group.clone()>
                        <h4>{group.clone()}</h4>
                        <ul>
                            {items.into_iter().map(|a| {
                                let text = a.text.clone();
                                view! {
                                    <li>
                                        <button type="button" class="quick-insert" title=a.text.clone()
                                            aria-label=format!("{}: {}", ctx.t_untracked().insert, a.title)
                                            on:click=move |_| insert(desk, &text)>{a.title.clone()}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }).collect_view().into_any()
            }}
            <button type="button" class="link" on:click=save_draft>{move || t().save_as_quick}</button>
        </details>
    }
}
