//! The mistake book: each wrong answer comes back for review when it is
//! due (FSRS), is practised one at a time, and is rescheduled by how the
//! practice went.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::exams::{AnswerJson, answer_from_form, right_text, to_response};
use crate::i18n::{Texts, fill};
use crate::questions::{kind_name, letter};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::PRACTICE, get(practice_page))
        .route("/practice/{question}", post(practise))
}

/// The question being practised, or how it went.
struct PracticeView {
    action: String,
    kind: &'static str,
    code: &'static str,
    text: String,
    /// Index, letter, text.
    options: Vec<(usize, char, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice.html")]
struct PracticePage {
    chrome: Chrome,
    /// How many are due now, in words.
    due_line: String,
    question: Option<PracticeView>,
    /// After an answer: whether it was right, what is right, the
    /// explanation, the source.
    outcome: Option<(bool, String, String, Option<String>)>,
}

async fn practice_view(
    state: &AppState,
    t: &'static Texts,
    member: suyuan_core::members::MemberId,
) -> Result<(String, Option<PracticeView>), WebError> {
    let due = state.store.due_mistakes(member, state.now(), 100).await?;
    let due_line = fill(t.mistakes_due, &[("n", &due.len())]);
    let Some(first) = due.first() else {
        return Ok((due_line, None));
    };
    let question = state.store.question(first.question).await?.question;
    Ok((
        due_line,
        Some(PracticeView {
            action: paths::practise(first.question.0),
            kind: kind_name(t, question.answer.kind()),
            code: question.answer.kind().code(),
            text: question.text.clone(),
            options: question
                .answer
                .choices()
                .iter()
                .enumerate()
                .map(|(i, c)| (i, letter(i), c.text.clone()))
                .collect(),
        }),
    ))
}

async fn practice_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<PracticePage, WebError> {
    let lang = page.lang;
    let (due_line, question) = practice_view(&state, lang.texts(), user.member.id).await?;
    Ok(PracticePage {
        chrome: Chrome::for_user(page, &user, paths::PRACTICE),
        due_line,
        question,
        outcome: None,
    })
}

/// Grades a practised mistake, reschedules it, and shows what is right.
async fn practise(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(question_id): Path<i64>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<PracticePage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let id = suyuan_core::questions::QuestionId(question_id);
    let book = state.store.mistakes(user.member.id).await?;
    if !book.iter().any(|m| m.question == id) {
        return Err(WebError::NotFound);
    }
    let question = state.store.question(id).await?.question;
    let order: Vec<usize> = (0..question.answer.choices().len()).collect();
    let values: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "v")
        .map(|(_, v)| v.as_str())
        .collect();
    let sent =
        answer_from_form(question.answer.kind().code(), &values)?.unwrap_or(AnswerJson::Text {
            text: String::new(),
        });
    let response = to_response(sent, &order)?;
    let graded = state
        .store
        .practise(user.member.id, id, &response, state.now())
        .await?;
    let (due_line, _) = practice_view(&state, t, user.member.id).await?;
    Ok(PracticePage {
        chrome: Chrome::for_user(page, &user, paths::PRACTICE),
        due_line,
        question: None,
        outcome: Some((
            graded.is_full(),
            right_text(t, &question.answer, &order),
            question.explanation.clone(),
            question.excerpt.map(paths::excerpt),
        )),
    })
}
