//! The few DOM operations the widget needs, straight over web-sys.
//!
//! Why no framework: the host page pays for every byte of the widget, and a
//! reactive framework's runtime with the generic code it instantiates per
//! view was most of the wasm (issue 11: ≤ 75 KB brotli with attachments,
//! emoji and read receipts). The panel is small and its changes are few and
//! known (a row added, a notice shown), so each change updates its nodes
//! directly (`chat/`); the decisions stay in `conversation.rs`.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget, Node};

thread_local! {
    /// The document the panel lives in (the host page's).
    static DOCUMENT: Option<Document> = web_sys::window().and_then(|w| w.document());
}

/// A new element with its class (none when `class` is empty).
pub fn el(tag: &str, class: &str) -> Element {
    let e = DOCUMENT
        .with(|d| d.as_ref().and_then(|d| d.create_element(tag).ok()))
        .expect_throw("no document");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// A new element holding `text`.
pub fn text(tag: &str, class: &str, text: &str) -> Element {
    let e = el(tag, class);
    e.set_text_content(Some(text));
    e
}

/// A notice for assistive technology too (`role` `status` or `alert`).
pub fn notice(class: &str, role: &str, words: &str) -> Element {
    let e = text("p", class, words);
    attr(&e, "role", role);
    e
}

/// Sets an attribute (names and values here are the widget's own).
pub fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Appends `child` to `parent`.
pub fn add(parent: &Element, child: &Node) {
    let _ = parent.append_child(child);
}

/// Calls `f` on every `event` of `target` for the life of the page (the
/// panel is mounted once and never unmounted).
pub fn on(target: &EventTarget, event: &str, f: impl FnMut(Event) + 'static) {
    let f = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// Calls `f` when `form` is submitted, instead of the browser's navigation.
pub fn on_submit(form: &Element, mut f: impl FnMut() + 'static) {
    on(form, "submit", move |e| {
        e.prevent_default();
        f();
    });
}

/// A button (`type="button"`) that calls `f` when pressed.
pub fn button(class: &str, label: &str, f: impl FnMut(Event) + 'static) -> Element {
    let b = text("button", class, label);
    attr(&b, "type", "button");
    on(&b, "click", f);
    b
}

/// A place in the panel that holds at most one node at a time, in a fixed
/// position among its siblings (before an empty comment): notices, forms
/// and cards come and go there without the others moving.
pub struct Slot {
    anchor: Node,
    node: RefCell<Option<Element>>,
}

impl Slot {
    /// A slot at the end of `parent`'s children as they are now.
    pub fn new(parent: &Element) -> Slot {
        let anchor: Node = DOCUMENT
            .with(|d| d.as_ref().map(|d| d.create_comment("").into()))
            .expect_throw("no document");
        add(parent, &anchor);
        Slot {
            anchor,
            node: RefCell::new(None),
        }
    }

    /// Shows `node` there instead of what was shown (nothing for `None`).
    pub fn set(&self, node: Option<Element>) {
        if let Some(old) = self.node.borrow_mut().take() {
            old.remove();
        }
        if let Some(n) = &node {
            self.insert(n);
        }
        *self.node.borrow_mut() = node;
    }

    /// Inserts `node` before the slot's anchor (for lists that grow there).
    pub fn insert(&self, node: &Node) {
        if let Some(parent) = self.anchor.parent_node() {
            let _ = parent.insert_before(node, Some(&self.anchor));
        }
    }

    /// Whether something is shown there.
    pub fn is_set(&self) -> bool {
        self.node.borrow().is_some()
    }
}
