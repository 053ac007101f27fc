//! Pledges of practical things for the people (我为群众办实事) as the
//! public meets them: the board, with its figures and filters (unit and
//! the units below it, standing, month of the deadline); each pledge's own
//! page, with its updates and evidence; and what a visitor may write —
//! a confirmation that it was done, or a comment held for a moderator.
//! Making, keeping, approving and moderating are in `keeping`, the JSON
//! API in `api`, the background round (overdue pledges, reminders) in
//! `round`.

mod api;
mod keeping;
mod round;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use suyuan_core::pledges::{
    Approval, CommentState, PledgeError, PledgeId, Promise, Standing, Timeline,
};
use suyuan_core::text::TextError;
use suyuan_core::units::UnitId;
use suyuan_store::pledges::{Pledge, PledgeCounts};
use suyuan_store::throttle::Limit;
use suyuan_store::units::Unit;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Field, Page, Pager};
use crate::visitors::{ClientAddress, TurnedAway, issued_stamp};
use crate::{AppState, dates, paths};

pub use api::api;
pub use keeping::next_steps;
pub use round::{Round, SWEEP_EVERY, sweep};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::PLEDGES, get(board))
        .route("/pledges/{id}", get(pledge_page))
        .route("/pledges/{id}/photos/{photo}", get(photo))
        .route("/pledges/{id}/comments", post(comment))
        .route("/pledges/{id}/confirmations", post(confirm))
        .merge(keeping::router())
}

/// Comments a visitor may leave, per address.
const COMMENTS_PER_ADDRESS: Limit = Limit {
    events: 10,
    within: Duration::hours(1),
};
/// Confirmations per address (each pledge counts an address once).
const CONFIRMATIONS_PER_ADDRESS: Limit = Limit {
    events: 30,
    within: Duration::hours(1),
};
/// Pledges a board page lists.
const PAGE_SIZE: u64 = 30;

use crate::views::chrome;

pub fn standing_name(t: &Texts, standing: Standing) -> &'static str {
    match standing {
        Standing::InProgress => t.pledges.in_progress,
        Standing::DoneOnTime => t.pledges.done_on_time,
        Standing::DoneLate => t.pledges.done_late,
        Standing::Overdue => t.pledges.overdue,
    }
}

/// The sign beside a standing, so that it never reads by colour alone.
fn standing_sign(standing: Standing) -> &'static str {
    match standing {
        Standing::InProgress => "◔",
        Standing::DoneOnTime => "✓",
        Standing::DoneLate => "✓",
        Standing::Overdue => "!",
    }
}

/// A pledge's refusal in the page's words.
pub fn refusal(t: &Texts, err: &PledgeError) -> String {
    match err {
        PledgeError::Text(TextError::Empty { .. }) => t.pledges.err_required.to_owned(),
        PledgeError::Text(TextError::TooLong { limit, .. }) => {
            fill(t.pledges.err_too_long, &[("limit", limit)])
        }
        PledgeError::DeadlinePassed(_) => t.pledges.err_deadline_passed.to_owned(),
        PledgeError::DeadlineTooFar(_) => t.pledges.err_deadline_far.to_owned(),
    }
}

/// Where a pledge stands against its deadline, in words: "期限 12月20日
/// · 还有 5 天", "12月18日办结", "已逾期 3 天".
fn deadline_words(t: &Texts, pledge: &Pledge, now: DateTime<Utc>) -> String {
    let line = &pledge.timeline;
    let deadline = dates::day(t, line.deadline);
    match (pledge.standing(now), line.completed_at) {
        (Standing::DoneOnTime | Standing::DoneLate, Some(done)) => fill(
            t.pledges.done_on,
            &[
                (
                    "day",
                    &dates::day(t, done.with_timezone(&line.zone).date_naive()),
                ),
                ("deadline", &deadline),
            ],
        ),
        (Standing::Overdue, _) => {
            let days = (now - line.due_at()).num_days() + 1;
            fill(
                t.pledges.overdue_by,
                &[("deadline", &deadline), ("days", &days)],
            )
        }
        _ => {
            let today = now.with_timezone(&line.zone).date_naive();
            let days = (line.deadline - today).num_days();
            fill(
                t.pledges.due_in,
                &[("deadline", &deadline), ("days", &days)],
            )
        }
    }
}

