//! Counting the readers of the public collections, once a day each: a
//! random id kept in the reader's browser (nothing about the person), and
//! a day's ids forgotten once the day is two days past.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::sync::Mutex;

use crate::AppState;

const READER_COOKIE: &str = "sy_reader";

/// The most readers an instance remembers in a day.
const REMEMBERED: usize = 200_000;

/// The readers this instance has counted today, so that a reader's second
/// page asks nothing of the database.
#[derive(Default)]
pub struct Counted(Mutex<(Option<NaiveDate>, HashSet<String>)>);

/// Link previews and crawlers say who they are; they are not readers.
fn is_robot(headers: &axum::http::HeaderMap) -> bool {
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    agent.is_empty()
        || [
            "bot",
            "spider",
            "crawl",
            "preview",
            "facebookexternalhit",
            "curl",
            "wget",
        ]
        .iter()
        .any(|word| agent.contains(word))
}

/// Counts the reader of a public page (giving them an id if they have
/// none); the jar to answer with.
pub async fn count(state: &AppState, headers: &axum::http::HeaderMap, jar: CookieJar) -> CookieJar {
    if is_robot(headers) {
        return jar;
    }
    let (reader, jar) = match jar.get(READER_COOKIE).map(|c| c.value().to_owned()) {
        Some(id) if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) => (id, jar),
        _ => {
            let mut bytes = [0u8; 8];
            if getrandom::fill(&mut bytes).is_err() {
                return jar;
            }
            let id = hex::encode(bytes);
            let cookie = Cookie::build((READER_COOKIE, id.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .max_age(time::Duration::days(365))
                .build();
            (id, jar.add(cookie))
        }
    };
    let day = state
        .now()
        .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
        .date_naive();
    let new_day = {
        let Ok(mut counted) = state.readers.0.lock() else {
            return jar;
        };
        let new_day = counted.0 != Some(day);
        if new_day {
            *counted = (Some(day), HashSet::new());
        }
        if counted.1.contains(&reader) {
            return jar;
        }
        // Bounded: past it, the database alone tells a second visit.
        if counted.1.len() < REMEMBERED {
            counted.1.insert(reader.clone());
        }
        new_day
    };
    // Figures are a courtesy: a failure to count never fails the page
    // (the reader is counted on their next page instead).
    if let Err(err) = state.store.count_public_reader(day, &reader).await {
        tracing::warn!(%err, "could not count a public reader");
        if let Ok(mut counted) = state.readers.0.lock() {
            counted.1.remove(&reader);
        }
    }
    if new_day
        && let Some(before) = day.checked_sub_days(chrono::Days::new(2))
        && let Err(err) = state.store.forget_public_readers_before(before).await
    {
        tracing::warn!(%err, "could not forget past readers");
    }
    jar
}
