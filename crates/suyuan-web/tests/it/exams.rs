use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::TestApp;
use crate::questions::upload_gift;

/// The API as one signed-in person uses it.
struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn of(app: &TestApp, login: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: app.url(""),
            token: app.token(login).await,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        (response.status(), response.text().await.expect("body"))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, String) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, String) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// Xihu's bank (from the GIFT sample) and a test of all three of its
/// questions, open now for two hours, 30 minutes to sit.
pub async fn set_test(app: &TestApp) -> i64 {
    let admin = app.signed_in("xihu-admin").await;
    upload_gift(&admin).await;
    let now = app.clock_now();
    let api = Api::of(app, "xihu-admin").await;
    let (status, body) = api
        .post(
            "/api/v1/tests",
            json!({
                "title": "十一月下旬测试",
                "opens_at": now - Duration::minutes(1),
                "closes_at": now + Duration::hours(2),
                "time_limit_minutes": 30,
                "pass_mark": 60,
                "rules": [{"category": "宪法", "count": 3}],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    json_of(&body)["id"].as_i64().expect("id")
}

/// The answer that is right for a question as the member sees it.
fn right_answer(question: &Value) -> Value {
    match question["type"].as_str().expect("type") {
        "single" => {
            let shown = question["choices"]
                .as_array()
                .expect("choices")
                .iter()
                .position(|c| c == "人民")
                .expect("the right option is shown");
            json!({"choices": [shown]})
        }
        "blank" => json!({"text": " 全国 人大 "}),
        "true_false" => json!({"value": true}),
        other => panic!("no such question in the sample: {other}"),
    }
}

/// Sits a test through the API with every answer right; the submitted
/// attempt.
async fn sit_right(api: &Api, test: i64) -> Value {
    let (_, text) = api
        .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
        .await;
    let attempt = json_of(&text);
    let id = attempt["id"].as_i64().expect("id");
    for (position, question) in attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .enumerate()
    {
        let (status, body) = api
            .put(
                &format!("/api/v1/attempts/{id}/answers/{position}"),
                right_answer(question),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let (_, done) = api
        .post(&format!("/api/v1/attempts/{id}/submit"), json!({}))
        .await;
    json_of(&done)
}

#[tokio::test]
async fn a_member_sits_a_test_and_sees_the_review_only_after_submitting() {
    for app in TestApp::spawn_each().await {
        let test = set_test(&app).await;
        let member = Api::of(&app, "cuiyuan-member").await;
        let (status, text) = member
            .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        // Nothing that is right reaches the member before submission.
        for leak in [
            "weight",
            "accepted",
            "correct",
            "全国人民代表大会",
            "宪法第二条",
            "result",
            "right",
        ] {
            assert!(!text.contains(leak), "{leak} leaks in {text}");
        }
        let attempt = json_of(&text);
        let id = attempt["id"].as_i64().expect("id");
        let questions = attempt["questions"].as_array().expect("questions").clone();
        assert_eq!(questions.len(), 3);

        // Starting again (a reload, another phone) resumes it.
        let (_, again) = member
            .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
            .await;
        assert_eq!(json_of(&again)["id"], id);

        for (position, question) in questions.iter().enumerate() {
            let (status, body) = member
                .put(
                    &format!("/api/v1/attempts/{id}/answers/{position}"),
                    right_answer(question),
                )
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
        let (status, _) = member
            .put(
                &format!("/api/v1/attempts/{id}/answers/3"),
                json!({"value": true}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // The saved answers come back with the attempt, still without
        // what is right.
        let (_, text) = member
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/attempts/{id}"),
                None,
            )
            .await;
        assert!(
            !text.contains("weight") && !text.contains("result"),
            "{text}"
        );
        assert_eq!(
            json_of(&text)["questions"][0]["answer"],
            right_answer(&questions[0])
        );

        // Others can neither see nor answer it.
        let other = Api::of(&app, "xihu-admin").await;
        let (status, _) = other
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/attempts/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, text) = member
            .post(&format!("/api/v1/attempts/{id}/submit"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let done = json_of(&text);
        assert_eq!(done["result"]["percent"], 100.0);
        assert_eq!(done["result"]["passed"], true);
        let review = done["result"]["review"].as_array().expect("review");
        assert!(review.iter().all(|r| r["earned"] == 1.0), "{review:?}");
        assert!(
            text.contains("宪法第二条"),
            "the explanation is in the review: {text}"
        );

        // After submission, answers are refused.
        let (status, _) = member
            .put(
                &format!("/api/v1/attempts/{id}/answers/0"),
                right_answer(&questions[0]),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Chun'an's members cannot sit Xihu's test.
        let outsider = Api::of(&app, "xiajiang-member").await;
        let (status, _) = outsider
            .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_deadline_is_kept_on_the_server() {
    let app = TestApp::spawn().await;
    let test = set_test(&app).await;
    let member = Api::of(&app, "cuiyuan-member").await;
    let (_, text) = member
        .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
        .await;
    let attempt = json_of(&text);
    let id = attempt["id"].as_i64().expect("id");
    let first = right_answer(&attempt["questions"][0]);

    // Exactly at the deadline an answer is taken; a second later, not.
    app.clock.advance(Duration::minutes(30));
    let (status, _) = member
        .put(&format!("/api/v1/attempts/{id}/answers/0"), first.clone())
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.clock.advance(Duration::seconds(1));
    let (status, text) = member
        .put(&format!("/api/v1/attempts/{id}/answers/1"), first)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("time was up"), "{text}");

    // The sweep submits it, as of its deadline, with what was saved.
    let instance = app.instance(&suyuan_web::OutboundSettings::default()).await;
    assert_eq!(instance.submit_overdue().await.expect("swept"), 1);
    assert_eq!(instance.submit_overdue().await.expect("swept"), 0);
    let (_, text) = member
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/attempts/{id}"),
            None,
        )
        .await;
    let done = json_of(&text);
    assert_eq!(done["submitted_at"], done["deadline"]);
    let percent = done["result"]["percent"].as_f64().expect("percent");
    assert!((percent - 33.3).abs() < 0.01, "{percent}");
    assert_eq!(done["result"]["passed"], false);
    app.stop().await;
}

#[tokio::test]
async fn admins_see_results_over_their_subtree_down_to_members() {
    for app in TestApp::spawn_each().await {
        let test = set_test(&app).await;
        let member = Api::of(&app, "cuiyuan-member").await;
        sit_right(&member, test).await;

        let admin = app.signed_in("xihu-admin").await;
        let page = admin.text(&format!("/tests/{test}/results")).await;
        assert!(page.contains("<svg class=\"chart\""), "{page}");
        // One of Xihu's members sat it, with full marks; the rest did not.
        assert!(
            page.contains("陈晓燕") && page.contains("得分 100"),
            "{page}"
        );
        assert!(page.contains("未参加"), "{page}");
        assert!(page.contains("100%"), "the pass rate: {page}");
        // Drill down to the member's unit: the same member, fewer units.
        let unit = app.world.cuiyuan.id.0;
        let down = admin
            .text(&format!("/tests/{test}/results?unit={unit}"))
            .await;
        assert!(down.contains("陈晓燕"), "{down}");
        // Not outside the admin's subtree, and not for members.
        let chunan = app.world.chunan.id.0;
        let outside = admin
            .get(&format!("/tests/{test}/results?unit={chunan}"))
            .await;
        assert_eq!(outside.status(), StatusCode::NOT_FOUND);
        let sitter = app.signed_in("cuiyuan-member").await;
        let denied = sitter.get(&format!("/tests/{test}/results")).await;
        assert_eq!(denied.status(), StatusCode::FORBIDDEN);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_campaign_admin_sets_a_test_for_every_dekad() {
    for app in TestApp::spawn_each().await {
        let campaign = app.campaign().await.0;
        let admin = app.signed_in("province-admin").await;
        upload_gift(&admin).await;
        let page = format!("/campaigns/{campaign}/tests");
        let fields = |questions: &'static str| {
            [
                ("questions", questions),
                ("from_readings", "2"),
                ("minutes", "20"),
                ("attempts", "1"),
                ("pass_mark", "60"),
                ("mistakes", "0"),
            ]
        };
        // More questions than the bank has: refused with the reason.
        let refused = admin.submit(&page, &page, &fields("9")).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.text().await.expect("body");
        assert!(body.contains("9 questions"), "{body}");
        let bad = admin.submit(&page, &page, &[("questions", "ten")]).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

        let set = admin.submit(&page, &page, &fields("3")).await;
        assert_eq!(set.status(), StatusCode::SEE_OTHER);
        let listed = admin.text(&crate::location(&set)).await;
        // The campaign (23 to 27 November) lies in one dekad.
        assert!(listed.contains("新设置 1 次测试"), "{listed}");
        assert!(listed.contains("2026年11月下旬测试"), "{listed}");
        let again = admin.submit(&page, &page, &fields("3")).await;
        let listed = admin.text(&crate::location(&again)).await;
        assert!(
            listed.contains("新设置 0 次测试；1 旬原已有测试"),
            "{listed}"
        );

        // Its participants find it open on their tests page.
        let member = app.signed_in("cuiyuan-member").await;
        let tests = member.text("/tests").await;
        assert!(
            tests.contains("2026年11月下旬测试") && tests.contains("开始答题"),
            "{tests}"
        );

        // Full marks earn the campaign's points for passing and for full
        // marks, on the day it is handed in.
        let test = app
            .store
            .exams_of(suyuan_core::campaigns::CampaignId(campaign))
            .await
            .expect("tests")[0]
            .id
            .0;
        let api = Api::of(&app, "cuiyuan-member").await;
        let done = sit_right(&api, test).await;
        assert_eq!(done["result"]["percent"], 100.0, "{done}");
        let (_, today) = api
            .send(reqwest::Method::GET, "/api/v1/me/today", None)
            .await;
        let points = &json_of(&today)["campaigns"][0]["points_today"];
        for rule in ["test_passed", "test_full_marks"] {
            assert!(
                points
                    .as_array()
                    .expect("points")
                    .iter()
                    .any(|p| p["rule"] == rule && p["points"] == 5),
                "{rule} in {points}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn an_admin_marks_a_short_answer_and_the_score_follows() {
    use suyuan_core::exams::{DrawRule, Window};
    use suyuan_core::questions::{Answer, Question};
    use suyuan_store::exams::NewExam;
    use suyuan_store::questions::Status;

    let app = TestApp::spawn().await;
    let now = app.clock_now();
    let mut short = Question::new(
        "说说宪法的地位。",
        Answer::Short {
            model: Some("国家的根本法".into()),
        },
    );
    short.category = "简答".into();
    app.store
        .add_questions(app.world.xihu.id, &[short], Status::Active, now)
        .await
        .expect("bank");
    let exam = app
        .store
        .create_exam(
            NewExam {
                owner: app.world.xihu.id,
                campaign: None,
                title: "简答练习".into(),
                window: Window {
                    opens: now - Duration::minutes(1),
                    closes: now + Duration::hours(1),
                    limit: Duration::minutes(10),
                    attempts_allowed: 1,
                },
                pass_mark: 60,
                rules: vec![DrawRule {
                    category: Some("简答".into()),
                    difficulty: None,
                    from_readings: false,
                    count: 1,
                }],
                mistakes: 0,
                readings: None,
            },
            now,
        )
        .await
        .expect("test");
    let test = exam.id.0;
    let member = Api::of(&app, "cuiyuan-member").await;
    let (_, text) = member
        .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
        .await;
    let id = json_of(&text)["id"].as_i64().expect("id");
    member
        .put(
            &format!("/api/v1/attempts/{id}/answers/0"),
            json!({"text": "它是根本大法"}),
        )
        .await;
    let (_, done) = member
        .post(&format!("/api/v1/attempts/{id}/submit"), json!({}))
        .await;
    assert_eq!(json_of(&done)["result"]["pending"], 1, "{done}");

    let admin = app.signed_in("xihu-admin").await;
    let page = format!("/tests/{test}/marking");
    let listed = admin.text(&page).await;
    assert!(
        listed.contains("它是根本大法") && listed.contains("国家的根本法"),
        "{listed}"
    );
    let marked = admin
        .submit(&page, &format!("{page}/{id}/0"), &[("share", "1")])
        .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    assert!(admin.text(&page).await.contains("没有待评阅的答案"));
    // Marked once: a second mark is refused.
    let again = admin
        .submit(&page, &format!("{page}/{id}/0"), &[("share", "0")])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, after) = member
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/attempts/{id}"),
            None,
        )
        .await;
    let result = &json_of(&after)["result"];
    assert_eq!(
        (result["percent"].clone(), result["pending"].clone()),
        (json!(100.0), json!(0))
    );
    // Members cannot mark.
    let sitter = app.signed_in("cuiyuan-member").await;
    assert_eq!(sitter.get(&page).await.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn handing_in_with_questions_unanswered_asks_once() {
    let app = TestApp::spawn().await;
    let test = set_test(&app).await;
    let member = Api::of(&app, "cuiyuan-member").await;
    let (_, text) = member
        .post(&format!("/api/v1/tests/{test}/attempts"), json!({}))
        .await;
    let id = json_of(&text)["id"].as_i64().expect("id");
    let page = format!("/attempts/{id}");
    let browser = app.signed_in("cuiyuan-member").await;
    // Nothing answered: the hand-in is asked about, and nothing is handed in.
    let asked = browser.submit(&page, &page, &[("action", "submit")]).await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        asked.headers()["location"],
        format!("/attempts/{id}?confirm=1#hand-in")
    );
    let shown = browser.text(&format!("{page}?confirm=1")).await;
    assert!(
        shown.contains("id=\"hand-in\"") && shown.contains("还有 3 题没有作答"),
        "{shown}"
    );
    assert!(
        app.store
            .attempt(suyuan_store::exams::AttemptId(id))
            .await
            .expect("attempt")
            .is_open()
    );
    // Confirmed, it is handed in.
    let handed = browser
        .submit(&page, &page, &[("action", "submit"), ("confirmed", "1")])
        .await;
    assert_eq!(handed.headers()["location"], page.as_str());
    assert!(
        !app.store
            .attempt(suyuan_store::exams::AttemptId(id))
            .await
            .expect("attempt")
            .is_open()
    );
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_points_to_the_test_open_now_until_it_is_sat() {
    let app = TestApp::spawn().await;
    let test = set_test(&app).await;
    let member = app.signed_in("cuiyuan-member").await;
    let home = member.text("/").await;
    assert!(home.contains("参加测试：十一月下旬测试"), "{home}");
    let api = Api::of(&app, "cuiyuan-member").await;
    sit_right(&api, test).await;
    let home = member.text("/").await;
    assert!(
        !home.contains("参加测试："),
        "a test sat is no longer waiting"
    );
    app.stop().await;
}
