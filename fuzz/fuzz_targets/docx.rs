//! Study material in Word's DOCX.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::library;

fuzz_target!(|data: &[u8]| {
    let _ = library::parse_docx("fuzz.docx", data);
});
