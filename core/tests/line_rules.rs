//! The line's rules from PRODUCT.md, one behaviour per test, driven through
//! the simulation harness with a fake clock.

mod sim;

use openline_core::hours::WorkingHours;
use openline_core::line::{
    ClientNotice, Effect, Event, KpiKind, LineError, Notice, Party, Status, TransferTarget,
    CONSOLE_GRACE_MS, OFFERS_WITHOUT_LIMIT,
};
use openline_core::operator::Presence;
use openline_core::settings::{
    AutoClose, BotSettings, ConcurrencyLimit, DistributionMode as Mode, Kpi, LimitExclusion,
    QueueEntry, SilenceAction,
};
use openline_core::{ErrorCode, ProtocolError, MINUTE};
use sim::{offers, settings, Sim, T0};

// ----- Q1 queue ---------------------------------------------------------

#[test]
fn q1_the_queue_expands_departments_in_order_without_duplicates() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.queue.push(QueueEntry::Department("sales".into()));
    let mut sim = Sim::new(s);
    sim.online("boris");
    sim.online("vera");
    sim.ok(Event::SetDepartment {
        department: "sales".into(),
        members: vec!["boris".into(), "anna".into(), "vera".into()],
    });
    assert_eq!(sim.line.queue_order(), vec!["anna", "boris", "vera"]);
}

#[test]
fn an_operator_belongs_to_a_line_only_through_its_queue() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.queue.push(QueueEntry::Department("sales".into()));
    let mut sim = Sim::new(s);
    sim.ok(Event::SetDepartment {
        department: "sales".into(),
        members: vec!["boris".into()],
    });
    sim.ok(Event::SetDepartment {
        department: "support".into(),
        members: vec!["vera".into()],
    });
    assert!(sim.line.is_member("anna"));
    assert!(sim.line.is_member("boris"));
    // A department the queue does not name gives no access.
    assert!(!sim.line.is_member("vera"));
    assert!(!sim.line.is_member("mallory"));
}

// ----- Q2 modes ---------------------------------------------------------

#[test]
fn a_new_dialog_is_announced_queued_first_so_every_list_learns_of_it() {
    use openline_core::line::DialogState;
    // Nobody online: the dialog stays queued, and lists still hear of it.
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    let fx = sim.open("d1", "c1");
    assert!(fx.contains(&Effect::StatusChanged {
        dialog: "d1".into(),
        status: DialogState::Queued
    }));
    // Someone online: queued, then offered, in that order.
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.online("anna");
    let states: Vec<DialogState> = sim
        .open("d1", "c1")
        .into_iter()
        .filter_map(|e| match e {
            Effect::StatusChanged { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(states, vec![DialogState::Queued, DialogState::Offered]);
}

#[test]
fn q2_evenly_spreads_new_dialogs_over_operators() {
    let mut sim = Sim::with(Mode::Evenly, &["anna", "boris", "vera"]);
    for d in ["d1", "d2", "d3"] {
        sim.open(d, &format!("c-{d}"));
    }
    let mut owners: Vec<String> = ["d1", "d2", "d3"]
        .iter()
        .map(|d| sim.offered(d)[0].clone())
        .collect();
    owners.sort();
    assert_eq!(owners, vec!["anna", "boris", "vera"]);
}

#[test]
fn q2_evenly_prefers_the_operator_with_fewest_dialogs_then_the_longest_idle() {
    let mut sim = Sim::with(Mode::Evenly, &["anna", "boris"]);
    sim.open("d1", "c1"); // anna (both idle, queue order)
    sim.accept("d1", "anna");
    sim.open("d2", "c2"); // boris: fewer dialogs
    assert_eq!(sim.offered("d2"), vec!["boris"]);
    sim.accept("d2", "boris");
    sim.answer("d2", "boris");
    sim.close("d1", "anna");
    sim.advance(11 * MINUTE); // d1 finishes; loads: anna 0, boris 1
    sim.open("d3", "c3");
    assert_eq!(sim.offered("d3"), vec!["anna"]);
}

#[test]
fn q2_strict_order_always_offers_the_first_operator_first() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris", "vera"]);
    for d in ["d1", "d2", "d3"] {
        sim.open(d, &format!("c-{d}"));
        assert_eq!(sim.offered(d), vec!["anna"]);
    }
}

#[test]
fn q2_q3_strict_order_passes_an_unanswered_dialog_to_the_next_operator_after_the_set_time() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.advance(MINUTE - 1);
    assert_eq!(
        sim.offered("d1"),
        vec!["anna"],
        "not before the configured time"
    );
    let fx = sim.advance(1);
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "anna".into()
    }));
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn q2_all_at_once_offers_everyone_and_the_first_to_accept_wins() {
    let mut sim = Sim::with(Mode::AllAtOnce, &["anna", "boris", "vera"]);
    let fx = sim.open("d1", "c1");
    assert_eq!(offers(&fx).len(), 3);
    let fx = sim.accept("d1", "boris");
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "anna".into()
    }));
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "vera".into()
    }));
    assert_eq!(sim.owner("d1").as_deref(), Some("boris"));
    let late = sim.try_event(Event::Accept {
        dialog: "d1".into(),
        operator: "anna".into(),
    });
    assert!(matches!(late, Err(LineError::NotAllowed { .. })));
}

// ----- Q4 availability --------------------------------------------------

#[test]
fn q4_an_operator_on_vacation_is_never_offered_a_dialog() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.ok(Event::SetVacations {
        operator: "anna".into(),
        vacations: vec![(T0 - 1, T0 + 60 * MINUTE)],
    });
    sim.open("d1", "c1");
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn q4_offline_and_dismissed_operators_are_skipped_when_the_check_is_on() {
    let mut sim = Sim::with(Mode::AllAtOnce, &["anna", "boris", "vera"]);
    sim.presence("anna", Presence::Offline);
    sim.ok(Event::SetDismissed {
        operator: "vera".into(),
        dismissed: true,
    });
    sim.open("d1", "c1");
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn q4_without_the_check_offline_operators_still_get_dialogs_but_dismissed_never() {
    let mut s = settings(Mode::AllAtOnce, &["anna", "boris"]);
    s.check_availability = false;
    let mut sim = Sim::new(s);
    sim.presence("anna", Presence::Offline);
    sim.ok(Event::SetDismissed {
        operator: "boris".into(),
        dismissed: true,
    });
    sim.open("d1", "c1");
    assert_eq!(sim.offered("d1"), vec!["anna"]);
}

#[test]
fn q4_with_work_time_tracking_only_operators_who_started_the_day_get_dialogs() {
    let mut s = settings(Mode::AllAtOnce, &["anna", "boris"]);
    s.work_time_tracking = true;
    let mut sim = Sim::new(s);
    sim.ok(Event::SetWorkingDay {
        operator: "anna".into(),
        started: false,
    });
    sim.open("d1", "c1");
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn dismissing_an_operator_withdraws_their_offers() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    let fx = sim.ok(Event::SetDismissed {
        operator: "anna".into(),
        dismissed: true,
    });
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "anna".into()
    }));
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

// ----- a flood of dialogs and no Q5 limit ---------------------------------

