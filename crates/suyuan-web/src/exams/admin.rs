//! Tests as admins see them: setting a campaign's ten-day tests, and a
//! test's results over their subtree, unit by unit down to members.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response as HttpResponse;
use chrono::Duration;
use serde::Deserialize;
use std::collections::HashMap;

use suyuan_core::access::Principal;
use suyuan_core::campaigns::CampaignId;
use suyuan_core::exams::{Results, TenDayTests, hardest};
use suyuan_core::questions::{Answer, Response};
use suyuan_core::units::UnitId;
use suyuan_store::exams::{AttemptId, Exam, ExamId};

use super::window_words;
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::{Lang, Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, Pager};
use crate::{AppState, paths};

/// Members listed by name on a page of a test's results.
const LISTED: u64 = 50;

/// The questions listed as the hardest.
const HARDEST: usize = 10;

struct CampaignTestRow {
    title: String,
    window: String,
    results: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaign_tests.html")]
pub struct CampaignTestsPage {
    chrome: Chrome,
    campaign_href: String,
    title: String,
    rows: Vec<CampaignTestRow>,
    action: String,
}

pub async fn campaign_tests_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<CampaignTestsPage, WebError> {
    let t = page.lang.texts();
    let (campaign, owner) =
        crate::campaigns::visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner)?;
    let rows = state
        .store
        .exams_of(campaign.id)
        .await?
        .into_iter()
        .map(|exam| CampaignTestRow {
            window: window_words(t, exam.test.window.opens, exam.test.window.closes),
            title: exam.test.title,
            results: paths::test_results(exam.id.0, None),
        })
        .collect();
    let here = paths::campaign_tests(id);
    Ok(CampaignTestsPage {
        chrome: Chrome::for_user(page, &user, &here),
        campaign_href: paths::campaign(id),
        title: campaign.title,
        rows,
        action: here,
    })
}

#[derive(Deserialize)]
pub struct TenDayForm {
    questions: usize,
    from_readings: usize,
    minutes: u32,
    attempts: u32,
    pass_mark: u32,
    mistakes: usize,
}

pub async fn set_ten_day_tests(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TenDayForm>,
) -> Result<HttpResponse, WebError> {
    let (campaign, owner) =
        crate::campaigns::visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner)?;
    let plan = TenDayTests {
        questions: form.questions,
        from_readings: form.from_readings,
        limit: Duration::minutes(i64::from(form.minutes)),
        attempts_allowed: form.attempts,
        pass_mark: form.pass_mark,
        mistakes: form.mistakes,
    };
    let set =
        suyuan_app::exams::set_ten_day_tests(&state.store, &campaign, plan, lang, state.now())
            .await?;
    Ok(done(
        &paths::campaign_tests(id),
        Notice::TestsSet {
            set: set.set,
            already: set.already,
        },
    ))
}

/// Whether an admin may see a test's results: a campaign's, if the
/// campaign reaches their unit or they run it; another, if it is set
/// within their subtree or above their unit.
async fn may_see_results(state: &AppState, who: &Principal, exam: &Exam) -> Result<(), WebError> {
    who.must_be_admin()?;
    let allowed = match exam.test.campaign {
        Some(campaign) => {
            let campaign = state.store.campaign(campaign).await?;
            let owner = state.store.unit(campaign.owner).await?;
            campaign.includes(&who.unit_path) || who.may_manage_within(&owner.path).is_ok()
        }
        None => {
            let owner = state.store.unit(exam.test.owner).await?.path;
            owner.contains(&who.unit_path) || who.unit_path.contains(&owner)
        }
    };
    allowed.then_some(()).ok_or(WebError::NotFound)
}

/// One bar of the score distribution, in the chart's own units.
struct Bar {
    x: u32,
    y: u32,
    height: u32,
    count: usize,
    label: u32,
}

/// The chart's drawing area.
const CHART_HEIGHT: u32 = 120;
const BAR_STEP: u32 = 32;

