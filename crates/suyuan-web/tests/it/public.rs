//! The Constitution for the whole public: the province publishes questions
//! to the public quiz (nobody else may, and a written answer never is); a
//! visitor without an account takes the quiz, is asked once about blanks,
//! sees the explanation and the article each answer rests on, and is
//! counted once in the day's figures however often they send it; readers
//! of the public collections are counted once a day, those of members'
//! collections and robots never; the Constitution Day page is featured on
//! the front page; elder mode is remembered with the person; a member's
//! coming days' readings are served for the phone to keep.

use chrono::Duration;
use reqwest::StatusCode;
use suyuan_core::clock::Clock;
use suyuan_core::library::CollectionId;
use suyuan_core::questions::{Answer, Choice, Question, QuestionId};
use suyuan_store::questions::Status;

use crate::{Browser, TestApp, hidden, location};

const PHONE: &str =
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";

/// Three questions of the province's bank on the law's articles (two to
/// choose, one written out) and one of Xihu's: their ids in that order.
async fn questions(app: &TestApp) -> Vec<QuestionId> {
    let w = &app.world;
    let excerpts = app
        .store
        .excerpts(CollectionId(w.law), None)
        .await
        .expect("excerpts");
    let private = app
        .store
        .excerpts(CollectionId(w.xihu_notes), None)
        .await
        .expect("notes");
    let choose = |text: &str, right: &str, wrong: &str, excerpt| Question {
        explanation: format!("{right}：见条文。"),
        excerpt: Some(excerpt),
        ..Question::new(
            text,
            Answer::Single {
                choices: vec![Choice::wrong(wrong), Choice::right(right)],
            },
        )
    };
    let province = [
        choose("本法为了什么制定？", "为了示例", "为了考试", excerpts[0].id),
        choose(
            "国家实行什么经济？",
            "社会主义市场经济",
            "计划经济",
            excerpts[1].id,
        ),
        Question::new("谈谈学习体会。", Answer::Short { model: None }),
    ];
    let now = app.clock.now();
    app.store
        .add_questions(w.province.id, &province, Status::Active, now)
        .await
        .expect("province questions");
    app.store
        .add_questions(
            w.xihu.id,
            &[choose(
                "学习要怎样？",
                "持之以恒",
                "三天打鱼",
                private[0].id,
            )],
            Status::Active,
            now,
        )
        .await
        .expect("Xihu question");
    let mut ids: Vec<QuestionId> = Vec::new();
    for owner in [w.province.id, w.xihu.id] {
        let filter =
            suyuan_store::questions::QuestionFilter::bank(suyuan_store::questions::Owners::Within(
                app.store.unit(owner).await.expect("unit").path,
            ));
        let mut found = app.store.all_questions(&filter).await.expect("bank");
        found.retain(|q| q.owner == owner);
        found.sort_by_key(|q| q.id);
        ids.extend(found.iter().map(|q| q.id));
    }
    ids
}

