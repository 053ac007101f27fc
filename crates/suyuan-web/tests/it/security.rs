//! The browser's safety and abuse limits: cookies and HSTS behind TLS,
//! forms from other sites, form tokens bound to their session, sign-in
//! throttling that keeps the real person's way in, the API's pace per
//! token, who may read the metrics, and the passwords people choose.

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};

use crate::{PASSWORD, TestApp, hidden, location, retry_after};

const PUBLIC_URL: &str = "https://study.example.org";

fn settings(public_url: Option<&str>, metrics_token: Option<&str>) -> suyuan_web::Settings {
    suyuan_web::Settings {
        security: suyuan_web::SecurityPolicy::new(public_url, metrics_token, &[])
            .expect("settings"),
        ..Default::default()
    }
}

fn plain_client() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// The `name=value` parts of a response's cookies.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn behind_tls_cookies_are_host_only_and_secure_and_links_use_the_public_url() {
    let app = TestApp::spawn().await;
    let (base, _stop) = app.serve_with(&settings(Some(PUBLIC_URL), None)).await;
    let client = plain_client();
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    assert_eq!(
        page.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=63072000; includeSubDomains")
    );
    let cookies = set_cookies(&page);
    assert!(!cookies.is_empty());
    for cookie in &cookies {
        assert!(cookie.starts_with("__Host-sy_"), "{cookie}");
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{attribute}: {cookie}");
        }
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
    let csrf_cookie = pair(&cookies[0]);
    let token = hidden(&page.text().await.expect("body"), "csrf").expect("token");

    // Signed in from our own origin: the session cookie is prefixed too.
    let form = [
        ("csrf", token.as_str()),
        ("login", "cuiyuan-member"),
        ("password", PASSWORD),
    ];
    let signed = client
        .post(format!("{base}/login"))
        .header("cookie", &csrf_cookie)
        .header("origin", PUBLIC_URL)
        .form(&form)
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let session = set_cookies(&signed)
        .into_iter()
        .map(|c| pair(&c))
        .find(|c| c.starts_with("__Host-sy_session="))
        .expect("a prefixed session cookie");
    let home = |cookie: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .get(format!("{base}/"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("home")
        }
    };
    let page = home(session.clone()).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("body").contains("陈晓燕"));
    // The same value without the prefix could have been planted by a
    // neighbour on another subdomain: it is not read.
    let unprefixed = session.replacen("__Host-", "", 1);
    let page = home(unprefixed).await;
    assert!(!page.text().await.expect("body").contains("陈晓燕"));

    // A form from another site is refused before anything is read.
    let forged = client
        .post(format!("{base}/login"))
        .header("cookie", &csrf_cookie)
        .header("origin", "https://elsewhere.example")
        .form(&form)
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Absolute links name the public URL, whatever Host the request had.
    let discovery: serde_json::Value = client
        .get(format!("{base}/open311/v2/discovery.json"))
        .header("host", "attacker.example")
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert!(
        discovery.to_string().contains(PUBLIC_URL) && !discovery.to_string().contains("attacker"),
        "{discovery}"
    );

    // Without TLS, cookies are HttpOnly and Lax, not Secure; no HSTS.
    let page = plain_client()
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    assert!(page.headers().get("strict-transport-security").is_none());
    for cookie in set_cookies(&page) {
        assert!(cookie.starts_with("sy_"), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "{cookie}");
    }
    app.stop().await;
}

