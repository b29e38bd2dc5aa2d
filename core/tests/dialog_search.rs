//! S2/S3: finding dialogs by their state, operator, day, rating, missed
//! KPI and words; a page at a time; the CSV export.

mod sim;

use openline_core::dialog_search::{page, to_csv, DialogQuery, CSV_COLUMNS, PAGE};
use openline_core::line::Event;
use openline_core::{ErrorCode, MINUTE};
use sim::{Sim, T0};
use std::collections::{BTreeMap, BTreeSet};

/// d1 Anna answered and the client rated 4 (finished); d2 Boris took,
/// missed the first-answer KPI and closed (awaiting a rating); d3 is
/// offered to both.
fn three() -> Vec<openline_core::line::Dialog> {
    let mut sim = Sim::both_offered_with_kpi();
    sim.open("d1", "c1");
    sim.client_says("d1");
    sim.accept("d1", "anna");
    sim.answer("d1", "anna");
    sim.close("d1", "anna");
    sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 4,
        comment: Some("=HYPERLINK(\"x\"), thanks".into()),
    });
    sim.advance(MINUTE);
    sim.open("d2", "c2");
    sim.client_says("d2");
    sim.accept("d2", "boris");
    sim.advance(4 * MINUTE);
    sim.close("d2", "boris");
    sim.advance(MINUTE);
    sim.open("d3", "c3");
    ["d1", "d2", "d3"]
        .iter()
        .map(|d| sim.line.dialog(d).unwrap().clone())
        .collect()
}

fn query(params: &[(&str, &str)]) -> Result<DialogQuery, openline_core::ProtocolError> {
    let map: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DialogQuery::read(|k| map.get(k).cloned(), "UTC", T0)
}

fn ids(
    q: &DialogQuery,
    all: &[openline_core::line::Dialog],
    words: Option<&BTreeSet<String>>,
) -> Vec<String> {
    page(q, all, words, |_| true)
        .dialogs
        .into_iter()
        .map(|d| d.id)
        .collect()
}

#[test]
fn s2_each_filter_narrows_the_list_newest_first() {
    let all = three();
    assert_eq!(ids(&query(&[]).unwrap(), &all, None), ["d3", "d2", "d1"]);
    assert_eq!(
        ids(&query(&[("state", "finished")]).unwrap(), &all, None),
        ["d1"]
    );
    assert_eq!(
        ids(&query(&[("state", "awaiting_rating")]).unwrap(), &all, None),
        ["d2"],
        "closed, its rating still awaited"
    );
    assert_eq!(
        ids(&query(&[("operator", "anna")]).unwrap(), &all, None),
        ["d1"]
    );
    assert_eq!(ids(&query(&[("rating", "4")]).unwrap(), &all, None), ["d1"]);
    assert_eq!(
        ids(&query(&[("kpi_missed", "true")]).unwrap(), &all, None),
        ["d2"]
    );
    let before = all[1].opened_at.to_string();
    assert_eq!(
        ids(&query(&[("before", &before)]).unwrap(), &all, None),
        ["d1"],
        "paging"
    );
    let today = chrono::DateTime::from_timestamp_millis(T0)
        .unwrap()
        .date_naive()
        .to_string();
    assert_eq!(
        ids(
            &query(&[("from", &today), ("to", &today)]).unwrap(),
            &all,
            None
        )
        .len(),
        3
    );
    assert!(ids(
        &query(&[("from", "2020-01-01"), ("to", "2020-01-31")]).unwrap(),
        &all,
        None
    )
    .is_empty());
    let words: BTreeSet<String> = ["d2".to_string()].into();
    assert_eq!(
        ids(&query(&[("q", "sencha")]).unwrap(), &all, Some(&words)),
        ["d2"]
    );
    let readable = page(&query(&[]).unwrap(), &all, None, |d| d.id != "d2");
    assert_eq!(readable.dialogs.len(), 2, "only what the caller may read");
}

