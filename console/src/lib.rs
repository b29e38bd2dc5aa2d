//! openline's operator console (Leptos CSR), served at `/console`.
//!
//! Operators sign in, pick a line, set their presence and working day, and
//! answer dialogs in real time (`desk`, `dialogs`, `chat`, `live`);
//! administrators shape every rule of the line (`admin` and its editors).
//! Wire types come from `openline-core`, so the console cannot drift from
//! the edge.

mod accounts;
mod admin;
mod api;
mod bots;
mod browser;
mod chat;
mod client_card;
mod consents;
mod desk;
mod dialogs;
mod fields;
mod files;
mod format;
mod forms_editor;
mod history;
mod hours_editor;
mod i18n;
mod integrations;
mod leads;
mod live;
mod notices;
mod notify;
mod outbox;
mod profile;
mod queue_editor;
mod quick_answers;
mod quick_manager;
mod session;
mod settings_form;
mod state;
mod statistics;
mod what_if;

use api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::{LoginSession, Role};
use wasm_bindgen::prelude::*;

pub use openline_core::replies::LineEntry;

/// What every view of a signed-in console shares: the session, the
/// language and the line being worked on.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The signed-in session; None shows the login form.
    pub auth: RwSignal<Option<LoginSession>>,
    /// `en` or `ru`.
    pub lang: RwSignal<String>,
    /// Lines this account can see.
    pub lines: RwSignal<Vec<LineEntry>>,
    /// The line being worked on or configured.
    pub line: RwSignal<Option<String>>,
}

impl Ctx {
    /// The catalogue in the current language (tracked: views re-render on a switch).
    pub fn t(&self) -> &'static i18n::Texts {
        i18n::texts(&self.lang.get())
    }

    /// The catalogue, untracked (for event handlers and tasks).
    pub fn t_untracked(&self) -> &'static i18n::Texts {
        i18n::texts(&self.lang.get_untracked())
    }

    /// The session token (empty when signed out).
    pub fn token(&self) -> String {
        self.auth
            .with_untracked(|a| a.as_ref().map(|s| s.token.clone()))
            .unwrap_or_default()
    }

    /// The signed-in account's id.
    pub fn me(&self) -> String {
        self.auth
            .with_untracked(|a| a.as_ref().map(|s| s.account.id.clone()))
            .unwrap_or_default()
    }

    /// The signed-in account's role (tracked).
    pub fn role(&self) -> Role {
        self.auth
            .with(|a| a.as_ref().map(|s| s.account.role))
            .unwrap_or(Role::Operator)
    }

    /// The selected line (untracked), or empty.
    pub fn line_id(&self) -> String {
        self.line.get_untracked().unwrap_or_default()
    }

    /// Turns an error into a message to show. A 401 signs the operator out
    /// once `GET /me` confirms the current session is gone (a late answer
    /// to a request of an earlier session must not end the new one).
    pub fn fail(&self, e: &ApiError) -> String {
        if e.is_unauthorized() && self.auth.with_untracked(|a| a.is_some()) {
            let ctx = *self;
            let token = self.token();
            spawn_local(async move {
                let check =
                    api::get::<openline_core::protocol::Account>("/api/v1/me", &token).await;
                if matches!(&check, Err(e) if e.is_unauthorized()) && ctx.token() == token {
                    session::sign_out(ctx);
                }
            });
        }
        let t = self.t_untracked();
        match e {
            // Q12: the edge names the operator by id; say it to them.
            ApiError::Api { code, .. } if code == "limit_reached" => {
                t.unclosed_limit_refused.to_owned()
            }
            _ => api::describe(e, t.offline),
        }
    }

    /// Re-reads the list of lines, keeping the selection when it still exists.
    pub fn reload_lines(self) {
        let token = self.token();
        spawn_local(async move {
            match api::get::<Vec<LineEntry>>("/api/v1/lines", &token).await {
                Ok(list) => {
                    let keep = self
                        .line
                        .get_untracked()
                        .filter(|l| list.iter().any(|e| &e.id == l));
                    let pick = keep.or_else(|| list.first().map(|e| e.id.clone()));
                    self.lines.set(list);
                    if self.line.get_untracked() != pick {
                        self.line.set(pick);
                    }
                }
                Err(e) => {
                    self.fail(&e);
                }
            }
        });
    }
}

/// Sets `signal` only when `value` differs: choosing what is already
/// chosen (the same section, line or tab) must not redraw it and lose
/// what is being typed there.
pub fn choose<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

