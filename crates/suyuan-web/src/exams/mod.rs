//! Sitting tests: starting (or resuming) an attempt, saving each answer
//! as it is given, submitting, and the review once submitted. What is
//! right never leaves the server before the attempt is submitted.

mod admin;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response as HttpResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::questions::{Answer, Grade, Question, Response};
use suyuan_store::exams::{Attempt, AttemptId, Exam, ExamId, GivenAnswer};

use crate::auth::{ApiUser, PageUser};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::notice::{Notice, done};
use crate::questions::{kind_name, letter};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::TESTS, get(tests_page))
        .route("/tests/{id}/start", post(start_page))
        .route("/attempts/{id}", get(attempt_page).post(save_page))
        .route("/attempts/{id}/answers/{position}", post(save_one_page))
        .route("/tests/{id}/results", get(admin::results_page))
        .route("/tests/{id}/marking", get(admin::marking_page))
        .route(
            "/tests/{id}/marking/{attempt}/{position}",
            post(admin::mark_answer),
        )
        .route(
            "/campaigns/{id}/tests",
            get(admin::campaign_tests_page).post(admin::set_ten_day_tests),
        )
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_create))
        .routes(routes!(api_start))
        .routes(routes!(api_attempt))
        .routes(routes!(api_answer))
        .routes(routes!(api_submit))
}

/// How often an instance submits the attempts whose time is up.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Submits every open attempt past its deadline, as of its deadline.
pub async fn submit_overdue(state: &AppState) -> Result<usize, WebError> {
    let overdue = state.store.overdue_attempts(state.now()).await?;
    for id in &overdue {
        let attempt = state.store.attempt(*id).await?;
        state.store.submit_attempt(*id, attempt.deadline).await?;
    }
    Ok(overdue.len())
}