#[test]
fn without_a_limit_an_operator_coming_online_gets_a_few_offers_and_the_next_as_each_is_taken() {
    for mode in [Mode::StrictOrder, Mode::Evenly, Mode::AllAtOnce] {
        let mut sim = Sim::with(mode, &["anna"]);
        sim.presence("anna", Presence::Offline);
        for i in 0..40 {
            sim.open(&format!("d{i:02}"), &format!("c{i}"));
        }
        let fx = sim.presence("anna", Presence::Online);
        let first: Vec<String> = offers(&fx).into_iter().map(|(d, _)| d).collect();
        let expected: Vec<String> = (0..OFFERS_WITHOUT_LIMIT)
            .map(|i| format!("d{i:02}"))
            .collect();
        assert_eq!(first, expected, "{mode:?}: the oldest few, not all 40");
        // Taking one brings the next oldest.
        let fx = sim.accept("d00", "anna");
        let next: Vec<String> = offers(&fx).into_iter().map(|(d, _)| d).collect();
        assert_eq!(
            next,
            vec![format!("d{OFFERS_WITHOUT_LIMIT:02}")],
            "{mode:?}"
        );
        assert_eq!(sim.status("d39"), Status::Queued, "{mode:?}");
    }
}

#[test]
fn a_line_limit_above_the_default_lets_that_many_offers_through() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.concurrency_limit = Some(ConcurrencyLimit {
        max: 12,
        exclude: LimitExclusion::Closed,
    });
    let mut sim = Sim::new(s);
    sim.presence("anna", Presence::Offline);
    for i in 0..20 {
        sim.open(&format!("d{i}"), &format!("c{i}"));
    }
    let fx = sim.presence("anna", Presence::Online);
    assert_eq!(
        offers(&fx).len(),
        12,
        "the line's own limit, not the default"
    );
}

// ----- Q5 concurrency limit ----------------------------------------------

fn limited(exclude: LimitExclusion) -> Sim {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.concurrency_limit = Some(ConcurrencyLimit { max: 1, exclude });
    Sim::new(s)
}

#[test]
fn q5_an_operator_at_the_limit_gets_no_new_dialog() {
    let mut sim = limited(LimitExclusion::Closed);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.answer("d1", "anna");
    sim.open("d2", "c2");
    assert_eq!(sim.offered("d2"), vec!["boris"]);
}

#[test]
fn q5_excluding_answered_dialogs_frees_the_operator_once_they_answer() {
    let mut sim = limited(LimitExclusion::Answered);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.open("d2", "c2");
    assert_eq!(
        sim.offered("d2"),
        vec!["boris"],
        "accepted but unanswered counts"
    );
    sim.answer("d1", "anna");
    sim.client_says("d1"); // still answered once: does not count
    sim.open("d3", "c3");
    assert_eq!(sim.offered("d3"), vec!["anna"]);
}

#[test]
fn q5_excluding_dialogs_waiting_for_the_client_counts_them_again_when_the_client_writes() {
    let mut sim = limited(LimitExclusion::WaitingForClient);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.answer("d1", "anna"); // waiting for the client: not counted
    sim.client_says("d1"); // the client wrote: counted again
    sim.open("d2", "c2");
    assert_eq!(sim.offered("d2"), vec!["boris"]);
    sim.answer("d1", "anna");
    sim.open("d3", "c3");
    assert_eq!(sim.offered("d3"), vec!["anna"]);
}

#[test]
fn q5_closed_dialogs_and_those_awaiting_a_rating_never_count() {
    let mut sim = limited(LimitExclusion::Closed);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.close("d1", "anna");
    assert!(matches!(sim.status("d1"), Status::AwaitingRating { .. }));
    sim.open("d2", "c2");
    assert_eq!(sim.offered("d2"), vec!["anna"]);
}

// ----- Q7 queue ----------------------------------------------------------

#[test]
fn q7_with_nobody_eligible_a_dialog_waits_and_is_offered_the_moment_someone_frees_up() {
    let mut sim = limited(LimitExclusion::Closed);
    sim.presence("boris", Presence::Offline);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.open("d2", "c2");
    sim.advance(1000);
    sim.open("d3", "c3");
    assert_eq!(sim.status("d2"), Status::Queued);
    assert_eq!(sim.status("d3"), Status::Queued);
    let fx = sim.close("d1", "anna");
    assert_eq!(
        offers(&fx),
        vec![("d2".to_string(), "anna".to_string())],
        "oldest first"
    );
    assert_eq!(sim.status("d3"), Status::Queued);
}

#[test]
fn t1_q7_an_unanswered_dialog_cycles_through_the_queue_until_someone_answers() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    assert_eq!(sim.offered("d1"), vec!["anna"]);
    sim.advance(MINUTE);
    assert_eq!(sim.offered("d1"), vec!["boris"]);
    sim.advance(MINUTE);
    assert_eq!(
        sim.offered("d1"),
        vec!["anna"],
        "back to the top of the queue"
    );
    sim.answer("d1", "anna");
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    assert!(sim
        .advance(10 * MINUTE)
        .iter()
        .all(|e| !matches!(e, Effect::Offer { .. })));
}

#[test]
fn queue_position_and_wait_estimate_follow_recent_waits() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d0", "c0");
    sim.advance(2 * 1000);
    sim.accept("d0", "anna"); // waited 2 s
    sim.answer("d0", "anna"); // answered: stays hers (Q7)
    sim.presence("anna", Presence::Offline);
    sim.open("d1", "c1");
    sim.advance(10);
    sim.open("d2", "c2");
    let q1 = sim.line.queue_info("d1").unwrap();
    let q2 = sim.line.queue_info("d2").unwrap();
    assert_eq!((q1.position, q2.position), (1, 2));
    assert_eq!(q1.estimate_ms, Some(2000));
    assert_eq!(q2.estimate_ms, Some(4000));
    assert!(sim.line.queue_info("d0").is_none());
}

fn passed_on(fx: &[Effect], dialog: &str, from: &str) -> bool {
    fx.contains(&Effect::Revoke {
        dialog: dialog.into(),
        operator: from.into(),
    }) && fx.contains(&Effect::Notify {
        to: vec![from.into()],
        notice: Notice::PassedOn {
            dialog: dialog.into(),
            operator: from.into(),
        },
    })
}

#[test]
fn t1_strict_order_an_accepted_dialog_nobody_answers_passes_to_the_next_and_the_holder_is_told() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris", "vera"]);
    sim.open("d1", "c1");
    sim.advance(30 * 1000);
    sim.accept("d1", "anna");
    // Taking it gave anna a whole pass-on time from the moment she took it.
    assert!(sim.advance(MINUTE - 1).is_empty());
    let fx = sim.advance(1);
    assert!(passed_on(&fx, "d1", "anna"), "{fx:?}");
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn t1_an_answer_stops_the_pass_on_and_a_hidden_note_does_not() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.ok(Event::OperatorMessage {
        dialog: "d1".into(),
        operator: "anna".into(),
        hidden: true,
    });
    let fx = sim.advance(MINUTE);
    assert!(
        passed_on(&fx, "d1", "anna"),
        "a hidden note is not an answer"
    );
    sim.answer("d1", "boris");
    assert!(sim.advance(10 * MINUTE).is_empty());
    assert_eq!(sim.owner("d1").as_deref(), Some("boris"));
}

#[test]
fn t1_evenly_an_accepted_silent_dialog_passes_to_the_next_by_the_rule() {
    let mut sim = Sim::with(Mode::Evenly, &["anna", "boris", "vera"]);
    sim.open("d0", "c0"); // anna
    sim.answer("d0", "anna");
    sim.open("d1", "c1"); // boris: fewer dialogs
    sim.accept("d1", "boris");
    let fx = sim.advance(MINUTE);
    assert!(passed_on(&fx, "d1", "boris"));
    assert_eq!(
        sim.offered("d1"),
        vec!["vera"],
        "the idle one, not anna (busier)"
    );
}

