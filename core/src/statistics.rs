//! S1: a line's figures for a period — dialogs opened, answered and not,
//! times to first answer, to answer and in the queue (p50/p90), missed
//! KPIs, client and supervisor ratings, per operator, per day and per hour
//! of the day — computed from the line's dialog records, live and archived.
//! Days and hours are the line's wall clock (its working-hours zone, else
//! UTC), as its people read them.

use crate::channels::ChannelKind;
use crate::error::{ErrorCode, ProtocolError};
use crate::hours::WallClock;
use crate::line::{Dialog, KpiKind, Rating};
use crate::simulator::Arrival;
use crate::Millis;
use chrono::{NaiveDate, Timelike};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest period one request may cover.
pub const MAX_DAYS: i64 = 366;
/// The period when none is asked for: the last week, today included.
pub const DEFAULT_DAYS: i64 = 7;
/// No zone is further than this from UTC: the margin of the archive
/// query, which is by instant, around the period, which is by local date.
const ZONE_MARGIN_MS: Millis = 15 * 60 * 60 * 1000;
const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The days asked for (both included), in a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
}

impl Period {
    /// Reads `from`/`to` (`YYYY-MM-DD`, either may be absent: the last
    /// [`DEFAULT_DAYS`] up to today, or that many from `from`) for a line
    /// whose wall clock is `time_zone`, `now` being the current instant.
    pub fn read(
        from: Option<&str>,
        to: Option<&str>,
        time_zone: &str,
        now: Millis,
    ) -> Result<Period, ProtocolError> {
        let date = |raw: Option<&str>, field: &str| {
            raw.filter(|s| !s.is_empty())
                .map(|s| {
                    crate::dates::parse(s).ok_or_else(|| {
                        ProtocolError::new(
                            ErrorCode::BadRequest,
                            format!("{field}: a date is written YYYY-MM-DD, e.g. 2026-12-01"),
                        )
                    })
                })
                .transpose()
        };
        let (from, to) = (date(from, "from")?, date(to, "to")?);
        let today = local(WallClock::named(time_zone).as_ref(), now)
            .map(|t| t.date())
            .unwrap_or_default();
        let span = chrono::Duration::days(DEFAULT_DAYS - 1);
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + span),
            (None, Some(t)) => (t - span, t),
            (None, None) => (today - span, today),
        };
        if to < from {
            return Err(ProtocolError::new(
                ErrorCode::BadRequest,
                "to: the period ends before it begins",
            ));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(ProtocolError::new(
                ErrorCode::BadRequest,
                format!("to: a period covers at most {MAX_DAYS} days"),
            ));
        }
        Ok(Period {
            from,
            to,
            time_zone: time_zone.to_owned(),
        })
    }

    /// Instants that surely contain the period whatever the zone: what to
    /// read from storage before [`LineStatistics::of`] keeps the exact days.
    pub fn instants(&self) -> (Millis, Millis) {
        let ms = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or_default()
        };
        (
            ms(self.from) - ZONE_MARGIN_MS,
            ms(self.to) + DAY_MS + ZONE_MARGIN_MS,
        )
    }
}

/// Durations as their median and 90th percentile (nearest rank).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Durations {
    /// How many durations there were.
    pub count: u32,
    pub p50_ms: Option<Millis>,
    pub p90_ms: Option<Millis>,
}

impl Durations {
    pub(crate) fn of(mut all: Vec<Millis>) -> Durations {
        crate::order::sort(&mut all);
        let rank = |p: usize| {
            let n = all.len();
            (n > 0).then(|| all[(n * p).div_ceil(100).clamp(1, n) - 1])
        };
        Durations {
            count: all.len() as u32,
            p50_ms: rank(50),
            p90_ms: rank(90),
        }
    }
}

/// Ratings given (R1 by clients, R2 by supervisors).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ratings {
    pub count: u32,
    /// The mean score, 1–5, to one decimal; absent without ratings.
    pub average: Option<f32>,
    /// How many of each score, 1 to 5.
    pub scores: [u32; 5],
}

impl Ratings {
    fn add(&mut self, r: Option<&Rating>) {
        if let Some(r) = r.filter(|r| (1..=5).contains(&r.score)) {
            self.count += 1;
            self.scores[usize::from(r.score) - 1] += 1;
        }
    }

    fn finish(&mut self) {
        let sum: u32 = (1..=5u32).zip(self.scores).map(|(s, n)| s * n).sum();
        self.average =
            (self.count > 0).then(|| (sum as f32 / self.count as f32 * 10.0).round() / 10.0);
    }
}

