//! The public quiz: no account, a nickname if one likes, `QUIZ_LENGTH`
//! questions drawn from the public bank, graded at once with the
//! explanation and the article each answer rests on. A quiz is reached by
//! its code (`/quiz/{code}`), which only its taker has.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use suyuan_core::library::Visibility;
use suyuan_core::public::{QUIZ_LENGTH, nickname, score};
use suyuan_core::questions::{Grade, QuestionId, grade};
use suyuan_core::requests::TrackingCode;
use suyuan_store::StoreError;
use suyuan_store::public::{PublicQuiz, QuizAnswer};
use suyuan_store::throttle::Limit;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::exams::{
    ReviewView, SittingView, answer_from_form, review_view, sitting_view, to_response,
};
use crate::i18n::{Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, chrome};
use crate::visitors::ClientAddress;
use crate::{AppState, paths};

/// Quizzes one address may start in an hour: a class or an office behind
/// one address takes many; a script is stopped.
const PER_ADDRESS: Limit = Limit {
    events: 120,
    within: chrono::Duration::hours(1),
};

pub struct Intro {
    /// Questions in the public bank.
    available: usize,
    /// Questions a quiz will have.
    length: usize,
    nickname: String,
    error: Option<String>,
}

pub struct Sitting {
    action: String,
    nickname: Option<String>,
    questions: Vec<SittingView>,
    /// Asked once when some questions have no answer.
    confirm: Option<String>,
}

pub struct Outcome {
    nickname: Option<String>,
    score_line: String,
    tally: String,
    review: Vec<ReviewView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz.html")]
pub struct QuizPage {
    chrome: Chrome,
    intro: Option<Intro>,
    sitting: Option<Sitting>,
    outcome: Option<Outcome>,
}

async fn intro(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    nickname: String,
    error: Option<String>,
) -> Result<QuizPage, WebError> {
    let available = state.store.public_question_ids().await?.len();
    Ok(QuizPage {
        chrome: chrome(page, user, paths::QUIZ),
        intro: Some(Intro {
            available,
            length: available.min(QUIZ_LENGTH),
            nickname,
            error,
        }),
        sitting: None,
        outcome: None,
    })
}

pub async fn intro_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<QuizPage, WebError> {
    intro(&state, page, &user, String::new(), None).await
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    nickname: String,
}

/// `count` of `ids`, drawn at random (all of them when there are fewer).
fn draw(mut ids: Vec<QuestionId>, count: usize) -> Result<Vec<QuestionId>, WebError> {
    // Fisher–Yates, from the operating system's randomness.
    for i in (1..ids.len()).rev() {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)
            .map_err(|e| WebError::Invalid(format!("no randomness to draw with: {e}")))?;
        let j = (u64::from_le_bytes(bytes) % (i as u64 + 1)) as usize;
        ids.swap(i, j);
    }
    ids.truncate(count);
    Ok(ids)
}

