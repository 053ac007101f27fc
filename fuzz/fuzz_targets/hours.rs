//! A teaching site's opening hours as its manager types them
//! ("09:00-12:00, 13:30-16:30").
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = suyuan_core::sites::SlotTimes::parse_list(text);
    }
});
