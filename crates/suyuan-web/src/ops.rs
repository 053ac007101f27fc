//! Operations: `/healthz`, `/metrics` (Prometheus), the OpenAPI document,
//! static files and request metrics.

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::AppState;

const STYLE: &str = include_str!("../static/style.css");
const BOOKLET: &str = include_str!("../static/booklet.css");
const READING_SCRIPT: &str = include_str!("../static/reading.js");
const ATTEMPT_SCRIPT: &str = include_str!("../static/attempt.js");
const PICKS_SCRIPT: &str = include_str!("../static/picks.js");
const SPEAK_SCRIPT: &str = include_str!("../static/speak.js");
const SHARE_SCRIPT: &str = include_str!("../static/share.js");
const APP_SCRIPT: &str = include_str!("../static/app.js");
const ICON_SVG: &str = include_str!("../static/icon.svg");
const ICON_192: &[u8] = include_bytes!("../static/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../static/icon-512.png");

/// What the static files are, for the service worker's version: a change
/// to any of them makes phones fetch them again.
pub const ASSETS_FINGERPRINT: [&[u8]; 11] = [
    STYLE.as_bytes(),
    READING_SCRIPT.as_bytes(),
    ATTEMPT_SCRIPT.as_bytes(),
    PICKS_SCRIPT.as_bytes(),
    SPEAK_SCRIPT.as_bytes(),
    SHARE_SCRIPT.as_bytes(),
    APP_SCRIPT.as_bytes(),
    ICON_SVG.as_bytes(),
    ICON_192,
    ICON_512,
    include_bytes!("../templates/offline.html"),
];

pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()) }),
        )
        .route("/static/style.css", get(|| async { css(STYLE) }))
        .route("/static/booklet.css", get(|| async { css(BOOKLET) }))
        .route(
            "/static/reading.js",
            get(|| async { script(READING_SCRIPT) }),
        )
        .route(
            "/static/attempt.js",
            get(|| async { script(ATTEMPT_SCRIPT) }),
        )
        .route("/static/picks.js", get(|| async { script(PICKS_SCRIPT) }))
        .route("/static/app.js", get(|| async { script(APP_SCRIPT) }))
        .route("/static/speak.js", get(|| async { script(SPEAK_SCRIPT) }))
        .route("/static/share.js", get(|| async { script(SHARE_SCRIPT) }))
        .route(
            "/static/icon.svg",
            get(|| async { asset("image/svg+xml", ICON_SVG) }),
        )
        .route(
            "/static/icon-192.png",
            get(|| async { asset("image/png", ICON_192) }),
        )
        .route(
            "/static/icon-512.png",
            get(|| async { asset("image/png", ICON_512) }),
        )
        .route("/manifest.webmanifest", get(manifest))
}

/// The web app manifest: what a phone needs to put Suyuan on its home
/// screen, named in the visitor's language.
async fn manifest(headers: axum::http::HeaderMap) -> Response {
    let lang = crate::i18n::lang_of(&headers);
    let t = lang.texts();
    let body = serde_json::json!({
        "name": format!("{} · {}", t.app_name, t.tagline),
        "short_name": t.app_name,
        "lang": lang.html(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fbf8f3",
        "theme_color": "#b3261e",
        "icons": [
            { "src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" },
        ],
    });
    (
        [
            (CONTENT_TYPE, "application/manifest+json"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// Routes that do nothing, through the whole middleware stack: the HTTP
/// stack's limit, which `suyuan bench` compares scenarios with. Mounted
/// only by `App::build_for_bench`, never on a served instance.
pub fn noop() -> Router<AppState> {
    async fn nothing() -> StatusCode {
        StatusCode::NO_CONTENT
    }
    async fn read_and_drop(_body: axum::body::Bytes) -> StatusCode {
        StatusCode::NO_CONTENT
    }
    Router::new().route("/api/v1/noop", get(nothing).post(read_and_drop))
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(err) => {
            tracing::error!(%err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The process-wide recorder; several apps in one process (tests) share it.
fn prometheus() -> &'static Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &buckets,
            )
            .and_then(|builder| builder.install_recorder())
            .map_err(|err| tracing::warn!(%err, "metrics are off"))
            .ok()
    })
}

async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    request: Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if !crate::security::may_read_metrics(&state, &headers, peer) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match prometheus() {
        Some(handle) => (
            [(CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn css(text: &'static str) -> Response {
    asset("text/css; charset=utf-8", text)
}

fn script(text: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", text)
}

fn asset(content_type: &'static str, text: impl IntoResponse) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
        .into_response()
}

/// Counts requests and times them, labelled by route (not by raw path, so
/// that ids do not explode the label set).
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let _ = prometheus();
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
