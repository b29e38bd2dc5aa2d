//! R1: once the operator asks for it, a score of 1–5 and an optional
//! comment; then a thank-you.

use super::State;
use crate::conversation;
use crate::http::call_json;
use crate::wire;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The rating form, shown while a rating is asked for and not yet given,
/// and the thank-you that replaces it: siblings for the panel to place.
pub(super) fn rating(st: State) -> (impl IntoView, impl IntoView) {
    let texts = st.texts;
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let rated = RwSignal::new(false);
    let rate = move || {
        let Some(score) = score.get_untracked() else {
            return;
        };
        let Some(s) = st.session.get_untracked() else {
            return;
        };
        rated.set(true);
        let comment = conversation::trimmed(&comment.get_untracked());
        spawn_local(async move {
            let base = st.api.get_value();
            let body = wire::object(&[
                ("score", score.into()),
                ("comment", wire::opt(comment.as_deref())),
            ]);
            if let Err(e) = call_json(
                "POST",
                &format!("{base}/api/v1/visitor/rating"),
                Some(&s.token),
                Some(body),
            )
            .await
            {
                rated.set(false);
                st.fail(&e);
            }
        });
    };
    let asks_rating = move || conversation::asks_rating(&st.rows.get());
    let form = move || {
        (asks_rating() && !rated.get()).then(|| view! {
            <form class="ol-rating" aria-label=texts.rate_prompt on:submit=move |ev| { ev.prevent_default(); rate(); }>
                <p>{texts.rate_prompt}</p>
                <div class="ol-stars">
                    {(1u8..=5).map(|n| view! {
                        <button type="button" class="ol-star" class:ol-on=move || score.get().is_some_and(|s| n <= s)
                            aria-pressed=move || (score.get() == Some(n)).to_string()
                            aria-label=texts.rate_star.replace("{n}", &n.to_string())
                            on:click=move |_| score.set(Some(n))>"★"</button>
                    }).collect_view()}
                </div>
                <label class="ol-comment">{texts.rate_comment}
                    <textarea rows="2" maxlength="1000" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="ol-send" disabled=move || score.get().is_none()>{texts.send_rating}</button>
            </form>
    })
    };
    let thanks = move || {
        rated
            .get()
            .then(|| view! { <p class="ol-rated" role="status">{texts.rated}</p> })
    };
    (form, thanks)
}