/// Whether a member may sit a test: a campaign's tests are for its
/// participants, other tests for the owner unit's subtree.
async fn may_sit(state: &AppState, who: &Principal, exam: &Exam) -> Result<(), WebError> {
    let allowed = match exam.test.campaign {
        Some(campaign) => state
            .store
            .campaign(campaign)
            .await?
            .includes(&who.unit_path),
        None => state
            .store
            .unit(exam.test.owner)
            .await?
            .path
            .contains(&who.unit_path),
    };
    if allowed {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

/// A member's own attempt, or "not found".
async fn own_attempt(state: &AppState, who: &Principal, id: i64) -> Result<Attempt, WebError> {
    let attempt = state.store.attempt(AttemptId(id)).await?;
    if attempt.member != who.member_id {
        return Err(WebError::NotFound);
    }
    Ok(attempt)
}

/// A question as the member sees it while sitting: its options in their
/// own order, nothing about which is right.
#[derive(Serialize, ToSchema)]
pub struct SittingQuestion {
    /// single, multiple, true_false, blank or short
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
    /// The options, in this member's order; answers name them by index.
    choices: Vec<String>,
    /// The answer saved so far, in the same terms as it is sent.
    #[schema(value_type = Option<Object>)]
    answer: Option<AnswerJson>,
}

/// An answer, as sent and shown: option indices in the member's order, a
/// truth, or text.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum AnswerJson {
    Choices { choices: BTreeSet<usize> },
    Truth { value: bool },
    Text { text: String },
}

#[derive(Serialize, ToSchema)]
pub struct AttemptJson {
    id: i64,
    test_id: i64,
    number: u32,
    started_at: DateTime<Utc>,
    /// Answers after this are refused; the attempt is submitted then.
    deadline: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    questions: Vec<SittingQuestion>,
    /// Once submitted: the score out of 100, and the review.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<ResultJson>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultJson {
    percent: f64,
    passed: bool,
    /// Answers still to be marked by hand.
    pending: usize,
    review: Vec<ReviewJson>,
}

/// One question after submission: what was given and what is right.
#[derive(Serialize, ToSchema)]
pub struct ReviewJson {
    /// The share of the marks earned (0 to 1); absent while it waits to be
    /// marked by hand, or if it was not answered.
    earned: Option<f64>,
    /// The full answer: options with weights (in the bank's order),
    /// accepted words, the truth.
    #[schema(value_type = Object)]
    right: serde_json::Value,
    /// The member's order of the options, as bank indices.
    order: Vec<usize>,
    explanation: String,
    excerpt_id: Option<i64>,
}

/// A response in bank terms, from what the member sent.
pub(crate) fn to_response(sent: AnswerJson, order: &[usize]) -> Result<Response, WebError> {
    Ok(match sent {
        AnswerJson::Choices { choices } => Response::Chosen(
            choices
                .into_iter()
                .map(|shown| {
                    order.get(shown).copied().ok_or_else(|| {
                        WebError::Invalid(format!(
                            "the question has {} options; there is no option {shown}",
                            order.len()
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        AnswerJson::Truth { value } => Response::Bool(value),
        AnswerJson::Text { text } => Response::written(text)?,
    })
}

/// A saved response in the member's terms.
fn to_json(response: &Response, order: &[usize]) -> AnswerJson {
    match response {
        Response::Chosen(chosen) => AnswerJson::Choices {
            choices: chosen
                .iter()
                .filter_map(|bank| order.iter().position(|o| o == bank))
                .collect(),
        },
        Response::Bool(value) => AnswerJson::Truth { value: *value },
        Response::Text(text) => AnswerJson::Text { text: text.clone() },
    }
}

/// The questions of an attempt, in its order, in one query.
async fn questions_of(
    state: &AppState,
    attempt: &Attempt,
) -> Result<Vec<suyuan_core::questions::Question>, WebError> {
    let ids: Vec<_> = attempt.items.iter().map(|i| i.question).collect();
    let mut found = state.store.questions_by_id(&ids).await?;
    ids.iter()
        .map(|id| found.remove(id).ok_or(WebError::NotFound))
        .collect()
}

async fn attempt_json(state: &AppState, attempt: Attempt) -> Result<AttemptJson, WebError> {
    let given: Vec<GivenAnswer> = state.store.answers(attempt.id).await?;
    let exam = state.store.exam(attempt.exam).await?;
    let stored_questions = questions_of(state, &attempt).await?;
    let mut questions = Vec::with_capacity(attempt.items.len());
    let mut review = Vec::new();
    for (position, (item, stored)) in attempt.items.iter().zip(stored_questions).enumerate() {
        let answer = given.iter().find(|a| a.position == position);
        let shown: Vec<String> = item
            .options
            .iter()
            .filter_map(|bank| stored.answer.choices().get(*bank))
            .map(|c| c.text.clone())
            .collect();
        questions.push(SittingQuestion {
            kind: stored.answer.kind().code(),
            text: stored.text.clone(),
            choices: shown,
            answer: answer.map(|a| to_json(&a.response, &item.options)),
        });
        if attempt.score.is_some() {
            review.push(ReviewJson {
                earned: answer.and_then(|a| match a.grade {
                    Some(Grade::Scored(share)) => Some(share),
                    _ => None,
                }),
                right: serde_json::to_value::<&Answer>(&stored.answer)?,
                order: item.options.clone(),
                explanation: stored.explanation.clone(),
                excerpt_id: stored.excerpt.map(|e| e.0),
            });
        }
    }
    let result = attempt.score.map(|score| ResultJson {
        percent: score.percent(),
        passed: score.passes(exam.test.pass_mark),
        pending: score.pending,
        review,
    });
    Ok(AttemptJson {
        id: attempt.id.0,
        test_id: attempt.exam.0,
        number: attempt.number,
        started_at: attempt.started_at,
        deadline: attempt.deadline,
        submitted_at: attempt.submitted_at,
        questions,
        result,
    })
}

/// Starts an attempt at a test, or resumes the caller's open one.
#[utoipa::path(post, path = "/api/v1/tests/{id}/attempts", tag = "tests", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = AttemptJson), (status = 422, description = "not open, or no attempts left")))]
async fn api_start(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AttemptJson>, WebError> {
    let exam = state.store.exam(ExamId(id)).await?;
    may_sit(&state, &user.principal, &exam).await?;
    let attempt = state
        .store
        .start_attempt(&exam, user.member.id, state.now())
        .await?;
    Ok(Json(attempt_json(&state, attempt).await?))
}

/// One of the caller's attempts: the questions and saved answers while
/// open; with the result and review once submitted.
#[utoipa::path(get, path = "/api/v1/attempts/{id}", tag = "tests", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = AttemptJson)))]
async fn api_attempt(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AttemptJson>, WebError> {
    let attempt = own_attempt(&state, &user.principal, id).await?;
    Ok(Json(attempt_json(&state, attempt).await?))
}

/// Saves the answer to question `position` (from 0); acknowledged once
/// committed. Refused after the deadline or once submitted.
#[utoipa::path(put, path = "/api/v1/attempts/{id}/answers/{position}", tag = "tests", security(("bearer" = [])),
    params(("id" = i64, Path), ("position" = usize, Path)), request_body = AnswerJson,
    responses((status = 204, description = "saved"), (status = 422, description = "too late, or not an answer to this question")))]
async fn api_answer(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, position)): Path<(i64, usize)>,
    Json(sent): Json<AnswerJson>,
) -> Result<StatusCode, WebError> {
    let attempt = own_attempt(&state, &user.principal, id).await?;
    let item = attempt.items.get(position).ok_or_else(|| {
        WebError::Invalid(format!(
            "the attempt has {} questions; there is no question {position}",
            attempt.items.len()
        ))
    })?;
    let response = to_response(sent, &item.options)?;
    save(&state, &attempt, position, response).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saves one answer; answered once committed (with the others that
/// arrived together).
async fn save(
    state: &AppState,
    attempt: &Attempt,
    position: usize,
    response: Response,
) -> Result<(), WebError> {
    state
        .store
        .save_answer(attempt.id, attempt.member, position, &response, state.now())
        .await?;
    Ok(())
}

/// Submits the caller's attempt and answers with the result and review.
#[utoipa::path(post, path = "/api/v1/attempts/{id}/submit", tag = "tests", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = AttemptJson)))]
async fn api_submit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AttemptJson>, WebError> {
    let attempt = own_attempt(&state, &user.principal, id).await?;
    // After the deadline, it counts as submitted at the deadline.
    let at = state.now().min(attempt.deadline);
    let submitted = state.store.submit_attempt(attempt.id, at).await?;
    Ok(Json(attempt_json(&state, submitted).await?))
}

/// A test to set, as an admin sends it.
#[derive(Deserialize, ToSchema)]
pub struct NewTestJson {
    title: String,
    /// The campaign whose participants sit it; without one, the members
    /// of the caller's unit's subtree do.
    campaign_id: Option<i64>,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    time_limit_minutes: u32,
    #[serde(default = "one")]
    attempts_allowed: u32,
    pass_mark: u32,
    #[schema(value_type = Vec<Object>)]
    rules: Vec<suyuan_core::exams::DrawRule>,
    /// How many of a member's due mistakes an attempt may draw.
    #[serde(default)]
    mistakes: usize,
    /// The days whose readings `from_readings` rules draw on.
    readings_from: Option<chrono::NaiveDate>,
    readings_to: Option<chrono::NaiveDate>,
}

fn one() -> u32 {
    1
}

#[derive(Serialize, ToSchema)]
pub struct TestCreated {
    id: i64,
}

/// Sets a test for the caller's unit (admins), checked against the bank.
#[utoipa::path(post, path = "/api/v1/tests", tag = "tests", security(("bearer" = [])),
    request_body = NewTestJson, responses((status = 201, body = TestCreated), (status = 422, description = "the bank cannot fill a rule, or a bad window")))]
async fn api_create(
    State(state): State<AppState>,
    user: ApiUser,
    Json(new): Json<NewTestJson>,
) -> Result<(StatusCode, Json<TestCreated>), WebError> {
    user.principal.must_be_admin()?;
    let campaign = match new.campaign_id {
        Some(id) => {
            let campaign = state
                .store
                .campaign(suyuan_core::campaigns::CampaignId(id))
                .await?;
            let owner = state.store.unit(campaign.owner).await?;
            user.principal.may_manage_within(&owner.path)?;
            Some(campaign.id)
        }
        None => None,
    };
    let exam = state
        .store
        .create_exam(
            suyuan_store::exams::NewExam {
                owner: user.principal.unit_id,
                campaign,
                title: new.title,
                window: suyuan_core::exams::Window {
                    opens: new.opens_at,
                    closes: new.closes_at,
                    limit: chrono::Duration::minutes(i64::from(new.time_limit_minutes)),
                    attempts_allowed: new.attempts_allowed,
                },
                pass_mark: new.pass_mark,
                rules: new.rules,
                mistakes: new.mistakes,
                readings: new.readings_from.zip(new.readings_to),
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(TestCreated { id: exam.id.0 })))
}

// ---------------------------------------------------------------- pages

struct TestRow {
    title: String,
    window: String,
    limit: String,
    /// Open now, with attempts left: the start (or resume) form's action.
    start: Option<String>,
    /// Resume rather than start.
    resumes: bool,
    /// The latest submitted attempt's score and review link.
    last: Option<(String, String)>,
    note: &'static str,
    /// For admins: the results over their subtree.
    results: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "tests.html")]
struct TestsPage {
    chrome: Chrome,
    rows: Vec<TestRow>,
}

/// A moment of a test as people say it, in the campaigns' zone.
fn local(t: &Texts, at: DateTime<Utc>) -> String {
    crate::dates::moment(t, &at.with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE))
}

/// When a test may be sat: "12月1日 周二 00:00 – 12月10日 周四 23:59".
fn window_words(t: &Texts, opens: DateTime<Utc>, closes: DateTime<Utc>) -> String {
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    crate::dates::span(t, &opens.with_timezone(&zone), &closes.with_timezone(&zone))
}

async fn tests_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<TestsPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let now = state.now();
    let mut rows = Vec::new();
    for exam in state.store.exams_for(&user.principal.unit_path).await? {
        let made = state.store.attempts_of(exam.id, user.member.id).await?;
        let open = made.iter().find(|a| a.is_open() && now <= a.deadline);
        let window = exam.test.window;
        let may_start = window.may_start(now, made.len() as u32).is_ok();
        let last = made.iter().rev().find_map(|a| {
            a.score.map(|score| {
                let label = fill(t.test_score, &[("percent", &score.percent())]);
                (label, paths::attempt(a.id.0))
            })
        });
        // The one to sit now first, then those to come, then those past
        // (the latest first).
        let order = if open.is_some() || (may_start && now >= window.opens) {
            (0, 0)
        } else if now < window.opens {
            (1, window.opens.timestamp())
        } else {
            (2, -window.closes.timestamp())
        };
        rows.push((
            order,
            TestRow {
                title: exam.test.title.clone(),
                window: window_words(t, window.opens, window.closes),
                limit: fill(
                    t.test_time_limit,
                    &[("minutes", &window.limit.num_minutes())],
                ),
                start: (open.is_some() || may_start).then(|| paths::start_test(exam.id.0)),
                resumes: open.is_some(),
                last,
                results: user
                    .principal
                    .is_admin()
                    .then(|| paths::test_results(exam.id.0, None)),
                note: if now < window.opens {
                    t.test_upcoming
                } else if now >= window.closes {
                    t.test_closed
                } else {
                    ""
                },
            },
        ));
    }
    rows.sort_by_key(|(order, _)| *order);
    Ok(TestsPage {
        chrome: Chrome::for_user(page, &user, paths::TESTS),
        rows: rows.into_iter().map(|(_, row)| row).collect(),
    })
}

async fn start_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let exam = state.store.exam(ExamId(id)).await?;
    may_sit(&state, &user.principal, &exam).await?;
    let attempt = state
        .store
        .start_attempt(&exam, user.member.id, state.now())
        .await?;
    Ok(Redirect::to(&paths::attempt(attempt.id.0)).into_response())
}

/// One question on the sitting page.
pub(crate) struct SittingView {
    pub(crate) position: usize,
    pub(crate) number: usize,
    pub(crate) kind: &'static str,
    /// single, multiple, true_false, blank or short: which inputs to show.
    pub(crate) code: &'static str,
    pub(crate) text: String,
    /// Shown index, letter, text, and whether it is chosen.
    pub(crate) options: Vec<(usize, char, String, bool)>,
    pub(crate) truth: Option<bool>,
    pub(crate) written: String,
}

/// One question of the review.
pub(crate) struct ReviewView {
    pub(crate) kind: &'static str,
    pub(crate) text: String,
    /// Letter, text, chosen, right.
    pub(crate) options: Vec<(char, String, bool, bool)>,
    pub(crate) given: String,
    pub(crate) right: String,
    pub(crate) full: bool,
    /// Said in words and a mark, never by colour alone.
    pub(crate) verdict: (&'static str, &'static str),
    pub(crate) earned: String,
    pub(crate) explanation: String,
    pub(crate) excerpt_href: Option<String>,
    /// What the link to the excerpt says, when not "the source".
    pub(crate) excerpt_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "attempt.html")]
struct AttemptPage {
    chrome: Chrome,
    title: String,
    action: String,
    deadline: String,
    deadline_iso: String,
    now_iso: String,
    sitting: Vec<SittingView>,
    /// Asked after a hand-in with questions unanswered: how many.
    confirm_hand_in: Option<String>,
    /// Once submitted: the score line, whether it passed, and the review.
    result: Option<(String, bool)>,
    /// "答对 7 题，共 10 题".
    tally: String,
    /// Questions not fully right, now in the mistake book.
    missed: usize,
    review_label: String,
    review: Vec<ReviewView>,
}

impl ReviewView {
    /// Links the question to where its answer rests, by name; or to
    /// nothing, where the reader may not follow.
    pub(crate) fn set_source(&mut self, source: Option<(String, String)>) {
        match source {
            Some((href, label)) => {
                self.excerpt_href = Some(href);
                self.excerpt_label = label;
            }
            None => self.excerpt_href = None,
        }
    }
}

/// A question as it is answered: its options in the order `order` gives
/// (bank indices), with what `response` chose or wrote.
pub(crate) fn sitting_view(
    t: &Texts,
    position: usize,
    question: &Question,
    order: &[usize],
    response: Option<&Response>,
) -> SittingView {
    let chosen: BTreeSet<usize> = match response {
        Some(Response::Chosen(set)) => set.clone(),
        _ => BTreeSet::new(),
    };
    SittingView {
        position,
        number: position + 1,
        kind: kind_name(t, question.answer.kind()),
        code: question.answer.kind().code(),
        text: question.text.clone(),
        options: order
            .iter()
            .enumerate()
            .filter_map(|(shown, bank)| {
                let choice = question.answer.choices().get(*bank)?;
                Some((
                    shown,
                    letter(shown),
                    choice.text.clone(),
                    chosen.contains(bank),
                ))
            })
            .collect(),
        truth: match response {
            Some(Response::Bool(value)) => Some(*value),
            _ => None,
        },
        written: match response {
            Some(Response::Text(text)) => text.clone(),
            _ => String::new(),
        },
    }
}

/// A question once graded: what was given, what is right, the verdict in
/// words and a mark, the explanation and the excerpt it comes from.
pub(crate) fn review_view(
    t: &Texts,
    question: &Question,
    order: &[usize],
    response: Option<&Response>,
    grade: Option<Grade>,
) -> ReviewView {
    let chosen: BTreeSet<usize> = match response {
        Some(Response::Chosen(set)) => set.clone(),
        _ => BTreeSet::new(),
    };
    let options: Vec<(char, String, bool, bool)> = order
        .iter()
        .enumerate()
        .filter_map(|(shown, bank)| {
            let choice = question.answer.choices().get(*bank)?;
            Some((
                letter(shown),
                choice.text.clone(),
                chosen.contains(bank),
                choice.is_right(),
            ))
        })
        .collect();
    let given_text = match response {
        None => t.not_answered.to_owned(),
        Some(Response::Chosen(_)) => options
            .iter()
            .filter(|o| o.2)
            .map(|o| o.0.to_string())
            .collect::<Vec<_>>()
            .join(""),
        Some(Response::Bool(value)) => truth_word(t, *value).to_owned(),
        Some(Response::Text(text)) => text.clone(),
    };
    let right = right_text(t, &question.answer, order);
    ReviewView {
        kind: kind_name(t, question.answer.kind()),
        text: question.text.clone(),
        options,
        given: given_text,
        right,
        full: grade.is_some_and(Grade::is_full),
        verdict: match grade {
            Some(grade) if grade.is_full() => ("✓", t.verdict_right),
            Some(Grade::Pending) => ("…", t.verdict_pending),
            Some(Grade::Scored(share)) if share > 0.0 => ("◐", t.verdict_partial),
            Some(_) => ("✗", t.verdict_wrong),
            None => ("✗", t.not_answered),
        },
        // The verdict says right or wrong; a share is said only when
        // it is partial.
        earned: match grade {
            Some(Grade::Scored(share)) if share > 0.0 && share < 1.0 => fill(
                t.earned_share,
                &[("share", &((share * 100.0).round() / 100.0))],
            ),
            _ => String::new(),
        },
        explanation: question.explanation.clone(),
        excerpt_href: question.excerpt.map(paths::excerpt),
        excerpt_label: String::new(),
    }
}

/// What is right, in words: option letters in the member's order
/// (`order[i]` is the bank index shown `i`th), the truth, accepted words.
pub(crate) fn right_text(t: &Texts, answer: &Answer, order: &[usize]) -> String {
    match answer {
        Answer::Single { choices } | Answer::Multiple { choices, .. } => order
            .iter()
            .enumerate()
            .filter(|(_, bank)| choices.get(**bank).is_some_and(|c| c.is_right()))
            .map(|(shown, _)| letter(shown))
            .collect(),
        Answer::TrueFalse { correct, .. } => truth_word(t, *correct).to_owned(),
        Answer::Blank { .. } => typed_answers(t, answer).join(" / "),
        Answer::Short { model } => model.clone().unwrap_or_else(|| t.marked_by_hand.to_owned()),
    }
}

/// A blank's accepted words, then those that earn part of the marks with
/// their share.
pub(crate) fn typed_answers(t: &Texts, answer: &Answer) -> Vec<String> {
    let Answer::Blank { accepted, partial } = answer else {
        return Vec::new();
    };
    let partial = partial.iter().map(|p| {
        let percent = (p.weight * 100.0).round() / 100.0;
        fill(
            t.partial_answer,
            &[("text", &p.text), ("percent", &percent)],
        )
    });
    accepted.iter().cloned().chain(partial).collect()
}

fn truth_word(t: &Texts, value: bool) -> &'static str {
    if value { t.true_word } else { t.false_word }
}

