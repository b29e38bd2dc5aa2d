//! O1: a person's own profile — the name and position clients see, the
//! address their notices go to, and their avatar: a picture they choose,
//! cut to a centred square and shrunk to 256 × 256 in the browser before it
//! is sent (the edge checks it is a picture by its content).

use crate::api::{self, ApiError};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::Account;
use openline_core::requests::ProfilePatch;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The side of an avatar as sent.
const SIDE: u32 = 256;

/// The chosen picture, cut to a centred square and shrunk to [`SIDE`], as a
/// PNG blob.
async fn square_png(file: web_sys::File) -> Result<JsValue, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(&file)?)
        .await?
        .dyn_into()?;
    let (w, h) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let side = w.min(h);
    let canvas = web_sys::OffscreenCanvas::new(SIDE, SIDE)?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or(JsValue::NULL)?.dyn_into()?;
    let out = f64::from(SIDE);
    context.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &bitmap,
        (w - side) / 2.0,
        (h - side) / 2.0,
        side,
        side,
        0.0,
        0.0,
        out,
        out,
    )?;
    JsFuture::from(canvas.convert_to_blob()?).await
}

/// The profile page.
#[component]
pub fn Profile(ctx: Ctx) -> impl IntoView {
    let t = move || ctx.t();
    let account = move || ctx.auth.with(|a| a.as_ref().map(|s| s.account.clone()));
    let initial = ctx
        .auth
        .with_untracked(|a| a.as_ref().map(|s| s.account.clone()));
    let name = RwSignal::new(initial.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let position = RwSignal::new(
        initial
            .as_ref()
            .and_then(|a| a.position.clone())
            .unwrap_or_default(),
    );
    let email = RwSignal::new(
        initial
            .as_ref()
            .and_then(|a| a.email.clone())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // The account as the edge answered, into the session the console keeps.
    let keep = move |a: Account| {
        ctx.auth.update(|s| {
            if let Some(s) = s {
                s.account = a;
            }
        })
    };
    let save = move || {
        let before = ctx
            .auth
            .with_untracked(|a| a.as_ref().map(|s| s.account.clone()));
        let Some(before) = before else { return };
        let changed = |now: String, was: Option<String>| {
            (now.trim() != was.unwrap_or_default()).then(|| now.trim().to_owned())
        };
        let patch = ProfilePatch {
            name: changed(name.get_untracked(), Some(before.name)),
            position: changed(position.get_untracked(), before.position),
            email: changed(email.get_untracked(), before.email),
        };
        if patch == ProfilePatch::default() {
            saved.set(true);
            return;
        }
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<Account, ApiError> =
                api::send("PATCH", "/api/v1/me", &token, &patch).await;
            match r {
                Ok(a) => {
                    error.set(None);
                    saved.set(true);
                    keep(a);
                }
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let upload = move |ev: leptos::ev::Event| {
        let Some(file) = crate::browser::chosen_file(&ev) else {
            return;
        };
        let token = ctx.token();
        busy.set(true);
        spawn_local(async move {
            let r = match square_png(file).await {
                Ok(png) => api::call_raw::<Account>(
                    "PUT",
                    "/api/v1/me/avatar",
                    Some(&token),
                    Some((png, "image/png")),
                )
                .await
                .map_err(|e| ctx.fail(&e)),
                Err(_) => Err(ctx.t_untracked().not_a_picture.to_owned()),
            };
            busy.set(false);
            match r {
                Ok(a) => {
                    error.set(None);
                    keep(a);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |_| {
        let token = ctx.token();
        spawn_local(async move {
            let r: Result<Account, ApiError> =
                api::call::<(), _>("DELETE", "/api/v1/me/avatar", Some(&token), None).await;
            match r {
                Ok(a) => keep(a),
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    let avatar = move || account().and_then(|a| a.avatar);
    let initials = move || {
        account()
            .map(|a| {
                a.name
                    .split_whitespace()
                    .filter_map(|w| w.chars().next())
                    .take(2)
                    .flat_map(char::to_uppercase)
                    .collect::<String>()
            })
            .unwrap_or_default()
    };
    view! {
        <section class="profile" aria-label=move || t().profile>
            <h2>{move || t().profile}</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="avatar-row">
                {move || match avatar() {
                    Some(src) => view! { <img class="avatar big" src=src alt=move || t().your_avatar width="96" height="96" /> }.into_any(),
                    None => view! { <span class="avatar big initials" aria-hidden="true">{initials}</span> }.into_any(),
                }}
                <div>
                    <label class="button-like">{move || t().upload_avatar}
                        <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="sr" on:change=upload />
                    </label>
                    {move || avatar().is_some().then(|| view! {
                        <button type="button" class="link" on:click=remove>{move || t().remove_avatar}</button>
                    })}
                    {move || busy.get().then(|| view! { <span role="status">{move || t().uploading}</span> })}
                    <p class="note">{move || t().avatar_hint}</p>
                </div>
            </div>
            <form on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>{move || t().display_name}
                    <input type="text" required maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| { name.set(event_target_value(&ev)); saved.set(false); } /></label>
                <label>{move || t().position}
                    <input type="text" maxlength="100" prop:value=move || position.get()
                        on:input=move |ev| { position.set(event_target_value(&ev)); saved.set(false); } /></label>
                <label>{move || t().notice_email}
                    <input type="email" prop:value=move || email.get()
                        on:input=move |ev| { email.set(event_target_value(&ev)); saved.set(false); } /></label>
                <button type="submit" class="primary">{move || t().save}</button>
                {move || saved.get().then(|| view! { <span role="status" class="ok">{move || t().saved}</span> })}
            </form>
        </section>
    }
}
