//! X7: what if the line were set up differently? A day of the line's
//! arrivals — recorded (`LineStatistics::arrivals`) or a synthetic profile
//! — replayed through the real line machine under chosen settings and
//! shifts, with simulated time, so an administrator sees the waits, the
//! longest queue, missed first-answer KPIs and each operator's load of a
//! change before saving it. It runs wherever the core does (the console
//! runs it in the browser: no request, no load on the line).
//!
//! The people are modelled simply and the same way for every setting: an
//! operator on shift takes a dialog offered to them (or given to them)
//! after their reaction time and answers at once; the client writes again
//! [`CLIENT_WRITES_AFTER_MS`] after each answer and the operator answers
//! after their reaction time, until the arrival's handling time is over
//! and the operator closes the dialog; a waiting client waits however long
//! it takes. Everything else — who is offered what, pass-on, limits, working
//! hours, bots, KPIs — is the line's own rules.

use crate::line::{DialogState, Effect, Event, Line, Notice};
use crate::operator::{Operator, Presence};
use crate::settings::LineSettings;
use crate::statistics::{DialogCounts, Durations};
use crate::{Millis, MINUTE};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// A day is replayed, then this long more, so that its last dialogs can
/// end; whatever still waits then counts as unanswered.
pub const TAIL_MS: Millis = 6 * 60 * MINUTE;
/// The most arrivals one replay takes (a very busy line's day).
pub const MAX_ARRIVALS: usize = 20_000;
const DAY_MS: Millis = 24 * 60 * MINUTE;

/// One dialog of the day: when it opened, how long the operator worked on
/// it once they took it, and which client it was (the index of the
/// client's first dialog of the day; a returning client matters for Q8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Arrival {
    pub at: Millis,
    pub handling_ms: Millis,
    #[serde(default)]
    pub client: u32,
}

/// When an operator works in the replayed day and how fast they react.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Shift {
    pub operator: String,
    /// Minutes after the day's start (the line's local midnight), start
    /// included, end excluded; an end before the start runs past midnight.
    pub from_min: u16,
    pub to_min: u16,
    /// From an offer to taking the dialog and answering.
    pub reaction_ms: Millis,
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Scenario {
    pub settings: LineSettings,
    /// The instant the day starts on the line's wall clock.
    pub day_start: Millis,
    pub shifts: Vec<Shift>,
    /// Q1: departments named in the queue, with their members.
    #[serde(default)]
    pub departments: Vec<(String, Vec<String>)>,
    pub arrivals: Vec<Arrival>,
}

/// One operator's day in the replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorLoad {
    pub operator: String,
    /// Dialogs they took.
    pub dialogs: u32,
    /// The most they held at once.
    pub peak: u32,
    /// Offers that ran out on them and went on to someone else (Q3).
    pub passed_on: u32,
}

/// The replay's figures, comparable between two scenarios of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outcome {
    pub dialogs: DialogCounts,
    /// From opening until an operator took the dialog; a dialog nobody
    /// took counts with its wait until the replay's end.
    pub wait: Durations,
    /// The longest single wait.
    pub longest_wait_ms: Millis,
    /// The most dialogs waiting for an operator at once.
    pub longest_queue: u32,
    /// Dialogs that missed the first-answer KPI (K1).
    pub kpi_first_answer_missed: u32,
    pub operators: Vec<OperatorLoad>,
}

/// Why a scenario cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("{0}")]
    Settings(#[from] crate::settings::SettingsError),
    #[error("a replay takes at most {MAX_ARRIVALS} dialogs")]
    TooManyArrivals,
}

/// Something the people of the replay do at a time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Act {
    ShiftStarts(String),
    ShiftEnds(String),
    Arrives(usize),
    /// The operator reacts to an offer of this dialog (or to being given it).
    Takes(String, usize),
    /// The client writes again while the conversation goes on.
    ClientWrites(usize),
    Answers(String, usize),
    Closes(String, usize),
}

