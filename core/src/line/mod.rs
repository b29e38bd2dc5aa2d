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
use crate::settings::{
    DistributionMode, LimitExclusion, LineSettings, QueueEntry, SettingsError, SilenceAction,
};
use crate::timers::{Marks, TimerKey, TimerKind, TimerTable};
use routing_index::{IndexCell, Load, RoutingIndex};
use storage::{Changed, Flag, StepTime};

mod away;
mod collaboration;
mod figures;
mod lifecycle;
mod roster;
mod routing;
mod routing_index;
mod storage;
mod timeouts;

use crate::channels::ChannelKind;
use crate::Millis;
pub use away::{Availability, Away, REPLY_ESTIMATE_MIN_DIALOGS, REPLY_ESTIMATE_WINDOW_MS};
use lifecycle::check_score;
pub use lifecycle::{rating_comment, MAX_RATING_COMMENT_CHARS};
pub use roster::OFFERS_WITHOUT_LIMIT;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
pub use storage::{Changes, StoredLine};

/// Who the dialog waits for while active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Operator,
    Client,
}

/// Where a dialog is in its lifecycle; every dialog is in exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// A dialog's state by name, typed on the wire (`"offered"`, `"active"`…)
/// so a console cannot receive a state that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DialogState {
    WithBot,
    Queued,
    Offered,
    Active,
    AwaitingRating,
    Finished,
}

impl DialogState {
    /// Every state, in lifecycle order.
    pub const ALL: [DialogState; 6] = [
        DialogState::WithBot,
        DialogState::Queued,
        DialogState::Offered,
        DialogState::Active,
        DialogState::AwaitingRating,
        DialogState::Finished,
    ];

    /// The state a wire name stands for.
    pub fn named(name: &str) -> Option<DialogState> {
        DialogState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            DialogState::WithBot => "with_bot",
            DialogState::Queued => "queued",
            DialogState::Offered => "offered",
            DialogState::Active => "active",
            DialogState::AwaitingRating => "awaiting_rating",
            DialogState::Finished => "finished",
        }
    }
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
    /// The state without its details: what listings and frames carry.
    pub fn state(&self) -> DialogState {
        match self {
            Status::WithBot { .. } => DialogState::WithBot,
            Status::Queued => DialogState::Queued,
            Status::Offered { .. } => DialogState::Offered,
            Status::Active { .. } => DialogState::Active,
            Status::AwaitingRating { .. } => DialogState::AwaitingRating,
            Status::Finished { .. } => DialogState::Finished,
        }
    }

    /// The state's wire name (`offered`, `active`…).
    pub fn name(&self) -> &'static str {
        self.state().name()
    }
}

/// A client's rating of a dialog (R1) or a supervisor's (R2), 1–5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rating {
    pub score: u8,
    #[serde(default)]
    pub comment: Option<String>,
    pub at: Millis,
}

/// What the line knows of one dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// When the dialog finished; finished dialogs leave the line's live
    /// state for its archive after a while (S3: never deleted).
    #[serde(default)]
    pub finished_at: Option<Millis>,
    /// K3: the indicators this dialog missed (each once), for the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpi_missed: Vec<KpiKind>,
    /// S1: when an operator first took the dialog (the queue wait ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<Millis>,
    /// S1: how long each of the client's waits for an answer lasted, the
    /// first [`MAX_ANSWER_WAITS`] of them (the time-to-answer figures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer_waits: Vec<Millis>,
    /// Part 5 of issue 13: when the line's operators were told that the
    /// client wrote while nobody could answer (once per dialog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_away: Option<Millis>,
    /// F4/H4: when they were told that the client left contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_contacts: Option<Millis>,
    /// L4/S1: where the client wrote from (dialogs stored before channels
    /// existed came through the widget).
    #[serde(default, skip_serializing_if = "is_widget")]
    pub channel: ChannelKind,
}

fn is_widget(c: &ChannelKind) -> bool {
    *c == ChannelKind::Widget
}

