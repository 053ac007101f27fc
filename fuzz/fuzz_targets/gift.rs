//! Question files in Moodle's GIFT.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::questions;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = questions::parse_gift(text);
    }
});
