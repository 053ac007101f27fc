//! Full-text search over the study library: one tantivy index in which each
//! excerpt's text is analysed three times: into pairs of Chinese characters
//! and lowercase words (`grams`), so that a query finds every excerpt that
//! contains it, inside any compound word; by jieba, so that whole words
//! rank first; and by an English stemmer, so that English finds its word
//! forms. Collection titles are analysed into pairs too: a query that names
//! a collection ranks its excerpts first.
//!
//! The index is derived from the database and never the other way round:
//! each instance keeps its own, records in its commits the library version
//! (the latest change) it has seen, and catches up from the change log.

pub mod grams;
pub mod keywords;
pub mod requests;

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, QueryParser, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use thiserror::Error;

use suyuan_core::library::{CollectionId, ExcerptId};
use suyuan_store::Store;

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error(transparent)]
    Store(#[from] suyuan_store::StoreError),
    #[error("search index: a background task failed: {0}")]
    Task(String),
}

pub type SearchResult<T> = Result<T, SearchError>;

const JIEBA: &str = "jieba";
const ENGLISH: &str = "en_stem";
/// Memory for the index writer (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 50_000_000;
/// Characters around the matches in a snippet.
const SNIPPET_CHARS: usize = 120;
/// The most results one query returns.
pub const MAX_LIMIT: usize = 100;
/// No page of results starts past this one: beyond it is the last page
/// (the collector holds as many results as the offset and the limit).
pub const MAX_OFFSET: usize = 10_000;

#[derive(Clone, Copy)]
struct Fields {
    excerpt: Field,
    collection: Field,
    collection_title: Field,
    title_grams: Field,
    heading_path: Field,
    text: Field,
    text_grams: Field,
    text_en: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analysed = |tokenizer: &str| {
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
    };
    let fields = Fields {
        excerpt: builder.add_u64_field("excerpt", INDEXED | STORED | FAST),
        collection: builder.add_u64_field("collection", INDEXED | STORED | FAST),
        collection_title: builder.add_text_field("collection_title", STORED),
        title_grams: builder.add_text_field(
            "title_grams",
            TextOptions::default().set_indexing_options(analysed(grams::GRAMS)),
        ),
        heading_path: builder.add_text_field("heading_path", STORED),
        text: builder.add_text_field(
            "text",
            TextOptions::default()
                .set_indexing_options(analysed(JIEBA))
                .set_stored(),
        ),
        text_grams: builder.add_text_field(
            "text_grams",
            TextOptions::default().set_indexing_options(analysed(grams::GRAMS)),
        ),
        text_en: builder.add_text_field(
            "text_en",
            TextOptions::default().set_indexing_options(analysed(ENGLISH)),
        ),
    };
    (builder.build(), fields)
}

/// A piece of a snippet: text, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub excerpt: ExcerptId,
    pub collection: CollectionId,
    pub collection_title: String,
    pub heading_path: String,
    pub snippet: Vec<Piece>,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// How many excerpts match in all (not only those returned).
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// What a query is limited to.
pub struct Within<'a> {
    /// The collections the reader may read.
    pub readable: &'a HashSet<CollectionId>,
    /// One collection of those, when the reader asks for it.
    pub collection: Option<CollectionId>,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The library version the last commit reflects.
    version: AtomicI64,
}

