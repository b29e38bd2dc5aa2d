//! The routing and session state machine of one line (Q, T, R, K, B, L2,
//! H). Events and the current time go in; effects come out. The edge's Line
//! object persists [`Line`] (it is serde) and sets its alarm to
//! [`Line::next_deadline`].
//!
//! Dialog lifecycle:
//!
//! ```text
//! opened ─▶ with bot (B1) ─▶ queued ◀──────────────┐ no eligible operator
//!    └────────────────────────▶ offered ──(Q3 timeout: next operator, T1/Q7)
//!                                  │ accept / answer
//!                                  ▼
//!                               active ──(operator answers ⇄ client writes)
//!                                  │ close (T4) / silence (T3)
//!                                  ▼
//!                        awaiting rating (T2 > 0) ──▶ finished
//! ```
//!
//! Reopening: a client message while awaiting the rating returns the dialog
//! to its operator; with T2 = 0 a rating that arrives after the close reopens
//! it too (unless R3 closes on rating). A client writing after the final
//! close starts a new dialog (the adapter opens it; Q8 routes it back).

use crate::operator::{Operator, Presence};
use crate::settings::{DistributionMode, LimitExclusion, LineSettings, QueueEntry, SettingsError};
use crate::timers::{Marks, TimerKey, TimerKind, TimerTable};
use routing_index::{IndexCell, Load, RoutingIndex};

mod routing_index;
use crate::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Who the dialog waits for while active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Operator,
    Client,
}

/// Where a dialog is in its lifecycle; every dialog is in exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    WithBot {
        bot: String,
    },
    Queued,
    Offered {
        to: Vec<String>,
    },
    Active {
        operator: String,
        /// The operator has answered at least once.
        answered: bool,
        waiting_for: Party,
    },
    AwaitingRating {
        operator: String,
    },
    Finished {
        operator: Option<String>,
    },
}

impl Status {
    /// The operator holding the dialog, if any.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Status::Active { operator, .. } | Status::AwaitingRating { operator } => Some(operator),
            Status::Finished { operator } => operator.as_deref(),
            _ => None,
        }
    }
    /// The state's wire name (`offered`, `active`…).
    pub fn name(&self) -> &'static str {
        match self {
            Status::WithBot { .. } => "with_bot",
            Status::Queued => "queued",
            Status::Offered { .. } => "offered",
            Status::Active { .. } => "active",
            Status::AwaitingRating { .. } => "awaiting_rating",
            Status::Finished { .. } => "finished",
        }
    }
}

/// A client's rating of a dialog (R1) or a supervisor's (R2), 1–5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub score: u8,
    #[serde(default)]
    pub comment: Option<String>,
    pub at: Millis,
}

/// What the line knows of one dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialog {
    pub id: String,
    pub client: String,
    pub opened_at: Millis,
    pub status: Status,
    /// Q10: colleagues invited into the dialog.
    pub invited: Vec<String>,
    /// Operators already offered the dialog in this round.
    pub tried: Vec<String>,
    /// When the dialog entered the queue or its current offer round.
    pub waiting_since: Millis,
    /// Q8: the operator who served this client before.
    pub previous_operator: Option<String>,
    pub first_answer_at: Option<Millis>,
    /// K1: the client's unanswered message started waiting at this time.
    pub awaiting_answer_since: Option<Millis>,
    pub client_rating: Option<Rating>,
    pub supervisor_rating: Option<Rating>,
    /// When the dialog finished; finished dialogs are pruned after a while.
    #[serde(default)]
    pub finished_at: Option<Millis>,
}

impl Dialog {
    /// Whether the operator takes part in the dialog: holds it (or held it,
    /// once finished), was invited into it (Q10), or is offered it (and so
    /// may read it before accepting). The one definition every route and
    /// delivery uses.
    pub fn involves(&self, operator: &str) -> bool {
        self.status.owner() == Some(operator)
            || self.invited.iter().any(|o| o == operator)
            || matches!(&self.status, Status::Offered { to } if to.iter().any(|o| o == operator))
    }

    /// Everyone [`Dialog::involves`], once each: the consoles that receive
    /// the dialog's messages and typing.
    pub fn participants(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |o: &str| {
            if !out.iter().any(|x| x == o) {
                out.push(o.to_owned());
            }
        };
        if let Some(o) = self.status.owner() {
            push(o);
        }
        if let Status::Offered { to } = &self.status {
            to.iter().for_each(|o| push(o));
        }
        self.invited.iter().for_each(|o| push(o));
        out
    }
}

/// Where a transfer goes (Q9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TransferTarget {
    Operator(String),
    Line(String),
}

/// Inputs of the line machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    UpsertOperator {
        operator: Operator,
    },
    SetPresence {
        operator: String,
        presence: Presence,
    },
    SetWorkingDay {
        operator: String,
        started: bool,
    },
    SetDismissed {
        operator: String,
        dismissed: bool,
    },
    SetVacations {
        operator: String,
        vacations: Vec<(Millis, Millis)>,
    },
    SetDepartment {
        department: String,
        members: Vec<String>,
    },
    DialogOpened {
        dialog: String,
        client: String,
    },
    ClientMessage {
        dialog: String,
    },
    BotHandoff {
        dialog: String,
    },
    Accept {
        dialog: String,
        operator: String,
    },
    OperatorMessage {
        dialog: String,
        operator: String,
        hidden: bool,
    },
    Close {
        dialog: String,
        operator: String,
    },
    ClientRating {
        dialog: String,
        score: u8,
        comment: Option<String>,
    },
    SupervisorRating {
        dialog: String,
        supervisor: String,
        score: u8,
        comment: Option<String>,
    },
    Transfer {
        dialog: String,
        by: String,
        to: TransferTarget,
    },
    Invite {
        dialog: String,
        by: String,
        operator: String,
    },
    Leave {
        dialog: String,
        operator: String,
    },
}