#[test]
fn t1_all_at_once_passes_to_everyone_not_yet_offered_it_then_to_all_again() {
    let mut s = settings(Mode::AllAtOnce, &["anna", "boris"]);
    s.queue.push(QueueEntry::Operator("vera".into()));
    let mut sim = Sim::new(s);
    sim.presence("vera", Presence::Offline);
    sim.open("d1", "c1"); // anna and boris
    sim.accept("d1", "anna");
    sim.online("vera");
    let fx = sim.advance(MINUTE);
    assert!(passed_on(&fx, "d1", "anna"));
    assert_eq!(
        sim.offered("d1"),
        vec!["vera"],
        "only the one not offered it yet"
    );
    sim.accept("d1", "vera");
    let fx = sim.advance(MINUTE);
    assert!(passed_on(&fx, "d1", "vera"));
    assert_eq!(
        sim.offered("d1"),
        vec!["anna", "boris"],
        "everyone else again"
    );
}

#[test]
fn t1_with_nobody_else_eligible_the_holder_keeps_the_dialog() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.presence("boris", Presence::Offline);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    assert!(sim.advance(MINUTE).is_empty(), "no one to pass it to");
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    sim.online("boris");
    let fx = sim.advance(MINUTE);
    assert!(
        passed_on(&fx, "d1", "anna"),
        "looked at again a pass-on time later"
    );
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn t1_a_dialog_picked_from_the_queue_passes_on_too() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.ok(Event::SetPresence {
        operator: "anna".into(),
        presence: Presence::Away,
    });
    sim.presence("boris", Presence::Offline);
    sim.open("d1", "c1");
    assert_eq!(sim.status("d1"), Status::Queued);
    sim.accept("d1", "anna"); // picked by hand while away
    sim.online("boris");
    let fx = sim.advance(MINUTE);
    assert!(passed_on(&fx, "d1", "anna"));
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn q7_going_offline_withdraws_offers_and_requeues_unanswered_dialogs_but_keeps_answered_ones() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1"); // offered to anna
    sim.open("d2", "c2");
    sim.accept("d2", "anna"); // taken, not answered
    sim.open("d3", "c3");
    sim.answer("d3", "anna"); // answered
    assert_eq!(sim.offered("d1"), vec!["anna"]);
    sim.presence("boris", Presence::Offline);
    let fx = sim.presence("anna", Presence::Offline);
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "anna".into()
    }));
    assert!(passed_on(&fx, "d2", "anna"));
    assert_eq!(sim.status("d1"), Status::Queued);
    assert_eq!(sim.status("d2"), Status::Queued);
    assert_eq!(
        sim.owner("d3").as_deref(),
        Some("anna"),
        "answered: still hers"
    );
    // Coming online drains the queue, oldest first.
    let fx = sim.presence("boris", Presence::Online);
    assert_eq!(offers(&fx)[0], ("d1".to_string(), "boris".to_string()));
}

#[test]
fn q7_a_closed_console_takes_dialogs_away_only_after_the_grace_period() {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.pass_after_ms = 30 * MINUTE;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.open("d2", "c2"); // offered to anna
    sim.ok(Event::ConsoleClosed {
        operator: "anna".into(),
    });
    // A reload: back within the grace period, nothing moved.
    assert!(sim.advance(CONSOLE_GRACE_MS - 1).is_empty());
    sim.ok(Event::ConsoleAlive {
        operator: "anna".into(),
        until: sim.now + 10 * MINUTE,
    });
    assert!(sim.advance(1).is_empty());
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    assert_eq!(sim.offered("d2"), vec!["anna"]);
    // Gone for good: offline after the grace period, and Q7 applies.
    sim.ok(Event::ConsoleClosed {
        operator: "anna".into(),
    });
    let fx = sim.advance(CONSOLE_GRACE_MS);
    assert!(passed_on(&fx, "d1", "anna"));
    assert_eq!(sim.offered("d1"), vec!["boris"]);
    assert_eq!(sim.offered("d2"), vec!["boris"]);
    assert_eq!(
        sim.line.operator("anna").unwrap().presence,
        Presence::Offline
    );
    // Her next console brings her back online.
    sim.ok(Event::ConsoleAlive {
        operator: "anna".into(),
        until: sim.now + 10 * MINUTE,
    });
    assert_eq!(
        sim.line.operator("anna").unwrap().presence,
        Presence::Online
    );
}

#[test]
fn q7_a_console_that_goes_silent_counts_as_gone_when_its_heartbeat_runs_out() {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.pass_after_ms = 30 * MINUTE;
    let mut sim = Sim::new(s);
    let alive = |sim: &mut Sim| {
        let until = sim.now + 2 * MINUTE;
        sim.ok(Event::ConsoleAlive {
            operator: "anna".into(),
            until,
        })
    };
    alive(&mut sim);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    // Heartbeats keep her: nothing moves while they come.
    for _ in 0..5 {
        assert!(sim.advance(MINUTE).is_empty());
        alive(&mut sim);
    }
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    // Silence: at the end of the last heartbeat's window she is gone.
    assert!(sim.advance(2 * MINUTE - 1).is_empty());
    let fx = sim.advance(1);
    assert!(passed_on(&fx, "d1", "anna"));
    assert_eq!(
        sim.line.operator("anna").unwrap().presence,
        Presence::Offline
    );
}

#[test]
fn q4_a_console_opening_keeps_an_operator_who_chose_away_away() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.presence("anna", Presence::Away);
    sim.ok(Event::ConsoleAlive {
        operator: "anna".into(),
        until: sim.now + 10 * MINUTE,
    });
    assert_eq!(sim.line.operator("anna").unwrap().presence, Presence::Away);
}

#[test]
fn q7_going_away_passes_unanswered_dialogs_to_a_colleague() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let fx = sim.presence("anna", Presence::Away);
    assert!(passed_on(&fx, "d1", "anna"));
    assert_eq!(sim.offered("d1"), vec!["boris"]);
}

#[test]
fn q7_without_the_availability_check_presence_moves_nothing() {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.check_availability = false;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let fx = sim.presence("anna", Presence::Offline);
    assert!(!passed_on(&fx, "d1", "anna"));
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
}

// ----- Q8 returning client ------------------------------------------------

#[test]
fn q8_a_returning_client_goes_to_their_previous_operator_when_eligible() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.advance(MINUTE);
    sim.accept("d1", "boris");
    sim.close("d1", "boris");
    sim.advance(11 * MINUTE);
    sim.open("d2", "c1");
    assert_eq!(sim.offered("d2"), vec!["boris"]);
}

#[test]
fn q8_when_the_previous_operator_is_not_eligible_normal_routing_applies() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.advance(MINUTE);
    sim.accept("d1", "boris");
    sim.close("d1", "boris");
    sim.presence("boris", Presence::Offline);
    sim.open("d2", "c1");
    assert_eq!(sim.offered("d2"), vec!["anna"]);
}

