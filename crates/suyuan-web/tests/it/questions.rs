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