fn bars(results: &Results) -> Vec<Bar> {
    let most = results.bins.iter().copied().max().unwrap_or(0).max(1);
    results
        .bins
        .iter()
        .enumerate()
        .map(|(i, count)| {
            let height = (*count as u32 * CHART_HEIGHT) / most as u32;
            Bar {
                x: i as u32 * BAR_STEP + 4,
                y: 16 + CHART_HEIGHT - height,
                height,
                count: *count,
                label: i as u32 * 10,
            }
        })
        .collect()
}

/// A test's figures as shown: an average and a pass rate only when
/// someone handed in ("—" otherwise, never a 0 that was not scored).
struct Summary {
    sat: String,
    participation: String,
    average: String,
    pass_rate: String,
}

impl Summary {
    fn of(t: &Texts, results: &Results) -> Self {
        let none = || "—".to_owned();
        let scored = results.sat > 0;
        Summary {
            sat: fill(
                t.sat_of,
                &[("sat", &results.sat), ("expected", &results.expected)],
            ),
            participation: if results.expected > 0 {
                format!("{}%", results.participation())
            } else {
                none()
            },
            average: if scored {
                results.average.to_string()
            } else {
                none()
            },
            pass_rate: if scored {
                format!("{}%", results.pass_rate())
            } else {
                none()
            },
        }
    }
}

struct UnitRow {
    name: String,
    href: String,
    summary: Summary,
}

struct MemberRow {
    name: String,
    unit: String,
    /// The score, or "not sat".
    score: String,
    passed: Option<bool>,
}

struct HardRow {
    text: String,
    line: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "test_results.html")]
pub struct ResultsPage {
    chrome: Chrome,
    title: String,
    window: String,
    /// The units from the admin's own down to the one shown.
    crumbs: Vec<(String, String)>,
    scope: String,
    summary: Summary,
    bars: Vec<Bar>,
    units: Vec<UnitRow>,
    /// A page of the members in scope, found by name or number.
    members: Vec<MemberRow>,
    member_query: String,
    found: String,
    unit_id: i64,
    pager: Pager,
    hardest: Vec<HardRow>,
    marking: String,
}

#[derive(Deserialize)]
pub struct ScopeQuery {
    unit: Option<i64>,
    /// A member to find by name or number.
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

pub async fn results_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<ScopeQuery>,
) -> Result<ResultsPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let who = &user.principal;
    let exam = state.store.exam(ExamId(id)).await?;
    may_see_results(&state, who, &exam).await?;
    let scope = state
        .store
        .unit(query.unit.map_or(who.unit_id, UnitId))
        .await?;
    if !who.may_see_unit(&scope.path) || !who.unit_path.contains(&scope.path) {
        return Err(WebError::NotFound);
    }
    let pass_mark = exam.test.pass_mark;
    let sittings = state.store.sittings(exam.id, &scope.path).await?;
    let expected = state.store.count_members(&scope.path).await? as usize;
    let results = Results::of(&sittings, expected, pass_mark);

    let mut units = Vec::new();
    for child in state.store.children_with_member_counts(&scope).await? {
        let within = sittings
            .iter()
            .filter(|s| child.unit.path.contains(&s.member.member.unit.path));
        let results = Results::of(within, child.members as usize, pass_mark);
        units.push(UnitRow {
            href: paths::test_results(id, Some(child.unit.id.0)),
            name: child.unit.name,
            summary: Summary::of(t, &results),
        });
    }

    let by_member: HashMap<_, _> = sittings
        .iter()
        .map(|s| (s.member.member.id, s.score))
        .collect();
    let found = crate::members::find_page(
        &state,
        t,
        &scope.path,
        &query.q,
        query.page,
        LISTED,
        &paths::test_results(id, Some(scope.id.0)),
    )
    .await?;
    let mut members = Vec::new();
    for member in found.members {
        let score = by_member.get(&member.id);
        members.push(MemberRow {
            name: member.name,
            unit: member.unit.name,
            score: score.map_or_else(
                || t.not_sat.to_owned(),
                |s| fill(t.test_score, &[("percent", &s.percent())]),
            ),
            passed: score.map(|s| s.passes(pass_mark)),
        });
    }

    let hard = hardest(&sittings, 3.min(sittings.len()).max(1), HARDEST);
    let ids: Vec<_> = hard.iter().map(|h| h.question).collect();
    let texts = state.store.questions_by_id(&ids).await?;
    let hardest = hard
        .iter()
        .filter_map(|h| {
            texts.get(&h.question).map(|q| HardRow {
                text: q.text.clone(),
                line: fill(
                    t.drawn_earned,
                    &[("drawn", &h.drawn), ("earned", &h.earned)],
                ),
            })
        })
        .collect();

    let crumbs = state
        .store
        .path_to_root(&scope.path)
        .await?
        .into_iter()
        .filter(|u| who.unit_path.contains(&u.path) && u.id != scope.id)
        .map(|u| (u.name, paths::test_results(id, Some(u.id.0))))
        .collect();
    let window = exam.test.window;
    Ok(ResultsPage {
        chrome: Chrome::for_user(page, &user, &paths::test_results(id, query.unit)),
        title: exam.test.title,
        window: window_words(t, window.opens, window.closes),
        crumbs,
        scope: scope.name,
        summary: Summary::of(t, &results),
        bars: bars(&results),
        units,
        members,
        member_query: found.query,
        found: fill(t.members_found, &[("total", &found.total)]),
        unit_id: scope.id.0,
        pager: found.pager,
        hardest,
        marking: paths::test_marking(id),
    })
}

