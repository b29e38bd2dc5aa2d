//! The line's live figures for whoever runs the deployment (`GET
//! /api/v1/figures`): dialogs not finished, by state, and operators online.

use super::*;
use crate::replies::LineFigures;

impl Line {
    /// Counts over the live dialogs and the roster; the adapter adds what
    /// only it knows (sockets, storage schema).
    pub fn figures(&self, line: &str) -> LineFigures {
        let mut f = LineFigures {
            line: line.to_owned(),
            ..LineFigures::default()
        };
        for d in self.live.iter().filter_map(|id| self.dialogs.get(id)) {
            let n = match d.status {
                Status::WithBot { .. } => &mut f.with_bot,
                Status::Queued => &mut f.queued,
                Status::Offered { .. } => &mut f.offered,
                Status::Active { .. } => &mut f.active,
                Status::AwaitingRating { .. } => &mut f.awaiting_rating,
                Status::Finished { .. } => continue,
            };
            *n += 1;
        }
        f.operators_online = self
            .operators
            .values()
            .filter(|o| o.presence == Presence::Online)
            .count()
            .try_into()
            .unwrap_or(u32::MAX);
        f
    }
}
