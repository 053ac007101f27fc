//! The test evening: every member of the data set sits the same ten-day
//! test at once. Each starts an attempt, saves every answer (each one
//! acknowledged only after its commit) and hands in. Unlike the other
//! scenarios it is a fixed amount of work, not a fixed time: it ends when
//! the last member has handed in.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use chrono::{DateTime, Duration as Span, Utc};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use suyuan_core::access::Role;
use suyuan_core::exams::{DrawRule, Window};
use suyuan_core::members::MemberId;
use suyuan_core::questions::{Answer, Choice, Question};
use suyuan_store::Store;
use suyuan_store::exams::NewExam;
use suyuan_store::members::MemberFilter;
use suyuan_store::questions::Status;

use super::data::Dataset;
use super::load::{self, Measured};
use crate::demo::Dice;

/// Questions in the bench's bank, and drawn by its test.
const BANK: usize = 200;
pub const QUESTIONS: usize = 20;

/// What the evening needs: a test open now and a session per sitter.
pub struct Evening {
    test: i64,
    bearers: Vec<String>,
}

/// Sets the evening's test (a new one each run) over a bank of single
/// choice questions, and signs in `sitters` members.
pub async fn prepare(
    store: &Store,
    dataset: &Dataset,
    sitters: usize,
    now: DateTime<Utc>,
) -> Result<Evening> {
    let bank: Vec<Question> = (1..=BANK)
        .map(|i| {
            let mut question = Question::new(
                format!("测试题{i}：下列说法正确的是"),
                Answer::Single {
                    choices: vec![
                        Choice::right(format!("说法{i}甲")),
                        Choice::wrong(format!("说法{i}乙")),
                        Choice::wrong(format!("说法{i}丙")),
                        Choice::wrong(format!("说法{i}丁")),
                    ],
                },
            );
            question.category = "旬测".into();
            question
        })
        .collect();
    store
        .add_questions(dataset.root.id, &bank, Status::Active, now)
        .await?;
    let exam = store
        .create_exam(
            NewExam {
                owner: dataset.root.id,
                campaign: None,
                title: format!("旬测 {}", now.format("%Y-%m-%d %H:%M:%S")),
                window: Window {
                    opens: now - Span::minutes(1),
                    closes: now + Span::hours(3),
                    limit: Span::minutes(60),
                    attempts_allowed: 1,
                },
                pass_mark: 60,
                rules: vec![DrawRule {
                    category: None,
                    difficulty: None,
                    from_readings: false,
                    count: QUESTIONS,
                }],
                mistakes: 0,
                readings: None,
            },
            now,
        )
        .await?;
    let members = store
        .list_members(&MemberFilter {
            within: dataset.root.path.clone(),
            only: None,
            limit: sitters as u64 * 2,
            offset: 0,
        })
        .await?;
    let sitting: Vec<MemberId> = members
        .iter()
        .filter(|m| m.role == Role::Member)
        .take(sitters)
        .map(|m| m.id)
        .collect();
    let bearers = super::data::bearers(store, &sitting, now).await?;
    if bearers.len() < sitters {
        bail!(
            "the data set has {} members to sit the test, not {sitters}: run with --members {}",
            bearers.len(),
            sitters + sitters / 10
        );
    }
    Ok(Evening {
        test: exam.id.0,
        bearers,
    })
}

/// What the evening measured: answer saves (their rate and latencies),
/// and how the starts and hand-ins went.
pub struct Outcome {
    pub answers: Measured,
    pub sat: usize,
    pub start_p99_ms: f64,
    pub submit_p99_ms: f64,
}

/// How members sit: all at once at a human pace, or back to back.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Every member is online: each opens the test at a random moment of
    /// the first `arrivals`, and thinks about `think` (half to one and a
    /// half times it) before each answer.
    Human {
        arrivals: std::time::Duration,
        think: std::time::Duration,
    },
    /// `clients` members sit at a time, without pause: the capacity.
    BackToBack { clients: usize },
}

/// Runs the evening on a thread of its own (as the other generators do).
pub fn run(evening: Evening, address: std::net::SocketAddr, pace: Pace) -> Result<Outcome> {
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let cpu_before = load::thread_cpu_time();
        let mut outcome = runtime.block_on(sit_all(evening, address, pace))?;
        outcome.answers.generator_cpu = load::thread_cpu_time().saturating_sub(cpu_before);
        Ok::<_, anyhow::Error>(outcome)
    });
    worker
        .join()
        .map_err(|_| anyhow::anyhow!("the test evening's generator panicked"))?
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Sends one request; its status, body and latency in microseconds.
async fn send(
    client: &HttpClient,
    method: &str,
    url: String,
    bearer: &str,
    body: String,
) -> Result<(u16, Bytes, u32)> {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", bearer)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let sent = Instant::now();
    let response = client.request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
    Ok((status, body, micros))
}

