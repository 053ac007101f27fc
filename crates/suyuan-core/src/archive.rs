//! Zip archives from outside (XLSX, DOCX): their declared sizes are checked
//! before anything is unpacked (OWASP ASVS 5.2.3).

use std::io::{Cursor, Read};
use thiserror::Error;

pub const MAX_ENTRIES: usize = 1_000;
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArchiveError {
    #[error("not a readable zip archive: {0}")]
    Unreadable(String),
    #[error("the archive is too large when unpacked ({entries} entries, {bytes} bytes; at most {max_entries} entries and {max_bytes} bytes)", max_entries = MAX_ENTRIES, max_bytes = MAX_UNPACKED_BYTES)]
    TooLarge { entries: usize, bytes: u64 },
    #[error("the archive has no {0}")]
    Missing(String),
}

/// Checks the entry count and the declared unpacked size. The reader stops
/// at the declared size of each entry, so a lying entry cannot unpack to
/// more than it declares.
pub fn check(bytes: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, ArchiveError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    let entries = archive.len();
    if entries > MAX_ENTRIES {
        return Err(ArchiveError::TooLarge { entries, bytes: 0 });
    }
    let mut unpacked: u64 = 0;
    for index in 0..entries {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(ArchiveError::TooLarge {
            entries,
            bytes: unpacked,
        });
    }
    Ok(archive)
}

/// One entry as text, or `None` when the archive lacks it.
pub fn text(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, ArchiveError> {
    let mut entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(ArchiveError::Unreadable(e.to_string())),
    };
    let declared = entry.size();
    let mut text = String::new();
    (&mut entry)
        .take(declared.min(MAX_UNPACKED_BYTES))
        .read_to_string(&mut text)
        .map_err(|e| ArchiveError::Unreadable(format!("{name}: {e}")))?;
    Ok(Some(text))
}
