use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::{TestApp, hidden};

async fn api(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .get(app.url("/api/v1/search"))
        .query(&[("q", query)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("search");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_search_page_finds_and_highlights() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = browser.text("/search?q=%E7%A4%BA%E4%BE%8B").await; // 示例
    assert!(page.contains("<mark>示例</mark>"), "{page}");
    assert!(page.contains("中华人民共和国示例法"), "{page}");
    assert!(page.contains("找到 1 条"), "{page}");
    let nothing = browser.text("/search?q=%E5%AE%87%E5%AE%99").await; // 宇宙
    assert!(nothing.contains("没有找到"), "{nothing}");
    let empty = browser.get("/search").await;
    assert_eq!(empty.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn the_api_searches_what_the_caller_may_read() {
    let app = TestApp::spawn().await;
    let anonymous = api(&app, "学习", None).await;
    assert_eq!(
        anonymous["total"], 0,
        "Xihu's notes are not public: {anonymous}"
    );
    let member = app.token("cuiyuan-member").await;
    let found = api(&app, "学习", Some(&member)).await;
    assert_eq!(found["total"], 1, "{found}");
    let hit = &found["hits"][0];
    assert_eq!(hit["collection_id"], app.world.xihu_notes);
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap_or_default()
            .contains("<mark>学习</mark>"),
        "{hit}"
    );
    assert!(hit["excerpt_id"].is_i64());
    let outsider = app.token("chunan-admin").await;
    assert_eq!(api(&app, "学习", Some(&outsider)).await["total"], 0);

    let law = api(&app, "施行", None).await;
    assert_eq!(law["total"], 1);
    assert_eq!(law["hits"][0]["heading_path"], "第二章 附则");
    let filtered: Value = reqwest::Client::new()
        .get(app.url("/api/v1/search"))
        .query(&[
            ("q", "施行"),
            ("collection", &app.world.xihu_notes.to_string()),
        ])
        .bearer_auth(&member)
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(filtered["total"], 0);
    app.stop().await;
}

#[tokio::test]
async fn uploaded_material_is_searchable_at_once() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let page = browser.text("/library/import").await;
    let form = Form::new()
        .text("csrf", hidden(&page, "csrf").expect("csrf"))
        .text("visibility", "public")
        .part(
            "files",
            Part::bytes(
                "# Notes on Service\n\nMembers serve their communities every week.\n"
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("service.md"),
        );
    let uploaded = browser
        .client
        .post(browser.url("/library/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), StatusCode::OK);
    let found = api(&app, "community", None).await;
    assert_eq!(
        found["total"], 1,
        "English stemming finds communities: {found}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_search_page_names_only_readable_collections() {
    let app = TestApp::spawn().await;
    let path = format!("/search?q=x&collection={}", app.world.xihu_notes);
    let response = app.browser().get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert!(
        page.contains(r#"name="q" value="x""#),
        "the search page: {page}"
    );
    assert!(!page.contains("西湖区学习札记"), "{page}");
    // A member of Xihu may read the notes, and sees them named.
    let member = app.signed_in("cuiyuan-member").await;
    let page = member.text(&path).await;
    assert!(page.contains("西湖区学习札记"), "{page}");
    app.stop().await;
}
