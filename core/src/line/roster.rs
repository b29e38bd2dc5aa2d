//! Who may be offered a dialog: the queue's operators in order (Q1), built
//! from accounts, and eligibility (Q4, Q5, Q12) over the routing index.

use super::*;

/// Offers one operator may have pending at once when the line sets no Q5
/// limit: a flood of queued dialogs reaches whoever comes online a few at a
/// time (the next one as each is taken), never hundreds at once.
pub const OFFERS_WITHOUT_LIMIT: usize = 5;

impl Line {
    /// Whether `operator` works on this line: its queue names them, directly
    /// or through a department. An operator may read and act on a line only
    /// then (supervisors and administrators by their role, not by this).
    pub fn is_member(&self, operator: &str) -> bool {
        self.settings.queue.iter().any(|entry| match entry {
            QueueEntry::Operator(id) => id == operator,
            QueueEntry::Department(dep) => self
                .departments
                .get(dep)
                .is_some_and(|members| members.iter().any(|m| m == operator)),
        })
    }

    /// The members of a department, as last set.
    pub fn department(&self, id: &str) -> Option<&[String]> {
        self.departments.get(id).map(Vec::as_slice)
    }

    /// Every department of the line with its members (Q1), by id.
    pub fn departments(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.departments
            .iter()
            .map(|(id, members)| (id.as_str(), members.as_slice()))
    }

    /// The operators the line should have under `settings`, built from
    /// their accounts: everyone the queue names (directly or through a
    /// department the line knows) and everyone already on the line, with
    /// name, dismissal, vacations, avatar and position from the account and
    /// presence, working day and offer history kept. The adapter upserts
    /// each before applying the settings.
    pub fn roster_from(
        &self,
        settings: &LineSettings,
        accounts: &[crate::protocol::Account],
    ) -> Vec<Operator> {
        let named: BTreeSet<&str> = settings
            .queue
            .iter()
            .flat_map(|e| match e {
                QueueEntry::Operator(id) => vec![id.as_str()],
                QueueEntry::Department(dep) => self
                    .department(dep)
                    .unwrap_or_default()
                    .iter()
                    .map(String::as_str)
                    .collect(),
            })
            .collect();
        accounts
            .iter()
            .filter(|a| named.contains(a.id.as_str()) || self.operators.contains_key(&a.id))
            .map(|a| {
                let mut op = self
                    .operators
                    .get(&a.id)
                    .cloned()
                    .unwrap_or_else(|| Operator::new(&a.id, &a.name));
                op.name = a.name.clone();
                op.dismissed = a.dismissed;
                op.vacations = a.vacations.clone();
                op.avatar = a.avatar.clone();
                op.position = a.position.clone();
                op
            })
            .collect()
    }

    /// The operators of the queue, departments expanded, in order, once each.
    pub fn queue_order(&self) -> Vec<String> {
        self.index().order.clone()
    }

    /// The routing index, built on first use after a wake or a queue change.
    pub(super) fn index(&self) -> std::cell::Ref<'_, RoutingIndex> {
        self.index.get(|| self.build_index())
    }

    /// The routing index built from scratch from the queue and the live dialogs.
    fn build_index(&self) -> RoutingIndex {
        RoutingIndex::build(
            self.compute_queue_order(),
            &self.operators,
            self.live
                .iter()
                .filter_map(|id| self.dialogs.get(id))
                .map(|d| &d.status),
        )
    }

    /// In debug builds (the tests), the index kept up to date step by step
    /// must equal one built from scratch.
    pub(super) fn check_index(&self) {
        #[cfg(debug_assertions)]
        if let Some(current) = self.index.current() {
            assert_eq!(current, self.build_index(), "the routing index drifted");
        }
    }

    pub(super) fn compute_queue_order(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut push = |id: &String| {
            if seen.insert(id.clone()) {
                out.push(id.clone());
            }
        };
        for entry in &self.settings.queue {
            match entry {
                QueueEntry::Operator(id) => push(id),
                QueueEntry::Department(dep) => {
                    for id in self.departments.get(dep).into_iter().flatten() {
                        push(id);
                    }
                }
            }
        }
        out
    }

    /// Q4 + Q5 + Q12: may this operator be offered a new dialog now?
    pub fn eligible(&self, operator: &str, now: Millis) -> bool {
        let load = self.index().load(operator);
        self.eligible_with(operator, now, &load)
    }

    /// Q4 under this line's switches: not dismissed, and (with the check
    /// on) at work and not on vacation. False for an unknown operator.
    pub(super) fn available(&self, operator: &str, now: Millis) -> bool {
        self.operators.get(operator).is_some_and(|op| {
            op.available(
                now,
                self.settings.check_availability,
                self.settings.work_time_tracking,
            )
        })
    }

    pub(super) fn eligible_with(&self, operator: &str, now: Millis, load: &Load) -> bool {
        if !self.available(operator, now) {
            return false;
        }
        match self.settings.concurrency_limit {
            Some(limit) if load.counted(limit.exclude) >= limit.max as usize => return false,
            None if load.offered >= OFFERS_WITHOUT_LIMIT => return false,
            _ => {}
        }
        if let Some(limit) = self.settings.unclosed_limit {
            if load.unclosed() >= limit as usize {
                return false;
            }
        }
        true
    }

    /// Q12, wherever an operator gains a dialog (an accepted offer, a pick
    /// from the queue, a transfer, an invitation): refused while they hold
    /// as many unclosed dialogs as the line allows.
    pub(super) fn check_unclosed_limit(&self, operator: &str) -> Result<(), LineError> {
        match self.settings.unclosed_limit {
            Some(limit) if self.unclosed(operator) >= limit as usize => {
                Err(LineError::UnclosedLimit {
                    operator: operator.to_owned(),
                    limit,
                })
            }
            _ => Ok(()),
        }
    }

    /// Q5: dialogs that count towards the operator's limit under `exclude`.
    pub fn counted_load(&self, operator: &str, exclude: LimitExclusion) -> usize {
        self.index().load(operator).counted(exclude)
    }

    /// Q12: dialogs the operator holds and has not closed.
    pub fn unclosed(&self, operator: &str) -> usize {
        self.index().load(operator).unclosed()
    }

    pub(super) fn operator_mut(&mut self, id: &str) -> Result<&mut Operator, LineError> {
        if self.operators.contains_key(id) {
            self.changed.operators.mark(id.to_owned());
        }
        self.operators
            .get_mut(id)
            .ok_or_else(|| LineError::UnknownOperator(id.to_owned()))
    }
}
