//! The open requests, indexed by their text's pairs of characters (the
//! `grams` analysis the library's index uses), so that someone about to
//! file a request is shown the open ones like it — same category, much of
//! the same wording — and can follow one instead of filing another.
//!
//! Like the library's index it is derived from the database only: each
//! instance keeps its own in memory, built from every open request at
//! start and caught up from the requests changed since the last look.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use suyuan_core::requests::RequestId;
use suyuan_store::Store;

use crate::grams::{self, GRAMS};
use crate::{SearchError, SearchResult};

/// How many changed requests one look reads at a time.
const BATCH: u64 = 2000;
/// The share of pairs two texts must have in common to be alike.
const ALIKE: f64 = 0.25;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    category: Field,
    text: Field,
    grams: Field,
}

pub struct RequestIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The latest change seen: its time, and the request's id.
    seen: Mutex<Option<(DateTime<Utc>, RequestId)>>,
}

fn pairs(text: &str) -> HashSet<String> {
    grams::tokens(text).into_iter().map(|t| t.text).collect()
}

/// How alike two texts are: the Dice coefficient of their pairs.
pub fn likeness(a: &str, b: &str) -> f64 {
    let (a, b) = (pairs(a), pairs(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(&b).count() as f64 / (a.len() + b.len()) as f64
}

impl RequestIndex {
    pub fn in_memory() -> SearchResult<Self> {
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_u64_field("id", INDEXED | STORED | FAST),
            category: builder.add_u64_field("category", INDEXED),
            text: builder.add_text_field("text", STORED),
            grams: builder.add_text_field(
                "grams",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(GRAMS)
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(GRAMS, grams::Grams);
        // One thread at tantivy's smallest budget: the texts are short.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields,
            seen: Mutex::new(None),
        })
    }

    /// Indexes the requests changed since the last look (every one, the
    /// first time): open ones in, answered or hidden ones out.
    pub async fn catch_up(&self, store: &Store) -> SearchResult<usize> {
        let mut count = 0;
        loop {
            let since = *self
                .seen
                .lock()
                .map_err(|e| SearchError::Task(e.to_string()))?;
            let changed = store.request_texts_since(since, BATCH).await?;
            let Some(last) = changed.last().map(|r| (r.updated_at, r.id)) else {
                break;
            };
            let mut writer = self
                .writer
                .lock()
                .map_err(|e| SearchError::Task(e.to_string()))?;
            for request in &changed {
                let id = u64::try_from(request.id.0).unwrap_or_default();
                writer.delete_term(Term::from_field_u64(self.fields.id, id));
                if request.open {
                    let mut doc = TantivyDocument::default();
                    doc.add_u64(self.fields.id, id);
                    doc.add_u64(
                        self.fields.category,
                        u64::try_from(request.category).unwrap_or_default(),
                    );
                    doc.add_text(self.fields.text, &request.text);
                    doc.add_text(self.fields.grams, &request.text);
                    writer.add_document(doc)?;
                }
            }
            writer.commit()?;
            drop(writer);
            self.reader.reload()?;
            count += changed.len();
            *self
                .seen
                .lock()
                .map_err(|e| SearchError::Task(e.to_string()))? = Some(last);
            if (changed.len() as u64) < BATCH {
                break;
            }
        }
        Ok(count)
    }

    /// The open requests of a category most like `text`, best first.
    pub fn similar(&self, category: i64, text: &str, limit: usize) -> SearchResult<Vec<RequestId>> {
        let wanted = pairs(text);
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let words: Vec<(Occur, Box<dyn Query>)> = wanted
            .iter()
            .map(|pair| {
                let term = Term::from_field_text(self.fields.grams, pair);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let category = Term::from_field_u64(
            self.fields.category,
            u64::try_from(category).unwrap_or_default(),
        );
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(category, IndexRecordOption::Basic)) as Box<dyn Query>,
            ),
            (Occur::Must, Box::new(BooleanQuery::new(words))),
        ]);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit * 4).order_by_score())?;
        let mut found = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let stored = doc
                .get_first(self.fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let id = doc.get_first(self.fields.id).and_then(|v| v.as_u64());
            let alike = likeness(text, stored);
            if let Some(id) = id
                && alike >= ALIKE
            {
                found.push((alike, RequestId(i64::try_from(id).unwrap_or_default())));
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(found.into_iter().take(limit).map(|(_, id)| id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_about_the_same_thing_are_alike_and_others_not() {
        let lamp = "文三路 12 号门口路灯不亮，晚上很黑";
        assert!(likeness("路灯坏了，晚上很黑\n文三路", lamp) >= ALIKE);
        assert!(likeness("小区垃圾桶满了没人清运", lamp) < ALIKE);
        assert_eq!(likeness("", lamp), 0.0);
    }
}
