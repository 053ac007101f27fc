//! Photos uploaded with a request, a gathering's record, a pledge's
//! evidence or a teaching site: decoded, turned upright, shrunk and
//! re-encoded, within bounds on size and side.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = suyuan_core::gatherings::photo::prepare(data);
});
