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

#[tokio::test]
async fn an_admin_resets_a_member_s_password_which_must_then_be_changed() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let member = app.signed_in("cuiyuan-member").await;
    let list = format!("/units/{}/members", app.world.xihu.id);
    let page = admin.text(&list).await;
    let action = format!("/members/{}/password", app.world.xihu_member);
    assert!(page.contains(&action), "a reset for each member: {page}");
    let reset = admin.submit(&list, &action, &[]).await;
    assert_eq!(reset.status(), StatusCode::OK);
    let shown = reset.text().await.expect("page");
    let marker = "id=\"temporary-password\">";
    let start = shown.find(marker).expect("the temporary password") + marker.len();
    let password = &shown[start..start + shown[start..].find('<').expect("end")];
    assert_eq!(password.chars().count(), 11, "{password}");

    // Signed out everywhere; the temporary password signs in, and asks
    // for a new one first.
    assert!(
        !member.text("/").await.contains("陈晓燕"),
        "the old session is over"
    );
    let fresh = app.browser();
    let signed = fresh.sign_in("cuiyuan-member", password).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let home = fresh.get("/").await;
    assert_eq!(crate::location(&home), "/account/password");

    // Nobody resets a password outside their subtree, nor a member their own.
    let chunan = app.signed_in("chunan-admin").await;
    let refused = chunan
        .submit(
            &format!("/units/{}/members", app.world.chunan.id),
            &action,
            &[],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
