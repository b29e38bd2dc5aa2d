//! Issue 13 part 5 (F4/H4 by e-mail): a client who writes while nobody can
//! answer — the line is outside its working hours, or none of its
//! operators is at work — or who leaves contacts in a dialog nobody holds,
//! is told to the line's operators (the console's notices, and e-mail)
//! once per dialog, so the message is answered when someone is back
//! rather than found by chance.

use super::{Dialog, Effect, Fx, Line, LineError, Notice, Status};
use crate::Millis;
use serde::{Deserialize, Serialize};

/// Why nobody could answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Away {
    /// H1/H2: outside the line's working hours.
    OutsideHours,
    /// Q4: none of the line's operators is at work.
    NobodyAtWork,
}

/// Issue 11.1: what the widget says about answering now — "online now",
/// "we usually reply in N min" — from the line's live state and its recent
/// dialogs, so a visitor knows what to expect before writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Availability {
    /// Someone can answer now: within the working hours, with an operator
    /// of the queue at work ([`Line::away`] says nobody is away).
    pub online: bool,
    /// The median time to a first answer of the dialogs opened in the
    /// past week, in seconds; none below [`REPLY_ESTIMATE_MIN_DIALOGS`]
    /// answered dialogs (too few to promise anything).
    pub reply_in_s: Option<u32>,
}

/// The past the reply estimate looks at.
pub const REPLY_ESTIMATE_WINDOW_MS: Millis = 7 * 24 * 3600 * 1000;
/// Answered dialogs the estimate needs before it says anything.
pub const REPLY_ESTIMATE_MIN_DIALOGS: usize = 3;

/// Which of a dialog's two "told" marks a notice sets.
#[derive(Clone, Copy)]
enum Told {
    Waiting,
    Contacts,
}

impl Told {
    fn at(self, d: &Dialog) -> Option<Millis> {
        match self {
            Told::Waiting => d.told_away,
            Told::Contacts => d.told_contacts,
        }
    }

    fn mark(self, d: &mut Dialog, now: Millis) {
        match self {
            Told::Waiting => d.told_away = Some(now),
            Told::Contacts => d.told_contacts = Some(now),
        }
    }
}

impl Line {
    /// [`Availability`] at `now`, the estimate taken from `dialogs` (the
    /// line's live and archived dialogs of the past week; others are
    /// skipped).
    pub fn availability<'a>(
        &self,
        now: Millis,
        dialogs: impl IntoIterator<Item = &'a Dialog>,
    ) -> Availability {
        let since = now - REPLY_ESTIMATE_WINDOW_MS;
        let waits: Vec<Millis> = dialogs
            .into_iter()
            .filter(|d| d.opened_at >= since)
            .filter_map(|d| Some((d.first_answer_at? - d.opened_at).max(0)))
            .collect();
        let enough = waits.len() >= REPLY_ESTIMATE_MIN_DIALOGS;
        let median = crate::statistics::Durations::of(waits).p50_ms;
        Availability {
            online: self.away(now).is_none(),
            reply_in_s: median
                .filter(|_| enough)
                .map(|ms| u32::try_from(ms / 1000).unwrap_or(u32::MAX)),
        }
    }

    /// Why nobody can answer now, if so.
    pub fn away(&self, now: Millis) -> Option<Away> {
        if !self.open_now(now) {
            return Some(Away::OutsideHours);
        }
        let order = self.compute_queue_order();
        (!order.iter().any(|o| self.available(o, now))).then_some(Away::NobodyAtWork)
    }

    /// Tells the line's operators (and, through the adapter, the shared
    /// inbox) what `notice` writes for the dialog's client, once per
    /// dialog: only while the dialog is queued and `told` (the dialog's
    /// mark for this kind) is unset, which is then set (the only change
    /// stored). The cheap checks come first: this runs on client messages.
    fn tell_once(
        &mut self,
        now: Millis,
        dialog: &str,
        told: Told,
        notice: impl FnOnce(&Line, String) -> Option<Notice>,
        fx: &mut Fx,
    ) {
        let Some(away) = self.settings.away_notice.as_ref() else {
            return;
        };
        let inbox = away.mail_to.is_some();
        let client = match self.dialogs.get(dialog) {
            Some(d) if d.status == Status::Queued && told.at(d).is_none() => d.client.clone(),
            _ => return,
        };
        let Some(notice) = notice(self, client) else {
            return;
        };
        // Who hears: the line's operators (in the queue, directly or
        // through a department), not dismissed.
        let to: Vec<String> = self
            .compute_queue_order()
            .into_iter()
            .filter(|o| self.operators.get(o).is_some_and(|op| !op.dismissed))
            .collect();
        if to.is_empty() && !inbox {
            return;
        }
        if let Some(d) = self.touch(dialog) {
            told.mark(d, now);
        }
        fx.push(Effect::Notify { to, notice });
    }

    /// After a client's message: the first one nobody can answer is told.
    pub(super) fn tell_if_away(&mut self, now: Millis, dialog: &str, fx: &mut Fx) {
        let dialog_id = dialog.to_owned();
        let notice = |line: &Line, client| {
            line.away(now).map(|cause| Notice::ClientWaiting {
                dialog: dialog_id,
                client,
                cause,
            })
        };
        self.tell_once(now, dialog, Told::Waiting, notice, fx);
    }

    /// F4/H4: the client left contacts; told once per dialog while nobody
    /// holds it (a queued dialog: the busy or offline form).
    pub(super) fn contacts_left(
        &mut self,
        now: Millis,
        dialog: &str,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        if matches!(self.dialog_ref(dialog)?.status, Status::Finished { .. }) {
            return Err(LineError::DialogFinished(dialog.to_owned()));
        }
        let dialog_id = dialog.to_owned();
        let notice = |_: &Line, client| {
            Some(Notice::ContactsLeft {
                dialog: dialog_id,
                client,
            })
        };
        self.tell_once(now, dialog, Told::Contacts, notice, fx);
        Ok(())
    }
}
