//! QA1's manager in the administration: the line's quick answers and the
//! deployment's shared ones in their groups — searched, created, edited,
//! moved between groups, deleted; groups renamed and deleted; imported
//! from and exported to CSV. Administrators change; supervisors read.

use crate::api::{self, ApiError};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::quick_answers::{from_csv, search, to_csv, QuickAnswer, QuickAnswerInput};
use openline_core::replies::{QuickAnswerList, QuickAnswersChanged};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The form's fields, for a new answer or the one being edited.
#[derive(Clone, Copy)]
struct Draft {
    id: RwSignal<Option<String>>,
    group: RwSignal<String>,
    title: RwSignal<String>,
    shortcut: RwSignal<String>,
    text: RwSignal<String>,
    shared: RwSignal<bool>,
}

impl Draft {
    fn clear(self) {
        self.id.set(None);
        self.title.set(String::new());
        self.shortcut.set(String::new());
        self.text.set(String::new());
        self.shared.set(false);
    }

    fn edit(self, a: &QuickAnswer) {
        self.id.set(Some(a.id.clone()));
        self.group.set(a.group.clone());
        self.title.set(a.title.clone());
        self.shortcut.set(a.shortcut.clone().unwrap_or_default());
        self.text.set(a.text.clone());
        self.shared.set(a.shared);
    }

    fn input(self) -> QuickAnswerInput {
        QuickAnswerInput {
            group: self.group.get_untracked(),
            title: self.title.get_untracked(),
            text: self.text.get_untracked(),
            shortcut: Some(self.shortcut.get_untracked()),
            shared: self.shared.get_untracked(),
        }
    }
}

/// Starts a download of `text` as a file named `name`.
fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)
}

