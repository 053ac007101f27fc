//! The server killed with SIGKILL while members mark their reading: after
//! a restart every acknowledged mark is there, and none twice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use suyuan_store::testing::TestDb;
use suyuan_store::{Location, Store};

/// A running `suyuan serve` and the address it printed.
struct Server {
    child: Child,
    address: String,
}

/// The flags that name the database; on PostgreSQL the search index
/// still goes in a data directory, and that is a temporary one too.
fn location_args(location: &Location, work: &Path) -> Vec<String> {
    match location {
        Location::DataDir(dir) => vec!["--data-dir".into(), dir.display().to_string()],
        Location::Url(url) => vec![
            "--database-url".into(),
            url.clone(),
            "--data-dir".into(),
            work.join("data").display().to_string(),
        ],
    }
}

fn start(location: &Location, work: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(location_args(location, work))
        .current_dir(work)
        .env_remove("SUYUAN_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
        .expect("the server prints where it serves");
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, address }
}

/// One HTTP/1.1 request on a connection of its own; the status and body,
/// or `None` when the server is gone.
fn request(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// Signs the demo member in over the API; their token.
fn sign_in(address: &str) -> String {
    let (status, body) = request(
        address,
        "POST",
        "/api/v1/auth/login",
        None,
        r#"{"login":"cuiyuan-member","password":"suyuan-demo"}"#,
    )
    .expect("sign in");
    assert_eq!(status, 200, "{body}");
    json(&body)["token"].as_str().expect("token").to_owned()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn uuid(thread: usize, n: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", thread, n)
}

fn crash_and_count(location: Location) {
    let work = tempfile::tempdir().expect("a working directory");
    let work = work.path();
    let seeded = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args(["demo", "--no-serve"])
        .args(location_args(&location, work))
        .current_dir(work)
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("seed the demo");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let mut server = start(&location, work);
    let token = sign_in(&server.address);
    let (_, body) =
        request(&server.address, "GET", "/api/v1/me/today", Some(&token), "").expect("today");
    let today = json(&body);
    let campaign = today["campaigns"][0]["campaign_id"]
        .as_i64()
        .expect("a campaign");
    let excerpt = today["campaigns"][0]["assignment"][0]["excerpt_id"]
        .as_i64()
        .expect("an assignment");

    // Clients mark readings back to back; each remembers what was
    // acknowledged. The server is killed once a few hundred are in.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let server_gone = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|thread| {
            let acknowledged = acknowledged.clone();
            let server_gone = server_gone.clone();
            let address = server.address.clone();
            let token = token.clone();
            std::thread::spawn(move || {
                for n in 0..100_000 {
                    let id = uuid(thread, n);
                    let body = format!(
                        r#"{{"id":"{id}","excerpt_id":{excerpt},"campaign_id":{campaign},"seconds_on_page":600,"reached_end":true}}"#
                    );
                    match request(&address, "POST", "/api/v1/reading/marks", Some(&token), &body) {
                        Some((201, _)) => acknowledged.lock().expect("lock").push(id),
                        Some((status, body)) => panic!("{status}: {body}"),
                        None if server_gone.load(Ordering::SeqCst) => return,
                        // The connection failed before the kill: try again.
                        None => continue,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().expect("lock").len() < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "marks are too slow"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server_gone.store(true, Ordering::SeqCst);
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    for client in clients {
        client.join().expect("a client");
    }
    let acknowledged: Vec<String> = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 300);

    // After a restart: each acknowledged mark is there once, and sending
    // one again is answered as already recorded.
    let mut server = start(&location, work);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let stored: Vec<String> = runtime.block_on(async {
        let store = Store::open(&location).await.expect("open");
        let member = store
            .member_by_number(
                &suyuan_core::members::MemberNumber::parse("cuiyuan-member").expect("number"),
            )
            .await
            .expect("member");
        let campaign = store
            .campaign(suyuan_core::campaigns::CampaignId(campaign))
            .await
            .expect("campaign");
        let marks = store.marks_of(member.id, &campaign).await.expect("marks");
        store.close().await.expect("close");
        marks
            .into_iter()
            .map(|m| m.id.as_str().to_owned())
            .collect()
    });
    for id in &acknowledged {
        let copies = stored.iter().filter(|s| *s == id).count();
        assert_eq!(copies, 1, "acknowledged mark {id} is stored {copies} times");
    }
    let again = format!(
        r#"{{"id":"{}","excerpt_id":{excerpt},"campaign_id":{campaign},"seconds_on_page":600,"reached_end":true}}"#,
        acknowledged[0]
    );
    let token = sign_in(&server.address);
    let (status, _) = request(
        &server.address,
        "POST",
        "/api/v1/reading/marks",
        Some(&token),
        &again,
    )
    .expect("retry");
    assert_eq!(status, 200, "a retry after the crash is recognised");
    let _ = server.child.kill();
    let _ = server.child.wait();
}

#[test]
fn acknowledged_marks_survive_sigkill_on_sqlite() {
    let db = TestDb::sqlite();
    crash_and_count(db.location.clone());
}

#[test]
fn acknowledged_marks_survive_sigkill_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(TestDb::postgres()) else {
        return;
    };
    crash_and_count(db.location.clone());
    runtime.block_on(db.drop_database());
}
