//! Rosters and question templates as CSV (UTF-8 or GB18030).
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::{members, questions, table};

fuzz_target!(|data: &[u8]| {
    // The same readers take both; each target keeps to its own kind.
    if !data.starts_with(b"PK\x03\x04") {
        let _ = table::read(data);
        let _ = members::parse_roster(data);
        let _ = questions::parse_template(data);
    }
});
