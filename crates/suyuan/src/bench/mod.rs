//! `suyuan bench`: measures the platform against its own limits. It makes
//! (or reuses) a data set, starts the real server in this process on a
//! loopback port, drives it with a bounded load, and reports each
//! scenario beside the baselines measured in the same run: the HTTP
//! stack's (no-op GET and POST) and the database's (raw batched inserts).

mod dashboard;
mod data;
mod evening;
mod history;
mod load;
mod requests;
mod rush;
mod year;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::Full;
use hyper::Request;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use suyuan_app::library::import_material;

use suyuan_core::clock::{Clock, SystemClock};
use suyuan_store::auth::SessionKind;
use suyuan_store::{Location, Store};
use suyuan_web::App;

use load::{MakeRequest, Measured};

#[derive(Args)]
pub struct BenchArgs {
    /// Scenarios to run: noop, tree, home, sign-in, search, import,
    /// reading-peak, test-evening, dashboard, booking-rush, requests
    /// (default: all but test-evening, dashboard, booking-rush and
    /// requests).
    scenarios: Vec<String>,
    /// The SQLite data directory, kept between runs so that data sets are reused.
    #[arg(long, default_value = "suyuan-bench-data")]
    data_dir: PathBuf,
    /// Bench PostgreSQL at this URL instead.
    #[arg(long, env = "SUYUAN_DATABASE_URL")]
    database_url: Option<String>,
    /// Members in the data set.
    #[arg(long, default_value_t = 3_000)]
    members: usize,
    /// Branches in the data set (default: one per 30 members); the tree
    /// above them has about a tenth as many units again.
    #[arg(long)]
    units: Option<usize>,
    /// How long each scenario runs (in each round).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Runs the scenarios this many times in turn and reports each over
    /// all its rounds, so that a scenario and its baselines share the
    /// machine's ups and downs (the import and the test evening run once).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Also write the results to this file as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Study material for the search and import scenarios (for example
    /// the statute corpus); without it, the demo's short sample.
    #[arg(long)]
    material: Option<PathBuf>,
    /// Reading marks the table holds before the morning peak starts (at
    /// most what every member reads of the storage campaign before today).
    #[arg(long, default_value_t = 100_000)]
    marks: usize,
    /// Concurrent clients at the morning peak (many phones at once; the
    /// writer commits what they send together).
    #[arg(long, default_value_t = 512)]
    peak_clients: usize,
    /// Members signed in for the morning peak (at most the data set's).
    #[arg(long, default_value_t = 20_000)]
    peak_members: usize,
    /// Members who sit the test evening's test (the data set needs
    /// about a tenth more members than this).
    #[arg(long, default_value_t = 10_000)]
    sitters: usize,
    /// On the test evening, seconds a member thinks before each answer
    /// (on average); 0 sits members back to back, `--evening-clients` at
    /// a time, to find the capacity.
    #[arg(long, default_value_t = 10.0)]
    think_seconds: f64,
    /// On the test evening, the seconds over which members open the test.
    #[arg(long, default_value_t = 60.0)]
    arrival_seconds: f64,
    /// Members sitting back to back at once (with `--think-seconds 0`).
    #[arg(long, default_value_t = 100)]
    evening_clients: usize,
    /// In the booking rush, the groups racing for one day's 300 places.
    #[arg(long, default_value_t = 2_000)]
    rush_clients: usize,
    /// In the booking rush, the seconds over which the groups arrive.
    #[arg(long, default_value_t = 10.0)]
    rush_seconds: f64,
    /// Days of generated reading behind the dashboards.
    #[arg(long, default_value_t = 30)]
    history_days: i64,
    /// Only make the data set (the bench runs itself with this, so that
    /// generating data does not count in the server's memory).
    #[arg(long, hide = true)]
    prepare_only: bool,
}

/// One measurement, and what it is compared with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    NoopGet,
    NoopPost,
    DbInsert,
    Tree,
    Home,
    SignIn,
    SearchLike,
    SearchIndex,
    Search,
    Import,
    MarkInsert,
    PeakNoopPost,
    ReadingPeak,
    TestEvening,
    ProvinceGroupBy,
    DistrictGroupBy,
    ProvinceDashboard,
    DistrictDashboard,
    BookingRush,
    RequestSubmit,
    RequestTrack,
}

impl Scenario {
    const ALL: [Scenario; 21] = [
        Scenario::NoopGet,
        Scenario::NoopPost,
        Scenario::DbInsert,
        Scenario::Tree,
        Scenario::Home,
        Scenario::SignIn,
        Scenario::SearchLike,
        Scenario::SearchIndex,
        Scenario::Search,
        Scenario::Import,
        Scenario::MarkInsert,
        Scenario::PeakNoopPost,
        Scenario::ReadingPeak,
        Scenario::TestEvening,
        Scenario::ProvinceGroupBy,
        Scenario::DistrictGroupBy,
        Scenario::ProvinceDashboard,
        Scenario::DistrictDashboard,
        Scenario::BookingRush,
        Scenario::RequestSubmit,
        Scenario::RequestTrack,
    ];

