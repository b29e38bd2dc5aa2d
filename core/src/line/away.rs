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
