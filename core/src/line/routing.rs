//! Where a dialog goes: opening, offering per the distribution mode (Q2,
//! Q3, Q7, Q8), the queue (L2, H1) and its estimate.

use super::*;

impl Line {
    /// Queue position of a waiting dialog and its estimated wait.
    pub fn queue_info(&self, dialog: &str) -> Option<QueueInfo> {
        let queued = self.queued_oldest_first();
        let position = queued.iter().position(|d| *d == dialog)? + 1;
        let estimate_ms = if self.recent_waits.is_empty() {
            None
        } else {
            let avg = self.recent_waits.iter().sum::<Millis>() / self.recent_waits.len() as Millis;
            Some(avg * position as Millis)
        };
        Some(QueueInfo {
            position,
            estimate_ms,
        })
    }

    pub(super) fn open(
        &mut self,
        now: Millis,
        dialog: String,
        client: String,
        channel: crate::channels::ChannelKind,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        if self.dialogs.contains_key(&dialog) {
            return Err(LineError::DialogExists(dialog));
        }
        self.changed.clients.mark(client.clone());
        let record = self.clients.entry(client.clone()).or_default();
        let returning = record.dialogs > 0;
        let previous_operator = record.last_operator.clone();
        record.dialogs += 1;
        record.last_dialog = Some(dialog.clone());
        self.changed.dialogs.mark(dialog.clone());
        self.dialogs.insert(
            dialog.clone(),
            Dialog {
                id: dialog.clone(),
                client,
                opened_at: now,
                status: Status::Queued,
                invited: Vec::new(),
                tried: Vec::new(),
                waiting_since: now,
                previous_operator,
                first_answer_at: None,
                awaiting_answer_since: None,
                client_rating: None,
                supervisor_rating: None,
                finished_at: None,
                kpi_missed: Vec::new(),
                accepted_at: None,
                answer_waits: Vec::new(),
                told_away: None,
                told_contacts: None,
                channel,
            },
        );
        self.live.insert(dialog.clone());
        if let Some(d) = self.dialogs.get(&dialog) {
            fx.push(Effect::Opened {
                dialog: dialog.clone(),
                client: d.client.clone(),
            });
        }
        fx.push(Effect::StatusChanged {
            dialog: dialog.clone(),
            status: DialogState::Queued,
        });
        match self.settings.bot.clone() {
            Some(bot) if !(bot.first_dialog_only && returning) => {
                self.set_status(
                    &dialog,
                    Status::WithBot {
                        bot: bot.bot.clone(),
                    },
                    fx,
                );
                fx.push(Effect::BotTakes {
                    dialog: dialog.clone(),
                    bot: bot.bot,
                });
                self.timers.set(
                    TimerKey::dialog(TimerKind::BotHandoff, &dialog),
                    now + bot.handoff_after_ms,
                );
            }
            _ => self.enter_routing(now, &dialog, fx),
        }
        Ok(())
    }

    /// The dialog reaches the operators: K1 starts, routing begins.
    pub(super) fn enter_routing(&mut self, now: Millis, dialog: &str, fx: &mut Fx) {
        self.start_first_answer_kpi(now, dialog);
        if let Some(d) = self.touch(dialog) {
            d.waiting_since = now;
            d.tried.clear();
        }
        self.route(now, dialog, fx);
    }

    /// K1: the first answer is due within the line's time from now (the
    /// dialog reached the operators: routed, or taken over from the bot).
    pub(super) fn start_first_answer_kpi(&mut self, now: Millis, dialog: &str) {
        if let Some(kpi) = &self.settings.first_answer_kpi {
            self.timers.set(
                TimerKey::dialog(TimerKind::FirstAnswerKpi, dialog),
                now + kpi.within_ms,
            );
        }
    }

    /// Offers the dialog per the mode, or queues it (Q2, Q7, Q8, L2, H1).
    /// Whether it was offered (false: queued, because nobody eligible).
    pub(super) fn route(&mut self, now: Millis, dialog: &str, fx: &mut Fx) -> bool {
        let targets = self.pick(now, dialog, None);
        self.place(now, dialog, targets, fx)
    }

