//! S2/S3: finding a line's dialogs, live and archived — by state, the
//! operator who held them, the day they opened (the line's wall clock),
//! the client's rating, a missed KPI and the words of their messages — a
//! page at a time, newest first; and the list as CSV for a spreadsheet.

use crate::hours::WallClock;
use crate::line::{Dialog, DialogState};
use crate::quick_answers::csv_cell;
use crate::statistics::Period;
use crate::{ErrorCode, Millis, ProtocolError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Dialogs in one page of a search.
pub const PAGE: usize = 100;
/// At most this many words are searched for.
const MAX_WORDS: usize = 8;

/// What to look for; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialogQuery {
    pub state: Option<DialogState>,
    /// The operator who holds (or last held) the dialog.
    pub operator: Option<String>,
    /// Opened on these days.
    pub period: Option<Period>,
    /// The client's rating, 1–5.
    pub rating: Option<u8>,
    /// Only dialogs that missed a KPI (K3).
    pub kpi_missed: bool,
    /// Every word must be in the dialog's messages (the start of a word
    /// matches: `gree` finds "green").
    pub words: Vec<String>,
    /// Paging: only dialogs opened before this instant.
    pub before: Option<Millis>,
}

fn bad(field: &str, why: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidField, format!("{field}: {why}"))
}

impl DialogQuery {
    /// Reads the query's parameters (`state`, `operator`, `from`, `to`,
    /// `rating`, `kpi_missed`, `q`, `before`) for a line whose wall clock
    /// is `time_zone`; an unknown value is an `invalid_field` naming it.
    pub fn read(
        get: impl Fn(&str) -> Option<String>,
        time_zone: &str,
        now: Millis,
    ) -> Result<DialogQuery, ProtocolError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let state = get("state")
            .map(|s| {
                DialogState::named(&s).ok_or_else(|| {
                    bad(
                        "state",
                        "one of queued, offered, active, awaiting_rating, finished, with_bot",
                    )
                })
            })
            .transpose()?;
        let period = match (get("from"), get("to")) {
            (None, None) => None,
            (from, to) => Some(Period::read(
                from.as_deref(),
                to.as_deref(),
                time_zone,
                now,
            )?),
        };
        let rating = get("rating")
            .map(|r| match r.parse::<u8>() {
                Ok(n @ 1..=5) => Ok(n),
                _ => Err(bad("rating", "a whole number from 1 to 5")),
            })
            .transpose()?;
        let kpi_missed = match get("kpi_missed").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(bad("kpi_missed", "true or false")),
        };
        let before = get("before")
            .map(|b| {
                b.parse::<Millis>()
                    .map_err(|_| bad("before", "an instant in epoch milliseconds"))
            })
            .transpose()?;
        let words = get("q").map(|q| words(&q)).unwrap_or_default();
        Ok(DialogQuery {
            state,
            operator: get("operator"),
            period,
            rating,
            kpi_missed,
            words,
            before,
        })
    }

    /// The words as an FTS5 query: each a quoted prefix, all required;
    /// None when there are no words.
    pub fn fts(&self) -> Option<String> {
        (!self.words.is_empty()).then(|| {
            self.words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// Whether a dialog answers everything but the words (the adapter's
    /// index knows those).
    pub fn matches(&self, d: &Dialog, clock: Option<&WallClock>) -> bool {
        self.state.is_none_or(|s| d.status.state() == s)
            && self
                .operator
                .as_deref()
                .is_none_or(|o| d.status.owner() == Some(o))
            && self
                .rating
                .is_none_or(|r| d.client_rating.as_ref().is_some_and(|c| c.score == r))
            && (!self.kpi_missed || !d.kpi_missed.is_empty())
            && self.before.is_none_or(|b| d.opened_at < b)
            && self.period.as_ref().is_none_or(|p| {
                crate::statistics::local(clock, d.opened_at)
                    .is_some_and(|t| (p.from..=p.to).contains(&t.date()))
            })
    }
}

/// Words of a search: letters and digits only (what the index holds),
/// lower-cased, at most [`MAX_WORDS`].
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(MAX_WORDS)
        .collect()
}

/// `GET …/dialogs/search`: a page of dialogs, newest first; with `more`,
/// ask again with `before` = the last one's `opened_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DialogPage {
    pub dialogs: Vec<Dialog>,
    pub more: bool,
}

/// The page of `candidates` (each once) that answer the query and the
/// caller may read; `with_words` are the dialogs whose messages hold the
/// words (None when the query has none).
pub fn page<'a>(
    query: &DialogQuery,
    candidates: impl IntoIterator<Item = &'a Dialog>,
    with_words: Option<&BTreeSet<String>>,
    readable: impl Fn(&Dialog) -> bool,
) -> DialogPage {
    let clock = query
        .period
        .as_ref()
        .and_then(|p| WallClock::named(&p.time_zone));
    let mut found: Vec<&Dialog> = candidates
        .into_iter()
        .filter(|d| with_words.is_none_or(|w| w.contains(&d.id)))
        .filter(|d| query.matches(d, clock.as_ref()) && readable(d))
        .collect();
    crate::order::sort_by(&mut found, |a, b| {
        b.opened_at.cmp(&a.opened_at).then_with(|| a.id.cmp(&b.id))
    });
    let more = found.len() > PAGE;
    DialogPage {
        dialogs: found.into_iter().take(PAGE).cloned().collect(),
        more,
    }
}

