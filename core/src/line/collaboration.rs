//! Operators working together on a dialog: transfer to a colleague or
//! another line (Q9).

use super::*;

impl Line {
    pub(super) fn transfer(
        &mut self,
        now: Millis,
        dialog: &str,
        by: &str,
        to: TransferTarget,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        let d = self.dialog_ref(dialog)?;
        let holder = match &d.status {
            Status::Active { operator, .. } => operator.clone(),
            _ => {
                return Err(LineError::NotAllowed {
                    dialog: dialog.to_owned(),
                    operator: by.to_owned(),
                })
            }
        };
        if holder != by {
            return Err(LineError::NotAllowed {
                dialog: dialog.to_owned(),
                operator: by.to_owned(),
            });
        }
        match to {
            TransferTarget::Operator(target) => {
                match self.operators.get(&target) {
                    Some(op) if !op.dismissed && target != holder => {}
                    _ => return Err(LineError::UnknownOperator(target)),
                }
                self.check_unclosed_limit(&target)?;
                let d = self.dialog_mut(dialog)?;
                d.tried = vec![holder, target.clone()];
                d.waiting_since = now;
                if let Some(op) = self.operators.get_mut(&target) {
                    op.last_offered_at = Some(now);
                    self.changed.operators.mark(target.clone());
                    self.index.update(|ix| ix.offered_at(&target, now));
                }
                fx.push(Effect::Offer {
                    dialog: dialog.to_owned(),
                    operator: target.clone(),
                });
                self.set_status(dialog, Status::Offered { to: vec![target] }, fx);
                self.timers.set(
                    TimerKey::dialog(TimerKind::PassOn, dialog),
                    now + self.settings.pass_after_ms,
                );
            }
            TransferTarget::Line(line) => {
                self.timers.cancel_dialog(dialog);
                fx.push(Effect::TransferToLine {
                    dialog: dialog.to_owned(),
                    line,
                });
                self.set_status(dialog, Status::Finished { operator: None }, fx);
            }
        }
        Ok(())
    }
}