/// A system text the client receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientNotice {
    /// T4 automatic reply on close, or T3's chosen message.
    Closed { text: String },
    /// R1: please rate the dialog.
    RatingRequest,
    /// The dialog is open again.
    Reopened,
}

/// Why someone is notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// K2: a KPI deadline was missed.
    KpiMissed {
        dialog: String,
        kpi: KpiKind,
        operator: Option<String>,
    },
    /// Q12: the operator reached the unclosed-dialog limit.
    UnclosedLimitReached { operator: String, limit: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiKind {
    FirstAnswer,
    Answer,
}

/// Outputs the adapter applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Show the dialog to the operator as offered to them.
    Offer {
        dialog: String,
        operator: String,
    },
    /// Withdraw an offer.
    Revoke {
        dialog: String,
        operator: String,
    },
    /// The operator now holds the dialog.
    Assigned {
        dialog: String,
        operator: String,
    },
    /// The bot takes the dialog (B1).
    BotTakes {
        dialog: String,
        bot: String,
    },
    /// A system text for the client.
    ToClient {
        dialog: String,
        notice: ClientNotice,
    },
    /// Notify people (K2, Q12).
    Notify {
        to: Vec<String>,
        notice: Notice,
    },
    /// Hand the dialog, with its history, to another line (Q9).
    TransferToLine {
        dialog: String,
        line: String,
    },
    /// Q10.
    Invited {
        dialog: String,
        operator: String,
    },
    Left {
        dialog: String,
        operator: String,
    },
    /// A rating to store (R1, R2).
    Rated {
        dialog: String,
        by: Option<String>,
        rating: Rating,
    },
    /// The dialog's status changed (for listings and storage).
    StatusChanged {
        dialog: String,
        status: String,
    },
}

/// Why an event was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("no dialog '{0}' on this line")]
    UnknownDialog(String),
    #[error("no operator '{0}' on this line")]
    UnknownOperator(String),
    #[error("dialog '{0}' already exists")]
    DialogExists(String),
    #[error("dialog '{0}' is finished")]
    DialogFinished(String),
    #[error("the line is inactive: operators cannot answer")]
    LineInactive,
    #[error("operator '{operator}' cannot do that in dialog '{dialog}' now")]
    NotAllowed { dialog: String, operator: String },
    #[error("a rating is a whole number from 1 to 5")]
    InvalidRating,
    #[error("{0}")]
    InvalidSettings(#[from] SettingsError),
}

impl From<LineError> for crate::ProtocolError {
    fn from(e: LineError) -> Self {
        use crate::ErrorCode as C;
        let code = match &e {
            LineError::UnknownDialog(_) | LineError::UnknownOperator(_) => C::NotFound,
            LineError::DialogExists(_) | LineError::DialogFinished(_) => C::Conflict,
            LineError::LineInactive => C::LineInactive,
            LineError::NotAllowed { .. } => C::Forbidden,
            LineError::InvalidRating | LineError::InvalidSettings(_) => C::InvalidField,
        };
        crate::ProtocolError::new(code, e.to_string())
    }
}

/// What the line remembers of a client across dialogs (Q8, C7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub dialogs: u32,
    pub last_dialog: Option<String>,
    pub last_operator: Option<String>,
}

/// Queue position and estimated wait for a waiting visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueInfo {
    /// 1 for the next dialog to be served.
    pub position: usize,
    /// Position × recent average wait, when there is history.
    pub estimate_ms: Option<Millis>,
}

/// How many recent waits the estimate averages.
const WAIT_SAMPLES: usize = 20;

/// One line's routing state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    settings: LineSettings,
    operators: BTreeMap<String, Operator>,
    departments: BTreeMap<String, Vec<String>>,
    dialogs: BTreeMap<String, Dialog>,
    clients: BTreeMap<String, ClientRecord>,
    timers: TimerTable,
    recent_waits: Vec<Millis>,
    /// Ids of dialogs not finished: routing only ever looks at these.
    live: BTreeSet<String>,
    /// The time of the step being applied (input, never read from a clock).
    now: StepTime,
    /// What changed since the adapter last stored the line.
    #[serde(skip)]
    changed: Changed,
    /// Loads and orders for routing, derived from the rest (a cache).
    #[serde(skip)]
    index: IndexCell,
}

/// Storage bookkeeping: the parts changed since the last
/// [`Line::take_changes`]. Two lines in the same state are equal whatever
/// it holds.
#[derive(Debug, Clone, Default, PartialEq)]
struct Changed {
    head: Flag,
    dialogs: Marks<String>,
    operators: Marks<String>,
    clients: Marks<String>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flag(bool);

/// The time of the step being applied: set by every input, so it is not
/// part of the line's state (nor stored, nor compared).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct StepTime(Millis);

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
struct HeadRef<'a> {
    settings: &'a LineSettings,
    departments: &'a BTreeMap<String, Vec<String>>,
    recent_waits: &'a Vec<Millis>,
}

/// A stored head. Heads written before operators, clients and timers had
/// rows of their own carry them inline; they are read once and moved.
#[derive(Deserialize)]
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

type Fx = Vec<Effect>;

