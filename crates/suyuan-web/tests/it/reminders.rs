//! Evening reminders: once a day per member, from one instance only,
//! through a real SMTP listener and a real group-robot listener.

use axum::Json;
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use suyuan_web::OutboundSettings;

use crate::TestApp;
use suyuan_core::clock::Clock;

/// A group robot: records every JSON body posted to it.
pub async fn robot() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/robot",
        post(move |Json(body): Json<Value>| {
            let record = record.clone();
            async move {
                record.lock().expect("lock").push(body);
                Json(serde_json::json!({"errcode": 0}))
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/robot", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// The port a robot of `robot()` listens on.
fn port_of(robot_url: &str) -> String {
    robot_url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/robot")
        .to_owned()
}

/// A mail server that speaks just enough SMTP, and keeps what it is sent.
pub async fn mail_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("smtp://{}", listener.local_addr().expect("address"));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            record.lock().expect("lock").push(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split(' ')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn members_who_have_not_read_are_reminded_once_by_one_instance() {
    for app in TestApp::spawn_each().await {
        let campaign = app.campaign().await;
        let (robot_url, posts) = robot().await;
        let (smtp_url, mails) = mail_server().await;
        let settings = OutboundSettings {
            smtp_url: Some(smtp_url),
            mail_from: Some("溯源 <study@example.org>".into()),
            allow: vec!["127.0.0.1".into()],
        };
        // Xihu District's group robot, and the member's own address.
        let admin = app.token("xihu-admin").await;
        let client = reqwest::Client::new();
        let put = |path: String, token: &str, body: Value| {
            client
                .put(app.url(&path))
                .bearer_auth(token)
                .json(&body)
                .send()
        };
        let hook = format!("/api/v1/units/{}/reminder-hook", app.world.xihu.id);
        let refused = put(
            hook.clone(),
            &admin,
            serde_json::json!({"url": "ftp://robot"}),
        )
        .await
        .expect("put");
        assert_eq!(refused.status(), 422);
        let set = put(hook, &admin, serde_json::json!({"url": robot_url}))
            .await
            .expect("put");
        assert_eq!(set.status(), 204);
        let far = format!("/api/v1/units/{}/reminder-hook", app.world.chunan.id);
        assert_eq!(
            put(far, &admin, serde_json::json!({"url": "http://x.test/"}))
                .await
                .expect("put")
                .status(),
            404
        );
        let member = app.token("cuiyuan-member").await;
        let bad = put(
            "/api/v1/me/email".into(),
            &member,
            serde_json::json!({"email": "not-an-address"}),
        )
        .await
        .expect("put");
        assert_eq!(bad.status(), 422);
        let ok = put(
            "/api/v1/me/email".into(),
            &member,
            serde_json::json!({"email": "chen@example.org"}),
        )
        .await
        .expect("put");
        assert_eq!(ok.status(), 204);

        // Two instances on the same database, with the same clock.
        let first = app.instance(&settings).await;
        let second = app.instance(&settings).await;
        // 16:00 in Shanghai: not evening yet.
        assert_eq!(first.remind_now().await.expect("round").reminded, 0);

        // 20:30 in Shanghai: both instances try at once; one does it.
        app.clock.set(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 12, 30, 0)
                .single()
                .expect("time"),
        );
        let (a, b) = tokio::join!(first.remind_now(), second.remind_now());
        let (a, b) = (a.expect("round"), b.expect("round"));
        assert_eq!(a.campaigns + b.campaigns, 1, "{a:?} {b:?}");
        assert_eq!(
            a.reminded + b.reminded,
            2,
            "Xihu's two members have not read"
        );
        assert_eq!((a.emails + b.emails, a.webhooks + b.webhooks), (1, 1));
        assert_eq!(a.failures + b.failures, 0);
        // Again later the same evening: nothing more goes out.
        let again = first.remind_now().await.expect("round");
        assert_eq!(again.reminded, 0);
        let posts = posts.lock().expect("lock").clone();
        assert_eq!(posts.len(), 1);
        let content = posts[0]["text"]["content"].as_str().unwrap_or_default();
        assert!(
            content.contains("陈晓燕") && content.contains("沈丽华"),
            "{content}"
        );
        assert_eq!(posts[0]["msgtype"], "text");
        let mails = mails.lock().expect("lock").clone();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("chen@example.org"), "{}", mails[0]);

        // The member sees the reminder on their home page.
        let browser = app.signed_in("cuiyuan-member").await;
        let home = browser.text("/").await;
        assert!(home.contains("class=\"notice\""), "{home}");
        let _ = campaign;
        app.stop().await;
    }
}

/// A robot's address that sends every post on to `to` (307 keeps POST).
async fn redirector(to: String) -> String {
    let app = axum::Router::new().route(
        "/robot",
        post(move || {
            let to = to.clone();
            async move { axum::response::Redirect::temporary(&to) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/robot", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn robots_and_mail_never_reach_this_machine_or_a_private_network() {
    let app = TestApp::spawn().await;
    let _campaign = app.campaign().await;
    let (robot_url, posts) = robot().await;
    let port = port_of(&robot_url);

    // Set through the API of an instance the operator allowed nothing:
    // addresses on this machine or a private network are refused, named.
    let (base, _stop) = app.serve_with(&suyuan_web::Settings::default()).await;
    let admin = app.token("xihu-admin").await;
    let hook = format!("{base}/api/v1/units/{}/reminder-hook", app.world.xihu.id);
    for url in [
        robot_url.clone(),
        format!("http://localhost:{port}/robot"),
        "http://[::1]/robot".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.1.1.1/robot".to_owned(),
        "http://0.0.0.0/robot".to_owned(),
        "http://[::ffff:127.0.0.1]/robot".to_owned(),
        "http://100.100.100.200/latest".to_owned(),
    ] {
        let refused = reqwest::Client::new()
            .put(&hook)
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "url": url }))
            .send()
            .await
            .expect("put");
        assert_eq!(refused.status(), 422, "{url}");
        let body: Value = refused.json().await.expect("json");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("private network"), "{url}: {message}");
    }

    // A robot stored before (or a name that resolves elsewhere since) is
    // still not reached when a message goes. (The campaign's three
    // readings are due on the 23rd, 24th and 25th.)
    let evening = |day| {
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, day, 12, 30, 0)
            .single()
            .expect("time")
    };
    let round = round_to_this_machine_by_name(&app, &port).await;
    assert_eq!((round.webhooks, round.failures), (0, 1), "{round:?}");

    // Allowed its own machine's IPv4 address, the platform follows a
    // redirect there, but not one to anywhere else.
    let allowed = app
        .instance(&OutboundSettings {
            allow: vec!["127.0.0.1".into()],
            ..Default::default()
        })
        .await;
    let elsewhere = redirector(format!("http://[::1]:{port}/robot")).await;
    app.store
        .set_reminder_hook(app.world.xihu.id, Some(&elsewhere), app.clock.now())
        .await
        .expect("hook");
    app.clock.set(evening(24));
    let round = allowed.remind_now().await.expect("round");
    assert_eq!((round.webhooks, round.failures), (0, 1), "{round:?}");
    let onward = redirector(robot_url.clone()).await;
    app.store
        .set_reminder_hook(app.world.xihu.id, Some(&onward), app.clock.now())
        .await
        .expect("hook");
    app.clock.set(evening(25));
    let round = allowed.remind_now().await.expect("round");
    assert_eq!((round.webhooks, round.failures), (1, 0), "{round:?}");
    assert_eq!(posts.lock().expect("lock").len(), 1);

    // A mail server on this machine needs the operator's allowance too;
    // the refusal says how to give it.
    let (smtp_url, _mails) = mail_server().await;
    let refused = app
        .try_instance(&suyuan_web::Settings {
            outbound: OutboundSettings {
                smtp_url: Some(smtp_url),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .err()
        .expect("refused at start");
    assert!(refused.contains("--outbound-allow"), "{refused}");
    app.stop().await;
}

/// A proxy named by the environment is not used: it would resolve the
/// robot's name itself, past the check of where it leads. The round runs
/// in a child process of this test binary, whose environment names a
/// proxy this test listens as (a test may not change its own).
#[tokio::test]
async fn a_proxy_from_the_environment_does_not_carry_robots_past_the_check() {
    const CHILD: &str = "SUYUAN_TEST_PROXY_CHILD";
    if std::env::var_os(CHILD).is_some() {
        return robot_round_past_a_proxy().await;
    }
    let proxy = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("address"));
    let proxied = Arc::new(Mutex::new(0));
    let count = proxied.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = proxy.accept().await {
            *count.lock().expect("lock") += 1;
            drop(stream);
        }
    });
    let child = tokio::process::Command::new(std::env::current_exe().expect("this test"))
        .args([
            "reminders::a_proxy_from_the_environment_does_not_carry_robots_past_the_check",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .output()
        .await
        .expect("the child");
    let said = String::from_utf8_lossy(&child.stdout).into_owned()
        + &String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success(), "{said}");
    assert!(said.contains("1 passed"), "the round ran: {said}");
    assert_eq!(*proxied.lock().expect("lock"), 0, "the proxy was used");
}

/// A robot on this machine, named so that only a resolver would find it:
/// refused, with a proxy in the environment as without one.
async fn robot_round_past_a_proxy() {
    let app = TestApp::spawn().await;
    let _campaign = app.campaign().await;
    let (robot_url, posts) = robot().await;
    let port = port_of(&robot_url);
    let round = round_to_this_machine_by_name(&app, &port).await;
    assert_eq!((round.webhooks, round.failures), (0, 1), "{round:?}");
    assert!(posts.lock().expect("lock").is_empty());
}

/// The evening round of 23 November, by an instance allowed nothing, to a
/// robot on this machine at `port` named `localhost` (so that only a
/// resolver finds it).
async fn round_to_this_machine_by_name(app: &TestApp, port: &str) -> suyuan_web::Round {
    let unallowed = app.instance_with(&suyuan_web::Settings::default()).await;
    app.store
        .set_reminder_hook(
            app.world.xihu.id,
            Some(&format!("http://localhost:{port}/robot")),
            app.clock.now(),
        )
        .await
        .expect("hook");
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 12, 30, 0)
            .single()
            .expect("time"),
    );
    unallowed.remind_now().await.expect("round")
}
