//! Suyuan's HTTP interface: HTML pages for people, the JSON API under
//! `/api/v1` for scripts, sign-in and sessions, i18n, and operations
//! endpoints. Handlers are thin: parse, authorize, call the store, render.

mod api;
mod audit;
mod auth;
mod campaigns;
mod compilations;
mod csrf;
mod dates;
mod error;
mod exams;
mod gatherings;
mod home;
mod i18n;
mod library;
mod members;
mod mistakes;
mod notice;
mod offline;
mod ops;
mod outbound;
mod paths;
mod pledges;
mod prefs;
pub mod progress;
mod public;
mod questions;
mod reading;
mod reminders;
mod requests;
mod search;
mod second_factor;
mod security;
mod sites;
mod units;
mod views;
mod visitors;

use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use suyuan_core::clock::Clock;
use suyuan_search::SearchIndex;
use suyuan_store::Store;

pub use auth::ApiPace;
pub use error::WebError;
pub use security::Policy as SecurityPolicy;

pub use i18n::Lang;

pub use outbound::OutboundSettings;
pub use pledges::Round as PledgeRound;
pub use reminders::Round;
pub use requests::Round as RequestRound;

/// What every handler may reach: one shared value, so that handing it to
/// each request and middleware is one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of `AppState`, reached through it.
pub struct Shared {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub search: Arc<SearchIndex>,
    /// The open requests by their text, for "someone asked this already".
    pub requests_index: suyuan_search::requests::RequestIndex,
    catalog: library::Catalog,
    books: reading::Books,
    sessions: auth::SessionCache,
    marks: suyuan_store::reading::MarkWriter,
    outbox: outbound::Outbox,
    csrf_key: Box<[u8]>,
    /// When organizations that book and do not come are held.
    no_shows: suyuan_core::sites::NoShowRule,
    /// The public collections' readers counted today.
    readers: public::readers::Counted,
    /// Where the site is published, and who may read its metrics.
    security: security::Policy,
    /// Each API token's calls, kept to its pace.
    api_pacer: auth::ApiPacer,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] suyuan_store::StoreError),
    #[error(transparent)]
    Search(#[from] suyuan_search::SearchError),
    #[error("{0}")]
    Settings(String),
}

/// How often an instance looks for evening reminders that are due.
const REMINDERS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// How often an instance looks for library changes that another instance
/// (or the command line) made, to bring its search index up to date.
const SEARCH_CATCH_UP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// What an instance is started with beyond its store, clock and index.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where mail and group robots' messages go out, and which private
    /// networks they may reach.
    pub outbound: OutboundSettings,
    /// When organizations that book sites and do not come are held.
    pub no_shows: suyuan_core::sites::NoShowRule,
    /// The public URL (cookies and HSTS behind TLS) and who may read
    /// `/metrics`.
    pub security: security::Policy,
    /// How fast one API token may call (`None`: no limit).
    pub api_pace: Option<auth::ApiPace>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            outbound: Default::default(),
            no_shows: Default::default(),
            security: Default::default(),
            api_pace: Some(ApiPace::default()),
        }
    }
}

/// What the router holds beyond the product.
#[derive(Clone, Copy)]
enum Mounted {
    Product,
    WithBench,
}

/// The whole application, ready to serve.
pub struct App {
    router: Router,
    state: AppState,
}

impl App {
    /// Builds the router and brings the search index up to date. Secrets
    /// shared by all instances (the CSRF key) come from the database, so
    /// that any instance can check a form another one rendered.
    pub async fn build(
        store: Store,
        clock: Arc<dyn Clock>,
        search: Arc<SearchIndex>,
    ) -> Result<Self, StartError> {
        Self::build_with(store, clock, search, &Settings::default()).await
    }

    /// `build`, with its settings: the channels messages go out through,
    /// and the hold on organizations that do not come.
    pub async fn build_with(
        store: Store,
        clock: Arc<dyn Clock>,
        search: Arc<SearchIndex>,
        settings: &Settings,
    ) -> Result<Self, StartError> {
        Self::assemble(store, clock, search, settings, Mounted::Product).await
    }

