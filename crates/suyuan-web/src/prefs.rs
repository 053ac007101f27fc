//! Elder mode (长辈版): larger text and controls, stronger contrast and the
//! simplest navigation, in the spirit of the national 适老化 rules. A
//! visitor's choice is kept in a cookie; a member's is remembered with
//! them too, so that it follows them to every phone they sign in on.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::auth::{MaybeSigned, MaybeUser};
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::{AppState, paths};

pub const MODE_COOKIE: &str = "sy_mode";
const ELDER: &str = "elder";

/// Whether this browser is set to elder mode (before or without signing
/// in); a signed-in member's own choice is on their record.
pub fn elder_in(jar: &CookieJar) -> bool {
    jar.get(MODE_COOKIE).is_some_and(|c| c.value() == ELDER)
}

/// The cookie that keeps the mode on this browser.
pub fn mode_cookie(elder: bool) -> Cookie<'static> {
    Cookie::build((MODE_COOKIE, if elder { ELDER } else { "standard" }))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build()
}

pub fn router() -> Router<AppState> {
    Router::new().route(paths::MODE, post(set_mode))
}

#[derive(Deserialize)]
struct ModeForm {
    /// `elder` or `standard`.
    mode: String,
    next: Option<String>,
}

/// Turns elder mode on or off and returns to the page it was chosen on.
async fn set_mode(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ModeForm>,
) -> Result<Response, WebError> {
    let elder = match form.mode.as_str() {
        ELDER => true,
        "standard" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "mode: {other:?} is neither \"elder\" nor \"standard\""
            )));
        }
    };
    if let Some(user) = &user {
        state
            .store
            .set_elder_mode(user.member.id, elder, state.now())
            .await?;
        state
            .sessions
            .forget(&suyuan_store::auth::SessionChange::Member(user.member.id));
    }
    let next = form
        .next
        .filter(|n| paths::is_local(n))
        .unwrap_or_else(|| paths::HOME.to_owned());
    Ok((jar.add(mode_cookie(elder)), Redirect::to(&next)).into_response())
}