/// `?confirm=1`: a hand-in was asked for with questions unanswered.
#[derive(Deserialize)]
struct AttemptQuery {
    #[serde(default)]
    confirm: Option<u8>,
}

/// How many questions of an attempt have no answer yet.
fn unanswered(attempt: &Attempt, given: &[GivenAnswer]) -> usize {
    let answered = |position: usize| {
        given.iter().any(|a| {
            a.position == position
                && match &a.response {
                    Response::Chosen(set) => !set.is_empty(),
                    Response::Bool(_) => true,
                    Response::Text(text) => !text.trim().is_empty(),
                }
        })
    };
    (0..attempt.items.len()).filter(|p| !answered(*p)).count()
}

async fn attempt_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<AttemptQuery>,
) -> Result<AttemptPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let mut attempt = own_attempt(&state, &user.principal, id).await?;
    if attempt.is_open() && state.now() > attempt.deadline {
        attempt = state
            .store
            .submit_attempt(attempt.id, attempt.deadline)
            .await?;
    }
    let exam = state.store.exam(attempt.exam).await?;
    let given = state.store.answers(attempt.id).await?;
    let questions = questions_of(&state, &attempt).await?;
    let mut sitting = Vec::new();
    let mut review = Vec::new();
    for (position, (item, question)) in attempt.items.iter().zip(questions).enumerate() {
        let answer = given.iter().find(|a| a.position == position);
        let response = answer.map(|a| &a.response);
        if attempt.is_open() {
            sitting.push(sitting_view(
                t,
                position,
                &question,
                &item.options,
                response,
            ));
        } else {
            review.push(review_view(
                t,
                &question,
                &item.options,
                response,
                answer.and_then(|a| a.grade),
            ));
        }
    }
    let right = review.iter().filter(|q| q.full).count();
    // Answers given and not fully right: the mistake book's new entries.
    let missed = review
        .iter()
        .filter(|q| [t.verdict_wrong, t.verdict_partial].contains(&q.verdict.1))
        .count();
    let tally = fill(
        t.right_of_total,
        &[("right", &right), ("total", &review.len())],
    );
    let result = attempt.score.map(|score| {
        let passed = score.passes(exam.test.pass_mark);
        let mut line = fill(t.test_score, &[("percent", &score.percent())]);
        line.push_str(" · ");
        line.push_str(if passed { t.test_passed } else { t.test_failed });
        if score.pending > 0 {
            line.push_str(" · ");
            line.push_str(&fill(t.test_pending, &[("n", &score.pending)]));
        }
        (line, passed)
    });
    Ok(AttemptPage {
        chrome: Chrome::for_user(page, &user, &paths::attempt(id)),
        title: exam.test.title,
        action: paths::attempt(id),
        deadline: local(t, attempt.deadline),
        deadline_iso: attempt.deadline.to_rfc3339(),
        now_iso: state.now().to_rfc3339(),
        confirm_hand_in: match unanswered(&attempt, &given) {
            left if left > 0 && attempt.is_open() && query.confirm == Some(1) => {
                Some(fill(t.unanswered_confirm, &[("count", &left)]))
            }
            _ => None,
        },
        sitting,
        result,
        tally,
        missed,
        review_label: fill(t.review_mistakes, &[("n", &missed)]),
        review,
    })
}

