use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::{TestApp, hidden};

fn roster_with_bad_row_7() -> String {
    let mut csv = String::from("姓名,编号,单位,手机\n");
    for i in 1..=5 {
        csv.push_str(&format!(
            "成员{i},X{i},浙江省/杭州市/西湖区/翠苑一区社区,1380000000{i}\n"
        ));
    }
    csv.push_str("错误,X6,浙江省/杭州市/西湖区/不存在社区,\n");
    csv
}

async fn upload(browser: &crate::Browser, csv: &str, password: &str) -> reqwest::Response {
    let page = browser.text("/members/import").await;
    let csrf = hidden(&page, "csrf").expect("csrf");
    let form = Form::new()
        .text("csrf", csrf)
        .text("initial_password", password.to_owned())
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("roster.csv"),
        );
    browser
        .client
        .post(browser.url("/members/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn an_admin_imports_a_roster_through_the_page() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;

    let refused = upload(&browser, &roster_with_bad_row_7(), "initial-pass").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("body");
    assert!(page.contains("row 7, column 单位"), "{page}");
    assert_eq!(
        app.store
            .count_members(&app.world.xihu.path)
            .await
            .expect("count"),
        2
    );

    let good = roster_with_bad_row_7().replace("不存在社区", "翠苑一区社区");
    let done = upload(&browser, &good, "initial-pass").await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("body").contains("新增 6 人"));
    assert_eq!(
        app.store
            .count_members(&app.world.xihu.path)
            .await
            .expect("count"),
        8
    );

    let again = upload(&browser, &good, "initial-pass").await;
    assert!(again.text().await.expect("body").contains("更新 6 人"));
    assert_eq!(
        app.store
            .count_members(&app.world.xihu.path)
            .await
            .expect("count"),
        8
    );

    // The new members sign in with the initial password.
    let newcomer = app.browser();
    let response = newcomer.sign_in("X3", "initial-pass").await;
    assert_eq!(crate::location(&response), "/account/password");
    app.stop().await;
}

#[tokio::test]
async fn the_page_names_the_columns_it_did_not_import() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let csv = "序号,姓名,编号,单位,联系电话,民族,备注\n1,成员甲,001234,浙江省/杭州市/西湖区/翠苑一区社区,13800000011,汉族,\n";
    let done = upload(&browser, csv, "initial-pass").await;
    assert_eq!(done.status(), StatusCode::OK);
    let page = done.text().await.expect("body");
    assert!(page.contains("新增 1 人"), "{page}");
    assert!(
        page.contains("列「民族」未导入") && page.contains("列「备注」未导入"),
        "{page}"
    );
    assert!(
        !page.contains("列「序号」"),
        "a serial number is no loss: {page}"
    );
    let members = app
        .store
        .list_members(&suyuan_store::members::MemberFilter {
            within: app.world.xihu.path.clone(),
            only: None,
            limit: 100,
            offset: 0,
        })
        .await
        .expect("list");
    assert!(
        members
            .iter()
            .any(|m| m.number == "001234" && m.phone.as_deref() == Some("13800000011")),
        "the phone of 联系电话 is kept, and the number's zeros: {members:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_cannot_import_into_another_subtree() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let csv = "姓名,编号,单位\n外人,Y1,zj-hz-ca-xj\n";
    let refused = upload(&browser, csv, "initial-pass").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("row 2, column 单位")
    );
    assert_eq!(
        app.store
            .count_members(&app.world.chunan.path)
            .await
            .expect("count"),
        2
    );

    let member = app.signed_in("cuiyuan-member").await;
    assert_eq!(
        member.get("/members/import").await.status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

#[tokio::test]
async fn the_api_imports_xlsx_all_or_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("province-admin").await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, title) in ["姓名", "编号", "单位", "手机"].iter().enumerate() {
        sheet.write_string(0, col as u16, *title).expect("cell");
    }
    sheet.write_string(1, 0, "钱学").expect("cell");
    sheet.write_number(1, 1, 20001.0).expect("cell");
    sheet.write_string(1, 2, "zj-hz-ca-xj").expect("cell");
    sheet.write_number(1, 3, 13912345678.0).expect("cell");
    sheet.write_string(2, 0, "孙二").expect("cell");
    sheet.write_number(2, 1, 20002.0).expect("cell");
    sheet.write_string(2, 2, "zj-hz-ca-xj").expect("cell");
    sheet.write_string(2, 3, "12345").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let send = |bytes: Vec<u8>| {
        let form = Form::new()
            .text("initial_password", "initial-pass")
            .part("file", Part::bytes(bytes).file_name("roster.xlsx"));
        reqwest::Client::new()
            .post(app.url("/api/v1/members/import"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    let refused = send(bytes.clone()).await.expect("import");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("row 3, column 手机"),
        "{body}"
    );
    assert_eq!(
        app.store
            .count_members(&app.world.xiajiang.path)
            .await
            .expect("count"),
        1
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, title) in ["name", "member_number", "unit", "phone", "学历"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *title).expect("cell");
    }
    sheet.write_string(1, 0, "钱学").expect("cell");
    sheet.write_number(1, 1, 20001.0).expect("cell");
    sheet
        .write_string(1, 2, "浙江省/杭州市/淳安县/下姜村")
        .expect("cell");
    sheet.write_number(1, 3, 13912345678.0).expect("cell");
    sheet.write_string(1, 4, "本科").expect("cell");
    let done = send(workbook.save_to_buffer().expect("xlsx"))
        .await
        .expect("import");
    assert_eq!(done.status(), StatusCode::OK);
    let body: Value = done.json().await.expect("json");
    assert_eq!(body["created"], 1);
    assert_eq!(body["ignored_columns"], serde_json::json!(["学历"]));
    let members = app
        .store
        .list_members(&suyuan_store::members::MemberFilter {
            within: app.world.xiajiang.path.clone(),
            only: None,
            limit: 10,
            offset: 0,
        })
        .await
        .expect("list");
    assert!(
        members
            .iter()
            .any(|m| m.number == "20001" && m.phone.as_deref() == Some("13912345678")),
        "{members:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_roster_template_is_a_valid_roster() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("xihu-admin").await;
    let response = browser.get("/members/import/template.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .contains("attachment")
    );
    let template = response.bytes().await.expect("body");
    let rows = suyuan_core::members::parse_roster(&template)
        .expect("the template parses")
        .rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].unit.to_string(), "浙江省/杭州市/西湖区");
    // Uploaded as is, it imports its example member into Xihu.
    let done = upload(
        &browser,
        std::str::from_utf8(&template).expect("utf-8"),
        "initial-pass",
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    app.stop().await;
}
