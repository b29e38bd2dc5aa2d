//! Administration → Integrations → Chat bots (B3): register a bot (its
//! token shown once), see each one's id to name in a line's settings, and
//! remove it. Written as HTML with one click handler, like the webhooks.

use crate::api::{self, ApiError};
use crate::i18n::Texts;
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::bots::{Bot, BotDraft, BotList, BotSaved};
use openline_core::text::escape_html;
use wasm_bindgen::JsCast;

/// The deployment's bots, for administrators.
#[component]
pub fn Bots(ctx: Ctx) -> impl IntoView {
    let t = move || ctx.t();
    let list = RwSignal::new(None::<Result<Vec<Bot>, String>>);
    let error = RwSignal::new(None::<String>);
    // The token of the bot just registered: shown this once.
    let token = RwSignal::new(None::<String>);
    let reload = move || {
        let auth = ctx.token();
        spawn_local(async move {
            let r = api::get::<BotList>("/api/v1/bots", &auth).await;
            list.set(Some(r.map(|l| l.bots).map_err(|e| ctx.fail(&e))));
        });
    };
    reload();
    let add = move |ev: leptos::ev::SubmitEvent| {
        let Some((form, data)) = crate::browser::submitted(&ev) else {
            return;
        };
        let get = |n: &str| data.get(n).as_string().unwrap_or_default();
        let draft = BotDraft {
            name: get("name"),
            url: get("url").trim().to_owned(),
            avatar: Some(get("avatar")).filter(|a| !a.trim().is_empty()),
        };
        let auth = ctx.token();
        spawn_local(async move {
            let r: Result<BotSaved, ApiError> =
                api::send("POST", "/api/v1/bots", &auth, &draft).await;
            match r {
                Ok(saved) => {
                    error.set(None);
                    token.set(Some(saved.token));
                    form.reset();
                    reload();
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let remove = move |ev: leptos::ev::MouseEvent| {
        let Some(id) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|b| b.get_attribute("data-id"))
        else {
            return;
        };
        if !crate::browser::confirmed(ctx.t_untracked().bot_confirm_delete) {
            return;
        }
        let auth = ctx.token();
        let path = format!("/api/v1/bots/{}", api::encode(&id));
        spawn_local(async move {
            let r: Result<api::Ignored, ApiError> =
                api::call::<(), _>("DELETE", &path, Some(&auth), None).await;
            match r {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    view! {
        <section class="bots">
            <h3>{move || t().bots}</h3>
            <p class="hint">{move || t().bots_intro}</p>
            {move || match list.get() {
                None => view! { <p>{move || t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(l)) => view! { <div on:click=remove inner_html=rows(t(), &l)></div> }.into_any(),
            }}
            {move || token.get().map(|s| view! {
                <p class="secret" role="status">{move || t().bot_token_once}" "<code>{s}</code></p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <h4>{move || t().bot_add}</h4>
            <form class="bot-form" on:submit=add inner_html=move || form(t())></form>
        </section>
    }
}

/// The bots as a table: name, id (what a line's settings name), address.
fn rows(t: &Texts, bots: &[Bot]) -> String {
    if bots.is_empty() {
        return format!("<p>{}</p>", t.bots_none);
    }
    let mut out = format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        t.bot_name, t.bot_id, t.webhook_url
    );
    for b in bots {
        out += &format!(
            "<tr><td>{}{}</td><td><code>{}</code></td><td>{}</td><td><button type=\"button\" data-id=\"{}\">{}</button></td></tr>",
            b.avatar.as_deref().map_or(String::new(), |a| format!(
                "<img class=\"avatar\" src=\"{}\" alt=\"\" width=\"24\" height=\"24\"> ",
                escape_html(a)
            )),
            escape_html(&b.name),
            escape_html(&b.id),
            escape_html(&b.url),
            escape_html(&b.id),
            t.remove
        );
    }
    out + "</tbody></table>"
}

fn form(t: &Texts) -> String {
    format!(
        "<label>{} <input name=\"name\" required maxlength=\"60\"></label> \
         <label>{} <input name=\"url\" type=\"url\" required placeholder=\"https://\"></label> \
         <label>{} <input name=\"avatar\" placeholder=\"https://\"></label> \
         <button type=\"submit\">{}</button>",
        t.bot_name, t.webhook_url, t.bot_avatar, t.bot_add
    )
}
