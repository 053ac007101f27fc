//! Group commit for the hot writes (reading marks, test answers): one task
//! per kind writes whatever has queued up in one transaction, and only
//! then answers each request. While it commits a batch, the next one
//! gathers: the busier the server, the larger each transaction, and a
//! commit's cost (an fsync) is shared by everyone in it. The hot lookup
//! (sessions) goes the same way, so that a burst of them shares reads.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

use crate::{StoreError, StoreResult};

/// Requests waiting for a writer; senders wait when it is full.
const QUEUE: usize = 16_384;

type Pending<T, R> = (T, oneshot::Sender<StoreResult<R>>);

/// The writer of one kind of request. Cloning it is cheap; its task ends
/// when the last clone is dropped.
pub struct BatchWriter<T, R> {
    queue: mpsc::Sender<Pending<T, R>>,
    name: &'static str,
}

impl<T, R> std::fmt::Debug for BatchWriter<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriter")
            .field("name", &self.name)
            .finish()
    }
}

impl<T, R> Clone for BatchWriter<T, R> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            name: self.name,
        }
    }
}

impl<T: Send + 'static, R: Send + 'static> BatchWriter<T, R> {
    /// Starts the writer on the current runtime. `write` commits a batch
    /// and gives one result per request, in order.
    pub fn start<F, Fut>(name: &'static str, most: usize, write: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<StoreResult<R>>> + Send,
    {
        let (queue, mut incoming) = mpsc::channel::<Pending<T, R>>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(most);
            while incoming.recv_many(&mut batch, most).await > 0 {
                let (items, replies): (Vec<T>, Vec<_>) =
                    std::mem::take(&mut batch).into_iter().unzip();
                let count = items.len();
                let started = std::time::Instant::now();
                let mut results = write(items).await.into_iter();
                tracing::debug!(
                    writer = name,
                    count,
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "batch committed"
                );
                for reply in replies {
                    let result = results.next().unwrap_or_else(|| {
                        Err(StoreError::Unavailable(format!("{name}: no result")))
                    });
                    let _ = reply.send(result);
                }
            }
        });
        Self { queue, name }
    }

    /// Queues a request; answers once its batch is committed.
    pub async fn submit(&self, item: T) -> StoreResult<R> {
        let stopped = || StoreError::Unavailable(format!("the {} has stopped", self.name));
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((item, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// One answer per request when a whole batch failed: each gets the reason,
/// so that each client can retry.
pub(crate) fn all_failed<T, R>(items: &[T], err: &StoreError) -> Vec<StoreResult<R>> {
    let message = err.to_string();
    items
        .iter()
        .map(|_| Err(StoreError::Unavailable(message.clone())))
        .collect()
}

/// The SQL type a field of JSON rows is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Text,
    BigInt,
    Int,
    /// `YYYY-MM-DD`, as `NaiveDate` is stored.
    Date,
    /// As `timestamp` writes it.
    Timestamp,
}

/// A `SELECT` of the rows in the statement's one parameter: a JSON array
/// holding an array of fields per row, read as `fields` say. However many
/// rows a batch has, the statement is the same (prepared once) and binding
/// them is one value, not one per field.
pub(crate) fn json_rows(backend: DbBackend, fields: &[Field]) -> String {
    // `WHERE true`: SQLite needs it to tell an upsert's ON CONFLICT from a
    // join's ON after a SELECT.
    format!(
        "SELECT {} FROM {} WHERE true",
        fields
            .iter()
            .enumerate()
            .map(|(i, field)| json_field(backend, i, *field))
            .collect::<Vec<_>>()
            .join(", "),
        json_source(backend)
    )
}

/// The table of JSON rows the first parameter holds, one row per element,
/// each in a column named `value`.
pub(crate) fn json_source(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "jsonb_array_elements($1::jsonb)",
        _ => "jsonb_each(?)",
    }
}

/// The expression reading field `i` of a JSON row's `value` as `field`.
pub(crate) fn json_field(backend: DbBackend, i: usize, field: Field) -> String {
    match (backend, field) {
        (DbBackend::Postgres, Field::Text) => format!("value ->> {i}"),
        (DbBackend::Postgres, Field::BigInt) => format!("(value ->> {i})::bigint"),
        (DbBackend::Postgres, Field::Int) => format!("(value ->> {i})::integer"),
        (DbBackend::Postgres, Field::Date) => format!("(value ->> {i})::date"),
        (DbBackend::Postgres, Field::Timestamp) => format!("(value ->> {i})::timestamptz"),
        // SQLite keeps JSON's integers and strings as they are, and dates
        // and times as text.
        _ => format!("value ->> {i}"),
    }
}

/// A time as a JSON row carries it: the text SQLite stores for a
/// `DateTime<Utc>` (and PostgreSQL reads).
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// `sql` with `rows` as its one parameter (see `json_rows`).
pub(crate) fn json_statement<R: Serialize>(
    backend: DbBackend,
    sql: String,
    rows: &[R],
) -> StoreResult<Statement> {
    let rows = serde_json::to_string(rows)
        .map_err(|e| StoreError::Unavailable(format!("rows as JSON: {e}")))?;
    Ok(Statement::from_sql_and_values(backend, sql, [rows.into()]))
}

/// `query` wrapped so that its rows come back as one value: a JSON array
/// holding an array of `columns` per row. sqlx hands SQLite's rows over
/// one at a time, each a message to the waiting task; a read-back of a
/// thousand rows is then one message instead of a thousand.
fn json_result(backend: DbBackend, columns: &[&str], query: &str) -> String {
    let row = columns.join(", ");
    match backend {
        DbBackend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({row})), '[]')::text FROM ({query}) AS q"
        ),
        _ => format!("SELECT json_group_array(json_array({row})) FROM ({query})"),
    }
}