    fn name(self) -> &'static str {
        match self {
            Scenario::NoopGet => "noop-get",
            Scenario::NoopPost => "noop-post",
            Scenario::DbInsert => "db-insert",
            Scenario::Tree => "tree",
            Scenario::Home => "home",
            Scenario::SignIn => "sign-in",
            Scenario::SearchLike => "search-like",
            Scenario::SearchIndex => "search-index",
            Scenario::Search => "search",
            Scenario::Import => "import",
            Scenario::MarkInsert => "mark-insert",
            Scenario::PeakNoopPost => "peak-noop-post",
            Scenario::ReadingPeak => "reading-peak",
            Scenario::TestEvening => "test-evening",
            Scenario::ProvinceGroupBy => "province-group-by",
            Scenario::DistrictGroupBy => "district-group-by",
            Scenario::ProvinceDashboard => "province-dashboard",
            Scenario::DistrictDashboard => "district-dashboard",
            Scenario::BookingRush => "booking-rush",
            Scenario::RequestSubmit => "request-submit",
            Scenario::RequestTrack => "request-track",
        }
    }

    /// Sent by the morning peak's clients (`--peak-clients`).
    fn is_peak(self) -> bool {
        matches!(self, Scenario::ReadingPeak | Scenario::PeakNoopPost)
    }

    /// Whether it runs in every round: the import and the test evening
    /// are one whole event each, not a rate over a slice of time.
    fn repeats(self) -> bool {
        !matches!(
            self,
            Scenario::Import | Scenario::TestEvening | Scenario::BookingRush
        )
    }

    /// What a scenario is compared with: the lowest of these (in the run).
    fn baselines(self) -> &'static [Scenario] {
        match self {
            Scenario::NoopGet
            | Scenario::DbInsert
            | Scenario::SearchLike
            | Scenario::MarkInsert
            | Scenario::ProvinceGroupBy
            | Scenario::DistrictGroupBy => &[],
            // The summaries against the same figure grouped from the raw
            // marks, in the same run.
            Scenario::ProvinceDashboard => &[Scenario::ProvinceGroupBy],
            Scenario::DistrictDashboard => &[Scenario::DistrictGroupBy],
            // Held to its own figure: each answer's save, after commit.
            Scenario::TestEvening => &[],
            // Held to its own figures: exactly the day's places booked,
            // no refusal but "full", and the p99 of every answer.
            Scenario::BookingRush => &[],
            Scenario::NoopPost
            | Scenario::Tree
            | Scenario::Home
            | Scenario::Search
            | Scenario::RequestTrack => &[Scenario::NoopGet],
            // A visitor's form, every check on, against the HTTP stack's
            // POST.
            Scenario::RequestSubmit => &[Scenario::NoopPost],
            // What the peak's many clients cost the HTTP stack alone.
            Scenario::PeakNoopPost => &[Scenario::NoopPost],
            Scenario::SignIn | Scenario::Import => &[Scenario::DbInsert],
            Scenario::SearchIndex => &[Scenario::SearchLike],
            // The morning peak is held to the lower of the HTTP stack's
            // limit for the same POSTs from the same clients and the
            // table's own batched insert rate.
            Scenario::ReadingPeak => &[Scenario::PeakNoopPost, Scenario::MarkInsert],
        }
    }
}

/// What a name on the command line runs: its scenarios and their
/// baselines.
fn group(name: &str) -> Option<Vec<Scenario>> {
    let chosen = match name {
        "noop" => vec![Scenario::NoopGet, Scenario::NoopPost],
        "search" => vec![Scenario::SearchIndex, Scenario::Search],
        "dashboard" => vec![Scenario::ProvinceDashboard, Scenario::DistrictDashboard],
        "requests" => vec![Scenario::RequestSubmit, Scenario::RequestTrack],
        other => vec![*Scenario::ALL.iter().find(|s| s.name() == other)?],
    };
    let mut with_baselines = Vec::new();
    fn add(scenario: Scenario, to: &mut Vec<Scenario>) {
        for baseline in scenario.baselines() {
            add(*baseline, to);
        }
        if !to.contains(&scenario) {
            to.push(scenario);
        }
    }
    for scenario in chosen {
        add(scenario, &mut with_baselines);
    }
    Some(with_baselines)
}

/// What `suyuan bench` runs without names.
const DEFAULT: [&str; 7] = [
    "noop",
    "tree",
    "home",
    "sign-in",
    "search",
    "import",
    "reading-peak",
];

fn select(names: &[String]) -> Result<Vec<Scenario>> {
    let names: Vec<&str> = if names.is_empty() {
        DEFAULT.to_vec()
    } else {
        names.iter().map(String::as_str).collect()
    };
    let mut chosen: Vec<Scenario> = Vec::new();
    for name in names {
        let Some(scenarios) = group(name) else {
            let available = format!(
                "{}, test-evening, dashboard, booking-rush, requests",
                DEFAULT.join(", ")
            );
            bail!("unknown scenario {name}; available: {available}");
        };
        for scenario in scenarios {
            if !chosen.contains(&scenario) {
                chosen.push(scenario);
            }
        }
    }
    // Baselines before what is compared with them.
    chosen.sort_by_key(|s| Scenario::ALL.iter().position(|a| a == s));
    fn depth(s: Scenario) -> usize {
        s.baselines()
            .iter()
            .map(|b| depth(*b) + 1)
            .max()
            .unwrap_or(0)
    }
    chosen.sort_by_key(|s| depth(*s));
    Ok(chosen)
}

#[derive(Serialize)]
struct Report {
    machine: Machine,
    scenarios: Vec<Row>,
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    memory_gb: f64,
    cpu: String,
    os: String,
    members: usize,
    units: usize,
    seconds: u64,
    rounds: usize,
    concurrency: usize,
}

#[derive(Serialize, Clone)]
struct Row {
    name: &'static str,
    backend: &'static str,
    ops_per_s: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: u64,
    baseline: Option<&'static str>,
    ratio: Option<f64>,
    rss_mb: f64,
    /// The load generator's share of the process's CPU time.
    generator_cpu_share: f64,
    /// The process's CPU time (server and load generator) per operation:
    /// what an operation costs, however busy the machine was.
    cpu_us_per_op: f64,
}

/// What a scenario measured over its rounds so far.
#[derive(Clone, Default)]
struct Tally {
    measured: Measured,
    process_cpu: Duration,
    rss_mb: f64,
}

