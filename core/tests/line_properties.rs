//! Property tests: random sequences of events and time steps against a line
//! with random settings, checking the routing invariants after every step.

use openline_core::conversation::{Conversation, Delivery, Recipient, Sender};
use openline_core::line::{Effect, Event, Line, Status, TransferTarget};
use openline_core::operator::{Operator, Presence};
use openline_core::settings::{
    ConcurrencyLimit, DistributionMode, LimitExclusion, LineSettings, QueueEntry,
};
use openline_core::timers::{TimerKey, TimerKind};
use openline_core::{Millis, MINUTE};
use proptest::prelude::*;

const OPS: [&str; 4] = ["anna", "boris", "vera", "gleb"];
const T0: Millis = 1_795_000_000_000;

#[derive(Debug, Clone)]
enum Step {
    Open(u8, u8),
    ClientSays(u8),
    Accept(u8, u8),
    Answer(u8, u8),
    Hidden(u8, u8),
    Close(u8),
    Rate(u8, u8),
    Presence(u8, u8),
    Console(u8, bool),
    Vacation(u8, bool),
    Dismiss(u8, bool),
    Transfer(u8, u8),
    Invite(u8, u8),
    Advance(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u8..8, 0u8..4).prop_map(|(d, c)| Step::Open(d, c)),
        2 => (0u8..8).prop_map(Step::ClientSays),
        2 => (0u8..8, 0u8..4).prop_map(|(d, o)| Step::Accept(d, o)),
        2 => (0u8..8, 0u8..4).prop_map(|(d, o)| Step::Answer(d, o)),
        1 => (0u8..8, 0u8..4).prop_map(|(d, o)| Step::Hidden(d, o)),
        1 => (0u8..8).prop_map(Step::Close),
        1 => (0u8..8, 0u8..7).prop_map(|(d, s)| Step::Rate(d, s)),
        2 => (0u8..4, 0u8..3).prop_map(|(o, p)| Step::Presence(o, p)),
        1 => (0u8..4, any::<bool>()).prop_map(|(o, open)| Step::Console(o, open)),
        1 => (0u8..4, any::<bool>()).prop_map(|(o, v)| Step::Vacation(o, v)),
        1 => (0u8..4, any::<bool>()).prop_map(|(o, v)| Step::Dismiss(o, v)),
        1 => (0u8..8, 0u8..4).prop_map(|(d, o)| Step::Transfer(d, o)),
        1 => (0u8..8, 0u8..4).prop_map(|(d, o)| Step::Invite(d, o)),
        4 => (0u32..(3 * MINUTE as u32)).prop_map(Step::Advance),
    ]
}

fn line_settings() -> impl Strategy<Value = LineSettings> {
    (
        prop_oneof![
            Just(DistributionMode::Evenly),
            Just(DistributionMode::StrictOrder),
            Just(DistributionMode::AllAtOnce)
        ],
        any::<bool>(),
        proptest::option::of((1u32..3, 0u8..3)),
        proptest::option::of(1u32..4),
        0i64..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(mode, check, limit, unclosed, wait, close_on_rating, returning)| {
                let mut s = LineSettings::new("Prop line");
                s.mode = mode;
                s.check_availability = check;
                s.pass_after_ms = MINUTE;
                s.concurrency_limit = limit.map(|(max, k)| ConcurrencyLimit {
                    max,
                    exclude: [
                        LimitExclusion::Answered,
                        LimitExclusion::WaitingForClient,
                        LimitExclusion::Closed,
                    ][k as usize],
                });
                s.unclosed_limit = unclosed;
                s.rating_wait_ms = wait * MINUTE;
                s.close_on_rating = close_on_rating;
                s.return_to_previous_operator = returning;
                s.queue = OPS
                    .iter()
                    .map(|o| QueueEntry::Operator(o.to_string()))
                    .collect();
                s
            },
        )
}