/// A pledge as a list shows it.
pub struct PledgeRow {
    pub title: String,
    pub href: String,
    pub pledger: String,
    pub deadline: String,
    pub standing: &'static str,
    pub standing_name: &'static str,
    pub sign: &'static str,
    pub confirmed: Option<String>,
}

fn pledge_row(t: &Texts, pledge: &Pledge, now: DateTime<Utc>, confirmed: u64) -> PledgeRow {
    let standing = pledge.standing(now);
    PledgeRow {
        title: pledge.promise.title.clone(),
        href: paths::pledge(pledge.id),
        pledger: pledger_words(t, pledge),
        deadline: deadline_words(t, pledge, now),
        standing: standing.code(),
        standing_name: standing_name(t, standing),
        sign: standing_sign(standing),
        confirmed: (confirmed > 0).then(|| fill(t.pledges.confirmed_by, &[("n", &confirmed)])),
    }
}

/// "翠苑一区社区", or "王芳 · 翠苑一区社区" for a member's own pledge.
fn pledger_words(t: &Texts, pledge: &Pledge) -> String {
    match pledge.member {
        Some(_) => fill(
            t.pledges.member_of,
            &[("name", &pledge.pledger_name), ("unit", &pledge.unit.name)],
        ),
        None => pledge.unit.name.clone(),
    }
}

/// The figures as the board's head and the dashboards show them.
pub struct FiguresView {
    /// What they are over: "2026 年" or "12 月".
    pub over: String,
    pub tiles: Vec<(&'static str, i64)>,
}

pub fn figures_view(t: &Texts, over: String, counts: &PledgeCounts) -> FiguresView {
    FiguresView {
        over,
        tiles: vec![
            (t.pledges.figure_pledged, counts.pledged),
            (t.pledges.done_on_time, counts.done_on_time),
            (t.pledges.done_late, counts.done_late),
            (t.pledges.overdue, counts.overdue),
            (t.pledges.figure_confirmed, counts.confirmed),
        ],
    }
}

/// The figures of a unit's subtree (or of every root's) over some days.
pub async fn counts_within(
    state: &AppState,
    unit: Option<&Unit>,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<PledgeCounts, WebError> {
    let mut total = PledgeCounts::default();
    for unit in crate::views::unit_or_roots(state, unit).await? {
        total += state.store.pledge_counts(unit, from, to).await?;
    }
    Ok(total)
}

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct BoardQuery {
    /// A unit: its pledges and those of the units below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<i64>,
    /// in_progress, done_on_time, done_late or overdue.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// The month of the deadline, `2026-12`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub month: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
}

/// The first and last day of a month written `2026-12`.
fn month_days(input: &str) -> Result<Option<(NaiveDate, NaiveDate)>, WebError> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let first = NaiveDate::parse_from_str(&format!("{input}-01"), "%Y-%m-%d")
        .map_err(|_| WebError::Invalid(format!("month: {input:?} is not a month like 2026-12")))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    Ok(Some((first, next - Duration::days(1))))
}

/// The board's pledges as its filters find them, overdue ones first, then
/// those in progress by deadline, then those done, latest first.
pub struct Found {
    pub unit: Option<Unit>,
    pub month: Option<(NaiveDate, NaiveDate)>,
    pub pledges: Vec<Pledge>,
}

pub async fn find(state: &AppState, query: &BoardQuery) -> Result<Found, WebError> {
    let standing = match query.status.trim() {
        "" => None,
        code => Some(Standing::parse(code).ok_or_else(|| {
            WebError::Invalid(format!(
                "status: {code:?} is not in_progress, done_on_time, done_late or overdue"
            ))
        })?),
    };
    let month = month_days(&query.month)?;
    let unit = match query.unit {
        Some(id) => Some(state.store.unit(UnitId(id)).await?),
        None => None,
    };
    let roots = match &unit {
        Some(unit) => vec![unit.path.clone()],
        None => state
            .store
            .root_units()
            .await?
            .into_iter()
            .map(|u| u.path)
            .collect(),
    };
    let now = state.now();
    let mut pledges = Vec::new();
    for root in &roots {
        pledges.extend(state.store.pledges_within(root, month).await?);
    }
    pledges.retain(|p| standing.is_none_or(|s| p.standing(now) == s));
    let rank = |p: &Pledge| match p.standing(now) {
        Standing::Overdue => 0,
        Standing::InProgress => 1,
        Standing::DoneOnTime | Standing::DoneLate => 2,
    };
    pledges.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| match rank(a) {
            2 => b.timeline.completed_at.cmp(&a.timeline.completed_at),
            _ => a.timeline.deadline.cmp(&b.timeline.deadline),
        })
    });
    Ok(Found {
        unit,
        month,
        pledges,
    })
}