/// While a conversation goes on, the client writes this long after the
/// operator's last answer, and the operator answers after their reaction
/// time: what makes concurrency limits (Q5) and the answer KPI (K1) bite.
pub const CLIENT_WRITES_AFTER_MS: Millis = 2 * MINUTE;

struct Replay<'a> {
    scenario: &'a Scenario,
    line: Line,
    acts: BinaryHeap<Reverse<(Millis, u64, Act)>>,
    seq: u64,
    reaction: BTreeMap<&'a str, Millis>,
    load: BTreeMap<String, (OperatorLoad, u32)>,
    waiting: BTreeMap<String, Millis>,
    /// Dialogs an operator took (a second reaction does nothing), and
    /// when they will close it.
    taken: BTreeMap<usize, (String, Millis)>,
    waits: Vec<Millis>,
    longest_queue: u32,
}

/// Replays the scenario's day; deterministic (the same scenario gives the
/// same outcome).
pub fn replay(scenario: &Scenario) -> Result<Outcome, ScenarioError> {
    if scenario.arrivals.len() > MAX_ARRIVALS {
        return Err(ScenarioError::TooManyArrivals);
    }
    let mut line = Line::new(scenario.settings.clone())?;
    let start = scenario.day_start;
    for (department, members) in &scenario.departments {
        let _ = line.handle(
            start,
            Event::SetDepartment {
                department: department.clone(),
                members: members.clone(),
            },
        );
    }
    let mut r = Replay {
        scenario,
        line,
        acts: BinaryHeap::new(),
        seq: 0,
        reaction: BTreeMap::new(),
        load: BTreeMap::new(),
        waiting: BTreeMap::new(),
        taken: BTreeMap::new(),
        waits: Vec::new(),
        longest_queue: 0,
    };
    for s in &scenario.shifts {
        r.reaction.insert(&s.operator, s.reaction_ms.max(0));
        if !r.load.contains_key(&s.operator) {
            let op = Operator::new(&s.operator, &s.operator);
            r.step(start, Event::UpsertOperator { operator: op });
            r.load.insert(s.operator.clone(), Default::default());
        }
        let from = start + Millis::from(s.from_min) * MINUTE;
        let mut to = start + Millis::from(s.to_min) * MINUTE;
        if to <= from {
            to += DAY_MS;
        }
        r.at(from, Act::ShiftStarts(s.operator.clone()));
        r.at(to, Act::ShiftEnds(s.operator.clone()));
    }
    for (i, a) in scenario.arrivals.iter().enumerate() {
        r.at(a.at, Act::Arrives(i));
    }
    let end = start + DAY_MS + TAIL_MS;
    loop {
        let next_act = r.acts.peek().map(|Reverse((t, _, _))| *t);
        let next = match (next_act, r.line.next_deadline()) {
            (Some(a), Some(d)) => a.min(d),
            (a, d) => match a.or(d) {
                Some(t) => t,
                None => break,
            },
        };
        if next > end {
            break;
        }
        if r.line.next_deadline().is_some_and(|d| d <= next) {
            let fx = r.line.handle_timeout(next);
            r.apply(next, fx);
        }
        if next_act == Some(next) {
            if let Some(Reverse((at, _, act))) = r.acts.pop() {
                r.act(at, act);
            }
        }
    }
    Ok(r.outcome(end))
}