/// Dialog counts: opened in the period, and how they went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DialogCounts {
    pub opened: u32,
    /// An operator answered at least once.
    pub answered: u32,
    /// Finished without any operator's answer: missed, or given up by the
    /// client before one came.
    pub unanswered: u32,
    /// Not finished yet.
    pub open: u32,
}

impl DialogCounts {
    pub(crate) fn add(&mut self, d: &Dialog) {
        self.opened += 1;
        if d.first_answer_at.is_some() {
            self.answered += 1;
        } else if d.finished_at.is_some() {
            self.unanswered += 1;
        }
        if d.finished_at.is_none() {
            self.open += 1;
        }
    }
}

/// One operator's part: the dialogs they held last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorStatistics {
    pub operator: String,
    pub dialogs: DialogCounts,
    pub first_answer: Durations,
    pub answer: Durations,
    pub client_ratings: Ratings,
}

/// One channel's part (S1 by channel, L4): the dialogs clients opened
/// through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelStatistics {
    pub channel: ChannelKind,
    pub dialogs: DialogCounts,
    pub first_answer: Durations,
    pub client_ratings: Ratings,
}

/// One local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayStatistics {
    #[serde(
        serialize_with = "crate::dates::ser_date",
        deserialize_with = "crate::dates::de_date"
    )]
    pub date: NaiveDate,
    pub dialogs: DialogCounts,
}

/// `GET /api/v1/lines/{line}/statistics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineStatistics {
    #[serde(
        serialize_with = "crate::dates::ser_date",
        deserialize_with = "crate::dates::de_date"
    )]
    pub from: NaiveDate,
    #[serde(
        serialize_with = "crate::dates::ser_date",
        deserialize_with = "crate::dates::de_date"
    )]
    pub to: NaiveDate,
    /// The zone the days and hours are in.
    pub time_zone: String,
    pub dialogs: DialogCounts,
    /// From the dialog's opening to the first operator's answer.
    pub first_answer: Durations,
    /// Every wait of the client's for an answer (the first included).
    pub answer: Durations,
    /// From the dialog's opening until an operator took it.
    pub queue_wait: Durations,
    /// Dialogs that missed the first-answer KPI (K1).
    pub kpi_first_answer_missed: u32,
    /// Dialogs that missed the answer KPI (K1).
    pub kpi_answer_missed: u32,
    pub client_ratings: Ratings,
    pub supervisor_ratings: Ratings,
    /// By the operator who held each dialog last; dialogs nobody took are
    /// only in the line's totals.
    pub operators: Vec<OperatorStatistics>,
    /// Every day of the period, in order, days without dialogs included.
    pub days: Vec<DayStatistics>,
    /// Dialogs opened in each hour of the day (0–23), over the period.
    pub hours: Vec<u32>,
    /// X7: the instant the period's first day starts on the line's wall
    /// clock (its local midnight).
    pub day_start: Millis,
    /// X7: a one-day period's dialogs as the what-if replay takes them
    /// (when each opened, how long it was worked on, which client);
    /// empty for longer periods.
    #[serde(default)]
    pub arrivals: Vec<Arrival>,
    /// By the channel each dialog came through (only channels with
    /// dialogs in the period), widget first.
    #[serde(default)]
    pub channels: Vec<ChannelStatistics>,
}

#[derive(Default)]
struct Tally {
    counts: DialogCounts,
    first: Vec<Millis>,
    answers: Vec<Millis>,
    ratings: Ratings,
}

impl Tally {
    fn add(&mut self, d: &Dialog) {
        self.counts.add(d);
        if let Some(t) = d.first_answer_at {
            self.first.push((t - d.opened_at).max(0));
        }
        self.answers.extend(&d.answer_waits);
        self.ratings.add(d.client_rating.as_ref());
    }
}

