//! One error type for every handler, one place that maps it to a status,
//! and two renderings: JSON under `/api/`, an HTML page (or a redirect to
//! sign in) everywhere else.

use askama::Template;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use thiserror::Error;

use suyuan_app::AppError;
use suyuan_core::access::Denied;
use suyuan_core::gatherings::ScheduleError;
use suyuan_core::gatherings::photo::PhotoError;
use suyuan_core::library::HeadingError;
use suyuan_core::members::{FieldError, ImportError};
use suyuan_core::reading::{BadMarkId, MarkError, StampError};
use suyuan_core::requests::RequestError;
use suyuan_core::sites::{BookingError, CreditCodeError, HoursError, SiteError};
use suyuan_core::table::TableError;
use suyuan_core::text::TextError;
use suyuan_core::units::UnitError;
use suyuan_search::SearchError;
use suyuan_store::StoreError;
use suyuan_store::auth::SignInError;
use suyuan_store::second_factor::SecondFactorError;

use crate::AppState;
use crate::i18n::lang_of;
use crate::paths;
use crate::views::{Chrome, Page};

#[derive(Debug, Error)]
pub enum WebError {
    #[error("sign in first")]
    SignInRequired,
    #[error("choose a new password first (POST /api/v1/auth/password)")]
    PasswordChangeRequired,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found, or outside your scope")]
    NotFound,
    #[error("the form has expired or did not come from this site; reload it and try again")]
    BadCsrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// Too many tries: the message, and how long to wait.
    #[error("{0}")]
    Throttled(String, chrono::Duration),
    #[error("internal error")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::SignInRequired => StatusCode::UNAUTHORIZED,
            WebError::PasswordChangeRequired | WebError::Forbidden(_) | WebError::BadCsrf => {
                StatusCode::FORBIDDEN
            }
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Throttled(..) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::SignInRequired => "unauthenticated",
            WebError::PasswordChangeRequired => "password_change_required",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound => "not_found",
            WebError::BadCsrf => "bad_csrf",
            WebError::BadRequest(_) => "bad_request",
            WebError::Invalid(_) => "invalid",
            WebError::Conflict(_) => "conflict",
            WebError::Throttled(..) => "too_many_requests",
            WebError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for WebError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Conflict(message) => WebError::Conflict(message),
            StoreError::Invalid(message) => WebError::Invalid(message),
            StoreError::Import(err) => err.into(),
            StoreError::Booking(
                err @ (BookingError::Full { .. } | BookingError::Route(_) | BookingError::NotFull),
            ) => WebError::Conflict(err.to_string()),
            StoreError::Booking(err) => WebError::Invalid(err.to_string()),
            StoreError::Request(err) => err.into(),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<BookingError> for WebError {
    fn from(err: BookingError) -> Self {
        StoreError::Booking(err).into()
    }
}

impl From<RequestError> for WebError {
    /// A step the request's state does not allow conflicts with where it
    /// stands; the rest are bad input.
    fn from(err: RequestError) -> Self {
        match err {
            RequestError::NotNow(_)
            | RequestError::SendBackTooLate
            | RequestError::ReopenTooLate
            | RequestError::ExtensionPending
            | RequestError::NoExtensionAsked => WebError::Conflict(err.to_string()),
            other => WebError::Invalid(other.to_string()),
        }
    }
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid(message) => WebError::Invalid(message),
            AppError::Files(_) => WebError::Invalid(err.to_string()),
            AppError::NotFound => WebError::NotFound,
            AppError::Store(err) => err.into(),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<SignInError> for WebError {
    fn from(err: SignInError) -> Self {
        match err {
            SignInError::WrongCredentials => WebError::Invalid(err.to_string()),
            SignInError::Throttled { retry_after } => {
                WebError::Throttled(err.to_string(), retry_after)
            }
            SignInError::Store(err) => err.into(),
        }
    }
}

impl From<SecondFactorError> for WebError {
    fn from(err: SecondFactorError) -> Self {
        match err {
            SecondFactorError::Throttled { retry_after } => {
                WebError::Throttled(err.to_string(), retry_after)
            }
            SecondFactorError::Store(err) => err.into(),
            SecondFactorError::Code(_) | SecondFactorError::NotSetUp => {
                WebError::Invalid(err.to_string())
            }
        }
    }
}

/// `From` for errors that become one variant with their own message.
macro_rules! from_errors {
    ($variant:ident: $($error:ty),* $(,)?) => {$(
        impl From<$error> for WebError {
            fn from(err: $error) -> Self {
                WebError::$variant(err.to_string())
            }
        }
    )*};
}

// The input broke one of core's rules: 422, with a message that names the
// field, line or file.
from_errors!(Invalid:
    ImportError,
    UnitError,
    FieldError,
    BadMarkId,
    MarkError,
    StampError,
    ScheduleError,
    TextError,
    PhotoError,
    HeadingError,
    SiteError,
    HoursError,
    CreditCodeError,
);

// Something failed on our side: 500, logged with its cause and shown as a
// generic message.
from_errors!(Internal:
    SearchError,
    TableError,
    serde_json::Error,
    tokio::task::JoinError,
    tokio::sync::AcquireError,
);

/// A request axum could not read (a body, a form, a multipart part): 400
/// with what was wrong.
macro_rules! bad_request {
    ($($rejection:ty),* $(,)?) => {$(
        impl From<$rejection> for WebError {
            fn from(err: $rejection) -> Self {
                WebError::BadRequest(err.body_text())
            }
        }
    )*};
}

bad_request!(
    axum::extract::rejection::BytesRejection,
    axum::extract::rejection::FormRejection,
    axum::extract::multipart::MultipartRejection,
    axum::extract::multipart::MultipartError,
);

from_errors!(BadRequest: serde_urlencoded::de::Error);

from_errors!(Forbidden: Denied);

/// The `Retry-After` header every 429 carries: how long until a try may
/// pass, in whole seconds (at least one).
pub fn retry_after(wait: chrono::Duration) -> [(header::HeaderName, header::HeaderValue); 1] {
    let seconds = (wait.num_milliseconds().max(0) + 999) / 1000;
    [(
        header::RETRY_AFTER,
        header::HeaderValue::from(seconds.max(1)),
    )]
}

/// What a failed response carries until `render_errors` renders it.
#[derive(Debug, Clone)]
struct Failure {
    code: &'static str,
    message: String,
    sign_in: bool,
    change_password: bool,
    retry_after: Option<chrono::Duration>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let failure = Failure {
            code: self.code(),
            message: self.to_string(),
            sign_in: matches!(self, WebError::SignInRequired),
            change_password: matches!(self, WebError::PasswordChangeRequired),
            retry_after: match &self {
                WebError::Throttled(_, wait) => Some(*wait),
                _ => None,
            },
        };
        let mut response = self.status().into_response();
        response.extensions_mut().insert(failure);
        response
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: String,
}

/// Renders failures for whoever asked: JSON for the API, a page or a
/// redirect for people — a page with a signed-in person's own header
/// when the route got as far as knowing who they are.
pub async fn render_errors(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let witness = crate::audit::Witness::default();
    request.extensions_mut().insert(witness.clone());
    // The header's forms (sign out, elder mode) carry the token a page
    // would: kept cheaply, made only when an error page is rendered.
    let token_seed = crate::csrf::TokenSeed::of(&request);
    let lang = lang_of(request.headers());
    let elder = crate::prefs::elder_in(&axum_extra::extract::CookieJar::from_headers(
        request.headers(),
    ));
    let here = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let failure = match response.extensions().get::<Failure>().cloned() {
        Some(failure) => failure,
        None if is_plain_error(&response) => rejection(response).await,
        None => return response,
    };
    let wait = failure.retry_after.map(retry_after);
    if is_api {
        let body = ErrorBody {
            error: ErrorDetail {
                code: failure.code,
                message: &failure.message,
            },
        };
        let mut json = (status, wait, Json(body)).into_response();
        if failure.sign_in {
            json.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return json;
    }
    if failure.sign_in {
        return Redirect::to(&paths::login_then(&here)).into_response();
    }
    if failure.change_password {
        return Redirect::to(paths::PASSWORD).into_response();
    }
    let t = lang.texts();
    let message = match failure.code {
        "not_found" => t.not_found.to_owned(),
        "forbidden" => t.forbidden.to_owned(),
        "bad_csrf" => t.bad_csrf.to_owned(),
        "internal" => t.internal_error.to_owned(),
        _ => failure.message,
    };
    let page = Page {
        lang,
        csrf: token_seed.token(&state),
        notice: None,
        elder,
    };
    let chrome = match witness.seen() {
        Some((user, elder)) => Chrome::for_member(page, user, elder, &here),
        None => Chrome::anonymous(page),
    };
    let page = ErrorPage { chrome, message };
    match page.render() {
        Ok(html) => (status, wait, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(%err, "cannot render the error page");
            status.into_response()
        }
    }
}

/// An error response that did not come from `WebError`: one of axum's
/// extractor rejections (a malformed JSON body, a path id that is not a
/// number), which it writes as plain text.
fn is_plain_error(response: &Response) -> bool {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    (response.status().is_client_error() || response.status().is_server_error()) && plain
}

async fn rejection(response: Response) -> Failure {
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    Failure {
        code,
        message,
        sign_in: false,
        change_password: false,
        retry_after: None,
    }
}
