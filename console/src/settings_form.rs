//! The line settings form: every field of `LineSettings` (L, Q, H, F, A, T,
//! R, K, O, B), saved with one `PUT`; the edge validates the whole and an
//! `invalid_field` error is shown at its field and at the top.

use crate::api::{self, ApiError};
use crate::fields::{area, check, number, select, text, Form, Label};
use crate::Ctx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::files::FileKind;
use openline_core::protocol::Account;
use openline_core::settings::{
    AutoClose, AwayNotice, BotSettings, ConcurrencyLimit, ConsentText, DistributionMode, Kpi,
    LimitExclusion, LineSettings, Presentation, SettingsView, SilenceAction,
};
use openline_core::MINUTE;

const LANGUAGES: &[(&str, Label)] = &[("en", |_| "English"), ("ru", |_| "Русский")];
const MODES: &[(&str, Label)] = &[
    ("evenly", |t| t.mode_evenly),
    ("strict_order", |t| t.mode_strict),
    ("all_at_once", |t| t.mode_all),
];
const EXCLUSIONS: &[(&str, Label)] = &[
    ("answered", |t| t.excl_answered),
    ("waiting_for_client", |t| t.excl_waiting),
    ("closed", |t| t.excl_closed),
];
const SIDES: &[(&str, Label)] = &[("right", |t| t.side_right), ("left", |t| t.side_left)];

const SILENCE_ACTIONS: &[(&str, Label)] = &[
    ("close_with_message", |t| t.silence_close_message),
    ("close_silently", |t| t.silence_close_silently),
    ("return_to_queue", |t| t.silence_return_to_queue),
];

const LEAD_MODES: &[(&str, Label)] = &[
    ("manual", |t| t.leads_manual),
    ("auto", |t| t.leads_auto),
    ("never", |t| t.leads_never),
];

const PRESENTATIONS: &[(&str, Label)] = &[
    ("own", |t| t.pres_own),
    ("replacement", |t| t.pres_replacement),
    ("hidden", |t| t.pres_hidden),
];

/// A settings value's wire name (`evenly`, `closed`…).
fn wire<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The value a wire name stands for, if it is one.
fn parse_wire<T: serde::de::DeserializeOwned>(name: String) -> Option<T> {
    serde_json::to_string(&name)
        .ok()
        .and_then(|quoted| serde_json::from_str(&quoted).ok())
}

fn presentation_mode(s: &LineSettings) -> String {
    match s.presentation {
        Presentation::Own => "own",
        Presentation::Replacement { .. } => "replacement",
        Presentation::Hidden => "hidden",
    }
    .to_owned()
}

/// The settings as the edge shows them, read as `LineSettings` plus the
/// one flag beside it: `SettingsView`'s `flatten` would link serde's
/// buffering deserialiser (~8 KB) for this one answer.
pub(crate) fn view_of(text: &str) -> Result<SettingsView, ApiError> {
    #[derive(serde::Deserialize)]
    struct SecretSet {
        #[serde(default)]
        identity_secret_set: bool,
    }
    let bad = |_| api::unreadable(200);
    Ok(SettingsView {
        settings: serde_json::from_str(text).map_err(bad)?,
        identity_secret_set: serde_json::from_str::<SecretSet>(text)
            .map_err(bad)?
            .identity_secret_set,
    })
}

/// The settings of `line`; `readonly` for supervisors.
#[component]
pub fn SettingsForm(ctx: Ctx, line: String, readonly: bool) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<SettingsView, String>>);
    let accounts = RwSignal::new(Vec::<Account>::new());
    let path = StoredValue::new(format!("/api/v1/lines/{}/settings", api::encode(&line)));
    let token = ctx.token();
    spawn_local(async move {
        let r = api::text::<()>("GET", &path.get_value(), &token, None)
            .await
            .and_then(|t| view_of(&t));
        if let Ok(list) = api::get::<Vec<Account>>("/api/v1/accounts", &token).await {
            accounts.set(list);
        }
        loaded.set(Some(r.map_err(|e| ctx.fail(&e))));
    });
    let line = StoredValue::new(line);
    move || match loaded.get() {
        None => view! { <p>{move || ctx.t().loading}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        Some(Ok(s)) => {
            view! { <Editor ctx line=line.get_value() settings=s accounts readonly /> }.into_any()
        }
    }
}

