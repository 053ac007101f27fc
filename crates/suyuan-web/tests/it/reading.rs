//! Daily reading over HTTP: marks that are plausible, idempotent and
//! acknowledged after commit; the today page, its form and the calendar.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, hidden, location};

async fn post_mark(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(app.url("/api/v1/reading/marks"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

async fn excerpt_ids(app: &TestApp) -> Vec<i64> {
    app.store
        .excerpts(suyuan_core::library::CollectionId(app.world.law), None)
        .await
        .expect("excerpts")
        .iter()
        .map(|e| e.id.0)
        .collect()
}

const ID: &str = "6f1c1a4e-8d2b-4c39-9a57-2e0b3f4d5a61";

#[tokio::test]
async fn marks_are_checked_recorded_once_and_counted() {
    for app in TestApp::spawn_each().await {
        let campaign = app.campaign().await.0;
        let excerpts = excerpt_ids(&app).await;
        let token = app.token("cuiyuan-member").await;
        let mark = |id: &str, excerpt: i64, stamp: &str, seconds: u32, reached_end: bool| {
            json!({"id": id, "excerpt_id": excerpt, "campaign_id": campaign, "stamp": stamp,
                   "seconds_on_page": seconds, "reached_end": reached_end})
        };
        let refused = |body: Value, why: &'static str| {
            let (app, token) = (&app, &token);
            async move {
                let (status, error) = post_mark(app, token, body).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {error}");
                let message = error["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(!message.is_empty(), "{why}: {error}");
                message
            }
        };

        // Today's assignment comes with a stamp for each excerpt.
        let today: Value = Client::new()
            .get(app.url("/api/v1/me/today"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("today")
            .json()
            .await
            .expect("json");
        let assigned = &today["campaigns"][0]["assignment"][0];
        assert_eq!(assigned["excerpt_id"], excerpts[2]);
        // With its source: the statute and the article.
        let source = &assigned["source"];
        assert_eq!(source["label"], "第三条", "{assigned}");
        assert!(
            source["collection_title"]
                .as_str()
                .is_some_and(|t| t.starts_with("中华人民共和国示例法")),
            "{assigned}"
        );
        assert_eq!(source["heading_path"][0], "第二章 附则");
        let stamp = assigned["stamp"].as_str().expect("a stamp").to_owned();
        let needed = assigned["min_seconds"].as_u64().expect("min seconds");

        // A script that marks it at once is refused, however long it
        // claims to have read; so is a mark without a stamp.
        let message = refused(mark(ID, excerpts[2], &stamp, 600, true), "at once").await;
        assert!(message.contains("opened 0 s ago"), "{message}");
        let mut bare = mark(ID, excerpts[2], &stamp, 600, true);
        bare.as_object_mut().expect("object").remove("stamp");
        let message = refused(bare, "no stamp").await;
        assert!(message.contains("stamp"), "{message}");

        // Another member's stamp, another excerpt's or a forged one: refused.
        let admin = app.token("xihu-admin").await;
        let theirs = app.stamp(&admin, excerpts[2]).await;
        let monday = app.stamp(&token, excerpts[0]).await;
        let forged = format!("{}0", stamp.trim_end_matches(char::is_alphanumeric));
        app.clock
            .advance(chrono::Duration::seconds(needed as i64 + 10));
        let message = refused(mark(ID, excerpts[2], &theirs, 600, true), "theirs").await;
        assert!(message.contains("another member"), "{message}");
        let message = refused(mark(ID, excerpts[2], &monday, 600, true), "monday's").await;
        assert!(
            message.contains(&format!("excerpt {}", excerpts[0])),
            "{message}"
        );
        refused(mark(ID, excerpts[2], &forged, 600, true), "forged").await;
        refused(mark(ID, excerpts[2], "not a stamp", 600, true), "garbled").await;

        // Too fast, not to the end, or with a made-up id: refused.
        refused(mark(ID, excerpts[2], &stamp, 1, true), "too fast").await;
        refused(mark(ID, excerpts[2], &stamp, 60, false), "not to the end").await;
        refused(mark("not-a-uuid", excerpts[2], &stamp, 60, true), "bad id").await;

        // Read: recorded for the time since the stamp, not the claim; a
        // retry answers the same.
        let (status, first) =
            post_mark(&app, &token, mark(ID, excerpts[2], &stamp, 600, true)).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first["kind"], "on_time");
        assert_eq!(first["read_on"], "2026-11-25");
        assert_eq!(first["seconds_on_page"], needed + 10);
        let (status, again) =
            post_mark(&app, &token, mark(ID, excerpts[2], &stamp, 45, true)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, first);
        // The same excerpt the same day under a new id: the same mark.
        let other_id = "2c9e8f7a-6b5d-4c3e-9f1a-0b2c3d4e5f60";
        let (status, same) =
            post_mark(&app, &token, mark(other_id, excerpts[2], &stamp, 45, true)).await;
        assert_eq!(status, StatusCode::OK, "{same}");
        assert_eq!(same, first);

        // Monday's article, caught up on Wednesday (the stamp under the
        // name the excerpt's API gives it).
        let late = "0b7d9c2e-1f3a-4e5b-8c6d-7a8b9c0d1e2f";
        let mut body = mark(late, excerpts[0], &monday, 30, true);
        let moved = body["stamp"].take();
        body["opening_stamp"] = moved;
        body.as_object_mut().expect("object").remove("stamp");
        let (status, caught_up) = post_mark(&app, &token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{caught_up}");
        assert_eq!(caught_up["kind"], "late");

        // Someone else's id is not taken over; outsiders are not in it.
        let (status, _) = post_mark(&app, &admin, mark(ID, excerpts[2], &theirs, 30, true)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let outsider = app.token("xiajiang-member").await;
        let (status, _) = post_mark(
            &app,
            &outsider,
            mark(
                "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                excerpts[2],
                &stamp,
                30,
                true,
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let today: Value = Client::new()
            .get(app.url("/api/v1/me/today"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("today")
            .json()
            .await
            .expect("json");
        let day = &today["campaigns"][0];
        assert_eq!(day["day_number"], 3, "{today}");
        assert_eq!(day["read"], true);
        assert_eq!(day["assignment"][0]["excerpt_id"], excerpts[2]);
        assert_eq!(day["streak"], 1);
        assert_eq!(day["points_total"], 3);
        let points: Vec<(String, u64, u64)> = day["points_today"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|p| {
                (
                    p["rule"].as_str().unwrap_or_default().to_owned(),
                    p["points"].as_u64().unwrap_or(0),
                    p["cap"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert!(
            points.contains(&("daily_reading".into(), 2, 6)),
            "{points:?}"
        );
        assert!(
            points.contains(&("catch_up_reading".into(), 1, 3)),
            "{points:?}"
        );
        assert_eq!(app.store.count_marks().await.expect("count"), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_today_page_counts_a_reading_after_a_plausible_time() {
    let app = TestApp::spawn().await;
    app.campaign().await;
    let browser = app.signed_in("cuiyuan-member").await;
    let page = browser.text("/today").await;
    assert!(page.contains("本法自公布之日起施行"), "{page}");
    assert!(page.contains("第 3 天，共 5 天"), "{page}");
    // Each excerpt names its statute and article, linked to it.
    assert!(
        page.contains("中华人民共和国示例法") && page.contains(" · 第三条</a>"),
        "{page}"
    );
    let fields: Vec<(&str, String)> = ["csrf", "campaign_id", "marks"]
        .into_iter()
        .map(|name| {
            (
                name,
                hidden(&page, name).unwrap_or_else(|| panic!("{name}")),
            )
        })
        .collect();
    let send = |fields: Vec<(&'static str, String)>| {
        let request = browser
            .client
            .post(browser.url("/today/marks"))
            .form(&fields);
        async move { request.send().await.expect("post") }
    };
    // At once: no time has passed on the server's clock.
    let too_soon = send(fields.clone()).await;
    assert_eq!(too_soon.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Each excerpt's mark carries its stamp; a forged one is refused.
    let marks = &fields[2].1;
    assert_eq!(marks.split(':').count(), 3, "{marks}");
    let mut forged = fields.clone();
    forged[2].1 = format!("{}0", marks.trim_end_matches(char::is_alphanumeric));
    assert_eq!(
        send(forged).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    app.clock.advance(chrono::Duration::seconds(40));
    let done = send(fields.clone()).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/today");
    // Sent twice (a double tap): still one mark.
    assert_eq!(send(fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.count_marks().await.expect("count"), 1);
    let after = browser.text("/today").await;
    assert!(after.contains("card today read-done"), "{after}");
    assert!(!after.contains("name=\"marks\""), "no form once read");

    let calendar = browser.text("/reading/calendar?month=2026-11").await;
    assert!(calendar.contains("day-read is-today"), "{calendar}");
    assert!(calendar.contains("day-missed"), "{calendar}");
    let empty = browser.text("/reading/calendar?month=2026-10").await;
    assert!(!empty.contains("<li class=\"day-read"), "{empty}");
    assert_eq!(
        browser.get("/reading/calendar?month=soon").await.status(),
        StatusCode::BAD_REQUEST
    );
    app.stop().await;
}

#[tokio::test]
async fn admins_start_campaigns_and_see_todays_completion() {
    for app in TestApp::spawn_each().await {
        let token = app.token("xihu-admin").await;
        let client = Client::new();
        let create = |body: Value| {
            client
                .post(app.url("/api/v1/campaigns"))
                .bearer_auth(&token)
                .json(&body)
                .send()
        };
        let good = json!({"title": "西湖学法", "starts_on": "2026-11-25", "ends_on": "2026-11-27",
                          "units": "zj-hz-xh-cy1", "collections": [app.world.law]});
        // Each bad field is named, and nothing is made.
        for (field, bad) in [
            ("ends_on", json!({"ends_on": "2026-11-01"})),
            ("units", json!({"units": "zj-hz-ca"})),
            ("units", json!({"units": "nowhere"})),
            (
                "collections",
                json!({"collections": [app.world.chunan_notes]}),
            ),
            ("zone", json!({"zone": "Mars/Olympus"})),
            ("evening", json!({"evening": "8pm"})),
        ] {
            let mut body = good.clone();
            for (k, v) in bad.as_object().expect("object") {
                body[k] = v.clone();
            }
            let response = create(body).await.expect("post");
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}"
            );
            let error: Value = response.json().await.expect("json");
            let message = error["error"]["message"].as_str().unwrap_or_default();
            assert!(message.starts_with(field), "{field}: {message}");
        }
        let made = create(good).await.expect("post");
        assert_eq!(made.status(), StatusCode::CREATED);
        let campaign: Value = made.json().await.expect("json");
        let id = campaign["id"].as_i64().expect("id");
        assert_eq!(campaign["zone"], "Asia/Shanghai");

        // The member reads today's article; the admin sees 1 of 2 in Xihu.
        let member = app.token("cuiyuan-member").await;
        let today: Value = client
            .get(app.url("/api/v1/me/today"))
            .bearer_auth(&member)
            .send()
            .await
            .expect("today")
            .json()
            .await
            .expect("json");
        let mine = today["campaigns"]
            .as_array()
            .expect("campaigns")
            .iter()
            .find(|c| c["campaign_id"] == id)
            .expect("the new campaign")
            .clone();
        let excerpt = mine["assignment"][0]["excerpt_id"]
            .as_i64()
            .expect("excerpt");
        let stamp = mine["assignment"][0]["stamp"].clone();
        app.clock.advance(chrono::Duration::seconds(60));
        let (status, _) = post_mark(
            &app,
            &member,
            json!({"id": ID, "excerpt_id": excerpt, "campaign_id": id, "stamp": stamp,
                   "seconds_on_page": 60, "reached_end": true}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let completion: Value = client
            .get(app.url(&format!("/api/v1/campaigns/{id}/completion")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("completion")
            .json()
            .await
            .expect("json");
        assert_eq!(
            (completion["read"].as_u64(), completion["members"].as_u64()),
            (Some(1), Some(2)),
            "{completion}"
        );
        let elsewhere = client
            .get(app.url(&format!(
                "/api/v1/campaigns/{id}/completion?unit={}",
                app.world.chunan.id
            )))
            .bearer_auth(&token)
            .send()
            .await
            .expect("completion");
        assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);

        // The pages: the list with completion, the plan, and a move.
        let browser = app.signed_in("xihu-admin").await;
        let list = browser.text("/campaigns").await;
        assert!(list.contains("西湖学法") && list.contains("50%"), "{list}");
        let plan_page = format!("/campaigns/{id}");
        let plan = browser.text(&plan_page).await;
        assert!(plan.contains("第一条") && plan.contains("第三条"), "{plan}");
        let moved = browser
            .submit(
                &plan_page,
                &format!("/campaigns/{id}/plan/move"),
                &[("excerpt_id", &excerpt.to_string()), ("to", "2026-11-27")],
            )
            .await;
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);
        let refused = browser
            .submit(
                &plan_page,
                &format!("/campaigns/{id}/plan/move"),
                &[("excerpt_id", &excerpt.to_string()), ("to", "2027-01-01")],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let campaign_id = suyuan_core::campaigns::CampaignId(id);
        let plan = app.store.plan_of(campaign_id).await.expect("plan");
        assert_eq!(
            plan.last().map(|p| (p.day, p.excerpt.0)),
            Some((2, excerpt))
        );
        // Outsiders do not see it.
        let outsider = app.signed_in("chunan-admin").await;
        assert_eq!(
            outsider.get(&plan_page).await.status(),
            StatusCode::NOT_FOUND
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_campaign_form_reads_the_material_in_the_order_it_was_ticked() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let page = browser.text("/campaigns").await;
    assert!(
        page.contains("data-ordered") && page.contains("picks.js"),
        "{page}"
    );
    let (law, notes) = (app.world.law.to_string(), app.world.xihu_notes.to_string());
    // The law comes first on the page; the admin ticked the notes first.
    let made = browser
        .submit(
            "/campaigns",
            "/campaigns",
            &[
                ("title", "先读笔记"),
                ("starts_on", "2026-11-25"),
                ("ends_on", "2026-11-27"),
                ("units", "zj-hz-xh"),
                ("collections", &law),
                ("collections", &notes),
                ("picked", &format!("{notes},{law}")),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().expect("location");
    let id: i64 = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("campaign id");
    let plan = app
        .store
        .plan_of(suyuan_core::campaigns::CampaignId(id))
        .await
        .expect("plan");
    let first = app.store.excerpt(plan[0].excerpt).await.expect("excerpt");
    let last = app
        .store
        .excerpt(plan[plan.len() - 1].excerpt)
        .await
        .expect("excerpt");
    assert_eq!(
        (first.collection.0, last.collection.0),
        (app.world.xihu_notes, app.world.law)
    );
    app.stop().await;
}

#[tokio::test]
async fn points_follow_the_campaigns_rules_even_when_they_change() {
    let app = TestApp::spawn().await;
    let client = Client::new();
    let admin = app.token("xihu-admin").await;
    let rules =
        json!({"rules": {"daily_reading": {"points": 5, "daily_cap": 5}}, "streak_every": 3});
    let made: Value = client
        .post(app.url("/api/v1/campaigns"))
        .bearer_auth(&admin)
        .json(
            &json!({"title": "积分", "starts_on": "2026-11-25", "ends_on": "2026-11-27",
                      "units": "zj-hz-xh", "collections": [app.world.law], "point_rules": rules}),
        )
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let id = made["id"].as_i64().expect("id");
    assert_eq!(made["point_rules"]["streak_every"], 3);
    let bad = client
        .post(app.url("/api/v1/campaigns"))
        .bearer_auth(&admin)
        .json(&json!({"title": "坏", "starts_on": "2026-11-25", "ends_on": "2026-11-27", "units": "zj-hz-xh",
                      "collections": [app.world.law],
                      "point_rules": {"rules": {"daily_reading": {"points": 5, "daily_cap": 1}}, "streak_every": 3}}))
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let member = app.token("cuiyuan-member").await;
    let today = |token: String| {
        let request = client.get(app.url("/api/v1/me/today")).bearer_auth(token);
        async move {
            let body: Value = request
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            body["campaigns"]
                .as_array()
                .expect("campaigns")
                .iter()
                .find(|c| c["campaign_id"] == id)
                .cloned()
                .expect("the campaign")
        }
    };
    let day = today(member.clone()).await;
    let excerpt = day["assignment"][0]["excerpt_id"]
        .as_i64()
        .expect("excerpt");
    let stamp = day["assignment"][0]["stamp"].clone();
    app.clock.advance(chrono::Duration::seconds(60));
    let (status, _) = post_mark(
        &app,
        &member,
        json!({"id": ID, "excerpt_id": excerpt, "campaign_id": id, "stamp": stamp,
               "seconds_on_page": 60, "reached_end": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(today(member.clone()).await["points_total"], 5);

    // New rules apply to what was already read: points are derived.
    let patched = client
        .patch(app.url(&format!("/api/v1/campaigns/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"point_rules": {"rules": {"daily_reading": {"points": 1, "daily_cap": 1}}, "streak_every": 7},
                      "evening": "21:30"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(today(member.clone()).await["points_total"], 1);
    let bad_time = client
        .patch(app.url(&format!("/api/v1/campaigns/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"evening": "late"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(bad_time.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Only admins of the owner's subtree edit it.
    let outsider = app.token("chunan-admin").await;
    let refused = client
        .patch(app.url(&format!("/api/v1/campaigns/{id}")))
        .bearer_auth(&outsider)
        .json(&json!({"title": "改"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let as_member = client
        .patch(app.url(&format!("/api/v1/campaigns/{id}")))
        .bearer_auth(&member)
        .json(&json!({"title": "改"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(as_member.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn each_week_has_its_study_topic() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await.0;
    let admin = app.token("province-admin").await;
    let client = Client::new();
    let put = |week: &str, topic: &str| {
        client
            .put(app.url(&format!("/api/v1/campaigns/{campaign}/topics/{week}")))
            .bearer_auth(&admin)
            .json(&json!({"topic": topic}))
            .send()
    };
    assert_eq!(
        put("2026-11-24", "不是周一").await.expect("put").status(),
        422
    );
    assert_eq!(
        put("2026-12-07", "不在活动里").await.expect("put").status(),
        422
    );
    assert_eq!(
        put("2026-11-23", "学习示例法总则")
            .await
            .expect("put")
            .status(),
        204
    );
    let member = app.token("cuiyuan-member").await;
    let today: Value = client
        .get(app.url("/api/v1/me/today"))
        .bearer_auth(&member)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(today["campaigns"][0]["week_topic"], "学习示例法总则");
    let browser = app.signed_in("province-admin").await;
    let page = format!("/campaigns/{campaign}");
    assert!(browser.text(&page).await.contains("学习示例法总则"));
    let changed = browser
        .submit(
            &page,
            &format!("/campaigns/{campaign}/topics"),
            &[("week_of", "2026-11-23"), ("topic", "学习示例法附则")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let reader = app.signed_in("cuiyuan-member").await;
    assert!(reader.text("/today").await.contains("学习示例法附则"));
    app.stop().await;
}

#[tokio::test]
async fn a_campaign_is_edited_on_its_page() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await;
    let browser = app.signed_in("province-admin").await;
    let page = format!("/campaigns/{}", campaign.0);
    let form = browser.text(&page).await;
    assert!(
        form.contains(
            "name=\"points_daily_reading\" type=\"number\" min=\"0\" max=\"1000\" value=\"2\""
        ),
        "{form}"
    );
    let mut fields = vec![
        ("title", "学法用法（第二期）"),
        ("theme", "学习示例法"),
        ("evening", "21:00"),
        ("reading_pace", "800"),
        ("points_daily_reading", "3"),
        ("cap_daily_reading", "9"),
        ("points_catch_up_reading", "1"),
        ("cap_catch_up_reading", "2"),
        ("points_extra_reading", "0"),
        ("cap_extra_reading", "0"),
        ("points_streak_bonus", "5"),
        ("cap_streak_bonus", "5"),
        ("points_test_passed", "5"),
        ("cap_test_passed", "10"),
        ("points_test_full_marks", "5"),
        ("cap_test_full_marks", "10"),
        ("points_attendance", "3"),
        ("cap_attendance", "6"),
        ("points_reflection_accepted", "3"),
        ("cap_reflection_accepted", "6"),
        ("streak_every", "5"),
    ];
    let saved = browser
        .submit(&page, &format!("{page}/edit"), &fields)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let stored = app.store.campaign(campaign).await.expect("campaign");
    assert_eq!(stored.title, "学法用法（第二期）");
    assert_eq!(stored.pace.chars_per_minute, 800);
    assert_eq!(stored.rules.streak_every, 5);
    assert_eq!(
        stored
            .rules
            .rule(suyuan_core::reading::Action::DailyReading)
            .map(|r| (r.points, r.daily_cap)),
        Some((3, 9))
    );
    assert!(
        stored
            .rules
            .rule(suyuan_core::reading::Action::ExtraReading)
            .is_none()
    );
    // A cap below its points is refused, naming the rules, and changes nothing.
    fields[5] = ("cap_daily_reading", "1");
    let refused = browser
        .submit(&page, &format!("{page}/edit"), &fields)
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.expect("page").contains("point_rules"));
    assert_eq!(
        app.store.campaign(campaign).await.expect("campaign").rules,
        stored.rules
    );
    app.stop().await;
}
