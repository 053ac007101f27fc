//! The question bank: the admins' page (browse, import, export, the
//! template) and `GET /api/v1/questions`.

mod proposals;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_app::AppError;
use suyuan_app::questions::{import_questions, skipped_note};
use suyuan_core::access::Principal;
use suyuan_core::questions::{Answer, Choice, Format, Kind, Question, Scoring};
use suyuan_core::units::UnitId;
use suyuan_store::questions::{BankQuestion, Owners, QuestionFilter};

use crate::auth::{ApiUser, PageUser};
use crate::csrf::CsrfMultipart;
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::views::{Chrome, Page, Pager};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::QUESTIONS, get(bank_page))
        // The import form is on the bank's page; its address leads there.
        .route(
            paths::IMPORT_QUESTIONS,
            get(|| async { Redirect::to(&format!("{}#import", paths::QUESTIONS)) })
                .post(import_upload),
        )
        .route(paths::EXPORT_QUESTIONS, get(export))
        .route(paths::QUESTIONS_TEMPLATE, get(template))
        .route(paths::PROPOSALS, get(proposals::proposals_page))
        .route(paths::GENERATE_QUESTIONS, post(proposals::generate))
        .route(paths::ACCEPT_PROPOSALS, post(proposals::accept_many))
        .route("/questions/{id}/accept", post(proposals::accept))
        .route("/questions/{id}/drop", post(proposals::drop))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_questions))
}

pub fn kind_name(t: &Texts, kind: Kind) -> &'static str {
    match kind {
        Kind::Single => t.kind_single,
        Kind::Multiple => t.kind_multiple,
        Kind::TrueFalse => t.kind_true_false,
        Kind::Blank => t.kind_blank,
        Kind::Short => t.kind_short,
    }
}

/// Option letters, as members see them.
pub fn letter(index: usize) -> char {
    char::from(b'A' + (index as u8).min(25))
}

// ---------------------------------------------------------------- pages

/// One question as the bank page shows it to an admin.
struct QuestionView {
    id: i64,
    /// For the admins of a top unit, of their own questions that may be
    /// public: whether it is in the public quiz.
    public: Option<bool>,
    kind: &'static str,
    category: String,
    difficulty: u8,
    text: String,
    /// Options with their letter and whether they are right.
    choices: Vec<(char, String, bool)>,
    /// The right answer in words (true/false, accepted words, a model).
    answer: String,
    explanation: String,
    tags: String,
}

fn view(t: &Texts, id: i64, question: &Question) -> QuestionView {
    let answer = match &question.answer {
        Answer::Single { .. } | Answer::Multiple { .. } => String::new(),
        Answer::TrueFalse { correct, .. } => {
            if *correct { t.true_word } else { t.false_word }.to_owned()
        }
        Answer::Blank { .. } => crate::exams::typed_answers(t, &question.answer).join(" | "),
        Answer::Short { model } => model.clone().unwrap_or_default(),
    };
    QuestionView {
        id,
        public: None,
        kind: kind_name(t, question.answer.kind()),
        category: question.category.clone(),
        difficulty: question.difficulty.level(),
        text: question.text.clone(),
        choices: question
            .answer
            .choices()
            .iter()
            .enumerate()
            .map(|(i, c)| (letter(i), c.text.clone(), c.is_right()))
            .collect(),
        answer,
        explanation: question.explanation.clone(),
        tags: question.tags.join(" · "),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "questions.html")]
