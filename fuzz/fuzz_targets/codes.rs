//! Tracking codes (requests) and booking codes (teaching sites), as typed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = suyuan_core::requests::TrackingCode::parse(text);
        let _ = suyuan_core::sites::BookingCode::parse(text);
    }
});