/// What the page's inputs for one question say, as the API's answer.
pub(crate) fn answer_from_form(
    code: &str,
    values: &[&str],
) -> Result<Option<AnswerJson>, WebError> {
    let bad = |v: &str| WebError::Invalid(format!("\"{v}\" is not an answer to this question"));
    let values: Vec<&str> = values
        .iter()
        .copied()
        .filter(|v| !v.trim().is_empty())
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(match code {
        "single" | "multiple" => AnswerJson::Choices {
            choices: values
                .iter()
                .map(|v| v.parse::<usize>().map_err(|_| bad(v)))
                .collect::<Result<_, _>>()?,
        },
        "true_false" => AnswerJson::Truth {
            value: match values[0] {
                "true" => true,
                "false" => false,
                other => return Err(bad(other)),
            },
        },
        _ => AnswerJson::Text {
            text: values.join("\n"),
        },
    }))
}

/// Saves what a form's inputs (`field`) say for the question at
/// `position`, if they say anything.
async fn save_from_form(
    state: &AppState,
    attempt: &Attempt,
    position: usize,
    fields: &[(String, String)],
    field: &str,
) -> Result<(), WebError> {
    let item = attempt
        .items
        .get(position)
        .ok_or_else(|| WebError::Invalid(format!("there is no question {position}")))?;
    let values: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == field)
        .map(|(_, v)| v.as_str())
        .collect();
    let question = state.store.question(item.question).await?.question;
    if let Some(sent) = answer_from_form(question.answer.kind().code(), &values)? {
        let response = to_response(sent, &item.options)?;
        save(state, attempt, position, response).await?;
    }
    Ok(())
}