impl Replay<'_> {
    fn at(&mut self, at: Millis, act: Act) {
        self.seq += 1;
        self.acts.push(Reverse((at, self.seq, act)));
    }

    fn dialog(i: usize) -> String {
        format!("d{i}")
    }

    fn step(&mut self, now: Millis, event: Event) -> bool {
        match self.line.handle(now, event) {
            Ok(fx) => {
                self.apply(now, fx);
                true
            }
            Err(_) => false,
        }
    }

    fn presence(&mut self, now: Millis, operator: &str, on: bool) {
        let presence = if on {
            Presence::Online
        } else {
            Presence::Offline
        };
        self.step(
            now,
            Event::SetPresence {
                operator: operator.to_owned(),
                presence,
            },
        );
        self.step(
            now,
            Event::SetWorkingDay {
                operator: operator.to_owned(),
                started: on,
            },
        );
    }

    fn act(&mut self, now: Millis, act: Act) {
        match act {
            Act::ShiftStarts(op) => self.presence(now, &op, true),
            Act::ShiftEnds(op) => self.presence(now, &op, false),
            Act::Arrives(i) => {
                let client = format!("c{}", self.scenario.arrivals[i].client);
                let dialog = Self::dialog(i);
                let channel = Default::default();
                self.step(
                    now,
                    Event::DialogOpened {
                        dialog,
                        client,
                        channel,
                    },
                );
            }
            Act::Takes(op, i) => self.take(now, op, i),
            Act::ClientWrites(i) => {
                let Some((op, closes)) = self.taken.get(&i).cloned() else {
                    return;
                };
                let dialog = Self::dialog(i);
                if self.step(now, Event::ClientMessage { dialog }) {
                    let reaction = self.reaction.get(op.as_str()).copied().unwrap_or(0);
                    if now + reaction < closes {
                        self.at(now + reaction, Act::Answers(op, i));
                    }
                }
            }
            Act::Answers(op, i) => {
                let (dialog, operator) = (Self::dialog(i), op);
                self.step(
                    now,
                    Event::OperatorMessage {
                        dialog,
                        operator,
                        hidden: false,
                    },
                );
                self.client_writes(now, i);
            }
            Act::Closes(op, i) => {
                let dialog = Self::dialog(i);
                self.step(
                    now,
                    Event::Close {
                        dialog,
                        operator: op,
                    },
                );
            }
        }
    }

    /// The operator reacts: takes the dialog if it is still theirs to take
    /// and they are on shift, answers, and will close it when done.
    fn take(&mut self, now: Millis, op: String, i: usize) {
        if self.taken.contains_key(&i) {
            return;
        }
        let dialog = Self::dialog(i);
        let Some(d) = self.line.dialog(&dialog) else {
            return;
        };
        let on_shift = self
            .line
            .operator(&op)
            .is_some_and(|o| o.presence == Presence::Online);
        let holds = d.status.owner() == Some(op.as_str());
        let offered = d.involves(&op) && !holds;
        if !on_shift || !(holds || offered) {
            return;
        }
        if offered
            && !self.step(
                now,
                Event::Accept {
                    dialog: dialog.clone(),
                    operator: op.clone(),
                },
            )
        {
            return;
        }
        self.step(
            now,
            Event::OperatorMessage {
                dialog,
                operator: op.clone(),
                hidden: false,
            },
        );
        let closes = now + self.scenario.arrivals[i].handling_ms.max(0);
        self.taken.insert(i, (op.clone(), closes));
        self.at(closes, Act::Closes(op, i));
        self.client_writes(now, i);
    }

    /// The client's next message, if the conversation is still on then.
    fn client_writes(&mut self, now: Millis, i: usize) {
        let at = now + CLIENT_WRITES_AFTER_MS;
        if self.taken.get(&i).is_some_and(|(_, closes)| at < *closes) {
            self.at(at, Act::ClientWrites(i));
        }
    }

    fn apply(&mut self, now: Millis, fx: Vec<Effect>) {
        let mut revoked = Vec::new();
        for e in fx {
            match e {
                Effect::Offer { dialog, operator } | Effect::Assigned { dialog, operator } => {
                    let Some(i) = Self::index(&dialog) else {
                        continue;
                    };
                    let reaction = self.reaction.get(operator.as_str()).copied();
                    if let Some(reaction) = reaction {
                        self.at(now + reaction, Act::Takes(operator, i));
                    }
                }
                // An offer withdrawn while nobody holds the dialog ran
                // out (or its operator left): it went on (Q3, Q7).
                Effect::Revoke { dialog, operator } => revoked.push((dialog, operator)),
                Effect::Notify {
                    notice: Notice::PassedOn { operator, .. },
                    ..
                } => self.passed_on(&operator),
                Effect::StatusChanged { dialog, status } => self.status(now, dialog, status),
                _ => {}
            }
        }
        for (dialog, operator) in revoked {
            let held = self.line.dialog(&dialog).and_then(|d| d.status.owner());
            if held.is_none() {
                self.passed_on(&operator);
            }
        }
    }

    fn passed_on(&mut self, operator: &str) {
        if let Some((l, _)) = self.load.get_mut(operator) {
            l.passed_on += 1;
        }
    }

    fn index(dialog: &str) -> Option<usize> {
        dialog.strip_prefix('d')?.parse().ok()
    }

    /// Keeps the queue's length and each operator's load as dialogs move.
    fn status(&mut self, now: Millis, dialog: String, status: DialogState) {
        let waiting = matches!(status, DialogState::Queued | DialogState::Offered);
        if waiting {
            let opened = self.line.dialog(&dialog).map_or(now, |d| d.opened_at);
            self.waiting.entry(dialog.clone()).or_insert(opened);
            self.longest_queue = self.longest_queue.max(self.waiting.len() as u32);
        } else if let Some(since) = self.waiting.remove(&dialog) {
            if status == DialogState::Active {
                self.waits.push(now - since);
            }
        }
        let holder = self
            .line
            .dialog(&dialog)
            .and_then(|d| d.status.owner().map(str::to_owned));
        if status == DialogState::Active {
            if let Some((l, held)) = holder.and_then(|o| self.load.get_mut(&o)) {
                l.dialogs += 1;
                *held += 1;
                l.peak = l.peak.max(*held);
            }
        } else if status == DialogState::Finished {
            if let Some(i) = Self::index(&dialog) {
                let holder = self.taken.get(&i).map(|(o, _)| o);
                if let Some((_, held)) = holder.and_then(|o| self.load.get_mut(o)) {
                    *held = held.saturating_sub(1);
                }
            }
        }
    }

    fn outcome(mut self, end: Millis) -> Outcome {
        for since in self.waiting.values() {
            self.waits.push(end - since);
        }
        let mut dialogs = DialogCounts::default();
        let mut kpi = 0;
        for d in self.line.dialogs() {
            dialogs.add(d);
            kpi += u32::from(d.kpi_missed.contains(&crate::line::KpiKind::FirstAnswer));
        }
        Outcome {
            dialogs,
            longest_wait_ms: self.waits.iter().copied().max().unwrap_or(0),
            wait: Durations::of(self.waits),
            longest_queue: self.longest_queue,
            kpi_first_answer_missed: kpi,
            operators: self
                .load
                .into_iter()
                .map(|(operator, (l, _))| OperatorLoad { operator, ..l })
                .collect(),
        }
    }
}

/// A synthetic day: `count` dialogs spread over `from_min`–`to_min` of the
/// day, busier around midday as a shop's chat is, each handled for about
/// `handling_ms` (±50 %), every client new. Deterministic.
pub fn synthetic_day(
    day_start: Millis,
    count: u32,
    from_min: u16,
    to_min: u16,
    handling_ms: Millis,
) -> Vec<Arrival> {
    let (from, to) = (
        Millis::from(from_min),
        Millis::from(to_min.max(from_min + 1)),
    );
    let span = (to - from) * MINUTE;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: a fixed sequence, good enough to spread arrivals.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out: Vec<Arrival> = (0..count)
        .map(|i| {
            // The mean of two uniforms: a triangle peaking mid-span.
            let x = (next() + next()) / 2.0;
            let h = handling_ms as f64 * (0.5 + next());
            Arrival {
                at: day_start + from * MINUTE + (x * span as f64) as Millis,
                handling_ms: h as Millis,
                client: i,
            }
        })
        .collect();
    out.sort_by_key(|a| a.at);
    out
}
