//! What people type into the library's search box.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::sync::OnceLock;
use suyuan_core::library::CollectionId;
use suyuan_search::{SearchIndex, Within};

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| SearchIndex::in_memory().unwrap_or_else(|e| panic!("an index: {e}")))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let readable: HashSet<CollectionId> = [CollectionId(1)].into();
        let within = Within {
            readable: &readable,
            collection: None,
        };
        let _ = index().search(text, &within, 10);
    }
});
