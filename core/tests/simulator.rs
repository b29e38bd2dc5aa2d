//! X7: the what-if replay drives the real line machine; these check its
//! people model and its figures on small days worked out by hand.

mod sim;

use openline_core::settings::{ConcurrencyLimit, DistributionMode, Kpi, LimitExclusion};
use openline_core::simulator::{replay, synthetic_day, Arrival, Scenario, Shift};
use openline_core::{Millis, MINUTE};
use sim::{settings, T0};

const SECOND: Millis = 1000;
const HOUR: Millis = 60 * MINUTE;

fn shift(op: &str, reaction_ms: Millis) -> Shift {
    Shift {
        operator: op.into(),
        from_min: 9 * 60,
        to_min: 18 * 60,
        reaction_ms,
    }
}

fn arrivals(minutes: &[Millis], handling_ms: Millis) -> Vec<Arrival> {
    minutes
        .iter()
        .enumerate()
        .map(|(i, m)| Arrival {
            at: T0 + 10 * HOUR + m * MINUTE,
            handling_ms,
            client: i as u32,
        })
        .collect()
}

fn scenario(mode: DistributionMode, shifts: Vec<Shift>, arrivals: Vec<Arrival>) -> Scenario {
    let ops: Vec<&str> = shifts.iter().map(|s| s.operator.as_str()).collect();
    let mut s = settings(mode, &ops);
    s.ask_rating = false;
    s.rating_wait_ms = 0;
    Scenario {
        settings: s,
        day_start: T0,
        shifts,
        departments: vec![],
        arrivals,
    }
}

#[test]
fn a_slow_first_operator_costs_strict_order_a_pass_on_per_dialog_and_all_at_once_nothing() {
    let day = arrivals(&[0, 20, 40], 5 * MINUTE);
    let shifts = vec![shift("anna", 3 * MINUTE), shift("boris", 20 * SECOND)];
    let strict = replay(&scenario(
        DistributionMode::StrictOrder,
        shifts.clone(),
        day.clone(),
    ))
    .unwrap();
    let at_once = replay(&scenario(DistributionMode::AllAtOnce, shifts, day)).unwrap();
    // Strict order: Anna is offered each first, lets the minute run out,
    // Boris takes it 20 s after it reaches him.
    assert_eq!(strict.wait.p50_ms, Some(MINUTE + 20 * SECOND));
    assert_eq!(strict.wait.p90_ms, Some(MINUTE + 20 * SECOND));
    assert_eq!(strict.operators[0].operator, "anna");
    assert_eq!(strict.operators[0].passed_on, 3);
    assert_eq!(strict.operators[1].dialogs, 3);
    // All at once: Boris is always first.
    assert_eq!(at_once.wait.p50_ms, Some(20 * SECOND));
    assert_eq!(at_once.operators[0].passed_on, 0);
    assert_eq!(at_once.operators[1].dialogs, 3);
    assert_eq!(at_once.dialogs.answered, 3);
}

#[test]
fn a_limit_of_one_builds_a_queue_the_replay_measures() {
    let day = arrivals(&[0, 1, 2], 10 * MINUTE);
    let mut sc = scenario(
        DistributionMode::Evenly,
        vec![shift("anna", 30 * SECOND)],
        day,
    );
    sc.settings.unclosed_limit = Some(1);
    let out = replay(&sc).unwrap();
    // 10:00 taken at once (30 s); 10:01 waits for the first to close
    // (10:10:30) and Anna's reaction; 10:02 for the second (10:21:00).
    assert_eq!(out.wait.p50_ms, Some(10 * MINUTE));
    assert_eq!(out.longest_wait_ms, 19 * MINUTE + 30 * SECOND);
    assert_eq!(out.longest_queue, 2);
    assert_eq!((out.operators[0].dialogs, out.operators[0].peak), (3, 1));
    // Without the limit she holds all three at once.
    sc.settings.unclosed_limit = None;
    let free = replay(&sc).unwrap();
    assert_eq!(free.wait.p90_ms, Some(30 * SECOND));
    assert_eq!((free.longest_queue, free.operators[0].peak), (1, 3));
    // A limit of one dialog awaiting her answer (Q5) lets her hold those
    // whose clients are writing: no queue on this day.
    sc.settings.concurrency_limit = Some(ConcurrencyLimit {
        max: 1,
        exclude: LimitExclusion::WaitingForClient,
    });
    let q5 = replay(&sc).unwrap();
    assert_eq!((q5.longest_wait_ms, q5.operators[0].peak), (30 * SECOND, 3));
}

#[test]
fn dialogs_wait_for_the_shift_and_after_it_for_the_end_of_the_replay() {
    let day = arrivals(&[0, 30, 13 * 60], 5 * MINUTE);
    let mut late = shift("anna", 10 * SECOND);
    late.from_min = 20 * 60;
    late.to_min = 22 * 60;
    let mut sc = scenario(DistributionMode::Evenly, vec![late], day);
    sc.settings.first_answer_kpi = Some(Kpi {
        within_ms: 5 * MINUTE,
        notify: vec![],
    });
    let out = replay(&sc).unwrap();
    // 10:00 and 10:30 wait for Anna's 20:00 start and her 10 s; 23:00 for
    // the end of the replay (6 h after midnight).
    assert_eq!(out.wait.p50_ms, Some(9 * HOUR + 30 * MINUTE + 10 * SECOND));
    assert_eq!(out.longest_wait_ms, 10 * HOUR + 10 * SECOND);
    assert_eq!(out.longest_queue, 2);
    assert_eq!(out.kpi_first_answer_missed, 3);
    assert_eq!((out.dialogs.answered, out.dialogs.open), (2, 1));
}

#[test]
fn the_same_day_replays_the_same_and_a_synthetic_day_stays_in_its_hours() {
    let day = synthetic_day(T0, 200, 9 * 60, 18 * 60, 8 * MINUTE);
    assert_eq!(day.len(), 200);
    assert!(day.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(day
        .iter()
        .all(|a| a.at >= T0 + 9 * HOUR && a.at < T0 + 18 * HOUR));
    assert!(day
        .iter()
        .all(|a| a.handling_ms >= 4 * MINUTE && a.handling_ms <= 12 * MINUTE));
    assert_eq!(day, synthetic_day(T0, 200, 9 * 60, 18 * 60, 8 * MINUTE));
    let shifts = vec![shift("anna", 30 * SECOND), shift("boris", 45 * SECOND)];
    let sc = scenario(DistributionMode::Evenly, shifts, day);
    let a = replay(&sc).unwrap();
    assert_eq!(a, replay(&sc).unwrap());
    assert_eq!(a.dialogs.opened, 200);
}
