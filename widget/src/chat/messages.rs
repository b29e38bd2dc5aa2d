//! The message list: the line's greeting, the conversation's rows with the
//! visitor's delivery marks, and "this conversation has ended" under them.

use super::Panel;
use crate::conversation::{self, Delivery, Row};
use crate::dom::{self, Slot};
use openline_core::protocol::Author;
use std::rc::Rc;
use web_sys::Element;

/// Builds the (empty) list into `body`, with the line's greeting first;
/// returns the slot after its rows, where rows are added.
pub(super) fn list(body: &Element, greeting: Option<&str>) -> Slot {
    let list = dom::el("ol", "ol-messages");
    dom::attr(&list, "aria-live", "polite");
    if let Some(g) = greeting {
        dom::add(
            &list,
            &dom::text("li", "ol-msg ol-from-operator ol-greeting", g),
        );
    }
    let ended = Slot::new(&list);
    dom::add(body, &list);
    ended
}

/// Shows the panel's rows: a row whose content changed is built anew, the
/// others stay as they are (nothing is announced twice).
pub(super) fn show(p: &Rc<Panel>) {
    let texts = p.texts;
    let rows = p.rows.borrow();
    let mut shown = p.ui.shown.borrow_mut();
    let mut n = 0;
    for row in rows.iter().filter(|r| r.shown()) {
        match shown.get_mut(n) {
            Some((old, _)) if old == row => {}
            // Only its mark changed (sent → seen): the node stays, so a
            // screen reader does not read the message again.
            Some((old, node)) if old.same_but_delivery(row) => {
                old.delivery = row.delivery;
                mark(p, node, row.delivery);
            }
            Some((old, node)) => {
                let new = row_view(p, row);
                let _ = node.replace_with_with_node_1(&new);
                *old = row.clone();
                *node = new;
            }
            None => {
                let new = row_view(p, row);
                p.ui.ended.insert(&new);
                shown.push((row.clone(), new));
            }
        }
        n += 1;
    }
    for (_, node) in shown.drain(n..) {
        node.remove();
    }
    // B3: the bot's quick replies under its last word; a pick is sent as
    // the visitor's message.
    let offered = conversation::offered_replies(&rows);
    if *p.ui.offered.borrow() != offered {
        *p.ui.offered.borrow_mut() = offered.to_vec();
        p.ui.replies.set((!offered.is_empty()).then(|| {
            let group = dom::el("div", "ol-replies");
            dom::attr(&group, "role", "group");
            dom::attr(&group, "aria-label", texts.quick_replies);
            for answer in offered {
                let (q, said) = (Rc::clone(p), answer.clone());
                dom::add(
                    &group,
                    &dom::button("ol-reply", answer, move |_| {
                        super::composer::say(&q, said.clone())
                    }),
                );
            }
            group
        }));
    }
    let ended = conversation::ended(&rows);
    if ended != p.ui.ended.is_set() {
        p.ui.ended.set(ended.then(|| {
            let li = dom::text("li", "ol-ended", texts.ended);
            dom::attr(&li, "role", "status");
            li
        }));
    }
}

/// One row: author (a named operator), text or file, time, delivery mark.
fn row_view(p: &Rc<Panel>, row: &Row) -> Element {
    let texts = p.texts;
    let li = dom::el("li", row.class());
    dom::attr(&li, "data-delivery", row.delivery.name());
    if let Author::Operator { name: Some(n) } = &row.author {
        dom::add(&li, &dom::text("span", "ol-author", n));
    }
    // A file, and the words with it when they are more than its name (a
    // messenger's caption).
    if let Some(a) = &row.attachment {
        dom::add(&li, &super::files::view(p, a));
    }
    if row.attachment.as_ref().is_none_or(|a| a.name != row.text) {
        dom::add(&li, &dom::text("span", "ol-text", &row.text));
    }
    if let Some(at) = row.at {
        let time = dom::text("time", "ol-time", &when(at, texts.lang, true));
        dom::attr(&time, "title", &when(at, texts.lang, false));
        dom::add(&li, &time);
    }
    if matches!(row.author, Author::Visitor) {
        dom::add(&li, &dom::el("span", "ol-state"));
        mark(p, &li, row.delivery);
    }
    li
}

/// A visitor's row's delivery mark: its attribute, sign and title.
fn mark(p: &Panel, li: &Element, delivery: Delivery) {
    dom::attr(li, "data-delivery", delivery.name());
    if let Ok(Some(mark)) = li.query_selector(".ol-state") {
        mark.set_text_content(Some(delivery.mark()));
        let title = match delivery {
            Delivery::Failed => p.texts.not_sent,
            Delivery::Seen => p.texts.seen,
            _ => "",
        };
        dom::attr(&mark, "title", title);
    }
}

/// When a message was written, in the visitor's language and time zone:
/// the time of day ("14:05", "2:05 PM"), or the whole date and time.
fn when(at: i64, lang: &str, short: bool) -> String {
    let options = if short {
        crate::wire::object(&[("hour", "2-digit".into()), ("minute", "2-digit".into())])
    } else {
        wasm_bindgen::JsValue::UNDEFINED
    };
    js_sys::Date::new(&(at as f64).into())
        .to_locale_string(lang, &options)
        .as_string()
        .unwrap_or_default()
}