/// The manager of the selected line's quick answers.
#[component]
pub fn QuickManager(ctx: Ctx, line: String, readonly: bool) -> impl IntoView {
    let t = move || ctx.t();
    let line = StoredValue::new(line);
    let path = move |rest: &str| format!("/api/v1/lines/{}{rest}", api::encode(&line.get_value()));
    let all = RwSignal::new(Vec::<QuickAnswer>::new());
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let draft = Draft {
        id: RwSignal::new(None),
        group: RwSignal::new(String::new()),
        title: RwSignal::new(String::new()),
        shortcut: RwSignal::new(String::new()),
        text: RwSignal::new(String::new()),
        shared: RwSignal::new(false),
    };
    let reload = move || {
        let token = ctx.token();
        spawn_local(async move {
            match api::get::<QuickAnswerList>(&path("/quick-answers"), &token).await {
                Ok(l) => all.set(l.quick_answers),
                Err(e) => error.set(Some(ctx.fail(&e))),
            }
        });
    };
    reload();
    // Every change: the error or what was done, then the list again.
    let done = move |r: Result<String, ApiError>| match r {
        Ok(what) => {
            error.set(None);
            status.set(Some(what));
            reload();
        }
        Err(e) => {
            status.set(None);
            error.set(Some(ctx.fail(&e)));
        }
    };
    let save = move || {
        let token = ctx.token();
        let input = draft.input();
        let id = draft.id.get_untracked();
        spawn_local(async move {
            let r = match &id {
                Some(id) => api::send::<_, QuickAnswer>(
                    "PUT",
                    &path(&format!("/quick-answers/{}", api::encode(id))),
                    &token,
                    &input,
                )
                .await
                .map(|_| ()),
                None => {
                    api::send::<_, QuickAnswerList>("POST", &path("/quick-answers"), &token, &input)
                        .await
                        .map(|_| ())
                }
            };
            if r.is_ok() {
                draft.clear();
            }
            done(r.map(|()| ctx.t_untracked().saved.to_owned()));
        });
    };
    let remove = move |id: String| {
        let token = ctx.token();
        spawn_local(async move {
            let p = path(&format!("/quick-answers/{}", api::encode(&id)));
            let r = api::call::<(), api::Ignored>("DELETE", &p, Some(&token), None).await;
            done(r.map(|_| ctx.t_untracked().deleted.to_owned()));
        });
    };
    let rename = move |group: String, shared: bool| {
        let Some(name) = web_sys::window()
            .and_then(|w| {
                w.prompt_with_message_and_default(ctx.t_untracked().rename_group_prompt, &group)
                    .ok()
            })
            .flatten()
            .filter(|n| !n.trim().is_empty() && *n != group)
        else {
            return;
        };
        let token = ctx.token();
        spawn_local(async move {
            let p = path(&format!("/quick-answer-groups/{}", api::encode(&group)));
            let body = openline_core::requests::GroupRename { name, shared };
            let r = api::send::<_, QuickAnswersChanged>("PUT", &p, &token, &body).await;
            done(r.map(|c| format!("{} ({})", ctx.t_untracked().saved, c.changed)));
        });
    };
    let drop_group = move |group: String, shared: bool| {
        let question = ctx
            .t_untracked()
            .confirm_delete_group
            .replace("{group}", &group);
        if !crate::browser::confirmed(&question) {
            return;
        }
        let token = ctx.token();
        spawn_local(async move {
            let p = path(&format!(
                "/quick-answer-groups/{}?shared={shared}",
                api::encode(&group)
            ));
            let r = api::call::<(), QuickAnswersChanged>("DELETE", &p, Some(&token), None).await;
            done(r.map(|c| format!("{} ({})", ctx.t_untracked().deleted, c.changed)));
        });
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(file) = crate::browser::chosen_file(&ev) else {
            return;
        };
        let token = ctx.token();
        spawn_local(async move {
            let text = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let items = match from_csv(&text) {
                Ok(items) => items,
                Err(e) => {
                    status.set(None);
                    error.set(Some(e.message));
                    return;
                }
            };
            let body = openline_core::requests::QuickAnswerCreate::Many { items };
            let r = api::send::<_, QuickAnswerList>("POST", &path("/quick-answers"), &token, &body)
                .await;
            done(r.map(|l| {
                ctx.t_untracked()
                    .imported
                    .replace("{n}", &l.quick_answers.len().to_string())
            }));
        });
    };
    let export = move |_| {
        let csv = all.with_untracked(|a| to_csv(a));
        let name = format!("quick-answers-{}.csv", line.get_value());
        if download(&name, &csv).is_err() {
            error.set(Some(ctx.t_untracked().offline.to_owned()));
        }
    };
    // Groups in order: the line's, then the shared ones.
    let groups = move || {
        let q = query.get();
        all.with(|all| {
            let mut hits = search(all, &q);
            hits.sort_by(|a, b| {
                (a.shared, &a.group, &a.title).cmp(&(b.shared, &b.group, &b.title))
            });
            let mut out: Vec<(String, bool, Vec<QuickAnswer>)> = Vec::new();
            for a in hits {
                match out.last_mut() {
                    Some((g, s, items)) if *g == a.group && *s == a.shared => items.push(a.clone()),
                    _ => out.push((a.group.clone(), a.shared, vec![a.clone()])),
                }
            }
            out
        })
    };
    let group_names = move || {
        let mut names: Vec<String> = all.with(|a| a.iter().map(|q| q.group.clone()).collect());
        names.sort();
        names.dedup();
        names
    };
    view! {
        <section class="quick-manager" aria-label=move || t().quick_answers>
            <h3>{move || t().quick_answers}</h3>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || status.get().map(|s| view! { <p class="ok" role="status">{s}</p> })}
            <div class="quick-tools">
                <label>{move || t().search}
                    <input type="search" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) /></label>
                <button type="button" on:click=export>{move || t().export_csv}</button>
                {(!readonly).then(|| view! {
                    <label class="button-like">{move || t().import_csv}
                        <input type="file" accept=".csv,text/csv" class="sr" on:change=import /></label>
                })}
            </div>
            <p class="note">{move || t().csv_hint}</p>
            {move || groups().into_iter().map(|(group, shared, items)| {
                let g1 = group.clone();
                let g2 = group.clone();
                view! {
                    <section class="quick-group" data-group=group.clone() aria-label=group.clone()>
                        <h4>{group.clone()}{shared.then(|| view! { <span class="shared-badge">{move || t().shared_all_lines}</span> })}</h4>
                        {(!readonly).then(|| view! {
                            <button type="button" class="link" on:click=move |_| rename(g1.clone(), shared)>{move || t().rename_group}</button>
                            <button type="button" class="link danger" on:click=move |_| drop_group(g2.clone(), shared)>{move || t().delete_group}</button>
                        })}
                        <ul>
                            {items.into_iter().map(|a| {
                                let id = a.id.clone();
                                let editing = a.clone();
                                view! {
                                    <li data-quick=a.id.clone()>
                                        <strong>{a.title.clone()}</strong>
                                        {a.shortcut.clone().map(|s| view! { <code class="shortcut">{format!("/{s}")}</code> })}
                                        <p>{a.text.clone()}</p>
                                        {(!readonly).then(|| view! {
                                            <button type="button" class="small" on:click=move |_| draft.edit(&editing)>{move || t().edit}</button>
                                            <button type="button" class="small danger" on:click=move |_| remove(id.clone())>{move || t().remove}</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            }).collect_view()}
            {(!readonly).then(|| view! {
                <form class="quick-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                    <h4>{move || if draft.id.get().is_some() { t().edit_quick } else { t().new_quick }}</h4>
                    <label>{move || t().group}
                        <input type="text" list="quick-groups" maxlength="60" prop:value=move || draft.group.get()
                            on:input=move |ev| draft.group.set(event_target_value(&ev)) /></label>
                    <datalist id="quick-groups">
                        {move || group_names().into_iter().map(|g| view! { <option value=g /> }).collect_view()}
                    </datalist>
                    <label>{move || t().title}
                        <input type="text" maxlength="100" prop:value=move || draft.title.get()
                            on:input=move |ev| draft.title.set(event_target_value(&ev)) /></label>
                    <label>{move || t().shortcut}
                        <input type="text" maxlength="31" placeholder="/ship" prop:value=move || draft.shortcut.get()
                            on:input=move |ev| draft.shortcut.set(event_target_value(&ev)) /></label>
                    <label>{move || t().answer_text}
                        <textarea rows="3" required prop:value=move || draft.text.get()
                            on:input=move |ev| draft.text.set(event_target_value(&ev))></textarea></label>
                    {move || draft.id.get().is_none().then(|| view! {
                        <label class="check"><input type="checkbox" prop:checked=move || draft.shared.get()
                            on:change=move |ev| draft.shared.set(event_target_checked(&ev)) />{move || t().for_every_line}</label>
                    })}
                    <button type="submit" class="primary">{move || t().save}</button>
                    {move || draft.id.get().is_some().then(|| view! {
                        <button type="button" on:click=move |_| draft.clear()>{move || t().cancel}</button>
                    })}
                </form>
            })}
        </section>
    }
}
