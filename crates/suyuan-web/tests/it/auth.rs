use reqwest::{Client, StatusCode};
use suyuan_core::members::parse_roster;
use suyuan_store::auth::hash_password;

use crate::{PASSWORD, TestApp, location};

#[tokio::test]
async fn a_member_signs_in_through_the_page_and_out_again() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    // Not signed in, the front page: what is open to all, and the way in.
    let front = browser.text("/").await;
    assert!(front.contains("href=\"/login\"") && front.contains("href=\"/requests/new\""));
    assert!(!front.contains("陈晓燕"));

    let signed = browser.sign_in("cuiyuan-member", PASSWORD).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed), "/");
    let page = browser.text("/").await;
    assert!(page.contains("陈晓燕"), "{page}");
    assert!(page.contains("翠苑一区社区"), "{page}");

    let out = browser.submit("/", "/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(!browser.text("/").await.contains("陈晓燕"), "signed out");
    app.stop().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let _ = browser.get("/login").await;
    let forged = browser
        .client
        .post(browser.url("/login"))
        .form(&[("login", "cuiyuan-member"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = browser
        .client
        .post(browser.url("/login"))
        .form(&[
            ("csrf", "00ff"),
            ("login", "cuiyuan-member"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    // A token from another browser does not fit this one's cookie.
    let other = app.browser();
    let stolen = other.csrf("/login").await;
    let replayed = browser
        .client
        .post(browser.url("/login"))
        .form(&[
            ("csrf", stolen.as_str()),
            ("login", "cuiyuan-member"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(replayed.status(), StatusCode::FORBIDDEN);
    assert!(!browser.text("/").await.contains("陈晓燕"), "not signed in");

    // Signed in, a sign-out without the token does not sign out.
    let browser = app.signed_in("cuiyuan-member").await;
    let forged = browser
        .client
        .post(browser.url("/logout"))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for _ in 0..5 {
        let response = browser.sign_in("cuiyuan-member", "not it").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.expect("body").contains("密码不正确"));
    }
    let throttled = browser.sign_in("cuiyuan-member", PASSWORD).await;
    assert_eq!(crate::retry_after(&throttled), 30);
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "cuiyuan-member", "password": PASSWORD}))
        .send()
        .await
        .expect("api");
    assert_eq!(crate::retry_after(&api), 30);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_requests");

    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        browser.sign_in("cuiyuan-member", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn an_imported_member_must_choose_a_password_first() {
    let app = TestApp::spawn().await;
    let rows =
        parse_roster("姓名,编号,单位,手机\n吴新,ZJ900,zj-hz-xh-cy1-b1,13700000001\n".as_bytes())
            .expect("roster")
            .rows;
    let hash = hash_password(&suyuan_core::members::NewPassword::parse("initial-123").expect("pw"))
        .expect("hash");
    app.store
        .import_members(&rows, None, &hash, app.clock_now())
        .await
        .expect("import");

    let browser = app.browser();
    let signed = browser.sign_in("13700000001", "initial-123").await;
    assert_eq!(location(&signed), "/account/password");
    assert_eq!(location(&browser.get("/").await), "/account/password");

    let same = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "initial-123"),
                ("new_password", "initial-123"),
                ("confirm_password", "initial-123"),
            ],
        )
        .await;
    assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(location(&browser.get("/").await), "/account/password");
    let mismatch = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "initial-123"),
                ("new_password", "my own secret"),
                ("confirm_password", "my own secreT"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "initial-123"),
                ("new_password", "my own secret"),
                ("confirm_password", "my own secret"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let home = browser.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.expect("body").contains("吴新"));

    // The API holds a pending password change the same way.
    let token = {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"login": "ZJ900", "password": "my own secret"}))
            .send()
            .await
            .expect("login");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["must_change_password"], false);
        body["token"].as_str().expect("token").to_owned()
    };
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn the_api_refuses_until_the_password_is_changed() {
    let app = TestApp::spawn().await;
    let rows = parse_roster("姓名,编号,单位\n吴新,ZJ901,zj-hz-xh\n".as_bytes())
        .expect("roster")
        .rows;
    let hash = hash_password(&suyuan_core::members::NewPassword::parse("initial-123").expect("pw"))
        .expect("hash");
    app.store
        .import_members(&rows, None, &hash, app.clock_now())
        .await
        .expect("import");
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "ZJ901", "password": "initial-123"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().expect("token");
    let refused = client
        .get(app.url("/api/v1/units"))
        .bearer_auth(token)
        .send()
        .await
        .expect("units");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "password_change_required");
    let changed = client
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(token)
        .json(&serde_json::json!({"current_password": "initial-123", "new_password": "short"}))
        .send()
        .await
        .expect("password");
    assert_eq!(changed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = client
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(token)
        .json(&serde_json::json!({"current_password": "initial-123", "new_password": "long enough now"}))
        .send()
        .await
        .expect("password");
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let units = client
        .get(app.url("/api/v1/units"))
        .bearer_auth(token)
        .send()
        .await
        .expect("units");
    assert_eq!(units.status(), StatusCode::OK);
    let out = client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn the_language_follows_the_browser_and_the_switch_is_remembered() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let english = browser
        .client
        .get(browser.url("/login"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        english.contains("Sign in") && english.contains("lang=\"en\""),
        "{english}"
    );
    assert!(browser.text("/login").await.contains("登录"));

    let switched = browser.get("/lang/en?next=/login").await;
    assert_eq!(location(&switched), "/login");
    assert!(
        browser
            .text("/login")
            .await
            .contains("Member number or phone")
    );
    // Never redirect off the site.
    let offsite = browser.get("/lang/zh?next=//evil.example").await;
    assert_eq!(location(&offsite), "/");
    let tabbed = browser.get("/lang/zh?next=/%09/evil.example").await;
    assert_eq!(location(&tabbed), "/");
    app.stop().await;
}

impl TestApp {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use suyuan_core::clock::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn a_sign_out_reaches_the_other_instances_within_a_second_or_so() {
    for app in TestApp::spawn_each().await {
        let (other, stop) = app.serve_instance().await;
        let token = app.token("cuiyuan-member").await;
        let client = Client::new();
        let me = |base: String| {
            client
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(&token)
                .send()
        };
        // The other instance looks the session up, and remembers it.
        assert_eq!(
            me(other.clone()).await.expect("me").status(),
            StatusCode::OK
        );
        let out = client
            .post(app.url("/api/v1/auth/logout"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("logout");
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            me(app.base.clone()).await.expect("me").status(),
            StatusCode::UNAUTHORIZED
        );
        // Well before it would stop trusting what it remembered, the
        // other instance has read the change and forgotten the session.
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        assert_eq!(
            me(other.clone()).await.expect("me").status(),
            StatusCode::UNAUTHORIZED
        );
        let _ = stop.send(());
        app.stop().await;
    }
}

/// An error page keeps the header of the person signed in — their tabs and
/// sign-out, not a visitor's "sign in" — and its sign-out works; a
/// visitor's error page stays a visitor's.
#[tokio::test]
async fn error_pages_keep_the_signed_in_person_s_header() {
    let app = TestApp::spawn().await;
    let member = app.signed_in("cuiyuan-member").await;
    let missing = member.get("/units/999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let page = missing.text().await.expect("page");
    assert!(
        page.contains("action=\"/logout\"") && page.contains("title=\"陈晓燕\""),
        "{page}"
    );
    assert!(!page.contains("href=\"/login\""), "{page}");
    let out = member.submit("/units/999999", "/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = member.get("/units/999999").await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "signed out: to sign in"
    );

    let visitor = app.browser();
    let page = visitor.text("/excerpts/999999").await;
    assert!(page.contains("href=\"/login\"") && !page.contains("action=\"/logout\""));
    app.stop().await;
}