#[test]
fn c1_q8_an_anonymous_visitor_who_logs_in_keeps_their_previous_operator() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "v-anon");
    sim.advance(MINUTE); // anna lets it pass
    sim.answer("d1", "boris");
    sim.close("d1", "boris");
    sim.advance(11 * MINUTE);
    let fx = sim.ok(Event::MergeClient {
        from: "v-anon".into(),
        into: "u-user".into(),
    });
    assert_eq!(
        fx,
        vec![Effect::ClientsMerged {
            from: "v-anon".into(),
            into: "u-user".into()
        }]
    );
    assert!(sim.line.client("v-anon").is_none());
    let c = sim.line.client("u-user").unwrap();
    assert_eq!((c.dialogs, c.last_operator.as_deref()), (1, Some("boris")));
    assert_eq!(
        sim.line.dialog("d1").unwrap().client,
        "u-user",
        "the dialog is theirs now"
    );
    sim.open("d2", "u-user");
    assert_eq!(sim.offered("d2"), vec!["boris"]);
    // Merging again, or an unknown client, changes nothing.
    let before = sim.line.clone();
    sim.ok(Event::MergeClient {
        from: "v-anon".into(),
        into: "u-user".into(),
    });
    assert_eq!(sim.line, before);
}

// ----- Q9 transfer, Q10 invite, Q11 hidden ---------------------------------

#[test]
fn q9_a_transfer_to_an_operator_offers_them_the_same_dialog() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    let fx = sim.ok(Event::Transfer {
        dialog: "d1".into(),
        by: "anna".into(),
        to: TransferTarget::Operator("boris".into()),
    });
    assert_eq!(offers(&fx), vec![("d1".to_string(), "boris".to_string())]);
    sim.accept("d1", "boris");
    let d = sim.line.dialog("d1").unwrap();
    assert_eq!(
        d.first_answer_at,
        Some(T0),
        "the dialog's history stays with it"
    );
}

#[test]
fn q9_a_transfer_to_another_line_hands_the_dialog_over() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let fx = sim.ok(Event::Transfer {
        dialog: "d1".into(),
        by: "anna".into(),
        to: TransferTarget::Line("wholesale".into()),
    });
    assert!(fx.contains(&Effect::TransferToLine {
        dialog: "d1".into(),
        line: "wholesale".into()
    }));
    assert!(matches!(sim.status("d1"), Status::Finished { .. }));
}

#[test]
fn q9_only_the_holder_can_transfer() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let r = sim.try_event(Event::Transfer {
        dialog: "d1".into(),
        by: "boris".into(),
        to: TransferTarget::Operator("boris".into()),
    });
    assert!(matches!(r, Err(LineError::NotAllowed { .. })));
}

#[test]
fn q10_invited_colleagues_join_write_and_leave() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let fx = sim.ok(Event::Invite {
        dialog: "d1".into(),
        by: "anna".into(),
        operator: "boris".into(),
    });
    assert!(fx.contains(&Effect::Invited {
        dialog: "d1".into(),
        operator: "boris".into()
    }));
    sim.answer("d1", "boris");
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"), "the holder stays");
    sim.ok(Event::Leave {
        dialog: "d1".into(),
        operator: "boris".into(),
    });
    assert!(sim
        .try_event(Event::OperatorMessage {
            dialog: "d1".into(),
            operator: "boris".into(),
            hidden: false
        })
        .is_err());
}

#[test]
fn q11_a_hidden_message_does_not_count_as_an_answer() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.ok(Event::OperatorMessage {
        dialog: "d1".into(),
        operator: "anna".into(),
        hidden: true,
    });
    assert!(matches!(
        sim.status("d1"),
        Status::Active {
            answered: false,
            ..
        }
    ));
    assert_eq!(sim.line.dialog("d1").unwrap().first_answer_at, None);
}

// ----- Q12 unclosed limit ----------------------------------------------------

#[test]
fn q12_an_operator_at_the_unclosed_limit_is_warned_and_gets_no_more_dialogs() {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.unclosed_limit = Some(2);
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.open("d2", "c2");
    let fx = sim.accept("d2", "anna");
    assert!(fx.contains(&Effect::Notify {
        to: vec!["anna".into()],
        notice: Notice::UnclosedLimitReached {
            operator: "anna".into(),
            limit: 2
        }
    }));
    sim.open("d3", "c3");
    assert_eq!(sim.offered("d3"), vec!["boris"]);
}

fn at_unclosed_limit() -> Sim {
    let mut s = settings(Mode::StrictOrder, &["anna", "boris"]);
    s.unclosed_limit = Some(1);
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna"); // anna holds 1 of 1
    sim
}

fn limit_error(r: Result<Vec<Effect>, LineError>) -> ProtocolError {
    let e = ProtocolError::from(r.expect_err("refused"));
    assert_eq!(e.code, ErrorCode::LimitReached);
    assert_eq!(e.code.http_status(), 409);
    assert!(
        e.message.contains("unclosed") && e.message.contains('1'),
        "{}",
        e.message
    );
    e
}

#[test]
fn q12_the_operator_is_warned_one_dialog_before_the_limit() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.unclosed_limit = Some(3);
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    assert!(!sim
        .accept("d1", "anna")
        .iter()
        .any(|e| matches!(e, Effect::Notify { .. })));
    sim.open("d2", "c2");
    let fx = sim.accept("d2", "anna");
    assert!(fx.contains(&Effect::Notify {
        to: vec!["anna".into()],
        notice: Notice::UnclosedLimitNear {
            operator: "anna".into(),
            unclosed: 2,
            limit: 3
        }
    }));
    assert!(!Notice::UnclosedLimitNear {
        operator: "anna".into(),
        unclosed: 2,
        limit: 3
    }
    .mailed());
}

#[test]
fn q12_picking_from_the_queue_at_the_limit_is_refused_naming_the_limit() {
    let mut sim = at_unclosed_limit();
    sim.presence("boris", Presence::Offline);
    sim.open("d2", "c2");
    assert_eq!(sim.status("d2"), Status::Queued);
    limit_error(sim.try_event(Event::Accept {
        dialog: "d2".into(),
        operator: "anna".into(),
    }));
    assert_eq!(sim.status("d2"), Status::Queued, "nothing changed");
}

#[test]
fn q12_a_transfer_to_an_operator_at_the_limit_is_refused() {
    let mut sim = at_unclosed_limit();
    sim.open("d2", "c2"); // boris
    sim.answer("d2", "boris");
    limit_error(sim.try_event(Event::Transfer {
        dialog: "d2".into(),
        by: "boris".into(),
        to: TransferTarget::Operator("anna".into()),
    }));
    assert_eq!(sim.owner("d2").as_deref(), Some("boris"));
}

#[test]
fn q12_an_invitation_to_an_operator_at_the_limit_is_refused() {
    let mut sim = at_unclosed_limit();
    sim.open("d2", "c2");
    sim.answer("d2", "boris");
    limit_error(sim.try_event(Event::Invite {
        dialog: "d2".into(),
        by: "boris".into(),
        operator: "anna".into(),
    }));
}

#[test]
fn q12_an_offer_made_before_the_limit_cannot_be_taken_at_it() {
    let mut s = settings(Mode::AllAtOnce, &["anna", "boris"]);
    s.unclosed_limit = Some(1);
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.open("d2", "c2"); // both offered to both
    sim.answer("d1", "anna");
    limit_error(sim.try_event(Event::OperatorMessage {
        dialog: "d2".into(),
        operator: "anna".into(),
        hidden: false,
    }));
}

// ----- L2 inactive line --------------------------------------------------------

