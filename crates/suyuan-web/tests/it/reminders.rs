//! Evening reminders: once a day per member, from one instance only,
//! through a real SMTP listener and a real group-robot listener.

use axum::Json;
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use suyuan_web::ReminderSettings;

use crate::TestApp;

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
        let settings = ReminderSettings {
            smtp_url: Some(smtp_url),
            mail_from: Some("溯源 <study@example.org>".into()),
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
