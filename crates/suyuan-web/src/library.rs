//! The study library: collections to read (table of contents, chapter
//! and excerpt pages, with a text size for every eye), material upload for
//! admins, and `/api/v1/collections` and `/api/v1/excerpts`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::sync::Arc;
use suyuan_app::AppError;
use suyuan_app::library::{MaterialFile, import_material};
use suyuan_core::access::Principal;
use suyuan_core::library::{
    ChapterId, CollectionId, ExcerptId, Piece, Visibility, may_read, pieces,
};
use suyuan_store::library::{Chapter, Collection, Excerpt};

use crate::auth::{MaybeApiUser, MaybeSigned, MaybeUser, PageUser};
use crate::csrf::CsrfMultipart;
use crate::error::WebError;
use crate::i18n::{Lang, fill};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::LIBRARY, get(library_page))
        .route(paths::IMPORT_MATERIAL, get(import_page).post(import_upload))
        .route("/library/{id}", get(collection_page))
        .route("/library/{id}/chapters/{chapter}", get(chapter_page))
        .route("/library/{id}/print", get(print_page))
        .route("/excerpts/{id}", get(excerpt_page))
        .route("/prefs/text/{size}", get(set_text_size))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_collections))
        .routes(routes!(api_collection))
        .routes(routes!(api_excerpt))
}

/// The reader's text size, remembered in a cookie so that it needs no
/// script: older members choose the large sizes once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSize {
    Small,
    #[default]
    Normal,
    Large,
    Huge,
}

const TEXT_COOKIE: &str = "sy_text";

impl TextSize {
    const ALL: [TextSize; 4] = [
        TextSize::Small,
        TextSize::Normal,
        TextSize::Large,
        TextSize::Huge,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TextSize::Small => "small",
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Huge => "huge",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TextSize {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CookieJar::from_headers(&parts.headers)
            .get(TEXT_COOKIE)
            .and_then(|c| TextSize::parse(c.value()))
            .unwrap_or_default())
    }
}