struct BankPage {
    chrome: Chrome,
    scope: String,
    total_label: String,
    categories: Vec<(String, u64, String)>,
    category: Option<String>,
    questions: Vec<QuestionView>,
    /// The filters as chosen, to show them.
    query: BankQuery,
    kinds: Vec<(&'static str, &'static str)>,
    pager: Pager,
    outcome: Option<String>,
    /// What the import left out, one note a line.
    notes: Vec<String>,
    error: Option<String>,
    formats: Vec<(&'static str, String)>,
    templates: Vec<(&'static str, String)>,
    /// For the admins of a top unit: this page's questions that may be
    /// published and are not yet (ids, comma-separated), and the page's
    /// address to come back to.
    publishing: Option<(String, String)>,
}

/// The bank's filters, in the address so that each view can be shared.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct BankQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
}

impl BankQuery {
    /// The bank's address with these filters, at `page`.
    fn href(&self, page: u64) -> String {
        let view = BankQuery {
            page: Some(page).filter(|p| *p > 1),
            ..self.clone()
        };
        paths::with_query(paths::QUESTIONS, &view)
    }
}

const PAGE_SIZE: u64 = 50;

/// The page asked for of the questions a filter finds, `size` to a page.
pub async fn page_of_questions(
    state: &AppState,
    t: &Texts,
    filter: &QuestionFilter,
    (asked, size): (Option<u64>, u64),
    href: impl Fn(u64) -> String,
) -> Result<(Pager, u64, Vec<BankQuestion>), WebError> {
    Pager::load(t, asked, size, href, |offset| {
        let filter = QuestionFilter {
            offset,
            limit: size,
            ..filter.clone()
        };
        async move { Ok(state.store.questions(&filter).await?) }
    })
    .await
}

/// The bank an admin works with: their unit's own questions and those
/// shared from above.
fn bank_of(principal: &Principal, category: Option<String>) -> QuestionFilter {
    QuestionFilter {
        category: category.filter(|c| !c.is_empty()),
        ..QuestionFilter::bank(Owners::SeenFrom(principal.unit_path.clone()))
    }
}

async fn bank_view(
    state: &AppState,
    page: Page,
    user: &PageUser,
    query: BankQuery,
) -> Result<BankPage, WebError> {
    let t = page.lang.texts();
    let filter = QuestionFilter {
        text: Some(query.q.clone()),
        kind: Kind::parse(&query.kind),
        ..bank_of(&user.principal, query.category.clone())
    };
    let (pager, total, questions) =
        page_of_questions(state, t, &filter, (query.page, PAGE_SIZE), |p| {
            query.href(p)
        })
        .await?;
    let mut views: Vec<QuestionView> = questions
        .iter()
        .map(|q| view(t, q.id.0, &q.question))
        .collect();
    let publishing = if user.principal.speaks_for_all() {
        let ids: Vec<_> = questions.iter().map(|q| q.id).collect();
        let public = state.store.public_among(&ids).await?;
        let mut unpublished = Vec::new();
        for (view, q) in views.iter_mut().zip(&questions) {
            if q.owner == user.principal.unit_id
                && suyuan_core::public::may_be_public(&q.question.answer)
            {
                let is_public = public.contains(&q.id);
                view.public = Some(is_public);
                if !is_public {
                    unpublished.push(q.id.0.to_string());
                }
            }
        }
        Some((unpublished.join(","), query.href(pager.page)))
    } else {
        None
    };
    let categories = state
        .store
        .question_categories(&bank_of(&user.principal, None))
        .await?
        .into_iter()
        .map(|(name, n)| {
            let href = paths::questions_in(&name);
            (name, n, href)
        })
        .collect();
    Ok(BankPage {
        chrome: Chrome::for_user(page, user, paths::QUESTIONS),
        scope: state.store.unit(user.principal.unit_id).await?.name,
        total_label: fill(t.questions_total, &[("total", &total)]),
        categories,
        category: filter.category.clone(),
        questions: views,
        publishing,
        kinds: Kind::ALL
            .into_iter()
            .map(|kind| (kind.code(), kind_name(t, kind)))
            .collect(),
        pager,
        query,
        outcome: None,
        notes: Vec::new(),
        error: None,
        formats: Format::ALL
            .into_iter()
            .map(|f| {
                (
                    format_name(f),
                    paths::export_questions(f.code(), filter.category.as_deref()),
                )
            })
            .collect(),
        templates: [Format::Xlsx, Format::Csv]
            .into_iter()
            .map(|f| (format_name(f), paths::questions_template(f.code())))
            .collect(),
    })
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Gift => "GIFT",
        Format::MoodleXml => "Moodle XML",
        Format::Csv => "CSV",
        Format::Xlsx => "XLSX",
    }
}

