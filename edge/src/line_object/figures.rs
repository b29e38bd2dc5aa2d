//! The line's live figures (`GET /api/v1/figures`): the core counts its
//! dialogs and operators; this adds the sockets and the storage schema.

use super::*;
use openline_core::line::{Availability, REPLY_ESTIMATE_WINDOW_MS};
use openline_core::replies::LineFigures;

impl LineObject {
    pub(super) fn figures(&self) -> std::result::Result<LineFigures, ProtocolError> {
        self.load()?;
        let guard = self.line.borrow();
        let (id, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        let mut f = line.figures(id);
        f.consoles = u32::try_from(self.state.get_websockets().len()).unwrap_or(u32::MAX);
        f.schema = migrations::last_step(&self.sql());
        Ok(f)
    }

    /// Issue 11.1: [`Availability`] now, the reply estimate from the live
    /// dialogs and those archived within its window.
    pub(super) fn availability(&self) -> std::result::Result<Availability, ProtocolError> {
        self.load()?;
        let now = clock::core_now(&self.env);
        let archived = self.archived_where(
            "WHERE opened_at >= ?",
            vec![V::from(now - REPLY_ESTIMATE_WINDOW_MS)],
        )?;
        let guard = self.line.borrow();
        let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
        Ok(line.availability(now, line.dialogs().chain(archived.iter())))
    }
}
