//! Two-step sign-in as an admin meets it: set up with an authenticator
//! app (the codes here are computed from the key the page shows, as an
//! app would), asked for after the password on the web and the API,
//! recovery codes good once each, and an admin's password reset as the
//! way back in for a person who lost everything.

use chrono::Duration;
use reqwest::StatusCode;
use suyuan_core::clock::Clock;
use suyuan_core::members::MemberNumber;
use suyuan_core::second_factor::Secret;

use crate::{Browser, PASSWORD, TestApp, location};

const SETTINGS: &str = "/account/second-factor";

/// The setup key on the settings page, as an app would read it.
fn key_on(page: &str) -> Secret {
    let start =
        page.find("class=\"secret-key\">").expect("a setup key") + "class=\"secret-key\">".len();
    let key: String = page[start..]
        .chars()
        .take_while(|c| *c != '<')
        .filter(|c| !c.is_whitespace())
        .collect();
    Secret::decode(&key).unwrap_or_else(|| panic!("a base32 key: {key}"))
}

fn recovery_codes(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
        .collect()
}

/// Sets up two-step sign-in for a signed-in admin: the recovery codes and
/// the app's secret.
async fn turn_on(app: &TestApp, admin: &Browser) -> (Secret, Vec<String>) {
    let page = admin.text(SETTINGS).await;
    assert!(page.contains("开始设置"), "{page}");
    let begun = admin
        .submit(SETTINGS, "/account/second-factor/begin", &[])
        .await;
    assert_eq!(begun.status(), StatusCode::SEE_OTHER);
    let page = admin.text(SETTINGS).await;
    assert!(page.contains("<svg"), "a QR code to scan: {page}");
    let secret = key_on(&page);
    let wrong = admin
        .submit(
            SETTINGS,
            "/account/second-factor/confirm",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = secret.code_at(app.clock.now());
    let confirmed = admin
        .submit(
            SETTINGS,
            "/account/second-factor/confirm",
            &[("code", &code)],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let page = confirmed.text().await.expect("page");
    let codes = recovery_codes(&page);
    assert_eq!(codes.len(), 10, "{page}");
    (secret, codes)
}

/// Signs in with the password: the answer is the way to the second step.
async fn password_step(browser: &Browser, login: &str) -> String {
    let answer = browser.sign_in(login, PASSWORD).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    location(&answer)
}

#[tokio::test]
async fn an_admin_with_an_app_signs_in_with_a_fresh_code_or_a_recovery_code_once() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("xihu-admin").await;
    let (secret, codes) = turn_on(&app, &admin).await;
    assert!(
        admin
            .text(SETTINGS)
            .await
            .contains("还有 10 个恢复码没用过")
    );

    // The password alone no longer signs in.
    let browser = app.browser();
    let to = password_step(&browser, "xihu-admin").await;
    assert!(to.starts_with("/login/code"), "{to}");
    assert_eq!(
        browser.get("/account/password").await.status(),
        StatusCode::SEE_OTHER
    );
    let page = browser.text(&to).await;
    assert!(page.contains("验证器应用"), "{page}");
    let csrf_page = to.as_str();
    let wrong = browser
        .submit(csrf_page, "/login/code", &[("code", "123 456")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.expect("page").contains("验证码不对"));
    // The code that confirmed the app is spent; the next one works.
    let spent = secret.code_at(app.clock.now());
    let again = browser
        .submit(csrf_page, "/login/code", &[("code", &spent)])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.expect("page").contains("刚用过"));
    app.clock.advance(Duration::seconds(30));
    let fresh = secret.code_at(app.clock.now());
    let passed = browser
        .submit(csrf_page, "/login/code", &[("code", &fresh)])
        .await;
    assert_eq!(passed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/account/password").await.status(),
        StatusCode::OK
    );

    // A recovery code, typed in capitals with a space, works once.
    let phone_lost = app.browser();
    let to = password_step(&phone_lost, "xihu-admin").await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let recovered = phone_lost
        .submit(&to, "/login/code", &[("code", &typed)])
        .await;
    assert_eq!(recovered.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&recovered), SETTINGS);
    assert!(
        phone_lost
            .text(SETTINGS)
            .await
            .contains("还有 9 个恢复码没用过")
    );
    let twice = app.browser();
    let to = password_step(&twice, "xihu-admin").await;
    let refused = twice
        .submit(&to, "/login/code", &[("code", &codes[3])])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The second step waits five minutes, then starts again from the password.
    let slow = app.browser();
    let to = password_step(&slow, "xihu-admin").await;
    let form = slow.csrf(&to).await;
    app.clock.advance(Duration::minutes(6));
    let late = slow
        .client
        .post(slow.url("/login/code"))
        .form(&[
            ("csrf", form.as_str()),
            ("code", &secret.code_at(app.clock.now())),
        ])
        .send()
        .await
        .expect("late code");
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().await.expect("page").contains("5 分钟"));
    assert_eq!(slow.get(&to).await.status(), StatusCode::SEE_OTHER);

    // Scripts send the code with the password.
    let login = |code: Option<String>| {
        let url = app.url("/api/v1/auth/login");
        async move {
            let mut body = serde_json::json!({"login": "xihu-admin", "password": PASSWORD});
            if let Some(code) = code {
                body["code"] = code.into();
            }
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("login")
        }
    };
    let without = login(None).await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without.text().await.expect("body").contains("code"));
    app.clock.advance(Duration::seconds(30));
    let with = login(Some(secret.code_at(app.clock.now()))).await;
    assert_eq!(with.status(), StatusCode::OK);

    // Turned off with a code, the password alone signs in again.
    app.clock.advance(Duration::seconds(30));
    let off = admin
        .submit(
            SETTINGS,
            "/account/second-factor/off",
            &[("code", &secret.code_at(app.clock.now()))],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    assert_eq!(password_step(&app.browser(), "xihu-admin").await, "/");
    app.stop().await;
}

#[tokio::test]
async fn a_reset_password_turns_the_app_off_and_members_are_not_offered_it() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("cuiyuan-member").await;
    assert_eq!(admin.get(SETTINGS).await.status(), StatusCode::NOT_FOUND);
    assert!(!admin.text("/").await.contains(SETTINGS));

    let xihu = app.signed_in("xihu-admin").await;
    assert!(xihu.text("/").await.contains(SETTINGS));
    turn_on(&app, &xihu).await;
    let member = app
        .store
        .member_by_number(&MemberNumber::parse("xihu-admin").expect("number"))
        .await
        .expect("admin")
        .id;
    assert!(
        app.store
            .second_factor(member)
            .await
            .expect("read")
            .is_some()
    );
    let province = app.signed_in("province-admin").await;
    let members = format!("/units/{}/members", app.world.xihu.id);
    let reset = province
        .submit(&members, &format!("/members/{member}/password"), &[])
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert!(reset.text().await.expect("page").contains("两步验证"));
    assert_eq!(app.store.second_factor(member).await.expect("read"), None);
    app.stop().await;
}
