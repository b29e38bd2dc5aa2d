//! The line as the edge stores it: a small head (settings, departments,
//! recent waits) and one row per dialog, operator, client and timer; what a
//! step changed, so the edge writes only that; and the rebuild.

use super::*;

/// Storage bookkeeping: the parts changed since the last
/// [`Line::take_changes`]. Two lines in the same state are equal whatever
/// it holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Changed {
    pub(super) head: Flag,
    pub(super) dialogs: Marks<String>,
    pub(super) operators: Marks<String>,
    pub(super) clients: Marks<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Flag(pub(super) bool);

/// The time of the step being applied: set by every input, so it is not
/// part of the line's state (nor stored, nor compared).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub(super) struct StepTime(pub(super) Millis);

impl PartialEq for StepTime {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl PartialEq for Flag {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// What a step changed, for the adapter to write back: the head row when
/// `head` is set, and one row per named dialog, operator, client and timer
/// (a name that no longer exists is a row to delete).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub head: bool,
    pub dialogs: Vec<String>,
    pub operators: Vec<String>,
    pub clients: Vec<String>,
    /// Each changed timer with its deadline now (None: gone).
    pub timers: Vec<(TimerKey, Option<Millis>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.head
            && self.dialogs.is_empty()
            && self.operators.is_empty()
            && self.clients.is_empty()
            && self.timers.is_empty()
    }
}

/// The line's small, rarely changing part, for storage: settings,
/// departments and the recent waits of the queue estimate. Operators,
/// clients, dialogs and timers are stored one row each, so a step writes
/// only what it changed.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct HeadRef<'a> {
    settings: &'a LineSettings,
    departments: &'a BTreeMap<String, Vec<String>>,
    recent_waits: &'a Vec<Millis>,
}

/// A stored head. Heads written before operators, clients and timers had
/// rows of their own carry them inline; they are read once and moved.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct Head {
    settings: LineSettings,
    departments: BTreeMap<String, Vec<String>>,
    recent_waits: Vec<Millis>,
    #[serde(default)]
    operators: BTreeMap<String, Operator>,
    #[serde(default)]
    clients: BTreeMap<String, ClientRecord>,
    #[serde(default)]
    timers: TimerTable,
}

/// A line as the adapter stored it: the head and every row.
pub struct StoredLine<'a> {
    pub head_json: &'a str,
    pub operators: Vec<Operator>,
    pub clients: Vec<(String, ClientRecord)>,
    pub dialogs: Vec<Dialog>,
    pub timers: Vec<(TimerKey, Millis)>,
}

impl Line {
    /// What changed since the last call: the rows the adapter must write
    /// back (see [`Changes`]).
    pub fn take_changes(&mut self) -> Changes {
        Changes {
            head: std::mem::take(&mut self.changed.head.0),
            dialogs: self.changed.dialogs.take(),
            operators: self.changed.operators.take(),
            clients: self.changed.clients.take(),
            timers: self.timers.take_changed(),
        }
    }

    /// Marks every part as changed, so the next [`Line::take_changes`]
    /// names every row (a storage format migration writes them all).
    pub fn mark_all_changed(&mut self) {
        self.changed.head.0 = true;
        for id in self.dialogs.keys() {
            self.changed.dialogs.mark(id.clone());
        }
        for id in self.operators.keys() {
            self.changed.operators.mark(id.clone());
        }
        for id in self.clients.keys() {
            self.changed.clients.mark(id.clone());
        }
        self.timers.mark_all_changed();
    }

    /// The head (settings, departments, recent waits) as JSON, for storage.
    pub fn head_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&HeadRef {
            settings: &self.settings,
            departments: &self.departments,
            recent_waits: &self.recent_waits,
        })
    }

    /// Rebuilds a line from its stored head and rows. Whether the head came
    /// in the old inline format is returned too: then every row must be
    /// written once ([`Line::mark_all_changed`]).
    pub fn from_stored(stored: StoredLine<'_>) -> Result<(Line, bool), serde_json::Error> {
        let h: Head = serde_json::from_str(stored.head_json)?;
        let inline = !h.operators.is_empty() || !h.clients.is_empty() || !h.timers.is_empty();
        let mut operators = h.operators;
        operators.extend(stored.operators.into_iter().map(|o| (o.id.clone(), o)));
        let mut clients = h.clients;
        clients.extend(stored.clients);
        let mut timers: Vec<(TimerKey, Millis)> =
            h.timers.entries().map(|(k, at)| (k.clone(), at)).collect();
        timers.extend(stored.timers);
        let dialogs: BTreeMap<String, Dialog> = stored
            .dialogs
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect();
        let live = dialogs
            .values()
            .filter(|d| !matches!(d.status, Status::Finished { .. }))
            .map(|d| d.id.clone())
            .collect();
        let line = Line {
            settings: h.settings,
            operators,
            departments: h.departments,
            dialogs,
            clients,
            timers: TimerTable::from(timers),
            recent_waits: h.recent_waits,
            live,
            now: StepTime::default(),
            changed: Changed::default(),
            index: IndexCell::default(),
        };
        Ok((line, inline))
    }

    /// Takes the dialogs finished before `cutoff` out of the live state and
    /// hands them to the adapter, which archives them (S3: the transcript
    /// and the record stay readable); keeps the line's state bounded.
    pub fn prune_finished(&mut self, cutoff: Millis) -> Vec<Dialog> {
        let old: Vec<String> = self
            .dialogs
            .values()
            .filter(|d| d.finished_at.is_some_and(|t| t < cutoff))
            .map(|d| d.id.clone())
            .collect();
        old.into_iter()
            .filter_map(|id| {
                self.changed.dialogs.mark(id.clone());
                self.dialogs.remove(&id)
            })
            .collect()
    }

    /// When the earliest finished dialog still in the live state finished:
    /// the adapter wakes then plus its retention to archive it.
    pub fn earliest_finished(&self) -> Option<Millis> {
        self.dialogs.values().filter_map(|d| d.finished_at).min()
    }

    /// GDPR: forgets what the client wrote in their ratings' comments (the
    /// scores stay, for the statistics); how many comments went.
    pub fn erase_rating_comments(&mut self, client: &str) -> u32 {
        let mut erased = 0;
        for d in self.dialogs.values_mut().filter(|d| d.client == client) {
            if let Some(r) = d.client_rating.as_mut().filter(|r| r.comment.is_some()) {
                r.comment = None;
                erased += 1;
                self.changed.dialogs.mark(d.id.clone());
            }
        }
        erased
    }
}
