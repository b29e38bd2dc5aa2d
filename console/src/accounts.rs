//! Accounts: invite colleagues, change roles, dismiss and restore, and keep
//! vacation dates (Q4). Administrators edit; supervisors read.

use crate::api::{self, ApiError};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::{Account, AccountPatch, NewAccount, Role};

const DAY_MS: i64 = 86_400_000;

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Operator => "operator",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

fn parse_role(v: &str) -> Role {
    match v {
        "admin" => Role::Admin,
        "supervisor" => Role::Supervisor,
        _ => Role::Operator,
    }
}

/// A `YYYY-MM-DD` date as UTC midnight in epoch ms.
fn day_start(v: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(v);
    (!ms.is_nan()).then_some(ms as i64)
}

/// Epoch ms as a `YYYY-MM-DD` UTC date.
fn day_of(ms: i64) -> String {
    js_sys::Date::new(&(ms as f64).into())
        .to_iso_string()
        .as_string()
        .and_then(|s| s.get(..10).map(str::to_owned))
        .unwrap_or_default()
}

/// The accounts page.
#[component]
pub fn Accounts(ctx: Ctx, readonly: bool) -> impl IntoView {
    let t = move || ctx.t();
    let list = RwSignal::new(Vec::<Account>::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        let token = ctx.token();
        spawn_local(async move {
            match api::get::<Vec<Account>>("/api/v1/accounts", &token).await {
                Ok(l) => list.set(l),
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    reload();
    let patch = move |id: String, p: AccountPatch| {
        let token = ctx.token();
        spawn_local(async move {
            let path = format!("/api/v1/accounts/{}", api::encode(&id));
            let r: Result<Account, ApiError> = api::send("PATCH", &path, &token, &p).await;
            match r {
                Ok(a) => {
                    error.set(None);
                    list.update(|l| {
                        if let Some(x) = l.iter_mut().find(|x| x.id == a.id) {
                            *x = a;
                        }
                    });
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    view! {
        <section class="accounts">
            <h3>{move || t().accounts}</h3>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <table>
                <thead><tr>
                    <th scope="col">{move || t().login}</th>
                    <th scope="col">{move || t().name}</th>
                    <th scope="col">{move || t().role}</th>
                    <th scope="col">{move || t().dismissed}</th>
                    <th scope="col">{move || t().vacations}</th>
                </tr></thead>
                <tbody>
                    <For each=move || list.get() key=|a| format!("{:?}", a) let:a>
                        <AccountRow ctx a readonly patch />
                    </For>
                </tbody>
            </table>
            {(!readonly).then(|| view! { <NewAccountForm ctx on_created=move || reload() /> })}
        </section>
    }
}

#[component]
fn AccountRow(
    ctx: Ctx,
    a: Account,
    readonly: bool,
    patch: impl Fn(String, AccountPatch) + Copy + 'static,
) -> impl IntoView {
    let t = move || ctx.t();
    let id = StoredValue::new(a.id.clone());
    let vacations = StoredValue::new(a.vacations.clone());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let dismissed = a.dismissed;
    let add_vacation = move || {
        let (Some(f), Some(t)) = (
            day_start(&from.get_untracked()),
            day_start(&to.get_untracked()),
        ) else {
            return;
        };
        let mut v = vacations.get_value();
        v.push((f, t + DAY_MS));
        patch(
            id.get_value(),
            AccountPatch {
                vacations: Some(v),
                ..Default::default()
            },
        );
    };
    view! {
        <tr data-login=a.login.clone()>
            <td>{a.login.clone()}</td>
            <td>{a.name.clone()}
                // O1: the position clients see under the operator's own profile.
                <input type="text" class="position" disabled=readonly placeholder=move || t().position
                    aria-label=format!("{}: {}", ctx.t_untracked().position, a.login)
                    value=a.position.clone().unwrap_or_default()
                    on:change=move |ev| {
                        let v = event_target_value(&ev).trim().to_owned();
                        if !v.is_empty() {
                            patch(id.get_value(), AccountPatch { position: Some(v), ..Default::default() });
                        }
                    } />
                // K2: where this person's notices are mailed (empty: none, or the login if it is an address).
                <input type="email" class="email" disabled=readonly placeholder=move || t().notice_email
                    aria-label=format!("{}: {}", ctx.t_untracked().notice_email, a.login)
                    value=a.email.clone().unwrap_or_default()
                    on:change=move |ev| {
                        let v = event_target_value(&ev).trim().to_owned();
                        patch(id.get_value(), AccountPatch { email: Some(v), ..Default::default() });
                    } />
            </td>
            <td>
                <select aria-label=format!("{}: {}", ctx.t_untracked().role, a.login) disabled=readonly
                    on:change=move |ev| patch(id.get_value(), AccountPatch { role: Some(parse_role(&event_target_value(&ev))), ..Default::default() })>
                    {[Role::Operator, Role::Supervisor, Role::Admin].into_iter().map(|r| view! {
                        <option value=role_name(r) selected=r == a.role>{move || match r {
                            Role::Operator => t().role_operator, Role::Supervisor => t().role_supervisor, Role::Admin => t().role_admin }}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>
                {move || if dismissed { t().dismissed } else { "" }}
                {(!readonly).then(|| view! {
                    <button type="button" class="small"
                        on:click=move |_| patch(id.get_value(), AccountPatch { dismissed: Some(!dismissed), ..Default::default() })>
                        {move || if dismissed { t().restore } else { t().dismiss }}
                    </button>
                })}
            </td>
            <td>
                <ul class="vacations">
                    {a.vacations.iter().enumerate().map(|(i, (f, to_ms))| view! {
                        <li>{format!("{} – {}", day_of(*f), day_of(*to_ms - DAY_MS))}
                            {(!readonly).then(|| view! {
                                <button type="button" class="small" aria-label=move || t().remove
                                    on:click=move |_| {
                                        let mut v = vacations.get_value();
                                        if i < v.len() { v.remove(i); }
                                        patch(id.get_value(), AccountPatch { vacations: Some(v), ..Default::default() });
                                    }>"✕"</button>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
                {(!readonly).then(|| view! {
                    <span class="vacation-add">
                        <label>{move || t().from}<input type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                        <label>{move || t().to}<input type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev)) /></label>
                        <button type="button" class="small" on:click=move |_| add_vacation()>{move || t().add}</button>
                    </span>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewAccountForm(ctx: Ctx, on_created: impl Fn() + Copy + 'static) -> impl IntoView {
    let t = move || ctx.t();
    let login = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("operator".to_owned());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move || {
        let body = NewAccount {
            login: login.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            role: parse_role(&role.get_untracked()),
            password: password.get_untracked(),
        };
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<Account, ApiError> =
                api::send("POST", "/api/v1/accounts", &token, &body).await;
            match r {
                Ok(_) => {
                    error.set(None);
                    login.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    on_created();
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    view! {
        <form class="new-account" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h4>{move || t().new_account}</h4>
            <label>{move || t().login}<input type="text" required prop:value=move || login.get() on:input=move |ev| login.set(event_target_value(&ev)) /></label>
            <label>{move || t().name}<input type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <label>{move || t().role}
                <select prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="operator">{move || t().role_operator}</option>
                    <option value="supervisor">{move || t().role_supervisor}</option>
                    <option value="admin">{move || t().role_admin}</option>
                </select>
            </label>
            <label>{move || t().password}<input type="password" autocomplete="new-password" required prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) /></label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">{move || t().create}</button>
        </form>
    }
}