#[component]
fn Editor(
    ctx: Ctx,
    line: String,
    settings: SettingsView,
    accounts: RwSignal<Vec<Account>>,
    readonly: bool,
) -> impl IntoView {
    let t = move || ctx.t();
    let consent_before = StoredValue::new(settings.settings.consent.clone());
    let form = Form {
        ctx,
        s: RwSignal::new(settings.settings),
        error: RwSignal::new(None),
        readonly,
        secret_set: RwSignal::new(settings.identity_secret_set),
    };
    let status = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    // Issue 11.10: each section as last saved, to say what a save changed.
    let last_saved = StoredValue::new(form.s.get_untracked());
    let path = StoredValue::new(format!("/api/v1/lines/{}/settings", api::encode(&line)));
    let save = move || {
        let mut s = form.s.get_untracked();
        let Some(changed) = last_saved.with_value(|last| changed_sections(last, &s)) else {
            status.set(Some((true, ctx.t_untracked().nothing_to_save.into())));
            return;
        };
        // A1: every edit of the consent text is a new version.
        let before = consent_before.get_value();
        if let Some(c) = &mut s.consent {
            let last = before.as_ref().map(|b| b.version).unwrap_or(0);
            c.version = match &before {
                Some(b) if b.text == c.text => b.version,
                _ => last + 1,
            };
        }
        busy.set(true);
        status.set(None);
        let token = ctx.token();
        spawn_local(async move {
            let r = api::text("PUT", &path.get_value(), &token, Some(&s))
                .await
                .and_then(|t| view_of(&t));
            busy.set(false);
            match r {
                Ok(saved) => {
                    last_saved.set_value(saved.settings.clone());
                    consent_before.set_value(saved.settings.consent.clone());
                    form.secret_set.set(saved.identity_secret_set);
                    form.s.set(saved.settings);
                    form.error.set(None);
                    let t = ctx.t_untracked();
                    let names = sections(t);
                    let said = match changed.is_empty() {
                        true => t.saved.to_owned(),
                        false => {
                            let changed: Vec<&str> = changed.iter().map(|&i| names[i].1).collect();
                            format!("{} {} {}.", t.saved, t.changed_sections, changed.join(", "))
                        }
                    };
                    status.set(Some((true, said)));
                    ctx.reload_lines();
                }
                Err(e) => {
                    status.set(Some((false, ctx.fail(&e))));
                    form.error.set(Some(e));
                }
            }
        });
    };
    // Issue 11.10: the sections, one link each; and beside them the
    // widget as these settings would make it, updated as they change.
    let sections = sections(t());
    let preview = (!readonly).then(|| preview(ctx, form, line.clone()));
    view! {
        <div class="settings-layout">
        <nav class="settings-nav" aria-label=move || t().sections>
            {sections.map(|(id, name)| view! { <a href=format!("#{id}")>{name}</a> }).collect_view()}
        </nav>
        <form class="settings" on:submit=move |ev| { ev.prevent_default(); if !readonly { save(); } }>
            {readonly.then(|| view! { <p class="note">{move || t().read_only}</p> })}
            {general(form)}
            <fieldset id="s-routing">
                <legend>{move || t().routing}</legend>
                <crate::queue_editor::QueueEditor form accounts line=line.clone() />
                {routing(form)}
            </fieldset>
            <crate::hours_editor::HoursEditor form />
            {widget(form)}
            {automation(form)}
            <fieldset id="s-kpis">
                <legend>{move || t().kpis}</legend>
                <KpiEditor form accounts first=true />
                <KpiEditor form accounts first=false />
            </fieldset>
            {presentation(form)}
            {bot(form)}
            <div class="save-bar">
                {move || status.get().map(|(ok, m)| view! {
                    <p class=if ok { "ok" } else { "error" } role=if ok { "status" } else { "alert" }>{m}</p>
                })}
                {(!readonly).then(|| view! {
                    <button type="submit" class="primary" disabled=move || busy.get()>{move || t().save}</button>
                })}
            </div>
        </form>
        {preview}
        </div>
    }
}

/// How many sections the form has.
const SECTIONS: usize = 8;

/// The form's sections (their anchors and names), in order.
fn sections(t: &crate::i18n::Texts) -> [(&'static str, &'static str); SECTIONS] {
    [
        ("s-general", t.general),
        ("s-routing", t.routing),
        ("s-hours", t.hours),
        ("s-widget", t.widget),
        ("s-automation", t.automation),
        ("s-kpis", t.kpis),
        ("s-presentation", t.presentation),
        ("s-bot", t.bot),
    ]
}

