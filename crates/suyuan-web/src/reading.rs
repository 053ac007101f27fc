//! Daily reading: a member's "today" page with its reading timer, the
//! marks it reports, the month calendar of what was read, and
//! `/api/v1/reading/marks` and `/api/v1/me/today` for scripts.
//!
//! A reading counts when the reader spent a plausible time on the page and
//! reached its end. The time is the server's: whatever serves an excerpt
//! to read (the today page, `/api/v1/me/today`, `/api/v1/excerpts/{id}`)
//! hands out a signed opening stamp for it, a mark must bring the stamp
//! back, and it counts for no more than the time since. Both the page and
//! the API go through `record`, which hands the mark to the store's
//! group-commit writer and answers only once it is committed; a member's
//! standing is read from what the writer keeps, never from every mark.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::RwLock;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::campaigns::{Campaign, CampaignId};
use suyuan_core::campaigns::{DEFAULT_ZONE, Scoring};
use suyuan_core::library::{CollectionId, ExcerptId};
use suyuan_core::members::MemberId;
use suyuan_core::reading::{
    Action, Event, MarkId, MarkKind, Opening, Reading, StampError, Standing, TestOutcome,
};
use suyuan_store::library::Excerpt;
use suyuan_store::members::Member;
use suyuan_store::progress::Kept;
use suyuan_store::reading::{Mark, Marking, NewMark, Recorded};

use crate::auth::{ApiUser, PageUser};
use crate::csrf::{CsrfForm, sign, signed};
use crate::error::WebError;
use crate::i18n::{Lang, Texts, fill};
use crate::library::{ReadingExcerpt, SizeChoice, TextSize, reading_excerpts, size_choices};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::TODAY, get(today_page))
        .route(paths::TODAY_MARKS, post(page_marks))
        .route("/today/on/{day}", get(ahead_page))
        .route(paths::READING_CALENDAR, get(calendar_page))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_mark))
        .routes(routes!(api_today))
}

/// A campaign with its plan, as marks need it: which day each excerpt is
/// assigned to, and how long it is.
pub struct Book {
    pub campaign: Campaign,
    /// The plan and the points rules, as the mark writer counts them.
    pub scoring: Arc<Scoring>,
    /// The weekly study topics, by the Monday of each week.
    pub topics: std::collections::BTreeMap<NaiveDate, String>,
    chars: HashMap<ExcerptId, usize>,
}

impl Book {
    /// The study topic of the week a day falls in.
    pub fn topic_of(&self, day: NaiveDate) -> Option<&str> {
        self.topics
            .get(&suyuan_core::campaigns::Calendar::week_of(day))
            .map(String::as_str)
    }

