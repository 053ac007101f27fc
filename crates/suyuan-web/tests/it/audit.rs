//! The audit log as its readers meet it: an admin's changes and every
//! showing of personal data written down as the response leaves, read by
//! the admins of the scope and above and by no one else, and downloaded
//! whole as CSV.

use reqwest::StatusCode;

use crate::TestApp;

/// The rows of the audit log's CSV for `unit`, header first.
async fn log_rows(
    browser: &crate::Browser,
    unit: suyuan_core::units::UnitId,
    query: &str,
) -> Vec<Vec<String>> {
    let file = browser
        .get(&format!("/units/{unit}/audit.csv?{query}"))
        .await;
    assert_eq!(file.status(), StatusCode::OK);
    let bytes = file.bytes().await.expect("csv");
    suyuan_core::table::read(&bytes).expect("our own CSV reads back")
}

#[tokio::test]
async fn changes_and_showings_of_personal_data_are_read_by_the_scope_and_above_only() {
    for app in TestApp::spawn_each().await {
        let w = &app.world;
        let admin = app.signed_in("xihu-admin").await;
        let cuiyuan = format!("/units/{}", w.cuiyuan.id);
        let renamed = admin
            .submit(
                &cuiyuan,
                &format!("{cuiyuan}/rename"),
                &[("name", "翠苑第一社区")],
            )
            .await;
        assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
        // A refused change changes nothing and is not an entry.
        let refused = admin
            .submit(
                &cuiyuan,
                &format!("/units/{}/rename", w.xiajiang.id),
                &[("name", "别处")],
            )
            .await;
        assert!(refused.status().is_client_error(), "{}", refused.status());
        assert_eq!(
            admin.get(&format!("{cuiyuan}/members")).await.status(),
            StatusCode::OK
        );

        // A member's own study is not an admin action; their own record is
        // not someone else's personal data.
        let member = app.token("cuiyuan-member").await;
        let own = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/members/{}", w.xihu_member)))
            .bearer_auth(&member)
            .send()
            .await
            .expect("own record");
        assert_eq!(own.status(), StatusCode::OK);
        let token = app.token("xihu-admin").await;
        let shown = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/members/{}", w.xihu_member)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("a member's record");
        assert_eq!(shown.status(), StatusCode::OK);

        let rows = log_rows(&admin, w.xihu.id, "").await;
        let lines: Vec<String> = rows[1..].iter().map(|r| r.join(" | ")).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        // Newest first: the API read, the members page, the rename.
        assert!(
            lines[0].contains("查看个人信息")
                && lines[0].contains(&format!("/api/v1/members/{}", w.xihu_member)),
            "{lines:#?}"
        );
        assert!(
            lines[1].contains("查看个人信息")
                && lines[1].contains(&format!("{cuiyuan}/members"))
                && lines[1].contains("翠苑第一社区"),
            "{lines:#?}"
        );
        assert!(
            lines[2].contains("更改")
                && lines[2].contains(&format!("{cuiyuan}/rename"))
                && lines[2].contains("沈丽华"),
            "{lines:#?}"
        );
        assert!(rows[1..].iter().all(|r| r[2] == "xihu-admin"), "{rows:?}");

        let views = log_rows(&admin, w.xihu.id, "deed=viewed").await;
        assert_eq!(views.len() - 1, 2, "{views:?}");
        let page = admin.text(&format!("/units/{}/audit", w.xihu.id)).await;
        assert!(
            page.contains(&format!("{cuiyuan}/rename")) && page.contains("共 3 条"),
            "{page}"
        );

        // The province reads it too; another district and members do not.
        let province = app.signed_in("province-admin").await;
        assert_eq!(log_rows(&province, w.province.id, "").await.len() - 1, 3);
        let chunan = app.signed_in("chunan-admin").await;
        assert_eq!(
            chunan
                .get(&format!("/units/{}/audit", w.xihu.id))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            chunan
                .get(&format!("/units/{}/audit.csv", w.xihu.id))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(log_rows(&chunan, w.chunan.id, "").await.len(), 1);
        let member = app.signed_in("cuiyuan-member").await;
        assert_eq!(
            member
                .get(&format!("/units/{}/audit", w.cuiyuan.id))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        // Reading the log is not an entry of it; a bad filter is named.
        assert_eq!(log_rows(&province, w.province.id, "").await.len() - 1, 3);
        let bad = admin
            .get(&format!("/units/{}/audit?deed=deleted", w.xihu.id))
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.expect("body").contains("deed"));
        app.stop().await;
    }
}

/// A gathering's roll by name, its organizer's desk once it lists leave
/// reasons, and a unit's figures member by member are showings of
/// personal data too; the gathering's page without them is not.
#[tokio::test]
async fn rolls_leave_reasons_and_members_figures_are_showings_of_personal_data() {
    let app = TestApp::spawn().await;
    let w = &app.world;
    let campaign = app.campaign().await;
    let gathering = app.gathering(&w.branch, chrono::Duration::days(1)).await;
    let admin = app.signed_in("xihu-admin").await;
    let page = format!("/gatherings/{gathering}");
    assert_eq!(admin.get(&page).await.status(), StatusCode::OK);
    assert_eq!(log_rows(&admin, w.xihu.id, "deed=viewed").await.len(), 1);

    let roll = format!("{page}/roll");
    let figures = format!(
        "/units/{}/progress/members?campaign={}",
        w.branch.id, campaign.0
    );
    for path in [&roll, &figures] {
        assert_eq!(admin.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let member = app.signed_in("cuiyuan-member").await;
    let asked = member
        .submit(
            &page,
            &format!("{page}/leave"),
            &[("reason", "家中老人住院")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let desk = admin.text(&page).await;
    assert!(desk.contains("家中老人住院"), "the desk lists the reason");

    let views = log_rows(&admin, w.xihu.id, "deed=viewed").await;
    let lines: Vec<String> = views[1..].iter().map(|r| r.join(" | ")).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(&roll)), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("/progress/members")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&page) && !l.contains(&roll)),
        "{lines:#?}"
    );
    app.stop().await;
}
