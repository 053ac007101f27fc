//! Compilations (汇编): an admin picks excerpts from the library by
//! searching, orders them under headings of their own, and publishes them
//! as a new collection for their subtree. Plain forms, no script: each
//! change is one POST that comes back to the draft.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashSet;

use suyuan_core::library::{CollectionId, ExcerptId, Heading, Visibility, may_read};
use suyuan_search::{Piece, Within};
use suyuan_store::library::{Direction, Draft, DraftEntry};

use crate::auth::PageUser;
use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;

use crate::notice::{Notice, done};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::COMPILATIONS, get(drafts_page).post(create_draft))
        .route("/library/compilations/{id}", get(draft_page))
        .route("/library/compilations/{id}/headings", post(add_heading))
        .route("/library/compilations/{id}/excerpts", post(add_excerpt))
        .route(
            "/library/compilations/{id}/items/{item}/{action}",
            post(change_item),
        )
        .route("/library/compilations/{id}/publish", post(publish))
}

/// A draft the admin may work on: one of a unit in their subtree.
async fn own_draft(state: &AppState, user: &PageUser, id: i64) -> Result<Draft, WebError> {
    let draft = state.store.draft(id).await?;
    user.principal
        .may_manage_within(&draft.owner_path)
        .map_err(|_| WebError::NotFound)?;
    Ok(draft)
}

pub struct DraftLink {
    pub title: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "compilations.html")]
struct DraftsPage {
    chrome: Chrome,
    drafts: Vec<DraftLink>,
}

