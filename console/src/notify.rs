//! New-dialog notification: the tab title shows a count and a short beep
//! plays (WebAudio), so an operator in another tab notices an offer.

use std::cell::RefCell;
use web_sys::{AudioContext, OscillatorType};

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// The page's own title, before any count is added.
const TITLE: &str = "openline console";

/// Shows `(n) …` in the tab title while `n` dialogs wait for this operator.
pub fn set_title(waiting: usize) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let title = if waiting == 0 {
            TITLE.to_owned()
        } else {
            format!("({waiting}) {TITLE}")
        };
        if doc.title() != title {
            doc.set_title(&title);
        }
    }
}

/// A short two-tone beep; silent when the browser refuses audio (no user
/// gesture yet) — the title still tells.
pub fn beep() {
    AUDIO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = AudioContext::new().ok();
        }
        let Some(ctx) = slot.as_ref() else {
            return;
        };
        let _ = ctx.resume();
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
            return;
        };
        let t = ctx.current_time();
        osc.set_type(OscillatorType::Sine);
        osc.frequency().set_value(880.0);
        let _ = osc.frequency().set_value_at_time(660.0, t + 0.12);
        gain.gain().set_value(0.15);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, t + 0.25);
        if osc.connect_with_audio_node(&gain).is_err()
            || gain.connect_with_audio_node(&ctx.destination()).is_err()
        {
            return;
        }
        let _ = osc.start();
        let _ = osc.stop_with_when(t + 0.25);
    });
}
