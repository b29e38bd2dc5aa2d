//! F5 in the line's settings: for each case — after the greeting, all
//! operators busy, outside working hours, after the close — whether the
//! widget shows a contact form, the sentence above it and its fields.

use crate::fields::{Form, Label};
use leptos::prelude::*;
use openline_core::settings::{ContactField, FormCase, FormCases, LineSettings};

/// The cases in the order shown: the label and the field an error names.
const CASES: [(Label, &str); 4] = [
    (|t| t.form_after_greeting, "widget.forms.after_greeting"),
    (|t| t.form_busy, "widget.forms.busy"),
    (|t| t.form_offline, "widget.forms.offline"),
    (|t| t.form_after_close, "widget.forms.after_close"),
];

fn slot(f: &mut FormCases, i: usize) -> &mut Option<FormCase> {
    match i {
        0 => &mut f.after_greeting,
        1 => &mut f.busy,
        2 => &mut f.offline,
        _ => &mut f.after_close,
    }
}

/// Case `i` as the widget would show it now.
fn read(s: &LineSettings, i: usize) -> Option<FormCase> {
    slot(&mut s.form_cases(), i).take()
}

/// Changes case `i` (settings saved before F5 get their forms written out).
fn write(form: Form, i: usize, change: impl FnOnce(&mut Option<FormCase>)) {
    form.s.update(|s| {
        let mut f = s.form_cases();
        change(slot(&mut f, i));
        s.widget.forms = Some(f);
    });
}

/// The four cases.
pub fn forms_editor(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    view! {
        <fieldset class="form-cases">
            <legend>{move || ctx.t().form_cases}</legend>
            {(0..CASES.len()).map(|i| case(form, i)).collect_view()}
        </fieldset>
    }
}

fn case(form: Form, i: usize) -> impl IntoView {
    let ctx = form.ctx;
    let (label, field) = CASES[i];
    let shown = move || form.s.with(|s| read(s, i).is_some());
    let fields = [
        (ContactField::Name, (|t| t.form_name) as Label),
        (ContactField::Email, |t| t.form_email),
        (ContactField::Phone, |t| t.form_phone),
    ];
    view! {
        <div class="field form-case" data-field=field>
            <label class="check"><input type="checkbox" disabled=form.readonly prop:checked=shown
                on:change=move |ev| { let on = event_target_checked(&ev); write(form, i, |c| *c = on.then(FormCase::default)); } />
                {move || label(ctx.t())}</label>
            {move || shown().then(|| view! {
                <div class="sub">
                    <label>{move || ctx.t().form_text}
                        <textarea rows="2" disabled=form.readonly
                            prop:value=move || form.s.with(|s| read(s, i).map(|c| c.text).unwrap_or_default())
                            on:input=move |ev| { let v = event_target_value(&ev); write(form, i, |c| if let Some(c) = c { c.text = v }); }></textarea>
                    </label>
                    <div class="form-fields" role="group" aria-label=move || format!("{}: {}", label(ctx.t()), ctx.t().form_fields)>
                        {fields.into_iter().map(|(f, name)| view! {
                            <label class="check"><input type="checkbox" disabled=form.readonly
                                prop:checked=move || form.s.with(|s| read(s, i).is_some_and(|c| c.fields.contains(&f)))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    write(form, i, |c| if let Some(c) = c {
                                        c.fields.retain(|x| *x != f);
                                        if on { c.fields.push(f) }
                                    });
                                } />{move || name(ctx.t())}</label>
                        }).collect_view()}
                    </div>
                </div>
            })}
            {form.error_view(field)}
        </div>
    }
}