#[test]
fn l2_an_inactive_line_queues_dialogs_and_operators_cannot_answer() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.active = false;
    let mut sim = Sim::new(s.clone());
    sim.open("d1", "c1");
    sim.client_says("d1");
    assert_eq!(sim.status("d1"), Status::Queued);
    let r = sim.try_event(Event::Accept {
        dialog: "d1".into(),
        operator: "anna".into(),
    });
    assert_eq!(r, Err(LineError::LineInactive));
    s.active = true;
    let fx = sim.line.update_settings(s, sim.now).unwrap();
    assert_eq!(offers(&fx), vec![("d1".to_string(), "anna".to_string())]);
}

// ----- T2/T4/R1–R3 closing and rating ----------------------------------------------

#[test]
fn t4_closing_sends_the_automatic_reply_and_a_rating_request() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    let fx = sim.close("d1", "anna");
    let text = sim.line.settings().close_message.clone();
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::Closed { text }
    }));
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::RatingRequest
    }));
}

#[test]
fn t2_the_dialog_waits_for_the_rating_then_finishes() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.close_on_rating = false;
    s.rating_wait_ms = 5 * MINUTE;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.advance(5 * MINUTE - 1);
    assert!(matches!(sim.status("d1"), Status::AwaitingRating { .. }));
    sim.advance(1);
    assert!(matches!(sim.status("d1"), Status::Finished { .. }));
}

#[test]
fn r3_a_rating_finishes_the_session_at_once_when_configured() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    let fx = sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 5,
        comment: Some("Great tea advice".into()),
    });
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Rated { by: None, rating, .. } if rating.score == 5)));
    assert!(matches!(sim.status("d1"), Status::Finished { .. }));
}

#[test]
fn r1_r2_a_rating_comment_is_kept_the_same_way_on_every_path() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    let long = "x".repeat(openline_core::line::MAX_RATING_COMMENT_CHARS + 10);
    sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 4,
        comment: Some(format!("  {long}  ")),
    });
    let d = sim.line.dialog("d1").unwrap().clone();
    let kept = d.client_rating.unwrap().comment.unwrap();
    assert_eq!(
        kept.chars().count(),
        openline_core::line::MAX_RATING_COMMENT_CHARS
    );
    sim.ok(Event::SupervisorRating {
        dialog: "d1".into(),
        supervisor: "sveta".into(),
        score: 3,
        comment: Some("   ".into()),
    });
    let d = sim.line.dialog("d1").unwrap();
    assert_eq!(
        d.supervisor_rating.as_ref().unwrap().comment,
        None,
        "blank is no comment"
    );
    assert_eq!(
        sim.line
            .handle(
                sim.now,
                Event::ClientRating {
                    dialog: "d1".into(),
                    score: 6,
                    comment: None
                }
            )
            .unwrap_err(),
        openline_core::line::LineError::InvalidRating
    );
}

#[test]
fn t2_with_no_wait_a_later_rating_reopens_the_session() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.rating_wait_ms = 0;
    s.close_on_rating = false;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    assert!(matches!(sim.status("d1"), Status::Finished { .. }));
    let fx = sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 2,
        comment: None,
    });
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::Reopened
    }));
    assert!(matches!(
        sim.status("d1"),
        Status::Active {
            waiting_for: Party::Operator,
            ..
        }
    ));
}

#[test]
fn a_client_writing_while_the_rating_is_awaited_reopens_the_dialog_with_its_operator() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.client_says("d1");
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    assert!(sim
        .line
        .timers()
        .deadline(&openline_core::timers::TimerKey::dialog(
            openline_core::timers::TimerKind::FinalClose,
            "d1"
        ))
        .is_none());
}

#[test]
fn a_client_writing_after_the_final_close_gets_a_typed_error_for_a_new_dialog() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.advance(11 * MINUTE);
    let r = sim.try_event(Event::ClientMessage {
        dialog: "d1".into(),
    });
    assert_eq!(r, Err(LineError::DialogFinished("d1".into())));
}

#[test]
fn r1_r2_ratings_are_whole_numbers_from_one_to_five_and_supervisors_rate_too() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    let r = sim.try_event(Event::ClientRating {
        dialog: "d1".into(),
        score: 9,
        comment: None,
    });
    assert_eq!(r, Err(LineError::InvalidRating));
    sim.ok(Event::SupervisorRating {
        dialog: "d1".into(),
        supervisor: "sveta".into(),
        score: 4,
        comment: None,
    });
    assert_eq!(
        sim.line
            .dialog("d1")
            .unwrap()
            .supervisor_rating
            .as_ref()
            .unwrap()
            .score,
        4
    );
}

// ----- T3 auto-close -----------------------------------------------------------

#[test]
fn t3_a_silent_client_is_closed_with_the_chosen_message() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.auto_close = Some(AutoClose {
        after_ms: 30 * MINUTE,
        message: "We closed this chat as you went quiet.".into(),
        action: SilenceAction::CloseWithMessage,
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.advance(20 * MINUTE);
    sim.client_says("d1"); // resets the silence
    sim.answer("d1", "anna");
    assert!(sim.advance(29 * MINUTE).is_empty());
    let fx = sim.advance(MINUTE);
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::Closed {
            text: "We closed this chat as you went quiet.".into()
        }
    }));
}

#[test]
fn t3_close_silently_closes_without_a_word_but_still_asks_for_the_rating() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.auto_close = Some(AutoClose {
        after_ms: 30 * MINUTE,
        message: "never sent".into(),
        action: SilenceAction::CloseSilently,
    });
    s.rating_wait_ms = 0;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    let fx = sim.advance(30 * MINUTE);
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::ToClient {
                notice: ClientNotice::Closed { .. },
                ..
            }
        )),
        "{fx:?}"
    );
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::RatingRequest
    }));
    assert_eq!(
        sim.line.dialog("d1").map(|d| d.status.clone()),
        Some(Status::Finished {
            operator: Some("anna".into())
        })
    );
}

#[test]
fn t3_an_empty_closing_message_falls_back_to_the_lines_t4_message() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.close_message = "Thanks for writing!".into();
    s.auto_close = Some(AutoClose {
        after_ms: 30 * MINUTE,
        message: "  ".into(),
        action: SilenceAction::CloseWithMessage,
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    let fx = sim.advance(30 * MINUTE);
    assert!(fx.contains(&Effect::ToClient {
        dialog: "d1".into(),
        notice: ClientNotice::Closed {
            text: "Thanks for writing!".into()
        }
    }));
}

/// A line whose T3 action fires after 30 minutes of the client's silence,
/// with `d1` taken and answered by anna.
fn silent_client(ops: &[&str], action: SilenceAction, message: &str) -> Sim {
    let mut s = settings(Mode::StrictOrder, ops);
    s.auto_close = Some(AutoClose {
        after_ms: 30 * MINUTE,
        message: message.into(),
        action,
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    sim.answer("d1", "anna");
    sim
}

#[test]
fn t3_return_to_queue_frees_the_operator_and_routes_the_dialog_to_someone_else() {
    let mut sim = silent_client(&["anna", "boris"], SilenceAction::ReturnToQueue, "");
    let fx = sim.advance(30 * MINUTE);
    assert!(fx.contains(&Effect::Revoke {
        dialog: "d1".into(),
        operator: "anna".into()
    }));
    assert!(fx.contains(&Effect::Offer {
        dialog: "d1".into(),
        operator: "boris".into()
    }));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::ToClient { .. })),
        "the client is told nothing: {fx:?}"
    );
    assert_eq!(
        sim.line.dialog("d1").map(|d| d.status.clone()),
        Some(Status::Offered {
            to: vec!["boris".into()]
        })
    );
}

