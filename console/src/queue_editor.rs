//! Q1: the queue editor — operators and departments in order. A new
//! department's members are saved at once (`PUT …/departments/{id}`); the
//! queue itself is saved with the rest of the settings.

use crate::api::{self, ApiError};
use crate::fields::Form;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::Account;
use openline_core::replies::{Department, DepartmentList};
use openline_core::settings::QueueEntry;

/// The queue of the line being edited.
#[component]
pub fn QueueEditor(form: Form, accounts: RwSignal<Vec<Account>>, line: String) -> impl IntoView {
    let ctx = form.ctx;
    let t = move || ctx.t();
    let line = StoredValue::new(line);
    let add_operator = RwSignal::new(String::new());
    let dept_id = RwSignal::new(String::new());
    let dept_members = RwSignal::new(Vec::<String>::new());
    let dept_error = RwSignal::new(None::<String>);
    // The line's departments as the edge knows them (id → members).
    let departments = RwSignal::new(Vec::<Department>::new());
    {
        let token = ctx.token();
        spawn_local(async move {
            let path = format!(
                "/api/v1/lines/{}/departments",
                api::encode(&line.get_value())
            );
            if let Ok(list) = api::get::<DepartmentList>(&path, &token).await {
                departments.set(list.departments);
            }
        });
    }
    let account_name = move |id: &str| {
        accounts
            .with(|all| all.iter().find(|a| a.id == id).map(|a| a.name.clone()))
            .unwrap_or_else(|| id.to_owned())
    };
    let name_of = move |e: &QueueEntry| match e {
        QueueEntry::Operator(id) => account_name(id),
        QueueEntry::Department(id) => {
            let members = departments.with(|all| {
                all.iter().find(|d| &d.id == id).map(|d| {
                    d.members
                        .iter()
                        .map(|m| account_name(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            });
            match members {
                Some(m) => format!("{}: {id} ({m})", ctx.t_untracked().department),
                None => format!("{}: {id}", ctx.t_untracked().department),
            }
        }
    };
    // Typing an existing department's id loads its members for editing.
    let pick_department = move |id: String| {
        if let Some(d) =
            departments.with_untracked(|all| all.iter().find(|d| d.id == id.trim()).cloned())
        {
            dept_members.set(d.members);
        }
        dept_id.set(id);
    };
    let move_entry = move |i: usize, up: bool| {
        form.s.update(|s| {
            let j = if up { i.checked_sub(1) } else { Some(i + 1) };
            if let Some(j) = j.filter(|j| *j < s.queue.len()) {
                s.queue.swap(i, j);
            }
        })
    };
    let add = move || {
        let id = add_operator.get_untracked();
        if id.is_empty() {
            return;
        }
        form.s.update(|s| {
            let entry = QueueEntry::Operator(id);
            if !s.queue.contains(&entry) {
                s.queue.push(entry);
            }
        });
        add_operator.set(String::new());
    };
    let add_department = move || {
        let id = dept_id.get_untracked().trim().to_owned();
        if id.is_empty() {
            return;
        }
        let members = dept_members.get_untracked();
        let token = ctx.token();
        spawn_local(async move {
            let path = format!(
                "/api/v1/lines/{}/departments/{}",
                api::encode(&line.get_value()),
                api::encode(&id)
            );
            let members_saved = members.clone();
            let body = openline_core::requests::DepartmentMembers { members };
            let r: Result<api::Ignored, ApiError> = api::send("PUT", &path, &token, &body).await;
            match r {
                Ok(_) => {
                    departments.update(|all| {
                        all.retain(|d| d.id != id);
                        all.push(Department {
                            id: id.clone(),
                            members: members_saved,
                        });
                    });
                    form.s.update(|s| {
                        let entry = QueueEntry::Department(id);
                        if !s.queue.contains(&entry) {
                            s.queue.push(entry);
                        }
                    });
                    dept_id.set(String::new());
                    dept_members.set(Vec::new());
                    dept_error.set(None);
                }
                Err(e) => dept_error.set(Some(ctx.fail(&e))),
            }
        });
    };
    view! {
        <div class="queue-editor" data-field="queue">
            <h4>{move || t().queue_editor}</h4>
            <ol>
                {move || form.s.with(|s| s.queue.clone()).into_iter().enumerate().map(|(i, e)| {
                    let name = name_of(&e);
                    view! {
                        <li>
                            <span>{name.clone()}</span>
                            {(!form.readonly).then(|| view! {
                                <button type="button" class="small" aria-label=format!("{}: {name}", ctx.t_untracked().up) on:click=move |_| move_entry(i, true)>"↑"</button>
                                <button type="button" class="small" aria-label=format!("{}: {name}", ctx.t_untracked().down) on:click=move |_| move_entry(i, false)>"↓"</button>
                                <button type="button" class="small" aria-label=format!("{}: {name}", ctx.t_untracked().remove)
                                    on:click=move |_| form.s.update(|s| { if i < s.queue.len() { s.queue.remove(i); } })>"✕"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            {form.error_view("queue")}
            {(!form.readonly).then(|| view! {
                <div class="row">
                    <label>{move || t().to_operator}
                        <select prop:value=move || add_operator.get() on:change=move |ev| add_operator.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {move || accounts.get().into_iter().filter(|a| !a.dismissed)
                                .map(|a| view! { <option value=a.id.clone()>{format!("{} ({})", a.name, a.login)}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="button" on:click=move |_| add()>{move || t().add}</button>
                </div>
                <details class="department">
                    <summary>{move || format!("{} — {}", t().add, t().department)}</summary>
                    <label>{move || t().department}
                        <input type="text" prop:value=move || dept_id.get() on:input=move |ev| pick_department(event_target_value(&ev)) />
                    </label>
                    <fieldset>
                        <legend>{move || t().members}</legend>
                        {move || accounts.get().into_iter().filter(|a| !a.dismissed).map(|a| {
                            let id = StoredValue::new(a.id.clone());
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || dept_members.with(|m| m.contains(&id.get_value()))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            dept_members.update(|m| { m.retain(|x| *x != id.get_value()); if on { m.push(id.get_value()); } });
                                        } />
                                    <span>{a.name.clone()}</span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    {move || dept_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="button" on:click=move |_| add_department()>{move || t().add}</button>
                </details>
            })}
        </div>
    }
}
