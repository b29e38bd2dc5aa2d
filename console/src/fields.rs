//! Labelled inputs bound to a line's settings being edited, each showing the
//! edge's `invalid_field` error next to itself when the error names it.

use crate::api::ApiError;
use crate::i18n::Texts;
use crate::Ctx;
use leptos::prelude::*;
use openline_core::settings::LineSettings;

/// A settings form: the settings being edited and the last save error.
#[derive(Clone, Copy)]
pub struct Form {
    /// The console's shared context.
    pub ctx: Ctx,
    /// The settings as edited (saved with one PUT).
    pub s: RwSignal<LineSettings>,
    /// The last save's error; `invalid_field` ones are shown at their field.
    pub error: RwSignal<Option<ApiError>>,
    /// Supervisors see the form without changing it.
    pub readonly: bool,
    /// Whether the line's identity secret is set (secrets are write-only:
    /// the form never holds the stored value).
    pub secret_set: RwSignal<bool>,
}

/// A label taken from the catalogue in the current language.
pub type Label = fn(&Texts) -> &'static str;

impl Form {
    /// The error message when the last error names `field` (or a part of it).
    pub fn error_for(&self, field: &'static str) -> Option<String> {
        self.error.with(|e| {
            let e = e.as_ref()?;
            let f = e.field()?;
            let hit = f == field || f.starts_with(&format!("{field}."));
            match (hit, e) {
                (true, ApiError::Api { message, .. }) => Some(message.clone()),
                _ => None,
            }
        })
    }

    /// The error shown under a field, as an alert.
    pub fn error_view(self, field: &'static str) -> impl IntoView {
        move || {
            self.error_for(field)
                .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
        }
    }
}

/// The element id of a field's input (its label points at it).
fn id(field: &str) -> String {
    format!("f-{}", field.replace('.', "-"))
}

/// A one-line text input.
pub fn text(
    form: Form,
    label: Label,
    field: &'static str,
    get: fn(&LineSettings) -> String,
    set: fn(&mut LineSettings, String),
) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <div class="field" data-field=field>
            <label for=id(field)>{move || label(ctx.t())}</label>
            <input type="text" id=id(field) disabled=form.readonly
                aria-invalid=move || form.error_for(field).is_some().to_string()
                prop:value=move || form.s.with(get)
                on:change=move |ev| { let v = event_target_value(&ev); form.s.update(|s| set(s, v)); } />
            {form.error_view(field)}
        </div>
    }
}

/// A multi-line text input.
pub fn area(
    form: Form,
    label: Label,
    field: &'static str,
    get: fn(&LineSettings) -> String,
    set: fn(&mut LineSettings, String),
) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <div class="field" data-field=field>
            <label for=id(field)>{move || label(ctx.t())}</label>
            <textarea rows="3" id=id(field) disabled=form.readonly
                aria-invalid=move || form.error_for(field).is_some().to_string()
                prop:value=move || form.s.with(get)
                on:change=move |ev| { let v = event_target_value(&ev); form.s.update(|s| set(s, v)); }></textarea>
            {form.error_view(field)}
        </div>
    }
}

/// A check box.
pub fn check(
    form: Form,
    label: Label,
    field: &'static str,
    get: fn(&LineSettings) -> bool,
    set: fn(&mut LineSettings, bool),
) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <label class="check" data-field=field>
            <input type="checkbox" disabled=form.readonly
                prop:checked=move || form.s.with(get)
                on:change=move |ev| { let v = event_target_checked(&ev); form.s.update(|s| set(s, v)); } />
            <span>{move || label(ctx.t())}</span>
            {form.error_view(field)}
        </label>
    }
}

/// A whole number; a value that does not parse leaves the setting as it was
/// (the input shows it again).
pub fn number(
    form: Form,
    label: Label,
    field: &'static str,
    get: fn(&LineSettings) -> i64,
    set: fn(&mut LineSettings, i64),
) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <div class="field" data-field=field>
            <label for=id(field)>{move || label(ctx.t())}</label>
            <input type="number" id=id(field) disabled=form.readonly
                aria-invalid=move || form.error_for(field).is_some().to_string()
                prop:value=move || form.s.with(get).to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).trim().parse::<i64>() {
                        Ok(v) => form.s.update(|s| set(s, v)),
                        // Re-show the stored value.
                        Err(_) => form.s.update(|_| {}),
                    }
                } />
            {form.error_view(field)}
        </div>
    }
}

/// A choice among fixed values; `options` pairs a value with its label.
pub fn select(
    form: Form,
    label: Label,
    field: &'static str,
    options: &'static [(&'static str, Label)],
    get: fn(&LineSettings) -> String,
    set: fn(&mut LineSettings, String),
) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <div class="field" data-field=field>
            <label for=id(field)>{move || label(ctx.t())}</label>
            <select id=id(field) disabled=form.readonly prop:value=move || form.s.with(get)
                on:change=move |ev| { let v = event_target_value(&ev); form.s.update(|s| set(s, v)); }>
                {options.iter().map(|(value, text)| view! {
                    <option value=*value selected=move || form.s.with(get) == *value>{move || text(ctx.t())}</option>
                }).collect_view()}
            </select>
            {form.error_view(field)}
        </div>
    }
}
