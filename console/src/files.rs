//! Issue 11.3: files in the operator's chat — a picture shown in the
//! message, other files as a link with name and size (through the
//! short-lived link the edge signs for readers of the dialog), and the
//! composer's "Attach" picker.

use crate::api::{self, ApiError};
use crate::state::DeskState;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use openline_core::attachments::{size_words, Attachment};
use openline_core::protocol::ChatMessage;
use wasm_bindgen::JsCast;

/// A file in a message.
#[component]
pub fn FileLink(desk: DeskState, file: Attachment) -> impl IntoView {
    let url = RwSignal::new(None::<String>);
    if let Some((dialog, name)) = file.id.split_once('/') {
        let path = desk.path(&format!(
            "/dialogs/{}/attachments/{}",
            api::encode(dialog),
            api::encode(name)
        ));
        let token = desk.ctx.token();
        spawn_local(async move {
            #[derive(serde::Deserialize)]
            struct Link {
                url: String,
            }
            if let Ok(l) = api::get::<Link>(&path, &token).await {
                url.set(Some(l.url));
            }
        });
    }
    let label = format!("📄 {} · {}", file.name, size_words(file.size));
    view! {
        <a class="file" target="_blank" rel="noopener" href=move || url.get()>
            {if file.kind.is_image() {
                Either::Left(view! { <img class="attached" alt=file.name.clone() src=move || url.get() /> })
            } else {
                Either::Right(label)
            }}
        </a>
    }
}

/// Sends the files chosen in the composer's picker to `dialog`; each shows
/// in the chat when the edge stores it (the live socket brings it).
pub fn attach(desk: DeskState, dialog: String, ev: leptos::ev::Event) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    // Taken out before the picker is cleared (its list empties with it).
    let files: Vec<web_sys::File> = input
        .files()
        .map(|f| (0..f.length()).filter_map(|i| f.get(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    let batch = crate::format::now();
    for (i, file) in files.into_iter().enumerate() {
        let path = desk.path(&format!(
            "/dialogs/{}/attachments?client_id=f{batch}-{i}&name={}",
            api::encode(&dialog),
            api::encode(&file.name())
        ));
        let kind = Some(file.type_()).filter(|t| !t.is_empty());
        let token = desk.ctx.token();
        spawn_local(async move {
            let kind = kind.as_deref().unwrap_or("application/octet-stream");
            let r: Result<ChatMessage, ApiError> =
                api::call_raw("POST", &path, Some(&token), Some((file.into(), kind))).await;
            let t = desk.ctx.t_untracked();
            match r {
                Ok(_) => {}
                Err(ApiError::Api { status: 413, .. }) => {
                    desk.notice.set(Some(t.file_too_big.into()))
                }
                Err(ApiError::Api { status: 415, .. }) => desk.notice.set(Some(t.file_kind.into())),
                Err(e) => desk.show_error(&e),
            }
        });
    }
}
