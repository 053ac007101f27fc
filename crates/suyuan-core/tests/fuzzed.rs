//! Every input the fuzz targets keep (`fuzz/corpus/<target>`, the seeds
//! and what fuzzing found worth keeping) and every crash case fuzzing
//! ever found (`fuzz/regressions/<target>`) goes through its parser
//! again here, in the ordinary suite: a parser may refuse it, never
//! panic. Each target's calls are those of `fuzz/fuzz_targets/<target>.rs`.

use std::path::{Path, PathBuf};

use suyuan_core::{library, members, questions, table};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut found = Vec::new();
    for kept in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kept).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            found.push((path, bytes));
        }
    }
    found
}

/// A target's parsers, given one input.
type Parse = fn(&[u8]);

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

#[test]
fn every_kept_fuzz_input_is_parsed_without_a_panic() {
    let targets: [(&str, Parse); 12] = [
        ("markdown", |data| {
            if let Some(text) = text(data) {
                let _ = library::parse_text("fuzz.md", text, library::Markup::Markdown);
                let _ = library::parse_text("fuzz.txt", text, library::Markup::Plain);
            }
        }),
        ("docx", |data| {
            let _ = library::parse_docx("fuzz.docx", data);
        }),
        ("csv", tables),
        ("xlsx", tables),
        ("gift", |data| {
            if let Some(text) = text(data) {
                let _ = questions::parse_gift(text);
            }
        }),
        ("moodle_xml", |data| {
            if let Some(text) = text(data) {
                let _ = questions::parse_moodle_xml(text);
            }
        }),
        ("codes", |data| {
            if let Some(text) = text(data) {
                let _ = suyuan_core::requests::TrackingCode::parse(text);
                let _ = suyuan_core::sites::BookingCode::parse(text);
            }
        }),
        ("uscc", |data| {
            if let Some(text) = text(data) {
                let _ = suyuan_core::sites::CreditCode::parse(text);
            }
        }),
        ("photo", |data| {
            let _ = suyuan_core::gatherings::photo::prepare(data);
        }),
        ("calendar", |data| {
            if let Ok(rows) = table::read(data) {
                let _ = suyuan_core::requests::WorkCalendar::read_year(2026, &rows);
            }
        }),
        ("hours", |data| {
            if let Some(text) = text(data) {
                let _ = suyuan_core::sites::SlotTimes::parse_list(text);
            }
        }),
        ("stamps", |data| {
            if let Some(text) = text(data) {
                let _ = suyuan_core::reading::Opening::parse(text);
            }
        }),
    ];
    for (target, parse) in targets {
        let inputs = inputs(target);
        assert!(!inputs.is_empty(), "fuzz/corpus/{target} keeps its seeds");
        for (path, bytes) in inputs {
            let outcome = std::panic::catch_unwind(|| parse(&bytes));
            assert!(outcome.is_ok(), "{target}: {path:?} panicked");
        }
    }
}

fn tables(data: &[u8]) {
    let _ = table::read(data);
    let _ = members::parse_roster(data);
    let _ = questions::parse_template(data);
}
