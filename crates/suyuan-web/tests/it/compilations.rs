use reqwest::StatusCode;

use crate::{TestApp, location};

#[tokio::test]
async fn an_admin_compiles_excerpts_and_publishes_them() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let created = admin
        .submit(
            "/library/compilations",
            "/library/compilations",
            &[("title", "法治学习摘编")],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let draft = location(&created);
    assert!(draft.starts_with("/library/compilations/"), "{draft}");

    // Search from the draft, and add what is found.
    let found = admin.text(&format!("{draft}?q=%E6%96%BD%E8%A1%8C")).await; // 施行
    let excerpt_id = crate::hidden(&found, "excerpt_id").expect("a result to add");
    let added = admin
        .submit(
            &draft,
            &format!("{draft}/excerpts"),
            &[("excerpt_id", &excerpt_id), ("q", "施行")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let found = admin.text(&format!("{draft}?q=%E5%AD%A6%E4%B9%A0")).await; // 学习, in Xihu's notes
    let note_id = crate::hidden(&found, "excerpt_id").expect("a note to add");
    admin
        .submit(
            &draft,
            &format!("{draft}/excerpts"),
            &[("excerpt_id", &note_id)],
        )
        .await;
    admin
        .submit(
            &draft,
            &format!("{draft}/headings"),
            &[("heading", "一、总体要求")],
        )
        .await;

    // Put the heading first: it was added last, so move it up twice.
    let page = admin.text(&draft).await;
    let up = page
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .filter(|a| a.ends_with("/up"))
        .last()
        .expect("an up button")
        .to_owned();
    admin.submit(&draft, &up, &[]).await;
    admin.submit(&draft, &up, &[]).await;
    let page = admin.text(&draft).await;
    let heading_at = page.find("一、总体要求").expect("heading");
    let law_at = page.find("本法自公布之日起施行").expect("law");
    assert!(heading_at < law_at, "the heading comes first now");

    // Xihu's notes are not public, so neither may the compilation be.
    let public = admin
        .submit(
            &draft,
            &format!("{draft}/publish"),
            &[("visibility", "public")],
        )
        .await;
    assert_eq!(public.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let published = admin
        .submit(
            &draft,
            &format!("{draft}/publish"),
            &[("visibility", "subtree")],
        )
        .await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let collection = location(&published);
    let contents = admin.text(&collection).await;
    assert!(
        contents.contains("法治学习摘编") && contents.contains("一、总体要求"),
        "{contents}"
    );
    assert_eq!(
        admin.get(&draft).await.status(),
        StatusCode::NOT_FOUND,
        "the draft is gone"
    );

    let member = app.signed_in("cuiyuan-member").await;
    assert_eq!(member.get(&collection).await.status(), StatusCode::OK);
    let outsider = app.signed_in("chunan-admin").await;
    assert_eq!(
        outsider.get(&collection).await.status(),
        StatusCode::NOT_FOUND
    );
    // The compilation is searchable at once, for those who may read it.
    let search = member.text("/search?q=%E6%96%BD%E8%A1%8C").await;
    assert!(search.contains("法治学习摘编"), "{search}");
    app.stop().await;
}

#[tokio::test]
async fn drafts_stay_with_their_subtree() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let created = admin
        .submit(
            "/library/compilations",
            "/library/compilations",
            &[("title", "西湖摘编")],
        )
        .await;
    let draft = location(&created);
    let outsider = app.signed_in("chunan-admin").await;
    assert_eq!(outsider.get(&draft).await.status(), StatusCode::NOT_FOUND);
    let sneaky = outsider
        .submit(
            "/library/compilations",
            &format!("{draft}/headings"),
            &[("heading", "x")],
        )
        .await;
    assert_eq!(sneaky.status(), StatusCode::NOT_FOUND);
    assert!(
        !outsider
            .text("/library/compilations")
            .await
            .contains("西湖摘编")
    );
    let empty = admin
        .submit(
            &draft,
            &format!("{draft}/publish"),
            &[("visibility", "subtree")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let blank = admin
        .submit(
            "/library/compilations",
            "/library/compilations",
            &[("title", "  ")],
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
