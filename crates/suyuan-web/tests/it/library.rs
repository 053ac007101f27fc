use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::{TestApp, hidden, location};

#[tokio::test]
async fn a_statute_reads_by_contents_chapter_and_excerpt() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let library = browser.text("/library").await;
    assert!(library.contains("中华人民共和国示例法"), "{library}");
    assert!(
        !library.contains("西湖区学习札记"),
        "anonymous readers see only public material"
    );

    let contents = browser.text(&format!("/library/{}", app.world.law)).await;
    assert!(
        contents.contains("第一章 总则") && contents.contains("第一节 细则"),
        "{contents}"
    );
    let chapter_href = contents
        .split("href=\"")
        .find(|s| s.contains("/chapters/"))
        .and_then(|s| s.split('"').next())
        .expect("a chapter link")
        .to_owned();
    let chapter = browser.text(&chapter_href).await;
    // The first chapter holds its section's articles too.
    assert!(
        chapter.contains("为了示例") && chapter.contains("第二款的文字"),
        "{chapter}"
    );
    assert!(!chapter.contains("本法自公布之日起施行"), "{chapter}");
    assert!(
        chapter.contains("第二章 附则 →"),
        "a link to the next chapter: {chapter}"
    );

    let api: Value = reqwest::get(app.url(&format!("/api/v1/collections/{}", app.world.law)))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(api["excerpt_count"], 3);
    assert_eq!(api["chapters"].as_array().expect("chapters").len(), 3);
    assert_eq!(api["chapters"][1]["parent_id"], api["chapters"][0]["id"]);

    let excerpt_href = chapter
        .split("href=\"")
        .find(|s| s.starts_with("/excerpts/"))
        .and_then(|s| s.split('"').next())
        .expect("an excerpt link")
        .to_owned();
    let excerpt = browser.text(&excerpt_href).await;
    assert!(
        excerpt.contains("第一章 总则") && excerpt.contains("第二条 →"),
        "{excerpt}"
    );
    let id: i64 = excerpt_href
        .trim_start_matches("/excerpts/")
        .parse()
        .expect("id");
    let json: Value = reqwest::get(app.url(&format!("/api/v1/excerpts/{id}")))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(json["label"], "第一条");
    assert_eq!(json["previous_id"], Value::Null);
    assert!(json["next_id"].is_i64());
    app.stop().await;
}