#[test]
fn t3_return_to_queue_with_nobody_else_free_offers_it_anew_from_the_queue() {
    let mut sim = silent_client(&["anna"], SilenceAction::ReturnToQueue, "");
    let fx = sim.advance(30 * MINUTE);
    // It went through the queue (anna was not skipped by the queue, only by
    // the first pick) and comes back to her as an offer to accept again.
    let revoked = fx.iter().position(|e| {
        *e == Effect::Revoke {
            dialog: "d1".into(),
            operator: "anna".into(),
        }
    });
    let offered = fx.iter().position(|e| {
        *e == Effect::Offer {
            dialog: "d1".into(),
            operator: "anna".into(),
        }
    });
    assert!(
        matches!((revoked, offered), (Some(r), Some(o)) if r < o),
        "{fx:?}"
    );
    assert!(fx.contains(&Effect::StatusChanged {
        dialog: "d1".into(),
        status: openline_core::line::DialogState::Queued
    }));
}

// ----- K1/K2/K3 KPIs -----------------------------------------------------------------

#[test]
fn k3_a_missed_kpi_is_marked_on_the_dialog_once_even_when_nobody_is_notified() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.first_answer_kpi = Some(Kpi {
        within_ms: 2 * MINUTE,
        notify: Vec::new(),
    });
    s.answer_kpi = Some(Kpi {
        within_ms: MINUTE,
        notify: Vec::new(),
    });
    s.pass_after_ms = 30 * MINUTE;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.open("d2", "c2");
    let fx = sim.advance(2 * MINUTE);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Notify { .. })));
    let missed = |sim: &Sim, d: &str| sim.line.dialog(d).map(|d| d.kpi_missed.clone());
    assert_eq!(missed(&sim, "d1"), Some(vec![KpiKind::FirstAnswer]));
    sim.accept("d1", "anna");
    sim.answer("d1", "anna");
    sim.client_says("d1");
    sim.advance(MINUTE);
    sim.answer("d1", "anna");
    sim.client_says("d1");
    sim.advance(MINUTE);
    assert_eq!(
        missed(&sim, "d1"),
        Some(vec![KpiKind::FirstAnswer, KpiKind::Answer]),
        "each indicator once"
    );
}

#[test]
fn k1_k2_a_missed_first_answer_notifies_the_chosen_people_once() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.first_answer_kpi = Some(Kpi {
        within_ms: 2 * MINUTE,
        notify: vec!["sveta".into()],
    });
    s.pass_after_ms = 10 * MINUTE;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    let fx = sim.advance(2 * MINUTE);
    assert_eq!(
        fx,
        vec![
            // K3's mark (integrations hear of it), then K2's notice.
            Effect::KpiMissed {
                dialog: "d1".into(),
                kpi: KpiKind::FirstAnswer,
                operator: Some("anna".into())
            },
            Effect::Notify {
                to: vec!["sveta".into()],
                notice: Notice::KpiMissed {
                    dialog: "d1".into(),
                    kpi: KpiKind::FirstAnswer,
                    operator: Some("anna".into())
                },
            }
        ]
    );
    assert!(sim.advance(2 * MINUTE).is_empty());
}

#[test]
fn k1_an_answer_in_time_notifies_nobody() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.first_answer_kpi = Some(Kpi {
        within_ms: 2 * MINUTE,
        notify: vec!["sveta".into()],
    });
    s.answer_kpi = Some(Kpi {
        within_ms: 5 * MINUTE,
        notify: vec!["sveta".into()],
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.advance(MINUTE / 2);
    sim.answer("d1", "anna");
    sim.client_says("d1");
    sim.advance(4 * MINUTE);
    sim.answer("d1", "anna");
    let notified = sim
        .advance(60 * MINUTE)
        .into_iter()
        .chain(sim.fx.clone())
        .any(|e| matches!(e, Effect::Notify { .. }));
    assert!(!notified);
}

#[test]
fn k1_k2_a_client_message_left_unanswered_too_long_notifies() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.answer_kpi = Some(Kpi {
        within_ms: 5 * MINUTE,
        notify: vec!["sveta".into()],
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.client_says("d1");
    let fx = sim.advance(5 * MINUTE);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Notify {
            notice: Notice::KpiMissed {
                kpi: KpiKind::Answer,
                ..
            },
            ..
        }
    )));
}

// ----- B1/B2 bots ------------------------------------------------------------------

fn with_bot(first_only: bool) -> Sim {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.bot = Some(BotSettings {
        bot: "faq-bot".into(),
        first_dialog_only: first_only,
        handoff_after_ms: 3 * MINUTE,
    });
    Sim::new(s)
}

#[test]
fn b1_b2_a_bot_takes_new_dialogs_and_hands_them_to_the_queue_after_the_set_time() {
    let mut sim = with_bot(false);
    let fx = sim.open("d1", "c1");
    assert!(fx.contains(&Effect::BotTakes {
        dialog: "d1".into(),
        bot: "faq-bot".into()
    }));
    sim.client_says("d1");
    sim.advance(3 * MINUTE - 1);
    assert!(matches!(sim.status("d1"), Status::WithBot { .. }));
    sim.advance(1);
    assert_eq!(sim.offered("d1"), vec!["anna"]);
}

#[test]
fn b1_a_first_dialog_only_bot_leaves_returning_clients_to_the_operators() {
    let mut sim = with_bot(true);
    sim.open("d1", "c1");
    sim.ok(Event::BotHandoff {
        dialog: "d1".into(),
    });
    assert_eq!(sim.offered("d1"), vec!["anna"]);
    sim.open("d2", "c1");
    assert_eq!(sim.offered("d2"), vec!["anna"]);
}

#[test]
fn b2_an_operator_of_the_queue_takes_a_dialog_over_from_the_bot_and_the_bot_leaves() {
    let mut sim = with_bot(false);
    sim.ok(Event::UpsertOperator {
        operator: openline_core::operator::Operator::new("olga", "Olga"),
    });
    sim.open("d1", "c1");
    assert!(
        sim.try_event(Event::Accept {
            dialog: "d1".into(),
            operator: "olga".into(),
        })
        .is_err(),
        "not in the line's queue"
    );
    sim.accept("d1", "anna");
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    assert!(sim.line.bot_holds("d1", "faq-bot").is_err());
    // The bot's hand-over time passing changes nothing now.
    let fx = sim.advance(3 * MINUTE);
    assert!(offers(&fx).is_empty());
    assert_eq!(sim.owner("d1").as_deref(), Some("anna"));
    assert!(sim.line.dialog("d1").unwrap().readable_by("anna", false));
}

#[test]
fn b2_k1_a_dialog_taken_over_from_the_bot_counts_its_first_answer_from_the_take_over() {
    let mut sim = with_bot(false);
    sim.line
        .update_settings(
            {
                let mut s = sim.line.settings().clone();
                s.first_answer_kpi = Some(Kpi {
                    within_ms: MINUTE,
                    notify: vec![],
                });
                s
            },
            sim.now,
        )
        .unwrap();
    sim.open("d1", "c1");
    sim.advance(2 * MINUTE);
    sim.accept("d1", "anna");
    let fx = sim.advance(MINUTE);
    assert!(fx.iter().any(|e| matches!(e, Effect::KpiMissed { dialog, kpi: KpiKind::FirstAnswer, .. } if dialog == "d1")),
        "a minute after the take-over without an answer: missed");
}

