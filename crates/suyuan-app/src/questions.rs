//! The question bank's workflows: files of questions imported, and
//! questions proposed from what a campaign has members read.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::RangeInclusive;

use suyuan_core::campaigns::{Campaign, assigned_between};
use suyuan_core::library::CollectionId;
use suyuan_core::questions::{Format, Material, Reading, Skip, Skipped, Word, file_under, propose};
use suyuan_core::units::UnitId;
use suyuan_i18n::{Texts, fill};
use suyuan_search::keywords::{key_terms, words};
use suyuan_store::questions::{Added, Status};
use suyuan_store::{Store, StoreError};

use crate::{AppError, AppResult};

/// Key terms looked for in each excerpt, and questions proposed from it.
const TERMS: usize = 8;
const PER_EXCERPT: usize = 3;

/// What an import did: the questions added (and those already there),
/// and the items of the file left out, for the report.
#[derive(Debug)]
pub struct Imported {
    pub added: Added,
    pub skipped: Vec<Skipped>,
}

/// Imports a file of questions (`name` says where it came from) into
/// `owner`'s bank, all or nothing, filed under `category` when one is
/// given (the file's own categories become its subcategories). Questions
/// the bank already holds are skipped; so are descriptions, which are
/// reported.
pub async fn import_questions(
    store: &Store,
    name: &str,
    bytes: &[u8],
    format: Format,
    owner: UnitId,
    category: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Imported> {
    let mut parsed = format.read(bytes).map_err(|e| AppError::invalid(name, e))?;
    if let Some(category) = category {
        file_under(&mut parsed.questions, category);
    }
    let added = store
        .add_questions(owner, &parsed.questions, Status::Active, now)
        .await
        .map_err(|err| match err {
            StoreError::Invalid(reason) => AppError::invalid(name, reason),
            other => other.into(),
        })?;
    Ok(Imported {
        added,
        skipped: parsed.skipped,
    })
}

/// An item left out of an import, as the report says it.
pub fn skipped_note(t: &Texts, skipped: &Skipped) -> String {
    let line: &(dyn std::fmt::Display + Sync) = &skipped.line;
    match (skipped.what, &skipped.title) {
        (Skip::Description, Some(name)) => fill(
            t.question_description_skipped,
            &[("line", line), ("name", name)],
        ),
        (Skip::Description, None) => {
            fill(t.question_description_skipped_unnamed, &[("line", line)])
        }
    }
}

/// Proposes questions from what a campaign has members read on `days`,
/// owned by `owner` and filed under each excerpt's collection, whose
/// terms give the choices. With `Status::Proposed` they wait for review;
/// questions already in the bank (or already proposed) are not proposed
/// again.
pub async fn propose_from_readings(
    store: &Store,
    owner: UnitId,
    campaign: &Campaign,
    days: RangeInclusive<NaiveDate>,
    status: Status,
    now: DateTime<Utc>,
) -> AppResult<Added> {
    let plan = campaign.plan(&store.plan_of(campaign.id).await?);
    let mut proposed = Vec::new();
    // Each collection's category (its title) and material, made once.
    let mut collections: HashMap<CollectionId, (String, Material)> = HashMap::new();
    for excerpt in assigned_between(&plan, *days.start(), *days.end()) {
        let excerpt = store.excerpt(*excerpt).await?;
        let (category, material) = match collections.entry(excerpt.collection) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let collection = store.collection(excerpt.collection).await?;
                let texts: Vec<String> = store
                    .excerpts(collection.id, None)
                    .await?
                    .into_iter()
                    .map(|e| e.text)
                    .collect();
                let material = segmented(move || {
                    let words: Vec<Vec<Word>> = texts.iter().map(|t| words(t)).collect();
                    Material::new(&collection.title, words.iter().map(Vec::as_slice))
                })
                .await;
                new.insert((collection.display_title, material))
            }
        };
        let text = excerpt.text;
        let (words, terms) = segmented(move || (words(&text), key_terms(&text, TERMS))).await;
        // An unnumbered paragraph is found by its heading (序言).
        let place = match excerpt.label.as_str() {
            "" => excerpt.heading_path.last().cloned().unwrap_or_default(),
            label => label.to_owned(),
        };
        let reading = Reading {
            excerpt: excerpt.id,
            place: &place,
            words: &words,
            key_terms: &terms,
        };
        proposed.extend(propose(reading, material, category, PER_EXCERPT));
    }
    Ok(store.add_questions(owner, &proposed, status, now).await?)
}

/// Segmenting is CPU work: done off the async threads (a panic there is
/// a panic here).
async fn segmented<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}