impl Tally {
    /// The report's row, against the lowest of the scenario's baselines
    /// among the rows before it.
    fn row(&self, scenario: Scenario, backend: &'static str, earlier: &[Row]) -> Row {
        let measured = &self.measured;
        let baseline = earlier
            .iter()
            .filter(|r| scenario.baselines().iter().any(|b| b.name() == r.name))
            .min_by(|a, b| a.ops_per_s.total_cmp(&b.ops_per_s));
        Row {
            name: scenario.name(),
            // The import is always timed into a fresh SQLite database.
            backend: if scenario == Scenario::Import {
                "sqlite"
            } else {
                backend
            },
            ops_per_s: round(measured.ops_per_s()),
            p50_ms: round(measured.percentile_ms(50.0)),
            p90_ms: round(measured.percentile_ms(90.0)),
            p99_ms: round(measured.percentile_ms(99.0)),
            max_ms: round(measured.percentile_ms(100.0)),
            errors: measured.errors,
            baseline: baseline.map(|b| b.name),
            ratio: baseline
                .map(|b| (measured.ops_per_s() / b.ops_per_s.max(1e-9) * 1e5).round() / 1e5),
            rss_mb: round(self.rss_mb),
            generator_cpu_share: round(
                measured.generator_cpu.as_secs_f64() / self.process_cpu.as_secs_f64().max(1e-9),
            ),
            cpu_us_per_op: round(self.process_cpu.as_secs_f64() * 1e6 / measured.ok.max(1) as f64),
        }
    }
}

/// Everything the scenarios measure against: the data, the server's
/// address and the sessions signed in for the run.
struct Stage<'a> {
    args: &'a BenchArgs,
    store: Store,
    clock: Arc<dyn Clock>,
    dataset: data::Dataset,
    material: Vec<suyuan_core::library::CollectionId>,
    search: Arc<suyuan_search::SearchIndex>,
    reading: Option<data::Reading>,
    board: Option<dashboard::Board>,
    evening: Option<evening::Evening>,
    rush: Option<rush::Rush>,
    asking: Option<requests::Asking>,
    address: std::net::SocketAddr,
    admin_token: suyuan_store::auth::Token,
    admin_cookie: String,
    member_cookies: Vec<String>,
    duration: Duration,
}

