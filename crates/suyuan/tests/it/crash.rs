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
        // Eight clients share one member's token here, far faster than
        // any phone: the pace per token would hold them back.
        .args(["--api-pace", "0"])
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

    // Material of many short paragraphs, each a reading of its own: a
    // member marks an excerpt once a day, so each mark reads another.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let excerpts: Vec<i64> = runtime.block_on(async {
        let store = Store::open(&location).await.expect("open");
        let ids = many_paragraphs(&store).await;
        store.close().await.expect("close");
        ids
    });
    let mut server = start(&location, work);
    let token = sign_in(&server.address);
    let (_, body) =
        request(&server.address, "GET", "/api/v1/me/today", Some(&token), "").expect("today");
    let campaign = json(&body)["campaigns"][0]["campaign_id"]
        .as_i64()
        .expect("a campaign");

    // Each client opens its share of the excerpts (each answer hands out
    // an opening stamp), waits the few seconds a paragraph takes, then
    // marks them back to back, remembering what was acknowledged. The
    // server is killed once a few hundred are in.
    const CLIENTS: usize = 8;
    let share = excerpts.len() / CLIENTS;
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let server_gone = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|thread| {
            let acknowledged = acknowledged.clone();
            let server_gone = server_gone.clone();
            let address = server.address.clone();
            let token = token.clone();
            let mine = excerpts[thread * share..(thread + 1) * share].to_vec();
            std::thread::spawn(move || {
                let stamps: Vec<(i64, String)> = mine
                    .iter()
                    .map(|excerpt| {
                        let path = format!("/api/v1/excerpts/{excerpt}");
                        let (status, body) =
                            request(&address, "GET", &path, Some(&token), "").expect("the excerpt");
                        assert_eq!(status, 200, "{body}");
                        let stamp = json(&body)["opening_stamp"]
                            .as_str()
                            .expect("a stamp")
                            .to_owned();
                        (*excerpt, stamp)
                    })
                    .collect();
                std::thread::sleep(Duration::from_secs(3));
                for (n, (excerpt, stamp)) in stamps.into_iter().enumerate() {
                    let id = uuid(thread, n);
                    let body = mark(&id, excerpt, campaign, &stamp);
                    match request(
                        &address,
                        "POST",
                        "/api/v1/reading/marks",
                        Some(&token),
                        &body,
                    ) {
                        Some((201, _)) => acknowledged.lock().expect("lock").push((id, body)),
                        Some((status, body)) => panic!("{status}: {body}"),
                        None if server_gone.load(Ordering::SeqCst) => return,
                        // The connection failed before the kill: that
                        // reading is left unmarked.
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
    let acknowledged: Vec<(String, String)> = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 300);

    // After a restart: each acknowledged mark is there once, and sending
    // one again is answered as already recorded.
    let mut server = start(&location, work);
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
    for (id, _) in &acknowledged {
        let copies = stored.iter().filter(|s| *s == id).count();
        assert_eq!(copies, 1, "acknowledged mark {id} is stored {copies} times");
    }
    let token = sign_in(&server.address);
    let (status, _) = request(
        &server.address,
        "POST",
        "/api/v1/reading/marks",
        Some(&token),
        &acknowledged[0].1,
    )
    .expect("retry");
    assert_eq!(status, 200, "a retry after the crash is recognised");
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// A mark as a client sends it, claiming ten minutes on the page.
fn mark(id: &str, excerpt: i64, campaign: i64, stamp: &str) -> String {
    format!(
        r#"{{"id":"{id}","excerpt_id":{excerpt},"campaign_id":{campaign},"stamp":"{stamp}","seconds_on_page":600,"reached_end":true}}"#
    )
}

/// Imports a public collection of 1,600 one-line paragraphs: their ids.
async fn many_paragraphs(store: &Store) -> Vec<i64> {
    use suyuan_core::library::{Markup, Visibility, parse_text};
    use suyuan_store::library::{Imported, NewCollection};
    let mut text = String::from("# 段落集\n\n<!-- INFO END -->\n\n");
    for i in 0..1_600 {
        text.push_str(&format!("第{i}段：短短一句。\n\n"));
    }
    let parsed = parse_text("段落集.md", &text, Markup::Markdown).expect("parses");
    let province = store
        .unit_by_code(&suyuan_core::units::UnitCode::parse("zj").expect("code"))
        .await
        .expect("the demo's province");
    let now = chrono::Utc::now();
    let imported = store
        .import_collections(
            &[NewCollection {
                category: "",
                parsed: &parsed,
                owner: province.id,
                visibility: Visibility::Public,
            }],
            now,
        )
        .await
        .expect("import");
    let (Imported::Created { id, .. } | Imported::AlreadyThere { id, .. }) = imported[0];
    store
        .excerpts(id, None)
        .await
        .expect("excerpts")
        .iter()
        .map(|e| e.id.0)
        .collect()
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
