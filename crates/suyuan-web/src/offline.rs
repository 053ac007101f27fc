//! Reading without a network: the service worker (`/sw.js`, our own, at
//! the site's root so that it serves every page) and the page it shows
//! for a page the phone did not keep. What it keeps and when is said in
//! `static/sw.js`; the readings finished offline are kept and sent again
//! by `static/app.js`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use crate::AppState;
use crate::views::{Chrome, Page};

const WORKER: &str = include_str!("../static/sw.js");

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
