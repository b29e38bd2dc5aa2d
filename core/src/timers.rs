//! The timer table of a line: every pending deadline under a key, so the
//! edge's single alarm waits for [`TimerTable::next_deadline`]. Taking a
//! due timer removes it, which makes firing twice (or late) harmless.

use crate::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// Q3: pass an unanswered offer to the next operator.
    PassOn,
    /// B2: the bot hands the dialog to the queue.
    BotHandoff,
    /// K1: first answer deadline.
    FirstAnswerKpi,
    /// K1: answer deadline for the client's latest message.
    AnswerKpi,
    /// T3: close after client silence.
    AutoClose,
    /// T2: stop waiting for the rating.
    FinalClose,
    /// H1: the line opens; drain the queue.
    LineOpens,
    /// Q4/Q7: an operator's last console closed (or went silent) and they
    /// have not come back: they are offline now.
    ConsoleGone,
}

/// A timer's identity: its kind and the dialog it concerns (none for
/// line-wide timers; the operator for [`TimerKind::ConsoleGone`]). Setting
/// a key again moves its deadline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimerKey {
    pub kind: TimerKind,
    pub dialog: Option<String>,
}

impl TimerKey {
    pub fn dialog(kind: TimerKind, dialog: &str) -> Self {
        TimerKey {
            kind,
            dialog: Some(dialog.to_owned()),
        }
    }
    pub fn line(kind: TimerKind) -> Self {
        TimerKey { kind, dialog: None }
    }
    /// [`TimerKind::ConsoleGone`] of one operator.
    pub fn console_gone(operator: &str) -> Self {
        TimerKey {
            kind: TimerKind::ConsoleGone,
            dialog: Some(operator.to_owned()),
        }
    }
}

/// Pending deadlines, indexed both by key and by time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(from = "Vec<(TimerKey, Millis)>", into = "Vec<(TimerKey, Millis)>")]
pub struct TimerTable {
    by_key: BTreeMap<TimerKey, Millis>,
    by_time: BTreeSet<(Millis, TimerKey)>,
    /// Keys set or cancelled since the adapter last stored the table, so
    /// it writes only those rows.
    changed: Marks<TimerKey>,
}

/// Storage bookkeeping: which entries changed since the last write. Two
/// machines in the same state are equal whatever their marks hold.
#[derive(Debug, Clone)]
pub(crate) struct Marks<T: Ord>(pub(crate) BTreeSet<T>);

impl<T: Ord> Default for Marks<T> {
    fn default() -> Self {
        Marks(BTreeSet::new())
    }
}

impl<T: Ord> PartialEq for Marks<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: Ord> Eq for Marks<T> {}

impl<T: Ord> Marks<T> {
    pub(crate) fn mark(&mut self, item: T) {
        self.0.insert(item);
    }
    pub(crate) fn take(&mut self) -> Vec<T> {
        std::mem::take(&mut self.0).into_iter().collect()
    }
}

impl From<Vec<(TimerKey, Millis)>> for TimerTable {
    fn from(entries: Vec<(TimerKey, Millis)>) -> Self {
        let mut t = TimerTable::default();
        for (k, at) in entries {
            t.set(k, at);
        }
        t.changed = Marks::default();
        t
    }
}

impl From<TimerTable> for Vec<(TimerKey, Millis)> {
    fn from(t: TimerTable) -> Self {
        t.by_key.into_iter().collect()
    }
}

impl TimerTable {
    /// Sets (or moves) a timer.
    pub fn set(&mut self, key: TimerKey, at: Millis) {
        match self.by_key.insert(key.clone(), at) {
            Some(old) if old == at => return,
            Some(old) => {
                self.by_time.remove(&(old, key.clone()));
            }
            None => {}
        }
        self.changed.mark(key.clone());
        self.by_time.insert((at, key));
    }

    /// Cancels a timer; cancelling a missing one is fine.
    pub fn cancel(&mut self, key: &TimerKey) {
        if let Some(at) = self.by_key.remove(key) {
            self.by_time.remove(&(at, key.clone()));
            self.changed.mark(key.clone());
        }
    }

    /// Cancels every timer of a dialog.
    pub fn cancel_dialog(&mut self, dialog: &str) {
        let keys: Vec<TimerKey> = self
            .by_key
            .keys()
            .filter(|k| k.dialog.as_deref() == Some(dialog))
            .cloned()
            .collect();
        for k in keys {
            self.cancel(&k);
        }
    }

    /// When the timer of this key is due, if it is pending.
    pub fn deadline(&self, key: &TimerKey) -> Option<Millis> {
        self.by_key.get(key).copied()
    }

    /// The earliest pending deadline: what the single alarm waits for.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.by_time.first().map(|(at, _)| *at)
    }

    /// Removes and returns the timers due at `now`, earliest first.
    pub fn take_due(&mut self, now: Millis) -> Vec<TimerKey> {
        let mut due = Vec::new();
        while let Some((at, _)) = self.by_time.first() {
            if *at > now {
                break;
            }
            if let Some((_, key)) = self.by_time.pop_first() {
                self.by_key.remove(&key);
                self.changed.mark(key.clone());
                due.push(key);
            }
        }
        due
    }

    /// The keys set, moved or removed since the last call, each with its
    /// deadline now (None: removed): the rows the adapter writes back.
    pub fn take_changed(&mut self) -> Vec<(TimerKey, Option<Millis>)> {
        self.changed
            .take()
            .into_iter()
            .map(|k| {
                let at = self.by_key.get(&k).copied();
                (k, at)
            })
            .collect()
    }

    /// Marks every pending timer as changed (a storage format migration
    /// writes them all).
    pub fn mark_all_changed(&mut self) {
        for k in self.by_key.keys() {
            self.changed.mark(k.clone());
        }
    }

    /// Every pending timer, for storage.
    pub fn entries(&self) -> impl Iterator<Item = (&TimerKey, Millis)> {
        self.by_key.iter().map(|(k, at)| (k, *at))
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_deadline_is_the_earliest_and_moves_when_a_timer_is_reset() {
        let mut t = TimerTable::default();
        t.set(TimerKey::dialog(TimerKind::PassOn, "a"), 50);
        t.set(TimerKey::dialog(TimerKind::PassOn, "b"), 20);
        assert_eq!(t.next_deadline(), Some(20));
        t.set(TimerKey::dialog(TimerKind::PassOn, "b"), 90);
        assert_eq!(t.next_deadline(), Some(50));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn taking_due_timers_removes_them_so_a_second_firing_finds_nothing() {
        let mut t = TimerTable::default();
        t.set(TimerKey::dialog(TimerKind::PassOn, "a"), 10);
        t.set(TimerKey::line(TimerKind::LineOpens), 30);
        assert_eq!(t.take_due(15).len(), 1);
        assert!(t.take_due(15).is_empty());
        assert_eq!(t.take_due(100).len(), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn the_table_round_trips_through_json() {
        let mut t = TimerTable::default();
        t.set(TimerKey::dialog(TimerKind::AutoClose, "d1"), 7);
        t.set(TimerKey::line(TimerKind::LineOpens), 9);
        let json = serde_json::to_string(&t).unwrap();
        let back: TimerTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.next_deadline(), Some(7));
    }
}
