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
    let emoji = dom::text("button", "ol-emoji-open", "☺");
    dom::attr(&emoji, "type", "button");
    dom::attr(&emoji, "aria-label", texts.emoji);
    dom::attr(&emoji, "aria-expanded", "false");
    dom::add(&form, &emoji);
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
    let last_typing = Rc::new(Cell::new(0f64));
    {
        let (p, last) = (Rc::clone(p), Rc::clone(&last_typing));
        dom::on(input, "input", move |_| drafted(&p, &last, typing_preview));
    }
    emoji_picker(p, move |p| drafted(p, &last_typing, typing_preview));
}

/// The visitor changed the draft: typing engages, and (W1) the draft goes
/// out as a throttled typing preview, only on lines that tell the visitor
/// so.
fn drafted(p: &Rc<Panel>, last_typing: &Cell<f64>, typing_preview: bool) {
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
}

/// The emoji the picker offers: faces, hands, and a shop's usual words.
/// The system's font draws them (no images, no bytes of ours).
const EMOJI: &str =
    "😀 😊 😂 😍 😉 🙂 🤔 😮 😢 😡 👍 👎 👏 🙏 👋 💪 🎉 ❤️ 🔥 ⭐ ✅ ❌ ❓ 💡 📦 🚚 💳 🎁 ☕ 🌸";

/// A small picker under the emoji button: a chosen emoji goes into the
/// draft at the caret, and the picker closes.
fn emoji_picker(p: &Rc<Panel>, changed: impl Fn(&Rc<Panel>) + 'static) {
    let (input, texts) = (&p.ui.input, p.texts);
    let (Some(form), Some(opener)) = (input.parent_element(), input.next_element_sibling()) else {
        return;
    };
    let grid = dom::el("div", "ol-emoji");
    dom::attr(&grid, "role", "group");
    dom::attr(&grid, "aria-label", texts.emoji);
    let at = Rc::new(dom::Slot::new(&form));
    let open = {
        let (at, grid, opener) = (Rc::clone(&at), grid.clone(), opener.clone());
        move |show: bool| {
            at.set(show.then(|| grid.clone()));
            dom::attr(
                &opener,
                "aria-expanded",
                if show { "true" } else { "false" },
            );
        }
    };
    let open = Rc::new(open);
    let changed = Rc::new(changed);
    for e in EMOJI.split(' ') {
        let (p, open, changed) = (Rc::clone(p), Rc::clone(&open), Rc::clone(&changed));
        let b = dom::button("ol-emoji-pick", e, move |_| {
            let i = &p.ui.input;
            let (start, end) = (i.selection_start(), i.selection_end());
            let len = i.value().encode_utf16().count() as u32;
            let start = start.ok().flatten().unwrap_or(len);
            let end = end.ok().flatten().unwrap_or(start);
            let _ = i.set_range_text_with_start_and_end_and_mode(e, start, end, "end");
            open(false);
            let _ = i.focus();
            changed(&p);
        });
        dom::add(&grid, &b);
    }
    let toggle = Rc::clone(&open);
    dom::on(&opener, "click", move |_| toggle(!at.is_set()));
    dom::on(&grid, "keydown", move |e| {
        if e.dyn_ref::<KeyboardEvent>()
            .is_some_and(|k| k.key() == "Escape")
        {
            e.stop_propagation();
            open(false);
        }
    });
}

/// The message goes to the outbox first (kept across reloads), shows as
/// pending, and is sent from there.
fn send(p: &Rc<Panel>) {
    let Some(text) = conversation::trimmed(&p.ui.input.value()) else {
        return;
    };
    p.ui.input.set_value("");
    say(p, text);
}

/// Sends `text` as the visitor's message (typed, or a bot's quick reply
/// picked).
pub(super) fn say(p: &Rc<Panel>, text: String) {
    p.engage();
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
