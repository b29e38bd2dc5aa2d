//! H1–H4: a line's working time in its own time zone — weekly hours, days
//! off and holidays — answering "open now?" and "when does it open next?",
//! correct across daylight-saving changes.

use crate::Millis;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Local opening interval of one weekday, minutes after midnight, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub from_min: u16,
    /// Up to 1440 (midnight at the end of the day).
    pub to_min: u16,
}

/// Weekly hours; a weekday with no interval is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: String,
    /// Monday first.
    pub week: [Vec<Interval>; 7],
    /// Closed all day on these local dates.
    #[serde(default)]
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
        self.tz()?;
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

    fn tz(&self) -> Result<Tz, String> {
        self.time_zone
            .parse::<Tz>()
            .map_err(|_| format!("unknown time zone '{}'", self.time_zone))
    }

    fn local(&self, now: Millis) -> Option<(Tz, NaiveDateTime)> {
        let tz = self.tz().ok()?;
        let utc = DateTime::<Utc>::from_timestamp_millis(now)?;
        Some((tz, utc.with_timezone(&tz).naive_local()))
    }

    /// H1: is the line open at this instant?
    pub fn is_open(&self, now: Millis) -> bool {
        let Some((_, local)) = self.local(now) else {
            return false;
        };
        let date = local.date();
        if self.holidays.contains(&date) {
            return false;
        }
        let minute = (local.time().signed_duration_since(chrono::NaiveTime::MIN)).num_minutes();
        self.week[date.weekday().num_days_from_monday() as usize]
            .iter()
            .any(|iv| (iv.from_min as i64) <= minute && minute < iv.to_min as i64)
    }

    /// H4: the earliest instant at or after `now` when the line is open;
    /// `now` itself when open now, None when it never opens.
    pub fn next_opening(&self, now: Millis) -> Option<Millis> {
        if self.is_open(now) {
            return Some(now);
        }
        let (tz, local) = self.local(now)?;
        let today = local.date();
        for offset in 0..=(366 + 7) {
            let date = today + Duration::days(offset);
            if self.holidays.contains(&date) {
                continue;
            }
            for iv in &self.week[date.weekday().num_days_from_monday() as usize] {
                let Some(start) = instant_of(tz, date, iv.from_min) else {
                    continue;
                };
                if start > now {
                    return Some(start);
                }
            }
        }
        None
    }
}

/// The instant of a local wall-clock time. In an autumn overlap the earlier
/// instant; in a spring gap the first valid minute after the gap.
fn instant_of(tz: Tz, date: NaiveDate, minute: u16) -> Option<Millis> {
    let base = date.and_hms_opt(0, 0, 0)? + Duration::minutes(minute as i64);
    for shift in 0..=180 {
        match tz.from_local_datetime(&(base + Duration::minutes(shift))) {
            LocalResult::Single(t) => return Some(t.timestamp_millis()),
            LocalResult::Ambiguous(a, _) => return Some(a.timestamp_millis()),
            LocalResult::None => continue,
        }
    }
    None
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
}
