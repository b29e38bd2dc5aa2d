//! Timers firing: pass-on (Q3), bot hand-off (B2), KPIs (K1), silence
//! (T3) and the final close (T2). Every handler is idempotent.

use super::*;

impl Line {
    /// Fires every timer due at `now`. Safe to call late or repeatedly: a
    /// timer fires once, and each handler re-checks the dialog's state.
    pub fn handle_timeout(&mut self, now: Millis) -> Fx {
        let mut fx = Vec::new();
        self.now = StepTime(now);
        for key in self.timers.take_due(now) {
            let Some(dialog) = key.dialog.clone() else {
                continue; // LineOpens: the drain below does the work.
            };
            if key.kind == TimerKind::ConsoleGone {
                self.console_gone(now, &dialog, &mut fx);
                continue;
            }
            let Some(d) = self.dialogs.get(&dialog) else {
                continue;
            };
            match key.kind {
                TimerKind::PassOn => match &d.status {
                    Status::Offered { to } => {
                        for operator in to.clone() {
                            fx.push(Effect::Revoke {
                                dialog: dialog.clone(),
                                operator,
                            });
                        }
                        self.route(now, &dialog, &mut fx);
                    }
                    // T1: taken but not answered in time.
                    Status::Active {
                        operator,
                        answered: false,
                        ..
                    } => {
                        let holder = operator.clone();
                        self.pass_on(now, &dialog, &holder, &mut fx);
                    }
                    _ => {}
                },
                TimerKind::BotHandoff => {
                    if matches!(d.status, Status::WithBot { .. }) {
                        self.enter_routing(now, &dialog, &mut fx);
                        // The client wrote to the bot; nobody may be there.
                        self.tell_if_away(now, &dialog, &mut fx);
                    }
                }
                TimerKind::FirstAnswerKpi => {
                    let live = !matches!(d.status, Status::Finished { .. });
                    if live && d.first_answer_at.is_none() {
                        self.kpi_missed(&dialog, KpiKind::FirstAnswer, &mut fx);
                    }
                }
                TimerKind::AnswerKpi => {
                    if matches!(
                        d.status,
                        Status::Active {
                            waiting_for: Party::Operator,
                            ..
                        }
                    ) {
                        self.kpi_missed(&dialog, KpiKind::Answer, &mut fx);
                    }
                }
                TimerKind::AutoClose => {
                    if let (
                        Status::Active {
                            operator,
                            waiting_for: Party::Client,
                            ..
                        },
                        Some(ac),
                    ) = (&d.status, &self.settings.auto_close)
                    {
                        let holder = operator.clone();
                        match ac.action {
                            SilenceAction::CloseWithMessage => {
                                let text = if ac.message.trim().is_empty() {
                                    self.settings.close_message.clone()
                                } else {
                                    ac.message.clone()
                                };
                                self.close(now, &dialog, text, &mut fx);
                            }
                            SilenceAction::CloseSilently => {
                                self.close_quietly(now, &dialog, &mut fx)
                            }
                            SilenceAction::ReturnToQueue => {
                                self.return_to_queue(now, &dialog, &holder, &mut fx)
                            }
                        }
                    }
                }
                TimerKind::FinalClose => {
                    if matches!(d.status, Status::AwaitingRating { .. }) {
                        self.finish(&dialog, &mut fx);
                    }
                }
                TimerKind::LineOpens | TimerKind::ConsoleGone => {}
            }
        }
        self.drain(now, &mut fx);
        self.check_index();
        fx
    }

    /// The grace after the last console closed ran out: offline (Q4), and
    /// Q7 takes offers and unanswered dialogs away.
    fn console_gone(&mut self, now: Millis, operator: &str, fx: &mut Fx) {
        if let Ok(op) = self.operator_mut(operator) {
            op.presence = Presence::Offline;
            self.release_if_unavailable(now, operator, fx);
        }
    }
}