/// The units a visitor may narrow the board to: those down to the
/// districts above every pledging unit, in tree order, indented; and the
/// one chosen, however deep.
async fn unit_choices(
    state: &AppState,
    chosen: Option<&Unit>,
) -> Result<Vec<(i64, String, bool)>, WebError> {
    let pledging = state
        .store
        .units_by_ids(state.store.pledging_units().await?)
        .await?;
    let above: Vec<UnitId> = pledging
        .values()
        .flat_map(|u| u.path.ids().into_iter().take(3))
        .collect();
    let units: Vec<Unit> = state
        .store
        .units_by_ids(above)
        .await?
        .into_values()
        .collect();
    Ok(crate::views::unit_options(units, 0, chosen))
}

#[derive(Template, WebTemplate)]
#[template(path = "pledges.html")]
struct BoardPage {
    chrome: Chrome,
    figures: FiguresView,
    scope: String,
    units: Vec<(i64, String, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    month: String,
    filtered: bool,
    count_line: String,
    rows: Vec<PledgeRow>,
    pager: Pager,
    signed_in: bool,
}

async fn board(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Query(query): Query<BoardQuery>,
) -> Result<BoardPage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let found = find(&state, &query).await?;
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    let today = now.with_timezone(&zone).date_naive();
    let (over, days) = match found.month {
        Some((first, last)) => (dates::month(t, first), (first, last)),
        None => {
            let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
            (
                fill(t.pledges.this_year, &[("year", &today.year())]),
                (first, today),
            )
        }
    };
    let counts = counts_within(&state, found.unit.as_ref(), days).await?;
    let total = found.pledges.len() as u64;
    let href = |n: u64| {
        paths::with_query(
            paths::PLEDGES,
            &BoardQuery {
                page: Some(n),
                ..query.clone()
            },
        ) + "#list"
    };
    let pager = Pager::new(t, query.page.unwrap_or(1), total, PAGE_SIZE, href);
    let shown: Vec<&Pledge> = found
        .pledges
        .iter()
        .skip(usize::try_from(pager.offset(PAGE_SIZE)).unwrap_or(usize::MAX))
        .take(PAGE_SIZE as usize)
        .collect();
    let ids: Vec<PledgeId> = shown.iter().map(|p| p.id).collect();
    let confirmed = state.store.confirmation_counts(&ids).await?;
    let rows = shown
        .iter()
        .map(|p| pledge_row(t, p, now, confirmed.get(&p.id).copied().unwrap_or(0)))
        .collect();
    let status = Standing::parse(query.status.trim());
    let here = paths::with_query(paths::PLEDGES, &query);
    Ok(BoardPage {
        figures: figures_view(t, over, &counts),
        scope: found
            .unit
            .as_ref()
            .map_or_else(|| t.pledges.everywhere.to_owned(), |u| u.name.clone()),
        units: unit_choices(&state, found.unit.as_ref()).await?,
        statuses: Standing::ALL
            .iter()
            .map(|s| (s.code(), standing_name(t, *s), Some(*s) == status))
            .collect(),
        month: query.month.trim().to_owned(),
        filtered: found.unit.is_some() || status.is_some() || found.month.is_some(),
        count_line: fill(t.pledges.count, &[("n", &total)]),
        rows,
        pager,
        signed_in: user.is_some(),
        chrome: chrome(page, &user, &here),
    })
}

/// Whether a signed-in person keeps a pledge (its pledger, or an admin
/// over its unit).
fn keeps(user: &Option<PageUser>, pledge: &Pledge) -> bool {
    user.as_ref().is_some_and(|u| {
        u.principal
            .may_keep_pledge(&pledge.unit.path, pledge.member)
            .is_ok()
    })
}

/// A pledge as a person may see it: approved ones by everyone, others
/// only by those who keep them.
async fn visible(state: &AppState, user: &Option<PageUser>, id: i64) -> Result<Pledge, WebError> {
    let pledge = state.store.pledge(PledgeId(id)).await?;
    if pledge.approval != Approval::Approved && !keeps(user, &pledge) {
        return Err(WebError::NotFound);
    }
    Ok(pledge)
}

pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub when: String,
    pub paragraphs: Vec<String>,
    pub state: &'static str,
    pub state_name: &'static str,
    /// Who showed or hid it, for moderators.
    pub moderated_by: Option<String>,
}

fn comment_view(
    t: &Texts,
    zone: chrono_tz::Tz,
    comment: &suyuan_store::pledges::PledgeComment,
) -> CommentView {
    CommentView {
        id: comment.id,
        author: if comment.author.is_empty() {
            t.pledges.anonymous.to_owned()
        } else {
            comment.author.clone()
        },
        when: dates::moment(t, &comment.created_at.with_timezone(&zone)),
        paragraphs: crate::views::paragraphs(&comment.text),
        state: comment.state.code(),
        state_name: match comment.state {
            CommentState::Held => t.pledges.comment_held,
            CommentState::Shown => t.pledges.comment_shown,
            CommentState::Hidden => t.pledges.comment_hidden,
        },
        moderated_by: None,
    }
}

/// The comment form's fields.
#[derive(Default, Clone)]
pub struct CommentFields {
    pub text: Field,
    pub author: Field,
    pub form: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pledge.html")]
struct PledgePage {
    chrome: Chrome,
    id: i64,
    title: String,
    standing: &'static str,
    standing_name: &'static str,
    sign: &'static str,
    deadline: String,
    pledger: String,
    board_href: String,
    place: String,
    beneficiaries: String,
    description: Vec<String>,
    share_url: String,
    /// Why it is not on the board yet: awaiting approval, or returned.
    approval_note: Option<String>,
    updates: Vec<(String, Vec<String>)>,
    evidence: Vec<String>,
    photos: Vec<String>,
    confirmed: String,
    may_confirm: bool,
    comments: Vec<CommentView>,
    fields: CommentFields,
    issued: String,
    keeping: Option<keeping::KeeperView>,
}

async fn pledge_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<PledgePage, WebError> {
    let pledge = visible(&state, &user, id).await?;
    let origin = crate::security::origin(&state, &headers);
    show(
        &state,
        page,
        &user,
        &origin,
        pledge,
        CommentFields::default(),
    )
    .await
}

async fn show(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    origin: &str,
    pledge: Pledge,
    fields: CommentFields,
) -> Result<PledgePage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let zone = pledge.timeline.zone;
    let standing = pledge.standing(now);
    let updates = state
        .store
        .pledge_updates(pledge.id)
        .await?
        .into_iter()
        .map(|u| {
            (
                dates::moment(t, &u.at.with_timezone(&zone)),
                crate::views::paragraphs(&u.text),
            )
        })
        .collect();
    let photos = state
        .store
        .pledge_photos(pledge.id)
        .await?
        .into_iter()
        .map(|photo| paths::pledge_photo(pledge.id, photo))
        .collect();
    let confirmed = state.store.confirmations(pledge.id).await?;
    let comments = state
        .store
        .pledge_comments(pledge.id, false)
        .await?
        .iter()
        .map(|c| comment_view(t, zone, c))
        .collect();
    let keeping = if keeps(user, &pledge) {
        Some(keeping::keeper_view(state, t, user.as_ref(), &pledge).await?)
    } else {
        None
    };
    let here = paths::pledge(pledge.id);
    Ok(PledgePage {
        id: pledge.id.0,
        title: pledge.promise.title.clone(),
        standing: standing.code(),
        standing_name: standing_name(t, standing),
        sign: standing_sign(standing),
        deadline: deadline_words(t, &pledge, now),
        pledger: pledger_words(t, &pledge),
        board_href: paths::with_query(
            paths::PLEDGES,
            &BoardQuery {
                unit: Some(pledge.unit.id.0),
                ..Default::default()
            },
        ),
        place: pledge.promise.place.clone(),
        beneficiaries: pledge.promise.beneficiaries.clone(),
        description: crate::views::paragraphs(&pledge.promise.description),
        share_url: format!("{origin}{here}"),
        approval_note: match pledge.approval {
            Approval::Approved => None,
            Approval::Awaiting => Some(t.pledges.awaiting_note.to_owned()),
            Approval::Returned => Some(fill(
                t.pledges.returned_note,
                &[("reason", &pledge.returned_reason)],
            )),
        },
        updates,
        evidence: crate::views::paragraphs(&pledge.evidence),
        photos,
        confirmed: fill(t.pledges.confirmed_count, &[("n", &confirmed)]),
        may_confirm: pledge.approval == Approval::Approved
            && pledge.timeline.completed_at.is_some(),
        comments,
        fields,
        issued: issued_stamp(state),
        keeping,
        chrome: chrome(page, user, &here),
    })
}

