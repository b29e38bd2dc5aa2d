//! Issue 11.3: files in the chat — sent from the picker, dropped on the
//! panel or pasted into the message field; shown in the list as a picture
//! or a link, through the short-lived links the edge signs for the
//! dialog's participants.

use super::Panel;
use crate::conversation::{self, merge, Row};
use crate::dom;
use crate::http::{call, call_json, typed};
use crate::{storage, timers, wire};
use openline_core::attachments::{size_words, Attachment};
use openline_core::protocol::ChatMessage;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{ClipboardEvent, DragEvent, Element, File, FileList, HtmlInputElement};

/// Builds the attach button and its hidden picker into the composer's
/// `form`, when the line accepts files.
pub(super) fn picker(p: &Rc<Panel>, form: &Element) {
    let rules = &p.attachments;
    if !rules.enabled {
        return;
    }
    let input = dom::el("input", "ol-sr");
    dom::attr(&input, "type", "file");
    dom::attr(&input, "tabindex", "-1");
    dom::attr(&input, "aria-hidden", "true");
    let accept: Vec<&str> = rules.kinds.iter().map(|k| k.mime()).collect();
    dom::attr(&input, "accept", &accept.join(","));
    let input: HtmlInputElement = input.unchecked_into();
    input.set_multiple(true);
    let button = {
        let input = input.clone();
        dom::button("ol-attach", "📎", move |_| input.click())
    };
    dom::attr(&button, "aria-label", p.texts.attach);
    if let Some(send) = form.last_element_child() {
        let _ = form.insert_before(&button, Some(&send));
    }
    dom::add(form, &input);
    {
        let p = Rc::clone(p);
        let picked = input.clone();
        dom::on(&input, "change", move |_| {
            if let Some(files) = picked.files() {
                send_all(&p, &files);
            }
            picked.set_value("");
        });
    }
    // Dropped on the panel, or pasted into the message field.
    if let Some(panel) = form.parent_element() {
        dom::on(&panel, "dragover", |e| e.prevent_default());
        let p2 = Rc::clone(p);
        dom::on(&panel, "drop", move |e| {
            let files = e
                .dyn_ref::<DragEvent>()
                .and_then(|d| d.data_transfer())
                .and_then(|t| t.files());
            if let Some(files) = files.filter(|f| f.length() > 0) {
                e.prevent_default();
                send_all(&p2, &files);
            }
        });
    }
    let p = Rc::clone(p);
    dom::on(&p.ui.input.clone(), "paste", move |e| {
        let files = e
            .dyn_ref::<ClipboardEvent>()
            .and_then(|c| c.clipboard_data())
            .and_then(|d| d.files());
        if let Some(files) = files.filter(|f| f.length() > 0) {
            e.prevent_default();
            send_all(&p, &files);
        }
    });
}

fn send_all(p: &Rc<Panel>, files: &FileList) {
    for i in 0..files.length() {
        if let Some(f) = files.get(i) {
            send(p, f);
        }
    }
}

/// Sends one file: refused at once when too big; else shown as pending,
/// sent once the dialog exists, confirmed or marked failed with the
/// reason in words.
fn send(p: &Rc<Panel>, file: File) {
    if let Some(why) = conversation::file_refused(file.size(), &p.attachments, p.texts) {
        p.set_error(Some(why));
        return;
    }
    p.engage();
    let client_id = storage::new_client_id();
    let name = file.name();
    p.update_rows(|r| r.push(Row::pending(client_id.clone(), name.clone())));
    let p = Rc::clone(p);
    spawn_local(async move {
        // The dialog's session may still be on its way.
        let mut tries = 0;
        let token = loop {
            if let Some(t) = p.token() {
                break Some(t);
            }
            tries += 1;
            if tries > 50 {
                break None;
            }
            timers::sleep(200).await;
        };
        let url = format!(
            "{}/api/v1/visitor/attachments?client_id={client_id}&name={}",
            p.api,
            js_sys::encode_uri_component(&name)
        );
        let kind = Some(file.type_()).filter(|t| !t.is_empty());
        let kind = kind.as_deref().unwrap_or("application/octet-stream");
        let sent = match &token {
            Some(t) => {
                typed::<ChatMessage>(call("POST", &url, Some(t), Some((file.into(), kind))).await)
            }
            None => Err(crate::http::HttpError::Network),
        };
        match sent {
            Ok(m) => {
                p.update_rows(|r| merge(r, m));
                p.set_error(None);
            }
            Err(e) => {
                p.update_rows(|r| conversation::mark_failed(r, &client_id));
                let words = conversation::file_refusal(e.status(), &p.attachments, p.texts);
                p.set_error(Some(words.unwrap_or_else(|| crate::describe(&e, p.texts))));
            }
        }
    });
}

/// A file in the list: the picture itself, or a link with its name and
/// size; its address arrives from the edge (a link that expires), kept for
/// other rows of the same file and asked again when the visitor points at
/// a link grown old.
pub(super) fn view(p: &Rc<Panel>, a: &Attachment) -> Element {
    let link = dom::el("a", "ol-file");
    dom::attr(&link, "target", "_blank");
    dom::attr(&link, "rel", "noopener");
    let image = a.kind.is_image().then(|| {
        let img = dom::el("img", "ol-image");
        dom::attr(&img, "alt", &a.name);
        dom::add(&link, &img);
        img
    });
    if image.is_none() {
        let words = format!("📄 {} · {}", a.name, size_words(a.size));
        link.set_text_content(Some(&words));
    }
    let show = Rc::new({
        let (p, id, node) = (Rc::clone(p), a.id.clone(), link.clone());
        move || {
            let (p, id, node, image) = (Rc::clone(&p), id.clone(), node.clone(), image.clone());
            spawn_local(async move {
                if let Some(href) = link_to(&p, &id).await {
                    dom::attr(&node, "href", &href);
                    if let Some(img) = &image {
                        if img.get_attribute("src").is_none() {
                            dom::attr(img, "src", &href);
                        }
                    }
                }
            });
        }
    });
    show();
    for event in ["pointerenter", "focus"] {
        let show = Rc::clone(&show);
        dom::on(&link, event, move |_| show());
    }
    link
}

/// A link to file `id`: the one kept while it has minutes to live, else a
/// new one from the edge.
async fn link_to(p: &Panel, id: &str) -> Option<String> {
    let now = js_sys::Date::now();
    let kept = p
        .links
        .borrow()
        .iter()
        .find(|(i, _, until)| i == id && *until - now > 5.0 * 60_000.0)
        .map(|(_, url, _)| url.clone());
    if kept.is_some() {
        return kept;
    }
    let token = p.token()?;
    let url = format!("{}/api/v1/visitor/attachments/{id}", p.api);
    let answer = call_json("GET", &url, Some(&token), None).await.ok()?;
    let href = wire::get(&answer, "url").as_string()?;
    let until = wire::get(&answer, "expires_at").as_f64().unwrap_or(now);
    let mut links = p.links.borrow_mut();
    links.retain(|(i, _, _)| i != id);
    links.push((id.to_owned(), href.clone(), until));
    Some(href)
}
