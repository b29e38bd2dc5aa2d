//! The routing index: each operator's load and the "evenly" order, kept up
//! to date with every status change, so a routing decision looks at the
//! first few candidates instead of counting every live dialog for every
//! operator (Q2, Q5, Q12).

use super::{Party, Status};
use crate::operator::Operator;
use crate::settings::LimitExclusion;
use crate::Millis;
use std::cell::{Ref, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One operator's open dialogs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Load {
    pub offered: usize,
    pub unanswered: usize,
    pub answered_waiting_client: usize,
    pub answered_waiting_operator: usize,
}

impl Load {
    /// Q5: what counts under `exclude`; pending offers always count, so
    /// all-at-once cannot overload anyone.
    pub fn counted(&self, exclude: LimitExclusion) -> usize {
        self.offered
            + self.unanswered
            + match exclude {
                LimitExclusion::Answered => 0,
                LimitExclusion::WaitingForClient => self.answered_waiting_operator,
                LimitExclusion::Closed => {
                    self.answered_waiting_operator + self.answered_waiting_client
                }
            }
    }
    /// Q12: held and not closed.
    pub fn unclosed(&self) -> usize {
        self.unanswered + self.answered_waiting_client + self.answered_waiting_operator
    }
}

/// Which part of an operator's load a dialog in this status is.
#[derive(Clone, Copy)]
enum Part {
    Offered,
    Unanswered,
    WaitingClient,
    WaitingOperator,
}

fn parts(status: &Status) -> Vec<(&str, Part)> {
    match status {
        Status::Offered { to } => to.iter().map(|o| (o.as_str(), Part::Offered)).collect(),
        Status::Active {
            operator,
            answered,
            waiting_for,
        } => {
            let part = match (answered, waiting_for) {
                (false, _) => Part::Unanswered,
                (true, Party::Client) => Part::WaitingClient,
                (true, Party::Operator) => Part::WaitingOperator,
            };
            vec![(operator.as_str(), part)]
        }
        _ => Vec::new(),
    }
}

/// An operator's place in the evenly order: least loaded (every held
/// dialog counted), then least recently offered, then queue position.
type EvenlyKey = (usize, Millis, usize);

/// Loads and orders derived from the line's dialogs and settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RoutingIndex {
    /// The queue's operators in order, departments expanded, once each.
    pub order: Vec<String>,
    position: HashMap<String, usize>,
    loads: HashMap<String, Load>,
    last_offered: HashMap<String, Millis>,
    /// The queue's operators in the evenly order.
    pub evenly: BTreeSet<EvenlyKey>,
}

impl RoutingIndex {
    /// Built from scratch: once per wake, or after the queue changed.
    pub fn build<'a>(
        order: Vec<String>,
        operators: &BTreeMap<String, Operator>,
        statuses: impl Iterator<Item = &'a Status>,
    ) -> Self {
        let mut ix = RoutingIndex {
            position: order
                .iter()
                .enumerate()
                .map(|(i, o)| (o.clone(), i))
                .collect(),
            order,
            last_offered: operators
                .values()
                .filter_map(|o| o.last_offered_at.map(|at| (o.id.clone(), at)))
                .collect(),
            ..RoutingIndex::default()
        };
        for status in statuses {
            for (op, part) in parts(status) {
                ix.add(op, part, 1);
            }
        }
        // `extend`, not `collect`: a set collected from an iterator sorts
        // it first, one more copy of the standard sort in the wasm.
        let mut evenly = BTreeSet::new();
        evenly.extend(ix.order.iter().filter_map(|o| ix.key(o)));
        ix.evenly = evenly;
        ix
    }

    /// The operator's load (zero when they hold nothing).
    pub fn load(&self, operator: &str) -> Load {
        self.loads.get(operator).copied().unwrap_or_default()
    }

    /// The operator at a queue position.
    pub fn at(&self, position: usize) -> &str {
        &self.order[position]
    }

    /// Whether the operator is in the line's queue.
    pub fn in_queue(&self, operator: &str) -> bool {
        self.position.contains_key(operator)
    }

    fn key(&self, operator: &str) -> Option<EvenlyKey> {
        let position = *self.position.get(operator)?;
        let last = self
            .last_offered
            .get(operator)
            .copied()
            .unwrap_or(Millis::MIN);
        Some((
            self.load(operator).counted(LimitExclusion::Closed),
            last,
            position,
        ))
    }

    fn add(&mut self, operator: &str, part: Part, delta: isize) {
        let l = self.loads.entry(operator.to_owned()).or_default();
        let field = match part {
            Part::Offered => &mut l.offered,
            Part::Unanswered => &mut l.unanswered,
            Part::WaitingClient => &mut l.answered_waiting_client,
            Part::WaitingOperator => &mut l.answered_waiting_operator,
        };
        *field = field.saturating_add_signed(delta);
        if *l == Load::default() {
            self.loads.remove(operator);
        }
    }

    /// Re-keys `operator` around a change of their load or offer time.
    fn rekey(&mut self, operator: &str, change: impl FnOnce(&mut Self)) {
        if let Some(k) = self.key(operator) {
            self.evenly.remove(&k);
        }
        change(self);
        if let Some(k) = self.key(operator) {
            self.evenly.insert(k);
        }
    }

    /// A dialog went from `old` to `new`.
    pub fn status_changed(&mut self, old: &Status, new: &Status) {
        for (op, part) in parts(old) {
            self.rekey(op, |ix| ix.add(op, part, -1));
        }
        for (op, part) in parts(new) {
            self.rekey(op, |ix| ix.add(op, part, 1));
        }
    }

    /// A dialog was offered to the operator at `at` (the evenly tie-break).
    pub fn offered_at(&mut self, operator: &str, at: Millis) {
        self.rekey(operator, |ix| {
            ix.last_offered.insert(operator.to_owned(), at);
        });
    }
}

/// The index as a cache inside the line: built on first use, kept up to
/// date by each status change, dropped when the queue or the operators
/// change. Not part of the line's state (not stored, not compared).
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexCell(RefCell<Option<RoutingIndex>>);

impl PartialEq for IndexCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl IndexCell {
    pub fn get(&self, build: impl FnOnce() -> RoutingIndex) -> Ref<'_, RoutingIndex> {
        if self.0.borrow().is_none() {
            *self.0.borrow_mut() = Some(build());
        }
        Ref::map(self.0.borrow(), |ix| ix.as_ref().expect("built above"))
    }

    /// Applies a change if the index is built (else it is built later).
    pub fn update(&self, f: impl FnOnce(&mut RoutingIndex)) {
        if let Some(ix) = self.0.borrow_mut().as_mut() {
            f(ix);
        }
    }

    pub fn drop_index(&self) {
        *self.0.borrow_mut() = None;
    }

    /// The index as it stands, if built (for the consistency check).
    #[cfg(debug_assertions)]
    pub fn current(&self) -> Option<RoutingIndex> {
        self.0.borrow().clone()
    }
}