/// The sections (indexes in [`sections`]) whose settings differ, in
/// order; None when nothing does.
fn changed_sections(a: &LineSettings, b: &LineSettings) -> Option<Vec<usize>> {
    let differs = [
        (
            &a.name,
            a.active,
            &a.language,
            &a.allowed_origins,
            &a.identity_secret,
        ) != (
            &b.name,
            b.active,
            &b.language,
            &b.allowed_origins,
            &b.identity_secret,
        ),
        (
            &a.queue,
            a.mode,
            a.leads,
            a.retention_days,
            a.pass_after_ms,
            a.check_availability,
        ) != (
            &b.queue,
            b.mode,
            b.leads,
            b.retention_days,
            b.pass_after_ms,
            b.check_availability,
        ) || (
            a.work_time_tracking,
            a.return_to_previous_operator,
            &a.concurrency_limit,
            a.unclosed_limit,
        ) != (
            b.work_time_tracking,
            b.return_to_previous_operator,
            &b.concurrency_limit,
            b.unclosed_limit,
        ),
        a.hours != b.hours,
        (&a.widget, &a.consent, &a.attachments) != (&b.widget, &b.consent, &b.attachments),
        (
            &a.auto_close,
            &a.away_notice,
            &a.close_message,
            a.rating_wait_ms,
            a.ask_rating,
            a.close_on_rating,
        ) != (
            &b.auto_close,
            &b.away_notice,
            &b.close_message,
            b.rating_wait_ms,
            b.ask_rating,
            b.close_on_rating,
        ),
        (&a.first_answer_kpi, &a.answer_kpi) != (&b.first_answer_kpi, &b.answer_kpi),
        a.presentation != b.presentation,
        a.bot != b.bot,
    ];
    let changed: Vec<usize> = (0..SECTIONS).filter(|&i| differs[i]).collect();
    // A setting in no section (none today) still counts as a change.
    (!changed.is_empty() || a != b).then_some(changed)
}

/// Issue 11.10: the real widget in a frame (`/widget/preview`), told
/// the settings being edited a moment after each change; it asks the edge
/// what visitors would get with them. Inert: a picture, not a chat.
fn preview(ctx: Ctx, form: Form, line: String) -> impl IntoView {
    let frame = NodeRef::<leptos::html::Iframe>::new();
    let line = StoredValue::new(line);
    let post = move || {
        let (Some(w), Ok(settings)) = (
            frame.get_untracked().and_then(|f| f.content_window()),
            form.s.with_untracked(serde_json::to_string),
        ) else {
            return;
        };
        // `{line, token, settings}`, the settings as their JSON text.
        let m = js_sys::Array::of3(
            &line.get_value().into(),
            &ctx.token().into(),
            &settings.into(),
        );
        let origin = window().location().origin().unwrap_or_default();
        let _ = w.post_message(&m, &origin);
    };
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        form.s.track();
        let now = generation.get_value() + 1;
        generation.set_value(now);
        set_timeout(
            move || {
                if generation.get_value() == now {
                    post();
                }
            },
            std::time::Duration::from_millis(400),
        );
    });
    view! {
        <aside class="preview" aria-label=move || ctx.t().preview>
            <h3>{move || ctx.t().preview}</h3>
            <iframe node_ref=frame src="/widget/preview" title=move || ctx.t().preview
                inert=true tabindex="-1" on:load=move |_| post()></iframe>
        </aside>
    }
}

fn general(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <fieldset id="s-general">
            <legend>{move || ctx.t().general}</legend>
            {text(form, |t| t.line_name, "name", |s| s.name.clone(), |s, v| s.name = v)}
            {check(form, |t| t.active, "active", |s| s.active, |s, v| s.active = v)}
            {select(form, |t| t.mail_language, "language", LANGUAGES, |s| s.language.clone(), |s, v| s.language = v)}
            {area(form, |t| t.allowed_origins, "allowed_origins",
                |s| s.allowed_origins.join("\n"),
                |s, v| s.allowed_origins = v.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())}
            {text(form, |t| t.identity_secret, "identity_secret",
                |s| s.identity_secret.clone().filter(|v| !v.is_empty()).unwrap_or_default(),
                |s, v| s.identity_secret = Some(v.trim().to_owned()).filter(|v| !v.is_empty()))}
            <p class="note" data-field="identity_secret_state">{move || {
                let t = ctx.t();
                if form.s.with(|s| s.identity_secret.as_deref() == Some("")) {
                    t.secret_removed
                } else if form.secret_set.get() {
                    t.secret_set
                } else {
                    t.secret_not_set
                }
            }}</p>
            {check(form, |t| t.secret_remove, "identity_secret_remove",
                |s| s.identity_secret.as_deref() == Some(""),
                |s, v| s.identity_secret = v.then(String::new))}
        </fieldset>
    }
}

