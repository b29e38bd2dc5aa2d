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
            let Some(d) = self.dialogs.get(&dialog) else {
                continue;
            };
            match key.kind {
                TimerKind::PassOn => {
                    if let Status::Offered { to } = &d.status {
                        for operator in to.clone() {
                            fx.push(Effect::Revoke {
                                dialog: dialog.clone(),
                                operator,
                            });
                        }
                        self.route(now, &dialog, &mut fx);
                    }
                }
                TimerKind::BotHandoff => {
                    if matches!(d.status, Status::WithBot { .. }) {
                        self.enter_routing(now, &dialog, &mut fx);
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
                            waiting_for: Party::Client,
                            ..
                        },
                        Some(ac),
                    ) = (&d.status, &self.settings.auto_close)
                    {
                        let text = ac.message.clone();
                        self.close(now, &dialog, text, &mut fx);
                    }
                }
                TimerKind::FinalClose => {
                    if matches!(d.status, Status::AwaitingRating { .. }) {
                        self.finish(&dialog, &mut fx);
                    }
                }
                TimerKind::LineOpens => {}
            }
        }
        self.drain(now, &mut fx);
        self.check_index();
        fx
    }
}
