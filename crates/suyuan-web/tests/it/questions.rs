use reqwest::StatusCode;
use serde_json::Value;
use suyuan_core::questions::Format;

use crate::TestApp;

pub const GIFT: &str = "$CATEGORY: 宪法\n\n\
::Q1:: 一切权力属于谁？ {=人民 ~政府 ####宪法第二条。}\n\n\
宪法由 {=全国人民代表大会 =全国人大} 修改。\n\n\
宪法是根本法。 {TRUE}\n";

#[tokio::test]
async fn an_admin_imports_and_exports_the_bank_through_the_page() {
    for app in TestApp::spawn_each().await {
        let browser = app.signed_in("xihu-admin").await;
        assert_eq!(browser.get("/questions").await.status(), StatusCode::OK);

        // A bad question on line 7 refuses the file and says where.
        let bad = GIFT.replace("宪法是根本法。 {TRUE}", "几何？ {#3:1}");
        let refused = browser
            .upload(
                "/questions",
                "/questions/import",
                "file",
                "bank.gift",
                bad.as_bytes(),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("body");
        assert!(
            page.contains("bank.gift: line 7: numeric questions"),
            "{page}"
        );
        assert!(page.contains("题库中还没有题目"), "{page}");

        let done = browser
            .upload(
                "/questions",
                "/questions/import",
                "file",
                "bank.gift",
                GIFT.as_bytes(),
            )
            .await;
        assert_eq!(done.status(), StatusCode::OK);
        let page = done.text().await.expect("body");
        assert!(page.contains("已导入 3 道题；0 道题库中已有"), "{page}");
        assert!(
            page.contains("一切权力属于谁？") && page.contains("宪法第二条。"),
            "{page}"
        );

        // Every export reads back as the same questions.
        let mut exported = Vec::new();
        for format in Format::ALL {
            let response = browser
                .get(&format!("/questions/export?format={}", format.code()))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let bytes = response.bytes().await.expect("body");
            exported.push(format.read(&bytes).expect("an export reads back").questions);
        }
        assert!(exported.iter().all(|q| q == &exported[0]), "{exported:?}");
        assert_eq!(exported[0].len(), 3);

        // The template comes with an example of each kind, and reads.
        for format in ["xlsx", "csv"] {
            let response = browser
                .get(&format!("/questions/template?format={format}"))
                .await;
            let bytes = response.bytes().await.expect("body");
            let examples = Format::parse(format)
                .expect("format")
                .read(&bytes)
                .expect("reads")
                .questions;
            assert_eq!(examples.len(), 5);
        }

        // Importing an export again adds nothing.
        let again = browser
            .upload(
                "/questions",
                "/questions/import",
                "file",
                "bank.xml",
                &Format::MoodleXml.write(&exported[0]),
            )
            .await;
        assert!(
            again
                .text()
                .await
                .expect("body")
                .contains("已导入 0 道题；3 道题库中已有")
        );

        // Members have no bank page.
        let member = app.signed_in("cuiyuan-member").await;
        assert_eq!(
            member.get("/questions").await.status(),
            StatusCode::FORBIDDEN
        );
        app.stop().await;
    }
}

/// The sample bank, uploaded through the bank page into the admin's unit.
pub async fn upload_gift(admin: &crate::Browser) {
    let uploaded = admin
        .upload(
            "/questions",
            "/questions/import",
            "file",
            "bank.gift",
            GIFT.as_bytes(),
        )
        .await;
    assert_eq!(uploaded.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_api_lists_a_bank_without_answers_for_members() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    upload_gift(&admin).await;
    let client = reqwest::Client::new();
    let list = |token: String, unit: i64, query: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/api/v1/questions?unit={unit}{query}"));
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("GET")
        }
    };

    // A member of Cuiyuan sees Xihu's bank (shared down), without answers.
    let member = app.token("cuiyuan-member").await;
    let response = list(member.clone(), app.world.cuiyuan.id.0, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["total"], 3);
    let first = &body["questions"][0];
    assert_eq!(first["type"], "single");
    assert_eq!(first["category"], "宪法");
    assert_eq!(first["choices"], serde_json::json!(["人民", "政府"]));
    for leak in [
        "answer",
        "weight",
        "accepted",
        "correct",
        "explanation",
        "全国人大",
        "宪法第二条",
    ] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    let blanks = list(member.clone(), app.world.cuiyuan.id.0, "&type=blank").await;
    assert_eq!(blanks.json::<Value>().await.expect("json")["total"], 1);
    let wrong = list(member.clone(), app.world.cuiyuan.id.0, "&type=essay").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Xihu's admin sees what is right.
    let admin_token = app.token("xihu-admin").await;
    let body: Value = list(admin_token, app.world.xihu.id.0, "")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["questions"][0]["answer"]["choices"][0]["weight"],
        100.0
    );
    assert_eq!(body["questions"][0]["explanation"], "宪法第二条。");

    // Chun'an's members cannot look into Xihu's bank, and see none of it
    // from their own unit.
    let outsider = app.token("xiajiang-member").await;
    let response = list(outsider.clone(), app.world.xihu.id.0, "").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let own = list(outsider, app.world.xiajiang.id.0, "").await;
    assert_eq!(own.json::<Value>().await.expect("json")["total"], 0);
    app.stop().await;
}

