//! The home page: a member's own card; for an admin, their subtree.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};

use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::units::{ChildRow, child_rows};
use crate::views::{Chrome, Page, role_name};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::HOME, get(home))
}

/// What an admin sees of their subtree.
pub struct Scope {
    pub unit_name: String,
    pub unit_href: String,
    pub members: u64,
    pub members_href: String,
    pub gatherings_href: String,
    pub children: Vec<ChildRow>,
}

/// A running campaign as the home page shows it.
pub struct TodayLine {
    pub title: String,
    pub read: bool,
    pub streak: u32,
    pub points: u64,
    /// Reminded this evening, and still not read.
    pub reminded: bool,
}

/// Something waiting for the person, one tap away: a test open to sit,
/// mistakes due for review, questions proposed for their review.
pub struct NextStep {
    pub label: String,
    pub href: String,
}

/// What waits for a member (and, for an admin, for their unit).
async fn next_steps(
    state: &AppState,
    t: &Texts,
    user: &PageUser,
) -> Result<Vec<NextStep>, WebError> {
    let now = state.now();
    let member = &user.member;
    let mut steps = Vec::new();
    for exam in state.store.exams_for(&user.principal.unit_path).await? {
        // Only a test open now can be waiting (an attempt ends by the
        // close): the member's attempts are read for that one alone.
        if now < exam.test.window.opens || now >= exam.test.window.closes {
            continue;
        }
        let made = state.store.attempts_of(exam.id, member.id).await?;
        let open = made.iter().any(|a| a.is_open() && now <= a.deadline);
        let sat = made.iter().any(|a| !a.is_open());
        let window = exam.test.window;
        if open || (!sat && window.may_start(now, made.len() as u32).is_ok()) {
            steps.push(NextStep {
                label: fill(t.next_test, &[("title", &exam.test.title)]),
                href: paths::TESTS.to_owned(),
            });
        }
    }
    let due = state.store.due_mistakes(member.id, now, 100).await?.len();
    if due > 0 {
        steps.push(NextStep {
            label: fill(t.review_mistakes, &[("n", &due)]),
            href: paths::PRACTICE.to_owned(),
        });
    }
    // A site's managers start their day at its door.
    for site in state.store.managed_sites(member.id).await? {
        let zone = site.hours.zone;
        let day = now.with_timezone(&zone).date_naive();
        let start = suyuan_core::campaigns::local_instant(zone, day, chrono::NaiveTime::MIN);
        let groups = state
            .store
            .site_bookings(site.id, start, start + chrono::Duration::days(1))
            .await?
            .iter()
            .filter(|b| b.status.holds_places())
            .count();
        steps.push(NextStep {
            label: fill(
                t.sites.next_door,
                &[("site", &site.details.name), ("n", &groups)],
            ),
            href: paths::site_door(site.id),
        });
    }
    // Pledges due soon or overdue, and what waits for an admin's word.
    for (label, href) in crate::pledges::next_steps(state, t, member.id, &user.principal).await? {
        steps.push(NextStep { label, href });
    }
    // Requests of the admin's unit near or past a deadline, and
    // extensions waiting on them.
    for (label, href) in crate::requests::next_steps(state, t, &user.principal).await? {
        steps.push(NextStep { label, href });
    }
    if user.principal.is_admin() {
        let (proposed, _) = state
            .store
            .questions(&suyuan_store::questions::QuestionFilter {
                status: suyuan_store::questions::Status::Proposed,
                limit: 0,
                ..suyuan_store::questions::QuestionFilter::bank(
                    suyuan_store::questions::Owners::Within(user.principal.unit_path.clone()),
                )
            })
            .await?;
        if proposed > 0 {
            steps.push(NextStep {
                label: fill(t.next_proposals, &[("n", &proposed)]),
                href: paths::PROPOSALS.to_owned(),
            });
        }
    }
    Ok(steps)
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    next: Vec<NextStep>,
    today: Vec<TodayLine>,
    greeting: String,
    number: String,
    role: &'static str,
    /// Offered a second step at sign-in (those who see others' data).
    second_factor: bool,
    unit_path: String,
    scope: Option<Scope>,
    gatherings: crate::gatherings::Upcoming,
}

async fn home(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<Response, WebError> {
    let lang = page.lang;
    let Some(user) = user else {
        return Ok(front(&state, page).await?.into_response());
    };
    let t = lang.texts();
    let member = &user.member;
    let path = state.store.path_to_root(&member.unit.path).await?;
    let unit_path = path
        .iter()
        .map(|u| u.name.as_str())
        .collect::<Vec<_>>()
        .join(" / ");
    let scope = if user.principal.is_admin() {
        Some(Scope {
            unit_name: member.unit.name.clone(),
            unit_href: paths::unit(member.unit.id),
            members: state.store.count_members(&member.unit.path).await?,
            members_href: paths::unit_members(member.unit.id, 1),
            gatherings_href: paths::unit_gatherings(member.unit.id),
            children: child_rows(
                lang,
                state
                    .store
                    .children_with_member_counts(&member.unit)
                    .await?,
            ),
        })
    } else {
        None
    };
    let mut today = Vec::new();
    // Reminders are sent once a day whatever the campaign.
    let mut reminded: std::collections::HashMap<chrono::NaiveDate, bool> = Default::default();
    for day in crate::reading::running_for(&state, member).await? {
        let read = day.read();
        let was_reminded = match reminded.get(&day.date) {
            Some(sent) => *sent,
            None if read => false,
            None => {
                let sent = state.store.was_reminded(member.id, day.date).await?;
                reminded.insert(day.date, sent);
                sent
            }
        };
        today.push(TodayLine {
            title: day.book.campaign.title.clone(),
            read,
            streak: day.streak(),
            points: day.kept.points,
            reminded: !read && was_reminded,
        });
    }
    Ok(HomePage {
        next: next_steps(&state, t, &user).await?,
        chrome: Chrome::for_user(page, &user, paths::HOME),
        today,
        greeting: fill(t.welcome, &[("name", &member.name)]),
        number: member.number.clone(),
        role: role_name(t, member.role),
        second_factor: crate::second_factor::offered(member.role),
        unit_path,
        scope,
        gatherings: crate::gatherings::upcoming_for(&state, t, member).await?,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "front.html")]
struct FrontPage {
    chrome: Chrome,
    /// The Constitution's page, when the library holds it publicly.
    constitution: Option<String>,
    /// The Constitution Day page's headline, when an admin features it.
    featured: Option<String>,
}

/// The front page of a visitor without an account: what is open to
/// everyone, and the way to sign in.
async fn front(state: &AppState, page: Page) -> Result<FrontPage, WebError> {
    let t = page.lang.texts();
    Ok(FrontPage {
        constitution: crate::public::constitution_href(state).await?,
        featured: crate::public::featured_day(state, t).await?,
        chrome: Chrome::anonymous(page),
    })
}
