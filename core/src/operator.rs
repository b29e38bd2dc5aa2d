//! Operators as routing sees them (Q4) and as clients see them (O1).

use crate::settings::Presentation;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// Operator presence in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Away,
    Offline,
}

/// An operator of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Operator {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    pub dismissed: bool,
    /// Vacation periods, `[from, to)` in epoch ms.
    #[serde(default)]
    pub vacations: Vec<(Millis, Millis)>,
    /// Q4 with work-time tracking: the working day has been started.
    pub working_day: bool,
    pub presence: Presence,
    /// When a dialog was last offered to them; the evenly mode's tie-break.
    #[serde(default)]
    pub last_offered_at: Option<Millis>,
}

impl Operator {
    /// A new, offline operator.
    pub fn new(id: &str, name: &str) -> Self {
        Operator {
            id: id.to_owned(),
            name: name.to_owned(),
            avatar: None,
            position: None,
            dismissed: false,
            vacations: Vec::new(),
            working_day: false,
            presence: Presence::Offline,
            last_offered_at: None,
        }
    }

    pub fn on_vacation(&self, now: Millis) -> bool {
        self.vacations
            .iter()
            .any(|(from, to)| *from <= now && now < *to)
    }

    /// Q4: may this operator be offered a dialog now? Dismissed operators
    /// never are; with the check on, neither is anyone on vacation, nor
    /// anyone not at work (working day not started when work-time tracking
    /// is on, otherwise not online).
    pub fn available(&self, now: Millis, check: bool, work_time_tracking: bool) -> bool {
        if self.dismissed {
            return false;
        }
        if !check {
            return true;
        }
        let at_work = if work_time_tracking {
            self.working_day
        } else {
            self.presence == Presence::Online
        };
        at_work && !self.on_vacation(now)
    }
}

/// How an operator is shown to a client (O1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorCard {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// O1: the card the client sees for this operator under the line's mode;
/// None when operators are hidden.
pub fn present(op: &Operator, mode: &Presentation) -> Option<OperatorCard> {
    match mode {
        Presentation::Own => Some(OperatorCard {
            name: op.name.clone(),
            avatar: op.avatar.clone(),
            position: op.position.clone(),
        }),
        Presentation::Replacement {
            name,
            avatar,
            position,
        } => Some(OperatorCard {
            name: name.clone(),
            avatar: avatar.clone(),
            position: position.clone(),
        }),
        Presentation::Hidden => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_on_vacation_is_unavailable_only_while_the_check_is_on() {
        let mut op = Operator::new("o", "Olga");
        op.presence = Presence::Online;
        op.vacations.push((100, 200));
        assert!(!op.available(150, true, false));
        assert!(op.available(200, true, false));
        assert!(op.available(150, false, false));
    }

    #[test]
    fn a_dismissed_operator_is_never_available() {
        let mut op = Operator::new("o", "Olga");
        op.presence = Presence::Online;
        op.dismissed = true;
        assert!(!op.available(0, true, false));
        assert!(!op.available(0, false, false));
    }

    #[test]
    fn with_work_time_tracking_the_working_day_counts_not_presence() {
        let mut op = Operator::new("o", "Olga");
        op.presence = Presence::Online;
        assert!(!op.available(0, true, true));
        op.working_day = true;
        op.presence = Presence::Offline;
        assert!(op.available(0, true, true));
        assert!(!op.available(0, true, false));
    }

    #[test]
    fn presentation_shows_own_replacement_or_nothing() {
        let mut op = Operator::new("o", "Olga");
        op.position = Some("Tea expert".into());
        assert_eq!(present(&op, &Presentation::Own).unwrap().name, "Olga");
        let rep = Presentation::Replacement {
            name: "Northwind team".into(),
            avatar: None,
            position: None,
        };
        let card = present(&op, &rep).unwrap();
        assert_eq!(card.name, "Northwind team");
        assert_eq!(card.position, None);
        assert_eq!(present(&op, &Presentation::Hidden), None);
    }
}