fn to_event(line: &Line, now: Millis, s: &Step) -> Option<Event> {
    let d = |i: &u8| format!("d{i}");
    let o = |i: &u8| OPS[*i as usize % OPS.len()].to_string();
    Some(match s {
        Step::Open(i, c) => Event::DialogOpened {
            dialog: d(i),
            client: format!("c{c}"),
            channel: Default::default(),
        },
        Step::ClientSays(i) => Event::ClientMessage { dialog: d(i) },
        Step::Accept(i, op) => Event::Accept {
            dialog: d(i),
            operator: o(op),
        },
        Step::Answer(i, op) => Event::OperatorMessage {
            dialog: d(i),
            operator: o(op),
            hidden: false,
        },
        Step::Hidden(i, op) => Event::OperatorMessage {
            dialog: d(i),
            operator: o(op),
            hidden: true,
        },
        Step::Close(i) => {
            let owner = line.dialog(&d(i))?.status.owner()?.to_owned();
            Event::Close {
                dialog: d(i),
                operator: owner,
            }
        }
        Step::Rate(i, score) => Event::ClientRating {
            dialog: d(i),
            score: *score,
            comment: None,
        },
        Step::Presence(op, p) => Event::SetPresence {
            operator: o(op),
            presence: [Presence::Online, Presence::Away, Presence::Offline][*p as usize],
        },
        Step::Console(op, true) => Event::ConsoleAlive {
            operator: o(op),
            until: now + 2 * MINUTE,
        },
        Step::Console(op, false) => Event::ConsoleClosed { operator: o(op) },
        Step::Vacation(op, on) => Event::SetVacations {
            operator: o(op),
            vacations: if *on {
                vec![(now, now + 10 * MINUTE)]
            } else {
                vec![]
            },
        },
        Step::Dismiss(op, on) => Event::SetDismissed {
            operator: o(op),
            dismissed: *on,
        },
        Step::Transfer(i, op) => {
            let owner = line.dialog(&d(i))?.status.owner()?.to_owned();
            Event::Transfer {
                dialog: d(i),
                by: owner,
                to: TransferTarget::Operator(o(op)),
            }
        }
        Step::Invite(i, op) => {
            let owner = line.dialog(&d(i))?.status.owner()?.to_owned();
            Event::Invite {
                dialog: d(i),
                by: owner,
                operator: o(op),
            }
        }
        Step::Advance(_) => return None,
    })
}

fn check_invariants(
    line: &Line,
    now: Millis,
    fx: &[Effect],
    routed: bool,
) -> Result<(), TestCaseError> {
    let s = line.settings();
    let order = line.queue_order();
    for d in line.dialogs() {
        let pass_on = line
            .timers()
            .deadline(&TimerKey::dialog(TimerKind::PassOn, &d.id));
        let final_close = line
            .timers()
            .deadline(&TimerKey::dialog(TimerKind::FinalClose, &d.id));
        match &d.status {
            Status::Offered { to } => {
                prop_assert!(!to.is_empty(), "an offer names someone");
                let mut sorted = to.clone();
                sorted.sort();
                sorted.dedup();
                prop_assert_eq!(sorted.len(), to.len(), "no operator offered twice");
                prop_assert!(pass_on.is_some(), "an offer has its pass-on timer");
            }
            // T1: taken is not answered; the holder's time runs until they answer.
            Status::Active {
                answered: false,
                operator,
                ..
            } => {
                prop_assert!(
                    pass_on.is_some(),
                    "{} held unanswered by {} without a pass-on timer",
                    d.id,
                    operator
                );
            }
            _ => prop_assert!(
                pass_on.is_none(),
                "only offers and unanswered held dialogs have pass-on timers"
            ),
        }
        prop_assert_eq!(
            matches!(d.status, Status::AwaitingRating { .. }),
            final_close.is_some(),
            "awaiting a rating iff the final-close timer runs"
        );
        if d.status == Status::Queued && s.active && line.open_now(now) {
            for o in &order {
                prop_assert!(
                    !line.eligible(o, now),
                    "{} waits while {} is eligible",
                    d.id,
                    o
                );
            }
        }
    }
    if !routed {
        return Ok(());
    }
    // Offers of this step still standing (timers due together may offer
    // and then withdraw, e.g. a pass-on and an operator's console grace).
    let standing = |dialog: &String, op: &String| matches!(line.dialog(dialog).map(|d| &d.status), Some(Status::Offered { to }) if to.contains(op));
    let offers: Vec<(&String, &String)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Offer { dialog, operator } if standing(dialog, operator) => {
                Some((dialog, operator))
            }
            _ => None,
        })
        .collect();
    for (dialog, op) in &offers {
        let operator = line.operator(op).expect("offered operator exists");
        if s.check_availability {
            prop_assert!(
                operator.available(now, true, s.work_time_tracking),
                "{} offered to unavailable {}",
                dialog,
                op
            );
        }
        prop_assert!(!operator.dismissed, "never offered to a dismissed operator");
        if let Some(limit) = s.concurrency_limit {
            prop_assert!(
                line.counted_load(op, limit.exclude) <= limit.max as usize,
                "{} above the limit after routing",
                op
            );
        }
    }
    let revokes_elsewhere = fx.iter().any(|e| matches!(e, Effect::Revoke { .. }));
    if s.mode == DistributionMode::StrictOrder && offers.len() == 1 && !revokes_elsewhere {
        let (dialog, op) = offers[0];
        let d = line.dialog(dialog).expect("dialog");
        let q8 = d.previous_operator.as_deref() == Some(op.as_str()) && d.tried.len() == 1;
        if !q8 {
            for before in order.iter().take_while(|o| *o != op) {
                prop_assert!(
                    !line.eligible(before, now) || d.tried.contains(before),
                    "strict order skipped {} for {}",
                    before,
                    op
                );
            }
        }
    }
    Ok(())
}