    pub fn assignment(&self, day: NaiveDate) -> Vec<ExcerptId> {
        self.scoring
            .plan
            .get(&day)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// How long an instance trusts a campaign it has read: edits made on
/// another instance reach this one within this time.
const BOOK_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// Campaigns and their plans, kept in memory for the hot path (a mark
/// needs its excerpt's day and length without a query).
#[derive(Default)]
pub struct Books {
    cached: RwLock<HashMap<CampaignId, (Instant, Arc<Book>)>>,
}

impl Books {
    pub async fn get(&self, state: &AppState, id: CampaignId) -> Result<Arc<Book>, WebError> {
        if let Some((at, book)) = self.cached.read().await.get(&id)
            && at.elapsed() < BOOK_FRESH_FOR
        {
            return Ok(book.clone());
        }
        // One loader at a time, so that a burst of marks loads a plan once.
        let mut cached = self.cached.write().await;
        if let Some((at, book)) = cached.get(&id)
            && at.elapsed() < BOOK_FRESH_FOR
        {
            return Ok(book.clone());
        }
        let campaign = state.store.campaign(id).await?;
        let planned = state.store.plan_of(id).await?;
        let book = Book {
            topics: state.store.week_topics(id).await?,
            scoring: Arc::new(campaign.scoring(&planned)),
            chars: planned.iter().map(|r| (r.excerpt, r.chars)).collect(),
            campaign,
        };
        let book = Arc::new(book);
        cached.insert(id, (Instant::now(), book.clone()));
        Ok(book)
    }

    /// Drops a campaign this instance changed, so that it is read afresh.
    pub async fn forget(&self, id: CampaignId) {
        self.cached.write().await.remove(&id);
    }
}

/// A reading reported by a page or a script, not yet checked.
struct Report {
    id: MarkId,
    excerpt: ExcerptId,
    seconds: u32,
}

/// Checks that a member takes part in the campaign and that it runs
/// today, and gives today's date in its zone.
fn running_today(book: &Book, member: &Member, now: DateTime<Utc>) -> Result<NaiveDate, WebError> {
    if !book.campaign.includes(&member.unit.path) {
        return Err(WebError::NotFound);
    }
    let today = book.campaign.calendar.date_at(now);
    if !book.campaign.calendar.contains(today) {
        return Err(WebError::Invalid(format!(
            "the campaign runs from {} to {}; today is {today}",
            book.campaign.calendar.start, book.campaign.calendar.end
        )));
    }
    Ok(today)
}

/// The length of an excerpt a member reads: from the plan, or (reading
/// beyond it) from the library, if the member may read it.
async fn chars_of(
    state: &AppState,
    book: &Book,
    user_principal: &suyuan_core::access::Principal,
    excerpt: ExcerptId,
) -> Result<usize, WebError> {
    if let Some(chars) = book.chars.get(&excerpt) {
        return Ok(*chars);
    }
    let found = state.store.excerpt(excerpt).await?;
    let collection = state.store.collection(found.collection).await?;
    if !user_principal.may_read(collection.visibility, &collection.owner_path) {
        return Err(WebError::NotFound);
    }
    Ok(found.text.chars().count())
}

/// Records checked readings; the answer comes after the commit. A repeat
/// of a known id answers with the first mark, if it is the member's own.
async fn record(
    state: &AppState,
    book: &Book,
    member: &Member,
    today: NaiveDate,
    report: Report,
) -> Result<Recorded, WebError> {
    let assigned_on = book.scoring.assigned_on(report.excerpt);
    let recorded = state
        .marks
        .submit(Marking {
            mark: NewMark {
                id: report.id,
                campaign: book.campaign.id,
                member: member.id,
                excerpt: report.excerpt,
                read_on: today,
                kind: MarkKind::of(assigned_on, today),
                seconds: report.seconds,
                recorded_at: state.now(),
            },
            unit: member.unit.path.clone(),
            scoring: book.scoring.clone(),
        })
        .await?;
    match &recorded {
        Recorded::Again(mark) if mark.member != member.id => Err(WebError::Conflict(
            "this mark id was used for another reading: make a new one".into(),
        )),
        _ => Ok(recorded),
    }
}

// ---------------------------------------------------------------- the API

/// A reading reported by a script.
#[derive(Deserialize, ToSchema)]
pub struct MarkRequest {
    /// A UUID made by the client; sending it again never counts twice.
    id: String,
    excerpt_id: i64,
    campaign_id: i64,
    /// The opening stamp handed out with the excerpt (`stamp` in
    /// `GET /api/v1/me/today` or `opening_stamp` in
    /// `GET /api/v1/excerpts/{id}`), for this member and this excerpt.
    /// Also taken as `opening_stamp`.
    #[serde(default, alias = "opening_stamp")]
    stamp: Option<String>,
    /// The time the reader spent on the excerpt, by the client's count.
    /// It counts for at most the time since the stamp was handed out.
    seconds_on_page: u32,
    reached_end: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MarkJson {
    id: String,
    excerpt_id: i64,
    campaign_id: i64,
    /// The day it counts for, in the campaign's zone.
    read_on: NaiveDate,
    /// `on_time`, `late` (catching up an earlier day) or `extra`.
    kind: String,
    /// The time it counts for: the smaller of the claim and the time
    /// since the stamp.
    seconds_on_page: u32,
    recorded_at: DateTime<Utc>,
}

impl From<&Mark> for MarkJson {
    fn from(mark: &Mark) -> Self {
        Self {
            id: mark.id.as_str().to_owned(),
            excerpt_id: mark.excerpt.0,
            campaign_id: mark.campaign.0,
            read_on: mark.read_on,
            kind: mark.kind.code().to_owned(),
            seconds_on_page: mark.seconds,
            recorded_at: mark.recorded_at,
        }
    }
}

/// Records that the caller read an excerpt. The mark carries the opening
/// stamp handed out with the excerpt; it is accepted only when at least
/// the plausible reading time has passed since the stamp, and it counts
/// for the smaller of `seconds_on_page` and that time. One mark per
/// member, excerpt and day: 201 when recorded now, 200 with the first
/// mark's body when that id, or that excerpt that day, was recorded
/// before; 422 without a valid stamp of the caller's for this excerpt, or
/// when the reading is not plausible (too soon, too fast, not to the end).
#[utoipa::path(post, path = "/api/v1/reading/marks", tag = "reading", security(("bearer" = [])), request_body = MarkRequest,
    responses((status = 201, body = MarkJson), (status = 200, body = MarkJson, description = "already recorded: this id, or this excerpt today"),
        (status = 422, description = "no valid stamp (missing, forged, another member's or another excerpt's, over a week old), or not plausible (too soon after the stamp, too fast, not to the end)")))]
async fn api_mark(
    State(state): State<AppState>,
    user: ApiUser,
    Json(request): Json<MarkRequest>,
) -> Result<(StatusCode, Json<MarkJson>), WebError> {
    let id = MarkId::parse(&request.id)?;
    let book = state
        .books
        .get(&state, CampaignId(request.campaign_id))
        .await?;
    let today = running_today(&book, &user.member, state.now())?;
    let excerpt = ExcerptId(request.excerpt_id);
    let chars = chars_of(&state, &book, &user.principal, excerpt).await?;
    let since = since_opened(&state, user.member.id, excerpt, request.stamp.as_deref())?;
    let seconds =
        book.campaign
            .pace
            .accept(chars, request.seconds_on_page, since, request.reached_end)?;
    let report = Report {
        id,
        excerpt,
        seconds,
    };
    Ok(
        match record(&state, &book, &user.member, today, report).await? {
            Recorded::New(mark) => (StatusCode::CREATED, Json(MarkJson::from(&mark))),
            Recorded::Again(mark) => (StatusCode::OK, Json(MarkJson::from(&mark))),
        },
    )
}

/// The stamp that says `member` was handed `excerpt` to read at `at`.
pub fn opening_stamp(
    state: &AppState,
    member: MemberId,
    excerpt: ExcerptId,
    at: DateTime<Utc>,
) -> String {
    let opening = Opening {
        member,
        excerpt,
        at,
    };
    opening.stamp(&sign(state, &opening.signed_text()))
}

/// The seconds since `member` was handed `excerpt`, by the stamp their
/// mark brings back; refused unless this server signed it for them.
fn since_opened(
    state: &AppState,
    member: MemberId,
    excerpt: ExcerptId,
    stamp: Option<&str>,
) -> Result<u32, WebError> {
    let stamp = stamp
        .filter(|s| !s.trim().is_empty())
        .ok_or(StampError::Missing)?;
    let (opening, signature) = Opening::parse(stamp)?;
    if !signed(state, &opening.signed_text(), signature) {
        return Err(StampError::Forged.into());
    }
    Ok(opening.vouch(member, excerpt, state.now())?)
}

/// Where a member stands today in one campaign.
pub struct CampaignToday {
    pub book: Arc<Book>,
    pub date: NaiveDate,
    /// Today's excerpts, in reading order, and whether each is read.
    pub assignment: Vec<(ExcerptId, bool)>,
    pub standing: Standing,
}

impl CampaignToday {
    pub fn read(&self) -> bool {
        self.standing.read_today
    }

