//! Issue 11.3 read receipts: each side's mark ("seen up to here"), kept in
//! the operators' numbering and told to the other side in theirs. The rule
//! (a mark only moves forward, never past the last message) is the core's
//! `read_advances`; here it is stored and translated.

use super::{DialogObject, View};
use crate::api::internal;
use crate::calls::Relay;
use crate::sql::{rows, run};
use openline_core::conversation::read_advances;
use openline_core::protocol::frames::VisitorEvent;
use openline_core::ProtocolError;
use serde::Deserialize;
use worker::SqlStorageValue as V;

#[derive(Deserialize)]
struct Marks {
    visitor_read: i64,
    operator_read: i64,
}

#[derive(Deserialize)]
struct Number {
    n: Option<i64>,
}

/// Whose mark moves.
#[derive(Clone, Copy)]
enum Side {
    Visitor,
    Operators,
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl DialogObject {
    /// Both marks: (the visitor's, the operators'), operators' numbering.
    fn marks(&self) -> Result<(u64, u64), ProtocolError> {
        let m: Vec<Marks> = rows(
            &self.sql(),
            "SELECT visitor_read, operator_read FROM dialog WHERE id = 1",
            vec![],
        )?;
        Ok(m.first().map_or((0, 0), |m| {
            (unsigned(m.visitor_read), unsigned(m.operator_read))
        }))
    }

    fn number(&self, query: &str, arg: u64) -> Result<u64, ProtocolError> {
        // A number past any message (a client's nonsense) is the end.
        let arg = i64::try_from(arg).unwrap_or(i64::MAX);
        let r: Vec<Number> = rows(&self.sql(), query, vec![V::from(arg)])?;
        Ok(r.first().and_then(|r| r.n).map_or(0, unsigned))
    }

    /// The visitor's number of the last visible message up to `seq`.
    fn shown_upto(&self, seq: u64) -> Result<u64, ProtocolError> {
        self.number(
            "SELECT MAX(shown) AS n FROM messages WHERE seq <= ? AND shown IS NOT NULL",
            seq,
        )
    }

    /// Moves `side`'s mark to `claimed` if the core's rule lets it,
    /// storing it: (the mark before, the new mark).
    fn advance(&self, side: Side, claimed: u64) -> Result<Option<(u64, u64)>, ProtocolError> {
        let last = unsigned(self.tail()?.seq);
        let (visitor, operators) = self.marks()?;
        let (stored, column) = match side {
            Side::Visitor => (visitor, "visitor_read"),
            Side::Operators => (operators, "operator_read"),
        };
        let Some(mark) = read_advances(stored, claimed, last) else {
            return Ok(None);
        };
        run(
            &self.sql(),
            &format!("UPDATE dialog SET {column} = ? WHERE id = 1"),
            vec![V::from(i64::try_from(mark).map_err(internal)?)],
        )?;
        Ok(Some((stored, mark)))
    }

    /// The other side's mark for a history read, in its reader's numbering.
    pub(super) fn seen_by_other_side(&self, view: View) -> Result<u64, ProtocolError> {
        let (visitor, operators) = self.marks()?;
        match view {
            View::Operator => Ok(visitor),
            View::Visitor => self.shown_upto(operators),
        }
    }

    /// The visitor has seen up to their message `shown`: the mark moves
    /// (and the line tells the dialog's operators) only if it advances.
    pub(super) async fn visitor_read(&self, shown: u64) -> Result<(), ProtocolError> {
        let seq = self.number(
            "SELECT seq AS n FROM messages WHERE shown <= ? ORDER BY shown DESC LIMIT 1",
            shown,
        )?;
        let Some((_, mark)) = self.advance(Side::Visitor, seq)? else {
            return Ok(());
        };
        self.relay(Relay {
            read: Some(mark),
            ..Relay::default()
        })
        .await
    }

    /// An operator of the dialog has seen up to `seq`: the visitor's open
    /// widgets hear it in their numbering, if the mark advances.
    pub(super) fn operator_read(&self, seq: u64) -> Result<(), ProtocolError> {
        let Some((before, mark)) = self.advance(Side::Operators, seq)? else {
            return Ok(());
        };
        // Told only when the visitor's own number moves: a mark moved by a
        // hidden note alone must not show that one was written.
        let seq = self.shown_upto(mark)?;
        if seq > self.shown_upto(before)? {
            for ws in self.state.get_websockets_with_tag("visitor") {
                let _ = ws.send(&VisitorEvent::Read { seq });
            }
        }
        Ok(())
    }
}
