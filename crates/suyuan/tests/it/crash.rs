//! The server killed with SIGKILL at a random moment, twenty rounds on
//! each backend, while a member marks their reading and answers a test,
//! groups book a teaching site, a unit writes how its pledge is getting
//! on and the public sends requests through a unit's Open311 app. After each kill,
//! every acknowledged write is there exactly once and every kept figure
//! equals its recount (reading progress, a site's slots, pledges and
//! requests by day).
//! On PostgreSQL the database server is a private one, stopped the hard
//! way (`pg_ctl stop -m immediate`, a crash it recovers from) and started
//! again between rounds.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use suyuan_core::access::Role;
use suyuan_core::campaigns::{Calendar, CampaignId, DEFAULT_ZONE};
use suyuan_core::exams::{DrawRule, Window};
use suyuan_core::library::{CollectionId, Markup, Visibility, parse_text};
use suyuan_core::members::{MemberId, MemberNumber, NewPassword, PersonName};
use suyuan_core::pledges::{PledgeId, Pledger, Promise, Timeline};
use suyuan_core::questions::{Answer, Question, Response};
use suyuan_core::reading::{PointRules, ReadingPace};
use suyuan_core::requests::{Category, ClockRules, RequestId};
use suyuan_core::sites::{BookingCode, OpeningHours, SiteDetails, SiteId, SlotTimes, VisitRules};
use suyuan_core::units::UnitKind;
use suyuan_store::auth::hash_password;
use suyuan_store::campaigns::NewCampaign;
use suyuan_store::exams::{AttemptId, ExamId, NewExam};
use suyuan_store::library::{Imported, NewCollection};
use suyuan_store::members::NewMember;
use suyuan_store::questions::Status;
use suyuan_store::testing::{TestDb, add_unit};
use suyuan_store::{Location, Store};

const ROUNDS: usize = 20;
const PASSWORD: &str = "crash-test-password";
/// Reading marks sent in a round, at most (two clients share them).
const MARKS_A_ROUND: usize = 80;
/// Questions in the test sat once a round.
const QUESTIONS: usize = 20;
/// Requests sent in a round, at most (a key may send 600 an hour).
const REQUESTS_A_ROUND: usize = 25;

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
        // A round's clients share two tokens and write far faster than
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
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    for (name, value) in headers {
        auth.push_str(&format!("{name}: {value}\r\n"));
    }
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        // Our JSON bodies are objects; the rest are forms.
        if body.is_empty() || body.starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        },
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

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn uuid(thread: usize, n: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", thread, n)
}

/// What the rounds write to, made once through the store.
struct World {
    member: MemberId,
    campaign: CampaignId,
    excerpts: Vec<i64>,
    site: SiteId,
    /// Slots from three days ahead, to book.
    slots: Vec<DateTime<Utc>>,
    pledge: PledgeId,
    exam: ExamId,
    /// The key a unit's app sends requests from the public with.
    open311_key: String,
}