/// One answer on the marking page.
struct MarkRow {
    member: String,
    question: String,
    model: String,
    answer: String,
    action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "marking.html")]
pub struct MarkingPage {
    chrome: Chrome,
    title: String,
    results: String,
    rows: Vec<MarkRow>,
}

/// Answers listed for marking at once.
const TO_MARK: usize = 50;

pub async fn marking_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<MarkingPage, WebError> {
    let who = &user.principal;
    let exam = state.store.exam(ExamId(id)).await?;
    may_see_results(&state, who, &exam).await?;
    let waiting = state
        .store
        .answers_to_mark(exam.id, &who.unit_path, TO_MARK)
        .await?;
    let ids: Vec<_> = waiting.iter().map(|w| w.question).collect();
    let questions = state.store.questions_by_id(&ids).await?;
    let mut rows = Vec::with_capacity(waiting.len());
    for answer in waiting {
        let member = state.store.member(answer.member).await?;
        let question = questions.get(&answer.question);
        rows.push(MarkRow {
            member: format!("{} · {}", member.name, member.unit.name),
            question: question.map(|q| q.text.clone()).unwrap_or_default(),
            model: match question.map(|q| &q.answer) {
                Some(Answer::Short { model: Some(model) }) => model.clone(),
                _ => String::new(),
            },
            answer: match answer.response {
                Response::Text(text) => text,
                Response::Bool(value) => value.to_string(),
                Response::Chosen(_) => String::new(),
            },
            action: paths::mark_answer(id, answer.attempt.0, answer.position),
        });
    }
    let here = paths::test_marking(id);
    Ok(MarkingPage {
        chrome: Chrome::for_user(page, &user, &here),
        title: exam.test.title,
        results: paths::test_results(id, None),
        rows,
    })
}

#[derive(Deserialize)]
pub struct MarkForm {
    share: f64,
}

pub async fn mark_answer(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, attempt, position)): Path<(i64, i64, usize)>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<HttpResponse, WebError> {
    let who = &user.principal;
    let exam = state.store.exam(ExamId(id)).await?;
    may_see_results(&state, who, &exam).await?;
    let found = state.store.attempt(AttemptId(attempt)).await?;
    let member = state.store.member(found.member).await?;
    if found.exam != exam.id || !who.unit_path.contains(&member.unit.path) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .mark_by_hand(found.id, position, form.share, state.now())
        .await?;
    Ok(done(
        &format!("{}#to-mark", paths::test_marking(id)),
        Notice::AnswerMarked,
    ))
}