async fn drafts_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<DraftsPage, WebError> {
    user.principal.must_be_admin()?;
    let drafts = state.store.drafts_within(&user.principal.unit_path).await?;
    Ok(DraftsPage {
        chrome: Chrome::for_user(page, &user, paths::COMPILATIONS),
        drafts: drafts
            .into_iter()
            .map(|d| DraftLink {
                href: paths::draft(d.id),
                title: d.title,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct TitleForm {
    title: String,
}

async fn create_draft(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<TitleForm>,
) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let title = Heading::parse(&form.title)?;
    let draft = state
        .store
        .create_draft(user.principal.unit_id, &title, state.now())
        .await?;
    Ok(done(&paths::draft(draft.id), Notice::DraftCreated))
}

pub struct ItemView {
    pub heading: Option<String>,
    pub label: String,
    /// The first paragraph, without the label; then the rest.
    pub first: String,
    pub more: Vec<suyuan_core::library::Piece>,
    pub source: String,
    /// The id of its place on the page, to return to after moving it.
    pub anchor: String,
    pub up: String,
    pub down: String,
    pub remove: String,
}

pub struct Candidate {
    pub excerpt_id: i64,
    pub collection_title: String,
    pub snippet: Vec<Piece>,
}

#[derive(Template, WebTemplate)]
#[template(path = "compilation.html")]
struct DraftPage {
    chrome: Chrome,
    draft: Draft,
    items: Vec<ItemView>,
    query: String,
    candidates: Vec<Candidate>,
    add_heading: String,
    add_excerpt: String,
    publish: String,
}

#[derive(Deserialize)]
struct DraftQuery {
    q: Option<String>,
}

async fn draft_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<DraftQuery>,
) -> Result<DraftPage, WebError> {
    let draft = own_draft(&state, &user, id).await?;
    let items = state.store.draft_items(draft.id).await?;
    let action = |item: i64, what: &str| format!("{}/items/{item}/{what}", paths::draft(draft.id));
    let text = query.q.unwrap_or_default();
    let candidates = if text.trim().is_empty() {
        Vec::new()
    } else {
        let readable: HashSet<CollectionId> = state
            .catalog
            .readable(&state, Some(&user.principal))
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let within = Within {
            readable: &readable,
            collection: None,
        };
        state
            .search
            .search(&text, &within, 20)?
            .hits
            .into_iter()
            .map(|hit| Candidate {
                excerpt_id: hit.excerpt.0,
                collection_title: hit.collection_title,
                snippet: hit.snippet,
            })
            .collect()
    };
    let here = paths::draft(draft.id);
    Ok(DraftPage {
        chrome: Chrome::for_user(page, &user, &here),
        items: items
            .into_iter()
            .map(|item| {
                let (heading, label, (first, more), source) = match item.entry {
                    DraftEntry::Heading(heading) => (
                        Some(heading),
                        String::new(),
                        (String::new(), Vec::new()),
                        String::new(),
                    ),
                    DraftEntry::Excerpt {
                        excerpt,
                        collection_title,
                    } => {
                        // The text opens with its label, shown apart in bold.
                        let text = crate::library::shown_text(&excerpt.label, &excerpt.text);
                        (None, excerpt.label, text, collection_title)
                    }
                };
                ItemView {
                    heading,
                    label,
                    first,
                    more,
                    source,
                    anchor: item_anchor(item.id),
                    up: action(item.id, "up"),
                    down: action(item.id, "down"),
                    remove: action(item.id, "remove"),
                }
            })
            .collect(),
        query: text,
        candidates,
        add_heading: format!("{here}/headings"),
        add_excerpt: format!("{here}/excerpts"),
        publish: format!("{here}/publish"),
        draft,
    })
}

#[derive(Deserialize)]
struct HeadingForm {
    heading: String,
}

async fn add_heading(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HeadingForm>,
) -> Result<Response, WebError> {
    let draft = own_draft(&state, &user, id).await?;
    let heading = Heading::parse(&form.heading)?;
    state
        .store
        .add_to_draft(draft.id, Some(&heading), None)
        .await?;
    Ok(done(
        &format!("{}#add-heading", paths::draft(draft.id)),
        Notice::HeadingAdded,
    ))
}

#[derive(Deserialize)]
struct ExcerptForm {
    excerpt_id: i64,
    /// The search to come back to.
    q: Option<String>,
}

async fn add_excerpt(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ExcerptForm>,
) -> Result<Response, WebError> {
    let draft = own_draft(&state, &user, id).await?;
    let excerpt = state.store.excerpt(ExcerptId(form.excerpt_id)).await?;
    let collection = state.store.collection(excerpt.collection).await?;
    if !may_read(
        Some(&user.principal),
        collection.visibility,
        &collection.owner_path,
    ) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .add_to_draft(draft.id, None, Some(excerpt.id))
        .await?;
    let back = paths::draft_search(draft.id, form.q.as_deref().unwrap_or_default());
    Ok(done(
        &format!("{back}#hit-{}", excerpt.id.0),
        Notice::ExcerptAdded,
    ))
}

async fn change_item(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, item, action)): Path<(i64, i64, String)>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let draft = own_draft(&state, &user, id).await?;
    let mut place = item_anchor(item);
    match action.as_str() {
        "up" => {
            state
                .store
                .move_draft_item(draft.id, item, Direction::Up)
                .await?
        }
        "down" => {
            state
                .store
                .move_draft_item(draft.id, item, Direction::Down)
                .await?
        }
        "remove" => {
            state.store.remove_draft_item(draft.id, item).await?;
            place = "draft".to_owned();
        }
        _ => return Err(WebError::NotFound),
    }
    Ok(done(
        &format!("{}#{place}", paths::draft(draft.id)),
        Notice::DraftChanged,
    ))
}

fn item_anchor(item: i64) -> String {
    format!("item-{item}")
}

#[derive(Deserialize)]
struct PublishForm {
    visibility: String,
}

async fn publish(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PublishForm>,
) -> Result<Response, WebError> {
    let draft = own_draft(&state, &user, id).await?;
    let visibility = Visibility::parse(&form.visibility).unwrap_or(Visibility::Subtree);
    let collection = state
        .store
        .publish_draft(draft.id, visibility, state.now())
        .await?;
    state.search.catch_up(&state.store).await?;
    Ok(done(&paths::collection(collection), Notice::Published))
}