/// Mounts the console into the page's `<main id="console">`.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(host) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("console"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    host.set_inner_html("");
    leptos::mount::mount_to(host, Console).forget();
}

/// Which part of the console is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Work,
    History,
    Leads,
    Admin,
    Profile,
}

#[component]
fn Console() -> impl IntoView {
    let ctx = Ctx {
        auth: RwSignal::new(session::load()),
        lang: RwSignal::new(i18n::initial_language()),
        lines: RwSignal::new(Vec::new()),
        line: RwSignal::new(None),
    };
    let section = RwSignal::new(Section::Work);
    Effect::new(move |_| {
        if ctx.auth.with(|a| a.is_some()) {
            ctx.reload_lines();
        } else {
            section.set(Section::Work);
        }
    });
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", &lang);
        }
    });
    // Only signing in or out redraws the console (a saved profile does not).
    let signed_in = Memo::new(move |_| ctx.auth.with(|a| a.is_some()));
    let go = move |s: Section| choose(section, s);
    let lang_switch = move || {
        view! {
            <label class="lang" for="lang-picker">{move || ctx.t().language}</label>
                <select id="lang-picker" prop:value=move || ctx.lang.get()
                    on:change=move |ev| { let l = event_target_value(&ev); i18n::remember(&l); ctx.lang.set(l); }>
                    <option value="en">"English"</option>
                    <option value="ru">"Русский"</option>
                </select>
        }
    };
    view! {
        {move || match signed_in.get() {
            false => view! {
                <header class="console-header"><h1>{move || ctx.t().app}</h1>{lang_switch()}</header>
                <session::LoginForm ctx />
            }.into_any(),
            true => view! {
                <header class="console-header">
                    <h1>{move || ctx.t().app}</h1>
                    <nav class="sections" aria-label="Sections">
                        <button type="button" aria-pressed=move || (section.get() == Section::Work).to_string()
                            on:click=move |_| go(Section::Work)>{move || ctx.t().work}</button>
                        <button type="button" aria-pressed=move || (section.get() == Section::History).to_string()
                            on:click=move |_| go(Section::History)>{move || ctx.t().history_title}</button>
                        <button type="button" aria-pressed=move || (section.get() == Section::Leads).to_string()
                            on:click=move |_| go(Section::Leads)>{move || ctx.t().leads}</button>
                        {move || (ctx.role() >= Role::Supervisor).then(|| view! {
                            <button type="button" aria-pressed=move || (section.get() == Section::Admin).to_string()
                                on:click=move |_| go(Section::Admin)>{move || ctx.t().admin}</button>
                        })}
                    </nav>
                    <label class="line-picker" for="line-picker">{move || ctx.t().line}</label>
                        <select id="line-picker" prop:value=move || ctx.line.get().unwrap_or_default()
                            on:change=move |ev| choose(ctx.line, Some(event_target_value(&ev)))>
                            <For each=move || ctx.lines.get() key=|l| l.id.clone() let:l>
                                <option value=l.id.clone()>{format!("{} ({})", l.name, l.id)}</option>
                            </For>
                        </select>
                    {lang_switch()}
                    <button type="button" class="me" aria-pressed=move || (section.get() == Section::Profile).to_string()
                        title=move || ctx.t().profile
                        on:click=move |_| go(Section::Profile)>
                        {move || ctx.auth.with(|a| a.as_ref().map(|s| s.account.name.clone())).unwrap_or_default()}
                    </button>
                    <button type="button" on:click=move |_| session::sign_out(ctx)>{move || ctx.t().sign_out}</button>
                </header>
                {move || match section.get() {
                    Section::Work => view! {
                        {move || match ctx.line.get() {
                            Some(line) => view! { <desk::Desk ctx line /> }.into_any(),
                            None => view! { <p class="empty">{move || ctx.t().no_lines}</p> }.into_any(),
                        }}
                    }.into_any(),
                    Section::History => match ctx.line.get() {
                        Some(line) => view! { <history::DialogHistory ctx line /> }.into_any(),
                        None => view! { <p class="empty">{move || ctx.t().no_lines}</p> }.into_any(),
                    },
                    Section::Leads => match ctx.line.get() {
                        Some(line) => view! { <leads::Leads ctx line /> }.into_any(),
                        None => view! { <p class="empty">{move || ctx.t().no_lines}</p> }.into_any(),
                    },
                    Section::Admin => view! { <admin::Admin ctx /> }.into_any(),
                    Section::Profile => view! { <profile::Profile ctx /> }.into_any(),
                }}
            }.into_any(),
        }}
    }
}
