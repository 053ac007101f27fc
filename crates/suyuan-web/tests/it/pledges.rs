//! Pledges from outside: a member pledges, an admin of the unit approves
//! it before the public sees it, the public comments (held until a
//! moderator shows it) and confirms it done; nobody without sign-in can
//! write anything else; the board filters and the API agree; and the
//! round counts overdue pledges and reminds pledgers once, however many
//! instances run it.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use suyuan_core::clock::Clock;
use suyuan_core::pledges::{Pledger, Promise, Timeline};
use suyuan_web::OutboundSettings;

use crate::reminders::{mail_server, robot};
use crate::{Browser, TestApp, hidden, location};

/// Today in Hangzhou, by the test clock.
fn today(app: &TestApp) -> chrono::NaiveDate {
    app.clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// The id in a `/pledges/{id}` address.
fn pledge_id(address: &str) -> i64 {
    address
        .trim_start_matches("/pledges/")
        .split(['#', '?', '/'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a pledge's address: {address}"))
}

/// Sends a visitor's form on the pledge page (a comment or a
/// confirmation) with what the page itself carries.
async fn send_public(
    browser: &Browser,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = browser.text(page_path).await;
    let mut form: Vec<(String, String)> = ["csrf", "issued"]
        .iter()
        .filter_map(|name| hidden(&page, name).map(|v| (name.to_string(), v)))
        .collect();
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    browser
        .client
        .post(browser.url(action))
        .form(&form)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn a_member_s_pledge_is_approved_commented_moderated_completed_and_confirmed() {
    let app = TestApp::spawn().await;
    let member = app.signed_in("cuiyuan-member").await;
    let deadline = (today(&app) + Duration::days(10)).to_string();
    let pledge_fields = |title: &'static str| {
        vec![
            ("pledger", "myself".to_owned()),
            ("title", title.to_owned()),
            (
                "description",
                "每周六上午在社区活动室为老人修理小家电".to_owned(),
            ),
            ("beneficiaries", "翠苑一区的独居老人".to_owned()),
            ("place", "翠苑一区社区活动室".to_owned()),
            ("deadline", deadline.clone()),
        ]
    };

    // An empty title and a past deadline are named beside their fields;
    // nothing is made.
    let mut bad = pledge_fields("");
    bad[5].1 = "2020-01-01".to_owned();
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = member.submit("/pledges/new", "/pledges/new", &refs).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("body");
    assert!(
        page.contains("请填写这一项") && page.contains("期限已过"),
        "{page}"
    );
    assert!(page.contains("id=\"title-error\"") && page.contains("id=\"deadline-error\""));

    let good = pledge_fields("为独居老人修小家电");
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = member.submit("/pledges/new", "/pledges/new", &refs).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let path = location(&made);
    let id = pledge_id(&path);
    assert!(
        member.text(&path).await.contains("等待本单位管理员审核"),
        "the member sees it waits"
    );

    // Not public until approved: the visitor gets nothing.
    let visitor = app.browser();
    assert_eq!(visitor.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert!(
        !visitor
            .text("/pledges")
            .await
            .contains("为独居老人修小家电")
    );

    // An admin of another county may not decide; Xihu's admin is told on
    // the home page, and approves.
    let chunan = app.signed_in("chunan-admin").await;
    let foreign = chunan
        .submit(
            "/pledges/desk",
            &format!("/pledges/{id}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert!(
        foreign.status() == StatusCode::FORBIDDEN || foreign.status() == StatusCode::NOT_FOUND,
        "{}",
        foreign.status()
    );
    let admin = app.signed_in("xihu-admin").await;
    assert!(admin.text("/").await.contains("1 项个人承诺等待审核"));
    assert!(
        admin
            .text("/pledges/desk")
            .await
            .contains("为独居老人修小家电")
    );
    let approved = admin
        .submit(
            "/pledges/desk",
            &format!("/pledges/{id}/decision"),
            &[("decision", "approve"), ("back", "/pledges/desk")],
        )
        .await;
    assert_eq!(location(&approved), "/pledges/desk");
    let public = visitor.text(&path).await;
    assert!(public.contains("为独居老人修小家电") && public.contains("进行中"));
    assert!(
        public.contains("property=\"og:title\""),
        "a readable preview"
    );

    // A comment sent at once is a script's; one sent after reading is
    // held, and shows only once a moderator shows it.
    let hurried = send_public(
        &visitor,
        &path,
        &format!("/pledges/{id}/comments"),
        &[("text", "太好了"), ("author", "李阿姨")],
    )
    .await;
    assert_eq!(
        crate::retry_after(&hurried),
        3,
        "once the form has been open long enough"
    );
    app.clock.advance(Duration::seconds(5));
    let page = visitor.text(&path).await;
    let mut form = vec![
        ("csrf".to_owned(), hidden(&page, "csrf").expect("csrf")),
        (
            "issued".to_owned(),
            hidden(&page, "issued").expect("issued"),
        ),
    ];
    app.clock.advance(Duration::seconds(5));
    form.push(("text".into(), "修好了我家的电饭煲，谢谢小陈！".into()));
    form.push(("author".into(), "李阿姨".into()));
    let held = visitor
        .client
        .post(visitor.url(&format!("/pledges/{id}/comments")))
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    assert!(!visitor.text(&path).await.contains("修好了我家的电饭煲"));
    let desk = admin.text("/pledges/desk").await;
    assert!(desk.contains("修好了我家的电饭煲"), "{desk}");
    let comment = {
        let marker = format!("/pledges/{id}/comments/");
        let start = desk.find(&marker).expect("moderation form") + marker.len();
        desk[start..].split('"').next().expect("id").to_owned()
    };
    let moderate = |state: &'static str| {
        let admin = &admin;
        let comment = comment.clone();
        async move {
            admin
                .submit(
                    "/pledges/desk",
                    &format!("/pledges/{id}/comments/{comment}"),
                    &[("state", state), ("back", "/pledges/desk")],
                )
                .await
        }
    };
    assert_eq!(moderate("shown").await.status(), StatusCode::SEE_OTHER);
    assert!(visitor.text(&path).await.contains("修好了我家的电饭煲"));
    assert_eq!(moderate("hidden").await.status(), StatusCode::SEE_OTHER);
    assert!(!visitor.text(&path).await.contains("修好了我家的电饭煲"));
    assert!(
        admin.text(&path).await.contains("已隐藏"),
        "the record stays for moderators"
    );

    // Not done yet: nothing to confirm.
    let early = send_public(
        &visitor,
        &path,
        &format!("/pledges/{id}/confirmations"),
        &[],
    )
    .await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The member completes it with evidence and a photo.
    let page = member.text(&path).await;
    let form = Form::new()
        .text("csrf", hidden(&page, "csrf").expect("csrf"))
        .text("evidence", "三个周六共修好 27 件小家电")
        .part(
            "photos",
            Part::bytes(crate::gatherings::png()).file_name("repair.png"),
        );
    let completed = member
        .client
        .post(member.url(&format!("/pledges/{id}/completion")))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(completed.status(), StatusCode::SEE_OTHER);
    let done = visitor.text(&path).await;
    assert!(done.contains("按时办结") && done.contains("三个周六共修好 27 件小家电"));
    let photo = {
        let marker = format!("/pledges/{id}/photos/");
        let start = done.find(&marker).expect("a photo");
        done[start..].split('"').next().expect("href").to_owned()
    };
    let served = visitor.get(&photo).await;
    assert_eq!(served.headers()["content-type"], "image/jpeg");

    // A visitor confirms it, once.
    app.clock.advance(Duration::seconds(5));
    let page = visitor.text(&path).await;
    let form = vec![
        ("csrf".to_owned(), hidden(&page, "csrf").expect("csrf")),
        (
            "issued".to_owned(),
            hidden(&page, "issued").expect("issued"),
        ),
    ];
    app.clock.advance(Duration::seconds(5));
    for expected in ["谢谢，您的确认已记下", "每人只计一次"] {
        let sent = visitor
            .client
            .post(visitor.url(&format!("/pledges/{id}/confirmations")))
            .form(&form)
            .send()
            .await
            .expect("POST");
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        assert!(visitor.text(&path).await.contains(expected), "{expected}");
    }
    assert!(visitor.text(&path).await.contains("已有 1 人确认办了"));

    // The API agrees with the board, and refuses a status it does not know.
    let listed: serde_json::Value = reqwest::get(app.url(&format!(
        "/api/v1/pledges?unit={}&status=done_on_time",
        app.world.xihu.id
    )))
    .await
    .expect("GET")
    .json()
    .await
    .expect("json");
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["confirmations"], 1);
    let unknown = reqwest::get(app.url("/api/v1/pledges?status=lost"))
        .await
        .expect("GET");
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let board = visitor
        .text(&format!(
            "/pledges?unit={}&status=done_on_time",
            app.world.chunan.id
        ))
        .await;
    assert!(
        !board.contains("为独居老人修小家电"),
        "filtered out by unit"
    );
    app.stop().await;
}

#[tokio::test]
async fn without_sign_in_only_a_held_comment_or_a_confirmation_can_be_written() {
    let app = TestApp::spawn().await;
    let admin = app.token("xihu-admin").await;
    let client = reqwest::Client::new();
    let deadline = (today(&app) + Duration::days(5)).to_string();
    let made: serde_json::Value = client
        .post(app.url("/api/v1/pledges"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({
            "title": "疏通 5 号楼下水道",
            "description": "联系物业疏通",
            "beneficiaries": "5 号楼住户",
            "deadline": deadline,
            "unit": app.world.xihu.id,
        }))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    assert_eq!(
        made["approval"], "approved",
        "a unit's own is public at once"
    );
    let id = made["id"].as_i64().expect("id");
    let visitor = app.browser();
    let page = format!("/pledges/{id}");
    let csrf = visitor.csrf(&page).await;
    for (action, fields) in [
        ("/pledges/new".to_owned(), vec![("title", "x")]),
        (
            format!("/pledges/{id}/updates"),
            vec![("text", "已联系物业")],
        ),
        (
            format!("/pledges/{id}/decision"),
            vec![("decision", "approve")],
        ),
        (
            format!("/pledges/{id}/comments/1"),
            vec![("state", "shown")],
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let sent = visitor
            .client
            .post(visitor.url(&action))
            .form(&form)
            .send()
            .await
            .expect("POST");
        assert!(
            sent.status() == StatusCode::SEE_OTHER && location(&sent).starts_with("/login")
                || sent.status() == StatusCode::UNAUTHORIZED,
            "{action}: {}",
            sent.status()
        );
    }
    let completion = visitor
        .client
        .post(visitor.url(&format!("/pledges/{id}/completion")))
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .text("evidence", "done"),
        )
        .send()
        .await
        .expect("POST");
    assert!(completion.status().is_redirection() || completion.status() == 401);
    for (path, body) in [
        (
            "/api/v1/pledges".to_owned(),
            serde_json::json!({"title": "x"}),
        ),
        (
            format!("/api/v1/pledges/{id}/completion"),
            serde_json::json!({"evidence": "done"}),
        ),
        (
            format!("/api/v1/pledges/{id}/updates"),
            serde_json::json!({"text": "x"}),
        ),
    ] {
        let sent = client
            .post(app.url(&path))
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert_eq!(sent.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let after: serde_json::Value = client
        .get(app.url(&format!("/api/v1/pledges/{id}")))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(after["status"], "in_progress");
    assert_eq!(after["updates"].as_array().map(Vec::len), Some(0));
    assert_eq!(after["evidence"], "");
    app.stop().await;
}

#[tokio::test]
async fn the_round_reminds_once_and_counts_overdue_once_across_instances() {
    let app = TestApp::spawn().await;
    let zone = chrono_tz::Asia::Shanghai;
    let admin = app
        .store
        .member_by_number(&suyuan_core::members::MemberNumber::parse("xihu-admin").expect("number"))
        .await
        .expect("admin");
    let promise =
        Promise::new("修好楼道灯", "为居民更换楼道灯", "3 号楼住户", "").expect("promise");
    let timeline =
        Timeline::new(today(&app) + Duration::days(9), zone, today(&app)).expect("timeline");
    app.store
        .create_pledge(
            &app.world.xihu,
            Pledger::Unit(app.world.xihu.id),
            &promise,
            &timeline,
            admin.id,
            app.clock.now(),
        )
        .await
        .expect("pledge");
    let (robot_url, posts) = robot().await;
    let (smtp_url, mails) = mail_server().await;
    app.store
        .set_reminder_hook(app.world.xihu.id, Some(&robot_url), app.clock.now())
        .await
        .expect("hook");
    let email = suyuan_core::members::Email::parse("shen@example.org").expect("email");
    app.store
        .set_email(admin.id, Some(&email))
        .await
        .expect("email");
    let settings = OutboundSettings {
        smtp_url: Some(smtp_url),
        mail_from: Some("溯源 <study@example.org>".into()),
        allow: vec!["127.0.0.1".into()],
    };
    let first = app.instance(&settings).await;
    let second = app.instance(&settings).await;
    // A week later it is due in two days. (The served app's own round
    // ran at its start, when nothing was due, and runs again only a
    // minute later: these two instances are the ones that find it.)
    app.clock.advance(Duration::days(7));
    // Both instances at once remind the unit's admin once.
    let (a, b) = tokio::join!(first.pledge_round(), second.pledge_round());
    let (a, b) = (a.expect("round"), b.expect("round"));
    assert_eq!(a.reminded + b.reminded, 1);
    assert_eq!((a.overdue, b.overdue), (0, 0), "not yet due");
    assert_eq!(a.emails + b.emails, 1);
    assert_eq!(posts.lock().expect("lock").len(), 1);
    assert!(
        posts.lock().expect("lock")[0]
            .to_string()
            .contains("修好楼道灯")
    );
    assert_eq!(mails.lock().expect("lock").len(), 1);
    let home = app.signed_in("xihu-admin").await.text("/").await;
    assert!(
        home.contains("承诺「修好楼道灯」"),
        "the home page says it too"
    );

    app.clock.advance(Duration::days(3));
    let (a, b) = tokio::join!(first.pledge_round(), second.pledge_round());
    let (a, b) = (a.expect("round"), b.expect("round"));
    assert_eq!(a.overdue + b.overdue, 1);
    assert_eq!(a.reminded + b.reminded, 0, "reminded once only");
    assert_eq!(first.pledge_round().await.expect("round").overdue, 0);
    let board = app.browser().text("/pledges?status=overdue").await;
    assert!(board.contains("修好楼道灯") && board.contains("已逾期"));
    app.stop().await;
}
