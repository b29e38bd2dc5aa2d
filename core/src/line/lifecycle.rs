//! A dialog's life once offered: accepting, answering, the client's turn,
//! closing (T4), rating (R1–R3), KPI notices (K1, K2), and status changes.

use super::*;

impl Line {
    pub(super) fn accept(
        &mut self,
        now: Millis,
        dialog: &str,
        operator: &str,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        if !self.settings.active {
            return Err(LineError::LineInactive);
        }
        if !self.operators.contains_key(operator) {
            return Err(LineError::UnknownOperator(operator.to_owned()));
        }
        let d = self.dialog_ref(dialog)?;
        let offered_to = match &d.status {
            Status::Offered { to } if to.iter().any(|o| o == operator) => to.clone(),
            // An operator of the queue may pick a waiting dialog themselves,
            // or take one over from the bot (B2: the bot leaves).
            Status::Queued | Status::WithBot { .. } if self.index().in_queue(operator) => {
                Vec::new()
            }
            Status::Finished { .. } => return Err(LineError::DialogFinished(dialog.to_owned())),
            _ => {
                return Err(LineError::NotAllowed {
                    dialog: dialog.to_owned(),
                    operator: operator.to_owned(),
                })
            }
        };
        let from_bot = matches!(d.status, Status::WithBot { .. });
        // Taken over from the bot: the wait for a person starts (and ends)
        // now, and K1's first answer is counted from here, as after a
        // hand-over.
        let waiting_since = if from_bot { now } else { d.waiting_since };
        let client = d.client.clone();
        self.check_unclosed_limit(operator)?;
        if from_bot {
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::BotHandoff, dialog));
            self.start_first_answer_kpi(now, dialog);
            if let Some(d) = self.touch(dialog) {
                d.waiting_since = now;
            }
        }
        for o in offered_to.into_iter().filter(|o| o != operator) {
            fx.push(Effect::Revoke {
                dialog: dialog.to_owned(),
                operator: o,
            });
        }
        // T1: taking a dialog is not answering it. The one who takes it has
        // a whole pass-on time (Q3) to answer, or it passes on.
        if let Some(d) = self.touch(dialog) {
            if !d.tried.iter().any(|o| o == operator) {
                d.tried.push(operator.to_owned());
            }
            d.accepted_at.get_or_insert(now);
        }
        self.timers.set(
            TimerKey::dialog(TimerKind::PassOn, dialog),
            now + self.settings.pass_after_ms,
        );
        let waited = now - waiting_since;
        self.recent_waits.push(waited.max(0));
        self.changed.head.0 = true;
        if self.recent_waits.len() > WAIT_SAMPLES {
            self.recent_waits.remove(0);
        }
        self.set_status(
            dialog,
            Status::Active {
                operator: operator.to_owned(),
                answered: false,
                waiting_for: Party::Operator,
            },
            fx,
        );
        fx.push(Effect::Assigned {
            dialog: dialog.to_owned(),
            operator: operator.to_owned(),
        });
        if let Some(c) = self.clients.get_mut(&client) {
            c.last_operator = Some(operator.to_owned());
            self.changed.clients.mark(client.clone());
        }
        if let Some(limit) = self.settings.unclosed_limit {
            let unclosed = self.unclosed(operator);
            let notice = if unclosed >= limit as usize {
                Some(Notice::UnclosedLimitReached {
                    operator: operator.to_owned(),
                    limit,
                })
            } else if limit >= 2 && unclosed + 1 == limit as usize {
                // Warned one dialog before the limit stops them.
                Some(Notice::UnclosedLimitNear {
                    operator: operator.to_owned(),
                    unclosed: unclosed as u32,
                    limit,
                })
            } else {
                None
            };
            if let Some(notice) = notice {
                fx.push(Effect::Notify {
                    to: vec![operator.to_owned()],
                    notice,
                });
            }
        }
        Ok(())
    }

    pub(super) fn operator_message(
        &mut self,
        now: Millis,
        dialog: &str,
        operator: &str,
        hidden: bool,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        let d = self.dialog_ref(dialog)?;
        let dismissed = self.operators.get(operator).is_some_and(|o| o.dismissed);
        if dismissed || !d.involves(operator) {
            return Err(LineError::NotAllowed {
                dialog: dialog.to_owned(),
                operator: operator.to_owned(),
            });
        }
        if hidden {
            return Ok(()); // Q11: colleagues only; nothing changes for the client.
        }
        if !self.settings.active {
            return Err(LineError::LineInactive);
        }
        if let Status::Finished { .. } = d.status {
            return Err(LineError::DialogFinished(dialog.to_owned()));
        }
        if matches!(d.status, Status::Offered { .. }) {
            self.accept(now, dialog, operator, fx)?;
        }
        let d = self.dialog_mut(dialog)?;
        if let Status::Active {
            operator: owner, ..
        } = &d.status
        {
            let owner = owner.clone();
            let old = std::mem::replace(
                &mut d.status,
                Status::Active {
                    operator: owner,
                    answered: true,
                    waiting_for: Party::Client,
                },
            );
            let new = d.status.clone();
            d.first_answer_at.get_or_insert(now);
            if let Some(since) = d.awaiting_answer_since.take() {
                if d.answer_waits.len() < MAX_ANSWER_WAITS {
                    d.answer_waits.push((now - since).max(0));
                }
            }
            self.index.update(|ix| ix.status_changed(&old, &new));
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::PassOn, dialog));
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::FirstAnswerKpi, dialog));
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::AnswerKpi, dialog));
            if let Some(ac) = &self.settings.auto_close {
                self.timers.set(
                    TimerKey::dialog(TimerKind::AutoClose, dialog),
                    now + ac.after_ms,
                );
            }
        }
        Ok(())
    }

    pub(super) fn client_message(
        &mut self,
        now: Millis,
        dialog: &str,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        let answer_kpi = self.settings.answer_kpi.clone();
        let d = self.dialog_mut(dialog)?;
        match d.status.clone() {
            Status::Finished { .. } => return Err(LineError::DialogFinished(dialog.to_owned())),
            Status::AwaitingRating { operator } => {
                let new = Status::Active {
                    operator,
                    answered: true,
                    waiting_for: Party::Operator,
                };
                let old = std::mem::replace(&mut d.status, new.clone());
                self.index.update(|ix| ix.status_changed(&old, &new));
                self.timers
                    .cancel(&TimerKey::dialog(TimerKind::FinalClose, dialog));
                fx.push(Effect::ToClient {
                    dialog: dialog.to_owned(),
                    notice: ClientNotice::Reopened,
                });
                fx.push(Effect::StatusChanged {
                    dialog: dialog.to_owned(),
                    status: DialogState::Active,
                });
            }
            Status::Active {
                operator, answered, ..
            } => {
                let new = Status::Active {
                    operator,
                    answered,
                    waiting_for: Party::Operator,
                };
                let old = std::mem::replace(&mut d.status, new.clone());
                self.index.update(|ix| ix.status_changed(&old, &new));
                self.timers
                    .cancel(&TimerKey::dialog(TimerKind::AutoClose, dialog));
            }
            _ => {}
        }
        let d = self.dialog_mut(dialog)?;
        if d.awaiting_answer_since.is_none() && !matches!(d.status, Status::WithBot { .. }) {
            d.awaiting_answer_since = Some(now);
            let answered_before = d.first_answer_at.is_some();
            if let (Some(kpi), true) = (answer_kpi, answered_before) {
                self.timers.set(
                    TimerKey::dialog(TimerKind::AnswerKpi, dialog),
                    now + kpi.within_ms,
                );
            }
        }
        Ok(())
    }

    /// T4 (or T3 with its own text): tell the client, ask for a rating, and
    /// wait for it (T2) or finish.
    pub(super) fn close(&mut self, now: Millis, dialog: &str, text: String, fx: &mut Fx) {
        self.close_with(now, dialog, Some(text), fx);
    }

    /// T3 "close silently": as [`Line::close`] without the closing message.
    pub(super) fn close_quietly(&mut self, now: Millis, dialog: &str, fx: &mut Fx) {
        self.close_with(now, dialog, None, fx);
    }

    /// T3 "return to the queue": the silent client's dialog leaves its
    /// operator (whose slot frees) and is routed again from the start of a
    /// round, to someone else or to the queue; the client is told nothing.
    pub(super) fn return_to_queue(&mut self, now: Millis, dialog: &str, holder: &str, fx: &mut Fx) {
        self.timers.cancel_dialog(dialog);
        fx.push(Effect::Revoke {
            dialog: dialog.to_owned(),
            operator: holder.to_owned(),
        });
        if let Some(d) = self.touch(dialog) {
            d.waiting_since = now;
            d.tried.clear();
        }
        self.route_past(now, dialog, holder, fx);
    }

    fn close_with(&mut self, now: Millis, dialog: &str, text: Option<String>, fx: &mut Fx) {
        let Some(owner) = self
            .dialogs
            .get(dialog)
            .and_then(|d| d.status.owner().map(str::to_owned))
        else {
            return;
        };
        self.timers.cancel_dialog(dialog);
        if let Some(text) = text {
            fx.push(Effect::ToClient {
                dialog: dialog.to_owned(),
                notice: ClientNotice::Closed { text },
            });
        }
        if self.settings.ask_rating {
            fx.push(Effect::ToClient {
                dialog: dialog.to_owned(),
                notice: ClientNotice::RatingRequest,
            });
        }
        if self.settings.ask_rating && self.settings.rating_wait_ms > 0 {
            self.set_status(dialog, Status::AwaitingRating { operator: owner }, fx);
            self.timers.set(
                TimerKey::dialog(TimerKind::FinalClose, dialog),
                now + self.settings.rating_wait_ms,
            );
        } else {
            self.finish(dialog, fx);
        }
    }

    pub(super) fn finish(&mut self, dialog: &str, fx: &mut Fx) {
        self.timers.cancel_dialog(dialog);
        let owner = self
            .dialogs
            .get(dialog)
            .and_then(|d| d.status.owner().map(str::to_owned));
        self.set_status(dialog, Status::Finished { operator: owner }, fx);
    }

    pub(super) fn client_rating(
        &mut self,
        now: Millis,
        dialog: &str,
        score: u8,
        comment: Option<String>,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        check_score(score)?;
        let rating = Rating {
            score,
            comment: rating_comment(comment),
            at: now,
        };
        let close_on_rating = self.settings.close_on_rating;
        let reopen_late = self.settings.rating_wait_ms == 0 && !close_on_rating;
        let d = self.dialog_mut(dialog)?;
        d.client_rating = Some(rating.clone());
        let status = d.status.clone();
        fx.push(Effect::Rated {
            dialog: dialog.to_owned(),
            by: None,
            rating,
        });
        match status {
            Status::AwaitingRating { .. } if close_on_rating => self.finish(dialog, fx),
            Status::Finished {
                operator: Some(operator),
            } if reopen_late => {
                // T2 = 0: a rating after the close reopens the session.
                self.set_status(
                    dialog,
                    Status::Active {
                        operator,
                        answered: true,
                        waiting_for: Party::Operator,
                    },
                    fx,
                );
                fx.push(Effect::ToClient {
                    dialog: dialog.to_owned(),
                    notice: ClientNotice::Reopened,
                });
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn kpi_missed(&mut self, dialog: &str, kpi: KpiKind, fx: &mut Fx) {
        let setting = match kpi {
            KpiKind::FirstAnswer => &self.settings.first_answer_kpi,
            KpiKind::Answer => &self.settings.answer_kpi,
        };
        let Some(setting) = setting else { return };
        let notify = setting.notify.clone();
        let operator = self.dialogs.get(dialog).and_then(|d| match &d.status {
            Status::Offered { to } => to.first().cloned(),
            s => s.owner().map(str::to_owned),
        });
        // K3: the list marks the miss whether or not anyone is notified.
        if let Some(d) = self.touch(dialog) {
            if !d.kpi_missed.contains(&kpi) {
                d.kpi_missed.push(kpi);
                fx.push(Effect::KpiMissed {
                    dialog: dialog.to_owned(),
                    kpi,
                    operator: operator.clone(),
                });
            }
        }
        if notify.is_empty() {
            return;
        }
        fx.push(Effect::Notify {
            to: notify,
            notice: Notice::KpiMissed {
                dialog: dialog.to_owned(),
                kpi,
                operator,
            },
        });
    }

    pub(super) fn set_status(&mut self, dialog: &str, status: Status, fx: &mut Fx) {
        if self.dialogs.contains_key(dialog) {
            self.changed.dialogs.mark(dialog.to_owned());
        }
        if let Some(d) = self.dialogs.get_mut(dialog) {
            let name = status.state();
            let changed = d.status.state() != name;
            if status == Status::Queued && d.status != Status::Queued {
                d.waiting_since = d.waiting_since.max(d.opened_at);
            }
            if matches!(status, Status::Finished { .. }) {
                self.live.remove(dialog);
                d.finished_at = Some(self.now.0);
            } else {
                self.live.insert(dialog.to_owned());
            }
            let old = std::mem::replace(&mut d.status, status);
            let new = &d.status;
            self.index.update(|ix| ix.status_changed(&old, new));
            if changed {
                fx.push(Effect::StatusChanged {
                    dialog: dialog.to_owned(),
                    status: name,
                });
            }
        }
    }
}

pub(super) fn check_score(score: u8) -> Result<(), LineError> {
    if (1..=5).contains(&score) {
        Ok(())
    } else {
        Err(LineError::InvalidRating)
    }
}

/// Longest rating comment kept (R1, R2), in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 2000;

/// A rating comment as stored, the same on every path (HTTP, socket,
/// supervisor): trimmed, at most [`MAX_RATING_COMMENT_CHARS`], none when
/// empty.
pub fn rating_comment(comment: Option<String>) -> Option<String> {
    comment
        .map(|c| {
            c.trim()
                .chars()
                .take(MAX_RATING_COMMENT_CHARS)
                .collect::<String>()
        })
        .filter(|c| !c.is_empty())
}
