//! The line's live figures (`GET /api/v1/figures`): the core counts its
//! dialogs and operators; this adds the sockets and the storage schema.

use super::*;
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
}