impl LineStatistics {
    /// The figures of the dialogs opened within the period (by the line's
    /// wall clock); each dialog is given once.
    pub fn of<'a>(period: &Period, dialogs: impl IntoIterator<Item = &'a Dialog>) -> Self {
        let clock = WallClock::named(&period.time_zone);
        let mut line = Tally::default();
        let mut queue = Vec::new();
        let (mut kpi_first, mut kpi_answer) = (0, 0);
        let mut supervisor = Ratings::default();
        let mut operators: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_channel: BTreeMap<ChannelKind, Tally> = BTreeMap::new();
        let mut days: BTreeMap<NaiveDate, DialogCounts> = BTreeMap::new();
        let mut hours = vec![0u32; 24];
        let mut arrivals = Arrivals::default();
        for d in dialogs {
            let at = local(clock.as_ref(), d.opened_at);
            let Some(at) = at.filter(|t| (period.from..=period.to).contains(&t.date())) else {
                continue;
            };
            line.add(d);
            if let Some(t) = d.accepted_at {
                queue.push((t - d.opened_at).max(0));
            }
            kpi_first += u32::from(d.kpi_missed.contains(&KpiKind::FirstAnswer));
            kpi_answer += u32::from(d.kpi_missed.contains(&KpiKind::Answer));
            supervisor.add(d.supervisor_rating.as_ref());
            // Who held it last (an offer is not holding it).
            if let Some(op) = d.status.owner() {
                operators.entry(op.to_owned()).or_default().add(d);
            }
            by_channel.entry(d.channel).or_default().add(d);
            days.entry(at.date()).or_default().add(d);
            hours[at.hour() as usize] += 1;
            if period.from == period.to {
                arrivals.add(d);
            }
        }
        line.ratings.finish();
        supervisor.finish();
        let days = period
            .from
            .iter_days()
            .take_while(|day| *day <= period.to)
            .map(|date| DayStatistics {
                date,
                dialogs: days.remove(&date).unwrap_or_default(),
            })
            .collect();
        LineStatistics {
            from: period.from,
            to: period.to,
            time_zone: period.time_zone.clone(),
            dialogs: line.counts,
            first_answer: Durations::of(line.first),
            answer: Durations::of(line.answers),
            queue_wait: Durations::of(queue),
            kpi_first_answer_missed: kpi_first,
            kpi_answer_missed: kpi_answer,
            client_ratings: line.ratings,
            supervisor_ratings: supervisor,
            operators: operators
                .into_iter()
                .map(|(operator, mut t)| {
                    t.ratings.finish();
                    OperatorStatistics {
                        operator,
                        dialogs: t.counts,
                        first_answer: Durations::of(t.first),
                        answer: Durations::of(t.answers),
                        client_ratings: t.ratings,
                    }
                })
                .collect(),
            days,
            hours,
            day_start: day_start(clock.as_ref(), period.from),
            arrivals: arrivals.finish(),
            channels: by_channel
                .into_iter()
                .map(|(channel, mut t)| {
                    t.ratings.finish();
                    ChannelStatistics {
                        channel,
                        dialogs: t.counts,
                        first_answer: Durations::of(t.first),
                        client_ratings: t.ratings,
                    }
                })
                .collect(),
        }
    }
}

/// The instant local midnight of `date` is (by the zone's offset at that
/// day's noon: a day that changes its offset starts an hour off).
fn day_start(clock: Option<&WallClock>, date: NaiveDate) -> Millis {
    let utc = date
        .and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default();
    let offset = local(clock, utc)
        .map(|l| l.and_utc().timestamp_millis() - utc)
        .unwrap_or_default();
    utc - 12 * 60 * 60 * 1000 - offset
}

/// X7: the day's dialogs in order of opening; a dialog not taken (or not
/// finished) is given the median handling time of the others.
#[derive(Default)]
struct Arrivals {
    all: Vec<(Millis, Option<Millis>, String)>,
}

impl Arrivals {
    fn add(&mut self, d: &Dialog) {
        let handled = d
            .accepted_at
            .zip(d.finished_at)
            .map(|(a, f)| (f - a).max(0));
        self.all.push((d.opened_at, handled, d.client.clone()));
    }

    fn finish(mut self) -> Vec<Arrival> {
        crate::order::sort_by_key(&mut self.all, |a| a.0);
        let known: Vec<Millis> = self.all.iter().filter_map(|a| a.1).collect();
        let typical = Durations::of(known).p50_ms.unwrap_or(5 * 60 * 1000);
        let mut clients: BTreeMap<String, u32> = BTreeMap::new();
        let mut out = Vec::with_capacity(self.all.len());
        for (i, (at, handled, client)) in self.all.into_iter().enumerate() {
            let client = *clients.entry(client).or_insert(i as u32);
            out.push(Arrival {
                at,
                handling_ms: handled.unwrap_or(typical),
                client,
            });
        }
        out
    }
}

/// The wall time in the zone, or in UTC when the zone is unknown.
pub(crate) fn local(clock: Option<&WallClock>, at: Millis) -> Option<chrono::NaiveDateTime> {
    clock
        .and_then(|c| c.at(at))
        .or_else(|| chrono::DateTime::from_timestamp_millis(at).map(|t| t.naive_utc()))
}