#[test]
fn b3_only_the_bot_holding_a_dialog_closes_it_and_then_nothing_more() {
    let mut sim = with_bot(false);
    sim.open("d1", "c1");
    let other = Event::BotClose {
        dialog: "d1".into(),
        by: "another-bot".into(),
    };
    assert!(sim.line.handle(sim.now, other).is_err());
    assert!(sim.line.bot_holds("d1", "faq-bot").is_ok());
    sim.ok(Event::BotClose {
        dialog: "d1".into(),
        by: "faq-bot".into(),
    });
    assert!(matches!(sim.status("d1"), Status::Finished { .. }));
    assert!(sim.line.bot_holds("d1", "faq-bot").is_err());
    // Its time running out later offers nobody a finished dialog.
    let fx = sim.advance(3 * MINUTE);
    assert!(offers(&fx).is_empty());
}

// ----- H working hours ---------------------------------------------------------------

#[test]
fn h1_h4_outside_working_hours_dialogs_wait_and_are_offered_when_the_line_opens() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    // T0 = Wednesday 2026-11-18 11:06:40 UTC; hours 14:00–18:00 UTC weekdays.
    s.hours = Some(WorkingHours::weekdays("UTC", 14 * 60, 18 * 60));
    let mut sim = Sim::new(s);
    assert!(!sim.line.open_now(sim.now));
    sim.open("d1", "c1");
    assert_eq!(sim.status("d1"), Status::Queued);
    let opens = sim.line.next_opening(sim.now).unwrap();
    assert_eq!(opens, T0 + (2 * 60 + 53) * MINUTE + 20_000);
    assert_eq!(sim.line.next_deadline(), Some(opens));
    let fx = sim.advance(opens - sim.now);
    assert_eq!(offers(&fx), vec![("d1".to_string(), "anna".to_string())]);
}

// ----- C7 ------------------------------------------------------------------------------

#[test]
fn c7_an_unknown_client_is_a_typed_client_not_found_error() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    assert_eq!(sim.line.dialog_for_client("c1").unwrap().id, "d1");
    let err: ProtocolError = sim.line.dialog_for_client("nobody").unwrap_err();
    assert_eq!(err.code, ErrorCode::ClientNotFound);
    assert_eq!(err.message, "client with a connected open line not found");
}

// ----- timers and persistence ------------------------------------------------------------

#[test]
fn firing_timers_twice_or_late_is_the_same_as_once_on_time() {
    let mut on_time = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    let mut late = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    for sim in [&mut on_time, &mut late] {
        sim.open("d1", "c1");
    }
    on_time.advance(MINUTE);
    let again = on_time.line.handle_timeout(on_time.now);
    assert!(again.is_empty());
    late.advance(MINUTE + 20_000);
    assert_eq!(on_time.offered("d1"), late.offered("d1"));
}

#[test]
fn the_line_state_survives_a_round_trip_through_storage() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.open("d1", "c1");
    sim.advance(30_000);
    let json = serde_json::to_string(&sim.line).unwrap();
    let mut restored: openline_core::line::Line = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, sim.line);
    let a = sim.line.handle_timeout(sim.now + 30_000);
    let b = restored.handle_timeout(sim.now + 30_000);
    assert_eq!(a, b);
}

#[test]
fn unknown_dialogs_and_operators_are_typed_errors_and_change_nothing() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    let before = sim.line.clone();
    assert!(matches!(
        sim.try_event(Event::ClientMessage {
            dialog: "nope".into()
        }),
        Err(LineError::UnknownDialog(_))
    ));
    assert!(matches!(
        sim.try_event(Event::SetPresence {
            operator: "ghost".into(),
            presence: Presence::Online
        }),
        Err(LineError::UnknownOperator(_))
    ));
    assert_eq!(sim.line, before);
    sim.open("d1", "c1");
    assert!(matches!(
        sim.try_event(Event::DialogOpened {
            dialog: "d1".into(),
            client: "c2".into(),
            channel: Default::default(),
        }),
        Err(LineError::DialogExists(_))
    ));
}

#[test]
fn finished_dialogs_leave_the_live_state_for_the_archive_after_the_retention_but_live_ones_never() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.advance(11 * MINUTE);
    sim.open("d2", "c2");
    let finished_at = sim.line.dialog("d1").unwrap().finished_at.unwrap();
    assert_eq!(sim.line.earliest_finished(), Some(finished_at));
    assert!(sim.line.prune_finished(finished_at).is_empty());
    let d1 = sim.line.dialog("d1").unwrap().clone();
    assert_eq!(
        sim.line.prune_finished(finished_at + 1),
        vec![d1],
        "the whole record goes to the adapter's archive"
    );
    assert!(sim.line.dialog("d1").is_none());
    assert!(sim.line.dialog("d2").is_some());
    assert_eq!(sim.line.earliest_finished(), None);
}

/// What the edge keeps in SQLite: the head and one row per dialog,
/// operator, client and timer.
#[derive(Default)]
struct Store {
    head: String,
    dialogs: std::collections::BTreeMap<String, openline_core::line::Dialog>,
    operators: std::collections::BTreeMap<String, openline_core::operator::Operator>,
    clients: std::collections::BTreeMap<String, openline_core::line::ClientRecord>,
    timers: std::collections::BTreeMap<openline_core::timers::TimerKey, i64>,
    /// Rows written by the saves so far.
    writes: usize,
}

impl Store {
    /// Writes back what changed, as the edge does after each step.
    fn save(&mut self, line: &mut openline_core::line::Line) {
        let c = line.take_changes();
        if c.head {
            self.head = line.head_json().unwrap();
            self.writes += 1;
        }
        for id in c.dialogs {
            match line.dialog(&id) {
                Some(d) => self.dialogs.insert(id, d.clone()),
                None => self.dialogs.remove(&id),
            };
            self.writes += 1;
        }
        for id in c.operators {
            match line.operator(&id) {
                Some(o) => self.operators.insert(id, o.clone()),
                None => self.operators.remove(&id),
            };
            self.writes += 1;
        }
        for id in c.clients {
            match line.client(&id) {
                Some(r) => self.clients.insert(id, r.clone()),
                None => self.clients.remove(&id),
            };
            self.writes += 1;
        }
        for (k, at) in c.timers {
            match at {
                Some(at) => self.timers.insert(k, at),
                None => self.timers.remove(&k),
            };
            self.writes += 1;
        }
    }

    fn restore(&self) -> openline_core::line::Line {
        let (line, inline) =
            openline_core::line::Line::from_stored(openline_core::line::StoredLine {
                head_json: &self.head,
                operators: self.operators.values().cloned().collect(),
                clients: self
                    .clients
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                dialogs: self.dialogs.values().cloned().collect(),
                timers: self.timers.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            })
            .unwrap();
        assert!(!inline);
        line
    }
}

#[test]
fn a_line_stored_as_head_and_changed_rows_restores_to_the_same_state() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    let mut store = Store::default();
    sim.open("d1", "c1");
    store.save(&mut sim.line);
    sim.open("d2", "c2");
    sim.answer("d1", "anna");
    sim.advance(MINUTE);
    store.save(&mut sim.line);
    assert!(
        sim.line.take_changes().is_empty(),
        "nothing changed since the save"
    );
    assert_eq!(store.restore(), sim.line);
}