#[tokio::test]
async fn form_tokens_belong_to_one_session_and_are_made_anew_at_sign_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let before = browser.csrf("/login").await;
    assert_eq!(
        browser.sign_in("cuiyuan-member", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let after = browser.csrf("/").await;
    assert_ne!(before, after, "a new token once signed in");
    // A token handed out before sign-in no longer passes.
    let stale = browser
        .client
        .post(browser.url("/logout"))
        .form(&[("csrf", before.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    // Nor does another person's, in this browser.
    let other = app.signed_in("xihu-admin").await;
    let theirs = other.csrf("/").await;
    let crossed = browser
        .client
        .post(browser.url("/logout"))
        .form(&[("csrf", theirs.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(crossed.status(), StatusCode::FORBIDDEN);
    // A form its browser says came from another site is refused, even
    // with the right token; from our own origin it passes.
    let cross_site = browser
        .client
        .post(browser.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", after.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let own = browser
        .client
        .post(browser.url("/logout"))
        .header("origin", app.base.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", after.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}

#[tokio::test]
async fn someone_trying_an_account_slows_it_down_but_the_persons_own_phone_still_gets_in() {
    let app = TestApp::spawn().await;
    // The member signs in on their phone once: it is known from then on.
    let phone = app.signed_in("cuiyuan-member").await;
    phone
        .submit("/", "/logout", &[])
        .await
        .error_for_status()
        .expect("signed out");
    // Someone else tries the account from another browser.
    let stranger = app.browser();
    for _ in 0..5 {
        let response = stranger.sign_in("cuiyuan-member", "guess").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let held = stranger.sign_in("cuiyuan-member", PASSWORD).await;
    assert_eq!(retry_after(&held), 30);
    assert!(held.text().await.expect("body").contains("1 分钟后再试"));
    let api = plain_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "cuiyuan-member", "password": PASSWORD}))
        .send()
        .await
        .expect("api");
    assert_eq!(retry_after(&api), 30);
    // The person's own phone is not held.
    assert_eq!(
        phone.sign_in("cuiyuan-member", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn an_api_token_is_kept_to_its_pace() {
    let app = TestApp::spawn().await;
    let token = app.token("cuiyuan-member").await;
    let client = plain_client();
    let mut refused = None;
    for n in 0..400 {
        let response = client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((n, response));
            break;
        }
        assert_eq!(response.status(), StatusCode::OK, "call {n}");
    }
    let (n, response) = refused.expect("the pace holds");
    assert!(n >= 200, "the burst is allowed: refused at call {n}");
    assert!(retry_after(&response) >= 1);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_requests");
    // Another person's token is not held by this one's calls.
    let other = app.token("xihu-admin").await;
    let response = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("me");
    assert_eq!(response.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_for_this_machine_or_the_configured_token() {
    let app = TestApp::spawn().await;
    let client = plain_client();
    let straight = client.get(app.url("/metrics")).send().await.expect("get");
    assert_eq!(straight.status(), StatusCode::OK);
    // Through a proxy on this machine, it is a stranger's request.
    let proxied = client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("get");
    assert_eq!(proxied.status(), StatusCode::NOT_FOUND);

    let (base, _stop) = app.serve_with(&settings(None, Some("scrape-secret"))).await;
    let bare = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("get");
    assert_eq!(bare.status(), StatusCode::NOT_FOUND);
    let wrong = client
        .get(format!("{base}/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let scraped = client
        .get(format!("{base}/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("get");
    assert_eq!(scraped.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_new_password_is_not_the_members_own_details_nor_a_common_one() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("cuiyuan-member").await;
    for (new, words) in [
        ("cuiyuan-member-1", "不能有自己的姓名、党员编号或手机号"),
        ("陈晓燕陈晓燕陈晓燕", "不能有自己的姓名、党员编号或手机号"),
        ("password1", "很多人在用"),
        ("12345678", "很多人在用"),
    ] {
        let response = browser
            .submit(
                "/account/password",
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(
            response.text().await.expect("body").contains(words),
            "{new}"
        );
    }
    let chosen = "西湖边读宪法2026";
    let response = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", chosen),
                ("confirm_password", chosen),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    app.stop().await;
}

#[tokio::test]
async fn tracking_codes_tried_from_one_address_are_limited() {
    let app = TestApp::spawn().await;
    let client = plain_client();
    for n in 0..60 {
        let tried = client
            .get(app.url("/track/ABCDEFGHJKMNP"))
            .send()
            .await
            .expect("track");
        assert_eq!(tried.status(), StatusCode::NOT_FOUND, "try {n}");
    }
    for path in [
        "/track/ABCDEFGHJKMNP",
        "/track?code=ABCDEFGHJKMNP",
        "/open311/v2/tokens/ABCDEFGHJKMNP.json",
    ] {
        let held = client.get(app.url(path)).send().await.expect("track");
        let wait = retry_after(&held);
        assert!((1..=600).contains(&wait), "{path}: {wait}");
    }
    app.stop().await;
}
