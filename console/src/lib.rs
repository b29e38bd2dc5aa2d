//! openline's operator console (Leptos CSR), served at `/console`.
//!
//! This is the skeleton the build and the tests rely on; the operator's
//! day (login, dialog list, chat, administration) fills it in later.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[derive(Deserialize, Clone)]
struct Health {
    ok: bool,
    protocol: u32,
}

/// Mounts the console into the page's `<main id="console">`.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(host) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("console"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    leptos::mount::mount_to(host, Console).forget();
}

async fn health() -> Option<Health> {
    let window = web_sys::window()?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str("/api/v1/health"))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let text = JsFuture::from(resp.text().ok()?).await.ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

#[component]
fn Console() -> impl IntoView {
    let status = RwSignal::new(None::<Option<Health>>);
    spawn_local(async move { status.set(Some(health().await)) });
    view! {
        <header class="console-header"><h1>"openline console"</h1></header>
        <p class="console-status" role="status">
            {move || match status.get() {
                None => "Connecting to the edge…".to_string(),
                Some(Some(h)) if h.ok => format!("Edge online (protocol {})", h.protocol),
                Some(_) => "The edge is unreachable.".to_string(),
            }}
        </p>
    }
}