/// A bank as Moodle 4 exports it: a description first, HTML in CDATA and
/// escaped, thirds, a short answer with partial credit, an essay, and
/// Markdown.
const MOODLE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="description">
    <name><text>阅读材料</text></name>
    <questiontext format="html"><text><![CDATA[<p>阅读下列条文。</p>]]></text></questiontext>
  </question>
  <question type="category">
    <category><text>$course$/top/格式</text></category>
  </question>
  <question type="multichoice">
    <name><text>三分之一</text></name>
    <questiontext format="html"><text>&lt;p dir="ltr"&gt;下列属于&lt;span style="color: red;"&gt;国家机构&lt;/span&gt;的是：&lt;/p&gt;&lt;ul&gt;&lt;li&gt;多选&lt;/li&gt;&lt;/ul&gt;</text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>宪法第三章。</p><p>国家机构&nbsp;&amp;&nbsp;职权</p><script>alert(1)</script>]]></text></generalfeedback>
    <single>false</single>
    <answer fraction="33.33333" format="html"><text><![CDATA[<p><span lang="zh-CN">国务院</span></p>]]></text>
      <feedback format="html"><text><![CDATA[<p>对<br>第八十五条</p>]]></text></feedback></answer>
    <answer fraction="33.33333" format="html"><text>最高人民法院&amp;nbsp;</text></answer>
    <answer fraction="33.33333" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/x.png" alt="中央军事委员会">]]></text></answer>
    <answer fraction="-100" format="html"><text>中国共产党</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>首都</text></name>
    <questiontext format="moodle_auto_format"><text>中国的首都是哪里？
请写城市名。</text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>北京</text></answer>
    <answer fraction="50" format="moodle_auto_format"><text>北京市</text></answer>
  </question>
  <question type="essay">
    <name><text>宣誓</text></name>
    <questiontext format="html"><text><![CDATA[<p>谈谈<b>宪法宣誓</b>制度。</p><p>不少于&nbsp;100&nbsp;字。</p>]]></text></questiontext>
    <graderinfo format="html"><text><![CDATA[<ol><li>意义</li><li>程序</li></ol>]]></text></graderinfo>
  </question>
  <question type="truefalse">
    <name><text>根本法</text></name>
    <questiontext format="markdown"><text>宪法是国家的**根本法**。</text></questiontext>
    <answer fraction="100" format="html"><text>true</text></answer>
    <answer fraction="0" format="html"><text>false</text></answer>
  </question>
</quiz>
"#;

/// A page shows imported text as text: no tag of the file, escaped or
/// not, and no entity left undecoded.
fn shows_no_tags(page: &str) {
    for tag in [
        "&lt;p",
        "&lt;/",
        "&lt;span",
        "&lt;br",
        "&lt;li",
        "&lt;img",
        "&lt;b&gt;",
        "&amp;nbsp;",
        "&amp;lt;",
        "&amp;#",
        "<span lang",
        "<p dir",
        "alert(1)",
        "**",
        "@@PLUGINFILE@@",
    ] {
        assert!(!page.contains(tag), "{tag} shows on the page: {page}");
    }
}

