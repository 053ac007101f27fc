//! `suyuan bench`: measures the platform against its own limits. It makes
//! (or reuses) a data set, starts the real server in this process on a
//! loopback port, drives it with a bounded load, and reports each
//! scenario beside the baselines measured in the same run: the HTTP
//! stack's (no-op GET and POST) and the database's (raw batched inserts).

mod data;
mod load;

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

use suyuan_core::clock::{Clock, SystemClock};
use suyuan_store::auth::SessionKind;
use suyuan_store::{Location, Store};
use suyuan_web::App;

use load::{MakeRequest, Measured};

#[derive(Args)]
pub struct BenchArgs {
    /// Scenarios to run: noop, tree, home, sign-in (default: all).
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
    /// How long each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Also write the results to this file as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Only make the data set (the bench runs itself with this, so that
    /// generating data does not count in the server's memory).
    #[arg(long, hide = true)]
    prepare_only: bool,
}

/// What a scenario is compared with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    NoopGet,
    NoopPost,
    DbInsert,
    Tree,
    Home,
    SignIn,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::NoopGet => "noop-get",
            Scenario::NoopPost => "noop-post",
            Scenario::DbInsert => "db-insert",
            Scenario::Tree => "tree",
            Scenario::Home => "home",
            Scenario::SignIn => "sign-in",
        }
    }

    fn baseline(self) -> Option<Scenario> {
        match self {
            Scenario::NoopGet | Scenario::DbInsert => None,
            Scenario::NoopPost | Scenario::Tree | Scenario::Home => Some(Scenario::NoopGet),
            Scenario::SignIn => Some(Scenario::DbInsert),
        }
    }
}

/// Scenarios that later capability issues add.
const COMING: [&str; 6] = [
    "reading-peak",
    "test-evening",
    "search",
    "dashboard",
    "booking-rush",
    "requests",
];

fn select(names: &[String]) -> Result<Vec<Scenario>> {
    let mut chosen = Vec::new();
    let mut add = |s: Scenario| {
        if !chosen.contains(&s) {
            chosen.push(s);
        }
    };
    let all = ["noop", "tree", "home", "sign-in"];
    let names: Vec<&str> = if names.is_empty() {
        all.to_vec()
    } else {
        names.iter().map(String::as_str).collect()
    };
    for name in names {
        match name {
            "noop" | "noop-get" | "noop-post" => {
                add(Scenario::NoopGet);
                add(Scenario::NoopPost);
            }
            "tree" => {
                add(Scenario::NoopGet);
                add(Scenario::Tree);
            }
            "home" => {
                add(Scenario::NoopGet);
                add(Scenario::Home);
            }
            "sign-in" => {
                add(Scenario::DbInsert);
                add(Scenario::SignIn);
            }
            "db-insert" => add(Scenario::DbInsert),
            other if COMING.contains(&other) => bail!(
                "the {other} scenario arrives with its capability; available now: noop, tree, home, sign-in"
            ),
            other => bail!("unknown scenario {other}; available: noop, tree, home, sign-in"),
        }
    }
    // Baselines first, so that ratios can be printed as results come.
    chosen.sort_by_key(|s| s.baseline().is_some());
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
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let scenarios = select(&args.scenarios)?;
    let location = Location::from_options(&args.data_dir, args.database_url.as_deref());
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

    let search = Arc::new(suyuan_search::SearchIndex::in_memory()?);
    let app = App::build(store.clone(), clock.clone(), search).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    let admin_token = store
        .create_session(dataset.admin, SessionKind::Api, clock.now())
        .await?;
    let mut member_cookies = Vec::new();
    for member in &dataset.settled {
        let token = store
            .create_session(*member, SessionKind::Web, clock.now())
            .await?;
        member_cookies.push(format!("sy_session={}", token.expose()));
    }

    println!(
        "{:<10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>7} {:>8} {:>6}",
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
        "gen%"
    );
    let duration = Duration::from_secs(args.seconds.max(1));
    let mut rows: Vec<Row> = Vec::new();
    let outcome: Result<()> = async {
        for scenario in scenarios {
            load::reset_peak_rss();
            let cpu_before = load::process_cpu_time();
            let measured = match scenario {
                Scenario::DbInsert => insert_rate(&store, &dataset, duration, clock.now()).await?,
                _ => {
                    let make = requests(
                        scenario,
                        address,
                        &dataset,
                        admin_token.expose(),
                        &member_cookies,
                    );
                    let concurrency = args.concurrency.max(1);
                    tokio::task::spawn_blocking(move || load::drive(concurrency, duration, make))
                        .await?
                }
            };
            let process_cpu = load::process_cpu_time().saturating_sub(cpu_before);
            let baseline = scenario
                .baseline()
                .and_then(|b| rows.iter().find(|r| r.name == b.name()));
            let row = Row {
                name: scenario.name(),
                backend,
                ops_per_s: round(measured.ops_per_s()),
                p50_ms: round(measured.percentile_ms(50.0)),
                p90_ms: round(measured.percentile_ms(90.0)),
                p99_ms: round(measured.percentile_ms(99.0)),
                max_ms: round(measured.percentile_ms(100.0)),
                errors: measured.errors,
                baseline: baseline.map(|b| b.name),
                ratio: baseline
                    .map(|b| (measured.ops_per_s() / b.ops_per_s.max(1e-9) * 1e5).round() / 1e5),
                rss_mb: round(load::peak_rss_mb()),
                generator_cpu_share: round(
                    measured.generator_cpu.as_secs_f64() / process_cpu.as_secs_f64().max(1e-9),
                ),
            };
            print_row(&row);
            rows.push(row);
        }
        Ok(())
    }
    .await;

    // Clean up whatever happened: sessions the run made, then the server.
    store.end_sessions_within(&dataset.root.path).await?;
    let _ = stop.send(());
    let _ = server.await;
    outcome?;

    if let Some(path) = &args.json {
        let report = Report {
            machine: machine(&args, &dataset),
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

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn print_row(row: &Row) {
    println!(
        "{:<10} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>10} {:>7} {:>8.1} {:>5.0}%",
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
    );
}

/// The requests each HTTP scenario sends.
fn requests(
    scenario: Scenario,
    address: std::net::SocketAddr,
    dataset: &data::Dataset,
    admin_token: &str,
    member_cookies: &[String],
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
        Scenario::DbInsert => unreachable!("the storage baseline sends no requests"),
    }
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
    let started = Instant::now();
    let mut measured = Measured::default();
    let mut batches = Vec::new();
    while started.elapsed() < duration {
        let sent = Instant::now();
        store
            .insert_sessions_batched(dataset.admin, BATCH, BATCH, now, |rows| {
                measured.ok += rows as u64
            })
            .await?;
        batches.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    }
    measured.elapsed = started.elapsed();
    batches.sort_unstable();
    measured.latencies_us = batches;
    Ok(measured)
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
        concurrency: args.concurrency,
    }
}
