//! Progress as a member sees their own: for each running campaign and a
//! period (this week, dekad or month, or the whole campaign so far), how
//! much of the daily reading was done on time or late, the points earned,
//! the tests sat and the gatherings attended, with the change since the
//! period before.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Deserialize;

use suyuan_core::progress::counts::Days;
use suyuan_core::progress::{Period, PeriodKind, Rate};
use suyuan_core::reading::DayStatus;
use suyuan_store::members::Member;

use crate::auth::PageUser;

use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::reading::{CampaignDay, running_for};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub mod dashboard;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::MY_PROGRESS, get(my_progress))
        .merge(dashboard::router())
}

/// One figure: its name, its value, and how it moved since the period
/// before (in percentage points), where that means something.
pub struct Figure {
    name: &'static str,
    value: String,
    detail: String,
    change: Option<String>,
}

pub struct PeriodChoice {
    name: &'static str,
    href: String,
    current: bool,
}

pub struct CampaignProgress {
    title: String,
    period: String,
    choices: Vec<PeriodChoice>,
    figures: Vec<Figure>,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_progress.html")]
struct MyProgress {
    chrome: Chrome,
    campaigns: Vec<CampaignProgress>,
}

#[derive(Deserialize)]
struct PeriodQuery {
    /// week, dekad, month or campaign
    period: Option<String>,
}

/// The periods a member chooses among (a single day is the today page).
const KINDS: [PeriodKind; 4] = [
    PeriodKind::Week,
    PeriodKind::Dekad,
    PeriodKind::Month,
    PeriodKind::Campaign,
];

/// What a period's change is measured against: "上周".
pub fn before_name(t: &Texts, kind: PeriodKind) -> Option<&'static str> {
    match kind {
        PeriodKind::Day => Some(t.before_day),
        PeriodKind::Week => Some(t.before_week),
        PeriodKind::Dekad => Some(t.before_dekad),
        PeriodKind::Month => Some(t.before_month),
        PeriodKind::Campaign => None,
    }
}

/// A change badge that says what it compares: "比上周 +3.2 个百分点".
pub fn change_words(t: &Texts, kind: PeriodKind, points: f64) -> String {
    // What rounds to nothing is no change, not a "-0.0".
    if points.abs() < 0.05 {
        return match before_name(t, kind) {
            Some(before) => fill(t.change_none, &[("before", &before)]),
            None => "±0".to_owned(),
        };
    }
    match before_name(t, kind) {
        Some(before) => fill(
            t.change_since,
            &[("before", &before), ("points", &format!("{points:+.1}"))],
        ),
        None => format!("{points:+.1}"),
    }
}

fn kind_name(t: &Texts, kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Day => t.period_today,
        PeriodKind::Week => t.this_week,
        PeriodKind::Dekad => t.this_dekad,
        PeriodKind::Month => t.this_month,
        PeriodKind::Campaign => t.whole_campaign,
    }
}

async fn my_progress(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Query(query): Query<PeriodQuery>,
) -> Result<MyProgress, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let asked = query.period.as_deref().unwrap_or("week");
    let kind = PeriodKind::parse(asked)
        .filter(|kind| KINDS.contains(kind))
        .ok_or_else(|| {
            WebError::Invalid(format!(
                "period: expected week, dekad, month or campaign, not {asked:?}"
            ))
        })?;
    let mut campaigns = Vec::new();
    for today in running_for(&state, &user.member).await? {
        campaigns.push(campaign_progress(&state, t, &user.member, &today, kind).await?);
    }
    Ok(MyProgress {
        chrome: Chrome::for_user(page, &user, paths::MY_PROGRESS),
        campaigns,
    })
}

/// What a member did in a campaign over a span of days, read once and
/// then counted for a period and the period before.
struct Record {
    /// The member's days as kept: reading, tests and gatherings, points.
    days: Days,
    /// Each test's best attempt: the day handed in and its score.
    tests: Vec<(NaiveDate, f64)>,
    /// Each gathering held for the member: its day, and whether they came.
    gatherings: Vec<(NaiveDate, bool)>,
}