/// Runs `query` with `rows` as its one parameter (see `json_rows`) and
/// reads its `columns` back as one JSON value (see `json_result`).
pub(crate) async fn query_json<C: ConnectionTrait, P: Serialize, R: DeserializeOwned>(
    conn: &C,
    query: &str,
    columns: &[&str],
    rows: &[P],
) -> StoreResult<Vec<R>> {
    let backend = conn.get_database_backend();
    let statement = json_statement(backend, json_result(backend, columns, query), rows)?;
    let Some(row) = conn.query_one_raw(statement).await? else {
        return Ok(Vec::new());
    };
    let text: String = row.try_get_by_index(0)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("rows as JSON: {e}")))
}

/// Rows per multi-row statement, largest first. A batch is cut into these
/// few sizes so that the database sees a handful of distinct statements,
/// each prepared once and reused, rather than a new one per batch size.
const STATEMENT_ROWS: [usize; 5] = [400, 100, 25, 5, 1];

/// Cuts rows into runs of the sizes in `STATEMENT_ROWS`.
pub(crate) fn statement_chunks<T>(rows: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let mut rest = rows;
    for size in STATEMENT_ROWS {
        while rest.len() >= size {
            let (chunk, tail) = rest.split_at(size);
            chunks.push(chunk);
            rest = tail;
        }
    }
    chunks
}

/// The most values `padded` takes: look up more in chunks of this size.
pub(crate) const MOST_PADDED: usize = STATEMENT_ROWS[0];

/// Values for an `IN (…)` list, the first repeated up to one of the
/// `STATEMENT_ROWS` sizes, so that a lookup of any number of values is one
/// of a few prepared statements. At most the largest size: look up more
/// in chunks.
pub(crate) fn padded<T: Clone>(values: &[T]) -> Vec<T> {
    let size = STATEMENT_ROWS
        .iter()
        .rev()
        .copied()
        .find(|size| *size >= values.len())
        .unwrap_or(values.len());
    let mut padded = values.to_vec();
    if let Some(first) = values.first() {
        padded.resize(size, first.clone());
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_in_few_sizes_and_keep_every_row() {
        let rows: Vec<u32> = (0..537).collect();
        let chunks = statement_chunks(&rows);
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [400, 100, 25, 5, 5, 1, 1]);
        assert_eq!(chunks.concat(), rows);
        assert_eq!(padded(&[7, 8, 9]), [7, 8, 9, 7, 7]);
        assert_eq!(padded(&[7]), [7]);
        assert!(padded::<i64>(&[]).is_empty());
    }
}
