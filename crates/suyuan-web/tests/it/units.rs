//! Units over HTTP: added, named and moved by name.

use reqwest::StatusCode;

use crate::TestApp;

#[tokio::test]
async fn a_unit_added_without_a_code_gets_one_and_the_page_says_so() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let unit = format!("/units/{}", app.world.xihu.id);
    let added = admin
        .submit(
            &unit,
            &format!("{unit}/children"),
            &[
                ("name", "翠苑第二社区"),
                ("code", ""),
                ("kind", "community"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let page = admin.text(&crate::location(&added)).await;
    assert!(page.contains("已添加下级单位“翠苑第二社区”"), "{page}");
    let made = app
        .store
        .children(app.world.xihu.id)
        .await
        .expect("children")
        .into_iter()
        .find(|u| u.name == "翠苑第二社区")
        .expect("the new unit");
    assert!(
        made.code
            .to_string()
            .starts_with(&format!("{}-", app.world.xihu.code)),
        "{}",
        made.code
    );
    app.stop().await;
}