async fn seed(store: &Store) -> World {
    let province = add_unit(store, None, "zj", "浙江省", UnitKind::Province).await;
    let district = add_unit(
        store,
        Some(&province),
        "zj-xh",
        "西湖区",
        UnitKind::District,
    )
    .await;
    let branch = add_unit(
        store,
        Some(&district),
        "zj-xh-b1",
        "第一党支部",
        UnitKind::Branch,
    )
    .await;
    let hash = hash_password(&NewPassword::parse(PASSWORD).expect("password")).expect("hash");
    let person = |unit, number: &str, role| NewMember {
        unit,
        number: MemberNumber::parse(number).expect("number"),
        name: PersonName::parse("张三").expect("name"),
        phone: None,
        role,
        password_hash: hash.clone(),
        must_change_password: false,
    };
    let now = Utc::now();
    let member = store
        .create_member(person(branch.id, "crash-member", Role::Member), now)
        .await
        .expect("member")
        .id;
    let admin = store
        .create_member(person(district.id, "crash-admin", Role::Admin), now)
        .await
        .expect("admin")
        .id;
    let (collection, excerpts) = many_paragraphs(store, &province).await;
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let campaign = store
        .create_campaign(
            NewCampaign {
                owner: district.id,
                title: "学法用法".into(),
                theme: "短短一句".into(),
                calendar: Calendar::new(
                    DEFAULT_ZONE,
                    today - chrono::Duration::days(1),
                    today + chrono::Duration::days(7),
                )
                .expect("calendar"),
                evening: chrono::NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                pace: ReadingPace::default(),
                rules: PointRules::default(),
                units: vec![district.id],
                collections: vec![collection],
            },
            now,
        )
        .await
        .expect("campaign")
        .id;

    let mut week: [Vec<SlotTimes>; 7] = Default::default();
    for day in week.iter_mut() {
        *day = SlotTimes::parse_list("09:00-12:00, 13:30-16:30").expect("hours");
    }
    let site = store
        .create_site(
            &suyuan_store::sites::SiteForm {
                unit: district.id,
                details: SiteDetails::new(
                    "西湖区纪念馆",
                    "memorial_hall",
                    "杭州市西湖区",
                    None,
                    "",
                )
                .expect("details"),
                hours: OpeningHours::new(DEFAULT_ZONE, 90, week).expect("week"),
                rules: VisitRules::new(60, 300, (5, 60), 30, 24, 12).expect("rules"),
            },
            now,
        )
        .await
        .expect("site")
        .id;
    let slots = (3..=20)
        .flat_map(|ahead| {
            let day = today + chrono::Duration::days(ahead);
            ["09:00", "10:30", "13:30", "15:00"].map(move |time| {
                let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").expect("time");
                suyuan_core::campaigns::local_instant(DEFAULT_ZONE, day, time)
            })
        })
        .collect();

    let pledge = store
        .create_pledge(
            &district,
            Pledger::Unit(district.id),
            &Promise::new(
                "修好小区路灯",
                "修好翠苑一区的路灯。",
                "翠苑一区的居民",
                "西湖区",
            )
            .expect("promise"),
            &Timeline::new(today + chrono::Duration::days(30), DEFAULT_ZONE, today)
                .expect("timeline"),
            admin,
            now,
        )
        .await
        .expect("pledge")
        .id;
    // A test of twenty true-or-false questions, open all the rounds long,
    // sat once a round.
    let bank: Vec<Question> = (1..=20)
        .map(|i| {
            Question::new(
                format!("第{i}题：宪法是国家的根本法。"),
                Answer::TrueFalse {
                    correct: true,
                    if_true: None,
                    if_false: None,
                },
            )
        })
        .collect();
    store
        .add_questions(district.id, &bank, Status::Active, now)
        .await
        .expect("the bank");
    let exam = store
        .create_exam(
            NewExam {
                owner: district.id,
                campaign: None,
                title: "宪法知识测试".into(),
                window: Window {
                    opens: now - chrono::Duration::hours(1),
                    closes: now + chrono::Duration::days(1),
                    limit: chrono::Duration::hours(2),
                    attempts_allowed: (ROUNDS + 1) as u32,
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
        .await
        .expect("the test")
        .id;
    let category =
        Category::new("lights", "路灯", "", "", ClockRules::default()).expect("category");
    store
        .save_request_category(&category, 0, true)
        .await
        .expect("a category");
    let (_, open311_key) = store
        .issue_open311_key(&district, "街道App", admin, now)
        .await
        .expect("a key");
    World {
        open311_key: open311_key.expose().to_owned(),
        member,
        campaign,
        excerpts,
        site,
        slots,
        pledge,
        exam,
    }
}

/// Imports a public collection of 1,600 one-line paragraphs: its id and
/// its excerpts' ids (a member marks an excerpt once a day, so each mark
/// reads another).
async fn many_paragraphs(
    store: &Store,
    owner: &suyuan_store::units::Unit,
) -> (CollectionId, Vec<i64>) {
    let mut text = String::from("# 段落集\n\n<!-- INFO END -->\n\n");
    for i in 0..ROUNDS * MARKS_A_ROUND {
        text.push_str(&format!("第{i}段：短短一句。\n\n"));
    }
    let parsed = parse_text("段落集.md", &text, Markup::Markdown).expect("parses");
    let imported = store
        .import_collections(
            &[NewCollection {
                category: "",
                parsed: &parsed,
                owner: owner.id,
                visibility: Visibility::Public,
            }],
            Utc::now(),
        )
        .await
        .expect("import");
    let (Imported::Created { id, .. } | Imported::AlreadyThere { id, .. }) = imported[0];
    let excerpts = store
        .excerpts(id, None)
        .await
        .expect("excerpts")
        .iter()
        .map(|e| e.id.0)
        .collect();
    (id, excerpts)
}

/// Signs `login` in over the API; their token.
fn sign_in(address: &str, login: &str) -> String {
    let body = format!(r#"{{"login":"{login}","password":"{PASSWORD}"}}"#);
    let (status, body) =
        request(address, "POST", "/api/v1/auth/login", None, &[], &body).expect("sign in");
    assert_eq!(status, 200, "{body}");
    json(&body)["token"].as_str().expect("token").to_owned()
}

/// What the server answered yes to, over every round so far.
#[derive(Default)]
struct Acknowledged {
    /// Each mark's id and the body it was sent with.
    marks: Vec<(String, String)>,
    /// Each booking's idempotency key, its body, and the code it got.
    bookings: Vec<(String, String, String)>,
    /// Each pledge update's text (each is unique).
    updates: Vec<String>,
    /// Each answer: its attempt, the question's position, the answer.
    answers: Vec<(i64, usize, bool)>,
    /// Attempts handed in.
    submitted: Vec<i64>,
    /// Requests from the public: their id and description.
    requests: Vec<(i64, String)>,
}

/// A small generator of the kill's moment: the same rounds every run.
fn moment(round: usize) -> Duration {
    let mut x = (round as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    Duration::from_millis(200 + x % 1_000)
}

/// One round: the server started, clients writing, SIGKILL at the
/// round's moment. What was acknowledged is added to `acknowledged`.
fn round(
    n: usize,
    location: &Location,
    work: &Path,
    world: &World,
    stamps: &[(i64, String)],
    acknowledged: &Arc<Mutex<Acknowledged>>,
) {
    let mut server = start(location, work);
    let member = sign_in(&server.address, "crash-member");
    let admin = sign_in(&server.address, "crash-admin");
    let gone = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    // Reading marks: two clients, each its half of the round's stamps.
    for (half, share) in stamps.chunks(MARKS_A_ROUND / 2).enumerate() {
        let share = share.to_vec();
        let (address, token) = (server.address.clone(), member.clone());
        let (gone, acknowledged) = (gone.clone(), acknowledged.clone());
        let campaign = world.campaign.0;
        clients.push(std::thread::spawn(move || {
            for (i, (excerpt, stamp)) in share.into_iter().enumerate() {
                let id = uuid(n * 2 + half, i);
                let body = mark(&id, excerpt, campaign, &stamp);
                match request(
                    &address,
                    "POST",
                    "/api/v1/reading/marks",
                    Some(&token),
                    &[],
                    &body,
                ) {
                    Some((201, _)) => acknowledged.lock().expect("lock").marks.push((id, body)),
                    Some((status, body)) => panic!("a mark: {status}: {body}"),
                    None if gone.load(Ordering::SeqCst) => return,
                    // Refused before the kill (a connection reset): that
                    // reading is left unmarked.
                    None => continue,
                }
            }
        }));
    }
    // Bookings, each with a key of its own, one slot after another.
    {
        let (address, token) = (server.address.clone(), member.clone());
        let (gone, acknowledged) = (gone.clone(), acknowledged.clone());
        let (site, slots) = (world.site.0, world.slots.clone());
        clients.push(std::thread::spawn(move || {
            for i in 0.. {
                let key = format!("round{n}-booking{i}");
                let at = slots[(n * 7 + i) % slots.len()];
                let body = format!(
                    r#"{{"starts_at":"{}","organization":"翠苑一区党支部","contact_name":"张三","phone":"13800000000","headcount":5}}"#,
                    at.to_rfc3339()
                );
                let path = format!("/api/v1/sites/{site}/bookings");
                match request(&address, "POST", &path, Some(&token), &[("Idempotency-Key", &key)], &body) {
                    Some((201, answer)) => {
                        let code = json(&answer)["code"].as_str().expect("code").to_owned();
                        acknowledged.lock().expect("lock").bookings.push((key, body, code));
                    }
                    // The slot or the day is full: nothing booked.
                    Some((409, _)) => {}
                    Some((status, answer)) => panic!("a booking: {status}: {answer}"),
                    None if gone.load(Ordering::SeqCst) => return,
                    None => continue,
                }
            }
        }));
    }
    // How the pledge is getting on, written by the unit's admin.
    {
        let (address, token) = (server.address.clone(), admin);
        let (gone, acknowledged) = (gone.clone(), acknowledged.clone());
        let pledge = world.pledge.0;
        clients.push(std::thread::spawn(move || {
            for i in 0.. {
                let text = format!("第{n}轮第{i}条进展");
                let body = format!(r#"{{"text":"{text}"}}"#);
                let path = format!("/api/v1/pledges/{pledge}/updates");
                match request(&address, "POST", &path, Some(&token), &[], &body) {
                    Some((201, _)) => acknowledged.lock().expect("lock").updates.push(text),
                    Some((status, answer)) => panic!("a pledge update: {status}: {answer}"),
                    None if gone.load(Ordering::SeqCst) => return,
                    None => continue,
                }
            }
        }));
    }
    // A test sat: last round's attempt handed in, a new one started, and
    // each question answered once, in turn.
    {
        let (address, token) = (server.address.clone(), member.clone());
        let (gone, acknowledged) = (gone.clone(), acknowledged.clone());
        let exam = world.exam.0;
        clients.push(std::thread::spawn(move || {
            let start = || {
                let path = format!("/api/v1/tests/{exam}/attempts");
                let (status, answer) = request(&address, "POST", &path, Some(&token), &[], "")?;
                assert_eq!(status, 200, "an attempt: {answer}");
                json(&answer)["id"].as_i64()
            };
            let Some(mut attempt) = start() else { return };
            if acknowledged
                .lock()
                .expect("lock")
                .answers
                .iter()
                .any(|(a, _, _)| *a == attempt)
            {
                let path = format!("/api/v1/attempts/{attempt}/submit");
                match request(&address, "POST", &path, Some(&token), &[], "") {
                    Some((200, _)) => acknowledged.lock().expect("lock").submitted.push(attempt),
                    Some((status, answer)) => panic!("handing in: {status}: {answer}"),
                    None => return,
                }
                let Some(next) = start() else { return };
                attempt = next;
            }
            for position in 0..QUESTIONS {
                let value = (n + position).is_multiple_of(2);
                let path = format!("/api/v1/attempts/{attempt}/answers/{position}");
                let body = format!(r#"{{"value":{value}}}"#);
                match request(&address, "PUT", &path, Some(&token), &[], &body) {
                    Some((204, _)) => acknowledged
                        .lock()
                        .expect("lock")
                        .answers
                        .push((attempt, position, value)),
                    Some((status, answer)) => panic!("an answer: {status}: {answer}"),
                    None if gone.load(Ordering::SeqCst) => return,
                    None => continue,
                }
            }
        }));
    }
    // Requests from the public, sent through a unit's Open311 app.
    {
        let address = server.address.clone();
        let (gone, acknowledged) = (gone.clone(), acknowledged.clone());
        let key = world.open311_key.clone();
        clients.push(std::thread::spawn(move || {
            for i in 0..REQUESTS_A_ROUND {
                let description = format!("round {n} request {i}: the street light on Wensan Road is out");
                let body = format!(
                    "api_key={key}&service_code=lights&address_string=Wensan+Road&description={}&last_name=Zhang&first_name=San&phone=13800000000",
                    description.replace(' ', "+").replace(':', "%3A")
                );
                match request(&address, "POST", "/open311/v2/requests.json", None, &[], &body) {
                    Some((201, answer)) => {
                        let id = json(&answer)[0]["service_request_id"]
                            .as_str()
                            .and_then(|id| id.parse().ok())
                            .expect("a request id");
                        acknowledged.lock().expect("lock").requests.push((id, description));
                    }
                    Some((status, answer)) => panic!("a request: {status}: {answer}"),
                    None if gone.load(Ordering::SeqCst) => return,
                    None => continue,
                }
            }
        }));
    }
    std::thread::sleep(moment(n));
    gone.store(true, Ordering::SeqCst);
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    for client in clients {
        client.join().expect("a client");
    }
}

/// Checks every acknowledged write is stored once and every kept figure
/// equals its recount; the number of writes checked.
async fn verify(store: &Store, world: &World, acknowledged: &Acknowledged) -> usize {
    let campaign = store.campaign(world.campaign).await.expect("campaign");
    let marks: Vec<String> = store
        .marks_of(world.member, &campaign)
        .await
        .expect("marks")
        .into_iter()
        .map(|m| m.id.as_str().to_owned())
        .collect();
    for (id, _) in &acknowledged.marks {
        let copies = marks.iter().filter(|m| *m == id).count();
        assert_eq!(copies, 1, "acknowledged mark {id} is stored {copies} times");
    }
    let distinct: BTreeSet<&String> = marks.iter().collect();
    assert_eq!(distinct.len(), marks.len(), "a mark stored twice");
    let drift = store.recount_differences(&campaign).await.expect("recount");
    assert!(
        drift.is_empty(),
        "reading progress drifted from its recount: {drift:?}"
    );

    for (key, _, code) in &acknowledged.bookings {
        let code = BookingCode::parse(code).expect("a booking code");
        let found = store.bookings_by_code(&code).await.expect("booking");
        assert_eq!(
            found.len(),
            1,
            "booking {key} ({code}) is stored {} times",
            found.len()
        );
    }
    for at in &world.slots {
        let (held, counted) = store.recount_slot(world.site, *at).await.expect("slot");
        assert_eq!(
            held, counted,
            "the slot at {at} counts {counted} places, its bookings hold {held}"
        );
    }

    let updates = store.pledge_updates(world.pledge).await.expect("updates");
    for text in &acknowledged.updates {
        let copies = updates.iter().filter(|u| u.text == *text).count();
        assert_eq!(
            copies, 1,
            "acknowledged update {text:?} is stored {copies} times"
        );
    }
    for (attempt, position, value) in &acknowledged.answers {
        let given = store.answers(AttemptId(*attempt)).await.expect("answers");
        let at: Vec<_> = given.iter().filter(|a| a.position == *position).collect();
        assert_eq!(
            at.len(),
            1,
            "attempt {attempt}'s answer {position} is stored {} times",
            at.len()
        );
        assert_eq!(
            at[0].response,
            Response::Bool(*value),
            "attempt {attempt}'s answer {position}"
        );
    }
    for attempt in &acknowledged.submitted {
        let handed_in = store.attempt(AttemptId(*attempt)).await.expect("attempt");
        assert!(!handed_in.is_open(), "attempt {attempt} was handed in");
    }
    for (id, description) in &acknowledged.requests {
        let stored = store
            .request(RequestId(*id))
            .await
            .expect("an acknowledged request");
        assert_eq!(&stored.submission.description, description, "request {id}");
    }
    assert_eq!(
        store.kept_request_days().await.expect("kept"),
        store.recount_request_days().await.expect("recount"),
        "request figures drifted from their recount"
    );
    assert_eq!(
        store.kept_pledge_days().await.expect("kept"),
        store.recount_pledge_days().await.expect("recount"),
        "pledge figures drifted from their recount"
    );
    acknowledged.marks.len()
        + acknowledged.bookings.len()
        + acknowledged.updates.len()
        + acknowledged.answers.len()
        + acknowledged.submitted.len()
        + acknowledged.requests.len()
}

/// A private PostgreSQL server, so that stopping it the hard way between
/// rounds troubles no other test.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Run as `postgres` (the servers refuse to run as root).
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn new() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin"))
            .find(|bin| bin.join("pg_ctl").exists())?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
        let dir = tempfile::tempdir().expect("a directory for the cluster");
        let data = dir.path().join("data");
        if root {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(owned.success(), "the cluster's directory given to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Self {
            bin,
            data,
            port,
            as_postgres: root,
            _dir: dir,
        };
        let made = cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        assert!(made, "initdb");
        cluster.start();
        Some(cluster)
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {}",
            self.port,
            self.data.display()
        );
        let data = self.data.display().to_string();
        let log = self.data.join("log").display().to_string();
        assert!(
            self.run(
                "pg_ctl",
                &["-D", &data, "-l", &log, "-o", &options, "-w", "start"]
            ),
            "the private PostgreSQL server starts"
        );
    }

    /// Stops the server as a crash would (no checkpoint; it recovers from
    /// its log at the next start), and starts it again.
    fn crash_and_restart(&self) {
        let data = self.data.display().to_string();
        assert!(
            self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]),
            "the private PostgreSQL server stops"
        );
        self.start();
    }

    fn location(&self) -> Location {
        Location::Url(format!("postgres://postgres@127.0.0.1:{}/crash", self.port))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

fn crash_rounds(location: Location, cluster: Option<&Cluster>) {
    let work = tempfile::tempdir().expect("a working directory");
    let work = work.path();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let world = runtime.block_on(async {
        location
            .create_database_if_missing()
            .await
            .expect("database");
        let store = Store::open(&location).await.expect("open");
        let world = seed(&store).await;
        store.close().await.expect("close");
        world
    });

    // Every excerpt is opened once first (each answer hands out an opening
    // stamp, good for a week and on every instance), so that the rounds
    // only write; a few seconds pass, as reading a paragraph takes.
    let mut server = start(&location, work);
    let token = sign_in(&server.address, "crash-member");
    let stamps: Vec<(i64, String)> = world
        .excerpts
        .iter()
        .map(|excerpt| {
            let path = format!("/api/v1/excerpts/{excerpt}");
            let (status, body) =
                request(&server.address, "GET", &path, Some(&token), &[], "").expect("the excerpt");
            assert_eq!(status, 200, "{body}");
            (
                *excerpt,
                json(&body)["opening_stamp"]
                    .as_str()
                    .expect("a stamp")
                    .to_owned(),
            )
        })
        .collect();
    server.child.kill().expect("stop");
    let _ = server.child.wait();
    std::thread::sleep(Duration::from_secs(3));

    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let started = Instant::now();
    let mut checked = 0;
    for (n, share) in stamps.chunks(MARKS_A_ROUND).take(ROUNDS).enumerate() {
        round(n, &location, work, &world, share, &acknowledged);
        if let Some(cluster) = cluster {
            cluster.crash_and_restart();
        }
        let acknowledged = acknowledged.lock().expect("lock");
        checked = runtime.block_on(async {
            let store = Store::open(&location).await.expect("open after the crash");
            let checked = verify(&store, &world, &acknowledged).await;
            store.close().await.expect("close");
            checked
        });
    }

    // After the last crash: a retry of an acknowledged write is answered
    // as already made.
    let mut server = start(&location, work);
    let token = sign_in(&server.address, "crash-member");
    let acknowledged = acknowledged.lock().expect("lock");
    let (_, body) = acknowledged.marks.first().expect("marks were acknowledged");
    let (status, _) = request(
        &server.address,
        "POST",
        "/api/v1/reading/marks",
        Some(&token),
        &[],
        body,
    )
    .expect("a mark again");
    assert_eq!(status, 200, "a retried mark is recognised");
    let (key, body, code) = acknowledged
        .bookings
        .first()
        .expect("bookings were acknowledged");
    let path = format!("/api/v1/sites/{}/bookings", world.site.0);
    let (status, answer) = request(
        &server.address,
        "POST",
        &path,
        Some(&token),
        &[("Idempotency-Key", key)],
        body,
    )
    .expect("a booking again");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(json(&answer)["code"].as_str(), Some(code.as_str()));
    let _ = server.child.kill();
    let _ = server.child.wait();
    // The figures RELIABILITY.md records.
    println!(
        "{ROUNDS} rounds survived in {:.0?}: {checked} acknowledged writes checked ({} marks, {} bookings, {} pledge updates, {} answers, {} attempts handed in, {} requests)",
        started.elapsed(),
        acknowledged.marks.len(),
        acknowledged.bookings.len(),
        acknowledged.updates.len(),
        acknowledged.answers.len(),
        acknowledged.submitted.len(),
        acknowledged.requests.len()
    );
}

/// A mark as a client sends it, claiming ten minutes on the page.
fn mark(id: &str, excerpt: i64, campaign: i64, stamp: &str) -> String {
    format!(
        r#"{{"id":"{id}","excerpt_id":{excerpt},"campaign_id":{campaign},"stamp":"{stamp}","seconds_on_page":600,"reached_end":true}}"#
    )
}

#[test]
fn acknowledged_writes_survive_sigkill_on_sqlite() {
    let db = TestDb::sqlite();
    crash_rounds(db.location.clone(), None);
}

#[test]
fn acknowledged_writes_survive_sigkill_and_database_crashes_on_postgres() {
    // Run where the suite runs against PostgreSQL, on a server of its own.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    if runtime.block_on(TestDb::postgres()).is_none() {
        return;
    }
    let cluster = Cluster::new();
    if cluster.is_none() && std::env::var_os("CI").is_some() {
        panic!("CI runs this on a PostgreSQL server of its own: no pg_ctl in /usr/lib/postgresql");
    }
    let Some(cluster) = cluster else {
        return;
    };
    crash_rounds(cluster.location(), Some(&cluster));
}
