//! Importing study material from files and folders: every file is parsed
//! (with a progress bar) before anything is written, and one bad file
//! refuses the whole import, naming the file and line.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

use suyuan_core::library::{ParsedCollection, Visibility, is_material, parse_file};
use suyuan_core::units::UnitId;
use suyuan_store::Store;
use suyuan_store::library::{Imported, NewCollection};

/// The material files at `path`: the file itself, or every material file
/// below the folder, in name order.
pub fn files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read {}", folder.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                folders.push(path);
            } else if is_material(&path.to_string_lossy()) {
                found.push(path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        bail!(
            "{} holds no .md, .markdown, .txt or .docx files",
            path.display()
        );
    }
    Ok(found)
}

/// What an import did, for a summary line.
pub struct Summary {
    pub created: usize,
    pub excerpts: usize,
    pub already_there: usize,
}

pub async fn import(
    store: &Store,
    path: &Path,
    owner: UnitId,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> Result<Summary> {
    let files = files(path)?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("reading {wide_bar} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut parsed: Vec<ParsedCollection> = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        bar.set_message(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
        match parse_file(&name, &bytes) {
            Ok(collection) => parsed.push(collection),
            Err(err) => errors.push(err.to_string()),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !errors.is_empty() {
        bail!(
            "nothing was imported; {} file(s) could not be read:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("storing {} collections", parsed.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let items: Vec<NewCollection> = parsed
        .iter()
        .map(|parsed| NewCollection {
            parsed,
            owner,
            visibility,
        })
        .collect();
    let outcome = store.import_collections(&items, now).await;
    spinner.finish_and_clear();
    let mut summary = Summary {
        created: 0,
        excerpts: 0,
        already_there: 0,
    };
    for imported in outcome? {
        match imported {
            Imported::Created { excerpts, .. } => {
                summary.created += 1;
                summary.excerpts += excerpts;
            }
            Imported::AlreadyThere { .. } => summary.already_there += 1,
        }
    }
    Ok(summary)
}