async fn record_of(
    state: &AppState,
    member: &Member,
    today: &CampaignDay,
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Record, WebError> {
    let campaign = &today.book.campaign;
    let calendar = campaign.calendar;
    let days = state
        .store
        .member_record(campaign.id, member.id, (first, last))
        .await?;
    let tests = state
        .store
        .best_results(member.id, campaign.id)
        .await?
        .into_iter()
        .map(|(at, score, _)| (calendar.date_at(at), score.percent()))
        .collect();
    let now = state.now();
    let mut gatherings = Vec::new();
    for gathering in state
        .store
        .gatherings_for(
            &member.unit.path,
            calendar.instant(first, NaiveTime::MIN),
            calendar.instant(last, NaiveTime::MIN) + Duration::days(1),
        )
        .await?
    {
        if gathering.cancelled || !gathering.slot.is_over(now) {
            continue;
        }
        let came = state
            .store
            .presence(gathering.id, member.id)
            .await?
            .is_some_and(|p| p.status.attended());
        gatherings.push((calendar.date_at(gathering.slot.starts_at), came));
    }
    Ok(Record {
        days,
        tests,
        gatherings,
    })
}

/// What a member did in a span of days (up to today).
struct Done {
    reading: Rate,
    late: u64,
    points: u64,
    tests: Vec<f64>,
    attended: Rate,
}

fn done_in(record: &Record, today: &CampaignDay, (first, last): (NaiveDate, NaiveDate)) -> Done {
    let book = &today.book;
    let span = first..=last;
    let (mut due, mut on_time, mut late) = (0, 0, 0);
    let until = last.min(today.date);
    for day in book
        .campaign
        .calendar
        .days()
        .filter(|d| (first..=until).contains(d))
    {
        let assigned = book.scoring.plan.get(&day).is_some_and(|a| !a.is_empty());
        let kept = record.days.get(&day).copied().unwrap_or_default();
        match kept.status(assigned, day, today.date) {
            DayStatus::Read => (due, on_time) = (due + 1, on_time + 1),
            DayStatus::Late => (due, late) = (due + 1, late + 1),
            DayStatus::Missed => due += 1,
            DayStatus::Open | DayStatus::Nothing => {}
        }
    }
    let points = record
        .days
        .range(span.clone())
        .map(|(_, counts)| u64::try_from(counts.points).unwrap_or(0))
        .sum();
    let held: Vec<bool> = record
        .gatherings
        .iter()
        .filter(|(day, _)| span.contains(day))
        .map(|(_, came)| *came)
        .collect();
    Done {
        reading: Rate::new(on_time, due),
        late,
        points,
        tests: record
            .tests
            .iter()
            .filter(|(day, _)| span.contains(day))
            .map(|(_, score)| *score)
            .collect(),
        attended: Rate::new(
            held.iter().filter(|came| **came).count() as u64,
            held.len() as u64,
        ),
    }
}

fn change(t: &Texts, kind: PeriodKind, now: Rate, before: Option<Rate>) -> Option<String> {
    let points = now.change_since(before?)?;
    Some(change_words(t, kind, points))
}

async fn campaign_progress(
    state: &AppState,
    t: &Texts,
    member: &Member,
    today: &CampaignDay,
    kind: PeriodKind,
) -> Result<CampaignProgress, WebError> {
    let calendar = today.book.campaign.calendar;
    let id = today.book.campaign.id.0;
    let period = Period::holding(kind, today.date, id);
    let days = period
        .days_in(&calendar)
        .unwrap_or((today.date, today.date));
    let before_days = period.previous().and_then(|p| p.days_in(&calendar));
    let record = record_of(
        state,
        member,
        today,
        (before_days.map_or(days.0, |(first, _)| first), days.1),
    )
    .await?;
    let done = done_in(&record, today, days);
    let before = before_days.map(|days| done_in(&record, today, days));
    let average = if done.tests.is_empty() {
        "—".to_owned()
    } else {
        format!(
            "{:.0}",
            done.tests.iter().sum::<f64>() / done.tests.len() as f64
        )
    };
    let figures = vec![
        Figure {
            name: t.reading_on_time,
            value: done.reading.percent(),
            detail: fill(
                t.days_of_days,
                &[
                    ("read", &done.reading.part),
                    ("due", &done.reading.whole),
                    ("late", &done.late),
                ],
            ),
            change: change(t, kind, done.reading, before.as_ref().map(|b| b.reading)),
        },
        Figure {
            name: t.points_earned,
            value: done.points.to_string(),
            detail: fill(t.streak_now, &[("days", &today.streak())]),
            change: None,
        },
        Figure {
            name: t.tests_sat,
            value: done.tests.len().to_string(),
            detail: fill(t.average_of, &[("score", &average)]),
            change: None,
        },
        Figure {
            name: t.gatherings_attended,
            value: done.attended.percent(),
            detail: fill(
                t.attended_of_held,
                &[
                    ("came", &done.attended.part),
                    ("held", &done.attended.whole),
                ],
            ),
            change: change(t, kind, done.attended, before.as_ref().map(|b| b.attended)),
        },
    ];
    Ok(CampaignProgress {
        title: today.book.campaign.title.clone(),
        period: crate::dates::days(t, days.0, days.1),
        choices: KINDS
            .iter()
            .map(|k| PeriodChoice {
                name: kind_name(t, *k),
                href: paths::my_progress(k.code()),
                current: *k == kind,
            })
            .collect(),
        figures,
    })
}
