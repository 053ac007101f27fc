//! Reading without a network: the service worker (`/sw.js`, our own, at
//! the site's root so that it serves every page) and the page it shows
//! for a page the phone did not keep. What it keeps and when is said in
//! `static/sw.js`; the readings finished offline are kept and sent again
//! by `static/app.js`. What a phone keeps is one person's: signing out
//! clears it, and so does another person signing in (`sy_who` says whose
//! it was).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use crate::AppState;
use crate::views::{Chrome, Page};

const WORKER: &str = include_str!("../static/sw.js");

const WHO_COOKIE: &str = "sy_who";

/// What the browser is told to forget: the pages the worker kept and the
/// readings waiting to be sent.
pub const CLEAR_SITE_DATA: (&str, HeaderValue) = (
    "clear-site-data",
    HeaderValue::from_static("\"cache\", \"storage\""),
);

/// On signing in: whether the phone kept another person's pages (then
/// they are cleared), and the jar that says whose they are now.
pub fn signed_in(
    state: &AppState,
    jar: CookieJar,
    member: suyuan_core::members::MemberId,
) -> (CookieJar, bool) {
    let who = crate::csrf::sign(state, &format!("who:{}", member.0));
    let other = jar.get(WHO_COOKIE).is_some_and(|c| c.value() != who);
    let cookie = Cookie::build((WHO_COOKIE, who))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), other)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(worker))
        .route("/offline", get(offline_page))
}

/// The worker, carrying this build's version: a new build's worker
/// replaces the old and the phone drops the files the old one kept.
async fn worker() -> Response {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    let script = SCRIPT.get_or_init(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (env!("CARGO_PKG_VERSION"), crate::ops::ASSETS_FINGERPRINT).hash(&mut hasher);
        WORKER.hash(&mut hasher);
        WORKER.replace("__VERSION__", &format!("{:016x}", hasher.finish()))
    });
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers look for a new worker at least daily; never later.
            (CACHE_CONTROL, "no-cache"),
        ],
        script.as_str(),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "offline.html")]
struct OfflinePage {
    chrome: Chrome,
}

async fn offline_page(page: Page) -> OfflinePage {
    OfflinePage {
        chrome: Chrome::anonymous(page),
    }
}