#[test]
fn a_message_in_a_busy_line_writes_a_few_rows_not_the_whole_line() {
    let mut sim = Sim::with(Mode::Evenly, &["anna", "boris"]);
    let mut store = Store::default();
    for i in 0..50 {
        sim.open(&format!("d{i}"), &format!("c{i}"));
    }
    store.save(&mut sim.line);
    let head_before = store.head.clone();
    let offered = sim
        .line
        .dialogs()
        .find(|d| matches!(&d.status, openline_core::line::Status::Offered { to } if to.iter().any(|o| o == "anna")))
        .map(|d| d.id.clone())
        .unwrap();
    sim.answer(&offered, "anna");
    store.writes = 0;
    store.save(&mut sim.line);
    // The dialog, anna's record and client, the head (recent waits), and a
    // few timers: nothing of the other 49 dialogs.
    assert!(store.writes <= 8, "{} rows written", store.writes);
    assert!(store.dialogs.len() == 50);
    let _ = head_before;
    sim.line
        .handle(
            sim.now,
            openline_core::line::Event::ClientMessage {
                dialog: offered.clone(),
            },
        )
        .unwrap();
    store.writes = 0;
    store.save(&mut sim.line);
    assert!(
        store.writes <= 3,
        "{} rows for a client message",
        store.writes
    );
    assert!(store.head == sim.line.head_json().unwrap());
    assert_eq!(store.restore(), sim.line);
}

#[test]
fn a_head_in_the_old_inline_format_is_read_and_moved_to_rows() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    // Before rows of their own, the head carried operators, clients and timers.
    let full = serde_json::to_value(&sim.line).unwrap();
    let mut head = full.clone();
    head.as_object_mut().unwrap().remove("dialogs");
    let dialogs: Vec<openline_core::line::Dialog> = sim.line.dialogs().cloned().collect();
    let (mut line, inline) =
        openline_core::line::Line::from_stored(openline_core::line::StoredLine {
            head_json: &head.to_string(),
            operators: vec![],
            clients: vec![],
            dialogs,
            timers: vec![],
        })
        .unwrap();
    assert!(inline);
    assert_eq!(line, sim.line);
    line.mark_all_changed();
    let mut store = Store::default();
    store.save(&mut line);
    assert_eq!(store.operators.len(), 1);
    assert_eq!(store.clients.len(), 1);
    assert!(!store.timers.is_empty());
    assert_eq!(store.restore(), sim.line);
}

#[test]
fn q1_the_roster_is_built_from_accounts_of_the_queue_and_keeps_presence() {
    use openline_core::protocol::{Account, Role};
    use openline_core::settings::QueueEntry;
    let sim = Sim::with(Mode::StrictOrder, &["anna"]);
    let account = |id: &str, name: &str| Account {
        id: id.into(),
        login: id.into(),
        name: name.into(),
        role: Role::Operator,
        dismissed: false,
        vacations: vec![],
        avatar: None,
        position: Some("Tea expert".into()),
        email: None,
    };
    let mut settings = sim.line.settings().clone();
    settings.queue.push(QueueEntry::Operator("boris".into()));
    let accounts = vec![
        account("anna", "Anna K."),
        account("boris", "Boris"),
        account("olga", "Olga"),
    ];
    let roster = sim.line.roster_from(&settings, &accounts);
    let ids: Vec<&str> = roster.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["anna", "boris"],
        "only the queue's operators (and those already on the line)"
    );
    let anna = &roster[0];
    assert_eq!(anna.name, "Anna K.");
    assert_eq!(anna.position.as_deref(), Some("Tea expert"));
    assert_eq!(
        anna.presence,
        sim.line.operator("anna").unwrap().presence,
        "presence is kept"
    );
}

// ----- figures for whoever runs the deployment ---------------------------

#[test]
fn the_figures_count_live_dialogs_by_state_and_operators_online() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna", "boris"]);
    sim.presence("boris", Presence::Offline);
    sim.open("d1", "c1");
    sim.open("d2", "c2");
    sim.accept("d2", "anna");
    let f = sim.line.figures("demo");
    assert_eq!(f.line, "demo");
    assert_eq!((f.offered, f.active, f.queued), (1, 1, 0));
    assert_eq!(f.operators_online, 1);
    sim.presence("anna", Presence::Offline);
    let f = sim.line.figures("demo");
    assert_eq!(f.operators_online, 0);
    assert_eq!(
        (f.queued, f.offered, f.active),
        (2, 0, 0),
        "nobody online: both wait in the queue (Q7 took the unanswered one back)"
    );
}

#[test]
fn c1_clients_who_left_the_same_email_or_phone_are_proposed_and_merged_by_the_rules() {
    use openline_core::client_merge::{likeness, merge_order, Likeness};
    use openline_core::consent::Contacts;
    let c = |email: Option<&str>, phone: Option<&str>| Contacts {
        name: None,
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
    };
    let olga = c(Some("Olga@Example.com "), Some("+351 912 345 678"));
    assert_eq!(
        likeness(&olga, &c(Some("olga@example.com"), None)),
        Some(Likeness::Email)
    );
    assert_eq!(
        likeness(&olga, &c(None, Some("351-912-345-678"))),
        Some(Likeness::Phone)
    );
    assert_eq!(
        likeness(
            &olga,
            &c(Some("ivan@example.com"), Some("+351 912 000 000"))
        ),
        None
    );
    assert_eq!(
        likeness(&c(None, Some("112")), &c(None, Some("1-1-2"))),
        None,
        "too short to be a phone"
    );
    assert_eq!(likeness(&c(None, None), &c(None, None)), None);

    // An operator merges a proposed pair; a supervisor any pair.
    let mail = Some(Likeness::Email);
    assert_eq!(
        merge_order("v1", "v2", mail, false).unwrap(),
        ("v2".into(), "v1".into())
    );
    assert_eq!(
        merge_order("v1", "v2", None, false)
            .unwrap_err()
            .code
            .http_status(),
        403
    );
    assert!(merge_order("v1", "v2", None, true).is_ok());
    // The verified user keeps their id, whichever card it was asked from.
    assert_eq!(
        merge_order("v1", "u1", mail, false).unwrap(),
        ("v1".into(), "u1".into())
    );
    assert_eq!(
        merge_order("u1", "v1", mail, false).unwrap(),
        ("v1".into(), "u1".into())
    );
    assert_eq!(
        merge_order("u1", "u2", mail, true)
            .unwrap_err()
            .code
            .http_status(),
        409
    );
    // A Telegram client keeps its id (its chat writes under it); with a
    // verified user or another chat, two identities: not merged.
    assert_eq!(
        merge_order("tg-7", "v1", mail, false).unwrap(),
        ("v1".into(), "tg-7".into())
    );
    assert_eq!(
        merge_order("v1", "tg-7", mail, false).unwrap(),
        ("v1".into(), "tg-7".into())
    );
    for (a, b) in [("tg-7", "u1"), ("u1", "tg-7"), ("tg-7", "tg-8")] {
        assert_eq!(
            merge_order(a, b, mail, true)
                .unwrap_err()
                .code
                .http_status(),
            409,
            "{a} with {b}"
        );
    }
    assert_eq!(
        merge_order("v1", "v1", mail, true)
            .unwrap_err()
            .code
            .http_status(),
        400
    );
}
