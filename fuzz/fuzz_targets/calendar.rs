//! A year's holidays and workdays, uploaded by the province as CSV or XLSX.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::requests::WorkCalendar;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = suyuan_core::table::read(data) {
        let _ = WorkCalendar::read_year(2026, &rows);
    }
});