fn routing(form: Form) -> impl IntoView {
    let limit_on = Memo::new(move |_| form.s.with(|s| s.concurrency_limit.is_some()));
    let unclosed_on = Memo::new(move |_| form.s.with(|s| s.unclosed_limit.is_some()));
    view! {
        {select(form, |t| t.mode, "mode", MODES, |s| wire(&s.mode),
            |s, v| if let Some(m) = parse_wire::<DistributionMode>(v) { s.mode = m })}
        {select(form, |t| t.leads_setting, "leads", LEAD_MODES, |s| wire(&s.leads),
            |s, v| if let Some(m) = parse_wire(v) { s.leads = m })}
        {number(form, |t| t.retention_days, "retention_days", |s| s.retention_days.map_or(0, i64::from),
            |s, v| s.retention_days = (v > 0).then(|| v.clamp(1, u32::MAX as i64) as u32))}
        {number(form, |t| t.pass_after, "pass_after_ms", |s| s.pass_after_ms / MINUTE, |s, v| s.pass_after_ms = v.saturating_mul(MINUTE))}
        {check(form, |t| t.check_availability, "check_availability", |s| s.check_availability, |s, v| s.check_availability = v)}
        {check(form, |t| t.work_time_tracking, "work_time_tracking", |s| s.work_time_tracking, |s, v| s.work_time_tracking = v)}
        {check(form, |t| t.return_previous, "return_to_previous_operator", |s| s.return_to_previous_operator, |s, v| s.return_to_previous_operator = v)}
        {check(form, |t| t.limit_on, "concurrency_limit", |s| s.concurrency_limit.is_some(),
            |s, v| s.concurrency_limit = v.then_some(ConcurrencyLimit { max: 3, exclude: LimitExclusion::Closed }))}
        {move || limit_on.get().then(|| view! {
            <div class="sub">
                {number(form, |t| t.limit_max, "concurrency_limit.max",
                    |s| s.concurrency_limit.map(|c| c.max as i64).unwrap_or(0),
                    |s, v| if let Some(c) = &mut s.concurrency_limit { c.max = v.clamp(0, u32::MAX as i64) as u32 })}
                {select(form, |t| t.limit_exclude, "concurrency_limit.exclude", EXCLUSIONS,
                    |s| s.concurrency_limit.map(|c| wire(&c.exclude)).unwrap_or_default(),
                    |s, v| if let (Some(c), Some(x)) = (&mut s.concurrency_limit, parse_wire::<LimitExclusion>(v)) { c.exclude = x })}
            </div>
        })}
        {check(form, |t| t.unclosed_on, "unclosed_limit", |s| s.unclosed_limit.is_some(),
            |s, v| s.unclosed_limit = v.then_some(10))}
        {move || unclosed_on.get().then(|| view! {
            <div class="sub">
                {number(form, |t| t.unclosed_max, "unclosed_limit",
                    |s| s.unclosed_limit.unwrap_or(0) as i64,
                    |s, v| s.unclosed_limit = Some(v.clamp(0, u32::MAX as i64) as u32))}
            </div>
        })}
    }
}

