//! Study material in Markdown (the corpus format) and plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::library;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = library::parse_text("fuzz.md", text, library::Markup::Markdown);
        let _ = library::parse_text("fuzz.txt", text, library::Markup::Plain);
    }
});