async fn bank_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Query(query): Query<BankQuery>,
) -> Result<BankPage, WebError> {
    user.principal.must_be_admin()?;
    bank_view(&state, page, &user, query).await
}

/// The format of an uploaded file: as chosen, or from its name.
fn format_of(chosen: &str, file_name: &str) -> Option<Format> {
    Format::parse(chosen).or_else(|| {
        let name = file_name.to_lowercase();
        if name.ends_with(".xml") {
            Some(Format::MoodleXml)
        } else if name.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".gift") || name.ends_with(".txt") {
            Some(Format::Gift)
        } else {
            None
        }
    })
}

/// An uploaded file of questions joins the admin's unit's bank: all or
/// nothing.
async fn import_upload(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let lang = page.lang;
    user.principal.must_be_admin()?;
    let t = lang.texts();
    let upload = form.files.all("file").next();
    let outcome = match upload {
        None => Err(t.choose_files.to_owned()),
        Some(upload) => match format_of(
            form.fields.get("format").map_or("", String::as_str),
            &upload.file_name,
        ) {
            None => Err(format!(
                "{}: {}",
                upload.file_name, t.question_format_unknown
            )),
            Some(format) => match import_questions(
                &state.store,
                &upload.file_name,
                &upload.bytes,
                format,
                user.principal.unit_id,
                form.fields.get("category").map(String::as_str),
                state.now(),
            )
            .await
            {
                Ok(imported) => Ok((
                    fill(
                        t.questions_imported,
                        &[
                            ("added", &imported.added.added),
                            ("already", &imported.added.already),
                        ],
                    ),
                    imported
                        .skipped
                        .iter()
                        .map(|s| skipped_note(t, s))
                        .collect(),
                )),
                Err(AppError::Invalid(reason)) => Err(reason),
                Err(other) => return Err(other.into()),
            },
        },
    };
    let mut page = bank_view(&state, page, &user, BankQuery::default()).await?;
    let status = match outcome {
        Ok((message, notes)) => {
            page.outcome = Some(message);
            page.notes = notes;
            StatusCode::OK
        }
        Err(error) => {
            page.error = Some(format!("{}\n{error}", t.nothing_imported));
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    format: String,
    category: Option<String>,
}

fn download(format: Format, name: &str, bytes: Vec<u8>) -> Response {
    crate::views::attachment(
        format.content_type(),
        &format!("{name}.{}", format.extension()),
        bytes,
    )
}

/// The bank (or one category of it) as a file.
async fn export(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let format = Format::parse(&query.format).ok_or_else(|| {
        WebError::Invalid(format!(
            "format \"{}\" is not gift, moodle-xml, csv or xlsx",
            query.format
        ))
    })?;
    let questions: Vec<Question> = state
        .store
        .all_questions(&bank_of(&user.principal, query.category))
        .await?
        .into_iter()
        .map(|q| q.question)
        .collect();
    Ok(download(format, "questions", format.write(&questions)))
}

/// The CSV/XLSX template: its header and one example of each kind.
async fn template(user: PageUser, Query(query): Query<ExportQuery>) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let format = match Format::parse(&query.format) {
        Some(format @ (Format::Csv | Format::Xlsx)) => format,
        _ => {
            return Err(WebError::Invalid(
                "the template comes as csv or xlsx".into(),
            ));
        }
    };
    Ok(download(
        format,
        "questions-template",
        format.write(&examples()),
    ))
}

fn examples() -> Vec<Question> {
    let with = |mut question: Question, explanation: &str| {
        question.category = "宪法".into();
        question.explanation = explanation.into();
        question
    };
    vec![
        with(
            Question::new(
                "中华人民共和国的一切权力属于谁？",
                Answer::Single {
                    choices: vec![
                        Choice::right("人民"),
                        Choice::wrong("国家机关"),
                        Choice::wrong("全国人民代表大会"),
                    ],
                },
            ),
            "宪法第二条。",
        ),
        with(
            Question::new(
                "下列属于公民基本权利的是",
                Answer::Multiple {
                    choices: suyuan_core::questions::weigh_choices(
                        vec!["选举权".into(), "宗教信仰自由".into(), "依法纳税".into()],
                        &[0, 1].into(),
                        Scoring::AllOrNothing,
                    ),
                    scoring: Scoring::AllOrNothing,
                },
            ),
            "依法纳税是公民的基本义务。",
        ),
        with(
            Question::new(
                "宪法是国家的根本法。",
                Answer::TrueFalse {
                    correct: true,
                    if_true: None,
                    if_false: None,
                },
            ),
            "",
        ),
        with(
            Question::new(
                "宪法的修改，由____以全体代表的三分之二以上的多数通过。",
                Answer::Blank {
                    accepted: vec!["全国人民代表大会".into(), "全国人大".into()],
                    partial: Vec::new(),
                },
            ),
            "宪法第六十四条。",
        ),
        with(
            Question::new(
                "谈谈你对宪法宣誓制度的理解。",
                Answer::Short { model: None },
            ),
            "",
        ),
    ]
}

// ---------------------------------------------------------------- the API

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QuestionsQuery {
    /// The unit whose bank is listed: its own questions and those shared
    /// down from the units above it.
    unit: i64,
    category: Option<String>,
    /// single, multiple, true_false, blank or short
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    offset: u64,
    /// At most 500 (default 100).
    limit: Option<u64>,
}

/// A question as the API lists it. Members see the question and its
/// options; admins also see what is right.
#[derive(Serialize, ToSchema)]
pub struct QuestionJson {
    id: i64,
    /// single, multiple, true_false, blank or short
    #[serde(rename = "type")]
    kind: &'static str,
    category: String,
    title: Option<String>,
    text: String,
    /// The options of a choice question, in order (A, B, …).
    choices: Vec<String>,
    tags: Vec<String>,
    difficulty: u8,
    owner_unit_id: i64,
    excerpt_id: Option<i64>,
    /// The full answer (options with weights, accepted words); admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    answer: Option<serde_json::Value>,
    /// Admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<String>,
}

fn question_json(stored: BankQuestion, with_answer: bool) -> QuestionJson {
    let question = stored.question;
    QuestionJson {
        id: stored.id.0,
        kind: question.answer.kind().code(),
        category: question.category,
        title: question.title,
        text: question.text,
        choices: question
            .answer
            .choices()
            .iter()
            .map(|c| c.text.clone())
            .collect(),
        tags: question.tags,
        difficulty: question.difficulty.level(),
        owner_unit_id: stored.owner.0,
        excerpt_id: question.excerpt.map(|e| e.0),
        answer: with_answer
            .then(|| serde_json::to_value(&question.answer).ok())
            .flatten(),
        explanation: with_answer.then_some(question.explanation),
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuestionList {
    total: u64,
    questions: Vec<QuestionJson>,
}

/// A unit's question bank, as the caller may see it: anyone of the unit
/// (or an admin above it) sees the questions; only admins see answers.
#[utoipa::path(get, path = "/api/v1/questions", tag = "questions", security(("bearer" = [])),
    params(QuestionsQuery), responses((status = 200, body = QuestionList)))]
async fn api_questions(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<QuestionsQuery>,
) -> Result<Json<QuestionList>, WebError> {
    let unit = state.store.unit(UnitId(query.unit)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    let kind = match query.kind.as_deref() {
        None | Some("") => None,
        Some(code) => Some(Kind::parse(code).ok_or_else(|| {
            WebError::Invalid(format!(
                "type \"{code}\" is not single, multiple, true_false, blank or short"
            ))
        })?),
    };
    let filter = QuestionFilter {
        category: query.category.filter(|c| !c.is_empty()),
        kind,
        offset: query.offset,
        limit: query.limit.unwrap_or(100).clamp(1, 500),
        ..QuestionFilter::bank(Owners::SeenFrom(unit.path))
    };
    let (total, questions) = state.store.questions(&filter).await?;
    let with_answers = user.principal.is_admin();
    Ok(Json(QuestionList {
        total,
        questions: questions
            .into_iter()
            .map(|q| question_json(q, with_answers))
            .collect(),
    }))
}