/// The operator whose availability the step may have changed (Q4).
fn availability_changed(s: &Step) -> Option<String> {
    let o = |i: &u8| OPS[*i as usize % OPS.len()].to_string();
    match s {
        Step::Presence(op, _) | Step::Vacation(op, _) | Step::Dismiss(op, _) => Some(o(op)),
        _ => None,
    }
}

/// What the edge keeps in SQLite: the head and one row per dialog,
/// operator, client and timer.
#[derive(Default)]
struct Stored {
    head: String,
    dialogs: std::collections::BTreeMap<String, openline_core::line::Dialog>,
    operators: std::collections::BTreeMap<String, Operator>,
    clients: std::collections::BTreeMap<String, openline_core::line::ClientRecord>,
    timers: std::collections::BTreeMap<openline_core::timers::TimerKey, Millis>,
}

impl Stored {
    fn save(&mut self, line: &mut Line) {
        let stored = self;
        let c = line.take_changes();
        if c.head {
            stored.head = line.head_json().expect("head");
        }
        for id in c.dialogs {
            match line.dialog(&id) {
                Some(d) => {
                    stored.dialogs.insert(id, d.clone());
                }
                None => {
                    stored.dialogs.remove(&id);
                }
            }
        }
        for id in c.operators {
            match line.operator(&id) {
                Some(o) => {
                    stored.operators.insert(id, o.clone());
                }
                None => {
                    stored.operators.remove(&id);
                }
            }
        }
        for id in c.clients {
            match line.client(&id) {
                Some(r) => {
                    stored.clients.insert(id, r.clone());
                }
                None => {
                    stored.clients.remove(&id);
                }
            }
        }
        for (k, at) in c.timers {
            match at {
                Some(at) => {
                    stored.timers.insert(k, at);
                }
                None => {
                    stored.timers.remove(&k);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8_000, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold_after_every_step(
        settings in line_settings(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let mut line = Line::new(settings).expect("valid");
        let mut now = T0;
        let mut stored = Stored::default();
        for id in OPS {
            let mut op = Operator::new(id, id);
            op.presence = Presence::Online;
            line.handle(now, Event::UpsertOperator { operator: op }).expect("operator");
        }
        for s in &steps {
            let (fx, routed) = match s {
                Step::Advance(ms) => {
                    now += *ms as Millis;
                    (line.handle_timeout(now), true)
                }
                other => {
                    let Some(event) = to_event(&line, now, other) else { continue };
                    let is_transfer = matches!(event, Event::Transfer { .. });
                    let before = line.clone();
                    match line.handle(now, event) {
                        Ok(fx) => (fx, !is_transfer),
                        Err(_) => {
                            prop_assert_eq!(&line, &before, "a refused event changes nothing");
                            continue;
                        }
                    }
                }
            };
            check_invariants(&line, now, &fx, routed)?;
            // Q7: an operator who became unavailable holds nothing unanswered
            // and is offered nothing.
            if let Some(op) = availability_changed(s) {
                let o = line.operator(&op).expect("operator");
                if !o.available(now, line.settings().check_availability, line.settings().work_time_tracking) {
                    for d in line.dialogs() {
                        prop_assert!(
                            !matches!(&d.status, Status::Active { answered: false, operator, .. } if *operator == op),
                            "Q7: {} still held unanswered by unavailable {}", d.id, op
                        );
                        prop_assert!(
                            !matches!(&d.status, Status::Offered { to } if to.contains(&op)),
                            "Q7: {} still offered to unavailable {}", d.id, op
                        );
                    }
                }
            }
            // Timers are idempotent: firing again at the same time does nothing.
            let settled = line.clone();
            let again = line.handle_timeout(now);
            prop_assert!(again.is_empty(), "second firing produced {:?}", again);
            prop_assert_eq!(&line, &settled);
            // Incremental storage: write back only what the step changed.
            stored.save(&mut line);
        }
        stored.save(&mut line);
        let (rebuilt, _) = Line::from_stored(openline_core::line::StoredLine {
            head_json: &stored.head,
            operators: stored.operators.values().cloned().collect(),
            clients: stored.clients.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            dialogs: stored.dialogs.values().cloned().collect(),
            timers: stored.timers.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        }).expect("rebuild");
        prop_assert_eq!(&rebuilt, &line, "head + changed rows rebuild the line");
        // Persisted state restores to the same machine.
        let json = serde_json::to_string(&line).expect("serialise");
        let restored: Line = serde_json::from_str(&json).expect("restore");
        prop_assert_eq!(restored, line);
    }

    #[test]
    fn no_hidden_message_or_client_draft_or_read_mark_ever_reaches_the_wrong_side(
        operators in proptest::collection::vec(0u8..4, 0..4),
        preview in any::<bool>(),
        posts in proptest::collection::vec((0u8..6, any::<bool>(), 0u8..3), 1..20),
    ) {
        let conv = Conversation {
            operators: operators.iter().map(|o| OPS[*o as usize].to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect(),
            typing_preview: preview,
        };
        for (i, (who, hidden, what)) in posts.iter().enumerate() {
            let sender = match who {
                0 | 1 => Sender::Client,
                n => Sender::Operator(OPS[(*n as usize) % OPS.len()].to_string()),
            };
            let out = match what {
                0 => conv.deliver_typing(&sender, "draft text"),
                1 => conv.deliver_read(&sender, i as u64 + 1),
                _ => conv.deliver_message(&sender, i as u64 + 1, *hidden),
            };
            let Ok(out) = out else { continue };
            for (to, what) in out {
                match (&to, &what) {
                    (Recipient::Client, Delivery::Message { hidden, .. }) => prop_assert!(!hidden),
                    (Recipient::Client, Delivery::Typing { preview, .. }) => prop_assert!(preview.is_none()),
                    // Only an operator in the dialog tells the client it was read.
                    (Recipient::Client, Delivery::Read { by, .. }) => prop_assert!(
                        matches!(by, Sender::Operator(o) if conv.operators.contains(o))
                    ),
                    (Recipient::Operator(o), _) => prop_assert!(conv.operators.contains(o)),
                }
                if let (Sender::Operator(_), Delivery::Read { .. }) = (&sender, &what) {
                    prop_assert!(to == Recipient::Client, "an operator's reading is the client's news only");
                }
                if let (Sender::Client, Delivery::Typing { .. }) = (&sender, &what) {
                    prop_assert!(to != Recipient::Client, "the client's own draft is not echoed");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn working_hours_next_opening_is_open_and_nothing_earlier_is(
        from in 0u16..1380, len in 1u16..600, start in 0i64..(400 * 24 * 60), zone in 0usize..4,
    ) {
        use openline_core::hours::WorkingHours;
        let zones = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];
        let h = WorkingHours::weekdays(zones[zone], from, (from + len).min(1440));
        let now = T0 + start * MINUTE;
        let next = h.next_opening(now).expect("weekday hours open every week");
        prop_assert!(next >= now);
        prop_assert!(h.is_open(next), "open at the announced opening");
        if next > now {
            // Sample the gap: closed all along (minute resolution).
            let step = ((next - now) / 50).max(MINUTE);
            let mut t = now;
            while t < next - MINUTE {
                prop_assert!(!h.is_open(t));
                t += step;
            }
        }
    }
}