impl SearchIndex {
    /// Opens the index in `dir`, or makes a new one there when it is
    /// missing or was made with another schema (it is rebuilt from the
    /// database by `catch_up`).
    pub fn open(dir: &Path) -> SearchResult<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
        let (schema, _) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => index,
            _ => {
                // Stale or foreign: start again.
                for entry in std::fs::read_dir(dir)
                    .map_err(|e| SearchError::Directory(e.to_string()))?
                    .flatten()
                {
                    let path = entry.path();
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                }
                Index::create_in_dir(dir, schema)?
            }
        };
        Self::with_index(index)
    }

    /// An index that lives in memory; for tests and benchmarks.
    pub fn in_memory() -> SearchResult<Self> {
        Self::with_index(Index::create_in_ram(schema().0))
    }

    fn with_index(index: Index) -> SearchResult<Self> {
        index
            .tokenizers()
            .register(JIEBA, tantivy_jieba::JiebaTokenizer::new());
        index.tokenizers().register(grams::GRAMS, grams::Grams);
        let (_, fields) = schema();
        let writer = index.writer(WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let version = index
            .load_metas()?
            .payload
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            version: AtomicI64::new(version),
        })
    }

    /// The library version this index reflects.
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Re-indexes every collection changed since this index's version;
    /// returns how many excerpts it indexed. A new index catches up with
    /// everything.
    pub async fn catch_up(&self, store: &Store) -> SearchResult<usize> {
        // An index ahead of its database (restored from an older backup,
        // or pointed at another database) starts again from nothing.
        if self.version() > store.library_version().await? {
            let mut writer = self
                .writer
                .lock()
                .map_err(|e| SearchError::Task(e.to_string()))?;
            writer.delete_all_documents()?;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload("0");
            commit.commit()?;
            drop(writer);
            self.reader.reload()?;
            self.version.store(0, Ordering::SeqCst);
            tracing::warn!("the search index was ahead of the database; rebuilding it");
        }
        let (changed, latest) = store.library_changes_since(self.version()).await?;
        if changed.is_empty() {
            return Ok(0);
        }
        let mut documents = Vec::new();
        for id in &changed {
            // A collection deleted since is only removed.
            let Ok(collection) = store.collection(*id).await else {
                continue;
            };
            for excerpt in store.excerpts(*id, None).await? {
                documents.push((collection.display_title.clone(), excerpt));
            }
        }
        let count = documents.len();
        let mut writer = self
            .writer
            .lock()
            .map_err(|e| SearchError::Task(e.to_string()))?;
        for id in &changed {
            writer.delete_term(Term::from_field_u64(self.fields.collection, id.0 as u64));
        }
        for (title, excerpt) in documents {
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.fields.excerpt, excerpt.id.0 as u64);
            doc.add_u64(self.fields.collection, excerpt.collection.0 as u64);
            doc.add_text(self.fields.collection_title, &title);
            doc.add_text(self.fields.title_grams, &title);
            doc.add_text(self.fields.heading_path, excerpt.heading_path.join(" / "));
            doc.add_text(self.fields.text, &excerpt.text);
            doc.add_text(self.fields.text_grams, &excerpt.text);
            doc.add_text(self.fields.text_en, &excerpt.text);
            writer.add_document(doc)?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&latest.to_string());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.version.store(latest, Ordering::SeqCst);
        tracing::info!(
            collections = changed.len(),
            excerpts = count,
            version = latest,
            "search index caught up"
        );
        Ok(count)
    }

    /// Searches the excerpts the reader may read, best first, with
    /// highlighted snippets.
    pub fn search(&self, text: &str, within: &Within<'_>, limit: usize) -> SearchResult<Results> {
        self.search_from(text, within, 0, limit)
    }

    /// The same, leaving out the first `offset` results: the next page.
    pub fn search_from(
        &self,
        text: &str,
        within: &Within<'_>,
        offset: usize,
        limit: usize,
    ) -> SearchResult<Results> {
        let text = text.trim();
        if text.is_empty() || within.readable.is_empty() {
            return Ok(Results::default());
        }
        let Some(matching) = self.matching(text) else {
            return Ok(Results::default());
        };
        let scope: Box<dyn Query> = match within.collection {
            Some(id) if within.readable.contains(&id) => Box::new(TermQuery::new(
                Term::from_field_u64(self.fields.collection, id.0 as u64),
                IndexRecordOption::Basic,
            )),
            Some(_) => return Ok(Results::default()),
            None => {
                Box::new(TermSetQuery::new(within.readable.iter().map(|id| {
                    Term::from_field_u64(self.fields.collection, id.0 as u64)
                })))
            }
        };
        // The scope filters and does not score.
        let scope: Box<dyn Query> = Box::new(ConstScoreQuery::new(scope, 0.0));
        let query = BooleanQuery::new(vec![(Occur::Must, matching), (Occur::Must, scope)]);
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit.clamp(1, MAX_LIMIT))
                    .and_offset(offset.min(MAX_OFFSET))
                    .order_by_score(),
                Count,
            ),
        )?;
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let number =
                |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0) as i64;
            let string = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let fragment = snippet(&string(self.fields.text), &words);
            hits.push(Hit {
                excerpt: ExcerptId(number(self.fields.excerpt)),
                collection: CollectionId(number(self.fields.collection)),
                collection_title: string(self.fields.collection_title),
                heading_path: string(self.fields.heading_path),
                snippet: fragment,
                score,
            });
        }
        Ok(Results { total, hits })
    }

    /// What a query matches and how it ranks: every whitespace-separated
    /// word must be in the excerpt (as a substring, by its pairs; or in
    /// English, by its stem); whole jieba words and a collection title that
    /// contains the words rank higher.
    fn matching(&self, text: &str) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in text.split_whitespace() {
            let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(query) = substring(self.fields.text_grams, word) {
                either.push((Occur::Should, query));
            }
            if word.chars().any(|c| c.is_ascii_alphabetic()) {
                let parser = QueryParser::for_index(&self.index, vec![self.fields.text_en]);
                either.push((Occur::Should, parser.parse_query_lenient(word).0));
            }
            if either.is_empty() {
                continue;
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
            if let Some(title) = substring(self.fields.title_grams, word) {
                clauses.push((Occur::Should, Box::new(BoostQuery::new(title, 3.0))));
            }
        }
        if clauses.is_empty() {
            return None;
        }
        let mut words = QueryParser::for_index(&self.index, vec![self.fields.text]);
        words.set_conjunction_by_default();
        clauses.push((Occur::Should, words.parse_query_lenient(text).0));
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// How many excerpts the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The query that finds `word` anywhere in a `grams` field: its tokens
/// as a phrase; a lone Chinese character as any pair that holds it.
fn substring(field: Field, word: &str) -> Option<Box<dyn Query>> {
    let tokens = grams::tokens(word);
    let terms: Vec<(usize, Term)> = tokens
        .iter()
        .map(|t| (t.position, Term::from_field_text(field, &t.text)))
        .collect();
    match tokens.as_slice() {
        [] => None,
        [one] if one.text.chars().count() == 1 && one.text.chars().all(grams::is_chinese) => {
            let c = &one.text;
            RegexQuery::from_pattern(&format!("{c}.?|.{c}"), field)
                .ok()
                .map(|q| Box::new(q) as Box<dyn Query>)
        }
        [_] => Some(Box::new(TermQuery::new(
            terms[0].1.clone(),
            IndexRecordOption::WithFreqs,
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
    }
}

/// A snippet of `text` around the first place a query word occurs in it,
/// every occurrence in it highlighted; the opening of the text when no
/// word occurs as written (an English word found by its stem).
fn snippet(text: &str, words: &[String]) -> Vec<Piece> {
    let lower = text.to_lowercase();
    // Lowercasing can change lengths outside ASCII: then highlight nothing.
    let comparable = lower.len() == text.len();
    let first = words
        .iter()
        .filter_map(|w| comparable.then(|| lower.find(w.as_str())).flatten())
        .min();
    let start = first.map_or(0, |at| {
        let before: Vec<usize> = text[..at].char_indices().map(|(i, _)| i).collect();
        before
            .len()
            .checked_sub(SNIPPET_CHARS / 4)
            .map_or(0, |i| before[i])
    });
    let end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let window = &text[start..end];
    let mut ranges = Vec::new();
    if comparable {
        let lower_window = &lower[start..end];
        for word in words.iter().filter(|w| !w.is_empty()) {
            ranges.extend(
                lower_window
                    .match_indices(word.as_str())
                    .map(|(at, w)| at..at + w.len()),
            );
        }
    }
    pieces(window, &ranges)
}

/// Splits a fragment into plain and highlighted pieces.
fn pieces(fragment: &str, highlighted: &[Range<usize>]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut ranges: Vec<Range<usize>> = highlighted.to_vec();
    ranges.sort_by_key(|r| r.start);
    for range in ranges {
        // Overlapping tokens (jieba's search mode) can yield ranges that
        // overlap, or run backwards; keep only sound ones.
        let sound = at <= range.start
            && range.start < range.end
            && range.end <= fragment.len()
            && fragment.is_char_boundary(range.start)
            && fragment.is_char_boundary(range.end);
        if !sound {
            continue;
        }
        if range.start > at {
            out.push(Piece {
                text: fragment[at..range.start].to_owned(),
                matched: false,
            });
        }
        out.push(Piece {
            text: fragment[range.clone()].to_owned(),
            matched: true,
        });
        at = range.end;
    }
    if at < fragment.len() {
        out.push(Piece {
            text: fragment[at..].to_owned(),
            matched: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_pieces() {
        let pieces = pieces("维护国家安全的义务", &[2 * 3..4 * 3, 4 * 3..6 * 3]);
        let text: Vec<(&str, bool)> = pieces
            .iter()
            .map(|p| (p.text.as_str(), p.matched))
            .collect();
        assert_eq!(
            text,
            [
                ("维护", false),
                ("国家", true),
                ("安全", true),
                ("的义务", false)
            ]
        );
    }
}