impl Line {
    /// A line with validated settings.
    pub fn new(settings: LineSettings) -> Result<Self, SettingsError> {
        settings.validate()?;
        Ok(Line {
            settings,
            operators: BTreeMap::new(),
            departments: BTreeMap::new(),
            dialogs: BTreeMap::new(),
            clients: BTreeMap::new(),
            timers: TimerTable::default(),
            recent_waits: Vec::new(),
            live: BTreeSet::new(),
            now: StepTime::default(),
            changed: Changed {
                head: Flag(true),
                ..Changed::default()
            },
            index: IndexCell::default(),
        })
    }

    pub fn settings(&self) -> &LineSettings {
        &self.settings
    }
    pub fn operator(&self, id: &str) -> Option<&Operator> {
        self.operators.get(id)
    }
    pub fn operators(&self) -> impl Iterator<Item = &Operator> {
        self.operators.values()
    }
    pub fn dialog(&self, id: &str) -> Option<&Dialog> {
        self.dialogs.get(id)
    }
    pub fn dialogs(&self) -> impl Iterator<Item = &Dialog> {
        self.dialogs.values()
    }
    pub fn client(&self, id: &str) -> Option<&ClientRecord> {
        self.clients.get(id)
    }

    /// The earliest pending deadline: the edge's alarm time.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.timers.next_deadline()
    }

    /// Pending timers (for tests and diagnostics).
    pub fn timers(&self) -> &TimerTable {
        &self.timers
    }

    /// H1: open now? Always, when the line has no working hours.
    pub fn open_now(&self, now: Millis) -> bool {
        self.settings.hours.as_ref().is_none_or(|h| h.is_open(now))
    }

    /// H4: when the line opens next (now if open).
    pub fn next_opening(&self, now: Millis) -> Option<Millis> {
        match &self.settings.hours {
            None => Some(now),
            Some(h) => h.next_opening(now),
        }
    }

    /// Replaces the settings; the next routing decision uses them.
    pub fn update_settings(
        &mut self,
        settings: LineSettings,
        now: Millis,
    ) -> Result<Fx, LineError> {
        settings.validate()?;
        self.now = StepTime(now);
        self.settings = settings;
        self.changed.head.0 = true;
        self.index.drop_index();
        let mut fx = Vec::new();
        self.drain(now, &mut fx);
        Ok(fx)
    }

    /// Applies one event at `now`. On error nothing changed.
    pub fn handle(&mut self, now: Millis, event: Event) -> Result<Fx, LineError> {
        let mut fx = Vec::new();
        let before = self.now;
        self.now = StepTime(now);
        let result = self.apply(now, event, &mut fx);
        if result.is_err() {
            self.now = before;
        }
        result.map(|()| {
            self.drain(now, &mut fx);
            self.check_index();
            fx
        })
    }

    fn apply(&mut self, now: Millis, event: Event, fx: &mut Fx) -> Result<(), LineError> {
        match event {
            Event::UpsertOperator { operator } => {
                let last = self
                    .operators
                    .get(&operator.id)
                    .and_then(|o| o.last_offered_at);
                let mut operator = operator;
                operator.last_offered_at = operator.last_offered_at.or(last);
                self.changed.operators.mark(operator.id.clone());
                self.operators.insert(operator.id.clone(), operator);
                self.index.drop_index();
            }
            Event::SetPresence { operator, presence } => {
                self.operator_mut(&operator)?.presence = presence;
            }
            Event::SetWorkingDay { operator, started } => {
                self.operator_mut(&operator)?.working_day = started;
            }
            Event::SetDismissed {
                operator,
                dismissed,
            } => {
                self.operator_mut(&operator)?.dismissed = dismissed;
                if dismissed {
                    self.withdraw_offers_of(&operator, now, fx);
                }
            }
            Event::SetVacations {
                operator,
                vacations,
            } => {
                self.operator_mut(&operator)?.vacations = vacations;
            }
            Event::SetDepartment {
                department,
                members,
            } => {
                self.departments.insert(department, members);
                self.changed.head.0 = true;
                self.index.drop_index();
            }
            Event::DialogOpened { dialog, client } => self.open(now, dialog, client, fx)?,
            Event::ClientMessage { dialog } => self.client_message(now, &dialog, fx)?,
            Event::BotHandoff { dialog } => {
                let d = self.dialog_ref(&dialog)?;
                if matches!(d.status, Status::WithBot { .. }) {
                    self.timers
                        .cancel(&TimerKey::dialog(TimerKind::BotHandoff, &dialog));
                    self.enter_routing(now, &dialog, fx);
                }
            }
            Event::Accept { dialog, operator } => self.accept(now, &dialog, &operator, fx)?,
            Event::OperatorMessage {
                dialog,
                operator,
                hidden,
            } => self.operator_message(now, &dialog, &operator, hidden, fx)?,
            Event::Close { dialog, operator } => {
                let d = self.dialog_ref(&dialog)?;
                match &d.status {
                    Status::Active {
                        operator: owner, ..
                    } if *owner == operator => {
                        let text = self.settings.close_message.clone();
                        self.close(now, &dialog, text, fx);
                    }
                    Status::Finished { .. } => return Err(LineError::DialogFinished(dialog)),
                    _ => return Err(LineError::NotAllowed { dialog, operator }),
                }
            }
            Event::ClientRating {
                dialog,
                score,
                comment,
            } => self.client_rating(now, &dialog, score, comment, fx)?,
            Event::SupervisorRating {
                dialog,
                supervisor,
                score,
                comment,
            } => {
                check_score(score)?;
                let rating = Rating {
                    score,
                    comment: rating_comment(comment),
                    at: now,
                };
                self.dialog_mut(&dialog)?.supervisor_rating = Some(rating.clone());
                fx.push(Effect::Rated {
                    dialog,
                    by: Some(supervisor),
                    rating,
                });
            }
            Event::Transfer { dialog, by, to } => self.transfer(now, &dialog, &by, to, fx)?,
            Event::Invite {
                dialog,
                by,
                operator,
            } => {
                let d = self.dialog_ref(&dialog)?;
                let allowed = d.status.owner() == Some(by.as_str())
                    && matches!(d.status, Status::Active { .. });
                if !allowed {
                    return Err(LineError::NotAllowed {
                        dialog,
                        operator: by,
                    });
                }
                match self.operators.get(&operator) {
                    Some(op) if !op.dismissed => {}
                    _ => return Err(LineError::UnknownOperator(operator)),
                }
                let d = self.dialog_mut(&dialog)?;
                if d.status.owner() != Some(operator.as_str()) && !d.invited.contains(&operator) {
                    d.invited.push(operator.clone());
                    fx.push(Effect::Invited { dialog, operator });
                }
            }
            Event::Leave { dialog, operator } => {
                let d = self.dialog_mut(&dialog)?;
                if let Some(i) = d.invited.iter().position(|o| *o == operator) {
                    d.invited.remove(i);
                    fx.push(Effect::Left { dialog, operator });
                } else if matches!(&d.status, Status::Active { operator: o, .. } if *o == operator)
                {
                    // The holder leaves: back to routing, not to them again.
                    d.tried = vec![operator.clone()];
                    fx.push(Effect::Left {
                        dialog: dialog.clone(),
                        operator,
                    });
                    self.route(now, &dialog, fx);
                } else {
                    return Err(LineError::NotAllowed { dialog, operator });
                }
            }
        }
        Ok(())
    }

    /// Fires every timer due at `now`. Safe to call late or repeatedly: a
    /// timer fires once, and each handler re-checks the dialog's state.
    pub fn handle_timeout(&mut self, now: Millis) -> Fx {
        let mut fx = Vec::new();
        self.now = StepTime(now);
        for key in self.timers.take_due(now) {
            let Some(dialog) = key.dialog.clone() else {
                continue; // LineOpens: the drain below does the work.
            };
            let Some(d) = self.dialogs.get(&dialog) else {
                continue;
            };
            match key.kind {
                TimerKind::PassOn => {
                    if let Status::Offered { to } = &d.status {
                        for operator in to.clone() {
                            fx.push(Effect::Revoke {
                                dialog: dialog.clone(),
                                operator,
                            });
                        }
                        self.route(now, &dialog, &mut fx);
                    }
                }
                TimerKind::BotHandoff => {
                    if matches!(d.status, Status::WithBot { .. }) {
                        self.enter_routing(now, &dialog, &mut fx);
                    }
                }
                TimerKind::FirstAnswerKpi => {
                    let live = !matches!(d.status, Status::Finished { .. });
                    if live && d.first_answer_at.is_none() {
                        self.kpi_missed(&dialog, KpiKind::FirstAnswer, &mut fx);
                    }
                }
                TimerKind::AnswerKpi => {
                    if matches!(
                        d.status,
                        Status::Active {
                            waiting_for: Party::Operator,
                            ..
                        }
                    ) {
                        self.kpi_missed(&dialog, KpiKind::Answer, &mut fx);
                    }
                }
                TimerKind::AutoClose => {
                    if let (
                        Status::Active {
                            waiting_for: Party::Client,
                            ..
                        },
                        Some(ac),
                    ) = (&d.status, &self.settings.auto_close)
                    {
                        let text = ac.message.clone();
                        self.close(now, &dialog, text, &mut fx);
                    }
                }
                TimerKind::FinalClose => {
                    if matches!(d.status, Status::AwaitingRating { .. }) {
                        self.finish(&dialog, &mut fx);
                    }
                }
                TimerKind::LineOpens => {}
            }
        }
        self.drain(now, &mut fx);
        self.check_index();
        fx
    }

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
        let keys: Vec<(TimerKey, Millis)> = self
            .timers
            .entries()
            .map(|(k, at)| (k.clone(), at))
            .collect();
        for (k, at) in keys {
            self.timers.cancel(&k);
            self.timers.set(k, at);
        }
    }

    /// The head (settings, departments, recent waits) as JSON, for storage.
    pub fn head_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&HeadRef {
            settings: &self.settings,
            departments: &self.departments,
            recent_waits: &self.recent_waits,
        })
    }

    /// One client's record, for storage.
    pub fn client_record(&self, id: &str) -> Option<&ClientRecord> {
        self.clients.get(id)
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

    /// Forgets dialogs finished before `cutoff` (their transcripts live in
    /// the dialogs' own storage); returns the ids forgotten. Keeps the
    /// line's persisted state bounded.
    pub fn prune_finished(&mut self, cutoff: Millis) -> Vec<String> {
        let old: Vec<String> = self
            .dialogs
            .values()
            .filter(|d| d.finished_at.is_some_and(|t| t < cutoff))
            .map(|d| d.id.clone())
            .collect();
        for id in &old {
            self.dialogs.remove(id);
            self.changed.dialogs.mark(id.clone());
        }
        old
    }

    /// Queue position of a waiting dialog and its estimated wait.
    pub fn queue_info(&self, dialog: &str) -> Option<QueueInfo> {
        let queued = self.queued_oldest_first();
        let position = queued.iter().position(|d| *d == dialog)? + 1;
        let estimate_ms = if self.recent_waits.is_empty() {
            None
        } else {
            let avg = self.recent_waits.iter().sum::<Millis>() / self.recent_waits.len() as Millis;
            Some(avg * position as Millis)
        };
        Some(QueueInfo {
            position,
            estimate_ms,
        })
    }

    /// C7: the dialog through which an external system may write to this
    /// client, or the typed `client_not_found` error.
    pub fn dialog_for_client(&self, client: &str) -> Result<&Dialog, crate::ProtocolError> {
        self.clients
            .get(client)
            .and_then(|c| c.last_dialog.as_deref())
            .and_then(|d| self.dialogs.get(d))
            .ok_or_else(|| {
                crate::ProtocolError::new(
                    crate::ErrorCode::ClientNotFound,
                    "client with a connected open line not found",
                )
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
    fn index(&self) -> std::cell::Ref<'_, RoutingIndex> {
        self.index.get(|| {
            RoutingIndex::build(
                self.compute_queue_order(),
                &self.operators,
                self.live
                    .iter()
                    .filter_map(|id| self.dialogs.get(id))
                    .map(|d| &d.status),
            )
        })
    }

    /// In debug builds (the tests), the index kept up to date step by step
    /// must equal one built from scratch.
    fn check_index(&self) {
        #[cfg(debug_assertions)]
        if let Some(current) = self.index.current() {
            let fresh = RoutingIndex::build(
                self.compute_queue_order(),
                &self.operators,
                self.live
                    .iter()
                    .filter_map(|id| self.dialogs.get(id))
                    .map(|d| &d.status),
            );
            assert_eq!(current, fresh, "the routing index drifted");
        }
    }

    fn compute_queue_order(&self) -> Vec<String> {
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

    fn eligible_with(&self, operator: &str, now: Millis, load: &Load) -> bool {
        let Some(op) = self.operators.get(operator) else {
            return false;
        };
        if !op.available(
            now,
            self.settings.check_availability,
            self.settings.work_time_tracking,
        ) {
            return false;
        }
        if let Some(limit) = self.settings.concurrency_limit {
            if load.counted(limit.exclude) >= limit.max as usize {
                return false;
            }
        }
        if let Some(limit) = self.settings.unclosed_limit {
            if load.unclosed() >= limit as usize {
                return false;
            }
        }
        true
    }

    /// Q5: dialogs that count towards the operator's limit under `exclude`.
    pub fn counted_load(&self, operator: &str, exclude: LimitExclusion) -> usize {
        self.index().load(operator).counted(exclude)
    }

    /// Q12: dialogs the operator holds and has not closed.
    pub fn unclosed(&self, operator: &str) -> usize {
        self.index().load(operator).unclosed()
    }

    // ----- transitions -------------------------------------------------

    fn open(
        &mut self,
        now: Millis,
        dialog: String,
        client: String,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        if self.dialogs.contains_key(&dialog) {
            return Err(LineError::DialogExists(dialog));
        }
        self.changed.clients.mark(client.clone());
        let record = self.clients.entry(client.clone()).or_default();
        let returning = record.dialogs > 0;
        let previous_operator = record.last_operator.clone();
        record.dialogs += 1;
        record.last_dialog = Some(dialog.clone());
        self.changed.dialogs.mark(dialog.clone());
        self.dialogs.insert(
            dialog.clone(),
            Dialog {
                id: dialog.clone(),
                client,
                opened_at: now,
                status: Status::Queued,
                invited: Vec::new(),
                tried: Vec::new(),
                waiting_since: now,
                previous_operator,
                first_answer_at: None,
                awaiting_answer_since: None,
                client_rating: None,
                supervisor_rating: None,
                finished_at: None,
            },
        );
        self.live.insert(dialog.clone());
        match self.settings.bot.clone() {
            Some(bot) if !(bot.first_dialog_only && returning) => {
                self.set_status(
                    &dialog,
                    Status::WithBot {
                        bot: bot.bot.clone(),
                    },
                    fx,
                );
                fx.push(Effect::BotTakes {
                    dialog: dialog.clone(),
                    bot: bot.bot,
                });
                self.timers.set(
                    TimerKey::dialog(TimerKind::BotHandoff, &dialog),
                    now + bot.handoff_after_ms,
                );
            }
            _ => self.enter_routing(now, &dialog, fx),
        }
        Ok(())
    }

    /// The dialog reaches the operators: K1 starts, routing begins.
    fn enter_routing(&mut self, now: Millis, dialog: &str, fx: &mut Fx) {
        if let Some(kpi) = &self.settings.first_answer_kpi {
            self.timers.set(
                TimerKey::dialog(TimerKind::FirstAnswerKpi, dialog),
                now + kpi.within_ms,
            );
        }
        if let Some(d) = self.touch(dialog) {
            d.waiting_since = now;
            d.tried.clear();
        }
        self.route(now, dialog, fx);
    }

    /// Offers the dialog per the mode, or queues it (Q2, Q7, Q8, L2, H1).
    /// Whether it was offered (false: queued, because nobody eligible).
    fn route(&mut self, now: Millis, dialog: &str, fx: &mut Fx) -> bool {
        self.timers
            .cancel(&TimerKey::dialog(TimerKind::PassOn, dialog));
        let Some(targets) = self.pick(now, dialog) else {
            if self.dialogs.get(dialog).map(|d| &d.status) != Some(&Status::Queued) {
                self.set_status(dialog, Status::Queued, fx);
            }
            return false;
        };
        let Some(d) = self.touch(dialog) else {
            return false;
        };
        let tried: BTreeSet<&String> = d.tried.iter().collect();
        let new: Vec<String> = targets
            .iter()
            .filter(|t| !tried.contains(t))
            .cloned()
            .collect();
        d.tried.extend(new);
        for t in &targets {
            if let Some(op) = self.operators.get_mut(t) {
                op.last_offered_at = Some(now);
                self.changed.operators.mark(t.clone());
                self.index.update(|ix| ix.offered_at(t, now));
            }
            fx.push(Effect::Offer {
                dialog: dialog.to_owned(),
                operator: t.clone(),
            });
        }
        self.set_status(dialog, Status::Offered { to: targets }, fx);
        self.timers.set(
            TimerKey::dialog(TimerKind::PassOn, dialog),
            now + self.settings.pass_after_ms,
        );
        true
    }

    /// Whom to offer the dialog to now, or None to queue it. Looks at the
    /// candidates in the mode's order (the routing index) and stops at the
    /// first eligible one, so a decision costs a few checks, not one per
    /// operator.
    fn pick(&mut self, now: Millis, dialog: &str) -> Option<Vec<String>> {
        if !self.settings.active {
            return None; // L2: queued, nobody can answer.
        }
        if !self.open_now(now) {
            if let Some(at) = self.next_opening(now) {
                self.timers.set(TimerKey::line(TimerKind::LineOpens), at);
            }
            return None;
        }
        let d = self.dialogs.get(dialog)?;
        let ix = self.index();
        let eligible = |o: &str| self.eligible_with(o, now, &ix.load(o));
        if self.settings.mode == DistributionMode::AllAtOnce {
            let all: Vec<String> = ix.order.iter().filter(|o| eligible(o)).cloned().collect();
            return (!all.is_empty()).then_some(all);
        }
        // Q8: a returning client's first offer goes to their operator if eligible.
        if self.settings.return_to_previous_operator && d.tried.is_empty() {
            if let Some(prev) = &d.previous_operator {
                if ix.in_queue(prev) && eligible(prev) {
                    return Some(vec![prev.clone()]);
                }
            }
        }
        let tried = |o: &str| d.tried.iter().any(|t| t == o);
        let first = |fresh_only: bool| -> Option<String> {
            let ok = |o: &str| !(fresh_only && tried(o)) && eligible(o);
            match self.settings.mode {
                DistributionMode::StrictOrder => ix.order.iter().find(|o| ok(o)).cloned(),
                _ => ix
                    .evenly
                    .iter()
                    .map(|(_, _, position)| ix.at(*position))
                    .find(|o| ok(o))
                    .map(str::to_owned),
            }
        };
        // T1/Q7: when everyone eligible was tried, a new round starts from
        // the top; so does one where nobody eligible was tried yet.
        let (chosen, all_tried) = match first(true) {
            Some(o) => (o, false),
            None => (first(false)?, true),
        };
        let none_tried = !d.tried.iter().any(|o| ix.in_queue(o) && eligible(o));
        let new_round = !d.tried.is_empty() && (all_tried || none_tried);
        drop(ix);
        if new_round {
            if let Some(d) = self.touch(dialog) {
                d.tried.clear();
            }
        }
        Some(vec![chosen])
    }

    /// Offers queued dialogs, oldest first, while operators are eligible.
    /// Whom a dialog may go to does not depend on the dialog (only Q8 and
    /// the round do, among those eligible), so once one cannot be offered
    /// the rest wait too.
    fn drain(&mut self, now: Millis, fx: &mut Fx) {
        for dialog in self.queued_oldest_first() {
            if !self.route(now, &dialog, fx) {
                break;
            }
        }
    }

    fn queued_oldest_first(&self) -> Vec<String> {
        let mut q: Vec<(&Millis, &String)> = self
            .live
            .iter()
            .filter_map(|id| self.dialogs.get(id))
            .filter(|d| d.status == Status::Queued)
            .map(|d| (&d.waiting_since, &d.id))
            .collect();
        q.sort();
        q.into_iter().map(|(_, id)| id.clone()).collect()
    }

    fn withdraw_offers_of(&mut self, operator: &str, now: Millis, fx: &mut Fx) {
        let offered: Vec<String> = self
            .live
            .iter()
            .filter_map(|id| self.dialogs.get(id))
            .filter(
                |d| matches!(&d.status, Status::Offered { to } if to.iter().any(|o| o == operator)),
            )
            .map(|d| d.id.clone())
            .collect();
        for dialog in offered {
            if let Some(Status::Offered { to }) =
                self.dialogs.get(&dialog).map(|d| d.status.clone())
            {
                for o in to {
                    fx.push(Effect::Revoke {
                        dialog: dialog.clone(),
                        operator: o,
                    });
                }
            }
            self.route(now, &dialog, fx);
        }
    }

    fn accept(
        &mut self,
        now: Millis,
        dialog: &str,
        operator: &str,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        if !self.settings.active {
            return Err(LineError::LineInactive);
        }
        if !self.operators.contains_key(operator) {
            return Err(LineError::UnknownOperator(operator.to_owned()));
        }
        let d = self.dialog_ref(dialog)?;
        let offered_to = match &d.status {
            Status::Offered { to } if to.iter().any(|o| o == operator) => to.clone(),
            // An operator of the queue may pick a waiting dialog themselves.
            Status::Queued if self.queue_order().iter().any(|o| o == operator) => Vec::new(),
            Status::Finished { .. } => return Err(LineError::DialogFinished(dialog.to_owned())),
            _ => {
                return Err(LineError::NotAllowed {
                    dialog: dialog.to_owned(),
                    operator: operator.to_owned(),
                })
            }
        };
        let (waiting_since, client) = (d.waiting_since, d.client.clone());
        for o in offered_to.into_iter().filter(|o| o != operator) {
            fx.push(Effect::Revoke {
                dialog: dialog.to_owned(),
                operator: o,
            });
        }
        self.timers
            .cancel(&TimerKey::dialog(TimerKind::PassOn, dialog));
        let waited = now - waiting_since;
        self.recent_waits.push(waited.max(0));
        self.changed.head.0 = true;
        if self.recent_waits.len() > WAIT_SAMPLES {
            self.recent_waits.remove(0);
        }
        self.set_status(
            dialog,
            Status::Active {
                operator: operator.to_owned(),
                answered: false,
                waiting_for: Party::Operator,
            },
            fx,
        );
        fx.push(Effect::Assigned {
            dialog: dialog.to_owned(),
            operator: operator.to_owned(),
        });
        if let Some(c) = self.clients.get_mut(&client) {
            c.last_operator = Some(operator.to_owned());
            self.changed.clients.mark(client.clone());
        }
        if let Some(limit) = self.settings.unclosed_limit {
            if self.unclosed(operator) >= limit as usize {
                fx.push(Effect::Notify {
                    to: vec![operator.to_owned()],
                    notice: Notice::UnclosedLimitReached {
                        operator: operator.to_owned(),
                        limit,
                    },
                });
            }
        }
        Ok(())
    }

    fn operator_message(
        &mut self,
        now: Millis,
        dialog: &str,
        operator: &str,
        hidden: bool,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        let d = self.dialog_ref(dialog)?;
        let dismissed = self.operators.get(operator).is_some_and(|o| o.dismissed);
        if dismissed || !d.involves(operator) {
            return Err(LineError::NotAllowed {
                dialog: dialog.to_owned(),
                operator: operator.to_owned(),
            });
        }
        if hidden {
            return Ok(()); // Q11: colleagues only; nothing changes for the client.
        }
        if !self.settings.active {
            return Err(LineError::LineInactive);
        }
        if let Status::Finished { .. } = d.status {
            return Err(LineError::DialogFinished(dialog.to_owned()));
        }
        if matches!(d.status, Status::Offered { .. }) {
            self.accept(now, dialog, operator, fx)?;
        }
        let d = self.dialog_mut(dialog)?;
        if let Status::Active {
            operator: owner, ..
        } = &d.status
        {
            let owner = owner.clone();
            let old = std::mem::replace(
                &mut d.status,
                Status::Active {
                    operator: owner,
                    answered: true,
                    waiting_for: Party::Client,
                },
            );
            let new = d.status.clone();
            d.first_answer_at.get_or_insert(now);
            d.awaiting_answer_since = None;
            self.index.update(|ix| ix.status_changed(&old, &new));
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::FirstAnswerKpi, dialog));
            self.timers
                .cancel(&TimerKey::dialog(TimerKind::AnswerKpi, dialog));
            if let Some(ac) = &self.settings.auto_close {
                self.timers.set(
                    TimerKey::dialog(TimerKind::AutoClose, dialog),
                    now + ac.after_ms,
                );
            }
        }
        Ok(())
    }

    fn client_message(&mut self, now: Millis, dialog: &str, fx: &mut Fx) -> Result<(), LineError> {
        let answer_kpi = self.settings.answer_kpi.clone();
        let d = self.dialog_mut(dialog)?;
        match d.status.clone() {
            Status::Finished { .. } => return Err(LineError::DialogFinished(dialog.to_owned())),
            Status::AwaitingRating { operator } => {
                let new = Status::Active {
                    operator,
                    answered: true,
                    waiting_for: Party::Operator,
                };
                let old = std::mem::replace(&mut d.status, new.clone());
                self.index.update(|ix| ix.status_changed(&old, &new));
                self.timers
                    .cancel(&TimerKey::dialog(TimerKind::FinalClose, dialog));
                fx.push(Effect::ToClient {
                    dialog: dialog.to_owned(),
                    notice: ClientNotice::Reopened,
                });
                fx.push(Effect::StatusChanged {
                    dialog: dialog.to_owned(),
                    status: "active".into(),
                });
            }
            Status::Active {
                operator, answered, ..
            } => {
                let new = Status::Active {
                    operator,
                    answered,
                    waiting_for: Party::Operator,
                };
                let old = std::mem::replace(&mut d.status, new.clone());
                self.index.update(|ix| ix.status_changed(&old, &new));
                self.timers
                    .cancel(&TimerKey::dialog(TimerKind::AutoClose, dialog));
            }
            _ => {}
        }
        let d = self.dialog_mut(dialog)?;
        if d.awaiting_answer_since.is_none() && !matches!(d.status, Status::WithBot { .. }) {
            d.awaiting_answer_since = Some(now);
            let answered_before = d.first_answer_at.is_some();
            if let (Some(kpi), true) = (answer_kpi, answered_before) {
                self.timers.set(
                    TimerKey::dialog(TimerKind::AnswerKpi, dialog),
                    now + kpi.within_ms,
                );
            }
        }
        Ok(())
    }

    /// T4 (or T3 with its own text): tell the client, ask for a rating, and
    /// wait for it (T2) or finish.
    fn close(&mut self, now: Millis, dialog: &str, text: String, fx: &mut Fx) {
        let Some(owner) = self
            .dialogs
            .get(dialog)
            .and_then(|d| d.status.owner().map(str::to_owned))
        else {
            return;
        };
        self.timers.cancel_dialog(dialog);
        fx.push(Effect::ToClient {
            dialog: dialog.to_owned(),
            notice: ClientNotice::Closed { text },
        });
        if self.settings.ask_rating {
            fx.push(Effect::ToClient {
                dialog: dialog.to_owned(),
                notice: ClientNotice::RatingRequest,
            });
        }
        if self.settings.ask_rating && self.settings.rating_wait_ms > 0 {
            self.set_status(dialog, Status::AwaitingRating { operator: owner }, fx);
            self.timers.set(
                TimerKey::dialog(TimerKind::FinalClose, dialog),
                now + self.settings.rating_wait_ms,
            );
        } else {
            self.finish(dialog, fx);
        }
    }

    fn finish(&mut self, dialog: &str, fx: &mut Fx) {
        self.timers.cancel_dialog(dialog);
        let owner = self
            .dialogs
            .get(dialog)
            .and_then(|d| d.status.owner().map(str::to_owned));
        self.set_status(dialog, Status::Finished { operator: owner }, fx);
    }

    fn client_rating(
        &mut self,
        now: Millis,
        dialog: &str,
        score: u8,
        comment: Option<String>,
        fx: &mut Fx,
    ) -> Result<(), LineError> {
        check_score(score)?;
        let rating = Rating {
            score,
            comment: rating_comment(comment),
            at: now,
        };
        let close_on_rating = self.settings.close_on_rating;
        let reopen_late = self.settings.rating_wait_ms == 0 && !close_on_rating;
        let d = self.dialog_mut(dialog)?;
        d.client_rating = Some(rating.clone());
        let status = d.status.clone();
        fx.push(Effect::Rated {
            dialog: dialog.to_owned(),
            by: None,
            rating,
        });
        match status {
            Status::AwaitingRating { .. } if close_on_rating => self.finish(dialog, fx),
            Status::Finished {
                operator: Some(operator),
            } if reopen_late => {
                // T2 = 0: a rating after the close reopens the session.
                self.set_status(
                    dialog,
                    Status::Active {
                        operator,
                        answered: true,
                        waiting_for: Party::Operator,
                    },
                    fx,
                );
                fx.push(Effect::ToClient {
                    dialog: dialog.to_owned(),
                    notice: ClientNotice::Reopened,
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn transfer(
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

    fn kpi_missed(&mut self, dialog: &str, kpi: KpiKind, fx: &mut Fx) {
        let setting = match kpi {
            KpiKind::FirstAnswer => &self.settings.first_answer_kpi,
            KpiKind::Answer => &self.settings.answer_kpi,
        };
        let Some(setting) = setting else { return };
        if setting.notify.is_empty() {
            return;
        }
        let operator = self.dialogs.get(dialog).and_then(|d| match &d.status {
            Status::Offered { to } => to.first().cloned(),
            s => s.owner().map(str::to_owned),
        });
        fx.push(Effect::Notify {
            to: setting.notify.clone(),
            notice: Notice::KpiMissed {
                dialog: dialog.to_owned(),
                kpi,
                operator,
            },
        });
    }

    fn set_status(&mut self, dialog: &str, status: Status, fx: &mut Fx) {
        if self.dialogs.contains_key(dialog) {
            self.changed.dialogs.mark(dialog.to_owned());
        }
        if let Some(d) = self.dialogs.get_mut(dialog) {
            let name = status.name();
            let changed = d.status.name() != name;
            if status == Status::Queued && d.status != Status::Queued {
                d.waiting_since = d.waiting_since.max(d.opened_at);
            }
            if matches!(status, Status::Finished { .. }) {
                self.live.remove(dialog);
                d.finished_at = Some(self.now.0);
            } else {
                self.live.insert(dialog.to_owned());
            }
            let old = std::mem::replace(&mut d.status, status);
            let new = &d.status;
            self.index.update(|ix| ix.status_changed(&old, new));
            if changed {
                fx.push(Effect::StatusChanged {
                    dialog: dialog.to_owned(),
                    status: name.to_owned(),
                });
            }
        }
    }

    fn dialog_ref(&self, id: &str) -> Result<&Dialog, LineError> {
        self.dialogs
            .get(id)
            .ok_or_else(|| LineError::UnknownDialog(id.to_owned()))
    }

    /// A dialog to change, recorded as changed for storage.
    fn touch(&mut self, id: &str) -> Option<&mut Dialog> {
        let d = self.dialogs.get_mut(id)?;
        self.changed.dialogs.mark(id.to_owned());
        Some(d)
    }

    fn dialog_mut(&mut self, id: &str) -> Result<&mut Dialog, LineError> {
        if self.dialogs.contains_key(id) {
            self.changed.dialogs.mark(id.to_owned());
        }
        self.dialogs
            .get_mut(id)
            .ok_or_else(|| LineError::UnknownDialog(id.to_owned()))
    }

    fn operator_mut(&mut self, id: &str) -> Result<&mut Operator, LineError> {
        if self.operators.contains_key(id) {
            self.changed.operators.mark(id.to_owned());
        }
        self.operators
            .get_mut(id)
            .ok_or_else(|| LineError::UnknownOperator(id.to_owned()))
    }
}

fn check_score(score: u8) -> Result<(), LineError> {
    if (1..=5).contains(&score) {
        Ok(())
    } else {
        Err(LineError::InvalidRating)
    }
}

/// Longest rating comment kept (R1, R2), in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 2000;

/// A rating comment as stored, the same on every path (HTTP, socket,
/// supervisor): trimmed, at most [`MAX_RATING_COMMENT_CHARS`], none when
/// empty.
pub fn rating_comment(comment: Option<String>) -> Option<String> {
    comment
        .map(|c| {
            c.trim()
                .chars()
                .take(MAX_RATING_COMMENT_CHARS)
                .collect::<String>()
        })
        .filter(|c| !c.is_empty())
}
