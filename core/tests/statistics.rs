//! S1: a line's figures over dialogs driven through the line machine with
//! simulated time.

mod sim;

use chrono::NaiveDate;
use openline_core::channels::ChannelKind;
use openline_core::line::{Dialog, Event};
use openline_core::statistics::{Durations, LineStatistics, Period, MAX_DAYS};
use openline_core::{ErrorCode, MINUTE};
use sim::{Sim, T0};

const SECOND: i64 = 1000;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn period(from: &str, to: &str, zone: &str) -> Period {
    Period::read(Some(from), Some(to), zone, T0).unwrap()
}

/// Three dialogs: d1 answered by Anna (queue 30 s, answers after 60 s and
/// 120 s, rated 5), d2 taken by Boris and closed without an answer after
/// missing the first-answer KPI, d3 the next day from Telegram, still
/// waiting.
fn day_of_dialogs() -> Vec<Dialog> {
    let mut sim = Sim::both_offered_with_kpi();
    sim.open("d1", "c1");
    sim.client_says("d1");
    sim.advance(30 * SECOND);
    sim.accept("d1", "anna");
    sim.advance(30 * SECOND);
    sim.answer("d1", "anna");
    sim.client_says("d1");
    sim.advance(2 * MINUTE);
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 5,
        comment: None,
    });
    sim.open("d2", "c2");
    sim.client_says("d2");
    sim.advance(SECOND);
    sim.accept("d2", "boris");
    sim.advance(4 * MINUTE);
    sim.close("d2", "boris");
    sim.advance(24 * 60 * MINUTE);
    sim.ok(Event::DialogOpened {
        dialog: "d3".into(),
        client: "c3".into(),
        channel: ChannelKind::Telegram,
    });
    sim.client_says("d3");
    ["d1", "d2", "d3"]
        .iter()
        .map(|d| sim.line.dialog(d).unwrap().clone())
        .collect()
}

fn ms(s: i64) -> Option<i64> {
    Some(s * SECOND)
}