    /// Routes the dialog to anyone but `holder`, or queues it.
    pub(super) fn route_past(
        &mut self,
        now: Millis,
        dialog: &str,
        holder: &str,
        fx: &mut Fx,
    ) -> bool {
        let targets = self.pick(now, dialog, Some(holder));
        self.place(now, dialog, targets, fx)
    }

    /// Offers the dialog to `targets` (a pick), or queues it when there
    /// are none; a new offer round gets its pass-on timer.
    fn place(
        &mut self,
        now: Millis,
        dialog: &str,
        targets: Option<Vec<String>>,
        fx: &mut Fx,
    ) -> bool {
        self.timers
            .cancel(&TimerKey::dialog(TimerKind::PassOn, dialog));
        let Some(targets) = targets else {
            if self.dialogs.get(dialog).map(|d| &d.status) != Some(&Status::Queued) {
                self.set_status(dialog, Status::Queued, fx);
            }
            return false;
        };
        let Some(d) = self.touch(dialog) else {
            return false;
        };
        let new: Vec<String> = targets
            .iter()
            .filter(|t| !d.tried.contains(t))
            .cloned()
            .collect();
        d.tried.extend(new);
        for t in &targets {
            if let Some(op) = self.operators.get_mut(t) {
                op.last_offered_at = Some(now);
                self.changed.operators.mark(t.clone());
                self.index.update(|ix| ix.offered_at(t, now));
            }
            fx.push(Effect::Offer {
                dialog: dialog.to_owned(),
                operator: t.clone(),
            });
        }
        self.set_status(dialog, Status::Offered { to: targets }, fx);
        self.timers.set(
            TimerKey::dialog(TimerKind::PassOn, dialog),
            now + self.settings.pass_after_ms,
        );
        true
    }

    /// Whom to offer the dialog to now, or None to queue it. Looks at the
    /// candidates in the mode's order (the routing index) and stops at the
    /// first eligible one, so a decision costs a few checks, not one per
    /// operator.
    pub(super) fn pick(
        &mut self,
        now: Millis,
        dialog: &str,
        past: Option<&str>,
    ) -> Option<Vec<String>> {
        if !self.settings.active {
            return None; // L2: queued, nobody can answer.
        }
        if !self.open_now(now) {
            if let Some(at) = self.next_opening(now) {
                self.timers.set(TimerKey::line(TimerKind::LineOpens), at);
            }
            return None;
        }
        let d = self.dialogs.get(dialog)?;
        let ix = self.index();
        let eligible = |o: &str| Some(o) != past && self.eligible_with(o, now, &ix.load(o));
        if self.settings.mode == DistributionMode::AllAtOnce {
            let all = ix.order.iter().filter(|o| eligible(o));
            // Passing on (T1): to everyone not offered it yet, or everyone
            // again when all were.
            let fresh: Vec<String> = all
                .clone()
                .filter(|o| past.is_none() || !d.tried.contains(o))
                .cloned()
                .collect();
            let chosen = if fresh.is_empty() {
                all.cloned().collect()
            } else {
                fresh
            };
            return (!chosen.is_empty()).then_some(chosen);
        }
        // Q8: a returning client's first offer goes to their operator if eligible.
        if self.settings.return_to_previous_operator && d.tried.is_empty() {
            if let Some(prev) = &d.previous_operator {
                if ix.in_queue(prev) && eligible(prev) {
                    return Some(vec![prev.clone()]);
                }
            }
        }
        let tried = |o: &str| d.tried.iter().any(|t| t == o);
        let first = |fresh_only: bool| -> Option<String> {
            let ok = |o: &str| !(fresh_only && tried(o)) && eligible(o);
            match self.settings.mode {
                DistributionMode::StrictOrder => ix.order.iter().find(|o| ok(o)).cloned(),
                _ => ix
                    .evenly
                    .iter()
                    .map(|(_, _, position)| ix.at(*position))
                    .find(|o| ok(o))
                    .map(str::to_owned),
            }
        };
        // T1/Q7: when everyone eligible was tried, a new round starts from
        // the top; so does one where nobody eligible was tried yet.
        let (chosen, all_tried) = match first(true) {
            Some(o) => (o, false),
            None => (first(false)?, true),
        };
        let none_tried = !d.tried.iter().any(|o| ix.in_queue(o) && eligible(o));
        let new_round = !d.tried.is_empty() && (all_tried || none_tried);
        drop(ix);
        if new_round {
            if let Some(d) = self.touch(dialog) {
                d.tried.clear();
            }
        }
        Some(vec![chosen])
    }