/// Saves the answers the form carries; submits when asked to.
async fn save_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let attempt = own_attempt(&state, &user.principal, id).await?;
    let now = state.now();
    if attempt.is_open() && now <= attempt.deadline {
        for position in 0..attempt.items.len() {
            save_from_form(&state, &attempt, position, &fields, &format!("q{position}")).await?;
        }
    }
    if !fields.iter().any(|(k, v)| k == "action" && v == "submit") {
        return Ok(done(&paths::attempt(id), Notice::AnswersSaved));
    }
    {
        // A hand-in with questions unanswered is asked once, while there
        // is time to answer them.
        let confirmed = fields.iter().any(|(k, v)| k == "confirmed" && v == "1");
        let given = state.store.answers(attempt.id).await?;
        if !confirmed && now <= attempt.deadline && unanswered(&attempt, &given) > 0 {
            return Ok(Redirect::to(&paths::attempt_hand_in(id)).into_response());
        }
        state
            .store
            .submit_attempt(attempt.id, now.min(attempt.deadline))
            .await?;
    }
    Ok(Redirect::to(&paths::attempt(id)).into_response())
}

/// Saves one question's answer as it is given (the page's script).
async fn save_one_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, position)): Path<(i64, usize)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<StatusCode, WebError> {
    let attempt = own_attempt(&state, &user.principal, id).await?;
    save_from_form(&state, &attempt, position, &fields, "v").await?;
    Ok(StatusCode::NO_CONTENT)
}