/// The columns of the dialog list's CSV, in order.
pub const CSV_COLUMNS: [&str; 11] = [
    "dialog",
    "client",
    "opened_at",
    "state",
    "operator",
    "first_answer_s",
    "finished_at",
    "client_rating",
    "supervisor_rating",
    "kpi_missed",
    "comment",
];

/// The dialogs as CSV (RFC 4180, a header row, `\r\n`; instants in UTC,
/// ISO 8601; spreadsheet formulas defused as in QA1's export).
pub fn to_csv(dialogs: &[Dialog]) -> String {
    let mut out = CSV_COLUMNS.join(",") + "\r\n";
    for d in dialogs {
        csv_row(&mut out, &cells(d));
    }
    out
}

/// A list across lines as CSV: [`to_csv`]'s columns after a `line` column.
pub fn lines_csv(rows: &[LineDialog]) -> String {
    let mut out = format!("line,{}\r\n", CSV_COLUMNS.join(","));
    for r in rows {
        let mut row = vec![r.line.clone()];
        row.extend(cells(&r.dialog));
        csv_row(&mut out, &row);
    }
    out
}

/// One dialog's cells, in [`CSV_COLUMNS`]' order.
fn cells(d: &Dialog) -> [String; 11] {
    let kpi: Vec<&str> = d
        .kpi_missed
        .iter()
        .map(|k| match k {
            crate::line::KpiKind::FirstAnswer => "first_answer",
            crate::line::KpiKind::Answer => "answer",
        })
        .collect();
    [
        d.id.clone(),
        d.client.clone(),
        iso(d.opened_at),
        d.status.name().to_owned(),
        d.status.owner().unwrap_or_default().to_owned(),
        d.first_answer_at
            .map(|t| ((t - d.opened_at).max(0) / 1000).to_string())
            .unwrap_or_default(),
        d.finished_at.map(iso).unwrap_or_default(),
        d.client_rating
            .as_ref()
            .map(|r| r.score.to_string())
            .unwrap_or_default(),
        d.supervisor_rating
            .as_ref()
            .map(|r| r.score.to_string())
            .unwrap_or_default(),
        kpi.join(" "),
        d.client_rating
            .as_ref()
            .and_then(|r| r.comment.clone())
            .unwrap_or_default(),
    ]
}

/// A dialog of a list across lines, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineDialog {
    pub line: String,
    pub dialog: Dialog,
}

/// `GET /api/v1/dialogs/search`: a page across the caller's lines, newest
/// first; with `more`, ask again with `before` = the last one's
/// `opened_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LinesPage {
    pub dialogs: Vec<LineDialog>,
    pub more: bool,
}

/// The lines' pages (each newest first, as [`page`] makes them) as one
/// page of at most [`PAGE`], newest first; `more` when any line had more
/// or some were left over. Dialogs opened in the same millisecond on two
/// lines at a page's edge may both fall on either side of `before`; each
/// line's own order is kept.
pub fn merge_pages(pages: Vec<(String, DialogPage)>) -> LinesPage {
    let mut more = pages.iter().any(|(_, p)| p.more);
    let mut all: Vec<LineDialog> = pages
        .into_iter()
        .flat_map(|(line, p)| {
            p.dialogs.into_iter().map(move |dialog| LineDialog {
                line: line.clone(),
                dialog,
            })
        })
        .collect();
    crate::order::sort_by(&mut all, |a, b| {
        (b.dialog.opened_at, &a.line, &a.dialog.id).cmp(&(
            a.dialog.opened_at,
            &b.line,
            &b.dialog.id,
        ))
    });
    if all.len() > PAGE {
        all.truncate(PAGE);
        more = true;
    }
    LinesPage { dialogs: all, more }
}

/// An instant as `2026-12-07T09:30:00Z`, written out (chrono's
/// `format` would bring its whole strftime machinery into the edge).
fn iso(ms: Millis) -> String {
    use chrono::{Datelike, Timelike};
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One CSV row of cells, each quoted and defused as needed.
fn csv_row(out: &mut String, cells: &[String]) {
    let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    *out += &row.join(",");
    *out += "\r\n";
}

/// The columns of a transcript's CSV, in order.
pub const TRANSCRIPT_COLUMNS: [&str; 6] = ["seq", "at", "author", "name", "hidden", "text"];

/// A dialog's messages as CSV, in the operator's view (hidden notes
/// marked); instants in UTC, ISO 8601.
pub fn transcript_csv(messages: &[crate::protocol::ChatMessage]) -> String {
    use crate::protocol::Author;
    let mut out = TRANSCRIPT_COLUMNS.join(",") + "\r\n";
    for m in messages {
        let (author, name) = match &m.author {
            Author::Visitor => ("client", String::new()),
            Author::Operator { name } => ("operator", name.clone().unwrap_or_default()),
            Author::System => ("system", String::new()),
        };
        let cells = [
            m.seq.to_string(),
            iso(m.at),
            author.to_owned(),
            name,
            if m.hidden { "yes" } else { "" }.to_owned(),
            m.text.clone(),
        ];
        csv_row(&mut out, &cells);
    }
    out
}
