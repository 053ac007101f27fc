//! The second step of sign-in for those who manage others' data (admins
//! and site managers): setting up an authenticator app, with recovery
//! codes, on `/account/second-factor`; and, once it is on, the code asked
//! for after the password (`/login/code`). Between the two steps the
//! browser holds only a signed cookie naming the member for five minutes;
//! the session starts when the code is taken.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use suyuan_core::access::Role;
use suyuan_core::members::MemberId;
use suyuan_core::second_factor::RecoveryCode;
use suyuan_store::members::Member;
use suyuan_store::second_factor::{Passed, SecondFactor, SecondFactorError};

use crate::auth::{PageUser, start_session};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;
use crate::i18n::fill;
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, qr_svg};
use crate::{AppState, paths};

/// The cookie that carries a sign-in between its two steps.
const STEP_COOKIE: &str = "sy_step";
/// How long the second step waits for its code.
const STEP_WAITS: Duration = Duration::minutes(5);
/// What authenticator apps show the account under.
const ISSUER: &str = "Suyuan";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::LOGIN_CODE, get(step_page).post(step))
        .route(paths::SECOND_FACTOR, get(settings_page))
        .route("/account/second-factor/begin", post(begin))
        .route("/account/second-factor/confirm", post(confirm))
        .route("/account/second-factor/recovery-codes", post(new_codes))
        .route("/account/second-factor/off", post(turn_off))
}

/// Who is offered a second step: the people who see others' data.
pub fn offered(role: Role) -> bool {
    role != Role::Member
}

// ------------------------------------------------------------ signing in

/// After a right password: straight in, or to the second step when the
/// member's app is on.
pub async fn after_password(
    state: &AppState,
    elder: bool,
    jar: CookieJar,
    member: Member,
    next: String,
) -> Result<Response, WebError> {
    if !matches!(
        state.store.second_factor(member.id).await?,
        Some(SecondFactor::On { .. })
    ) {
        return start_session(state, elder, jar, member, next).await;
    }
    let until = state.now() + STEP_WAITS;
    let claim = format!("{}.{}", member.id, until.timestamp());
    let signature = crate::csrf::sign(state, &format!("second-step:{claim}"));
    let jar = jar.add(
        Cookie::build((STEP_COOKIE, format!("{claim}.{signature}")))
            .path("/")
            .build(),
    );
    let to = paths::with_query(paths::LOGIN_CODE, &NextQuery { next: Some(next) });
    Ok((jar, Redirect::to(&to)).into_response())
}

/// The member between the two steps, while the cookie holds.
fn waiting(state: &AppState, jar: &CookieJar, now: DateTime<Utc>) -> Option<MemberId> {
    let value = jar.get(STEP_COOKIE)?.value().to_owned();
    let (claim, signature) = value.rsplit_once('.')?;
    if !crate::csrf::signed(state, &format!("second-step:{claim}"), signature) {
        return None;
    }
    let (member, until) = claim.split_once('.')?;
    let until: i64 = until.parse().ok()?;
    (now.timestamp() < until).then_some(MemberId(member.parse().ok()?))
}

#[derive(Deserialize, serde::Serialize)]
struct NextQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "second_step.html")]
struct StepPage {
    chrome: Chrome,
    next: String,
    error: Option<String>,
}

fn step_page_for(page: Page, next: String, error: Option<String>) -> StepPage {
    StepPage {
        chrome: Chrome::anonymous(page).returning_to(paths::LOGIN),
        next,
        error,
    }
}

async fn step_page(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = crate::auth::safe_next(query.next.as_deref());
    if waiting(&state, &jar, state.now()).is_none() {
        return Redirect::to(paths::LOGIN).into_response();
    }
    step_page_for(page, next, None).into_response()
}

#[derive(Deserialize)]
struct StepForm {
    code: String,
    next: Option<String>,
}

