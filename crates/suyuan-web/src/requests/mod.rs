//! Requests from the people (民有所呼，我有所应) as the public meets them:
//! the board, with the three rates at its head and the requests below;
//! each request's public page with its history. Asking without an account
//! and following a request by its code are in `asking`; the units' desk
//! and its steps in `desk`; the background round (lapses, escalations,
//! reminders) in `round`; Open311 GeoReport v2 in `open311`.

mod asking;
mod desk;
mod open311;
mod round;
mod settings;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use suyuan_core::requests::{EventKind, RequestCounts, RequestId, State as Stage, Urgency};
use suyuan_core::units::UnitId;
use suyuan_store::requests::{Event, Request, RequestFilter};
use suyuan_store::units::Unit;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::views::{Chrome, Page, Pager, chrome};
use crate::{AppState, dates, paths};

pub use desk::next_steps;
pub use open311::router as open311;
pub use round::{Round, SWEEP_EVERY, sweep};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::REQUESTS, get(board))
        .route("/requests/{id}", get(request_page))
        .route("/requests/{id}/photos/{photo}", get(photo))
        .merge(asking::router())
        .merge(desk::router())
        .merge(settings::router())
}

/// Requests a board page lists.
const PAGE_SIZE: u64 = 30;

pub fn state_name(t: &Texts, stage: Stage) -> &'static str {
    match stage {
        Stage::Open => t.requests.state_open,
        Stage::Acknowledged => t.requests.state_acknowledged,
        Stage::Answered => t.requests.state_answered,
        Stage::Resolved => t.requests.state_resolved,
    }
}

/// The sign beside a state, so that it never reads by colour alone: a
/// circle filling as the request goes.
fn state_sign(stage: Stage) -> &'static str {
    match stage {
        Stage::Open => "○",
        Stage::Acknowledged => "◔",
        Stage::Answered => "◕",
        Stage::Resolved => "●",
    }
}

/// What sets a request apart in a list: urgent, past its deadline,
/// escalated, reopened.
fn flags(t: &Texts, request: &Request, now: DateTime<Utc>) -> Vec<String> {
    let mut flags = Vec::new();
    if request.submission.urgency == Urgency::Urgent {
        flags.push(t.requests.urgent.to_owned());
    }
    if request.handling.overdue(now) {
        flags.push(t.requests.overdue.to_owned());
    }
    if request.escalation > 0 {
        flags.push(fill(t.requests.escalated, &[("n", &request.escalation)]));
    }
    if request.reopened > 0 {
        flags.push(fill(t.requests.reopened_n, &[("n", &request.reopened)]));
    }
    flags
}

fn local(t: &Texts, zone: Tz, at: DateTime<Utc>) -> String {
    dates::moment(t, &at.with_timezone(&zone))
}

/// The deadline the unit works to, in words.
fn deadline_line(t: &Texts, request: &Request) -> Option<String> {
    let zone = request.zone;
    match request.state() {
        Stage::Open => Some(fill(
            t.requests.acknowledge_by,
            &[("due", &local(t, zone, request.handling.acknowledge_due))],
        )),
        Stage::Acknowledged => Some(fill(
            t.requests.resolve_by,
            &[("due", &local(t, zone, request.handling.resolve_due))],
        )),
        Stage::Answered | Stage::Resolved => None,
    }
}

/// A request as a list shows it.
pub struct RequestRow {
    pub href: String,
    pub title: String,
    pub place: String,
    pub state: &'static str,
    pub state_name: &'static str,
    pub sign: &'static str,
    pub meta: String,
    pub flags: Vec<String>,
}

pub fn request_row(t: &Texts, request: &Request, href: String, now: DateTime<Utc>) -> RequestRow {
    let stage = request.state();
    let received = dates::day(
        t,
        request
            .received_at
            .with_timezone(&request.zone)
            .date_naive(),
    );
    RequestRow {
        href,
        title: request.category.category.name.clone(),
        place: format!("{} · {}", request.area.name, request.submission.address),
        state: stage.code(),
        state_name: state_name(t, stage),
        sign: state_sign(stage),
        meta: fill(
            t.requests.row_meta,
            &[("day", &received), ("unit", &request.unit.name)],
        ),
        flags: flags(t, request, now),
    }
}

