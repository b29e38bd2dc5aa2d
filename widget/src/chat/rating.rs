//! R1: once the operator asks for it, a score of 1–5 and an optional
//! comment; then a thank-you.

use super::Panel;
use crate::conversation;
use crate::dom::{self, Slot};
use crate::http::call_json;
use crate::i18n::Texts;
use crate::wire;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlTextAreaElement};

/// The rating form (built once, shown while a rating is asked for and not
/// yet given) and the thank-you that replaces it.
pub(super) struct Rating {
    form: Element,
    stars: Vec<Element>,
    comment: HtmlTextAreaElement,
    submit: HtmlButtonElement,
    score: Cell<Option<u8>>,
    rated: Cell<bool>,
    at: Slot,
    thanks: Slot,
}

impl Rating {
    /// Builds the form; its two places are the next ones in `body`.
    pub(super) fn new(body: &Element, texts: &Texts) -> Rating {
        let form = dom::el("form", "ol-rating");
        dom::attr(&form, "aria-label", texts.rate_prompt);
        dom::add(&form, &dom::text("p", "", texts.rate_prompt));
        let row = dom::el("div", "ol-stars");
        let stars = (1u8..=5)
            .map(|n| {
                let b = dom::text("button", "ol-star", "★");
                dom::attr(&b, "type", "button");
                dom::attr(&b, "aria-pressed", "false");
                dom::attr(
                    &b,
                    "aria-label",
                    &texts.rate_star.replace("{n}", &n.to_string()),
                );
                dom::add(&row, &b);
                b
            })
            .collect();
        dom::add(&form, &row);
        let label = dom::text("label", "ol-comment", texts.rate_comment);
        let comment = dom::el("textarea", "");
        dom::attr(&comment, "rows", "2");
        dom::attr(&comment, "maxlength", "1000");
        dom::add(&label, &comment);
        dom::add(&form, &label);
        let submit = dom::text("button", "ol-send", texts.send_rating);
        dom::attr(&submit, "type", "submit");
        dom::add(&form, &submit);
        let submit: HtmlButtonElement = submit.unchecked_into();
        submit.set_disabled(true);
        Rating {
            form,
            stars,
            comment: comment.unchecked_into(),
            submit,
            score: Cell::new(None),
            rated: Cell::new(false),
            at: Slot::new(body),
            thanks: Slot::new(body),
        }
    }

    /// Shows the form while the conversation asks for a rating not given.
    pub(super) fn show(&self, p: &Panel) {
        let asked = conversation::asks_rating(&p.rows.borrow()) && !self.rated.get();
        if asked != self.at.is_set() {
            self.at.set(asked.then(|| self.form.clone()));
        }
    }

    fn choose(&self, n: u8) {
        self.score.set(Some(n));
        for (i, star) in (1u8..).zip(&self.stars) {
            let _ = star.class_list().toggle_with_force("ol-on", i <= n);
            dom::attr(star, "aria-pressed", if i == n { "true" } else { "false" });
        }
        self.submit.set_disabled(false);
    }

    fn set_rated(&self, p: &Panel, rated: bool) {
        self.rated.set(rated);
        self.thanks
            .set(rated.then(|| dom::notice("ol-rated", "status", p.texts.rated)));
        self.show(p);
    }
}

/// The form's buttons and its sending.
pub(super) fn wire(p: &Rc<Panel>) {
    let r = &p.ui.rating;
    for (n, star) in (1u8..).zip(&r.stars) {
        let p = Rc::clone(p);
        dom::on(star, "click", move |_| p.ui.rating.choose(n));
    }
    let p2 = Rc::clone(p);
    dom::on_submit(&r.form, move || rate(&p2));
}

fn rate(p: &Rc<Panel>) {
    let r = &p.ui.rating;
    let (Some(score), Some(token)) = (r.score.get(), p.token()) else {
        return;
    };
    r.set_rated(p, true);
    let comment = conversation::trimmed(&r.comment.value());
    let p = Rc::clone(p);
    wasm_bindgen_futures::spawn_local(async move {
        let body = wire::object(&[
            ("score", score.into()),
            ("comment", wire::opt(comment.as_deref())),
        ]);
        let url = format!("{}/api/v1/visitor/rating", p.api);
        if let Err(e) = call_json("POST", &url, Some(&token), Some(body)).await {
            p.ui.rating.set_rated(&p, false);
            p.fail(&e);
        }
    });
}
