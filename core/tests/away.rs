//! Issue 13, part 5 (F4/H4 by e-mail): a client who writes while nobody
//! can answer, or leaves contacts in a dialog nobody holds, is told to the
//! line's operators once per dialog.

mod sim;

use openline_core::hours::WorkingHours;
use openline_core::line::{Away, Effect, Event, Notice};
use openline_core::operator::Presence;
use openline_core::settings::{AwayNotice, DistributionMode as Mode, QueueEntry};
use sim::{settings, Sim};

fn told(fx: &[Effect]) -> Vec<(Vec<String>, Notice)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify { to, notice } => Some((to.clone(), notice.clone())),
            _ => None,
        })
        .filter(|(_, n)| {
            matches!(
                n,
                Notice::ClientWaiting { .. } | Notice::ContactsLeft { .. }
            )
        })
        .collect()
}

fn waiting(dialog: &str, cause: Away) -> Notice {
    Notice::ClientWaiting {
        dialog: dialog.into(),
        client: "c1".into(),
        cause,
    }
}

#[test]
fn a_client_writing_outside_hours_is_told_to_the_operators_once_per_dialog() {
    let mut s = settings(Mode::Evenly, &["anna", "boris"]);
    // T0 is a Wednesday 11:06 UTC; the line works 14:00–18:00.
    s.hours = Some(WorkingHours::weekdays("UTC", 14 * 60, 18 * 60));
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    let fx = sim.client_says("d1");
    assert_eq!(
        told(&fx),
        vec![(
            vec!["anna".into(), "boris".into()],
            waiting("d1", Away::OutsideHours)
        )]
    );
    let again = sim.ok(Event::ClientMessage {
        dialog: "d1".into(),
    });
    assert!(
        told(&again).is_empty(),
        "the second message is not told again"
    );
    // Contacts left while it waits: told once, too.
    let fx = sim.ok(Event::ContactsLeft {
        dialog: "d1".into(),
    });
    assert_eq!(told(&fx).len(), 1);
    assert!(matches!(told(&fx)[0].1, Notice::ContactsLeft { .. }));
    assert!(told(&sim.ok(Event::ContactsLeft {
        dialog: "d1".into()
    }))
    .is_empty());
}

#[test]
fn with_nobody_at_work_the_cause_says_so_and_a_dismissed_operator_hears_nothing() {
    let mut s = settings(Mode::Evenly, &["anna", "boris"]);
    s.queue.push(QueueEntry::Operator("olga".into()));
    let mut sim = Sim::new(s);
    for op in ["anna", "boris"] {
        sim.presence(op, Presence::Offline);
    }
    sim.ok(Event::SetDismissed {
        operator: "olga".into(),
        dismissed: true,
    });
    sim.open("d1", "c1");
    let fx = sim.client_says("d1");
    assert_eq!(
        told(&fx),
        vec![(
            vec!["anna".into(), "boris".into()],
            waiting("d1", Away::NobodyAtWork)
        )]
    );
}

#[test]
fn nothing_is_told_when_someone_can_answer_or_holds_the_dialog_or_the_line_says_no() {
    // Someone at work: the dialog is offered, nobody is mailed.
    let mut sim = Sim::new(settings(Mode::Evenly, &["anna"]));
    sim.open("d1", "c1");
    assert!(told(&sim.client_says("d1")).is_empty());
    // Contacts left in a dialog an operator holds: the operator sees them.
    sim.accept("d1", "anna");
    assert!(told(&sim.ok(Event::ContactsLeft {
        dialog: "d1".into()
    }))
    .is_empty());

    // The line tells nobody.
    let mut s = settings(Mode::Evenly, &["anna"]);
    s.away_notice = None;
    let mut sim = Sim::new(s);
    sim.presence("anna", Presence::Offline);
    sim.open("d1", "c1");
    assert!(told(&sim.client_says("d1")).is_empty());
    assert!(told(&sim.ok(Event::ContactsLeft {
        dialog: "d1".into()
    }))
    .is_empty());
}