    /// Offers queued dialogs, oldest first, while operators are eligible.
    /// Whom a dialog may go to does not depend on the dialog (only Q8 and
    /// the round do, among those eligible), so once one cannot be offered
    /// the rest wait too.
    pub(super) fn drain(&mut self, now: Millis, fx: &mut Fx) {
        for dialog in self.queued_oldest_first() {
            if !self.route(now, &dialog, fx) {
                break;
            }
        }
    }

    pub(super) fn queued_oldest_first(&self) -> Vec<String> {
        let mut q: Vec<(&Millis, &String)> = self
            .live
            .iter()
            .filter_map(|id| self.dialogs.get(id))
            .filter(|d| d.status == Status::Queued)
            .map(|d| (&d.waiting_since, &d.id))
            .collect();
        crate::order::sort(&mut q);
        q.into_iter().map(|(_, id)| id.clone()).collect()
    }

    pub(super) fn withdraw_offers_of(&mut self, operator: &str, now: Millis, fx: &mut Fx) {
        let offered: Vec<String> = self
            .live
            .iter()
            .filter_map(|id| self.dialogs.get(id))
            .filter(
                |d| matches!(&d.status, Status::Offered { to } if to.iter().any(|o| o == operator)),
            )
            .map(|d| d.id.clone())
            .collect();
        for dialog in offered {
            if let Some(Status::Offered { to }) =
                self.dialogs.get(&dialog).map(|d| d.status.clone())
            {
                for o in to {
                    fx.push(Effect::Revoke {
                        dialog: dialog.clone(),
                        operator: o,
                    });
                }
            }
            self.route(now, &dialog, fx);
        }
    }

    /// Q7: an operator who is no longer available (offline, away, the
    /// working day ended, dismissed, on vacation) loses their offers and
    /// the dialogs they hold unanswered, at once; answered dialogs stay
    /// theirs.
    pub(super) fn release_if_unavailable(&mut self, now: Millis, operator: &str, fx: &mut Fx) {
        if self.available(operator, now) {
            return;
        }
        self.withdraw_offers_of(operator, now, fx);
        let held: Vec<String> = self
            .live
            .iter()
            .filter_map(|id| self.dialogs.get(id))
            .filter(|d| {
                matches!(&d.status, Status::Active { operator: o, answered: false, .. } if o == operator)
            })
            .map(|d| d.id.clone())
            .collect();
        for dialog in held {
            self.pass_on(now, &dialog, operator, fx);
        }
    }

    /// T1/Q7: the dialog its holder has not answered goes to the next
    /// eligible operator, or back to the queue when the holder is gone and
    /// nobody else can take it. A holder still available keeps it when
    /// nobody else can, and is looked at again after another pass-on time.
    pub(super) fn pass_on(&mut self, now: Millis, dialog: &str, holder: &str, fx: &mut Fx) {
        let targets = self.pick(now, dialog, Some(holder));
        if targets.is_none() && self.available(holder, now) {
            self.timers.set(
                TimerKey::dialog(TimerKind::PassOn, dialog),
                now + self.settings.pass_after_ms,
            );
            return;
        }
        fx.push(Effect::Revoke {
            dialog: dialog.to_owned(),
            operator: holder.to_owned(),
        });
        fx.push(Effect::Notify {
            to: vec![holder.to_owned()],
            notice: Notice::PassedOn {
                dialog: dialog.to_owned(),
                operator: holder.to_owned(),
            },
        });
        self.place(now, dialog, targets, fx);
    }
}
