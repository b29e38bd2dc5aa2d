//! A tiny simulation harness over the line machine: a fake clock that only
//! moves when told, and the effects of every step collected for assertions.
#![allow(dead_code)]

use openline_core::line::{Effect, Event, Line, Status};
use openline_core::operator::{Operator, Presence};
use openline_core::settings::{DistributionMode, LineSettings, QueueEntry};
use openline_core::{Millis, MINUTE};

pub const T0: Millis = 1_795_000_000_000;

pub struct Sim {
    pub line: Line,
    pub now: Millis,
    pub fx: Vec<Effect>,
}

/// Settings for tests: no working hours, the given mode and operators in order.
pub fn settings(mode: DistributionMode, ops: &[&str]) -> LineSettings {
    let mut s = LineSettings::new("Northwind Tea");
    s.mode = mode;
    s.pass_after_ms = MINUTE;
    s.queue = ops
        .iter()
        .map(|o| QueueEntry::Operator(o.to_string()))
        .collect();
    s
}

impl Sim {
    pub fn new(settings: LineSettings) -> Self {
        let ops: Vec<String> = settings
            .queue
            .iter()
            .filter_map(|e| match e {
                QueueEntry::Operator(o) => Some(o.clone()),
                _ => None,
            })
            .collect();
        let mut sim = Sim {
            line: Line::new(settings).expect("valid settings"),
            now: T0,
            fx: Vec::new(),
        };
        for o in ops {
            sim.online(&o);
        }
        sim
    }

    pub fn with(mode: DistributionMode, ops: &[&str]) -> Self {
        Sim::new(settings(mode, ops))
    }

    /// Anna and Boris, each new dialog offered to both for 10 minutes, a
    /// first answer expected within 3 (K1): the statistics' and the
    /// search's day of dialogs.
    pub fn both_offered_with_kpi() -> Self {
        let mut s = settings(DistributionMode::AllAtOnce, &["anna", "boris"]);
        s.pass_after_ms = 10 * MINUTE;
        s.first_answer_kpi = Some(openline_core::settings::Kpi {
            within_ms: 3 * MINUTE,
            notify: vec![],
        });
        Sim::new(s)
    }

    /// Adds (or resets) an online operator.
    pub fn online(&mut self, id: &str) {
        let mut op = Operator::new(id, &id.to_uppercase());
        op.presence = Presence::Online;
        op.working_day = true;
        self.ok(Event::UpsertOperator { operator: op });
    }

    pub fn presence(&mut self, id: &str, presence: Presence) -> Vec<Effect> {
        self.ok(Event::SetPresence {
            operator: id.into(),
            presence,
        })
    }

    /// Applies an event that must succeed; returns its effects.
    pub fn ok(&mut self, e: Event) -> Vec<Effect> {
        let fx = self
            .line
            .handle(self.now, e.clone())
            .unwrap_or_else(|err| panic!("{e:?} failed: {err}"));
        self.fx.extend(fx.clone());
        fx
    }

    pub fn try_event(&mut self, e: Event) -> Result<Vec<Effect>, openline_core::line::LineError> {
        let r = self.line.handle(self.now, e);
        if let Ok(fx) = &r {
            self.fx.extend(fx.clone());
        }
        r
    }

    pub fn open(&mut self, dialog: &str, client: &str) -> Vec<Effect> {
        self.ok(Event::DialogOpened {
            dialog: dialog.into(),
            client: client.into(),
            channel: Default::default(),
        })
    }

    pub fn client_says(&mut self, dialog: &str) -> Vec<Effect> {
        self.ok(Event::ClientMessage {
            dialog: dialog.into(),
        })
    }

    pub fn answer(&mut self, dialog: &str, op: &str) -> Vec<Effect> {
        self.ok(Event::OperatorMessage {
            dialog: dialog.into(),
            operator: op.into(),
            hidden: false,
        })
    }

    pub fn accept(&mut self, dialog: &str, op: &str) -> Vec<Effect> {
        self.ok(Event::Accept {
            dialog: dialog.into(),
            operator: op.into(),
        })
    }

    pub fn close(&mut self, dialog: &str, op: &str) -> Vec<Effect> {
        self.ok(Event::Close {
            dialog: dialog.into(),
            operator: op.into(),
        })
    }

    /// Moves the clock and fires whatever timers are due.
    pub fn advance(&mut self, ms: Millis) -> Vec<Effect> {
        self.now += ms;
        let fx = self.line.handle_timeout(self.now);
        self.fx.extend(fx.clone());
        fx
    }

    pub fn status(&self, dialog: &str) -> Status {
        self.line.dialog(dialog).expect("dialog").status.clone()
    }

    /// Operators the dialog is offered to right now.
    pub fn offered(&self, dialog: &str) -> Vec<String> {
        match self.status(dialog) {
            Status::Offered { to } => to,
            _ => Vec::new(),
        }
    }

    pub fn owner(&self, dialog: &str) -> Option<String> {
        self.status(dialog).owner().map(str::to_owned)
    }
}

pub fn offers(fx: &[Effect]) -> Vec<(String, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Offer { dialog, operator } => Some((dialog.clone(), operator.clone())),
            _ => None,
        })
        .collect()
}