#[test]
fn a_shared_inbox_is_told_even_when_the_line_has_no_operators() {
    let mut s = settings(Mode::Evenly, &[]);
    s.away_notice = Some(AwayNotice {
        mail_to: Some("desk@northwind.example".into()),
    });
    let mut sim = Sim::new(s);
    sim.open("d1", "c1");
    let fx = sim.client_says("d1");
    assert_eq!(told(&fx), vec![(vec![], waiting("d1", Away::NobodyAtWork))]);
    // A line's settings refuse an address that is not one.
    let mut bad = settings(Mode::Evenly, &[]);
    bad.away_notice = Some(AwayNotice {
        mail_to: Some("desk".into()),
    });
    assert_eq!(bad.validate().unwrap_err().field, "away_notice.mail_to");
}

#[test]
fn every_notice_kind_is_listed_for_the_lists_that_pass_stored_notices_through() {
    let all = [
        Notice::KpiMissed {
            dialog: "d".into(),
            kpi: openline_core::line::KpiKind::Answer,
            operator: None,
        },
        Notice::UnclosedLimitReached {
            operator: "o".into(),
            limit: 1,
        },
        Notice::UnclosedLimitNear {
            operator: "o".into(),
            unclosed: 1,
            limit: 2,
        },
        Notice::PassedOn {
            dialog: "d".into(),
            operator: "o".into(),
        },
        waiting("d", Away::OutsideHours),
        Notice::ContactsLeft {
            dialog: "d".into(),
            client: "c".into(),
        },
    ];
    let kinds: Vec<String> = all
        .iter()
        .map(|n| {
            serde_json::to_value(n).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds, Notice::KINDS);
}

#[test]
fn a_dialog_the_bot_hands_over_while_nobody_is_at_work_is_told_by_its_call_or_its_timer() {
    let mut s = settings(Mode::Evenly, &["anna"]);
    s.bot = Some(openline_core::settings::BotSettings {
        bot: "faq".into(),
        first_dialog_only: false,
        handoff_after_ms: 3 * openline_core::MINUTE,
    });
    let mut sim = Sim::new(s);
    sim.presence("anna", Presence::Offline);
    sim.open("d1", "c1");
    assert!(told(&sim.client_says("d1")).is_empty(), "the bot holds it");
    let fx = sim.ok(Event::BotHandoff {
        dialog: "d1".into(),
    });
    assert_eq!(
        told(&fx),
        vec![(vec!["anna".into()], waiting("d1", Away::NobodyAtWork))]
    );
    sim.open("d2", "c2");
    sim.client_says("d2");
    let fx = sim.advance(3 * openline_core::MINUTE);
    let notice = Notice::ClientWaiting {
        dialog: "d2".into(),
        client: "c2".into(),
        cause: Away::NobodyAtWork,
    };
    assert_eq!(told(&fx), vec![(vec!["anna".into()], notice)]);
}

#[test]
fn availability_says_online_and_the_week_s_median_first_answer_once_three_were_answered() {
    use openline_core::line::Availability;
    const MINUTE: i64 = 60_000;
    let mut sim = Sim::with(Mode::Evenly, &["anna"]);
    let now = |sim: &Sim| sim.line.availability(sim.now, sim.line.dialogs());
    assert_eq!(
        now(&sim),
        Availability {
            online: true,
            reply_in_s: None
        }
    );
    // Answered after 1, 5 and 3 minutes: two are too few, three say 3 min.
    for (i, wait) in [1, 5, 3].into_iter().enumerate() {
        let d = format!("d{i}");
        sim.open(&d, &format!("c{i}"));
        sim.accept(&d, "anna");
        sim.advance(wait * MINUTE);
        sim.answer(&d, "anna");
        sim.close(&d, "anna");
        let expected = (i == 2).then_some(180);
        assert_eq!(now(&sim).reply_in_s, expected, "after {} dialogs", i + 1);
    }
    // An unanswered dialog does not count; a week later the old ones drop out.
    sim.open("d9", "c9");
    assert_eq!(now(&sim).reply_in_s, Some(180));
    sim.advance(8 * 24 * 60 * MINUTE);
    assert_eq!(now(&sim).reply_in_s, None);
    // Nobody at work: not online.
    sim.presence("anna", Presence::Offline);
    assert!(!now(&sim).online);
}