#[tokio::test]
async fn the_text_size_is_chosen_once_and_remembered() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let path = format!("/library/{}", app.world.law);
    let contents = browser.text(&path).await;
    let chapter_href = contents
        .split("href=\"")
        .find(|s| s.contains("/chapters/"))
        .and_then(|s| s.split('"').next())
        .expect("chapter")
        .to_owned();
    assert!(
        browser
            .text(&chapter_href)
            .await
            .contains("reading size-normal")
    );
    let set = browser
        .get(&format!("/prefs/text/huge?next={chapter_href}"))
        .await;
    assert_eq!(location(&set), chapter_href);
    assert!(
        browser
            .text(&chapter_href)
            .await
            .contains("reading size-huge")
    );
    assert_eq!(
        browser.get("/prefs/text/gigantic").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn unit_material_stays_within_its_subtree() {
    let app = TestApp::spawn().await;
    let notes = format!("/library/{}", app.world.xihu_notes);
    let member = app.signed_in("cuiyuan-member").await;
    assert!(member.text("/library").await.contains("西湖区学习札记"));
    assert_eq!(member.get(&notes).await.status(), StatusCode::OK);
    let outsider = app.signed_in("chunan-admin").await;
    assert!(!outsider.text("/library").await.contains("西湖区学习札记"));
    assert_eq!(outsider.get(&notes).await.status(), StatusCode::NOT_FOUND);
    let token = app.token("chunan-admin").await;
    let listed: Value = reqwest::Client::new()
        .get(app.url("/api/v1/collections"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let titles: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"淳安县学习札记"), "{titles:?}");
    let excerpt_of_notes = app
        .store
        .excerpts(
            suyuan_core::library::CollectionId(app.world.xihu_notes),
            None,
        )
        .await
        .expect("excerpts")[0]
        .id;
    let hidden_excerpt = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/excerpts/{excerpt_of_notes}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(hidden_excerpt.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn upload(
    browser: &crate::Browser,
    files: &[(&str, &str)],
    visibility: &str,
) -> reqwest::Response {
    let page = browser.text("/library/import").await;
    let mut form = Form::new()
        .text("csrf", hidden(&page, "csrf").expect("csrf"))
        .text("visibility", visibility.to_owned());
    for (name, text) in files {
        form = form.part(
            "files",
            Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
        );
    }
    browser
        .client
        .post(browser.url("/library/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn an_admin_uploads_material_all_or_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let good = "# 社区工作手册\n\n## 一、总则\n\n为民服务。\n\n## 二、分则\n\n办好实事。\n";
    let bad = "---\ntitle: broken\n# 未闭合\n";
    let refused = upload(
        &browser,
        &[("manual.md", good), ("broken.md", bad)],
        "subtree",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("body");
    assert!(page.contains("broken.md, line 1"), "{page}");
    assert!(!browser.text("/library").await.contains("社区工作手册"));

    let done = upload(&browser, &[("manual.md", good)], "subtree").await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("body").contains("已导入 1 份资料"));
    assert!(browser.text("/library").await.contains("社区工作手册"));
    let outsider = app.signed_in("chunan-admin").await;
    assert!(!outsider.text("/library").await.contains("社区工作手册"));

    let member = app.signed_in("cuiyuan-member").await;
    assert_eq!(
        member.get("/library/import").await.status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

/// A Word document of the given parts (`word/document.xml`, …), each
/// given whole.
fn word(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in parts {
        zip.start_file(*name, options).expect("entry");
        std::io::Write::write_all(&mut zip, text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

const WORD_STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style></w:styles>"#;

/// Uploads a Word document as the signed-in admin, which must succeed.
async fn upload_word(browser: &crate::Browser, file: &str, bytes: Vec<u8>) {
    let page = browser.text("/library/import").await;
    let form = Form::new()
        .text("csrf", hidden(&page, "csrf").expect("csrf"))
        .text("visibility", "subtree")
        .part("files", Part::bytes(bytes).file_name(file.to_owned()));
    let done = browser
        .client
        .post(browser.url("/library/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "{}",
        done.text().await.unwrap_or_default()
    );
}

/// The first link of a page that starts with `prefix`.
fn first_link(page: &str, prefix: &str) -> String {
    page.split("href=\"")
        .find(|s| s.starts_with(prefix))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("a link to {prefix}…: {page}"))
        .to_owned()
}

#[tokio::test]
async fn a_word_document_keeps_its_tables_and_notes_on_every_reading_page() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>补贴标准汇编</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>第一章 标准</w:t></w:r></w:p><w:p><w:r><w:t>第一条 标准如下</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>：</w:t></w:r></w:p><w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl><w:p><w:r><w:t>第二条 其他。</w:t></w:r></w:p></w:body></w:document>"#,
        cell("项目"),
        cell("标准"),
        cell("&lt;b&gt;住房&lt;/b&gt;"),
        cell("每月500元"),
    );
    let footnotes = r#"<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:footnote w:id="1"><w:p><w:r><w:t>按2024年标准。</w:t></w:r></w:p></w:footnote></w:footnotes>"#;
    let bytes = word(&[
        ("word/document.xml", &document),
        ("word/styles.xml", WORD_STYLES),
        ("word/footnotes.xml", footnotes),
    ]);
    upload_word(&browser, "补贴.docx", bytes).await;

    let library = browser.text("/library").await;
    let entry = library
        .split("<li>")
        .find(|item| item.contains("补贴标准汇编"))
        .expect("the collection is listed");
    let collection = browser.text(&first_link(entry, "/library/")).await;
    let chapter = browser.text(&first_link(&collection, "/library/")).await;
    let excerpt = browser.text(&first_link(&chapter, "/excerpts/")).await;
    for page in [&chapter, &excerpt] {
        assert!(
            page.contains("<thead><tr><th>项目</th><th>标准</th></tr></thead>")
                && page.contains("<td>&#60;b&#62;住房&#60;/b&#62;</td><td>每月500元</td>"),
            "the table, its cells escaped: {page}"
        );
        assert!(
            page.contains("标准如下〔注1〕：") && page.contains("<p>注1：按2024年标准。</p>"),
            "the note after its excerpt: {page}"
        );
        assert!(!page.contains("| 项目"), "no pipe rows shown: {page}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_word_document_uploads_with_its_headings() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let document = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>社区党课讲稿</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>一、为什么学</w:t></w:r></w:p><w:p><w:r><w:t>学习使人进步。</w:t></w:r></w:p></w:body></w:document>"#;
    let bytes = word(&[
        ("word/document.xml", document),
        ("word/styles.xml", WORD_STYLES),
    ]);
    upload_word(&browser, "讲稿.docx", bytes).await;
    let library = browser.text("/library").await;
    assert!(library.contains("社区党课讲稿"), "{library}");
    app.stop().await;
}
