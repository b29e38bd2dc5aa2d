//! The widget's forms: the contact block (with the A1 consent) that serves
//! F2, F4, H4 and the form after the close (F5), and F3 "send me a copy of
//! this chat".

use super::Panel;
use crate::conversation::{Contacts, FormKind, EMAIL, NAME, PHONE};
use crate::dom::{self, Slot};
use crate::http::{call_json, HttpError};
use crate::{timers, wire};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlInputElement};

/// A labelled field of a form (`type`, `autocomplete`), appended to it.
/// The label names it for assistive technology and shows as the field's
/// placeholder (a compact card, issue 11.2).
fn field(form: &Element, label: &str, kind: &str, autocomplete: &str) -> HtmlInputElement {
    let l = dom::el("label", "");
    dom::add(&l, &dom::text("span", "ol-sr", label));
    let input = dom::el("input", "");
    dom::attr(&input, "type", kind);
    dom::attr(&input, "autocomplete", autocomplete);
    dom::attr(&input, "placeholder", label);
    dom::add(&l, &input);
    dom::add(form, &l);
    input.unchecked_into()
}

/// The value of a field the form has, or "" for one it does not ask.
fn value(input: &Option<HtmlInputElement>) -> String {
    input.as_ref().map(|i| i.value()).unwrap_or_default()
}

/// The contact block of this case: its sentence (F5: the line's own, or
/// the widget's), the fields the case asks for, the consent when the line
/// has one. Showing it opens nothing; submitting it is the visitor
/// engaging, and the contacts go to the dialog that opens.
pub(super) fn contact_block(p: &Rc<Panel>, kind: FormKind) -> Element {
    let texts = p.texts;
    let case = kind.case(&p.forms).cloned().unwrap_or_default();
    let prompt = if case.text.is_empty() {
        kind.prompt(texts).to_string()
    } else {
        case.text
    };
    // A card in the conversation's flow: the sentence, the fields side by
    // side (the first across when their number is odd), the buttons.
    let form = dom::el("form", "ol-form ol-card");
    dom::attr(&form, "aria-label", &prompt);
    dom::add(&form, &dom::text("p", "", &prompt));
    let fields = dom::el("div", "ol-fields");
    dom::add(&form, &fields);
    let has = |bit: u8| case.fields & bit != 0;
    let name = has(NAME).then(|| field(&fields, texts.name, "text", "name"));
    if let Some(n) = &name {
        n.set_max_length(100);
    }
    let email = has(EMAIL).then(|| field(&fields, texts.email, "email", "email"));
    let phone = has(PHONE).then(|| field(&fields, texts.phone, "tel", "tel"));
    let consent = p.consent.as_ref().map(|c| {
        let l = dom::el("label", "ol-consent");
        let b = dom::el("input", "");
        dom::attr(&b, "type", "checkbox");
        dom::add(&l, &b);
        let _ = l.append_with_str_1(&c.text);
        dom::add(&form, &l);
        (c.version, b.unchecked_into::<HtmlInputElement>())
    });
    let problem = Rc::new(Slot::new(&form));
    let actions = dom::el("div", "ol-actions");
    let submit = dom::text("button", "ol-send", texts.leave_contacts);
    dom::attr(&submit, "type", "submit");
    dom::add(&actions, &submit);
    let q = Rc::clone(p);
    dom::add(
        &actions,
        &dom::button("ol-link", texts.later, move |_| {
            q.set_contacts(Contacts::Dismissed)
        }),
    );
    dom::add(&form, &actions);
    let p = Rc::clone(p);
    dom::on_submit(&form, move || {
        let version = consent
            .as_ref()
            .filter(|(_, b)| b.checked())
            .map_or(JsValue::NULL, |(v, _)| JsValue::from(*v));
        let body = wire::object(&[
            ("name", value(&name).into()),
            ("email", value(&email).into()),
            ("phone", value(&phone).into()),
            ("consent_version", version),
        ]);
        p.engage();
        let p = Rc::clone(&p);
        let problem = Rc::clone(&problem);
        wasm_bindgen_futures::spawn_local(async move {
            let say = |e: &HttpError| {
                problem.set(Some(dom::notice(
                    "ol-error",
                    "alert",
                    &crate::describe(e, p.texts),
                )))
            };
            // The dialog's session may still be on its way (a few seconds
            // at most, else the network is down).
            let mut tries = 0;
            let token = loop {
                if let Some(t) = p.token() {
                    break t;
                }
                tries += 1;
                if tries > 50 {
                    return say(&HttpError::Network);
                }
                timers::sleep(200).await;
            };
            let url = format!("{}/api/v1/visitor/contacts", p.api);
            match call_json("POST", &url, Some(&token), Some(body)).await {
                Ok(_) => p.set_contacts(Contacts::Saved),
                Err(e) => say(&e),
            }
        });
    });
    form
}

/// F3: a copy of the conversation by e-mail, offered by a link that opens
/// its form.
pub(super) fn email_copy(p: &Rc<Panel>, at: Slot) {
    let texts = p.texts;
    let at = Rc::new(at);
    let form = dom::el("form", "ol-form ol-copy");
    let email = field(&form, texts.email, "email", "email");
    let problem = Rc::new(Slot::new(&form));
    let submit = dom::text("button", "ol-send", texts.send_copy);
    dom::attr(&submit, "type", "submit");
    dom::add(&form, &submit);
    {
        let p = Rc::clone(p);
        let at = Rc::clone(&at);
        dom::on_submit(&form, move || {
            let Some(token) = p.token() else {
                return;
            };
            let body = wire::object(&[
                ("email", email.value().into()),
                ("time_zone", wire::time_zone()),
            ]);
            let (p, at, problem) = (Rc::clone(&p), Rc::clone(&at), Rc::clone(&problem));
            wasm_bindgen_futures::spawn_local(async move {
                let url = format!("{}/api/v1/visitor/email-copy", p.api);
                match call_json("POST", &url, Some(&token), Some(body)).await {
                    Ok(_) => at.set(Some(dom::notice("ol-done", "status", p.texts.copy_sent))),
                    Err(e) => problem.set(Some(dom::notice(
                        "ol-error",
                        "alert",
                        &crate::describe(&e, p.texts),
                    ))),
                }
            });
        });
    }
    let opener = {
        let at = Rc::clone(&at);
        dom::button("ol-link ol-copy-open", texts.copy_prompt, move |_| {
            at.set(Some(form.clone()))
        })
    };
    at.set(Some(opener));
}