/// S1: a dialog keeps this many answer waits; a longer conversation's
/// later answers are not in its time-to-answer figures, and its stored row
/// stays small.
pub const MAX_ANSWER_WAITS: usize = 100;

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

    /// Whether the operator may read the dialog's messages: supervisors and
    /// administrators read every dialog of their line; an operator those
    /// the dialog [`Dialog::involves`] them in, and those a bot holds (B2:
    /// the line's operators watch the bot and may take the dialog over;
    /// every route checks the caller works on the line first).
    pub fn readable_by(&self, operator: &str, supervisor: bool) -> bool {
        supervisor || self.involves(operator) || matches!(self.status, Status::WithBot { .. })
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TransferTarget {
    Operator(String),
    Line(String),
}

/// Inputs of the line machine. Between the worker and the line's object
/// they travel externally tagged (`{"accept": {…}}`): never stored, never
/// public, and serde's internal tagging cost the edge 50 KB of wasm here.
/// Read by `frame_reader`'s flat reader (the derive cost 32 KB more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An operator joins the line or their account changed (name, dismissal,
    /// vacations, O1 card); presence and offer history are kept.
    UpsertOperator { operator: Operator },
    /// Q4: online, away or offline in the console.
    SetPresence {
        operator: String,
        presence: Presence,
    },
    /// Q4: a console of the operator connected or showed it is still
    /// there (its heartbeat). Being in the console means being online
    /// (unless they set away); it ends the grace period after their last
    /// console closed. A console that goes silent without closing (a
    /// network gone, a laptop asleep) counts as gone at `until` unless
    /// another sign of life moves it: the adapter sets `until` from its
    /// heartbeat interval (Q7).
    ConsoleAlive { operator: String, until: Millis },
    /// Q4/Q7: the operator's last console closed (a reload, a network
    /// drop, or gone for good). After [`CONSOLE_GRACE_MS`] without a
    /// console they are offline and lose offers and unanswered dialogs.
    ConsoleClosed { operator: String },
    /// Q4 with work-time tracking: the operator starts or ends the working day.
    SetWorkingDay { operator: String, started: bool },
    /// A dismissed operator is never offered a dialog; their offers are withdrawn.
    SetDismissed { operator: String, dismissed: bool },
    /// Q4: vacation periods `[from, to)`, during which no offers come.
    SetVacations {
        operator: String,
        vacations: Vec<(Millis, Millis)>,
    },
    /// Q1: a department's members, as the queue names them through it.
    SetDepartment {
        department: String,
        members: Vec<String>,
    },
    /// C1: an anonymous visitor logged in on the site, or an operator
    /// confirmed two clients are one person (`client_merge`): what the
    /// line knew of `from` (its dialogs, previous operator for Q8) joins
    /// `into`, and `from`'s record goes.
    MergeClient { from: String, into: String },
    /// A client wrote (or left a form): a new dialog enters the bot (B1) or routing.
    DialogOpened {
        dialog: String,
        client: String,
        /// Where the client wrote from (S1 counts dialogs by channel).
        channel: ChannelKind,
    },
    /// The client's turn started (the first of a run of client messages):
    /// K1's answer timer, T3 stops, a dialog awaiting its rating reopens.
    ClientMessage { dialog: String },
    /// B2: the bot hands the dialog to the operators.
    BotHandoff { dialog: String },
    /// B3: the bot that holds the dialog (`by`) ends it.
    BotClose { dialog: String, by: String },
    /// F4/H4: the client left contacts (the form, or a channel's profile);
    /// the line tells its operators when nobody holds the dialog.
    ContactsLeft { dialog: String },
    /// An operator takes a dialog offered to them, or picks one from the queue.
    Accept { dialog: String, operator: String },
    /// An operator writes in a dialog they take part in (an offered dialog is
    /// accepted by answering); `hidden` (Q11) changes nothing for the client.
    OperatorMessage {
        dialog: String,
        operator: String,
        hidden: bool,
    },
    /// T4: the holder closes the dialog.
    Close { dialog: String, operator: String },
    /// R1: the client rates the dialog (1–5, optional comment).
    ClientRating {
        dialog: String,
        score: u8,
        comment: Option<String>,
    },
    /// R2: a supervisor rates the operator's work in the dialog.
    SupervisorRating {
        dialog: String,
        supervisor: String,
        score: u8,
        comment: Option<String>,
    },
    /// Q9: the holder hands the dialog to a colleague or another line.
    Transfer {
        dialog: String,
        by: String,
        to: TransferTarget,
    },
    /// Q10: the holder invites a colleague into the dialog.
    Invite {
        dialog: String,
        by: String,
        operator: String,
    },
    /// Q10: an invited colleague leaves, or the holder gives the dialog back to routing.
    Leave { dialog: String, operator: String },
}

