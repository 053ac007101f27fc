//! The load generator: a bounded number of clients on one thread of its
//! own (so that it can take at most one core from the server, and its CPU
//! time can be measured), each sending requests back to back for a bounded
//! time and count, over kept-alive HTTP/1.1 connections to 127.0.0.1.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds the `n`th request of client `client`.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> Request<Full<Bytes>> + Send + Sync>;

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies of successful requests, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// CPU time the generator's thread used.
    pub generator_cpu: Duration,
    /// The first failure's status and body, to say why there were errors.
    pub first_error: Option<String>,
}

impl Measured {
    pub fn ops_per_s(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Adds another run of the same scenario: the two count as one run
    /// as long as both together.
    pub fn absorb(&mut self, other: Measured) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.latencies_us.extend(other.latencies_us);
        self.latencies_us.sort_unstable();
        self.generator_cpu += other.generator_cpu;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[rank.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

/// No client sends more than this many requests in one run, whatever the
/// time allows.
const MAX_REQUESTS_PER_CLIENT: u64 = 5_000_000;

/// Drives `make` with `concurrency` clients for `duration`, on a thread
/// of its own. Any status other than 2xx counts as an error, but a
/// form's "303 See Other" to where it leads (not to the sign-in page).
pub fn drive(concurrency: usize, duration: Duration, make: MakeRequest) -> Measured {
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let cpu_before = thread_cpu_time();
        let mut measured = runtime.block_on(run(concurrency, duration, make));
        measured.generator_cpu = thread_cpu_time().saturating_sub(cpu_before);
        Ok::<_, String>(measured)
    });
    match worker.join() {
        Ok(Ok(measured)) => measured,
        Ok(Err(err)) => panic!("the load generator could not start: {err}"),
        Err(_) => panic!("the load generator panicked"),
    }
}

async fn run(concurrency: usize, duration: Duration, make: MakeRequest) -> Measured {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build(connector);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for index in 0..concurrency {
        let client = client.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            for n in 0..MAX_REQUESTS_PER_CLIENT {
                if Instant::now() >= deadline {
                    break;
                }
                let request = make(index, n);
                let sent = Instant::now();
                let outcome = tokio::time::timeout_at(deadline.into(), async {
                    let response = client.request(request).await.map_err(|e| e.to_string())?;
                    let status = response.status();
                    let taken = status == hyper::StatusCode::SEE_OTHER
                        && response
                            .headers()
                            .get("location")
                            .and_then(|l| l.to_str().ok())
                            .is_some_and(|l| !l.starts_with("/login"));
                    // Read the whole body: a response is done when it has arrived.
                    let body = response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| e.to_string())?
                        .to_bytes();
                    if status.is_success() || taken {
                        Ok(())
                    } else {
                        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
                    }
                })
                .await;
                match outcome {
                    Ok(Ok(())) => {
                        latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32)
                    }
                    Ok(Err(error)) => {
                        errors += 1;
                        first_error.get_or_insert(error);
                    }
                    // Cut off by the end of the run: neither a success nor an error.
                    Err(_) => break,
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut measured = Measured::default();
    for task in tasks {
        if let Ok((latencies, errors, first_error)) = task.await {
            measured.ok += latencies.len() as u64;
            measured.errors += errors;
            if measured.first_error.is_none() {
                measured.first_error = first_error;
            }
            measured.latencies_us.extend(latencies);
        }
    }
    measured.elapsed = started.elapsed();
    measured.latencies_us.sort_unstable();
    measured
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // Linux reports CPU times in clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// utime + stime of a /proc stat line (fields 14 and 15 of proc(5); the
/// name in parentheses may hold spaces, so count after its ')').
fn stat_cpu(stat: &str) -> Duration {
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // fields[0] is field 3 (state), so fields 14 and 15 are at 11 and 12.
    ticks_to_duration(field(11) + field(12))
}

pub fn thread_cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/stat")
        .map(|s| stat_cpu(&s))
        .unwrap_or_default()
}

pub fn process_cpu_time() -> Duration {
    std::fs::read_to_string("/proc/self/stat")
        .map(|s| stat_cpu(&s))
        .unwrap_or_default()
}

/// Resets the process's peak resident memory (Linux), so that each
/// scenario's peak is its own.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in MiB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| {
                    value
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_times_from_stat_lines() {
        // pid (comm with spaces) state ppid ... utime=300 stime=200 ...
        let line = "42 (tokio rt) S 1 42 42 0 -1 4194304 100 0 0 0 300 200 0 0 20 0 1 0 100 0 0";
        assert_eq!(stat_cpu(line), Duration::from_secs(5));
    }

    #[test]
    fn percentiles_pick_ranks() {
        let measured = Measured {
            latencies_us: (1..=100).map(|ms| ms * 1000).collect(),
            ..Measured::default()
        };
        assert_eq!(measured.percentile_ms(50.0), 51.0);
        assert_eq!(measured.percentile_ms(99.0), 99.0);
        assert_eq!(measured.percentile_ms(100.0), 100.0);
    }

    #[test]
    fn rounds_add_up_to_one_run() {
        let mut first = Measured {
            ok: 300,
            elapsed: Duration::from_secs(1),
            latencies_us: vec![1000, 3000],
            ..Measured::default()
        };
        first.absorb(Measured {
            ok: 100,
            errors: 2,
            elapsed: Duration::from_secs(1),
            latencies_us: vec![2000],
            first_error: Some("500: busy".into()),
            ..Measured::default()
        });
        assert_eq!(first.ops_per_s(), 200.0);
        assert_eq!(first.errors, 2);
        assert_eq!(first.latencies_us, vec![1000, 2000, 3000]);
        assert_eq!(first.first_error.as_deref(), Some("500: busy"));
    }
}
