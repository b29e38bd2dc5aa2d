//! Signing in and out: the session token lives in localStorage so a reload
//! keeps the operator signed in; a 401 anywhere signs them out.

use crate::api::{self, ApiError};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::{Login, LoginSession};

const KEY: &str = "openline:console:session";

/// The browser's localStorage, when available (not in some private modes).
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session, if any and not expired.
pub fn load() -> Option<LoginSession> {
    let raw = storage()?.get_item(KEY).ok().flatten()?;
    let s: LoginSession = serde_json::from_str(&raw).ok()?;
    (s.expires_at > crate::format::now()).then_some(s)
}

/// Remembers the session.
pub fn save(session: &LoginSession) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(session)) {
        let _ = s.set_item(KEY, &json);
    }
}

/// Forgets the session locally and tells the edge (best-effort).
pub fn sign_out(ctx: Ctx) {
    let token = ctx.token();
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
    ctx.auth.set(None);
    spawn_local(async move {
        let _ =
            api::call::<(), api::Ignored>("POST", "/api/v1/auth/logout", Some(&token), None).await;
    });
}

/// The sign-in form.
#[component]
pub fn LoginForm(ctx: Ctx) -> impl IntoView {
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move || {
        let body = Login {
            login: login.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            let r: Result<LoginSession, ApiError> =
                api::call("POST", "/api/v1/auth/login", None, Some(&body)).await;
            busy.set(false);
            match r {
                Ok(s) => {
                    save(&s);
                    error.set(None);
                    ctx.auth.set(Some(s));
                }
                Err(e) => error.set(Some(api::describe(&e, ctx.t_untracked().offline))),
            }
        });
    };
    view! {
        <form class="login" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h2>{move || ctx.t().app}</h2>
            <label>{move || ctx.t().login}
                <input type="text" autocomplete="username" required
                    prop:value=move || login.get() on:input=move |ev| login.set(event_target_value(&ev)) />
            </label>
            <label>{move || ctx.t().password}
                <input type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" disabled=move || busy.get()>{move || ctx.t().sign_in}</button>
        </form>
    }
}
