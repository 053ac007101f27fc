//! Study material from files: every file is parsed before anything is
//! written, and one bad file refuses the whole import, naming the file
//! and the line.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

use suyuan_core::library::{ParsedCollection, Visibility, is_material, parse_file};
use suyuan_core::units::UnitId;
use suyuan_search::SearchIndex;
use suyuan_store::Store;
use suyuan_store::library::{Imported, NewCollection};

use crate::{AppError, AppResult};

/// A file of study material: its name, which tells its format, and what
/// it holds.
#[derive(Debug, Clone)]
pub struct MaterialFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// What it is filed under: the folder it was found in (none for a
    /// file at the top), or as chosen on upload.
    pub category: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub excerpts: usize,
    pub already_there: usize,
}

/// The material at `path`: the file itself, or every material file
/// (Markdown, text, Word) below the folder, in name order.
pub fn read_material(path: &Path) -> AppResult<Vec<MaterialFile>> {
    let paths = if path.is_file() {
        vec![path.to_owned()]
    } else {
        material_below(path)?
    };
    paths
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).map_err(AppError::io(&file))?;
            let folder = file.parent().filter(|folder| *folder != path);
            Ok(MaterialFile {
                name: file.display().to_string(),
                bytes,
                category: folder
                    .and_then(Path::file_name)
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

fn material_below(folder: &Path) -> AppResult<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![folder.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(AppError::io(&folder))?;
        for entry in entries {
            let entry = entry.map_err(AppError::io(&folder))?;
            let path = entry.path();
            if entry.file_type().map_err(AppError::io(&path))?.is_dir() {
                folders.push(path);
            } else if is_material(&path.to_string_lossy()) {
                found.push(path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(AppError::Invalid(format!(
            "{} holds no .md, .markdown, .txt or .docx files",
            folder.display()
        )));
    }
    Ok(found)
}

/// Imports files as collections of `owner`, all or nothing: a collection
/// already there (the same title, book and edition) is left as it is. A
/// serving instance passes its search index, which catches up at once;
/// other instances catch up from the library's change log within seconds.
pub async fn import_material(
    store: &Store,
    search: Option<&SearchIndex>,
    files: &[MaterialFile],
    owner: UnitId,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> AppResult<Summary> {
    let mut parsed: Vec<ParsedCollection> = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        match parse_file(&file.name, &file.bytes) {
            Ok(collection) => parsed.push(collection),
            Err(err) => errors.push(err.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Files(errors));
    }
    if parsed.is_empty() {
        return Err(AppError::invalid("files", "choose at least one file"));
    }
    let items: Vec<NewCollection> = parsed
        .iter()
        .zip(files)
        .map(|(parsed, file)| NewCollection {
            category: &file.category,
            parsed,
            owner,
            visibility,
        })
        .collect();
    let mut summary = Summary::default();
    for imported in store.import_collections(&items, now).await? {
        match imported {
            Imported::Created { excerpts, .. } => {
                summary.created += 1;
                summary.excerpts += excerpts;
            }
            Imported::AlreadyThere { .. } => summary.already_there += 1,
        }
    }
    if let Some(search) = search {
        search.catch_up(store).await?;
    }
    Ok(summary)
}