#[test]
fn s2_words_become_a_safe_prefix_query_and_bad_values_are_named() {
    let q = query(&[("q", "  Green TEA, \"gyokuro\" OR* ")]).unwrap();
    assert_eq!(
        q.fts().as_deref(),
        Some("\"green\"* \"tea\"* \"gyokuro\"* \"or\"*")
    );
    assert_eq!(query(&[("q", " ,. ")]).unwrap().fts(), None);
    for (k, v) in [
        ("state", "closed"),
        ("rating", "6"),
        ("rating", "x"),
        ("kpi_missed", "yes"),
        ("before", "yesterday"),
    ] {
        let e = query(&[(k, v)]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidField);
        assert!(e.message.starts_with(k), "{k}: {}", e.message);
    }
    assert_eq!(
        query(&[("from", "2026-12-09"), ("to", "2026-12-01")])
            .unwrap_err()
            .code,
        ErrorCode::BadRequest
    );
}

#[test]
fn s2_a_page_says_when_more_follow() {
    let one = three().remove(2);
    let many: Vec<_> = (0..PAGE as i64 + 1)
        .map(|i| {
            let mut d = one.clone();
            d.id = format!("x{i}");
            d.opened_at += i;
            d
        })
        .collect();
    let p = page(&query(&[]).unwrap(), &many, None, |_| true);
    assert_eq!((p.dialogs.len(), p.more), (PAGE, true));
    let next = query(&[("before", &p.dialogs.last().unwrap().opened_at.to_string())]).unwrap();
    let rest = page(&next, &many, None, |_| true);
    assert_eq!((rest.dialogs.len(), rest.more), (1, false));
}

#[test]
fn s3_the_list_as_csv_with_formulas_defused() {
    let all = three();
    let csv = to_csv(&all);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert!(lines[1].starts_with("d1,c1,20"), "{}", lines[1]);
    assert!(lines[1].contains(",finished,anna,"));
    assert!(
        lines[1].ends_with(",4,,,\"'=HYPERLINK(\"\"x\"\"), thanks\""),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(",first_answer,"), "{}", lines[2]);
    assert!(lines[3].contains(",offered,,"), "{}", lines[3]);
    assert_eq!(lines.len(), 5, "a header, three rows, the last line break");
}

#[test]
fn s2_pages_of_several_lines_merge_newest_first_and_say_when_more_follow() {
    use openline_core::dialog_search::{lines_csv, merge_pages, DialogPage};
    let d = three(); // opened in order d1, d2, d3
    let page = |ds: &[&openline_core::line::Dialog], more| DialogPage {
        dialogs: ds.iter().map(|d| (*d).clone()).collect(),
        more,
    };
    let merged = merge_pages(vec![
        ("shop".into(), page(&[&d[2], &d[0]], false)),
        ("support".into(), page(&[&d[1]], false)),
    ]);
    let got: Vec<(&str, &str)> = merged
        .dialogs
        .iter()
        .map(|r| (r.line.as_str(), r.dialog.id.as_str()))
        .collect();
    assert_eq!(got, [("shop", "d3"), ("support", "d2"), ("shop", "d1")]);
    assert!(!merged.more);
    assert!(merge_pages(vec![("shop".into(), page(&[&d[0]], true))]).more);

    // Two full lines: the newest PAGE of both, and more.
    let many = |line: &str, start: i64| {
        let ds: Vec<_> = (0..PAGE as i64)
            .map(|i| {
                let mut x = d[0].clone();
                x.id = format!("{line}{i}");
                x.opened_at = start - i * 2;
                x
            })
            .collect();
        (
            line.to_owned(),
            DialogPage {
                dialogs: ds,
                more: false,
            },
        )
    };
    let both = merge_pages(vec![many("a", 1_000_000), many("b", 999_999)]);
    assert_eq!(both.dialogs.len(), PAGE);
    assert!(both.more, "the rest of both is on the next page");
    assert_eq!(both.dialogs[0].dialog.id, "a0");
    assert_eq!(both.dialogs[1].dialog.id, "b0");
    assert!(both
        .dialogs
        .windows(2)
        .all(|w| w[0].dialog.opened_at >= w[1].dialog.opened_at));

    let csv = lines_csv(&merged.dialogs);
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        format!("line,{}", CSV_COLUMNS.join(","))
    );
    assert!(lines.next().unwrap().starts_with("shop,d3,"));
    assert_eq!(
        to_csv(&[d[0].clone()]).lines().nth(1),
        lines_csv(&merged.dialogs[2..])
            .lines()
            .nth(1)
            .map(|l| &l[5..]),
        "the same cells after the line"
    );
}