impl Stage<'_> {
    /// Runs one scenario for the run's duration (the import and the test
    /// evening: once, whole).
    async fn measure(&mut self, scenario: Scenario, peak: Option<&Peak>) -> Result<Measured> {
        let (args, address, duration) = (self.args, self.address, self.duration);
        Ok(match scenario {
            Scenario::DbInsert => {
                insert_rate(&self.store, &self.dataset, duration, self.clock.now()).await?
            }
            Scenario::SearchLike => {
                in_process(duration, |n| {
                    let words: Vec<&str> = QUERIES[n % QUERIES.len()].split(' ').collect();
                    let store = self.store.clone();
                    async move { store.like_scan(&words, 10).await.is_ok() }
                })
                .await
            }
            Scenario::SearchIndex => {
                let readable: std::collections::HashSet<_> =
                    self.material.iter().copied().collect();
                let within = suyuan_search::Within {
                    readable: &readable,
                    collection: None,
                };
                let search = &self.search;
                in_process(duration, |n| {
                    let ok = search
                        .search(QUERIES[n % QUERIES.len()], &within, 10)
                        .is_ok();
                    async move { ok }
                })
                .await
            }
            Scenario::Import => import_once(args).await?,
            Scenario::TestEvening => {
                let sitting = self.evening.take().context("no test evening")?;
                let pace = if args.think_seconds > 0.0 {
                    evening::Pace::Human {
                        arrivals: Duration::from_secs_f64(args.arrival_seconds.max(0.0)),
                        think: Duration::from_secs_f64(args.think_seconds),
                    }
                } else {
                    evening::Pace::BackToBack {
                        clients: args.evening_clients,
                    }
                };
                let outcome =
                    tokio::task::spawn_blocking(move || evening::run(sitting, address, pace))
                        .await??;
                println!(
                    "test evening: {} members handed in, {} answers saved in {:.1} s; starts p99 {:.1} ms, hand-ins p99 {:.1} ms",
                    outcome.sat,
                    outcome.answers.ok,
                    outcome.answers.elapsed.as_secs_f64(),
                    outcome.start_p99_ms,
                    outcome.submit_p99_ms
                );
                outcome.answers
            }
            Scenario::BookingRush => {
                let racing = self.rush.take().context("no booking rush")?;
                let arrivals = Duration::from_secs_f64(args.rush_seconds.max(0.0));
                let outcome = rush::measure(&self.store, racing, address, arrivals).await?;
                println!(
                    "booking rush: {} groups booked ({} places; recounted from the bookings: {}), {} told \"full\", {} other errors; p99 {:.1} ms",
                    outcome.booked,
                    outcome.places,
                    outcome.recounted,
                    outcome.full,
                    outcome.answers.errors,
                    outcome.answers.percentile_ms(99.0)
                );
                outcome.answers
            }
            Scenario::ProvinceGroupBy | Scenario::DistrictGroupBy => {
                let board = self.board.as_ref().context("no dashboard data")?;
                let within = if scenario == Scenario::ProvinceGroupBy {
                    self.dataset.root.path.clone()
                } else {
                    self.store.unit(board.district).await?.path
                };
                let today = board.campaign.calendar.date_at(self.clock.now());
                let days = (board.campaign.calendar.start, today);
                let store = self.store.clone();
                let campaign = board.campaign.clone();
                in_process(duration, move |_| {
                    let (store, campaign, within) =
                        (store.clone(), campaign.clone(), within.clone());
                    async move {
                        store
                            .on_time_from_raw(&campaign, &within, days)
                            .await
                            .is_ok()
                    }
                })
                .await
            }
            Scenario::ProvinceDashboard | Scenario::DistrictDashboard => {
                let board = self.board.as_ref().context("no dashboard data")?;
                let unit = if scenario == Scenario::ProvinceDashboard {
                    self.dataset.root.id
                } else {
                    board.district
                };
                let id = board.campaign.id.0;
                let url = format!(
                    "http://{address}/units/{unit}/progress?campaign={id}&period=campaign:{id}"
                );
                let cookie = self.admin_cookie.clone();
                let make: MakeRequest = Arc::new(move |_, _| {
                    Request::builder()
                        .method("GET")
                        .uri(url.as_str())
                        .header("cookie", cookie.as_str())
                        .body(Full::new(Bytes::new()))
                        .unwrap_or_else(|_| unreachable!("the bench builds valid requests"))
                });
                // One admin opening the page at a time: its latency.
                tokio::task::spawn_blocking(move || load::drive(1, duration, make)).await?
            }
            Scenario::RequestSubmit | Scenario::RequestTrack => {
                let asking = self.asking.as_ref().context("no requests")?;
                let make = if scenario == Scenario::RequestSubmit {
                    requests::submit(address, asking)
                } else {
                    requests::track(address, asking)
                };
                let concurrency = args.concurrency.max(1);
                tokio::task::spawn_blocking(move || load::drive(concurrency, duration, make))
                    .await?
            }
            Scenario::MarkInsert => {
                let reading = self.reading.as_ref().context("no reading data")?;
                mark_insert_rate(
                    &self.store,
                    &self.dataset,
                    reading,
                    duration,
                    self.clock.now(),
                )
                .await?
            }
            _ => {
                let make = requests(
                    scenario,
                    address,
                    &self.dataset,
                    self.admin_token.expose(),
                    &self.member_cookies,
                    peak,
                );
                let concurrency = if scenario.is_peak() {
                    args.peak_clients.max(1)
                } else {
                    args.concurrency.max(1)
                };
                tokio::task::spawn_blocking(move || load::drive(concurrency, duration, make))
                    .await?
            }
        })
    }
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let scenarios = select(&args.scenarios)?;
    let location = Location::from_options(&args.data_dir, args.database_url.as_deref());
    location
        .create_database_if_missing()
        .await
        .context("cannot create the bench database")?;
    let store = Store::open(&location)
        .await
        .context("cannot open the bench database")?;
    let backend = if store.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let branches = args.units.unwrap_or(args.members.div_ceil(30));

    if args.prepare_only {
        let bar = progress_bar();
        data::prepare(&store, args.members, branches, clock.now(), &bar).await?;
        bar.finish_and_clear();
        return Ok(());
    }
    if !data::exists(&store, args.members, branches).await? {
        make_data_in_child(&args)?;
    }
    let bar = progress_bar();
    let dataset = data::prepare(&store, args.members, branches, clock.now(), &bar).await?;
    bar.finish_and_clear();
    println!(
        "{backend}: {} members in {} units; {} clients for {} s per scenario",
        dataset.members, dataset.units, args.concurrency, args.seconds
    );

    let material = ensure_material(&store, &args, &dataset, clock.now()).await?;
    let search = Arc::new(suyuan_search::SearchIndex::in_memory()?);
    let indexing = Instant::now();
    let indexed = search.catch_up(&store).await?;
    println!(
        "library: {} collections; indexed {indexed} excerpts in {:.2} s",
        material.len(),
        indexing.elapsed().as_secs_f64()
    );
    if scenarios.contains(&Scenario::SearchIndex) {
        let quality = search_quality(&store, &search, &material, 300).await?;
        println!(
            "search: recall {:.4} against a substring scan over {} phrases ({} excerpts containing them); precision of the top 10 {:.4}",
            quality.recall, quality.phrases, quality.expected, quality.precision
        );
    }
    let reading = if scenarios.iter().any(|s| {
        matches!(
            s,
            Scenario::ReadingPeak | Scenario::PeakNoopPost | Scenario::MarkInsert
        )
    }) {
        let bar = progress_bar();
        let reading =
            data::prepare_reading(&store, &dataset, &material, args.marks, clock.now(), &bar)
                .await?;
        bar.finish_and_clear();
        store.analyze().await?;
        println!(
            "reading: the marks table holds {} rows",
            store.count_marks().await?
        );
        Some(reading)
    } else {
        None
    };
    let board = if scenarios
        .iter()
        .any(|s| matches!(s, Scenario::ProvinceGroupBy | Scenario::DistrictGroupBy))
    {
        let bar = progress_bar();
        let started = Instant::now();
        let board = dashboard::prepare(
            &store,
            &dataset,
            &material,
            args.history_days,
            clock.now(),
            &bar,
        )
        .await?;
        bar.finish_and_clear();
        println!(
            "dashboard: {} days of reading by {} members, {} marks in the table (ready in {:.0} s)",
            args.history_days,
            dataset.members,
            board.marks,
            started.elapsed().as_secs_f64()
        );
        Some(board)
    } else {
        None
    };
    let evening = if scenarios.contains(&Scenario::TestEvening) {
        let evening = evening::prepare(&store, &dataset, args.sitters, clock.now()).await?;
        println!(
            "test evening: {} members each answer {} questions",
            args.sitters,
            evening::QUESTIONS
        );
        Some(evening)
    } else {
        None
    };
    let rush = if scenarios.contains(&Scenario::BookingRush) {
        let rush = rush::prepare(&store, &dataset, args.rush_clients, clock.now()).await?;
        println!(
            "booking rush: {} groups of five race for one day's 300 places over {} s",
            args.rush_clients, args.rush_seconds
        );
        Some(rush)
    } else {
        None
    };
    let wants_requests = scenarios
        .iter()
        .any(|s| matches!(s, Scenario::RequestSubmit | Scenario::RequestTrack));
    let codes = if wants_requests {
        let codes = requests::prepare(&store, &dataset, clock.now()).await?;
        println!("requests: {} to track by their codes", codes.len());
        codes
    } else {
        Vec::new()
    };
    // The home page is a member's a year into a daily campaign.
    let year = if scenarios.contains(&Scenario::Home) {
        let bar = progress_bar();
        let year = year::prepare(&store, &dataset, clock.now(), &bar).await?;
        bar.finish_and_clear();
        let days = year.campaign.calendar.start;
        println!(
            "home: {} members of a branch reading daily since {days} ({} marks written now)",
            year.members.len(),
            year.marks
        );
        Some(year)
    } else {
        None
    };
    let app = App::build_for_bench(store.clone(), clock.clone(), search.clone()).await?;
    let stamper: Stamper = Arc::new(app.stamper());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    let admin = store.member(dataset.admin).await?;
    let admin_token = store
        .create_session(&admin, SessionKind::Api, clock.now())
        .await?;
    let admin_cookie = format!(
        "sy_session={}",
        store
            .create_session(&admin, SessionKind::Web, clock.now())
            .await?
            .expose()
    );
    let member_cookies: Vec<String> = match &year {
        Some(year) => store
            .create_sessions(&year.members, SessionKind::Web, clock.now())
            .await?
            .iter()
            .map(|token| format!("sy_session={}", token.expose()))
            .collect(),
        None => Vec::new(),
    };
    let asking = if wants_requests {
        Some(requests::hand_out(address, &dataset, codes).await?)
    } else {
        None
    };
    let peak = match &reading {
        Some(reading) => Some(
            Peak::sign_in(
                &store,
                &reading.peak,
                args.peak_members,
                stamper,
                clock.now(),
            )
            .await?,
        ),
        None => None,
    };

    let mut stage = Stage {
        args: &args,
        store: store.clone(),
        clock: clock.clone(),
        dataset,
        material,
        search,
        reading,
        board,
        evening,
        rush,
        asking,
        address,
        admin_token,
        admin_cookie,
        member_cookies,
        duration: Duration::from_secs(args.seconds.max(1)),
    };
    let rounds = args.rounds.max(1);
    let mut tallies = vec![Tally::default(); scenarios.len()];
    let mut rows: Vec<Row> = Vec::new();
    let outcome: Result<()> = async {
        for round in 1..=rounds {
            let last = round == rounds;
            if last {
                print_header();
            }
            let mut this_round = Vec::new();
            for (&scenario, tally) in scenarios.iter().zip(&mut tallies) {
                if !last && !scenario.repeats() {
                    continue;
                }
                load::reset_peak_rss();
                let cpu_before = load::process_cpu_time();
                let measured = stage.measure(scenario, peak.as_ref()).await?;
                tally.process_cpu += load::process_cpu_time().saturating_sub(cpu_before);
                tally.rss_mb = tally.rss_mb.max(load::peak_rss_mb());
                this_round.push(format!("{} {:.0}/s", scenario.name(), measured.ops_per_s()));
                tally.measured.absorb(measured);
                if last {
                    let row = tally.row(scenario, backend, &rows);
                    print_row(&row);
                    if let Some(error) = &tally.measured.first_error {
                        println!("  the first error: {error}");
                    }
                    rows.push(row);
                }
            }
            if !last {
                println!("round {round} of {rounds}: {}", this_round.join(", "));
            }
        }
        Ok(())
    }
    .await;

    // Clean up whatever happened: sessions the run made, then the server.
    store
        .end_sessions_within(&stage.dataset.root.path, clock.now())
        .await?;
    let _ = stop.send(());
    let _ = server.await;
    outcome?;

    if let Some(path) = &args.json {
        let report = Report {
            machine: machine(&args, &stage.dataset),
            scenarios: rows,
        };
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Generates the data set in a child process: memory it takes is freed
/// with the process, not left in this one's resident set.
fn make_data_in_child(args: &BenchArgs) -> Result<()> {
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg("bench")
        .arg("--prepare-only")
        .arg("--members")
        .arg(args.members.to_string())
        .arg("--data-dir")
        .arg(&args.data_dir);
    if let Some(units) = args.units {
        command.arg("--units").arg(units.to_string());
    }
    if let Some(url) = &args.database_url {
        command.arg("--database-url").arg(url);
    }
    let status = command.status().context("cannot run the data generator")?;
    if !status.success() {
        bail!("generating the data set failed ({status})");
    }
    Ok(())
}

/// One- to three-word queries of the kind members type.
const QUERIES: [&str; 16] = [
    "国家安全",
    "人民代表大会",
    "婚姻",
    "土地承包",
    "合同 违约",
    "未成年人 保护",
    "环境保护",
    "劳动合同",
    "知识产权",
    "宪法",
    "选举",
    "监督",
    "刑事责任",
    "行政处罚",
    "消费者 权益",
    "学习",
];

/// Makes sure the library holds material to search: the `--material`
/// files, or the demo's sample. Returns the public collections.
async fn ensure_material(
    store: &Store,
    args: &BenchArgs,
    dataset: &data::Dataset,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<suyuan_core::library::CollectionId>> {
    let public = suyuan_core::library::Visibility::Public;
    match &args.material {
        Some(path) => {
            crate::import_material(store, path, dataset.root.id, public, now).await?;
        }
        None if store.collections().await?.is_empty() => {
            let sample = [crate::demo::sample()];
            import_material(store, None, &sample, dataset.root.id, public, now).await?;
        }
        None => {}
    }
    Ok(store
        .collections()
        .await?
        .into_iter()
        .filter(|c| c.visibility == public)
        .map(|c| c.id)
        .collect())
}

/// How well search finds what the material contains.
struct Quality {
    phrases: usize,
    /// Excerpts containing the phrases, by a scan.
    expected: usize,
    /// The share of those that search counts.
    recall: f64,
    /// The share of the top ten hits that contain their phrase.
    precision: f64,
}

/// Draws `count` phrases of 2 to 8 Chinese characters from the material
/// (at random, the same each run) and compares search with a substring
/// scan of every excerpt.
async fn search_quality(
    store: &Store,
    search: &suyuan_search::SearchIndex,
    material: &[suyuan_core::library::CollectionId],
    count: usize,
) -> Result<Quality> {
    let mut texts: std::collections::HashMap<suyuan_core::library::ExcerptId, String> =
        std::collections::HashMap::new();
    for id in material {
        texts.extend(
            store
                .excerpts(*id, None)
                .await?
                .into_iter()
                .map(|e| (e.id, e.text)),
        );
    }
    let all: Vec<&String> = texts.values().collect();
    let readable: std::collections::HashSet<_> = material.iter().copied().collect();
    let within = suyuan_search::Within {
        readable: &readable,
        collection: None,
    };
    let mut quality = Quality {
        phrases: 0,
        expected: 0,
        recall: 0.0,
        precision: 0.0,
    };
    let (mut found, mut top, mut relevant) = (0usize, 0usize, 0usize);
    let strs: Vec<&str> = all.iter().map(|t| t.as_str()).collect();
    for phrase in suyuan_search::grams::sample_phrases(&strs, count, 26) {
        quality.phrases += 1;
        quality.expected += all.iter().filter(|t| t.contains(&phrase)).count();
        let results = search.search(&phrase, &within, 10)?;
        found += results.total;
        top += results.hits.len();
        relevant += results
            .hits
            .iter()
            .filter(|h| texts.get(&h.excerpt).is_some_and(|t| t.contains(&phrase)))
            .count();
    }
    quality.recall = found as f64 / quality.expected.max(1) as f64;
    quality.precision = relevant as f64 / top.max(1) as f64;
    Ok(quality)
}

/// Runs `op` back to back on this task for `duration` (in-process
/// latency, no HTTP); `op` says whether it succeeded.
async fn in_process<F, Fut>(duration: Duration, mut op: F) -> Measured
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    const MAX_OPS: usize = 10_000_000;
    let started = Instant::now();
    let mut measured = Measured::default();
    for n in 0..MAX_OPS {
        if started.elapsed() >= duration {
            break;
        }
        let sent = Instant::now();
        if op(n).await {
            measured.ok += 1;
            measured
                .latencies_us
                .push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        } else {
            measured.errors += 1;
        }
    }
    measured.elapsed = started.elapsed();
    measured.latencies_us.sort_unstable();
    measured
}

/// Imports the material into a fresh SQLite database and indexes it, once:
/// ops/s counts excerpts, the latency is the whole import.
async fn import_once(args: &BenchArgs) -> Result<Measured> {
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let store = Store::open(&Location::DataDir(dir.path().to_owned())).await?;
    let root = store
        .create_unit(
            suyuan_store::units::NewUnit {
                parent: None,
                code: suyuan_core::units::UnitCode::parse("import")?,
                name: suyuan_core::units::UnitName::parse("导入测评")?,
                kind: suyuan_core::units::UnitKind::Province,
            },
            chrono::Utc::now(),
        )
        .await?;
    let public = suyuan_core::library::Visibility::Public;
    let excerpts = match &args.material {
        Some(path) => {
            crate::import_material(&store, path, root.id, public, chrono::Utc::now())
                .await?
                .excerpts
        }
        None => {
            let sample = [crate::demo::sample()];
            import_material(&store, None, &sample, root.id, public, chrono::Utc::now())
                .await?
                .excerpts
        }
    };
    suyuan_search::SearchIndex::in_memory()?
        .catch_up(&store)
        .await?;
    let elapsed = started.elapsed();
    store.close().await?;
    Ok(Measured {
        ok: excerpts as u64,
        errors: 0,
        elapsed,
        latencies_us: vec![elapsed.as_micros().min(u128::from(u32::MAX)) as u32],
        generator_cpu: Duration::ZERO,
        ..Measured::default()
    })
}

/// Two decimals, or four significant digits below one (a scan that
/// takes minutes runs at a few thousandths of an operation a second).
fn round(value: f64) -> f64 {
    if value != 0.0 && value.abs() < 1.0 {
        let scale = 10f64.powi(3 - value.abs().log10().floor() as i32);
        (value * scale).round() / scale
    } else {
        (value * 100.0).round() / 100.0
    }
}

fn print_header() {
    println!(
        "{:<10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>7} {:>8} {:>6} {:>9}",
        "scenario",
        "ops/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "baseline",
        "ratio",
        "rss MB",
        "gen%",
        "cpu µs/op"
    );
}

fn print_row(row: &Row) {
    println!(
        "{:<10} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>10} {:>7} {:>8.1} {:>5.0}% {:>9.1}",
        row.name,
        row.ops_per_s,
        row.p50_ms,
        row.p90_ms,
        row.p99_ms,
        row.max_ms,
        row.errors,
        row.baseline.unwrap_or("-"),
        row.ratio
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.4}")),
        row.rss_mb,
        row.generator_cpu_share * 100.0,
        row.cpu_us_per_op,
    );
}

