//! The opening stamps a reading mark carries back from the client.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = suyuan_core::reading::Opening::parse(text);
    }
});
