//! Local dates as the API writes them, `YYYY-MM-DD`. Read here rather than
//! through chrono's `FromStr`, whose general format parser cost the edge
//! 12 KB of wasm for this one shape.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serializer};

/// Reads `YYYY-MM-DD` (exactly: four-digit year, two-digit month and day,
/// a real calendar date).
pub fn parse(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

/// Writes `YYYY-MM-DD` (chrono's `Display` would bring its whole
/// formatter: 15 KB of the console's wasm).
pub fn write(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `#[serde(serialize_with)]` for one date.
pub fn ser_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&write(*d))
}

/// `#[serde(serialize_with)]` for a list of dates.
pub fn ser_dates<S: Serializer>(ds: &[NaiveDate], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ds.iter().map(|d| write(*d)))
}

/// `#[serde(deserialize_with)]` for one date.
pub fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    parse(&s).ok_or_else(|| serde::de::Error::custom("a date is written YYYY-MM-DD"))
}

/// `#[serde(deserialize_with)]` for a list of dates.
pub fn de_dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
    let all = Vec::<std::borrow::Cow<'de, str>>::deserialize(d)?;
    all.iter()
        .map(|s| parse(s).ok_or_else(|| serde::de::Error::custom("a date is written YYYY-MM-DD")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_reads_and_refuses_the_rest() {
        for ok in ["2026-12-01", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(parse(ok), ok.parse::<NaiveDate>().ok(), "{ok}");
            if let Some(d) = parse(ok) {
                assert_eq!(write(d), d.to_string(), "written as chrono writes it");
            }
            assert!(parse(ok).is_some());
        }
        for bad in [
            "2026-13-01",
            "2025-02-29",
            "2026-1-01",
            "2026/12/01",
            "2026-12-1",
            "",
            "2026-12-01x",
            "+026-12-01",
            "２026-12-01",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_in_json() {
        #[derive(Deserialize)]
        struct Both {
            #[serde(deserialize_with = "de_date")]
            one: NaiveDate,
            #[serde(deserialize_with = "de_dates")]
            many: Vec<NaiveDate>,
        }
        let b: Both =
            serde_json::from_str(r#"{"one":"2026-12-07","many":["2026-01-01","2026-05-09"]}"#)
                .unwrap();
        assert_eq!(b.one, NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(b.many.len(), 2);
        assert!(serde_json::from_str::<Both>(r#"{"one":"7.12.2026","many":[]}"#).is_err());
    }
}
