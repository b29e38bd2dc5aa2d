//! Routing benchmarks: one new dialog routed over 10 / 100 / 1,000
//! operators, and a simulated day of 10,000 dialogs over 50 operators.
//! Run with `cargo bench -p openline-core`; figures go to docs/perf.md.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use openline_core::line::{Event, Line};
use openline_core::operator::{Operator, Presence};
use openline_core::settings::{
    ConcurrencyLimit, DistributionMode, LimitExclusion, LineSettings, QueueEntry,
};
use openline_core::{Millis, MINUTE};

const T0: Millis = 1_795_000_000_000;

fn line_with(ops: usize, mode: DistributionMode) -> Line {
    let mut s = LineSettings::new("Bench");
    s.mode = mode;
    s.concurrency_limit = Some(ConcurrencyLimit {
        max: 5,
        exclude: LimitExclusion::Answered,
    });
    s.queue = (0..ops)
        .map(|i| QueueEntry::Operator(format!("op{i}")))
        .collect();
    let mut line = Line::new(s).expect("valid");
    for i in 0..ops {
        let mut op = Operator::new(&format!("op{i}"), "Operator");
        op.presence = Presence::Online;
        line.handle(T0, Event::UpsertOperator { operator: op })
            .expect("op");
    }
    line
}

fn route_one(c: &mut Criterion) {
    let mut group = c.benchmark_group("route_one_new_dialog");
    for ops in [10usize, 100, 1000] {
        for mode in [
            DistributionMode::Evenly,
            DistributionMode::StrictOrder,
            DistributionMode::AllAtOnce,
        ] {
            let base = line_with(ops, mode);
            // The routing index is built once per wake of the line's
            // object and then kept up to date; build it before timing.
            base.queue_order();
            group.bench_with_input(BenchmarkId::new(format!("{mode:?}"), ops), &ops, |b, _| {
                b.iter_batched(
                    || base.clone(),
                    // The line is returned, so criterion drops it (1,000
                    // operators' worth of memory) outside the timing.
                    |mut line| {
                        let fx = line
                            .handle(
                                T0,
                                Event::DialogOpened {
                                    dialog: "d".into(),
                                    client: "c".into(),
                                    channel: Default::default(),
                                },
                            )
                            .expect("open");
                        (line, black_box(fx))
                    },
                    criterion::BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

/// A working day: 10,000 dialogs arriving over 10 hours; each is accepted,
/// answered, closed and rated by whoever it was offered to.
fn simulated_day(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulated_day");
    group.sample_size(10);
    group.bench_function("10k_dialogs_50_operators", |b| {
        b.iter(|| {
            let mut line = line_with(50, DistributionMode::Evenly);
            let mut now = T0;
            let step = 10 * 60 * MINUTE / 10_000; // 3.6 s between arrivals
            let mut open: std::collections::VecDeque<(String, String)> = Default::default();
            for i in 0..10_000u32 {
                now += step;
                line.handle_timeout(now);
                let id = format!("d{i}");
                let fx = line
                    .handle(
                        now,
                        Event::DialogOpened {
                            dialog: id.clone(),
                            client: format!("c{}", i % 3000),
                            channel: Default::default(),
                        },
                    )
                    .expect("open");
                if let Some(openline_core::line::Effect::Offer { operator, .. }) = fx
                    .iter()
                    .find(|e| matches!(e, openline_core::line::Effect::Offer { .. }))
                {
                    let _ = line.handle(
                        now,
                        Event::OperatorMessage {
                            dialog: id.clone(),
                            operator: operator.clone(),
                            hidden: false,
                        },
                    );
                    open.push_back((id, operator.clone()));
                }
                // Each dialog lasts about 40 arrivals (~2.4 minutes).
                if open.len() > 40 {
                    if let Some((d, op)) = open.pop_front() {
                        let _ = line.handle(
                            now,
                            Event::Close {
                                dialog: d.clone(),
                                operator: op,
                            },
                        );
                        let _ = line.handle(
                            now,
                            Event::ClientRating {
                                dialog: d,
                                score: 5,
                                comment: None,
                            },
                        );
                    }
                }
            }
            black_box(line)
        })
    });
    group.finish();
}

criterion_group!(benches, route_one, simulated_day);
criterion_main!(benches);
