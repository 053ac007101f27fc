//! Unified social credit codes (GB 32100), as typed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = suyuan_core::sites::CreditCode::parse(text);
    }
});