/// The three rates (and the reopen rate) as tiles.
pub struct FiguresView {
    pub over: String,
    /// Name, figure, what it counts.
    pub tiles: Vec<(&'static str, String, String)>,
}

pub fn figures_view(t: &Texts, over: String, counts: &RequestCounts) -> FiguresView {
    let of =
        |part: i64, whole: i64| fill(t.requests.of_count, &[("part", &part), ("whole", &whole)]);
    FiguresView {
        over,
        tiles: vec![
            (
                t.requests.figure_received,
                counts.received.to_string(),
                t.requests.figure_received_hint.to_owned(),
            ),
            (
                t.requests.figure_response,
                counts.response_rate().percent(),
                of(counts.acknowledged_on_time, counts.acknowledged),
            ),
            (
                t.requests.figure_resolution,
                counts.resolution_rate().percent(),
                of(counts.resolved_on_time, counts.resolved),
            ),
            (
                t.requests.figure_satisfaction,
                counts.satisfaction_rate().percent(),
                of(counts.satisfied, counts.rated),
            ),
            (
                t.requests.figure_reopen,
                counts.reopen_rate().percent(),
                of(counts.reopened, counts.answered),
            ),
        ],
    }
}

/// The figures of a unit's subtree (or of every root's) over some days.
pub async fn counts_within(
    state: &AppState,
    unit: Option<&Unit>,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<RequestCounts, WebError> {
    let units = crate::views::unit_or_roots(state, unit).await?;
    let mut total = RequestCounts::default();
    for counts in state
        .store
        .request_counts_of(&units, from, to)
        .await?
        .into_values()
    {
        total += counts;
    }
    Ok(total)
}

/// This year so far, in the default zone: what the board's figures cover.
pub fn year_so_far(now: DateTime<Utc>) -> (i32, (NaiveDate, NaiveDate)) {
    let today = now
        .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
        .date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    (today.year(), (first, today))
}

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct BoardQuery {
    /// A unit: the requests its subtree handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<i64>,
    /// A category's code.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// open, acknowledged, answered or resolved.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
}

/// The units the board may be narrowed to: the top three levels, in tree
/// order, indented; and the one chosen, however deep.
async fn unit_choices(
    state: &AppState,
    chosen: Option<&Unit>,
) -> Result<Vec<(i64, String, bool)>, WebError> {
    let mut units = Vec::new();
    for root in state.store.root_units().await? {
        for depth in 1..=2 {
            units.extend(state.store.units_at_depth(&root.path, depth).await?);
        }
        units.push(root);
    }
    Ok(crate::views::unit_options(units, 0, chosen))
}

#[derive(Template, WebTemplate)]
#[template(path = "requests.html")]
struct BoardPage {
    chrome: Chrome,
    figures: FiguresView,
    scope: String,
    units: Vec<(i64, String, bool)>,
    categories: Vec<(String, String, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    filtered: bool,
    count_line: String,
    rows: Vec<RequestRow>,
    pager: Pager,
    desk: bool,
}

async fn board(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Query(query): Query<BoardQuery>,
) -> Result<BoardPage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let unit = match query.unit {
        Some(id) => Some(state.store.unit(UnitId(id)).await?),
        None => None,
    };
    let categories = state.store.request_categories(false).await?;
    let category = match query.category.trim() {
        "" => None,
        code => Some(
            categories
                .iter()
                .find(|c| c.category.code.as_str() == code)
                .ok_or_else(|| WebError::Invalid(format!("category: no category {code:?}")))?,
        ),
    };
    let status = match query.status.trim() {
        "" => None,
        code => Some(Stage::parse(code).ok_or_else(|| {
            WebError::Invalid(format!(
                "status: {code:?} is not open, acknowledged, answered or resolved"
            ))
        })?),
    };
    let filter = RequestFilter {
        within: unit.as_ref().map(|u| u.path.clone()),
        category: category.map(|c| c.id),
        states: status.into_iter().collect(),
        ..Default::default()
    };
    let total = state.store.count_requests(&filter).await?;
    let href = |n: u64| {
        paths::with_query(
            paths::REQUESTS,
            &BoardQuery {
                page: Some(n),
                ..query.clone()
            },
        ) + "#list"
    };
    let pager = Pager::new(t, query.page.unwrap_or(1), total, PAGE_SIZE, href);
    let (shown, _) = state
        .store
        .requests(&filter, PAGE_SIZE, pager.offset(PAGE_SIZE))
        .await?;
    let (year, days) = year_so_far(now);
    let counts = counts_within(&state, unit.as_ref(), days).await?;
    let here = paths::with_query(paths::REQUESTS, &query);
    Ok(BoardPage {
        figures: figures_view(t, fill(t.requests.this_year, &[("year", &year)]), &counts),
        scope: unit
            .as_ref()
            .map_or_else(|| t.requests.everywhere.to_owned(), |u| u.name.clone()),
        units: unit_choices(&state, unit.as_ref()).await?,
        categories: categories
            .iter()
            .map(|c| {
                let chosen = category.is_some_and(|k| k.id == c.id);
                (
                    c.category.code.as_str().to_owned(),
                    c.category.name.clone(),
                    chosen,
                )
            })
            .collect(),
        statuses: Stage::ALL
            .iter()
            .map(|s| (s.code(), state_name(t, *s), Some(*s) == status))
            .collect(),
        filtered: unit.is_some() || category.is_some() || status.is_some(),
        count_line: fill(t.requests.count, &[("n", &total)]),
        rows: shown
            .iter()
            .map(|r| request_row(t, r, paths::request(r.id), now))
            .collect(),
        pager,
        desk: user.as_ref().is_some_and(|u| u.principal.is_admin()),
        chrome: chrome(page, &user, &here),
    })
}

/// One line of a request's history, in words.
fn history_line(
    t: &Texts,
    event: &Event,
    names: &std::collections::HashMap<UnitId, Unit>,
) -> String {
    let name = |id: Option<UnitId>| {
        id.and_then(|id| names.get(&id))
            .map_or_else(String::new, |u| u.name.clone())
    };
    let unit = name(Some(event.unit));
    let other = name(event.other_unit);
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    let due = event.due_at.map_or_else(String::new, |d| local(t, zone, d));
    let words = match event.kind {
        EventKind::Received => t.requests.ev_received,
        EventKind::Acknowledged => t.requests.ev_acknowledged,
        EventKind::SentOn => t.requests.ev_sent_on,
        EventKind::SentBack => t.requests.ev_sent_back,
        EventKind::Rerouted => t.requests.ev_rerouted,
        EventKind::ExtensionAsked => t.requests.ev_extension_asked,
        EventKind::ExtensionGranted => t.requests.ev_extension_granted,
        EventKind::ExtensionRefused => t.requests.ev_extension_refused,
        EventKind::Reminded => t.requests.ev_reminded,
        EventKind::Escalated => t.requests.ev_escalated,
        EventKind::Answered => t.requests.ev_answered,
        EventKind::Rated => t.requests.ev_rated,
        EventKind::Confirmed => t.requests.ev_confirmed,
        EventKind::Lapsed => t.requests.ev_lapsed,
        EventKind::Reopened => t.requests.ev_reopened,
        EventKind::Hidden => t.requests.ev_hidden,
        EventKind::Shown => t.requests.ev_shown,
    };
    let n = event.value.unwrap_or_default();
    let line = fill(
        words,
        &[("unit", &unit), ("other", &other), ("due", &due), ("n", &n)],
    );
    // Notes of the public steps are the unit's words to the requester;
    // an answer is shown in full on its own.
    match event.kind {
        EventKind::Answered | EventKind::Received => line,
        _ if event.note.is_empty() => line,
        _ => format!("{line}：{}", event.note),
    }
}

/// What the request page shows to whoever looks.
pub struct RequestView {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub state_name: &'static str,
    pub sign: &'static str,
    pub flags: Vec<String>,
    pub deadline: Option<String>,
    pub hidden: bool,
    pub description: Vec<String>,
    pub address: String,
    pub area: String,
    pub unit: String,
    pub received: String,
    pub photos: Vec<String>,
    pub answer: Vec<String>,
    pub answered: Option<String>,
    pub stars: Option<String>,
    pub history: Vec<(String, String)>,
    pub share_url: String,
}

/// The request as a page shows it; its internal steps only for `desk`.
pub async fn request_view(
    state: &AppState,
    t: &Texts,
    request: &Request,
    origin: &str,
    desk: bool,
) -> Result<RequestView, WebError> {
    let events = state.store.request_events(request.id).await?;
    let named: Vec<UnitId> = events
        .iter()
        .flat_map(|e| [Some(e.unit), e.other_unit])
        .flatten()
        .collect();
    let units = state.store.units_by_ids(named).await?;
    let zone = request.zone;
    // Hidden text stays hidden in the history too: a reopening's reason
    // is the requester's words.
    let shows_text = !request.hidden || desk;
    let history = events
        .iter()
        .filter(|e| desk || e.kind.public())
        .map(|e| {
            let mut e = e.clone();
            if !shows_text && e.kind == EventKind::Reopened {
                e.note.clear();
            }
            (local(t, zone, e.at), history_line(t, &e, &units))
        })
        .collect();
    let photos = state
        .store
        .request_photos(request.id)
        .await?
        .into_iter()
        .map(|photo| paths::request_photo(request.id, photo))
        .collect();
    let stage = request.state();
    Ok(RequestView {
        id: request.id.0,
        title: request.category.category.name.clone(),
        state: stage.code(),
        state_name: state_name(t, stage),
        sign: state_sign(stage),
        flags: flags(t, request, state.now()),
        deadline: deadline_line(t, request),
        hidden: request.hidden,
        description: if shows_text {
            crate::views::paragraphs(&request.submission.description)
        } else {
            Vec::new()
        },
        address: request.submission.address.clone(),
        area: request.area.name.clone(),
        unit: request.unit.name.clone(),
        received: local(t, zone, request.received_at),
        photos: if shows_text { photos } else { Vec::new() },
        answer: crate::views::paragraphs(&request.answer),
        answered: request.handling.answered_at.map(|at| local(t, zone, at)),
        stars: request
            .stars
            .map(|s| fill(t.requests.stars_given, &[("n", &s.value())])),
        history,
        share_url: format!("{origin}{}", paths::request(request.id)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "request.html")]
pub struct RequestPage {
    pub chrome: Chrome,
    pub view: RequestView,
    /// On the requester's own page: the code, and the answer form.
    pub code: Option<String>,
    pub respond: Option<asking::RespondView>,
    pub desk: Option<desk::DeskView>,
}

/// Whether a signed-in admin may act on the request (its unit's, or
/// above).
fn handles(user: &Option<PageUser>, request: &Request) -> bool {
    user.as_ref()
        .is_some_and(|u| u.principal.may_manage_within(&request.unit.path).is_ok())
}

async fn request_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<RequestPage, WebError> {
    let request = state.store.request(RequestId(id)).await?;
    let origin = crate::security::origin(&state, &headers);
    desk::show(&state, page, &user, &origin, &request, None).await
}

async fn photo(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let request = state.store.request(RequestId(id)).await?;
    if request.hidden && !handles(&user, &request) {
        return Err(WebError::NotFound);
    }
    let bytes = state.store.request_photo(request.id, photo).await?;
    // Briefly: a moderator may hide it.
    Ok(crate::views::jpeg(bytes, "public, max-age=300"))
}