#[test]
fn s1_the_line_figures_count_each_dialog_by_how_it_went() {
    let dialogs = day_of_dialogs();
    let day0 = chrono::DateTime::from_timestamp_millis(T0)
        .unwrap()
        .date_naive();
    let day1 = day0.succ_opt().unwrap();
    let p = Period {
        from: day0,
        to: day1,
        time_zone: "UTC".into(),
    };
    let st = LineStatistics::of(&p, &dialogs);
    assert_eq!(
        (
            st.dialogs.opened,
            st.dialogs.answered,
            st.dialogs.unanswered,
            st.dialogs.open
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        st.first_answer,
        Durations {
            count: 1,
            p50_ms: ms(60),
            p90_ms: ms(60)
        }
    );
    assert_eq!(
        st.answer,
        Durations {
            count: 2,
            p50_ms: ms(60),
            p90_ms: ms(120)
        },
        "every wait for an answer, the first included"
    );
    assert_eq!(
        st.queue_wait,
        Durations {
            count: 2,
            p50_ms: ms(1),
            p90_ms: ms(30)
        }
    );
    assert_eq!(st.kpi_first_answer_missed, 1, "d2 waited past 3 min");
    assert_eq!(st.kpi_answer_missed, 0);
    assert_eq!(
        (st.client_ratings.count, st.client_ratings.average),
        (1, Some(5.0))
    );
    assert_eq!(st.client_ratings.scores, [0, 0, 0, 0, 1]);
    assert_eq!(st.supervisor_ratings.count, 0);
    let ops: Vec<(&str, u32, u32)> = st
        .operators
        .iter()
        .map(|o| {
            (
                o.operator.as_str(),
                o.dialogs.answered,
                o.dialogs.unanswered,
            )
        })
        .collect();
    assert_eq!(
        ops,
        [("anna", 1, 0), ("boris", 0, 1)],
        "d3, held by nobody, is only in the totals"
    );
    assert_eq!(st.days.len(), 2);
    assert_eq!((st.days[0].date, st.days[0].dialogs.opened), (day0, 2));
    assert_eq!((st.days[1].date, st.days[1].dialogs.open), (day1, 1));
    assert_eq!(st.hours.len(), 24);
    assert_eq!(st.hours.iter().sum::<u32>(), 3);

    let first_day = LineStatistics::of(
        &Period {
            to: day0,
            ..p.clone()
        },
        &dialogs,
    );
    assert_eq!(first_day.dialogs.opened, 2, "d3 is outside the period");
    assert_eq!(first_day.days.len(), 1);

    // X7: a one-day period gives the what-if replay its arrivals.
    assert!(st.arrivals.is_empty(), "two days: no arrivals");
    let handled = |d: &Dialog| d.finished_at.unwrap() - d.accepted_at.unwrap();
    let got: Vec<(i64, i64, u32)> = first_day
        .arrivals
        .iter()
        .map(|a| (a.at, a.handling_ms, a.client))
        .collect();
    assert_eq!(
        got,
        [
            (dialogs[0].opened_at, handled(&dialogs[0]), 0),
            (dialogs[1].opened_at, handled(&dialogs[1]), 1)
        ]
    );
    assert_eq!(first_day.day_start % (24 * 60 * MINUTE), 0, "UTC midnight");
}

#[test]
fn s1_days_and_hours_are_the_lines_wall_clock() {
    let mut d = day_of_dialogs().remove(0);
    // 2026-12-01 20:30 UTC is 2026-12-02 05:30 in Tokyo.
    d.opened_at = date("2026-12-01")
        .and_hms_opt(20, 30, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let utc = LineStatistics::of(&period("2026-12-01", "2026-12-01", "UTC"), [&d]);
    assert_eq!((utc.dialogs.opened, utc.hours[20]), (1, 1));
    let tokyo = LineStatistics::of(&period("2026-12-01", "2026-12-01", "Asia/Tokyo"), [&d]);
    assert_eq!(tokyo.dialogs.opened, 0, "in Tokyo it opened the next day");
    let tokyo = LineStatistics::of(&period("2026-12-02", "2026-12-02", "Asia/Tokyo"), [&d]);
    assert_eq!((tokyo.dialogs.opened, tokyo.hours[5]), (1, 1));
    assert_eq!(
        tokyo.day_start,
        date("2026-12-01")
            .and_hms_opt(15, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis(),
        "Tokyo's 2 December starts at 15:00 UTC the day before"
    );
    assert_eq!(tokyo.arrivals.len(), 1);
    let (from, to) = period("2026-12-02", "2026-12-02", "Asia/Tokyo").instants();
    assert!(
        from <= d.opened_at && d.opened_at < to,
        "the storage read covers it"
    );
}

#[test]
fn s1_a_period_is_read_from_dates_with_clear_errors() {
    let today = chrono::DateTime::from_timestamp_millis(T0)
        .unwrap()
        .date_naive();
    let p = Period::read(None, None, "UTC", T0).unwrap();
    assert_eq!(
        (p.to, (p.to - p.from).num_days()),
        (today, 6),
        "the last week by default"
    );
    let p = Period::read(Some("2026-12-01"), None, "UTC", T0).unwrap();
    assert_eq!(p.to, date("2026-12-07"));
    for (from, to, field) in [
        ("2026-13-01", "2026-12-01", "from"),
        ("01.12.2026", "2026-12-01", "from"),
        ("2026-12-02", "2026-12-01", "to"),
        ("2025-01-01", "2026-12-01", "to"),
    ] {
        let e = Period::read(Some(from), Some(to), "UTC", T0).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(e.message.starts_with(field), "{from}..{to}: {}", e.message);
    }
    let longest = Period::read(Some("2026-01-01"), Some("2027-01-01"), "UTC", T0).unwrap();
    assert_eq!((longest.to - longest.from).num_days(), MAX_DAYS - 1);
}

#[test]
fn s1_dialogs_are_counted_by_the_channel_they_came_through() {
    let s = LineStatistics::of(
        &period("2026-11-18", "2026-11-19", "UTC"),
        &day_of_dialogs(),
    );
    let by: Vec<(ChannelKind, u32, u32, Option<i64>)> = s
        .channels
        .iter()
        .map(|c| {
            (
                c.channel,
                c.dialogs.opened,
                c.dialogs.answered,
                c.first_answer.p50_ms,
            )
        })
        .collect();
    // d1 (answered after 60 s) and d2 (never answered) came by the widget.
    assert_eq!(
        by,
        vec![
            (ChannelKind::Widget, 2, 1, ms(60)),
            (ChannelKind::Telegram, 1, 0, None)
        ]
    );
    // A one-day period holds only that day's channels.
    let first = LineStatistics::of(
        &period("2026-11-18", "2026-11-18", "UTC"),
        &day_of_dialogs(),
    );
    assert_eq!(first.channels.len(), 1);
}
