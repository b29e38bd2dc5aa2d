//! Administration → Integrations (issue 13): the selected line's channels
//! (a Telegram bot), the chat bots (`bots.rs`) and webhook subscriptions — add
//! one for the deployment or a line, see its secret once, pause, resume,
//! remove, send a test event and read the delivery log. The list and forms
//! are written as HTML with one click handler reading `data-act`, not as
//! reactive views: a fraction of the wasm.

use crate::api::{self, ApiError};
use crate::i18n::Texts;
use crate::{format, Ctx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::channels::{
    ChannelCheck, ChannelInfo, ChannelList, ChannelProblem, ConnectTelegram,
};
use openline_core::text::escape_html;
use openline_core::webhooks::{
    Delivery, DeliveryLog, DeliveryStatus, HookKind, Webhook, WebhookChange, WebhookDraft,
    WebhookList, WebhookSaved,
};
use wasm_bindgen::JsCast;

/// The webhooks of the deployment, for administrators.
#[component]
pub fn Integrations(ctx: Ctx) -> impl IntoView {
    let t = move || ctx.t();
    let list = RwSignal::new(None::<Result<Vec<Webhook>, String>>);
    let error = RwSignal::new(None::<String>);
    // The secret of the subscription just made: shown this once.
    let secret = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let log = RwSignal::new(None::<Result<String, String>>);
    let reload = move || {
        let token = ctx.token();
        spawn_local(async move {
            let r = api::get::<WebhookList>("/api/v1/webhooks", &token).await;
            list.set(Some(r.map(|l| l.webhooks).map_err(|e| ctx.fail(&e))));
        });
    };
    reload();
    let failed = move |e: ApiError| error.set(Some(ctx.fail(&e)));
    let add = move |ev: leptos::ev::SubmitEvent| {
        let Some((form, data)) = crate::browser::submitted(&ev) else {
            return;
        };
        let get = |n: &str| data.get(n).as_string().unwrap_or_default();
        let events: Vec<HookKind> = HookKind::SUBSCRIBABLE
            .into_iter()
            .filter(|k| data.has(k.name()))
            .collect();
        let line = get("line");
        let draft = WebhookDraft {
            url: get("url").trim().to_owned(),
            events,
            line: (!line.is_empty()).then_some(line),
            description: Some(get("description")),
            secret: None,
        };
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<WebhookSaved, ApiError> =
                api::send("POST", "/api/v1/webhooks", &token, &draft).await;
            match r {
                Ok(saved) => {
                    error.set(None);
                    secret.set(saved.secret);
                    form.reset();
                    reload();
                }
                Err(e) => failed(e),
            }
        });
    };
    // One handler for every row's buttons: `data-act` and `data-id`.
    let act = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let (Some(act), Some(id)) = (
            button.get_attribute("data-act"),
            button.get_attribute("data-id"),
        ) else {
            return;
        };
        let t = ctx.t_untracked();
        if act == "delete" && !crate::browser::confirmed(t.webhook_confirm_delete) {
            return;
        }
        let token = ctx.token();
        let path = format!("/api/v1/webhooks/{}", api::encode(&id));
        spawn_local(async move {
            match act.as_str() {
                "test" => {
                    let r: Result<Delivery, ApiError> =
                        api::call::<(), _>("POST", &format!("{path}/test"), Some(&token), None)
                            .await;
                    match r {
                        Ok(d) => {
                            error.set(None);
                            status.set(Some(outcome(t, &d)));
                        }
                        Err(e) => failed(e),
                    }
                }
                "log" => {
                    let r = api::get::<DeliveryLog>(&format!("{path}/deliveries"), &token).await;
                    log.set(Some(r.map(|l| deliveries(t, &l)).map_err(|e| ctx.fail(&e))));
                }
                "delete" => {
                    let r: Result<api::Ignored, ApiError> =
                        api::call::<(), _>("DELETE", &path, Some(&token), None).await;
                    match r {
                        Ok(_) => reload(),
                        Err(e) => failed(e),
                    }
                }
                pause => {
                    let change = WebhookChange {
                        active: Some(pause == "resume"),
                        ..WebhookChange::default()
                    };
                    let r: Result<WebhookSaved, ApiError> =
                        api::send("PATCH", &path, &token, &change).await;
                    match r {
                        Ok(_) => reload(),
                        Err(e) => failed(e),
                    }
                }
            }
        });
    };
    view! {
        <section class="integrations">
            <h3>{move || t().webhooks}</h3>
            <p class="hint">{move || t().webhooks_intro}</p>
            {move || match list.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(l)) => view! { <div class="webhooks" on:click=act inner_html=rows(t(), &l)></div> }.into_any(),
            }}
            {move || secret.get().map(|s| view! {
                <p class="secret" role="status">{move || t().webhook_secret_once}" "<code>{s}</code></p>
            })}
            {move || status.get().map(|s| view! { <p role="status">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || log.get().map(|r| match r {
                Ok(h) => view! { <div class="deliveries" inner_html=h></div> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            <h4>{move || t().webhook_add}</h4>
            <form class="webhook-form" on:submit=add inner_html=move || form(t(), &ctx.lines.get())></form>
        </section>
        {move || ctx.line.get().map(|line| view! { <Channels ctx line /> })}
        <crate::bots::Bots ctx />
    }
}

/// L4/N2: the selected line's channels — a Telegram bot connected with its
/// BotFather token (never shown again), or disconnected.
#[component]
fn Channels(ctx: Ctx, line: String) -> impl IntoView {
    let t = move || ctx.t();
    let list = RwSignal::new(None::<Result<Vec<ChannelInfo>, String>>);
    let error = RwSignal::new(None::<String>);
    let token = RwSignal::new(String::new());
    let path = StoredValue::new(format!("/api/v1/lines/{}/channels", api::encode(&line)));
    let reload = move || {
        let auth = ctx.token();
        spawn_local(async move {
            let r = api::get::<ChannelList>(&path.get_value(), &auth).await;
            list.set(Some(r.map(|l| l.channels).map_err(|e| ctx.fail(&e))));
        });
    };
    reload();
    // The last check's sentence (N2): what Telegram says of the bot now.
    let checked = RwSignal::new(None::<String>);
    let check = move |_| {
        let auth = ctx.token();
        let p = format!("{}/telegram/check", path.get_value());
        spawn_local(async move {
            let r: Result<ChannelCheck, ApiError> =
                api::call::<(), _>("POST", &p, Some(&auth), None).await;
            match r {
                Ok(c) => {
                    error.set(None);
                    checked.set(Some(check_sentence(ctx.t_untracked(), &c)));
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let act = move |connect: bool| {
        let auth = ctx.token();
        let body = ConnectTelegram {
            token: token.get_untracked().trim().to_owned(),
        };
        let p = format!("{}/telegram", path.get_value());
        spawn_local(async move {
            let r: Result<api::Ignored, ApiError> = if connect {
                api::send("PUT", &p, &auth, &body).await
            } else {
                api::call::<(), _>("DELETE", &p, Some(&auth), None).await
            };
            match r {
                Ok(_) => {
                    error.set(None);
                    token.set(String::new());
                    reload();
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    view! {
        <section class="channels">
            <h3>{move || t().channels}</h3>
            <p class="hint">{move || t().channels_intro}</p>
            {move || match list.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! {
                    <form on:submit=move |ev| { ev.prevent_default(); act(true); }>
                        <label>{move || t().telegram_token}" "
                            <input type="password" autocomplete="off" required prop:value=move || token.get()
                                on:input=move |ev| token.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit">{move || t().telegram_connect}</button>
                    </form>
                }.into_any(),
                Some(Ok(l)) => view! {
                    <ul>{l.into_iter().map(|c| view! {
                        <li>"Telegram " {c.name.unwrap_or_default()}
                            {c.last_error.map(|e| view! { " · " <span class="error">{e}</span> })}
                            " " <button type="button" on:click=check>{move || t().channel_check}</button>
                            " " <button type="button" on:click=move |_| act(false)>{move || t().channel_disconnect}</button>
                        </li>
                    }).collect_view()}</ul>
                }.into_any(),
            }}
            {move || checked.get().map(|s| view! { <p role="status" class="channel-check">{s}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

/// What a channel check found, in the console's words (Telegram's own
/// words only as the detail of a failing delivery).
fn check_sentence(t: &Texts, c: &ChannelCheck) -> String {
    match c.problem {
        None => t.channel_works.to_owned(),
        Some(ChannelProblem::TokenRevoked) => t.channel_token_revoked.to_owned(),
        Some(ChannelProblem::Unreachable) => t.channel_unreachable.to_owned(),
        Some(ChannelProblem::WebhookElsewhere) => t.channel_webhook_elsewhere.to_owned(),
        Some(ChannelProblem::DeliveryFailing) => format!(
            "{} {}",
            t.channel_delivery_failing
                .replace("{n}", &c.pending_updates.to_string()),
            c.telegram_error.as_deref().unwrap_or("—")
        ),
    }
}

/// The subscriptions as a table with their actions.
fn rows(t: &Texts, hooks: &[Webhook]) -> String {
    if hooks.is_empty() {
        return format!("<p class=\"empty\">{}</p>", t.webhooks_none);
    }
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\"></th></tr></thead><tbody>",
        t.webhook_url, t.line, t.webhook_events
    );
    for w in hooks {
        let id = escape_html(&w.id);
        let button = |act: &str, label: &str| {
            format!("<button type=\"button\" data-act=\"{act}\" data-id=\"{id}\">{label}</button>")
        };
        let events: Vec<&str> = w.events.iter().map(|k| k.name()).collect();
        let (toggle, paused) = if w.active {
            (button("pause", t.webhook_pause), "")
        } else {
            (button("resume", t.webhook_resume), t.webhook_paused)
        };
        h += &format!(
            "<tr data-webhook=\"{id}\"><td><code>{}</code><br><small>{}</small> <em>{paused}</em></td><td>{}</td><td>{}</td><td>{}{}{toggle}{}</td></tr>",
            escape_html(&w.url),
            escape_html(&w.description),
            escape_html(w.line.as_deref().unwrap_or(t.webhook_all_lines)),
            events.join(", "),
            button("test", t.webhook_test),
            button("log", t.webhook_log),
            button("delete", t.remove),
        );
    }
    h + "</tbody></table>"
}

/// The form to add one: address, line, events, description.
fn form(t: &Texts, lines: &[crate::LineEntry]) -> String {
    let mut options = format!("<option value=\"\">{}</option>", t.webhook_all_lines);
    for l in lines {
        options += &format!(
            "<option value=\"{}\">{}</option>",
            escape_html(&l.id),
            escape_html(&l.name)
        );
    }
    let mut events = String::new();
    for k in HookKind::SUBSCRIBABLE {
        events += &format!(
            "<label><input type=\"checkbox\" name=\"{0}\" checked> {0}</label> ",
            k.name()
        );
    }
    format!(
        "<label>{} <input name=\"url\" type=\"url\" required placeholder=\"https://\"></label>\
         <label>{} <select name=\"line\">{options}</select></label>\
         <fieldset><legend>{}</legend>{events}</fieldset>\
         <label>{} <input name=\"description\" maxlength=\"200\"></label>\
         <button type=\"submit\">{}</button>",
        t.webhook_url, t.line, t.webhook_events, t.webhook_description, t.webhook_add
    )
}

/// What a test delivery came to, in a sentence.
fn outcome(t: &Texts, d: &Delivery) -> String {
    match (d.status, d.last_code) {
        (DeliveryStatus::Delivered, Some(c)) => format!("{} {c}", t.webhook_test_ok),
        (_, Some(c)) => format!("{} {c}", t.webhook_test_refused),
        _ => t.webhook_test_unreachable.to_owned(),
    }
}

/// The delivery log as a table.
fn deliveries(t: &Texts, log: &DeliveryLog) -> String {
    if log.deliveries.is_empty() {
        return format!("<p class=\"empty\">{}</p>", t.webhook_log_none);
    }
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        t.when, t.webhook_events, t.webhook_result, t.webhook_attempts
    );
    for d in &log.deliveries {
        let state = match d.status {
            DeliveryStatus::Delivered => t.webhook_delivered,
            DeliveryStatus::Queued => t.webhook_retrying,
            DeliveryStatus::Failed => t.webhook_failed,
        };
        let code = d.last_code.map(|c| format!(" · {c}")).unwrap_or_default();
        h += &format!(
            "<tr data-delivery=\"{}\"><td>{}</td><td>{}</td><td>{state}{code}</td><td>{}</td></tr>",
            d.id,
            format::time(d.created_at),
            escape_html(&d.kind),
            d.attempts
        );
    }
    h + "</tbody></table>"
}