async fn photo(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let pledge = visible(&state, &user, id).await?;
    let bytes = state.store.pledge_photo(pledge.id, photo).await?;
    Ok(crate::views::jpeg(bytes, "public, max-age=86400"))
}

/// Screens a visitor's write: a person's, within the limit on its
/// address (a signed-in member's is counted by their id instead). `Err`
/// holds the refusal's words and how long to wait.
async fn screened(
    state: &AppState,
    t: &Texts,
    user: &Option<PageUser>,
    address: &str,
    (kind, limit): (&str, Limit),
    form: &crate::csrf::Fields,
) -> Result<Result<(), (String, chrono::Duration)>, WebError> {
    let key = match user {
        Some(user) => format!("{kind}-member:{}", user.member.id.0),
        None => format!("{kind}-address:{address}"),
    };
    Ok(crate::visitors::screen(state, form, &[(key, limit)])
        .await?
        .map_err(|turned| {
            let words = match turned {
                TurnedAway::Script => t.pledges.err_too_fast,
                TurnedAway::TooOften(_) => t.pledges.err_throttled,
            };
            (words.to_owned(), turned.wait())
        }))
}

/// A visitor's comment: held until a moderator shows it.
async fn comment(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<crate::csrf::Fields>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let pledge = visible(&state, &user, id).await?;
    if pledge.approval != Approval::Approved {
        return Err(WebError::NotFound);
    }
    let typed = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (text, author) = (typed("text"), typed("author"));
    let mut fields = CommentFields {
        text: Field::typed(&text),
        author: Field::typed(&author),
        form: None,
    };
    let checked = suyuan_core::pledges::comment_text(&text)
        .map_err(|err| fields.text.error = Some(refusal(t, &err)))
        .ok();
    if author.chars().count() > 40 {
        fields.author.error = Some(fill(t.pledges.err_too_long, &[("limit", &40)]));
    }
    let status = match checked {
        Some(_) if fields.author.error.is_none() => {
            let limit = ("comment", COMMENTS_PER_ADDRESS);
            match screened(&state, t, &user, &address, limit, &form).await? {
                Ok(()) => None,
                Err((words, wait)) => {
                    fields.form = Some(words);
                    Some((axum::http::StatusCode::TOO_MANY_REQUESTS, Some(wait)))
                }
            }
        }
        _ => Some((axum::http::StatusCode::UNPROCESSABLE_ENTITY, None)),
    };
    if let Some((status, wait)) = status {
        let origin = crate::security::origin(&state, &headers);
        let page = show(&state, page, &user, &origin, pledge, fields).await?;
        let wait = wait.map(crate::error::retry_after);
        return Ok((status, wait, page).into_response());
    }
    state
        .store
        .add_pledge_comment(pledge.id, &text, &author, state.now())
        .await?;
    Ok(done(
        &format!("{}#comments", paths::pledge(pledge.id)),
        Notice::CommentHeld,
    ))
}

/// "确实办了": a visitor confirms a pledge done, once per address (or
/// per member, signed in).
async fn confirm(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<crate::csrf::Fields>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let pledge = visible(&state, &user, id).await?;
    if pledge.approval != Approval::Approved || pledge.timeline.completed_at.is_none() {
        return Err(WebError::Invalid(t.pledges.err_not_done.to_owned()));
    }
    let limit = ("confirm", CONFIRMATIONS_PER_ADDRESS);
    if let Err((words, wait)) = screened(&state, t, &user, &address, limit, &form).await? {
        return Err(WebError::Throttled(words, wait));
    }
    let key = match &user {
        Some(user) => format!("member:{}", user.member.id.0),
        None => format!("address:{address}"),
    };
    let counted = state
        .store
        .confirm_pledge(pledge.id, &key, state.now())
        .await?;
    Ok(done(
        &format!("{}#confirm", paths::pledge(pledge.id)),
        Notice::PledgeConfirmed { counted },
    ))
}
