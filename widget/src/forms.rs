//! The widget's forms: the contact block (with the A1 consent) that serves
//! F2, F4 and the H4 offline case, and F3 "send me a copy of this chat".

use crate::conversation::{EMAIL, NAME, PHONE};
use crate::http::{call_json, HttpError};
use crate::i18n::Texts;
use crate::timers;
use crate::wire;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::protocol::Session;
use openline_core::settings::ConsentText;
use wasm_bindgen::JsValue;

/// Name, e-mail and phone, with the line's consent text when it has one.
#[component]
pub fn ContactBlock(
    api: StoredValue<String>,
    session: RwSignal<Option<Session>>,
    /// A1: the line's consent text, when it asks for one.
    consent: Option<ConsentText>,
    texts: &'static Texts,
    /// Why the block shows: the case's sentence (F5: the line's own, or
    /// the widget's for F2's invitation, F4's "all busy", H4's "offline",
    /// or "after the close").
    prompt: String,
    /// F5: the fields this case asks for (`conversation::NAME`…).
    fields: u8,
    /// Opens the dialog the contacts belong to: submitting the block is
    /// the visitor engaging, while merely showing it opens nothing.
    engage: impl Fn() + Copy + Send + Sync + 'static,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    on_dismiss: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let agreed = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let version = consent.as_ref().map(|c| c.version);
    let submit = move || {
        let body = wire::object(&[
            ("name", name.get_untracked().into()),
            ("email", email.get_untracked().into()),
            ("phone", phone.get_untracked().into()),
            (
                "consent_version",
                version
                    .filter(|_| agreed.get_untracked())
                    .map_or(JsValue::NULL, JsValue::from),
            ),
        ]);
        engage();
        spawn_local(async move {
            // The dialog's session may still be on its way (a few seconds at
            // most, else the network is down).
            let mut tries = 0;
            let s = loop {
                if let Some(s) = session.get_untracked() {
                    break s;
                }
                tries += 1;
                if tries > 50 {
                    return problem.set(Some(crate::describe(&HttpError::Network, texts)));
                }
                timers::sleep(200).await;
            };
            let base = api.get_value();
            match call_json(
                "POST",
                &format!("{base}/api/v1/visitor/contacts"),
                Some(&s.token),
                Some(body),
            )
            .await
            {
                Ok(_) => on_saved(),
                Err(e) => problem.set(Some(crate::describe(&e, texts))),
            }
        });
    };
    view! {
        <form class="ol-form" aria-label=prompt on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <p>{prompt.clone()}</p>
                    // F5: the case's fields; the others stay out of sight
                    // (hiding costs the wasm less than building views apart).
                    <label hidden=fields & NAME == 0>{texts.name}<input type="text" autocomplete="name" maxlength="100" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                    <label hidden=fields & EMAIL == 0>{texts.email}<input type="email" autocomplete="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) /></label>
                    <label hidden=fields & PHONE == 0>{texts.phone}<input type="tel" autocomplete="tel" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev)) /></label>
                    {consent.clone().map(|c| view! {
                        <label class="ol-consent"><input type="checkbox" prop:checked=move || agreed.get() on:change=move |ev| agreed.set(event_target_checked(&ev)) />{c.text}</label>
                    })}
                    {move || problem.get().map(|p| view! { <p class="ol-error" role="alert">{p}</p> })}
                    <div class="ol-actions">
                        <button type="submit" class="ol-send">{texts.leave_contacts}</button>
                        <button type="button" class="ol-link" on:click=move |_| on_dismiss()>{texts.later}</button>
                    </div>
        </form>
    }
}

/// F3: a copy of the conversation by e-mail.
#[component]
pub fn EmailCopy(
    api: StoredValue<String>,
    session: RwSignal<Option<Session>>,
    texts: &'static Texts,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    let submit = move || {
        let Some(s) = session.get_untracked() else {
            return;
        };
        let body = wire::object(&[
            ("email", email.get_untracked().into()),
            ("time_zone", wire::time_zone()),
        ]);
        spawn_local(async move {
            let base = api.get_value();
            match call_json(
                "POST",
                &format!("{base}/api/v1/visitor/email-copy"),
                Some(&s.token),
                Some(body),
            )
            .await
            {
                Ok(_) => {
                    problem.set(None);
                    sent.set(true);
                }
                Err(e) => problem.set(Some(crate::describe(&e, texts))),
            }
        });
    };
    view! {
        {move || if sent.get() {
            EitherOf3::A(view! { <p class="ol-done" role="status">{texts.copy_sent}</p> })
        } else if open.get() {
            EitherOf3::B(view! {
                <form class="ol-form ol-copy" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <label>{texts.email}<input type="email" autocomplete="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) /></label>
                    {move || problem.get().map(|p| view! { <p class="ol-error" role="alert">{p}</p> })}
                    <button type="submit" class="ol-send">{texts.send_copy}</button>
                </form>
            })
        } else {
            EitherOf3::C(view! { <button type="button" class="ol-link ol-copy-open" on:click=move |_| open.set(true)>{texts.copy_prompt}</button> })
        }}
    }
}