/// The requests each HTTP scenario sends.
fn requests(
    scenario: Scenario,
    address: std::net::SocketAddr,
    dataset: &data::Dataset,
    admin_token: &str,
    member_cookies: &[String],
    peak: Option<&Peak>,
) -> MakeRequest {
    let base = format!("http://{address}");
    let bearer = format!("Bearer {admin_token}");
    let build = move |method: &str, path: String, auth: Option<&str>, body: Bytes| {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{base}{path}"));
        match auth {
            Some(cookie) if cookie.starts_with("sy_session=") => {
                request = request.header("cookie", cookie)
            }
            Some(bearer) => request = request.header("authorization", bearer),
            None => {}
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        request
            .body(Full::new(body))
            .unwrap_or_else(|_| unreachable!("the bench builds valid requests"))
    };
    match scenario {
        Scenario::NoopGet => {
            Arc::new(move |_, _| build("GET", "/api/v1/noop".into(), None, Bytes::new()))
        }
        Scenario::NoopPost => {
            let body = Bytes::from_static(br#"{"mark":"read","excerpt":12345,"seconds":95}"#);
            Arc::new(move |_, _| build("POST", "/api/v1/noop".into(), None, body.clone()))
        }
        Scenario::Tree => {
            let units = dataset.middle_units.clone();
            Arc::new(move |client, n| {
                let unit = units[spread(client, n) % units.len()];
                build(
                    "GET",
                    format!("/api/v1/units?root={unit}"),
                    Some(&bearer),
                    Bytes::new(),
                )
            })
        }
        Scenario::Home => {
            let cookies = member_cookies.to_vec();
            Arc::new(move |client, n| {
                let cookie = &cookies[spread(client, n) % cookies.len().max(1)];
                build("GET", "/".into(), Some(cookie), Bytes::new())
            })
        }
        Scenario::SignIn => {
            let logins = dataset.logins.clone();
            Arc::new(move |client, n| {
                let login = &logins[spread(client, n) % logins.len()];
                let body =
                    serde_json::json!({"login": login, "password": data::PASSWORD}).to_string();
                build("POST", "/api/v1/auth/login".into(), None, Bytes::from(body))
            })
        }
        Scenario::Search => Arc::new(move |client, n| {
            let query = QUERIES[spread(client, n) % QUERIES.len()];
            build(
                "GET",
                format!("/api/v1/search?q={}", percent(query)),
                None,
                Bytes::new(),
            )
        }),
        Scenario::ReadingPeak | Scenario::PeakNoopPost => {
            let Some(peak) = peak.cloned() else {
                unreachable!("the reading peak has its campaign")
            };
            // The baseline sends the very same requests to the no-op.
            let path = if scenario == Scenario::ReadingPeak {
                "/api/v1/reading/marks"
            } else {
                "/api/v1/noop"
            };
            Arc::new(move |_, _| {
                let (serial, member, excerpt) = peak.next(scenario);
                let stamp = (peak.stamp)(peak.members[member], excerpt, peak.opened);
                // Written out rather than through a JSON value: the
                // generator shares the cores with the server it measures.
                let body = format!(
                    r#"{{"id":"{}","excerpt_id":{},"campaign_id":{},"stamp":"{stamp}","seconds_on_page":600,"reached_end":true}}"#,
                    peak.mark_id(serial),
                    excerpt.0,
                    peak.campaign,
                );
                build(
                    "POST",
                    path.into(),
                    Some(&peak.bearers[member]),
                    Bytes::from(body),
                )
            })
        }
        Scenario::DbInsert
        | Scenario::SearchLike
        | Scenario::SearchIndex
        | Scenario::Import
        | Scenario::MarkInsert
        | Scenario::TestEvening
        | Scenario::BookingRush
        | Scenario::ProvinceGroupBy
        | Scenario::DistrictGroupBy
        | Scenario::ProvinceDashboard
        | Scenario::DistrictDashboard
        | Scenario::RequestSubmit
        | Scenario::RequestTrack => {
            unreachable!("{} is measured on its own", scenario.name())
        }
    }
}

/// Signs an opening stamp as the server hands it out.
type Stamper = Arc<
    dyn Fn(
            suyuan_core::members::MemberId,
            suyuan_core::library::ExcerptId,
            chrono::DateTime<chrono::Utc>,
        ) -> String
        + Send
        + Sync,
>;

/// What the morning peak sends: marks of the morning's campaign by its
/// members, each with the stamp the member was handed when they opened
/// their reading ten minutes before. Members take turns: each reads
/// today's assignment first, then catches up earlier days, one excerpt at
/// a time, so that every mark is a reading of its own (a member marks an
/// excerpt once a day) until a member has read everything.
#[derive(Clone)]
struct Peak {
    campaign: i64,
    today: Vec<suyuan_core::library::ExcerptId>,
    earlier: Vec<suyuan_core::library::ExcerptId>,
    members: Vec<suyuan_core::members::MemberId>,
    bearers: Vec<String>,
    opened: chrono::DateTime<chrono::Utc>,
    stamp: Stamper,
    /// Readings sent so far, over every round: the peak's, and its
    /// baseline's (which sends the same requests to the no-op).
    sent: [Arc<std::sync::atomic::AtomicU64>; 2],
    nonce: u64,
}

impl Peak {
    /// Signs in up to `members` of the campaign's members over the API.
    /// (Admins among them read too: the campaign counts them as members.)
    async fn sign_in(
        store: &Store,
        campaign: &suyuan_core::campaigns::Campaign,
        members: usize,
        stamp: Stamper,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self> {
        let today = campaign.calendar.date_at(now);
        let scoring = store.scoring(campaign).await?;
        let ids = |days: std::ops::Range<chrono::NaiveDate>| -> Vec<_> {
            let days = scoring.plan.range(days);
            days.flat_map(|(_, excerpts)| excerpts.iter().copied())
                .collect()
        };
        let readers: Vec<suyuan_core::members::MemberId> = store
            .members_of_campaign(campaign)
            .await?
            .into_iter()
            .take(members.max(1))
            .map(|(member, _)| member)
            .collect();
        let bearers = data::bearers(store, &readers, now).await?;
        let peak = Self {
            campaign: campaign.id.0,
            today: ids(today..today.succ_opt().unwrap_or(today)),
            earlier: ids(campaign.calendar.start..today),
            members: readers,
            bearers,
            opened: now - chrono::Duration::minutes(10),
            stamp,
            sent: Default::default(),
            // A different id space each run, so that no mark is a repeat.
            nonce: now.timestamp_micros() as u64,
        };
        if peak.today.is_empty() || peak.bearers.is_empty() {
            anyhow::bail!("the morning's campaign has nothing to read today, or no members");
        }
        Ok(peak)
    }

    /// The next reading a scenario sends: which member, what they read.
    fn next(&self, scenario: Scenario) -> (u64, usize, suyuan_core::library::ExcerptId) {
        let counter = &self.sent[usize::from(scenario == Scenario::ReadingPeak)];
        let serial = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let members = self.members.len() as u64;
        let member = (serial % members) as usize;
        let turn = (serial / members) as usize;
        let excerpt = match turn.checked_sub(self.today.len()) {
            None => self.today[turn],
            Some(_) if self.earlier.is_empty() => self.today[turn % self.today.len()],
            Some(behind) => self.earlier[(behind + member) % self.earlier.len()],
        };
        (serial, member, excerpt)
    }

    /// A fresh id, as our pages make them: a version 7 UUID of the time it
    /// is sent, whose other bits are unique to this run and reading.
    fn mark_id(&self, serial: u64) -> String {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut unique = [0u8; 10];
        unique[..4].copy_from_slice(&(self.nonce as u32).to_be_bytes());
        unique[4..].copy_from_slice(&serial.to_be_bytes()[2..]);
        suyuan_core::reading::MarkId::v7(unix_ms, unique)
            .as_str()
            .to_owned()
    }
}

/// The table's own limit: marks inserted in transactions of `MARK_BATCH`
/// rows through the writer's statement, committed each time; ops/s counts
/// the rows added. Each row is a reading of its own (a member marks an
/// excerpt once a day): members in turn read the excerpts, today's first,
/// then each day before. Rows are numbered from the table's size on, so
/// that a later run adds rows rather than repeating an earlier one's.
async fn mark_insert_rate(
    store: &Store,
    dataset: &data::Dataset,
    reading: &data::Reading,
    duration: Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Measured> {
    const MARK_BATCH: usize = 500;
    let members = &dataset.settled;
    let today = now
        .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
        .date_naive();
    let per_day = members.len() * reading.excerpts.len();
    let mut serial = store.count_marks().await? as usize;
    let mut make = move |_: usize| -> suyuan_store::StoreResult<suyuan_store::reading::NewMark> {
        serial += 1;
        let day = (serial / per_day) as i64;
        Ok(suyuan_store::reading::NewMark {
            id: suyuan_store::reading::new_mark_id()?,
            campaign: reading.storage,
            member: members[serial % members.len()],
            excerpt: reading.excerpts[(serial / members.len()) % reading.excerpts.len()],
            read_on: today - chrono::Duration::days(day),
            kind: suyuan_core::reading::MarkKind::OnTime,
            seconds: 600,
            recorded_at: now,
        })
    };
    batched_rate(duration, async || {
        let batch = (0..MARK_BATCH)
            .map(&mut make)
            .collect::<suyuan_store::StoreResult<Vec<_>>>()?;
        Ok(store.insert_mark_batch(&batch).await?)
    })
    .await
}

/// Writes batches back to back for `duration` (and at most a million):
/// ops/s counts rows, latencies are per committed batch.
async fn batched_rate(
    duration: Duration,
    mut write_batch: impl AsyncFnMut() -> Result<u64>,
) -> Result<Measured> {
    const MAX_BATCHES: usize = 1_000_000;
    let started = Instant::now();
    let mut measured = Measured::default();
    let mut batches = Vec::new();
    for _ in 0..MAX_BATCHES {
        if started.elapsed() >= duration {
            break;
        }
        let sent = Instant::now();
        measured.ok += write_batch().await?;
        batches.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    }
    measured.elapsed = started.elapsed();
    batches.sort_unstable();
    measured.latencies_us = batches;
    Ok(measured)
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Spreads clients and their requests over a list without a generator.
fn spread(client: usize, n: u64) -> usize {
    (client as u64)
        .wrapping_mul(7_919)
        .wrapping_add(n.wrapping_mul(104_729)) as usize
}

/// The storage baseline: session rows written in batched transactions of
/// 100 for the run's duration, as fast as the database takes them.
async fn insert_rate(
    store: &Store,
    dataset: &data::Dataset,
    duration: Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Measured> {
    const BATCH: usize = 100;
    batched_rate(duration, async || {
        store
            .create_sessions(&[dataset.admin; BATCH], SessionKind::Api, now)
            .await?;
        Ok(BATCH as u64)
    })
    .await
}

fn machine(args: &BenchArgs, dataset: &data::Dataset) -> Machine {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let meminfo = read("/proc/meminfo");
    let memory_kb: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|v| v.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default();
    Machine {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_gb: round(memory_kb / 1024.0 / 1024.0),
        cpu,
        os,
        members: dataset.members,
        units: dataset.units,
        seconds: args.seconds,
        rounds: args.rounds.max(1),
        concurrency: args.concurrency,
    }
}