    /// `build`, with the no-op routes `suyuan bench` measures the HTTP
    /// stack by.
    pub async fn build_for_bench(
        store: Store,
        clock: Arc<dyn Clock>,
        search: Arc<SearchIndex>,
    ) -> Result<Self, StartError> {
        Self::assemble(
            store,
            clock,
            search,
            &Settings::default(),
            Mounted::WithBench,
        )
        .await
    }

    async fn assemble(
        store: Store,
        clock: Arc<dyn Clock>,
        search: Arc<SearchIndex>,
        settings: &Settings,
        mounted: Mounted,
    ) -> Result<Self, StartError> {
        let outbox = outbound::Outbox::new(&settings.outbound).await?;
        let csrf_key = store.secret("csrf").await?;
        search.catch_up(&store).await?;
        let requests_index = suyuan_search::requests::RequestIndex::in_memory()?;
        requests_index.catch_up(&store).await?;
        let state = AppState(Arc::new(Shared {
            marks: store.mark_writer(),
            sessions: auth::SessionCache::new(&store),
            outbox,
            store,
            clock,
            search,
            requests_index,
            catalog: Default::default(),
            books: Default::default(),
            csrf_key: csrf_key.into_bytes().into_boxed_slice(),
            no_shows: settings.no_shows,
            readers: Default::default(),
            security: settings.security.clone(),
            api_pacer: auth::ApiPacer::new(match mounted {
                Mounted::Product => settings.api_pace,
                Mounted::WithBench => None,
            }),
        }));
        let (api_router, mut openapi) = api::router().split_for_parts();
        api::complete(&mut openapi);
        let openapi = Arc::new(openapi);
        let router = Router::new()
            .merge(home::router())
            .merge(auth::router())
            .merge(second_factor::router())
            .merge(units::router())
            .merge(audit::router())
            .merge(members::router())
            .merge(library::router())
            .merge(prefs::router())
            .merge(offline::router())
            .merge(public::router())
            .merge(compilations::router())
            .merge(search::router())
            .merge(reading::router())
            .merge(campaigns::router())
            .merge(questions::router())
            .merge(exams::router())
            .merge(mistakes::router())
            .merge(gatherings::router())
            .merge(progress::router())
            .merge(sites::router())
            .merge(pledges::router())
            .merge(requests::router())
            .merge(requests::open311())
            .merge(api_router)
            .merge(ops::router(openapi));
        let router = match mounted {
            Mounted::Product => router,
            Mounted::WithBench => router.merge(ops::noop()),
        };
        let router = router
            // A route layer sees the matched route, which labels metrics.
            .route_layer(axum::middleware::from_fn(ops::track_metrics))
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                audit::record,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                error::render_errors,
            ))
            .layer(axum::middleware::from_fn(csrf::ensure_cookie))
            .layer(axum::middleware::from_fn(notice::clear_once_shown))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                security::headers,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(
                members::MAX_UPLOAD_BYTES,
            ))
            .layer(TraceLayer::new_for_http())
            .with_state(state.clone());
        Ok(Self { router, state })
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Every path the router serves (`/units/{id}`), for the sweeps that
    /// try each route. axum lists its routes only in its description of
    /// the router, so they are read from there: each path appears there
    /// once, as the id its route was given (`RouteId(7): "/units/{id}"`).
    pub fn route_paths(&self) -> Vec<String> {
        let described = format!("{:?}", self.router);
        let mut paths: Vec<String> = described
            .split("RouteId(")
            .filter_map(|part| part.split_once("): \"")?.1.split_once('"'))
            .map(|(path, _)| path.to_owned())
            // axum's own catch-all for the fallback is not a route of ours.
            .filter(|path| path.starts_with('/') && !path.contains("__private__axum"))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Signs opening stamps as this server hands them out with excerpts
    /// to read (member, excerpt, time): for a load generator that plays
    /// members who opened their reading earlier.
    pub fn stamper(
        &self,
    ) -> impl Fn(
        suyuan_core::members::MemberId,
        suyuan_core::library::ExcerptId,
        chrono::DateTime<chrono::Utc>,
    ) -> String
    + Send
    + Sync
    + 'static {
        let state = self.state.clone();
        move |member, excerpt, at| reading::opening_stamp(&state, member, excerpt, at)
    }

    /// Submits the attempts whose time is up (the server does this every
    /// few seconds; tests call it to not wait).
    pub async fn submit_overdue(&self) -> Result<usize, WebError> {
        exams::submit_overdue(&self.state).await
    }

    /// Closes the gatherings that have ended, filling in "absent" (the
    /// server does this every half minute by itself).
    pub async fn close_gatherings(&self) -> Result<usize, WebError> {
        gatherings::close_ended(&self.state).await
    }

    /// Marks the no-shows of ended slots and lapses offers that were not
    /// taken up (the server does this every half minute by itself).
    pub async fn close_bookings(&self) -> Result<u64, WebError> {
        sites::close_ended(&self.state).await
    }

    /// Counts the pledges that became overdue and reminds pledgers whose
    /// deadline is near (the server does this every minute by itself).
    pub async fn pledge_round(&self) -> Result<PledgeRound, WebError> {
        pledges::sweep(&self.state).await
    }

    /// Resolves lapsed answers, escalates requests past a deadline and
    /// reminds units ahead of one (the server does this every minute by
    /// itself).
    pub async fn request_round(&self) -> Result<RequestRound, WebError> {
        requests::sweep(&self.state).await
    }

    /// Runs the evening reminders that are due now (the server does this
    /// every half minute by itself).
    pub async fn remind_now(&self) -> Result<Round, WebError> {
        reminders::remind(&self.state).await
    }

    /// Serves until `shutdown` completes, then lets requests in flight
    /// finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let reminding_state = state.clone();
        let catching_up = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(SEARCH_CATCH_UP_EVERY);
            loop {
                ticks.tick().await;
                if let Err(err) = state.search.catch_up(&state.store).await {
                    tracing::warn!(%err, "the search index could not catch up");
                }
                if let Err(err) = state.requests_index.catch_up(&state.store).await {
                    tracing::warn!(%err, "the requests index could not catch up");
                }
                state.api_pacer.forget_quiet();
            }
        });
        let reminding = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REMINDERS_EVERY);
            loop {
                ticks.tick().await;
                match reminders::remind(&reminding_state).await {
                    Ok(round) if round.campaigns > 0 => {
                        tracing::info!(?round, "evening reminders sent")
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(%err, "the evening reminders failed"),
                }
            }
        });
        let sweeping_state = self.state.clone();
        let sweeping = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(exams::SWEEP_EVERY);
            loop {
                ticks.tick().await;
                match exams::submit_overdue(&sweeping_state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(attempts = n, "attempts submitted at their deadline"),
                    Err(err) => tracing::warn!(%err, "overdue attempts could not be submitted"),
                }
            }
        });
        let closing_state = self.state.clone();
        let closing = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(gatherings::CLOSE_EVERY);
            loop {
                ticks.tick().await;
                match gatherings::close_ended(&closing_state).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(gatherings = n, "gatherings closed, absences filled in")
                    }
                    Err(err) => tracing::warn!(%err, "ended gatherings could not be closed"),
                }
            }
        });
        let booking_state = self.state.clone();
        let booking_sweep = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(sites::CLOSE_EVERY);
            loop {
                ticks.tick().await;
                match sites::close_ended(&booking_state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(bookings = n, "no-shows marked"),
                    Err(err) => tracing::warn!(%err, "ended bookings could not be closed"),
                }
            }
        });
        let pledge_state = self.state.clone();
        let pledge_sweep = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(pledges::SWEEP_EVERY);
            loop {
                ticks.tick().await;
                match pledges::sweep(&pledge_state).await {
                    Ok(round) if round == pledges::Round::default() => {}
                    Ok(round) => tracing::info!(?round, "pledges counted and reminded"),
                    Err(err) => tracing::warn!(%err, "the pledge round failed"),
                }
            }
        });
        let request_state = self.state.clone();
        let request_sweep = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(requests::SWEEP_EVERY);
            loop {
                ticks.tick().await;
                match requests::sweep(&request_state).await {
                    Ok(round) if round == requests::Round::default() => {}
                    Ok(round) => tracing::info!(?round, "requests resolved, escalated, reminded"),
                    Err(err) => tracing::warn!(%err, "the request round failed"),
                }
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        catching_up.abort();
        reminding.abort();
        sweeping.abort();
        closing.abort();
        booking_sweep.abort();
        pledge_sweep.abort();
        request_sweep.abort();
        served
    }
}