/// A system text the client receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Q12's warning before the limit: one more dialog and it is reached.
    UnclosedLimitNear {
        operator: String,
        unclosed: u32,
        limit: u32,
    },
    /// T1/Q7: the dialog left the operator unanswered (the pass-on time
    /// ran out, or they went away) for a colleague or the queue.
    PassedOn { dialog: String, operator: String },
    /// F4/H4: a client wrote while nobody could answer (once per dialog).
    ClientWaiting {
        dialog: String,
        client: String,
        cause: Away,
    },
    /// F4/H4: the client of a dialog nobody holds left their contacts.
    ContactsLeft { dialog: String, client: String },
}

impl Notice {
    /// Every notice's wire name (`kind`): a stored notice of another kind
    /// (from a newer release) is left out of lists rather than read.
    pub const KINDS: [&'static str; 6] = [
        "kpi_missed",
        "unclosed_limit_reached",
        "unclosed_limit_near",
        "passed_on",
        "client_waiting",
        "contacts_left",
    ];

    /// Whether the notice also goes out by e-mail (to recipients whose
    /// login is an address): KPI and limit notices matter later too, and a
    /// client left waiting most of all (see `email::away`); a pass-on or a
    /// warning only while the operator is at the console.
    pub fn mailed(&self) -> bool {
        !matches!(
            self,
            Notice::PassedOn { .. } | Notice::UnclosedLimitNear { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiKind {
    FirstAnswer,
    Answer,
}

/// Outputs the adapter applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A new dialog on the line (a client wrote, or another line handed it
    /// over): integrations hear of it.
    Opened {
        dialog: String,
        client: String,
    },
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
    /// K1/K3: a deadline passed, marked on the dialog once (whether or not
    /// anyone is notified; integrations hear of it).
    KpiMissed {
        dialog: String,
        kpi: KpiKind,
        operator: Option<String>,
    },
    /// A rating to store (R1, R2).
    Rated {
        dialog: String,
        by: Option<String>,
        rating: Rating,
    },
    /// C1: the anonymous client joined the verified one; what the adapter
    /// keeps per client (contacts, consents) follows.
    ClientsMerged {
        from: String,
        into: String,
    },
    /// The dialog's status changed (for listings and storage); a new
    /// dialog's first one (queued) too, so every list learns of it at once.
    StatusChanged {
        dialog: String,
        status: DialogState,
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
    #[error("operator '{operator}' already has {limit} unclosed dialogs, the most this line allows: close one first")]
    UnclosedLimit { operator: String, limit: u32 },
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
            LineError::UnclosedLimit { .. } => C::LimitReached,
        };
        crate::ProtocolError::new(code, e.to_string())
    }
}

/// What the line remembers of a client across dialogs (Q8, C7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientRecord {
    pub dialogs: u32,
    pub last_dialog: Option<String>,
    pub last_operator: Option<String>,
}

/// Queue position and estimated wait for a waiting visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueInfo {
    /// 1 for the next dialog to be served.
    pub position: usize,
    /// Position × recent average wait, when there is history.
    pub estimate_ms: Option<Millis>,
}

/// How long an operator whose last console closed stays present, so a
/// reload or a short network drop takes nothing away from them (Q7).
pub const CONSOLE_GRACE_MS: Millis = crate::MINUTE;

/// How many recent waits the estimate averages.
const WAIT_SAMPLES: usize = 20;

