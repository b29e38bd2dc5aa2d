//! The panel's header: the line's title, the operator as the line presents
//! them (O1), the close button, and the offline notice under it (H4).

use super::Panel;
use crate::conversation;
use crate::dom::{self, Slot};
use crate::i18n::Texts;
use openline_core::protocol::WidgetConfig;
use wasm_bindgen::JsValue;
use web_sys::Element;

/// Builds the header (and, outside working hours, the notice of when the
/// line opens) into `section`; returns the slot of the operator's card.
pub(super) fn header(
    section: &Element,
    config: Option<&WidgetConfig>,
    title: &str,
    texts: &'static Texts,
    on_close: js_sys::Function,
) -> Slot {
    let header = dom::el("header", "ol-header");
    let head = dom::el("div", "ol-head");
    dom::add(&head, &dom::text("h2", "ol-title", title));
    // Issue 11.1: whether anyone is there and how soon they answer (the
    // offline notice says when a closed line opens).
    let status = config
        .filter(|c| c.open)
        .and_then(|c| conversation::availability_text(c.online, c.reply_in_s, texts));
    if let Some(words) = status {
        dom::add(&head, &dom::text("p", "ol-status", &words));
    }
    let operator = Slot::new(&head);
    dom::add(&header, &head);
    let close = dom::button("ol-close", "×", move |_| {
        let _ = on_close.call0(&JsValue::NULL);
    });
    dom::attr(&close, "aria-label", texts.close_chat);
    dom::add(&header, &close);
    dom::add(section, &header);
    // H4: outside working hours, say when the line opens.
    if let Some(c) = config.filter(|c| !c.open) {
        let words = match c.next_opening {
            Some(at) => {
                let when = js_sys::Date::new(&(at as f64).into())
                    .to_locale_string(&c.language, &JsValue::UNDEFINED)
                    .as_string()
                    .unwrap_or_default();
                texts.closed_until.replace("{time}", &when)
            }
            None => texts.closed.to_string(),
        };
        dom::add(section, &dom::notice("ol-offline", "status", &words));
    }
    operator
}

impl Panel {
    /// O1: the line's own card, its replacement card, or nobody; with its
    /// own, the card of whoever answers (arriving live).
    pub(super) fn show_operator(&self) {
        let card = match &self.fixed_card {
            Some(fixed) => fixed.clone(),
            None => self.operator.borrow().clone(),
        };
        self.ui.operator.set(card.map(|c| {
            let p = dom::el("p", "ol-operator");
            dom::attr(&p, "aria-label", self.texts.operator);
            let avatar = match conversation::shown_avatar(c.avatar, &self.api) {
                Some(src) => {
                    let img = dom::el("img", "ol-avatar");
                    dom::attr(&img, "src", &src);
                    dom::attr(&img, "alt", "");
                    dom::attr(&img, "width", "28");
                    dom::attr(&img, "height", "28");
                    img
                }
                None => {
                    let i = dom::text(
                        "span",
                        "ol-avatar ol-initials",
                        &conversation::initials(&c.name),
                    );
                    dom::attr(&i, "aria-hidden", "true");
                    i
                }
            };
            dom::add(&p, &avatar);
            dom::add(&p, &dom::text("span", "ol-operator-name", &c.name));
            if let Some(pos) = c.position {
                dom::add(&p, &dom::text("span", "ol-operator-position", &pos));
            }
            p
        }));
    }
}