fn widget(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let contact_on = Memo::new(move |_| form.s.with(|s| s.form_cases().after_greeting.is_some()));
    let consent_on = Memo::new(move |_| form.s.with(|s| s.consent.is_some()));
    view! {
        <fieldset id="s-widget">
            <legend>{move || ctx.t().widget}</legend>
            {text(form, |t| t.widget_title, "widget.title",
                |s| s.widget.title.clone().unwrap_or_default(),
                |s, v| s.widget.title = (!v.trim().is_empty()).then_some(v))}
            {area(form, |t| t.greeting, "widget.greeting", |s| s.widget.greeting.clone(), |s, v| s.widget.greeting = v)}
            {crate::forms_editor::forms_editor(form)}
            {move || contact_on.get().then(|| view! {
                <div class="sub">
                    {number(form, |t| t.contact_after, "widget.contact_request_after_s",
                        |s| s.widget.contact_request_after_s.unwrap_or(15) as i64,
                        |s, v| s.widget.contact_request_after_s = Some(v.clamp(0, u32::MAX as i64) as u32))}
                </div>
            })}
            {check(form, |t| t.email_copy, "widget.email_copy", |s| s.widget.email_copy, |s, v| s.widget.email_copy = v)}
            {check(form, |t| t.only_hours, "widget.only_during_working_hours", |s| s.widget.only_during_working_hours, |s, v| s.widget.only_during_working_hours = v)}
            {check(form, |t| t.typing_notice, "widget.typing_preview", |s| s.widget.typing_preview, |s, v| s.widget.typing_preview = v)}
            {check(form, |t| t.reply_sound, "widget.reply_sound", |s| s.widget.reply_sound, |s, v| s.widget.reply_sound = v)}
            // The launcher on the site (the snippet's attributes win).
            {text(form, |t| t.launcher_color, "widget.launcher.color",
                |s| s.widget.launcher.color.clone().unwrap_or_default(),
                |s, v| s.widget.launcher.color = (!v.trim().is_empty()).then(|| v.trim().to_owned()))}
            {select(form, |t| t.launcher_position, "widget.launcher.position", SIDES,
                |s| s.widget.launcher.position.clone().unwrap_or_else(|| "right".into()),
                |s, v| s.widget.launcher.position = Some(v))}
            {text(form, |t| t.launcher_label, "widget.launcher.label",
                |s| s.widget.launcher.label.clone().unwrap_or_default(),
                |s, v| s.widget.launcher.label = (!v.trim().is_empty()).then(|| v.trim().to_owned()))}
        </fieldset>
        {files(form)}
        <fieldset>
            <legend>{move || ctx.t().consent}</legend>
            {check(form, |t| t.consent_on, "consent", |s| s.consent.is_some(),
                |s, v| s.consent = v.then(|| ConsentText { version: 0, text: String::new() }))}
            {move || consent_on.get().then(|| area(form, |t| t.consent_text, "consent.text",
                |s| s.consent.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
                |s, v| if let Some(c) = &mut s.consent { c.text = v }))}
        </fieldset>
    }
}

/// Issue 11.3: whether files may be sent, how big, which kinds.
fn files(form: Form) -> impl IntoView {
    const MB: i64 = 1024 * 1024;
    let ctx = form.ctx;
    let on = Memo::new(move |_| form.s.with(|s| s.attachments.enabled));
    view! {
        <fieldset>
            <legend>{move || ctx.t().files_legend}</legend>
            {check(form, |t| t.files_on, "attachments.enabled", |s| s.attachments.enabled, |s, v| s.attachments.enabled = v)}
            {move || on.get().then(|| view! {
                <div class="sub">
                    {number(form, |t| t.files_max_mb, "attachments.max_bytes",
                        |s| (i64::from(s.attachments.max_bytes) + MB - 1) / MB,
                        |s, v| s.attachments.max_bytes = (v.clamp(1, 25) * MB) as u32)}
                    {check(form, |t| t.files_images, "attachments.kinds",
                        |s| s.attachments.kinds.iter().any(|k| k.is_image()),
                        |s, v| set_kinds(s, v, |k| k.is_image()))}
                    {check(form, |t| t.files_pdf, "attachments.kinds.pdf",
                        |s| s.attachments.kinds.contains(&FileKind::Pdf),
                        |s, v| set_kinds(s, v, |k| !k.is_image()))}
                </div>
            })}
        </fieldset>
    }
}

/// Adds (`on`) or removes the kinds `which` picks, keeping the order.
fn set_kinds(s: &mut LineSettings, on: bool, which: fn(FileKind) -> bool) {
    let kinds = &mut s.attachments.kinds;
    kinds.retain(|k| !which(*k));
    if on {
        kinds.extend(FileKind::ALL.into_iter().filter(|k| which(*k)));
        kinds.sort();
    }
}