fn joined(ids: &[QuestionId]) -> String {
    ids.iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Starts a quiz as `visitor`; its address.
async fn start_quiz(visitor: &Browser, nickname: &str) -> String {
    let started = visitor
        .submit("/quiz", "/quiz", &[("nickname", nickname)])
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    location(&started)
}

#[tokio::test]
async fn a_visitor_takes_the_public_quiz_drawn_only_from_what_the_province_published() {
    for app in TestApp::spawn_each().await {
        let ids = questions(&app).await;
        let (province_ids, short, xihu) = (&ids[..2], ids[2], ids[3]);
        let province = app.signed_in("province-admin").await;
        let xihu_admin = app.signed_in("xihu-admin").await;

        // Before anything is published the quiz says so and draws nothing.
        let visitor = app.browser();
        let intro = visitor.text("/quiz").await;
        assert!(intro.contains("公众题库里还没有题目"), "{intro}");

        // A district's admin may not publish; the province may not publish
        // a written answer, nor another unit's question: each refused,
        // named, and nothing changes.
        let refused = xihu_admin
            .submit(
                "/questions",
                "/quiz/questions",
                &[("ids", &joined(&[xihu])), ("action", "publish")],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        for (id, reason) in [(short, "written answer"), (xihu, "not in this unit")] {
            let refused = province
                .submit(
                    "/questions",
                    "/quiz/questions",
                    &[
                        ("ids", &joined(&[province_ids[0], id])),
                        ("action", "publish"),
                    ],
                )
                .await;
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let page = refused.text().await.expect("page");
            assert!(page.contains(&format!("question {id}")), "{page}");
            assert!(page.contains(reason), "{page}");
        }
        assert!(
            app.store
                .public_question_ids()
                .await
                .expect("public")
                .is_empty()
        );

        // The bank page offers the province its own questions that may be
        // public, and publishes them.
        let bank = province.text("/questions").await;
        assert!(bank.contains("把这一页能公开的题都公开"), "{bank}");
        let published = province
            .submit(
                "/questions",
                "/quiz/questions",
                &[("ids", &joined(province_ids)), ("action", "publish")],
            )
            .await;
        assert_eq!(published.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.store.public_question_ids().await.expect("public"),
            province_ids.to_vec()
        );

        // A nickname too long is named and starts nothing.
        let long = "长".repeat(21);
        let refused = visitor
            .submit("/quiz", "/quiz", &[("nickname", &long)])
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text()
                .await
                .expect("page")
                .contains("昵称最多 20 个字")
        );

        // The quiz holds both published questions and nothing else.
        let quiz = start_quiz(&visitor, "老张").await;
        let sitting = visitor.text(&quiz).await;
        assert!(sitting.contains("本法为了什么制定？"), "{sitting}");
        assert!(sitting.contains("国家实行什么经济？"), "{sitting}");
        assert!(!sitting.contains("谈谈学习体会"), "{sitting}");
        assert!(!sitting.contains("学习要怎样"), "{sitting}");
        assert!(sitting.contains("老张"));

        // Which question is first is drawn: answer the one about the
        // economy right, leave the other blank.
        let economy_first = sitting.find("国家实行什么经济？") < sitting.find("本法为了什么制定？");
        let economy = if economy_first { "q0" } else { "q1" };
        let csrf = hidden(&sitting, "csrf").expect("csrf");
        let hand_in = |confirmed: bool| {
            let mut form = vec![("csrf", csrf.clone()), (economy, "1".to_owned())];
            if confirmed {
                form.push(("confirmed", "1".to_owned()));
            }
            visitor.client.post(visitor.url(&quiz)).form(&form).send()
        };
        let asked = hand_in(false).await.expect("hand in");
        assert_eq!(asked.status(), StatusCode::OK);
        let asked = asked.text().await.expect("page");
        assert!(asked.contains("仍然交卷"), "{asked}");
        assert!(
            asked.contains("checked"),
            "the answer given is kept: {asked}"
        );
        assert!(
            app.store
                .public_days(today(&app), today(&app))
                .await
                .expect("days")
                .is_empty()
        );

        let handed = hand_in(true).await.expect("hand in");
        assert_eq!(
            handed.status(),
            StatusCode::SEE_OTHER,
            "{}",
            handed.text().await.unwrap_or_default()
        );
        let result = visitor.text(&quiz).await;
        assert!(result.contains("得分 50"), "{result}");
        assert!(result.contains("答对 1 题，共 2 题"), "{result}");
        assert!(result.contains("社会主义市场经济：见条文。"), "{result}");
        // The explanation links to the article it rests on, by name.
        let law = app
            .store
            .excerpts(CollectionId(app.world.law), None)
            .await
            .expect("excerpts");
        let link = format!("<a href=\"/excerpts/{}\">中华人民共和国示例法", law[1].id.0);
        assert!(result.contains(&link), "{result}");
        assert!(result.contains("第二条</a>"), "{result}");

        // Sent again (a double tap): counted once.
        let again = hand_in(true).await.expect("hand in");
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
        let figures = app
            .store
            .public_days(today(&app), today(&app))
            .await
            .expect("days");
        assert_eq!((figures[0].quizzes, figures[0].score_sum), (1, 50));
        let participation = app.browser().text("/participation").await;
        assert!(participation.contains("公众参与情况"), "{participation}");
        assert_eq!(
            app.store.recount_public_quizzes().await.expect("recount"),
            (1, 50)
        );

        // A code nobody was given finds nothing.
        assert_eq!(
            app.browser().get("/quiz/AAAA-BBBB-CCCCD").await.status(),
            StatusCode::NOT_FOUND
        );

        // Withdrawn, a question is drawn no more.
        province
            .submit(
                "/questions",
                "/quiz/questions",
                &[("ids", &joined(&province_ids[..1])), ("action", "withdraw")],
            )
            .await;
        let quiz = start_quiz(&app.browser(), "").await;
        let sitting = app.browser().text(&quiz).await;
        assert!(!sitting.contains("本法为了什么制定？"), "{sitting}");
        assert!(sitting.contains("国家实行什么经济？"), "{sitting}");
        app.stop().await;
    }
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    app.clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

#[tokio::test]
async fn readers_of_public_pages_are_counted_once_a_day_and_members_pages_never() {
    for app in TestApp::spawn_each().await {
        let w = &app.world;
        let law = app
            .store
            .excerpts(CollectionId(w.law), None)
            .await
            .expect("excerpts");
        let read = |browser: &Browser, path: String| {
            browser
                .client
                .get(browser.url(&path))
                .header("user-agent", PHONE)
                .send()
        };
        let visitor = app.browser();
        for excerpt in &law {
            let page = read(&visitor, format!("/excerpts/{}", excerpt.id.0))
                .await
                .expect("page");
            assert_eq!(page.status(), StatusCode::OK);
        }
        read(&visitor, format!("/library/{}", w.law))
            .await
            .expect("toc");
        // A member reading their district's notes is at their study, not
        // in the public figures; a link preview is no reader.
        let member = app.signed_in("cuiyuan-member").await;
        read(&member, format!("/library/{}", w.xihu_notes))
            .await
            .expect("notes");
        let preview = app
            .browser()
            .client
            .get(app.url(&format!("/excerpts/{}", law[0].id.0)))
            .header("user-agent", "TelegramBot (like TwitterBot)")
            .send()
            .await
            .expect("preview");
        assert_eq!(preview.status(), StatusCode::OK);
        let days = app
            .store
            .public_days(today(&app), today(&app))
            .await
            .expect("days");
        assert_eq!(days[0].readers, 1);

        // Another instance (another process behind the balancer) knows
        // nothing of the first one's memory: the database still counts the
        // reader once.
        let (other, stop) = app.serve_instance().await;
        let again = visitor
            .client
            .get(format!("{other}/excerpts/{}", law[1].id.0))
            .header("user-agent", PHONE)
            .send()
            .await
            .expect("page");
        assert_eq!(again.status(), StatusCode::OK);
        let _ = stop.send(());
        let days = app
            .store
            .public_days(today(&app), today(&app))
            .await
            .expect("days");
        assert_eq!(days[0].readers, 1);

        // The next day the same reader counts again.
        app.clock.advance(Duration::days(1));
        read(&visitor, format!("/excerpts/{}", law[0].id.0))
            .await
            .expect("page");
        let days = app
            .store
            .public_days(today(&app), today(&app))
            .await
            .expect("days");
        assert_eq!(days[0].readers, 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_public_article_carries_its_link_and_preview_and_a_members_one_does_not() {
    let app = TestApp::spawn().await;
    let w = &app.world;
    let law = app
        .store
        .excerpts(CollectionId(w.law), None)
        .await
        .expect("excerpts");
    let page = app
        .browser()
        .client
        .get(app.url(&format!("/excerpts/{}", law[1].id.0)))
        .header("x-forwarded-proto", "https")
        .header("host", "study.example.org")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let url = format!("https://study.example.org/excerpts/{}", law[1].id.0);
    assert!(
        page.contains(&format!("<meta property=\"og:url\" content=\"{url}\">")),
        "{page}"
    );
    assert!(
        page.contains("og:title\" content=\"中华人民共和国示例法"),
        "{page}"
    );
    assert!(page.contains("第二条\">"), "{page}");
    assert!(page.contains("国家实行社会主义市场经济"), "{page}");
    assert!(
        page.contains(&format!("value=\"{url}\"")),
        "the link to copy: {page}"
    );

    let notes = app
        .store
        .excerpts(CollectionId(w.xihu_notes), None)
        .await
        .expect("notes");
    let member = app.signed_in("cuiyuan-member").await;
    let page = member.text(&format!("/excerpts/{}", notes[0].id.0)).await;
    assert!(page.contains("学习要持之以恒"), "{page}");
    assert!(!page.contains("og:url"), "{page}");
    assert!(!page.contains("share-url"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn the_province_features_constitution_day_on_the_front_page() {
    let app = TestApp::spawn().await;
    let province = app.signed_in("province-admin").await;
    let visitor = app.browser();
    assert!(!visitor.text("/").await.contains("推荐"));
    let day = visitor.text("/constitution-day").await;
    assert!(day.contains("国家宪法日"), "{day}");
    assert!(
        !day.contains("编辑这一页"),
        "only the province edits: {day}"
    );
    assert!(
        !app.signed_in("xihu-admin")
            .await
            .text("/constitution-day")
            .await
            .contains("编辑这一页")
    );
    let refused = app
        .signed_in("xihu-admin")
        .await
        .submit(
            "/constitution-day",
            "/constitution-day",
            &[("headline", "西湖区宪法日"), ("featured", "1")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Too long a headline is named; nothing is saved.
    let long = "宪".repeat(61);
    let refused = province
        .submit(
            "/constitution-day",
            "/constitution-day",
            &[
                ("headline", &long),
                ("message", "读宪法"),
                ("featured", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("page")
            .contains("标题最多 60 个字")
    );
    assert!(!visitor.text("/").await.contains("推荐"));

    let saved = province
        .submit(
            "/constitution-day",
            "/constitution-day",
            &[
                ("headline", "宪法宣传周"),
                ("message", "一起读宪法。\n答一答宪法题。"),
                ("featured", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let front = visitor.text("/").await;
    assert!(front.contains("宪法宣传周"), "{front}");
    let day = visitor.text("/constitution-day").await;
    assert!(day.contains("<p>答一答宪法题。</p>"), "{day}");
    app.stop().await;
}

#[tokio::test]
async fn elder_mode_is_kept_with_the_person_across_pages_and_sign_ins() {
    let app = TestApp::spawn().await;
    // A visitor turns it on; every page is in elder mode after.
    let phone = app.browser();
    let on = phone
        .submit(
            "/",
            "/prefs/mode",
            &[("mode", "elder"), ("next", "/library")],
        )
        .await;
    assert_eq!(on.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&on), "/library");
    for page in ["/", "/library", "/quiz", "/login"] {
        assert!(
            phone
                .text(page)
                .await
                .contains("<html lang=\"zh-CN\" class=\"elder\">"),
            "{page}"
        );
    }
    // Signing in keeps it, with the person: on another phone, signed in,
    // the member reads in elder mode too.
    phone.sign_in("cuiyuan-member", crate::PASSWORD).await;
    let member = app
        .store
        .member_by_number(
            &suyuan_core::members::MemberNumber::parse("cuiyuan-member").expect("number"),
        )
        .await
        .expect("member");
    assert!(member.elder_mode);
    let other = app.signed_in("cuiyuan-member").await;
    let home = other.text("/").await;
    assert!(home.contains("class=\"elder\""), "{home}");
    // The simplest navigation: home, today's reading, my points.
    assert!(home.contains(">我的积分</a>"), "{home}");
    assert!(!home.contains(">测试</a>"), "{home}");
    // Turned off on one phone, it is off for the person.
    other
        .submit("/", "/prefs/mode", &[("mode", "standard"), ("next", "/")])
        .await;
    assert!(!phone.text("/").await.contains("class=\"elder\""));
    // A mode that is neither is refused and changes nothing.
    let bad = other
        .submit("/", "/prefs/mode", &[("mode", "huge"), ("next", "/")])
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn a_member_s_coming_days_are_served_for_the_phone_to_keep() {
    let app = TestApp::spawn().await;
    app.campaign().await;
    // On the campaign's first day, 23 November: an article a day until
    // the 25th, nothing on the two days after.
    app.clock.advance(Duration::days(-2));
    let member = app.signed_in("cuiyuan-member").await;
    let today_page = member.text("/today").await;
    assert!(
        today_page.contains("data-pages=\"/today/on/2026-11-24 /today/on/2026-11-25\""),
        "{today_page}"
    );
    let ahead = member.get("/today/on/2026-11-24").await;
    assert_eq!(ahead.status(), StatusCode::OK);
    let ahead = ahead.text().await.expect("page");
    assert!(ahead.contains("data-day=\"2026-11-24\""), "{ahead}");
    assert!(ahead.contains("已经存在这部手机上"), "{ahead}");
    assert!(ahead.contains("第二条"), "{ahead}");
    for day in ["2026-11-23", "2026-11-27", "2026-13-01"] {
        assert_eq!(
            member.get(&format!("/today/on/{day}")).await.status(),
            StatusCode::NOT_FOUND,
            "{day}"
        );
    }
    // The worker and the manifest are ours, served from this origin.
    let worker = app.browser().get("/sw.js").await;
    assert_eq!(worker.status(), StatusCode::OK);
    assert_eq!(
        worker
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );
    let worker = worker.text().await.expect("script");
    assert!(!worker.contains("__VERSION__"));
    let manifest: serde_json::Value = app
        .browser()
        .get("/manifest.webmanifest")
        .await
        .json()
        .await
        .expect("manifest");
    for icon in manifest["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        assert_eq!(
            app.browser().get(src).await.status(),
            StatusCode::OK,
            "{src}"
        );
    }
    app.stop().await;
}

/// Signs in from the front page (as after a session lapsed, the phone
/// still holding whatever it kept).
async fn sign_in(phone: &Browser, login: &str) -> reqwest::Response {
    phone
        .submit(
            "/",
            "/login",
            &[("login", login), ("password", crate::PASSWORD)],
        )
        .await
}

#[tokio::test]
async fn a_phone_forgets_what_it_kept_of_one_person_before_the_next_signs_in() {
    let app = TestApp::spawn().await;
    let clears = |response: &reqwest::Response| {
        response
            .headers()
            .get("clear-site-data")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("\"storage\"") && v.contains("\"cache\""))
    };
    let phone = app.browser();
    // The first person on a phone: nothing to forget; signing in again
    // keeps what waits to be sent.
    let first = sign_in(&phone, "cuiyuan-member").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(!clears(&first));
    assert!(!clears(&sign_in(&phone, "cuiyuan-member").await));
    // Another person signs in without the first signing out: the phone
    // forgets the first one's pages and readings.
    assert!(clears(&sign_in(&phone, "xihu-admin").await));
    // Signing out forgets it all.
    let out = phone.submit("/", "/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(clears(&out));
    app.stop().await;
}
