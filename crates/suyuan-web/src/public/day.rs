//! National Constitution Day (December 4): its page, with what the admins
//! of a top unit say there and whether the front page leads to it; and the
//! figures of public participation by day.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;

use suyuan_core::campaigns::DEFAULT_ZONE;
use suyuan_core::library::Visibility;
use suyuan_core::public::{DayFigures, Feature, every_day, next_constitution_day};
use suyuan_store::public::CONSTITUTION_DAY;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, chrome};
use crate::{AppState, paths};

/// The first National Constitution Day was in 2014.
const FIRST_YEAR: i32 = 2014;

/// Days the participation page shows before today.
const DAYS_SHOWN: u64 = 30;

/// A day's figures as a page shows them.
pub struct FiguresRow {
    pub day: String,
    pub readers: u64,
    pub quizzes: u64,
    /// "—" on a day without quizzes: no data, not 0.
    pub average: String,
}

fn row(t: &Texts, figures: &DayFigures) -> FiguresRow {
    FiguresRow {
        day: crate::dates::day(t, figures.day),
        readers: figures.readers,
        quizzes: figures.quizzes,
        average: figures
            .average()
            .map_or_else(|| "—".to_owned(), |a| a.to_string()),
    }
}

/// 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st: for the English page.
fn ordinal(n: i32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn today(state: &AppState) -> NaiveDate {
    state.now().with_timezone(&DEFAULT_ZONE).date_naive()
}

/// The Constitution as the public reads it, if the library holds it
/// publicly.
pub async fn constitution_href(state: &AppState) -> Result<Option<String>, WebError> {
    Ok(state
        .store
        .collections()
        .await?
        .into_iter()
        .find(|c| c.title == "中华人民共和国宪法" && c.visibility == Visibility::Public)
        .map(|c| paths::collection(c.id)))
}

/// The Constitution Day page's headline, when an admin features it on the
/// front page.
pub async fn featured_day(state: &AppState, t: &Texts) -> Result<Option<String>, WebError> {
    Ok(state
        .store
        .public_feature(CONSTITUTION_DAY)
        .await?
        .filter(|f| f.featured)
        .map(|f| headline(t, &f)))
}

fn headline(t: &Texts, feature: &Feature) -> String {
    if feature.headline.is_empty() {
        t.public.day_title.to_owned()
    } else {
        feature.headline.clone()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "constitution_day.html")]
pub struct DayPage {
    chrome: Chrome,
    headline: String,
    /// "2026年12月4日 · 第13个国家宪法日".
    which: String,
    message: Vec<String>,
    constitution: Option<String>,
    /// That day's figures, once it has come.
    figures: Option<FiguresRow>,
    /// For the admins of a top unit: the form, as saved or as sent.
    editor: Option<Editor>,
}

pub struct Editor {
    headline: String,
    message: String,
    featured: bool,
    error: Option<String>,
}

async fn day_view(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    editor: Option<Editor>,
) -> Result<DayPage, WebError> {
    let t = page.lang.texts();
    let today = today(state);
    // The day to show: the one just past (for a month after it, with its
    // figures), else the coming one.
    let coming = next_constitution_day(today);
    let past = NaiveDate::from_ymd_opt(coming.year() - 1, 12, 4).filter(|_| coming != today);
    let day = match past {
        Some(past) if (today - past).num_days() <= 31 => past,
        _ => coming,
    };
    let feature = state
        .store
        .public_feature(CONSTITUTION_DAY)
        .await?
        .unwrap_or_default();
    let figures = state.store.public_days(day, day).await?;
    let editor = match editor {
        Some(editor) => Some(editor),
        None => user
            .as_ref()
            .filter(|u| u.principal.speaks_for_all())
            .map(|_| Editor {
                headline: feature.headline.clone(),
                message: feature.message.clone(),
                featured: feature.featured,
                error: None,
            }),
    };
    let message = if feature.message.is_empty() {
        vec![t.public.day_default.to_owned()]
    } else {
        feature
            .message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(DayPage {
        headline: headline(t, &feature),
        which: fill(
            t.public.day_which,
            &[
                ("date", &crate::dates::day(t, day)),
                ("year", &day.year()),
                ("n", &(day.year() - FIRST_YEAR + 1)),
                ("nth", &ordinal(day.year() - FIRST_YEAR + 1)),
            ],
        ),
        message,
        constitution: constitution_href(state).await?,
        figures: every_day(day, day, &figures)
            .first()
            .filter(|_| day <= today)
            .map(|f| row(t, f)),
        editor,
        chrome: chrome(page, user, paths::CONSTITUTION_DAY),
    })
}

pub async fn day_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<DayPage, WebError> {
    day_view(&state, page, &user, None).await
}

#[derive(Deserialize)]
pub struct FeatureForm {
    #[serde(default)]
    headline: String,
    #[serde(default)]
    message: String,
    featured: Option<String>,
}

/// Saves what the page says and whether the front page leads to it.
pub async fn save_feature(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<FeatureForm>,
) -> Result<Response, WebError> {
    if !user.principal.speaks_for_all() {
        return Err(WebError::Forbidden(
            "only the admins of a top unit change what the public is told".into(),
        ));
    }
    let t = page.lang.texts();
    let featured = form.featured.is_some();
    match Feature::new(&form.headline, &form.message, featured) {
        Ok(feature) => {
            state
                .store
                .set_public_feature(CONSTITUTION_DAY, &feature, user.member.id, state.now())
                .await?;
            Ok(done(
                &format!("{}#editor", paths::CONSTITUTION_DAY),
                Notice::FeatureSaved,
            ))
        }
        Err(err) => {
            let error = match err {
                suyuan_core::text::TextError::TooLong { field, limit } => fill(
                    if field == "headline" {
                        t.public.err_headline
                    } else {
                        t.public.err_message
                    },
                    &[("limit", &limit)],
                ),
                other => other.to_string(),
            };
            let editor = Editor {
                headline: form.headline,
                message: form.message,
                featured,
                error: Some(error),
            };
            let page = day_view(&state, page, &Some(user), Some(editor)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "participation.html")]
pub struct ParticipationPage {
    chrome: Chrome,
    today: FiguresRow,
    /// The days before today, the latest first.
    days: Vec<FiguresRow>,
}

pub async fn participation_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<ParticipationPage, WebError> {
    let t = page.lang.texts();
    let today = today(&state);
    let from = today
        .checked_sub_days(Days::new(DAYS_SHOWN))
        .unwrap_or(today);
    let known = state.store.public_days(from, today).await?;
    // From the first day anything was counted: the days before are no
    // data, not zeros.
    let mut days: Vec<FiguresRow> = every_day(from, today, &known)
        .iter()
        .skip_while(|f| f.day < today && f.readers == 0 && f.quizzes == 0)
        .map(|f| row(t, f))
        .collect();
    let today_row = days.pop().unwrap_or_else(|| {
        row(
            t,
            &DayFigures {
                day: today,
                ..DayFigures::default()
            },
        )
    });
    days.reverse();
    Ok(ParticipationPage {
        chrome: chrome(page, &user, paths::PARTICIPATION),
        today: today_row,
        days,
    })
}