fn automation(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let auto_on = Memo::new(move |_| form.s.with(|s| s.auto_close.is_some()));
    let away_on = Memo::new(move |_| form.s.with(|s| s.away_notice.is_some()));
    let with_message = Memo::new(move |_| {
        form.s.with(|s| {
            s.auto_close
                .as_ref()
                .is_some_and(|a| a.action == SilenceAction::CloseWithMessage)
        })
    });
    view! {
        <fieldset id="s-automation">
            <legend>{move || ctx.t().automation}</legend>
            {area(form, |t| t.close_message, "close_message", |s| s.close_message.clone(), |s, v| s.close_message = v)}
            {number(form, |t| t.rating_wait, "rating_wait_ms", |s| s.rating_wait_ms / MINUTE, |s, v| s.rating_wait_ms = v.saturating_mul(MINUTE))}
            {check(form, |t| t.auto_close_on, "auto_close", |s| s.auto_close.is_some(),
                |s, v| s.auto_close = v.then(|| AutoClose { after_ms: 30 * MINUTE, message: String::new(), action: SilenceAction::CloseWithMessage }))}
            {move || auto_on.get().then(|| view! {
                <div class="sub">
                    {number(form, |t| t.auto_close_after, "auto_close.after_ms",
                        |s| s.auto_close.as_ref().map(|a| a.after_ms / MINUTE).unwrap_or(0),
                        |s, v| if let Some(a) = &mut s.auto_close { a.after_ms = v.saturating_mul(MINUTE) })}
                    {select(form, |t| t.auto_close_action, "auto_close.action", SILENCE_ACTIONS,
                        |s| s.auto_close.as_ref().map(|a| wire(&a.action)).unwrap_or_default(),
                        |s, v| if let (Some(a), Some(action)) = (&mut s.auto_close, parse_wire(v)) { a.action = action })}
                    {move || with_message.get().then(|| area(form, |t| t.auto_close_message, "auto_close.message",
                        |s| s.auto_close.as_ref().map(|a| a.message.clone()).unwrap_or_default(),
                        |s, v| if let Some(a) = &mut s.auto_close { a.message = v }))}
                </div>
            })}
        </fieldset>
        <fieldset>
            <legend>{move || ctx.t().away_legend}</legend>
            {check(form, |t| t.away_on, "away_notice", |s| s.away_notice.is_some(),
                |s, v| s.away_notice = v.then(AwayNotice::default))}
            {move || away_on.get().then(|| text(form, |t| t.away_mail_to, "away_notice.mail_to",
                |s| s.away_notice.as_ref().and_then(|a| a.mail_to.clone()).unwrap_or_default(),
                |s, v| if let Some(a) = &mut s.away_notice { a.mail_to = (!v.trim().is_empty()).then(|| v.trim().to_owned()) }))}
        </fieldset>
        <fieldset>
            <legend>{move || ctx.t().ratings}</legend>
            {check(form, |t| t.ask_rating, "ask_rating", |s| s.ask_rating, |s, v| s.ask_rating = v)}
            {check(form, |t| t.close_on_rating, "close_on_rating", |s| s.close_on_rating, |s, v| s.close_on_rating = v)}
        </fieldset>
    }
}

fn presentation(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let replacement = Memo::new(move |_| form.s.with(presentation_mode) == "replacement");
    view! {
        <fieldset id="s-presentation">
            <legend>{move || ctx.t().presentation}</legend>
            // O2: switching the mode starts from empty fields.
            {select(form, |t| t.presentation, "presentation", PRESENTATIONS, presentation_mode,
                |s, v| s.presentation = s.presentation.switch_to(&v))}
            {move || replacement.get().then(|| view! {
                <div class="sub">
                    {text(form, |t| t.name, "presentation.name",
                        |s| match &s.presentation { Presentation::Replacement { name, .. } => name.clone(), _ => String::new() },
                        |s, v| if let Presentation::Replacement { name, .. } = &mut s.presentation { *name = v })}
                    {text(form, |t| t.avatar_url, "presentation.avatar",
                        |s| match &s.presentation { Presentation::Replacement { avatar, .. } => avatar.clone().unwrap_or_default(), _ => String::new() },
                        |s, v| if let Presentation::Replacement { avatar, .. } = &mut s.presentation { *avatar = (!v.trim().is_empty()).then_some(v) })}
                    {text(form, |t| t.position, "presentation.position",
                        |s| match &s.presentation { Presentation::Replacement { position, .. } => position.clone().unwrap_or_default(), _ => String::new() },
                        |s, v| if let Presentation::Replacement { position, .. } = &mut s.presentation { *position = (!v.trim().is_empty()).then_some(v) })}
                </div>
            })}
        </fieldset>
    }
}

