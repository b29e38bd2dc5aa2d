//! What the widget is told about its line (`GET /api/v1/lines/{line}/widget`
//! and the console's live preview of unsaved settings): one mapping from
//! the line's settings, so the preview shows exactly what visitors get.

use crate::line::Availability;
use crate::protocol::{WidgetConfig, WidgetSettings};
use crate::settings::LineSettings;
use crate::Millis;

/// The widget's settings of line `line` at `now` (H1/H4 from the working
/// hours; `availability` as the line last said, none when it could not be
/// asked). `next_opening` is in the core's time; the adapter scales it.
pub fn widget_settings(
    s: &LineSettings,
    line: &str,
    now: Millis,
    availability: Option<Availability>,
) -> WidgetSettings {
    let open = s.hours.as_ref().is_none_or(|h| h.is_open(now));
    let next_opening = match &s.hours {
        None => Some(now),
        Some(h) => h.next_opening(now),
    };
    let forms = s.form_cases();
    WidgetSettings {
        config: WidgetConfig {
            line: line.to_owned(),
            title: s.visitor_title().to_owned(),
            greeting: s.widget.greeting.clone(),
            language: s.language.clone(),
            open,
            next_opening,
            online: availability.map(|a| a.online),
            reply_in_s: availability.and_then(|a| a.reply_in_s),
            attachments: s.attachments.clone(),
            hide_when_closed: s.widget.only_during_working_hours,
            // F2's pause, when the greeting has a form (15 s unless set).
            contact_request_after_s: forms
                .after_greeting
                .as_ref()
                .map(|_| s.widget.contact_request_after_s.unwrap_or(15)),
            email_copy: s.widget.email_copy,
            busy_form: forms.busy.is_some(),
            typing_preview: s.widget.typing_preview,
            consent: s.consent.clone(),
            presentation: s.presentation.clone(),
        },
        launcher: s.widget.launcher.clone(),
        reply_sound: s.widget.reply_sound,
        forms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::WorkingHours;

    #[test]
    fn the_widget_hears_the_lines_texts_hours_and_forms() {
        let mut s = LineSettings::new("Northwind Tea");
        s.widget.greeting = "Hi!".into();
        s.widget.email_copy = true;
        let w = widget_settings(&s, "shop", 1_000, None);
        assert_eq!(w.config.line, "shop");
        assert_eq!(w.config.greeting, "Hi!");
        assert!(w.config.open && w.config.email_copy);
        assert_eq!(w.config.next_opening, Some(1_000), "no hours: open now");
        assert_eq!(w.config.online, None, "the line could not be asked");
        // Outside its hours (a Sunday in UTC, weekdays only): closed, and
        // when it opens next.
        s.hours = Some(WorkingHours::weekdays("UTC", 9 * 60, 18 * 60));
        let sunday_noon = 1_764_504_000_000; // 2025-11-30 12:00 UTC
        let w = widget_settings(
            &s,
            "shop",
            sunday_noon,
            Some(Availability {
                online: false,
                reply_in_s: Some(120),
            }),
        );
        assert!(!w.config.open);
        assert_eq!(w.config.next_opening, Some(sunday_noon + 21 * 3_600_000));
        assert_eq!(
            (w.config.online, w.config.reply_in_s),
            (Some(false), Some(120))
        );
    }
}