/// One line's routing state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
                self.timers.cancel(&TimerKey::console_gone(&operator));
                self.release_if_unavailable(now, &operator, fx);
            }
            Event::ConsoleAlive { operator, until } => {
                let op = self.operator_mut(&operator)?;
                if op.presence == Presence::Offline {
                    op.presence = Presence::Online;
                }
                self.timers
                    .set(TimerKey::console_gone(&operator), until.max(now));
            }
            Event::ConsoleClosed { operator } => {
                if self.operator_mut(&operator)?.presence != Presence::Offline {
                    self.timers
                        .set(TimerKey::console_gone(&operator), now + CONSOLE_GRACE_MS);
                }
            }
            Event::SetWorkingDay { operator, started } => {
                self.operator_mut(&operator)?.working_day = started;
                self.release_if_unavailable(now, &operator, fx);
            }
            Event::SetDismissed {
                operator,
                dismissed,
            } => {
                self.operator_mut(&operator)?.dismissed = dismissed;
                self.release_if_unavailable(now, &operator, fx);
            }
            Event::SetVacations {
                operator,
                vacations,
            } => {
                self.operator_mut(&operator)?.vacations = vacations;
                self.release_if_unavailable(now, &operator, fx);
            }
            Event::SetDepartment {
                department,
                members,
            } => {
                self.departments.insert(department, members);
                self.changed.head.0 = true;
                self.index.drop_index();
            }
            Event::MergeClient { from, into } => self.merge_client(from, into, fx),
            Event::DialogOpened {
                dialog,
                client,
                channel,
            } => self.open(now, dialog, client, channel, fx)?,
            Event::ClientMessage { dialog } => {
                self.client_message(now, &dialog, fx)?;
                self.tell_if_away(now, &dialog, fx);
            }
            Event::ContactsLeft { dialog } => self.contacts_left(now, &dialog, fx)?,
            Event::BotHandoff { dialog } => {
                let d = self.dialog_ref(&dialog)?;
                if matches!(d.status, Status::WithBot { .. }) {
                    self.timers
                        .cancel(&TimerKey::dialog(TimerKind::BotHandoff, &dialog));
                    self.enter_routing(now, &dialog, fx);
                    self.tell_if_away(now, &dialog, fx);
                }
            }
            Event::BotClose { dialog, by } => {
                self.bot_holds(&dialog, &by)?;
                self.finish(&dialog, fx);
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
                self.check_unclosed_limit(&operator)?;
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

    /// B3: whether `bot` holds `dialog` now (its messages, hand-over and
    /// close are refused otherwise).
    pub fn bot_holds(&self, dialog: &str, bot: &str) -> Result<(), LineError> {
        let d = self
            .dialogs
            .get(dialog)
            .ok_or_else(|| LineError::UnknownDialog(dialog.to_owned()))?;
        match &d.status {
            Status::WithBot { bot: b } if b == bot => Ok(()),
            _ => Err(LineError::NotAllowed {
                dialog: dialog.to_owned(),
                operator: bot.to_owned(),
            }),
        }
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

    fn merge_client(&mut self, from: String, into: String, fx: &mut Fx) {
        if from == into {
            return;
        }
        let Some(anonymous) = self.clients.remove(&from) else {
            return;
        };
        // Its dialogs still in the line's state are the merged client's
        // (the archive's follow in the adapter).
        let moved: Vec<String> = self
            .dialogs
            .values()
            .filter(|d| d.client == from)
            .map(|d| d.id.clone())
            .collect();
        for id in moved {
            if let Some(d) = self.touch(&id) {
                d.client = into.clone();
            }
        }
        self.changed.clients.mark(from.clone());
        self.changed.clients.mark(into.clone());
        let known = self.clients.entry(into.clone()).or_default();
        let fresh = known.dialogs == 0;
        known.dialogs += anonymous.dialogs;
        if fresh {
            known.last_dialog = anonymous.last_dialog;
        }
        if known.last_operator.is_none() {
            known.last_operator = anonymous.last_operator;
        }
        fx.push(Effect::ClientsMerged { from, into });
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
}