/// Links that set the text size and come back here.
pub struct SizeChoice {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

pub(crate) fn size_choices(lang: Lang, current: TextSize, here: &str) -> Vec<SizeChoice> {
    let t = lang.texts();
    let labels = [t.text_small, t.text_normal, t.text_large, t.text_huge];
    TextSize::ALL
        .into_iter()
        .zip(labels)
        .map(|(size, label)| SizeChoice {
            label,
            href: paths::text_size(size.code(), here),
            current: size == current,
        })
        .collect()
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn set_text_size(
    Path(size): Path<String>,
    Query(query): Query<NextQuery>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let size = TextSize::parse(&size).ok_or(WebError::NotFound)?;
    let cookie = Cookie::build((TEXT_COOKIE, size.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    let next = query
        .next
        .filter(|n| paths::is_local(n))
        .unwrap_or_else(|| paths::LIBRARY.to_owned());
    Ok((jar.add(cookie), Redirect::to(&next)).into_response())
}

/// The library's collections, kept in memory: listing and searching ask
/// it on every request. It reloads when the search index has moved to a
/// newer library version, so the two always agree.
#[derive(Default)]
pub struct Catalog {
    cached: tokio::sync::RwLock<Option<(i64, Arc<Vec<Collection>>)>>,
}

impl Catalog {
    async fn all(&self, state: &AppState) -> Result<Arc<Vec<Collection>>, WebError> {
        let version = state.search.version();
        if let Some((seen, list)) = self.cached.read().await.as_ref()
            && *seen == version
        {
            return Ok(list.clone());
        }
        let list = Arc::new(state.store.collections().await?);
        *self.cached.write().await = Some((version, list.clone()));
        Ok(list)
    }

    /// The collections `reader` may read (public ones without a reader).
    pub async fn readable(
        &self,
        state: &AppState,
        reader: Option<&Principal>,
    ) -> Result<Vec<Collection>, WebError> {
        Ok(self
            .all(state)
            .await?
            .iter()
            .filter(|c| may_read(reader, c.visibility, &c.owner_path))
            .cloned()
            .collect())
    }
}

fn principal<C>(user: &Option<crate::auth::Signed<C>>) -> Option<&Principal> {
    user.as_ref().map(|u| &u.principal)
}

/// Loads a collection the reader may read; anything else is not found.
async fn readable(
    state: &AppState,
    reader: Option<&Principal>,
    id: CollectionId,
) -> Result<Collection, WebError> {
    let collection = state.store.collection(id).await?;
    let allowed = match reader {
        Some(reader) => reader.may_read(collection.visibility, &collection.owner_path),
        None => collection.visibility == Visibility::Public,
    };
    if allowed {
        Ok(collection)
    } else {
        Err(WebError::NotFound)
    }
}

use crate::views::chrome;

/// Counts the reader of a public collection's page for the public
/// figures; other collections' readers are members at their study.
async fn counted(
    state: &AppState,
    collection: &Collection,
    headers: &axum::http::HeaderMap,
    jar: CookieJar,
) -> CookieJar {
    if collection.visibility == Visibility::Public {
        crate::public::readers::count(state, headers, jar).await
    } else {
        jar
    }
}

pub struct CollectionRow {
    pub title: String,
    pub href: String,
    pub meta: String,
}

/// A category of the library and what is filed under it.
pub struct Shelf {
    pub name: String,
    pub rows: Vec<CollectionRow>,
    /// Shown open: the first shelf (the Constitution's).
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "library.html")]
struct LibraryPage {
    chrome: Chrome,
    shelves: Vec<Shelf>,
    may_import: bool,
}

/// Which shelf a collection is on, in the library's order: the
/// Constitution's category, then the units' own compilations, then the
/// other categories.
fn shelf_of(c: &Collection) -> (usize, String) {
    if c.compilation {
        return (1, String::new());
    }
    match suyuan_core::library::category_rank(&c.category) {
        (0, _) => (0, String::new()),
        (place, name) => (place + 1, name.to_owned()),
    }
}

/// Where a collection stands on its shelf: the Constitution first, then
/// statutes before their amendments and decisions, by title, the latest
/// edition first.
fn shelf_order(
    c: &Collection,
) -> (
    bool,
    bool,
    String,
    std::cmp::Reverse<Option<chrono::NaiveDate>>,
) {
    let amends = ["修正案", "决定", "解释"]
        .iter()
        .any(|w| c.title.contains(w));
    (
        c.title != "中华人民共和国宪法",
        amends,
        c.title.clone(),
        std::cmp::Reverse(c.edition),
    )
}

async fn library_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<LibraryPage, WebError> {
    let t = page.lang.texts();
    let mut collections = state.catalog.readable(&state, principal(&user)).await?;
    collections.sort_by_cached_key(|c| (shelf_of(c), shelf_order(c)));
    let mut shelves: Vec<Shelf> = Vec::new();
    for c in collections {
        let name = if c.compilation {
            t.compilations_group.to_owned()
        } else if c.category.is_empty() {
            t.other_material.to_owned()
        } else {
            c.category.clone()
        };
        let row = CollectionRow {
            href: paths::collection(c.id),
            meta: if c.chapter_count > 0 {
                fill(
                    t.collection_meta,
                    &[
                        ("chapters", &c.chapter_count),
                        ("excerpts", &c.excerpt_count),
                    ],
                )
            } else {
                fill(t.collection_meta_flat, &[("excerpts", &c.excerpt_count)])
            },
            title: c.display_title,
        };
        match shelves.last_mut() {
            Some(shelf) if shelf.name == name => shelf.rows.push(row),
            _ => shelves.push(Shelf {
                open: shelves.is_empty(),
                name,
                rows: vec![row],
            }),
        }
    }
    Ok(LibraryPage {
        may_import: user.as_ref().is_some_and(|u| u.principal.is_admin()),
        chrome: chrome(page, &user, paths::LIBRARY),
        shelves,
    })
}

/// A chapter in a table of contents, indented by its level.
pub struct TocEntry {
    pub heading: String,
    pub href: String,
    pub indent: i32,
}

/// A line in a list of excerpts: its label (or its opening words).
pub struct ExcerptLink {
    pub label: String,
    pub href: String,
}

fn excerpt_link(excerpt: &Excerpt) -> ExcerptLink {
    let label = if excerpt.label.is_empty() {
        let opening: String = excerpt.text.chars().take(24).collect();
        if excerpt.text.chars().count() > 24 {
            format!("{opening}…")
        } else {
            opening
        }
    } else {
        excerpt.label.clone()
    };
    ExcerptLink {
        label,
        href: paths::excerpt(excerpt.id),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "collection.html")]
struct CollectionPage {
    chrome: Chrome,
    collection: Collection,
    source_lines: Vec<String>,
    toc: Vec<TocEntry>,
    /// For collections without chapters: the excerpts themselves.
    excerpts: Vec<ExcerptLink>,
}

async fn collection_page(
    State(state): State<AppState>,
    page: Page,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
) -> Result<(CookieJar, CollectionPage), WebError> {
    let collection = readable(&state, principal(&user), CollectionId(id)).await?;
    let jar = counted(&state, &collection, &headers, jar).await;
    let chapters = state.store.chapters(collection.id).await?;
    let excerpts = if chapters.is_empty() {
        state
            .store
            .excerpts(collection.id, None)
            .await?
            .iter()
            .map(excerpt_link)
            .collect()
    } else {
        Vec::new()
    };
    let here = paths::collection(collection.id);
    Ok((
        jar,
        CollectionPage {
            chrome: chrome(page, &user, &here),
            source_lines: collection.source.lines().map(str::to_owned).collect(),
            toc: chapters
                .iter()
                .map(|c| TocEntry {
                    heading: c.heading.clone(),
                    href: paths::chapter(collection.id, c.id),
                    indent: c.level - 1,
                })
                .collect(),
            excerpts,
            collection,
        },
    ))
}

/// An excerpt on a reading page, with the heading that opens a new
/// section before it.
pub struct ReadingExcerpt {
    /// Where it comes from ("中华人民共和国宪法 · 第三十八条"), where the
    /// page does not say it already.
    pub source: Option<String>,
    pub section: Option<String>,
    pub label: String,
    pub rest_of_first: String,
    /// The paragraphs and tables after the first paragraph.
    pub more: Vec<Piece>,
    pub href: String,
}

/// An excerpt's text as every page shows it: the first paragraph without
/// the label (which the page shows apart), then the paragraphs and tables
/// that follow. A text that opens with a table has an empty first
/// paragraph.
pub(crate) fn shown_text(label: &str, text: &str) -> (String, Vec<Piece>) {
    let mut more = pieces(text);
    let first = match more.first() {
        Some(Piece::Paragraph(first)) => {
            let first = first.strip_prefix(label).unwrap_or(first).trim_start();
            let first = first.to_owned();
            more.remove(0);
            first
        }
        _ => String::new(),
    };
    (first, more)
}

pub(crate) fn reading_excerpts(excerpts: &[Excerpt], under: &[String]) -> Vec<ReadingExcerpt> {
    let mut last_path: Vec<String> = under.to_vec();
    excerpts
        .iter()
        .map(|excerpt| {
            let section = (excerpt.heading_path != last_path
                && excerpt.heading_path.len() > under.len())
            .then(|| excerpt.heading_path[under.len()..].join(" "));
            last_path = excerpt.heading_path.clone();
            let (rest_of_first, more) = shown_text(&excerpt.label, &excerpt.text);
            ReadingExcerpt {
                source: None,
                section,
                label: excerpt.label.clone(),
                rest_of_first,
                more,
                href: paths::excerpt(excerpt.id),
            }
        })
        .collect()
}

/// The chapter and every chapter below it.
fn with_descendants(chapters: &[Chapter], root: ChapterId) -> Vec<ChapterId> {
    let mut ids = vec![root];
    let mut index = 0;
    while index < ids.len() {
        let parent = ids[index];
        ids.extend(
            chapters
                .iter()
                .filter(|c| c.parent == Some(parent))
                .map(|c| c.id),
        );
        index += 1;
    }
    ids
}

#[derive(Template, WebTemplate)]
#[template(path = "chapter.html")]
struct ChapterPage {
    chrome: Chrome,
    collection_title: String,
    collection_href: String,
    heading_path: Vec<String>,
    excerpts: Vec<ReadingExcerpt>,
    previous: Option<(String, String)>,
    next: Option<(String, String)>,
    text_size: TextSize,
    sizes: Vec<SizeChoice>,
}

async fn chapter_page(
    State(state): State<AppState>,
    size: TextSize,
    page: Page,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    MaybeSigned(user): MaybeUser,
    Path((id, chapter)): Path<(i64, i64)>,
) -> Result<(CookieJar, ChapterPage), WebError> {
    let lang = page.lang;
    let collection = readable(&state, principal(&user), CollectionId(id)).await?;
    let jar = counted(&state, &collection, &headers, jar).await;
    let chapters = state.store.chapters(collection.id).await?;
    let position = chapters
        .iter()
        .position(|c| c.id == ChapterId(chapter))
        .ok_or(WebError::NotFound)?;
    let current = &chapters[position];
    let ids = with_descendants(&chapters, current.id);
    let excerpts = state.store.excerpts(collection.id, Some(&ids)).await?;
    let mut heading_path = Vec::new();
    let mut at = Some(current.id);
    while let Some(id) = at {
        let Some(c) = chapters.iter().find(|c| c.id == id) else {
            break;
        };
        heading_path.push(c.heading.clone());
        at = c.parent;
    }
    heading_path.reverse();
    // Neighbours at the same or a higher level, in reading order.
    let sibling = |c: &&Chapter| c.level <= current.level;
    let link = |c: &Chapter| (c.heading.clone(), paths::chapter(collection.id, c.id));
    let previous = chapters[..position].iter().rev().find(sibling).map(link);
    let next = chapters[position + 1..].iter().find(sibling).map(link);
    let here = paths::chapter(collection.id, current.id);
    Ok((
        jar,
        ChapterPage {
            chrome: chrome(page, &user, &here),
            collection_title: collection.display_title.clone(),
            collection_href: paths::collection(collection.id),
            excerpts: reading_excerpts(&excerpts, &heading_path),
            heading_path,
            previous,
            next,
            text_size: size,
            sizes: size_choices(lang, size, &here),
        },
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "excerpt.html")]
struct ExcerptPage {
    chrome: Chrome,
    collection_title: String,
    collection_href: String,
    heading_path: String,
    excerpt: ReadingExcerpt,
    previous: Option<ExcerptLink>,
    next: Option<ExcerptLink>,
    /// In a compilation: where the excerpt was taken from.
    source: Option<ExcerptLink>,
    text_size: TextSize,
    sizes: Vec<SizeChoice>,
    /// For an excerpt everyone may read: its link and the preview that
    /// goes with it when the link is shared.
    share: Option<Share>,
}

/// A public article's link and its preview (Open Graph).
pub struct Share {
    pub url: String,
    pub title: String,
    pub description: String,
}

/// The opening of a text, for a preview: at most `chars` characters.
fn opening(text: &str, chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > chars {
        let cut: String = text.chars().take(chars).collect();
        format!("{cut}…")
    } else {
        text
    }
}

async fn excerpt_page(
    State(state): State<AppState>,
    size: TextSize,
    page: Page,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
) -> Result<(CookieJar, ExcerptPage), WebError> {
    let lang = page.lang;
    let excerpt = state.store.excerpt(ExcerptId(id)).await?;
    let collection = readable(&state, principal(&user), excerpt.collection).await?;
    let jar = counted(&state, &collection, &headers, jar).await;
    let (previous, next) = state.store.neighbours(&excerpt).await?;
    let here = paths::excerpt(excerpt.id);
    // The source is named only to those who may read it.
    let mut source = None;
    if let Some(id) = excerpt.source
        && let Ok(original) = state.store.excerpt(id).await
    {
        let owner = state.store.collection(original.collection).await?;
        if may_read(principal(&user), owner.visibility, &owner.owner_path) {
            source = Some(ExcerptLink {
                label: if original.label.is_empty() {
                    owner.display_title.clone()
                } else {
                    format!("{} {}", owner.display_title, original.label)
                },
                href: paths::excerpt(original.id),
            });
        }
    }
    let mut shown = reading_excerpts(std::slice::from_ref(&excerpt), &excerpt.heading_path);
    let share = (collection.visibility == Visibility::Public).then(|| Share {
        url: format!("{}{here}", crate::security::origin(&state, &headers)),
        title: format!("{} {}", collection.display_title, excerpt.label)
            .trim()
            .to_owned(),
        description: opening(&excerpt.text, 120),
    });
    Ok((
        jar,
        ExcerptPage {
            share,
            chrome: chrome(page, &user, &here),
            collection_title: collection.display_title,
            collection_href: paths::collection(collection.id),
            heading_path: excerpt.heading_path.join(" / "),
            excerpt: shown.remove(0),
            previous: previous.as_ref().map(excerpt_link),
            next: next.as_ref().map(excerpt_link),
            source,
            text_size: size,
            sizes: size_choices(lang, size, &here),
        },
    ))
}

/// A top-level chapter of a booklet, with all that is below it.
pub struct BookletChapter {
    pub anchor: String,
    pub heading: String,
    pub excerpts: Vec<ReadingExcerpt>,
}

/// A collection laid out for printing: cover, contents, a new page for
/// each top-level chapter. No site chrome; the browser prints it to PDF.
#[derive(Template, WebTemplate)]
#[template(path = "booklet.html")]
struct BookletPage {
    lang: Lang,
    t: &'static crate::i18n::Texts,
    title: String,
    source_lines: Vec<String>,
    owner: String,
    printed_on: String,
    contents: Vec<(String, String)>,
    /// Text before the first chapter, or all of it when there are none.
    opening: Vec<ReadingExcerpt>,
    chapters: Vec<BookletChapter>,
}

async fn print_page(
    State(state): State<AppState>,
    lang: Lang,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
) -> Result<BookletPage, WebError> {
    let collection = readable(&state, principal(&user), CollectionId(id)).await?;
    let chapters = state.store.chapters(collection.id).await?;
    let excerpts = state.store.excerpts(collection.id, None).await?;
    let tops: Vec<&Chapter> = chapters.iter().filter(|c| c.parent.is_none()).collect();
    let mut booklet_chapters = Vec::with_capacity(tops.len());
    for top in &tops {
        let ids = with_descendants(&chapters, top.id);
        let inside: Vec<Excerpt> = excerpts
            .iter()
            .filter(|e| e.chapter.is_some_and(|c| ids.contains(&c)))
            .cloned()
            .collect();
        booklet_chapters.push(BookletChapter {
            anchor: format!("c{}", top.id),
            heading: top.heading.clone(),
            excerpts: reading_excerpts(&inside, std::slice::from_ref(&top.heading)),
        });
    }
    let opening: Vec<Excerpt> = excerpts
        .iter()
        .filter(|e| e.chapter.is_none())
        .cloned()
        .collect();
    let owner = state.store.unit(collection.owner).await?.name;
    Ok(BookletPage {
        lang,
        t: lang.texts(),
        contents: booklet_chapters
            .iter()
            .map(|c| (c.heading.clone(), format!("#{}", c.anchor)))
            .collect(),
        opening: reading_excerpts(&opening, &[]),
        chapters: booklet_chapters,
        source_lines: collection.source.lines().map(str::to_owned).collect(),
        title: collection.display_title,
        owner,
        printed_on: state.now().format("%Y-%m-%d").to_string(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "import_material.html")]
struct ImportPage {
    chrome: Chrome,
    scope: String,
    /// Categories to file under, offered as one types.
    categories: &'static [&'static str],
    outcome: Option<String>,
    error: Option<String>,
}

async fn import_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<ImportPage, WebError> {
    user.principal.must_be_admin()?;
    Ok(ImportPage {
        categories: &suyuan_core::library::CATEGORY_ORDER,
        scope: state.store.unit(user.principal.unit_id).await?.name,
        chrome: Chrome::for_user(page, &user, paths::IMPORT_MATERIAL),
        outcome: None,
        error: None,
    })
}

/// Uploaded files become collections of the admin's unit: all or nothing.
async fn import_upload(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let lang = page.lang;
    user.principal.must_be_admin()?;
    let t = lang.texts();
    let visibility = form
        .fields
        .get("visibility")
        .and_then(|v| Visibility::parse(v))
        .unwrap_or(Visibility::Subtree);
    let category = form
        .fields
        .get("category")
        .map_or("", |c| c.trim())
        .to_owned();
    if category.chars().count() > 100 {
        return Err(WebError::Invalid("category: at most 100 characters".into()));
    }
    let files: Vec<MaterialFile> = form
        .files
        .take_all("files")
        .map(|upload| MaterialFile {
            name: upload.file_name,
            bytes: upload.bytes,
            category: category.clone(),
        })
        .collect();
    let outcome = if files.is_empty() {
        Err(t.choose_files.to_owned())
    } else {
        match import_material(
            &state.store,
            Some(&state.search),
            &files,
            user.principal.unit_id,
            visibility,
            state.now(),
        )
        .await
        {
            Ok(summary) => Ok(fill(
                t.material_imported,
                &[
                    ("created", &summary.created),
                    ("already", &summary.already_there),
                ],
            )),
            Err(AppError::Files(errors)) => Err(errors.join("\n")),
            Err(AppError::Invalid(reason)) => Err(reason),
            Err(other) => return Err(other.into()),
        }
    };
    let status = if outcome.is_ok() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let (outcome, error) = match outcome {
        Ok(message) => (Some(message), None),
        Err(errors) => (None, Some(format!("{}\n{errors}", t.nothing_imported))),
    };
    let page = ImportPage {
        categories: &suyuan_core::library::CATEGORY_ORDER,
        scope: state.store.unit(user.principal.unit_id).await?.name,
        chrome: Chrome::for_user(page, &user, paths::IMPORT_MATERIAL),
        outcome,
        error,
    };
    Ok((status, page).into_response())
}

/// A collection as the API lists it.
#[derive(Serialize, ToSchema)]
pub struct CollectionJson {
    id: i64,
    /// The name members see: title, book and edition.
    title: String,
    subtitle: String,
    /// The version's date, `YYYY-MM-DD`.
    edition: Option<String>,
    source: String,
    owner_unit_id: i64,
    /// public, or subtree (the owner unit's members)
    visibility: String,
    chapter_count: i32,
    excerpt_count: i32,
    char_count: i64,
}

impl From<Collection> for CollectionJson {
    fn from(c: Collection) -> Self {
        Self {
            id: c.id.0,
            title: c.display_title,
            subtitle: c.subtitle,
            edition: c.edition.map(|d| d.format("%Y-%m-%d").to_string()),
            source: c.source,
            owner_unit_id: c.owner.0,
            visibility: c.visibility.as_str().to_owned(),
            chapter_count: c.chapter_count,
            excerpt_count: c.excerpt_count,
            char_count: c.char_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChapterJson {
    id: i64,
    parent_id: Option<i64>,
    /// 1 for the top level.
    level: i32,
    heading: String,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionWithChapters {
    #[serde(flatten)]
    collection: CollectionJson,
    chapters: Vec<ChapterJson>,
}

/// The collections the caller may read (public ones without a token).
#[utoipa::path(get, path = "/api/v1/collections", tag = "library", security((), ("bearer" = [])),
    responses((status = 200, body = Vec<CollectionJson>)))]
async fn api_collections(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeApiUser,
) -> Result<Json<Vec<CollectionJson>>, WebError> {
    let list = state.catalog.readable(&state, principal(&user)).await?;
    Ok(Json(list.into_iter().map(CollectionJson::from).collect()))
}

/// One collection with its chapters, in reading order.
#[utoipa::path(get, path = "/api/v1/collections/{id}", params(("id" = i64, Path, description = "The collection")), tag = "library", security((), ("bearer" = [])),
    responses((status = 200, body = CollectionWithChapters), (status = 404)))]
async fn api_collection(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CollectionWithChapters>, WebError> {
    let collection = readable(&state, principal(&user), CollectionId(id)).await?;
    let chapters = state.store.chapters(collection.id).await?;
    Ok(Json(CollectionWithChapters {
        collection: collection.into(),
        chapters: chapters
            .into_iter()
            .map(|c| ChapterJson {
                id: c.id.0,
                parent_id: c.parent.map(|p| p.0),
                level: c.level,
                heading: c.heading,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ExcerptJson {
    id: i64,
    collection_id: i64,
    chapter_id: Option<i64>,
    /// `第十七条之一`, `一、`, or empty for a plain paragraph.
    label: String,
    heading_path: Vec<String>,
    /// Paragraphs separated by `\n`. A table is a run of lines of cells
    /// between bars (`| 项目 | 标准 |`), its header rows above a line of
    /// dashes (`| --- | --- |`); notes follow as `注1：…`, marked `〔注1〕`
    /// where they are referenced.
    text: String,
    previous_id: Option<i64>,
    next_id: Option<i64>,
    /// For a signed-in caller, the opening stamp that a mark of this
    /// excerpt brings back (`POST /api/v1/reading/marks`): reading it
    /// counts from now. Absent without a token.
    opening_stamp: Option<String>,
}

/// One excerpt, with its neighbours' ids, and for a signed-in caller the
/// opening stamp for marking it read.
#[utoipa::path(get, path = "/api/v1/excerpts/{id}", params(("id" = i64, Path, description = "The excerpt")), tag = "library", security((), ("bearer" = [])),
    responses((status = 200, body = ExcerptJson), (status = 404)))]
async fn api_excerpt(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ExcerptJson>, WebError> {
    let excerpt = state.store.excerpt(ExcerptId(id)).await?;
    readable(&state, principal(&user), excerpt.collection).await?;
    let (previous, next) = state.store.neighbours(&excerpt).await?;
    Ok(Json(ExcerptJson {
        id: excerpt.id.0,
        collection_id: excerpt.collection.0,
        chapter_id: excerpt.chapter.map(|c| c.0),
        label: excerpt.label,
        heading_path: excerpt.heading_path,
        text: excerpt.text,
        previous_id: previous.map(|e| e.id.0),
        next_id: next.map(|e| e.id.0),
        opening_stamp: user.as_ref().map(|user| {
            crate::reading::opening_stamp(&state, user.member.id, excerpt.id, state.now())
        }),
    }))
}