pub async fn start(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<StartForm>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let name = match nickname(&form.nickname) {
        Ok(name) => name,
        Err(_) => {
            let error = fill(
                t.public.err_nickname,
                &[("limit", &suyuan_core::public::NICKNAME_LIMIT)],
            );
            let page = intro(&state, page, &user, form.nickname, Some(error)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let keys = [(format!("quiz-address:{address}"), PER_ADDRESS)];
    if let Some(wait) = state.store.within_limits(&keys, state.now()).await? {
        let error = Some(t.public.err_too_many_quizzes.to_owned());
        let page = intro(&state, page, &user, form.nickname, error).await?;
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            crate::error::retry_after(wait),
            page,
        )
            .into_response());
    }
    let ids = draw(state.store.public_question_ids().await?, QUIZ_LENGTH)?;
    if ids.is_empty() {
        let page = intro(&state, page, &user, form.nickname, None).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let quiz = state
        .store
        .start_public_quiz(name, &ids, state.now())
        .await?;
    Ok(Redirect::to(&paths::quiz(&quiz.code)).into_response())
}

async fn quiz_of(state: &AppState, code: &str) -> Result<PublicQuiz, WebError> {
    let code = TrackingCode::parse(code).ok_or(WebError::NotFound)?;
    Ok(state.store.public_quiz(&code).await?)
}

/// A question's options in the bank's order: the public quiz shows them
/// as they were written.
fn bank_order(question: &suyuan_core::questions::Question) -> Vec<usize> {
    (0..question.answer.choices().len()).collect()
}

/// Where each question's answer rests: its excerpt's link and name, when
/// everyone may read it.
async fn sources(
    state: &AppState,
    questions: &[suyuan_core::questions::Question],
) -> Result<Vec<Option<(String, String)>>, WebError> {
    let mut out = Vec::with_capacity(questions.len());
    for question in questions {
        let mut source = None;
        if let Some(id) = question.excerpt
            && let Ok(excerpt) = state.store.excerpt(id).await
        {
            let collection = state.store.collection(excerpt.collection).await?;
            if collection.visibility == Visibility::Public {
                let name = format!("{} {}", collection.display_title, excerpt.label);
                source = Some((paths::excerpt(excerpt.id), name.trim().to_owned()));
            }
        }
        out.push(source);
    }
    Ok(out)
}

fn outcome(
    t: &Texts,
    quiz: &PublicQuiz,
    questions: &[suyuan_core::questions::Question],
    sources: Vec<Option<(String, String)>>,
) -> Option<Outcome> {
    let result = quiz.result.as_ref()?;
    let review: Vec<ReviewView> = questions
        .iter()
        .zip(&result.answers)
        .zip(sources)
        .map(|((question, answer), source)| {
            let mut view = review_view(
                t,
                question,
                &bank_order(question),
                answer.response.as_ref(),
                answer.grade,
            );
            view.set_source(source);
            view
        })
        .collect();
    let right = review.iter().filter(|q| q.full).count();
    Some(Outcome {
        nickname: quiz.nickname.clone(),
        score_line: fill(t.public.quiz_score, &[("score", &result.score)]),
        tally: fill(
            t.right_of_total,
            &[("right", &right), ("total", &review.len())],
        ),
        review,
    })
}

/// The quiz as it is answered, with what was given so far (nothing on
/// its first showing).
fn sitting(
    t: &Texts,
    quiz: &PublicQuiz,
    questions: &[suyuan_core::questions::Question],
    given: &[QuizAnswer],
    confirm: Option<String>,
) -> Sitting {
    Sitting {
        action: paths::quiz(&quiz.code),
        nickname: quiz.nickname.clone(),
        questions: questions
            .iter()
            .enumerate()
            .map(|(position, q)| {
                let response = given.get(position).and_then(|a| a.response.as_ref());
                sitting_view(t, position, q, &bank_order(q), response)
            })
            .collect(),
        confirm,
    }
}

pub async fn quiz_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(code): Path<String>,
) -> Result<QuizPage, WebError> {
    let t = page.lang.texts();
    let quiz = quiz_of(&state, &code).await?;
    let questions = state.store.quiz_questions(&quiz).await?;
    let here = paths::quiz(&quiz.code);
    if quiz.result.is_some() {
        let sources = sources(&state, &questions).await?;
        return Ok(QuizPage {
            chrome: chrome(page, &user, &here),
            intro: None,
            sitting: None,
            outcome: outcome(t, &quiz, &questions, sources),
        });
    }
    Ok(QuizPage {
        chrome: chrome(page, &user, &here),
        intro: None,
        sitting: Some(sitting(t, &quiz, &questions, &[], None)),
        outcome: None,
    })
}

pub async fn hand_in(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(code): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let quiz = quiz_of(&state, &code).await?;
    let here = paths::quiz(&quiz.code);
    if quiz.result.is_some() {
        return Ok(Redirect::to(&here).into_response());
    }
    let questions = state.store.quiz_questions(&quiz).await?;
    let mut answers = Vec::with_capacity(questions.len());
    for (position, question) in questions.iter().enumerate() {
        let name = format!("q{position}");
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        let response = match answer_from_form(question.answer.kind().code(), &values)? {
            Some(sent) => Some(to_response(sent, &bank_order(question))?),
            None => None,
        };
        let grade = response.as_ref().map(|r| grade(&question.answer, r));
        answers.push(QuizAnswer { response, grade });
    }
    let unanswered = answers.iter().filter(|a| a.response.is_none()).count();
    let confirmed = fields.iter().any(|(k, v)| k == "confirmed" && v == "1");
    if unanswered > 0 && !confirmed {
        // Asked once, with what was given kept in the form.
        return Ok(QuizPage {
            chrome: chrome(page, &user, &here),
            intro: None,
            sitting: Some(sitting(
                t,
                &quiz,
                &questions,
                &answers,
                Some(fill(t.unanswered_confirm, &[("count", &unanswered)])),
            )),
            outcome: None,
        }
        .into_response());
    }
    let grades: Vec<Grade> = answers
        .iter()
        .map(|a| a.grade.unwrap_or(Grade::Scored(0.0)))
        .collect();
    let score = score(&grades);
    let now = state.now();
    let day = now
        .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
        .date_naive();
    let handed = match state
        .store
        .finish_public_quiz(&quiz.code, &answers, score, day, now)
        .await
    {
        Ok(quiz) => quiz,
        // Sent twice (a double tap): the first counted; say its score.
        Err(StoreError::Conflict(_)) => state.store.public_quiz(&quiz.code).await?,
        Err(err) => return Err(err.into()),
    };
    let score = handed.result.map_or(score, |r| r.score);
    Ok(done(
        &format!("{here}#result"),
        Notice::QuizHandedIn { score },
    ))
}

#[derive(Deserialize)]
pub struct PublishForm {
    /// Question ids, comma-separated.
    ids: String,
    /// `publish` or `withdraw`.
    action: String,
    next: Option<String>,
}

/// Publishes questions of the admin's bank to the public quiz, or takes
/// them out: the admins of a top unit only.
pub async fn publish(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<PublishForm>,
) -> Result<Response, WebError> {
    if !user.principal.speaks_for_all() {
        return Err(WebError::Forbidden(
            "only the admins of a top unit publish questions to the public".into(),
        ));
    }
    let ids = form
        .ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map(QuestionId)
                .map_err(|_| WebError::BadRequest(format!("ids: {s:?} is not a question id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unit = user.principal.unit_id;
    let notice = match form.action.as_str() {
        "publish" => {
            let count = state
                .store
                .publish_questions(unit, &ids, user.member.id, state.now())
                .await?;
            Notice::QuestionsPublished { count }
        }
        "withdraw" => {
            let count = state.store.withdraw_questions(unit, &ids).await?;
            Notice::QuestionsWithdrawn {
                count: usize::try_from(count).unwrap_or(usize::MAX),
            }
        }
        other => {
            return Err(WebError::BadRequest(format!(
                "action: {other:?} is neither \"publish\" nor \"withdraw\""
            )));
        }
    };
    let next = form
        .next
        .filter(|n| paths::is_local(n))
        .unwrap_or_else(|| paths::QUESTIONS.to_owned());
    Ok(done(&next, notice))
}
