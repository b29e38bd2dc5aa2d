//! The composer: the message field (Enter sends, Shift+Enter breaks the
//! line), sending through the outbox, and W1's typing preview.

use super::{sync, Panel};
use crate::conversation::{self, Row};
use crate::dom;
use crate::i18n::Texts;
use crate::{storage, wire};
use openline_core::protocol::SendMessage;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlTextAreaElement, KeyboardEvent};

/// Builds the message form (and under it W1's notice when the line
/// previews typing) into `section`; returns the message field.
pub(super) fn composer(
    section: &Element,
    texts: &Texts,
    typing_preview: bool,
) -> HtmlTextAreaElement {
    let form = dom::el("form", "ol-compose");
    let label = dom::text("label", "ol-sr", texts.message_label);
    dom::attr(&label, "for", "ol-input");
    dom::add(&form, &label);
    let input = dom::el("textarea", "ol-input");
    dom::attr(&input, "id", "ol-input");
    dom::attr(&input, "rows", "2");
    dom::attr(&input, "placeholder", texts.placeholder);
    if typing_preview {
        dom::attr(&input, "aria-describedby", "ol-typing-note");
    }
    dom::add(&form, &input);
    let send = dom::text("button", "ol-send", texts.send);
    dom::attr(&send, "type", "submit");
    dom::add(&form, &send);
    dom::add(section, &form);
    if typing_preview {
        let note = dom::text("p", "ol-note", texts.typing_notice);
        dom::attr(&note, "id", "ol-typing-note");
        dom::add(section, &note);
    }
    input.unchecked_into()
}

/// The field's events: sending, engaging, the typing preview.
pub(super) fn wire(p: &Rc<Panel>, typing_preview: bool) {
    let input = &p.ui.input;
    if let Some(form) = input.parent_element() {
        let p = Rc::clone(p);
        dom::on_submit(&form, move || send(&p));
    }
    {
        let p = Rc::clone(p);
        dom::on(input, "keydown", move |e| {
            if let Some(k) = e.dyn_ref::<KeyboardEvent>() {
                if k.key() == "Enter" && !k.shift_key() {
                    e.prevent_default();
                    send(&p);
                }
            }
        });
    }
    // W1: the draft goes out as a throttled typing preview, only on lines
    // that tell the visitor so.
    let last_typing = Cell::new(0f64);
    let p = Rc::clone(p);
    dom::on(input, "input", move |_| {
        let value = p.ui.input.value();
        if !value.trim().is_empty() {
            p.engage();
        }
        let now = js_sys::Date::now();
        if typing_preview && conversation::typing_due(now, last_typing.get()) {
            last_typing.set(now);
            if let Some(l) = p.live.borrow().as_ref() {
                l.send(&wire::object(&[
                    ("type", "typing".into()),
                    ("draft", value.into()),
                ]));
            }
        }
    });
}

/// The message goes to the outbox first (kept across reloads), shows as
/// pending, and is sent from there.
fn send(p: &Rc<Panel>) {
    let Some(text) = conversation::trimmed(&p.ui.input.value()) else {
        return;
    };
    p.engage();
    p.ui.input.set_value("");
    let message = SendMessage {
        client_id: storage::new_client_id(),
        text: text.clone(),
    };
    let mut outbox = storage::load_outbox(&p.line);
    outbox.push(message.clone());
    storage::save_outbox(&p.line, &outbox);
    p.update_rows(|r| r.push(Row::pending(message.client_id, text)));
    sync::flush(p);
}
