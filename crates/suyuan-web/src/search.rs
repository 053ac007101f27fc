//! Searching the library: a page for people and `/api/v1/search`, both
//! limited to the collections the reader may read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::library::CollectionId;
use suyuan_search::{Piece, Results, Within};

use crate::auth::{MaybeApiUser, MaybeSigned, MaybeUser};

use crate::error::WebError;
use crate::i18n::fill;
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::SEARCH, get(search_page))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_search))
}

const PAGE_LIMIT: usize = 20;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to look for, in Chinese or English.
    q: Option<String>,
    /// Only this collection.
    collection: Option<i64>,
    /// At most 100 (default 20).
    limit: Option<usize>,
    /// Results to skip: the next page starts after the ones shown.
    offset: Option<usize>,
    /// A page of 20 results, from 1 (instead of `offset`).
    page: Option<usize>,
}

impl SearchQuery {
    /// Where the results asked for start.
    fn skip(&self) -> usize {
        match self.page {
            Some(page) => page.saturating_sub(1).saturating_mul(PAGE_LIMIT),
            None => self.offset.unwrap_or(0),
        }
    }
}

/// Runs a search for `reader` over what they may read.
async fn run(
    state: &AppState,
    reader: Option<&Principal>,
    query: &SearchQuery,
) -> Result<Results, WebError> {
    let text = query.q.as_deref().unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(Results::default());
    }
    let readable: HashSet<CollectionId> = state
        .catalog
        .readable(state, reader)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let within = Within {
        readable: &readable,
        collection: query.collection.map(CollectionId),
    };
    state
        .search
        .search_from(
            text,
            &within,
            query.skip(),
            query.limit.unwrap_or(PAGE_LIMIT),
        )
        .map_err(WebError::from)
}

pub struct HitView {
    pub href: String,
    pub collection_title: String,
    pub heading_path: String,
    pub snippet: Vec<Piece>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    collection: Option<i64>,
    collection_title: Option<String>,
    summary: Option<String>,
    hits: Vec<HitView>,
    /// "Page 2 of 4", when there is more than one.
    page_label: Option<String>,
    previous: Option<String>,
    next: Option<String>,
}

async fn search_page(
    State(state): State<AppState>,
    shared: Page,
    MaybeSigned(user): MaybeUser,
    Query(query): Query<SearchQuery>,
) -> Result<SearchPage, WebError> {
    let lang = shared.lang;
    let t = lang.texts();
    let reader = user.as_ref().map(|u| &u.principal);
    let results = run(&state, reader, &query).await?;
    let text = query.q.clone().unwrap_or_default();
    // Named only when the reader may read it.
    let collection_title = match query.collection {
        Some(id) => state
            .catalog
            .readable(&state, reader)
            .await?
            .into_iter()
            .find(|c| c.id == CollectionId(id))
            .map(|c| c.display_title),
        None => None,
    };
    let page = query.page.unwrap_or(1).max(1);
    let pages = results.total.div_ceil(PAGE_LIMIT).max(1);
    let at = |page: usize| paths::search(&text, query.collection, page);
    let here = at(page);
    Ok(SearchPage {
        page_label: (pages > 1).then(|| fill(t.page_of, &[("page", &page), ("pages", &pages)])),
        previous: (page > 1).then(|| at(page - 1)),
        next: (page < pages).then(|| at(page + 1)),
        chrome: match &user {
            Some(user) => Chrome::for_user(shared, user, &here),
            None => Chrome::anonymous(shared).returning_to(&here),
        },
        summary: (!text.trim().is_empty())
            .then(|| fill(t.search_found, &[("total", &results.total)])),
        hits: results
            .hits
            .into_iter()
            .map(|hit| HitView {
                href: paths::excerpt(hit.excerpt),
                collection_title: hit.collection_title,
                heading_path: hit.heading_path,
                snippet: hit.snippet,
            })
            .collect(),
        query: text,
        collection: query.collection,
        collection_title,
    })
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    excerpt_id: i64,
    collection_id: i64,
    collection_title: String,
    heading_path: String,
    /// A passage around the matches, HTML-escaped, matches in `<mark>`.
    snippet: String,
    score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    /// How many excerpts match in all.
    total: usize,
    hits: Vec<SearchHit>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Searches the study material the caller may read (public material
/// without a token), best matches first.
#[utoipa::path(get, path = "/api/v1/search", tag = "library", security((), ("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchResponse)))]
async fn api_search(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeApiUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResponse>, WebError> {
    let results = run(&state, user.as_ref().map(|u| &u.principal), &query).await?;
    Ok(Json(SearchResponse {
        total: results.total,
        hits: results
            .hits
            .into_iter()
            .map(|hit| SearchHit {
                excerpt_id: hit.excerpt.0,
                collection_id: hit.collection.0,
                collection_title: hit.collection_title,
                heading_path: hit.heading_path,
                snippet: hit
                    .snippet
                    .iter()
                    .map(|p| {
                        if p.matched {
                            format!("<mark>{}</mark>", escape(&p.text))
                        } else {
                            escape(&p.text)
                        }
                    })
                    .collect(),
                score: hit.score,
            })
            .collect(),
    }))
}