#[tokio::test]
async fn moodle_formatting_shows_as_lines_never_as_tags() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let imported = admin
        .upload(
            "/questions",
            "/questions/import",
            "file",
            "moodle.xml",
            MOODLE_XML.as_bytes(),
        )
        .await;
    assert_eq!(imported.status(), StatusCode::OK);
    let page = imported.text().await.expect("body");
    // The description is left out and named; the rest is imported.
    assert!(page.contains("已导入 4 道题"), "{page}");
    assert!(
        page.contains("第 3 行“阅读材料”是说明文字，不是题目，未导入。"),
        "{page}"
    );
    shows_no_tags(&page);
    assert!(page.contains("下列属于国家机构的是：\n• 多选"), "{page}");
    assert!(page.contains("北京 | 北京市（得 50% 分）"), "{page}");
    assert!(page.contains("宪法第三章。\n国家机构 &#38; 职权"), "{page}");

    // A member sits a test of them: the thirds all right, the capital in
    // part, the essay for a person to mark.
    let admin_token = app.token("xihu-admin").await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, token: &str, path: &str, body: Value| {
        client
            .request(method, app.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let now = app.clock_now();
    let test: Value = call(
        reqwest::Method::POST,
        &admin_token,
        "/api/v1/tests",
        serde_json::json!({
            "title": "格式测试",
            "opens_at": now - chrono::Duration::minutes(1),
            "closes_at": now + chrono::Duration::hours(2),
            "time_limit_minutes": 30,
            "pass_mark": 60,
            "rules": [{"category": "格式", "count": 4}],
        }),
    )
    .await
    .expect("POST")
    .json()
    .await
    .expect("json");
    let test = test["id"].as_i64().expect("a test");
    let member_token = app.token("cuiyuan-member").await;
    let attempt: Value = call(
        reqwest::Method::POST,
        &member_token,
        &format!("/api/v1/tests/{test}/attempts"),
        serde_json::json!({}),
    )
    .await
    .expect("POST")
    .json()
    .await
    .expect("json");
    let id = attempt["id"].as_i64().expect("an attempt");
    for (position, question) in attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .enumerate()
    {
        let answer = match question["type"].as_str().expect("type") {
            "multiple" => {
                let right: Vec<usize> = question["choices"]
                    .as_array()
                    .expect("choices")
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| *c != "中国共产党")
                    .map(|(i, _)| i)
                    .collect();
                serde_json::json!({ "choices": right })
            }
            "blank" => serde_json::json!({"text": "北京市"}),
            "short" => serde_json::json!({"text": "庄严的承诺"}),
            _ => serde_json::json!({"value": true}),
        };
        let saved = call(
            reqwest::Method::PUT,
            &member_token,
            &format!("/api/v1/attempts/{id}/answers/{position}"),
            answer,
        )
        .await
        .expect("PUT");
        assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    }
    let member = app.signed_in("cuiyuan-member").await;
    let sitting = member.text(&format!("/attempts/{id}")).await;
    shows_no_tags(&sitting);
    assert!(
        sitting.contains("谈谈宪法宣誓制度。\n不少于 100 字。"),
        "{sitting}"
    );
    assert!(sitting.contains("中央军事委员会"), "{sitting}");

    let done: Value = call(
        reqwest::Method::POST,
        &member_token,
        &format!("/api/v1/attempts/{id}/submit"),
        serde_json::json!({}),
    )
    .await
    .expect("POST")
    .json()
    .await
    .expect("json");
    let earned: Vec<Value> = done["result"]["review"]
        .as_array()
        .expect("review")
        .iter()
        .map(|r| r["earned"].clone())
        .collect();
    // Thirds make full marks; 北京市 earns half.
    assert!(earned.contains(&serde_json::json!(1.0)), "{done}");
    assert!(earned.contains(&serde_json::json!(0.5)), "{done}");
    assert_eq!(done["result"]["pending"], 1, "{done}");

    let review = member.text(&format!("/attempts/{id}")).await;
    shows_no_tags(&review);
    assert!(review.contains("宪法是国家的根本法。"), "{review}");
    assert!(
        review.contains("中国的首都是哪里？\n请写城市名。"),
        "{review}"
    );

    let results = admin.text(&format!("/tests/{test}/results")).await;
    shows_no_tags(&results);
    let marking = admin.text(&format!("/tests/{test}/marking")).await;
    shows_no_tags(&marking);
    assert!(marking.contains("意义"), "{marking}");

    // The half-right capital comes back in the mistake book.
    app.clock.advance(chrono::Duration::minutes(5));
    let practice = member.text("/practice").await;
    shows_no_tags(&practice);
    assert!(practice.contains("请写城市名。"), "{practice}");
    app.stop().await;
}