async fn step(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let next = crate::auth::safe_next(form.next.as_deref());
    let Some(member) = waiting(&state, &jar, state.now()) else {
        let page =
            crate::auth::login_page_with(page, next, Some(t.second_factor.step_expired.to_owned()));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    match state
        .store
        .pass_second_factor(member, &form.code, state.now())
        .await
    {
        Ok(passed) => {
            let member = state.store.member(member).await?;
            let jar = jar.remove(Cookie::build(STEP_COOKIE).path("/"));
            // A recovery code spent: the settings say how many are left.
            let next = match passed {
                Passed::AppCode => next,
                Passed::RecoveryCode { .. } => paths::SECOND_FACTOR.to_owned(),
            };
            start_session(&state, page.elder, jar, member, next).await
        }
        Err(SecondFactorError::Code(err)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            step_page_for(page, next, Some(code_error(t, err))),
        )
            .into_response()),
        Err(SecondFactorError::Throttled { retry_after }) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            crate::error::retry_after(retry_after),
            step_page_for(
                page,
                next,
                Some(fill(
                    t.throttled,
                    &[("minutes", &suyuan_store::auth::retry_minutes(retry_after))],
                )),
            ),
        )
            .into_response()),
        Err(err) => Err(err.into()),
    }
}

fn code_error(t: &crate::i18n::Texts, err: suyuan_core::second_factor::CodeError) -> String {
    match err {
        suyuan_core::second_factor::CodeError::Wrong => t.second_factor.wrong.to_owned(),
        suyuan_core::second_factor::CodeError::Used => t.second_factor.used.to_owned(),
    }
}

// ------------------------------------------------------------ setting up

/// Where the settings page stands.
enum Stage {
    Off,
    /// Scanning the QR code and typing the first code.
    Scanning {
        qr: String,
        key: String,
    },
    On {
        recovery_left: String,
    },
    /// Just turned on, or given new codes: shown once.
    Codes(Vec<String>),
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor.html")]
struct SettingsPage {
    chrome: Chrome,
    stage: Stage,
    error: Option<String>,
}

fn staff(user: &PageUser) -> Result<(), WebError> {
    if offered(user.member.role) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

async fn settings_for(
    state: &AppState,
    page: Page,
    user: &PageUser,
    error: Option<String>,
) -> Result<SettingsPage, WebError> {
    let t = page.lang.texts();
    let stage = match state.store.second_factor(user.member.id).await? {
        None => Stage::Off,
        Some(SecondFactor::Pending(secret)) => Stage::Scanning {
            qr: qr_svg(&secret.address(ISSUER, &user.member.number), 220),
            key: secret
                .encoded()
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
        },
        Some(SecondFactor::On { recovery_left }) => Stage::On {
            recovery_left: fill(t.second_factor.recovery_left, &[("n", &recovery_left)]),
        },
    };
    Ok(SettingsPage {
        chrome: Chrome::for_user(page, user, paths::SECOND_FACTOR),
        stage,
        error,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<SettingsPage, WebError> {
    staff(&user)?;
    settings_for(&state, page, &user, None).await
}

async fn begin(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    staff(&user)?;
    state
        .store
        .begin_second_factor(user.member.id, state.now())
        .await?;
    Ok(Redirect::to(&format!("{}#scan", paths::SECOND_FACTOR)).into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

/// The settings page again with what went wrong, or the codes to keep.
async fn with_codes(
    state: &AppState,
    page: Page,
    user: &PageUser,
    outcome: Result<Vec<RecoveryCode>, SecondFactorError>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    match outcome {
        Ok(codes) => {
            let mut shown = settings_for(state, page, user, None).await?;
            shown.stage = Stage::Codes(codes.iter().map(RecoveryCode::shown).collect());
            Ok(shown.into_response())
        }
        Err(SecondFactorError::Code(err)) => {
            let shown = settings_for(state, page, user, Some(code_error(t, err))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

async fn confirm(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    staff(&user)?;
    let outcome = state
        .store
        .confirm_second_factor(user.member.id, &form.code, state.now())
        .await;
    with_codes(&state, page, &user, outcome).await
}

async fn new_codes(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    staff(&user)?;
    let outcome = state
        .store
        .new_recovery_codes(user.member.id, &form.code, state.now())
        .await;
    with_codes(&state, page, &user, outcome).await
}

async fn turn_off(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    staff(&user)?;
    let t = page.lang.texts();
    match state
        .store
        .pass_second_factor(user.member.id, &form.code, state.now())
        .await
    {
        Ok(_) => {
            state.store.remove_second_factor(user.member.id).await?;
            Ok(done(paths::SECOND_FACTOR, Notice::SecondFactorOff))
        }
        Err(SecondFactorError::Code(err)) => {
            let shown = settings_for(&state, page, &user, Some(code_error(t, err))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(err) => Err(err.into()),
    }
}
