//! Issue 13: which line steps integrations hear of, through the real line
//! machine.

mod sim;

use openline_core::line::{Event, KpiKind, TransferTarget};
use openline_core::settings::{DistributionMode as Mode, Kpi};
use openline_core::webhooks::{from_effects, HookKind};
use openline_core::MINUTE;
use sim::{settings, Sim};

fn kinds(sim: &Sim, fx: &[openline_core::line::Effect]) -> Vec<HookKind> {
    from_effects(&sim.line, fx)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn a_dialog_is_heard_of_when_opened_taken_rated_and_closed() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    let fx = sim.open("d1", "c1");
    let hooks = from_effects(&sim.line, &fx);
    assert_eq!(hooks.len(), 1, "an offer is not an event: {hooks:?}");
    assert_eq!(hooks[0].0, HookKind::DialogOpened);
    assert_eq!(hooks[0].1.dialog.as_deref(), Some("d1"));
    assert_eq!(hooks[0].1.client.as_deref(), Some("c1"));
    assert_eq!(
        hooks[0].1.channel,
        Some(openline_core::channels::ChannelKind::Widget),
        "every dialog event says where the client writes from"
    );

    let fx = sim.accept("d1", "anna");
    let hooks = from_effects(&sim.line, &fx);
    assert_eq!(kinds(&sim, &fx), vec![HookKind::DialogAssigned]);
    assert_eq!(hooks[0].1.operator.as_deref(), Some("anna"));
    assert_eq!(hooks[0].1.client.as_deref(), Some("c1"));

    // Messages are published by the adapter that stores them, not here.
    let fx = sim.answer("d1", "anna");
    assert!(kinds(&sim, &fx).is_empty());
    let fx = sim.client_says("d1");
    assert!(kinds(&sim, &fx).is_empty());

    let fx = sim.close("d1", "anna");
    let closed: Vec<_> = from_effects(&sim.line, &fx)
        .into_iter()
        .filter(|(k, _)| *k == HookKind::DialogClosed)
        .collect();
    let fx2 = sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 5,
        comment: Some("thanks".into()),
    });
    let all: Vec<_> = from_effects(&sim.line, &fx)
        .into_iter()
        .chain(from_effects(&sim.line, &fx2))
        .collect();
    let closed = if closed.is_empty() {
        all.iter()
            .find(|(k, _)| *k == HookKind::DialogClosed)
            .cloned()
            .expect("closed after the rating")
    } else {
        closed[0].clone()
    };
    assert_eq!(closed.1.operator.as_deref(), Some("anna"));
    let rated = all
        .iter()
        .find(|(k, _)| *k == HookKind::RatingCreated)
        .expect("rating");
    assert_eq!(rated.1.rating.as_ref().map(|r| r.score), Some(5));
    assert_eq!(rated.1.rated_by, None, "the client rated");
}

#[test]
fn a_missed_kpi_is_heard_of_once_even_when_nobody_is_notified() {
    let mut s = settings(Mode::StrictOrder, &["anna"]);
    s.first_answer_kpi = Some(Kpi {
        within_ms: 2 * MINUTE,
        notify: Vec::new(),
    });
    s.pass_after_ms = 30 * MINUTE;
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    let fx = sim.advance(2 * MINUTE);
    let hooks = from_effects(&sim.line, &fx);
    let missed: Vec<_> = hooks
        .iter()
        .filter(|(k, _)| *k == HookKind::KpiMissed)
        .collect();
    assert_eq!(missed.len(), 1, "{hooks:?}");
    assert_eq!(missed[0].1.kpi, Some(KpiKind::FirstAnswer));
    assert_eq!(
        missed[0].1.operator.as_deref(),
        Some("anna"),
        "offered to anna"
    );
    let fx = sim.advance(10 * MINUTE);
    assert!(!kinds(&sim, &fx).contains(&HookKind::KpiMissed), "once");
}

#[test]
fn a_dialog_handed_to_another_line_is_heard_of_as_transferred() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.accept("d1", "anna");
    let fx = sim.ok(Event::Transfer {
        dialog: "d1".into(),
        by: "anna".into(),
        to: TransferTarget::Line("sales".into()),
    });
    let hooks = from_effects(&sim.line, &fx);
    let t = hooks
        .iter()
        .find(|(k, _)| *k == HookKind::DialogTransferred)
        .expect("transferred");
    assert_eq!(t.1.to_line.as_deref(), Some("sales"));
    assert_eq!(t.1.client.as_deref(), Some("c1"));
}