    pub fn day_number(&self) -> usize {
        self.book
            .campaign
            .calendar
            .day_index(self.date)
            .unwrap_or(0)
            + 1
    }

    /// Each rule with what it earned today and its cap.
    pub fn points_today(&self) -> Vec<(Action, u32, u32)> {
        Action::ALL
            .into_iter()
            .filter_map(|action| {
                let rule = self.book.campaign.rules.rule(action)?;
                Some((
                    action,
                    self.standing.today.get(&action).copied().unwrap_or(0),
                    rule.daily_cap,
                ))
            })
            .collect()
    }
}

/// A running campaign of a member's, and where they stand in it as kept:
/// what the home page shows.
pub struct CampaignDay {
    pub book: Arc<Book>,
    pub date: NaiveDate,
    pub kept: Kept,
}

impl CampaignDay {
    /// Whether today's assignment is read in full.
    pub fn read(&self) -> bool {
        self.kept.today.read_on_time > 0
    }

    pub fn streak(&self) -> u32 {
        suyuan_core::reading::streak_of(self.kept.run, self.date)
    }
}

/// The member's running campaigns and where they stand in each, read from
/// what the mark writer, tests and gatherings keep: a few statements
/// however many campaigns, and the same after a week or a year.
pub async fn running_for(state: &AppState, member: &Member) -> Result<Vec<CampaignDay>, WebError> {
    running_on(state, member, None).await
}

/// The member's campaigns running on `day` (today when `None`), as
/// `running_for` gives them.
async fn running_on(
    state: &AppState,
    member: &Member,
    day: Option<NaiveDate>,
) -> Result<Vec<CampaignDay>, WebError> {
    let now = state.now();
    let running: Vec<(Campaign, NaiveDate)> = state
        .store
        .campaigns_for(&member.unit.path)
        .await?
        .into_iter()
        .map(|c| {
            let date = day.unwrap_or_else(|| c.calendar.date_at(now));
            (c, date)
        })
        .filter(|(c, date)| c.calendar.contains(*date))
        .collect();
    let days: Vec<(CampaignId, NaiveDate)> = running.iter().map(|(c, d)| (c.id, *d)).collect();
    let mut kept = state.store.member_standings(member.id, &days).await?;
    let mut out = Vec::with_capacity(running.len());
    for (campaign, date) in running {
        out.push(CampaignDay {
            book: state.books.get(state, campaign.id).await?,
            date,
            kept: kept.remove(&campaign.id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The member's running campaigns, with today's assignment, what of it is
/// read, and today's points rule by rule: the kept standing and today's
/// own records.
pub async fn today_of(state: &AppState, member: &Member) -> Result<Vec<CampaignToday>, WebError> {
    day_of(state, member, None).await
}

/// `today_of` for `day` (today when `None`).
async fn day_of(
    state: &AppState,
    member: &Member,
    day: Option<NaiveDate>,
) -> Result<Vec<CampaignToday>, WebError> {
    let mut out = Vec::new();
    for day in running_on(state, member, day).await? {
        let (book, date) = (day.book, day.date);
        let marks = readings(
            &state
                .store
                .marks_on(member.id, book.campaign.id, date)
                .await?,
        );
        let others = others_on(state, member, &book.campaign, date).await?;
        let standing = Standing::kept(
            &book.campaign.rules,
            book.scoring.plan.get(&date),
            day.kept.run,
            day.kept.points,
            &marks,
            &others,
            date,
        );
        let read_today: BTreeSet<ExcerptId> = marks
            .iter()
            .filter(|(_, kind, _)| *kind == MarkKind::OnTime)
            .map(|(_, _, e)| *e)
            .collect();
        let assignment = book
            .assignment(date)
            .into_iter()
            .map(|e| (e, read_today.contains(&e)))
            .collect();
        out.push(CampaignToday {
            book,
            date,
            assignment,
            standing,
        });
    }
    Ok(out)
}

/// What a member's tests and gatherings earned on a day, for today's
/// points rule by rule.
async fn others_on(
    state: &AppState,
    member: &Member,
    campaign: &Campaign,
    date: NaiveDate,
) -> Result<Vec<Event>, WebError> {
    let mut others: Vec<Event> = state
        .store
        .best_results(member.id, campaign.id)
        .await?
        .into_iter()
        .filter(|(submitted, _, _)| campaign.calendar.date_at(*submitted) == date)
        .flat_map(|(_, score, pass_mark)| {
            TestOutcome::of(date, score.percent(), score.passes(pass_mark)).events()
        })
        .collect();
    others.extend(
        crate::gatherings::events_of(state, member, campaign)
            .await?
            .into_iter()
            .filter(|event| event.on == date),
    );
    Ok(others)
}

/// Excerpts to read, in order, each with the title of its collection.
async fn with_titles(
    state: &AppState,
    ids: &[ExcerptId],
) -> Result<Vec<(Excerpt, String)>, WebError> {
    let mut titles: HashMap<CollectionId, String> = HashMap::new();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let excerpt = state.store.excerpt(*id).await?;
        let title = match titles.get(&excerpt.collection) {
            Some(title) => title.clone(),
            None => {
                let title = state
                    .store
                    .collection(excerpt.collection)
                    .await?
                    .display_title;
                titles.insert(excerpt.collection, title.clone());
                title
            }
        };
        out.push((excerpt, title));
    }
    Ok(out)
}

/// Where an excerpt comes from, as the today page names it: its
/// collection and its article.
fn source_line(excerpt: &Excerpt, title: &str) -> String {
    if excerpt.label.is_empty() {
        title.to_owned()
    } else {
        format!("{title} · {}", excerpt.label)
    }
}

fn readings(marks: &[Mark]) -> Vec<Reading<ExcerptId>> {
    marks
        .iter()
        .map(|m| (m.read_on, m.kind, m.excerpt))
        .collect()
}

/// Where an excerpt comes from.
#[derive(Serialize, ToSchema)]
pub struct SourceJson {
    collection_id: i64,
    /// The collection's name as members see it (title and edition).
    collection_title: String,
    /// The article or item (`第三十八条`), or empty for a paragraph.
    label: String,
    /// The headings above it, outermost first.
    heading_path: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignedJson {
    excerpt_id: i64,
    source: SourceJson,
    chars: usize,
    /// The least time on the page that counts as reading it.
    min_seconds: u32,
    read: bool,
    /// The opening stamp for this excerpt, handed out now: a mark of it
    /// brings it back (`POST /api/v1/reading/marks`), and is accepted no
    /// sooner than `min_seconds` after this answer. Good for a week.
    stamp: String,
}

#[derive(Serialize, ToSchema)]
pub struct PointsJson {
    /// `daily_reading`, `catch_up_reading`, `extra_reading`, `streak_bonus`,
    /// `test_passed`, `test_full_marks`, `attendance` or `reflection_accepted`.
    #[schema(value_type = String)]
    rule: Action,
    points: u32,
    cap: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignTodayJson {
    campaign_id: i64,
    title: String,
    date: NaiveDate,
    day_number: usize,
    days: usize,
    /// This week's group study topic, if the plan has one.
    week_topic: Option<String>,
    assignment: Vec<AssignedJson>,
    /// Whether the whole assignment is read today.
    read: bool,
    points_today: Vec<PointsJson>,
    points_total: u64,
    /// Consecutive days read in full, up to today (or yesterday).
    streak: u32,
}

#[derive(Serialize, ToSchema)]
pub struct TodayJson {
    campaigns: Vec<CampaignTodayJson>,
}

/// The caller's day: each running campaign's assignment with an opening
/// stamp for each excerpt, whether it is read, today's points per rule
/// against its cap, and the streak.
#[utoipa::path(get, path = "/api/v1/me/today", tag = "reading", security(("bearer" = [])), responses((status = 200, body = TodayJson)))]
async fn api_today(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<TodayJson>, WebError> {
    let now = state.now();
    let member = user.member.id;
    let mut campaigns = Vec::new();
    for today in today_of(&state, &user.member).await? {
        let pace = today.book.campaign.pace;
        let ids: Vec<ExcerptId> = today.assignment.iter().map(|(e, _)| *e).collect();
        let texts = with_titles(&state, &ids).await?;
        let assignment = today
            .assignment
            .iter()
            .zip(texts)
            .map(|((e, read), (excerpt, title))| {
                let chars = today.book.chars.get(e).copied().unwrap_or(0);
                AssignedJson {
                    excerpt_id: e.0,
                    source: SourceJson {
                        collection_id: excerpt.collection.0,
                        collection_title: title,
                        label: excerpt.label,
                        heading_path: excerpt.heading_path,
                    },
                    chars,
                    min_seconds: pace.min_seconds(chars),
                    read: *read,
                    stamp: opening_stamp(&state, member, *e, now),
                }
            })
            .collect();
        campaigns.push(CampaignTodayJson {
            campaign_id: today.book.campaign.id.0,
            title: today.book.campaign.title.clone(),
            date: today.date,
            day_number: today.day_number(),
            days: today.book.campaign.calendar.len(),
            week_topic: today.book.topic_of(today.date).map(str::to_owned),
            assignment,
            read: today.read(),
            points_today: today
                .points_today()
                .into_iter()
                .map(|(rule, points, cap)| PointsJson { rule, points, cap })
                .collect(),
            points_total: today.standing.points,
            streak: today.standing.streak,
        });
    }
    Ok(Json(TodayJson { campaigns }))
}

// ---------------------------------------------------------------- pages

pub fn rule_name(t: &Texts, action: Action) -> &'static str {
    match action {
        Action::DailyReading => t.rule_daily_reading,
        Action::CatchUpReading => t.rule_catch_up_reading,
        Action::ExtraReading => t.rule_extra_reading,
        Action::StreakBonus => t.rule_streak_bonus,
        Action::TestPassed => t.rule_test_passed,
        Action::TestFullMarks => t.rule_test_full_marks,
        Action::Attendance => t.rule_attendance,
        Action::ReflectionAccepted => t.rule_reflection_accepted,
    }
}

pub struct PointsRow {
    pub rule: &'static str,
    pub points: u32,
    pub cap: u32,
}

/// One campaign on the today page.
pub struct TodayCard {
    pub title: String,
    pub day_line: String,
    pub week_topic: Option<String>,
    pub streak: u32,
    pub total: u64,
    /// Points earned today, all rules together.
    pub today: u32,
    pub points: Vec<PointsRow>,
    pub read: bool,
    pub excerpts: Vec<ReadingExcerpt>,
    /// The form the reading timer (or, without script, the button) sends.
    pub form: Option<ReadForm>,
}

pub struct ReadForm {
    pub campaign_id: i64,
    /// `excerpt:mark id:stamp` for each excerpt, comma-separated.
    pub marks: String,
    pub min_seconds: u32,
}

/// How many days ahead a member's phone keeps the readings, to read them
/// without a network when their day comes.
pub const DAYS_AHEAD: u64 = 3;

#[derive(Template, WebTemplate)]
#[template(path = "today.html")]
struct TodayPage {
    chrome: Chrome,
    date: String,
    /// The day this page is for (`YYYY-MM-DD`): the reading script holds
    /// a day ahead's reading until the phone's calendar reaches it.
    day: NaiveDate,
    /// Whether this is a day ahead, kept for reading offline.
    ahead: bool,
    /// The pages of the coming days, for the phone to keep.
    coming: Vec<String>,
    cards: Vec<TodayCard>,
    text_size: TextSize,
    sizes: Vec<SizeChoice>,
}

async fn today_page(
    State(state): State<AppState>,
    lang: Lang,
    size: TextSize,
    page: Page,
    user: PageUser,
) -> Result<TodayPage, WebError> {
    day_page(&state, lang, size, page, user, None).await
}

/// A coming day's reading (one of the next `DAYS_AHEAD`), for the phone
/// to keep and read offline when its day comes.
async fn ahead_page(
    State(state): State<AppState>,
    lang: Lang,
    size: TextSize,
    page: Page,
    user: PageUser,
    axum::extract::Path(day): axum::extract::Path<String>,
) -> Result<TodayPage, WebError> {
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| WebError::NotFound)?;
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    let ahead = (day - today).num_days();
    if !(1..=DAYS_AHEAD as i64).contains(&ahead) {
        return Err(WebError::NotFound);
    }
    day_page(&state, lang, size, page, user, Some(day)).await
}

async fn day_page(
    state: &AppState,
    lang: Lang,
    size: TextSize,
    page: Page,
    user: PageUser,
    ahead: Option<NaiveDate>,
) -> Result<TodayPage, WebError> {
    let t = lang.texts();
    let now = state.now();
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let day = ahead.unwrap_or(today);
    let campaigns = day_of(state, &user.member, ahead).await?;
    let coming = if ahead.is_none() {
        (1..=DAYS_AHEAD)
            .filter_map(|n| today.checked_add_days(chrono::Days::new(n)))
            .filter(|date| {
                campaigns
                    .iter()
                    .any(|c| !c.book.assignment(*date).is_empty())
            })
            .map(paths::today_on)
            .collect()
    } else {
        Vec::new()
    };
    let mut cards = Vec::new();
    for today in campaigns {
        let excerpts = today.assignment.iter().map(|(e, _)| *e).collect::<Vec<_>>();
        let with_titles = with_titles(state, &excerpts).await?;
        let sources: Vec<String> = with_titles
            .iter()
            .map(|(excerpt, title)| source_line(excerpt, title))
            .collect();
        let texts: Vec<Excerpt> = with_titles.into_iter().map(|(e, _)| e).collect();
        let chars: usize = excerpts
            .iter()
            .map(|e| today.book.chars.get(e).copied().unwrap_or(0))
            .sum();
        let form = if excerpts.is_empty() || today.read() {
            None
        } else {
            let marks = excerpts
                .iter()
                .map(|e| {
                    Ok(format!(
                        "{}:{}:{}",
                        e.0,
                        suyuan_store::reading::new_mark_id()?.as_str(),
                        opening_stamp(state, user.member.id, *e, now)
                    ))
                })
                .collect::<Result<Vec<_>, suyuan_store::StoreError>>()?
                .join(",");
            Some(ReadForm {
                campaign_id: today.book.campaign.id.0,
                marks,
                min_seconds: today.book.campaign.pace.min_seconds(chars),
            })
        };
        cards.push(TodayCard {
            title: today.book.campaign.title.clone(),
            week_topic: today.book.topic_of(today.date).map(str::to_owned),
            day_line: fill(
                t.campaign_day,
                &[
                    ("day", &today.day_number()),
                    ("days", &today.book.campaign.calendar.len()),
                ],
            ),
            streak: today.standing.streak,
            total: today.standing.points,
            today: today.standing.today.values().sum(),
            points: today
                .points_today()
                .into_iter()
                .map(|(action, points, cap)| PointsRow {
                    rule: rule_name(t, action),
                    points,
                    cap,
                })
                .collect(),
            read: today.read(),
            excerpts: reading_excerpts(&texts, &[])
                .into_iter()
                .zip(sources)
                .map(|(shown, source)| ReadingExcerpt {
                    source: Some(source),
                    ..shown
                })
                .collect(),
            form,
        });
    }
    let here = match ahead {
        Some(day) => paths::today_on(day),
        None => paths::TODAY.to_owned(),
    };
    Ok(TodayPage {
        chrome: Chrome::for_user(page, &user, &here),
        date: crate::dates::day(t, day),
        day,
        ahead: ahead.is_some(),
        coming,
        cards,
        text_size: size,
        sizes: size_choices(lang, size, &here),
    })
}

#[derive(Deserialize)]
struct ReadFormInput {
    campaign_id: i64,
    /// `excerpt:mark id:stamp` for each excerpt, comma-separated.
    marks: String,
    /// Seconds the script saw the page visible; absent without script.
    seconds: Option<u32>,
}

/// The today page's reading, from its timer script (which asks for JSON)
/// or from its button. The page is read as a whole: the time on it is the
/// time since it was opened (by its excerpts' stamps), or less if the
/// script saw less of it; it must be plausible for all of it, and each
/// excerpt is credited its share.
async fn page_marks(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: PageUser,
    CsrfForm(form): CsrfForm<ReadFormInput>,
) -> Result<Response, WebError> {
    let book = state
        .books
        .get(&state, CampaignId(form.campaign_id))
        .await?;
    let today = running_today(&book, &user.member, state.now())?;
    let mut reports = Vec::new();
    let mut since = u32::MAX;
    for item in form.marks.split(',').filter(|p| !p.is_empty()) {
        let mut parts = item.splitn(3, ':');
        let (Some(excerpt), Some(id), stamp) = (parts.next(), parts.next(), parts.next()) else {
            return Err(WebError::BadRequest(format!(
                "marks: {item:?} is not excerpt:id:stamp"
            )));
        };
        let excerpt = ExcerptId(excerpt.parse().map_err(|_| {
            WebError::BadRequest(format!("marks: {excerpt:?} is not an excerpt id"))
        })?);
        let chars = chars_of(&state, &book, &user.principal, excerpt).await?;
        let id = MarkId::parse(id).map_err(|e| WebError::BadRequest(e.to_string()))?;
        since = since.min(since_opened(&state, user.member.id, excerpt, stamp)?);
        reports.push((
            chars,
            Report {
                id,
                excerpt,
                seconds: 0,
            },
        ));
    }
    if reports.is_empty() {
        return Err(WebError::BadRequest("marks: nothing to mark".into()));
    }
    let total: usize = reports.iter().map(|(chars, _)| chars).sum();
    let claimed = form.seconds.unwrap_or(since);
    let seconds = book.campaign.pace.accept(total, claimed, since, true)?;
    let count = reports.len();
    for (chars, mut report) in reports {
        let share = (u64::from(seconds) * chars as u64).div_ceil(total.max(1) as u64);
        report.seconds = u32::try_from(share).unwrap_or(u32::MAX);
        record(&state, &book, &user.member, today, report).await?;
    }
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    Ok(if wants_json {
        Json(serde_json::json!({ "recorded": count })).into_response()
    } else {
        done(paths::TODAY, Notice::ReadingRecorded)
    })
}

#[derive(Deserialize)]
struct MonthQuery {
    /// `YYYY-MM`; this month by default.
    month: Option<String>,
}

pub struct CalendarDay {
    pub day: u32,
    pub status: &'static str,
    pub label: &'static str,
    pub today: bool,
}

pub struct CalendarMonth {
    pub title: String,
    /// Empty cells before the first day (weeks start on Monday).
    pub blanks: Vec<()>,
    pub days: Vec<CalendarDay>,
    pub counts: Vec<(&'static str, &'static str, usize)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    month: String,
    previous: String,
    next: String,
    weekdays: [&'static str; 7],
    campaigns: Vec<CalendarMonth>,
}

fn status_label(t: &Texts, status: suyuan_core::reading::DayStatus) -> &'static str {
    use suyuan_core::reading::DayStatus;
    match status {
        DayStatus::Read => t.day_read,
        DayStatus::Late => t.day_late,
        DayStatus::Missed => t.day_missed,
        DayStatus::Open => t.day_open,
        DayStatus::Nothing => "",
    }
}

async fn calendar_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Query(query): Query<MonthQuery>,
) -> Result<CalendarPage, WebError> {
    let lang = page.lang;
    use suyuan_core::reading::DayStatus;
    let t = lang.texts();
    let now = state.now();
    // One month for the page: the one asked for, or this one.
    let first = match query.month.as_deref() {
        Some(month) => NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| WebError::BadRequest(format!("month: {month:?} is not YYYY-MM")))?,
        None => {
            let today = now
                .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
                .date_naive();
            today.with_day(1).unwrap_or(today)
        }
    };
    let last = suyuan_core::campaigns::month_end(first.year(), first.month());
    let mut campaigns = Vec::new();
    for campaign in state.store.campaigns_for(&user.member.unit.path).await? {
        let today = campaign.calendar.date_at(now);
        let book = state.books.get(&state, campaign.id).await?;
        let kept = state
            .store
            .member_record(campaign.id, user.member.id, (first, last))
            .await?;
        let mut days = Vec::new();
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            let assigned = book.scoring.plan.get(&date).is_some_and(|a| !a.is_empty());
            let status = kept
                .get(&date)
                .copied()
                .unwrap_or_default()
                .status(assigned, date, today);
            *counts.entry(status.code()).or_default() += 1;
            days.push(CalendarDay {
                day: date.day(),
                status: status.code(),
                label: status_label(t, status),
                today: date == today,
            });
        }
        campaigns.push(CalendarMonth {
            title: campaign.title.clone(),
            blanks: vec![(); first.weekday().num_days_from_monday() as usize],
            days,
            counts: [DayStatus::Read, DayStatus::Late, DayStatus::Missed]
                .into_iter()
                .map(|s| {
                    (
                        s.code(),
                        status_label(t, s),
                        counts.get(s.code()).copied().unwrap_or(0),
                    )
                })
                .collect(),
        });
    }
    let previous = (first - Duration::days(1)).format("%Y-%m").to_string();
    let next = (last + Duration::days(1)).format("%Y-%m").to_string();
    let month = first.format("%Y-%m").to_string();
    Ok(CalendarPage {
        chrome: Chrome::for_user(page, &user, &paths::reading_calendar(&month)),
        month: crate::dates::month(t, first),
        previous: paths::reading_calendar(&previous),
        next: paths::reading_calendar(&next),
        weekdays: t.weekdays,
        campaigns,
    })
}