fn bot(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let bot_on = Memo::new(move |_| form.s.with(|s| s.bot.is_some()));
    view! {
        <fieldset id="s-bot">
            <legend>{move || ctx.t().bot}</legend>
            {check(form, |t| t.bot_on, "bot", |s| s.bot.is_some(),
                |s, v| s.bot = v.then(|| BotSettings { bot: String::new(), first_dialog_only: false, handoff_after_ms: MINUTE }))}
            {move || bot_on.get().then(|| view! {
                <div class="sub">
                    {text(form, |t| t.bot_id, "bot.bot",
                        |s| s.bot.as_ref().map(|b| b.bot.clone()).unwrap_or_default(),
                        |s, v| if let Some(b) = &mut s.bot { b.bot = v })}
                    {check(form, |t| t.bot_first_only, "bot.first_dialog_only",
                        |s| s.bot.as_ref().is_some_and(|b| b.first_dialog_only),
                        |s, v| if let Some(b) = &mut s.bot { b.first_dialog_only = v })}
                    {number(form, |t| t.bot_handoff, "bot.handoff_after_ms",
                        |s| s.bot.as_ref().map(|b| b.handoff_after_ms / 1000).unwrap_or(0),
                        |s, v| if let Some(b) = &mut s.bot { b.handoff_after_ms = v.saturating_mul(1000) })}
                </div>
            })}
        </fieldset>
    }
}

/// K1/K2: one indicator's deadline and whom to notify.
#[component]
fn KpiEditor(form: Form, accounts: RwSignal<Vec<Account>>, first: bool) -> impl IntoView {
    let ctx = form.ctx;
    fn kpi(s: &mut LineSettings, first: bool) -> &mut Option<Kpi> {
        if first {
            &mut s.first_answer_kpi
        } else {
            &mut s.answer_kpi
        }
    }
    let read = move |s: &LineSettings| -> Option<Kpi> {
        if first {
            s.first_answer_kpi.clone()
        } else {
            s.answer_kpi.clone()
        }
    };
    let field: &'static str = if first {
        "first_answer_kpi"
    } else {
        "answer_kpi"
    };
    let on = Memo::new(move |_| form.s.with(|s| read(s).is_some()));
    let label: Label = if first {
        |t| t.first_kpi_on
    } else {
        |t| t.answer_kpi_on
    };
    view! {
        <div class="kpi" data-field=field>
            <label class="check">
                <input type="checkbox" disabled=form.readonly prop:checked=move || on.get()
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        form.s.update(|s| *kpi(s, first) = v.then(|| Kpi { within_ms: 5 * MINUTE, notify: Vec::new() }));
                    } />
                <span>{move || label(ctx.t())}</span>
            </label>
            {move || on.get().then(|| view! {
                <div class="sub">
                    <label class="field">
                        <span>{move || ctx.t().within_s}</span>
                        <input type="number" disabled=form.readonly
                            prop:value=move || form.s.with(|s| read(s).map(|k| k.within_ms / 1000).unwrap_or(0).to_string())
                            on:change=move |ev| {
                                if let Ok(v) = event_target_value(&ev).trim().parse::<i64>() {
                                    form.s.update(|s| if let Some(k) = kpi(s, first) { k.within_ms = v.saturating_mul(1000) });
                                }
                            } />
                        {form.error_view(field)}
                    </label>
                    <fieldset class="notify">
                        <legend>{move || ctx.t().notify}</legend>
                        {move || accounts.get().into_iter().filter(|a| !a.dismissed).map(|a| {
                            let id = StoredValue::new(a.id.clone());
                            view! {
                                <label class="check">
                                    <input type="checkbox" disabled=form.readonly
                                        prop:checked=move || form.s.with(|s| read(s).is_some_and(|k| k.notify.contains(&id.get_value())))
                                        on:change=move |ev| {
                                            let v = event_target_checked(&ev);
                                            form.s.update(|s| if let Some(k) = kpi(s, first) {
                                                k.notify.retain(|n| *n != id.get_value());
                                                if v { k.notify.push(id.get_value()); }
                                            });
                                        } />
                                    <span>{a.name.clone()}</span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                </div>
            })}
        </div>
    }
}