/// What one sitter measured.
#[derive(Default)]
struct Sitting {
    saves: Vec<u32>,
    starts: Vec<u32>,
    submits: Vec<u32>,
    errors: u64,
    /// Why sittings failed, with how often.
    failures: std::collections::BTreeMap<String, u64>,
}

async fn sit_all(evening: Evening, address: std::net::SocketAddr, pace: Pace) -> Result<Outcome> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1_000)
        .build(connector);
    // Back to back, a few members at a time; at a human pace, everyone.
    let (clients, think) = match pace {
        Pace::BackToBack { clients } => (clients.max(1), None),
        Pace::Human { arrivals, think } => (evening.bearers.len(), Some((arrivals, think))),
    };
    let base = format!("http://{address}");
    let evening = Arc::new(evening);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for task in 0..clients {
        let (client, base, evening, next) =
            (client.clone(), base.clone(), evening.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut measured = Sitting::default();
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ task as u64);
            if let Some((arrivals, _)) = think {
                tokio::time::sleep(arrivals.mul_f64(dice.fraction())).await;
            }
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(bearer) = evening.bearers.get(index) else {
                    break;
                };
                let pause = think.map(|(_, think)| think);
                if let Err(err) = sit(
                    &client,
                    &base,
                    evening.test,
                    bearer,
                    pause,
                    &mut dice,
                    &mut measured,
                )
                .await
                {
                    measured.errors += 1;
                    *measured.failures.entry(err.to_string()).or_default() += 1;
                }
                // At a human pace, each task is one member.
                if think.is_some() {
                    break;
                }
            }
            measured
        }));
    }
    let mut all = Sitting::default();
    for task in tasks {
        let one = task.await.context("a sitter failed")?;
        all.saves.extend(one.saves);
        all.starts.extend(one.starts);
        all.submits.extend(one.submits);
        all.errors += one.errors;
        for (why, n) in one.failures {
            *all.failures.entry(why).or_default() += n;
        }
    }
    for (why, n) in &all.failures {
        println!("test evening: {n} sittings failed: {why}");
    }
    let elapsed = started.elapsed();
    let p99 = |mut latencies: Vec<u32>| {
        latencies.sort_unstable();
        Measured {
            latencies_us: latencies,
            ..Measured::default()
        }
        .percentile_ms(99.0)
    };
    let sat = all.submits.len();
    let start_p99_ms = p99(all.starts);
    let submit_p99_ms = p99(all.submits);
    all.saves.sort_unstable();
    Ok(Outcome {
        answers: Measured {
            ok: all.saves.len() as u64,
            errors: all.errors,
            elapsed,
            latencies_us: all.saves,
            generator_cpu: std::time::Duration::ZERO,
            ..Measured::default()
        },
        sat,
        start_p99_ms,
        submit_p99_ms,
    })
}

/// One member's evening: start, answer every question, hand in. Any
/// refusal is an error: every answer must be acknowledged.
async fn sit(
    client: &HttpClient,
    base: &str,
    test: i64,
    bearer: &str,
    think: Option<std::time::Duration>,
    dice: &mut Dice,
    measured: &mut Sitting,
) -> Result<()> {
    let (status, body, micros) = send(
        client,
        "POST",
        format!("{base}/api/v1/tests/{test}/attempts"),
        bearer,
        "{}".into(),
    )
    .await?;
    if status != 200 {
        bail!("start: {status} {}", String::from_utf8_lossy(&body));
    }
    measured.starts.push(micros);
    let attempt: Value = serde_json::from_slice(&body)?;
    let id = attempt["id"].as_i64().context("an attempt id")?;
    let questions = attempt["questions"].as_array().map_or(0, Vec::len);
    for position in 0..questions {
        if let Some(think) = think {
            tokio::time::sleep(think.mul_f64(0.5 + dice.fraction())).await;
        }
        // Members pick options all over; the first shown will do.
        let (status, body, micros) = send(
            client,
            "PUT",
            format!("{base}/api/v1/attempts/{id}/answers/{position}"),
            bearer,
            r#"{"choices":[0]}"#.into(),
        )
        .await?;
        if status != 204 {
            bail!("answer: {status} {}", String::from_utf8_lossy(&body));
        }
        measured.saves.push(micros);
    }
    let (status, body, micros) = send(
        client,
        "POST",
        format!("{base}/api/v1/attempts/{id}/submit"),
        bearer,
        "{}".into(),
    )
    .await?;
    if status != 200 {
        bail!("submit: {status} {}", String::from_utf8_lossy(&body));
    }
    measured.submits.push(micros);
    Ok(())
}
