//! The booking rush: when a popular site's day opens for booking, many
//! groups race for its few places. `--rush-clients` members each send
//! one booking through the API (a group of five, for one of the day's
//! five slots: the groups ask for them in turn, so that every slot is
//! raced for), arriving at random moments over `--rush-seconds`. Every
//! booking must be answered after its commit; the only refusal allowed is
//! "full", and the places booked must be exactly the day's capacity.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use chrono::{DateTime, Duration as Span, Utc};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

use suyuan_core::access::Role;
use suyuan_core::members::MemberId;
use suyuan_core::sites::{OpeningHours, SiteDetails, SiteId, SlotTimes, VisitRules};
use suyuan_store::Store;
use suyuan_store::members::MemberFilter;
use suyuan_store::sites::{Site, SiteForm};

use super::data::Dataset;
use super::load::{self, Measured};
use crate::demo::Dice;

/// A slot's places, a day's (five slots), and each group's size.
const SLOT_PLACES: u32 = 60;
const DAY_PLACES: u32 = 300;
const GROUP: u32 = 5;

/// What the rush needs: a fresh site (its places all free) and a
/// session per client.
pub struct Rush {
    site: Site,
    starts: Vec<DateTime<Utc>>,
    bearers: Vec<String>,
    /// Tells one run's idempotency keys from another's.
    run: i64,
}

pub async fn prepare(
    store: &Store,
    dataset: &Dataset,
    clients: usize,
    now: DateTime<Utc>,
) -> Result<Rush> {
    let mut week: [Vec<SlotTimes>; 7] = Default::default();
    for day in week.iter_mut() {
        *day = SlotTimes::parse_list("09:00-14:00")?;
    }
    let hours = OpeningHours::new(suyuan_core::campaigns::DEFAULT_ZONE, 60, week)?;
    let form = SiteForm {
        unit: dataset.root.id,
        details: SiteDetails::new(
            &format!("抢约测试点 {}", now.format("%Y%m%d%H%M%S")),
            "memorial_hall",
            "测试地址",
            None,
            "",
        )?,
        hours,
        rules: VisitRules::new(SLOT_PLACES, DAY_PLACES, (1, SLOT_PLACES), 30, 24, 12)?,
    };
    let site = store.create_site(&form, now).await?;
    let tomorrow = now.with_timezone(&site.hours.zone).date_naive() + Span::days(1);
    let starts: Vec<DateTime<Utc>> = site
        .hours
        .slots_on(tomorrow)
        .iter()
        .map(|s| s.starts_at)
        .collect();
    let members = store
        .list_members(&MemberFilter {
            within: dataset.root.path.clone(),
            only: None,
            limit: clients as u64 * 2,
            offset: 0,
        })
        .await?;
    let booking: Vec<MemberId> = members
        .iter()
        .filter(|m| m.role == Role::Member)
        .take(clients)
        .map(|m| m.id)
        .collect();
    let bearers = super::data::bearers(store, &booking, now).await?;
    if bearers.len() < clients {
        bail!(
            "the data set has {} members to book, not {clients}: run with --members {}",
            bearers.len(),
            clients + clients / 10
        );
    }
    Ok(Rush {
        site,
        starts,
        bearers,
        run: now.timestamp_millis(),
    })
}

/// What the rush measured: every answer (booked or full), and the
/// places booked as the database counts them afterwards.
pub struct Outcome {
    pub answers: Measured,
    pub booked: u64,
    pub full: u64,
    pub places: u32,
    /// The places the bookings hold, recounted from the bookings.
    pub recounted: u32,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Runs the rush on a thread of its own, as the other generators do.
pub fn run(
    rush: Rush,
    address: std::net::SocketAddr,
    arrivals: Duration,
) -> Result<(Rush, Measured, u64, u64)> {
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let cpu_before = load::thread_cpu_time();
        let (mut measured, booked, full) = runtime.block_on(race(&rush, address, arrivals))?;
        measured.generator_cpu = load::thread_cpu_time().saturating_sub(cpu_before);
        Ok::<_, anyhow::Error>((rush, measured, booked, full))
    });
    worker
        .join()
        .map_err(|_| anyhow::anyhow!("the booking rush's generator panicked"))?
}

async fn race(
    rush: &Rush,
    address: std::net::SocketAddr,
    arrivals: Duration,
) -> Result<(Measured, u64, u64)> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(4_000)
        .build(connector);
    let url = format!("http://{address}/api/v1/sites/{}/bookings", rush.site.id.0);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(rush.bearers.len());
    for (i, bearer) in rush.bearers.iter().enumerate() {
        let mut dice = Dice(0xB00C_1234_5678_9ABC ^ i as u64);
        let wait = arrivals.mul_f64(dice.fraction());
        let start = rush.starts[i % rush.starts.len()];
        let body = serde_json::json!({
            "starts_at": start,
            "organization": format!("参观团体{i}"),
            "contact_name": "王芳",
            "phone": "13800138000",
            "headcount": GROUP,
        })
        .to_string();
        let request = Request::builder()
            .method("POST")
            .uri(url.as_str())
            .header("authorization", bearer.as_str())
            .header("content-type", "application/json")
            .header("idempotency-key", format!("rush-{}-{i}", rush.run))
            .body(Full::new(Bytes::from(body)))?;
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let sent = Instant::now();
            let answer = async {
                let response = client.request(request).await?;
                let status = response.status().as_u16();
                let body = response.into_body().collect().await?.to_bytes();
                Ok::<_, anyhow::Error>((status, body))
            }
            .await;
            let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
            (answer, micros)
        }));
    }
    let mut measured = Measured::default();
    let (mut booked, mut full) = (0, 0);
    for task in tasks {
        let (answer, micros) = task.await.context("a client failed")?;
        match answer {
            Ok((201, _)) => {
                booked += 1;
                measured.latencies_us.push(micros);
            }
            Ok((409, body)) if String::from_utf8_lossy(&body).contains("slot: ") => {
                full += 1;
                measured.latencies_us.push(micros);
            }
            Ok((status, body)) => {
                measured.errors += 1;
                measured
                    .first_error
                    .get_or_insert_with(|| format!("{status} {}", String::from_utf8_lossy(&body)));
            }
            Err(err) => {
                measured.errors += 1;
                measured.first_error.get_or_insert_with(|| err.to_string());
            }
        }
    }
    measured.elapsed = started.elapsed();
    measured.ok = booked + full;
    measured.latencies_us.sort_unstable();
    Ok((measured, booked, full))
}

/// The places the day's slots hold as counted, and recounted from the
/// bookings.
pub async fn places(store: &Store, rush: &Rush) -> Result<(u32, u32)> {
    let day = rush
        .site
        .hours
        .slot_at(rush.starts[0])
        .context("a slot")?
        .date;
    let counted: u32 = store
        .places(&rush.site, day, day)
        .await?
        .iter()
        .map(|p| p.load.slot_taken)
        .sum();
    let mut recounted = 0;
    for start in &rush.starts {
        recounted += store.recount_slot(SiteId(rush.site.id.0), *start).await?.0;
    }
    Ok((counted, recounted))
}

/// Runs the rush and checks what it must hold.
pub async fn measure(
    store: &Store,
    rush: Rush,
    address: std::net::SocketAddr,
    arrivals: Duration,
) -> Result<Outcome> {
    let (rush, answers, booked, full) =
        tokio::task::spawn_blocking(move || run(rush, address, arrivals)).await??;
    let (places, recounted) = places(store, &rush).await?;
    Ok(Outcome {
        answers,
        booked,
        full,
        places,
        recounted,
    })
}
