//! axe-core (from the npm registry; `.ci/run` installs it) audits every
//! main page in headless Chromium at phone width: signed out and as each
//! role, in both languages and in both modes. No serious or critical
//! violation passes, and in elder mode no text under 7:1 contrast. Skipped when axe-core is not installed, except under
//! `CI=true`.

use fantoccini::Locator;

use crate::TestApp;
use crate::browser::Chrome;

/// Where axe-core is: `AXE_CORE_JS`, or where `npm install -g` puts it.
fn axe_source() -> Option<String> {
    let candidates = std::env::var("AXE_CORE_JS").into_iter().chain(
        [
            "/usr/local/lib/node_modules/axe-core/axe.min.js",
            "/usr/lib/node_modules/axe-core/axe.min.js",
        ]
        .map(String::from),
    );
    for path in candidates {
        if let Ok(source) = std::fs::read_to_string(&path) {
            return Some(source);
        }
    }
    let in_ci = std::env::var("CI").is_ok_and(|ci| ci == "true");
    assert!(!in_ci, "CI must have axe-core (npm install -g axe-core)");
    eprintln!("skipping the accessibility audit: axe-core is not installed");
    None
}

/// The pages each role is audited on.
async fn pages(app: &TestApp) -> Vec<(Option<&'static str>, Vec<String>)> {
    let w = &app.world;
    let article = crate::everyone::public_constitution(app).await;
    let campaign = app.campaign().await.0;
    app.site_manager().await;
    let public = vec![
        "/".to_owned(),
        "/login".into(),
        "/library".into(),
        format!("/library/{}", w.law),
        format!("/excerpts/{}", article.0),
        "/search?q=人格尊严".into(),
        "/quiz".into(),
        "/constitution-day".into(),
        "/participation".into(),
        "/requests".into(),
        "/requests/new".into(),
        "/track".into(),
        "/pledges".into(),
        "/sites".into(),
        "/offline".into(),
    ];
    let member = vec![
        "/".to_owned(),
        "/today".into(),
        "/reading/calendar".into(),
        "/library".into(),
        format!("/excerpts/{}", article.0),
        "/tests".into(),
        "/progress".into(),
        "/gatherings".into(),
        format!("/campaigns/{campaign}"),
        "/account/password".into(),
    ];
    let admin = vec![
        "/".to_owned(),
        format!("/units/{}", w.xihu.id),
        format!("/units/{}/members", w.xihu.id),
        "/members/import".into(),
        "/campaigns".into(),
        "/questions".into(),
        "/library/import".into(),
        format!("/units/{}/gatherings", w.xihu.id),
        format!("/units/{}/progress", w.xihu.id),
        "/pledges/desk".into(),
        "/requests/desk".into(),
        "/requests/settings".into(),
        "/constitution-day".into(),
    ];
    vec![
        (None, public),
        (Some("cuiyuan-member"), member),
        (Some("xihu-admin"), admin.clone()),
        (Some("province-admin"), admin),
        (
            Some("site-manager"),
            vec!["/".to_owned(), "/sites".into(), "/today".into()],
        ),
    ]
}

/// The serious and critical violations axe finds on the page shown; in
/// elder mode text must have a contrast of 7:1 (WCAG's enhanced rule,
/// which axe leaves off unless asked).
async fn audit(chrome: &Chrome, axe: &str, elder: bool) -> Vec<String> {
    let c = &chrome.client;
    c.execute(axe, vec![]).await.expect("axe-core loads");
    let found = c
        .execute_async(
            "const [elder, done] = arguments;
             axe.run(document, {resultTypes: ['violations'],
                                rules: {'color-contrast-enhanced': {enabled: elder}}}).then(result => done(
               result.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
            vec![serde_json::Value::from(elder)],
        )
        .await
        .expect("axe runs");
    serde_json::from_value(found).expect("a list")
}

#[tokio::test]
async fn every_main_page_passes_axe_signed_out_and_in_both_languages_and_modes() {
    let Some(axe) = axe_source() else {
        return;
    };
    let app = TestApp::spawn().await;
    let mut failures = Vec::new();
    for (login, paths) in pages(&app).await {
        let Some(chrome) = Chrome::start().await else {
            return;
        };
        let c = &chrome.client;
        match login {
            Some(login) => chrome.sign_in(&app, login).await,
            None => c.goto(&app.url("/")).await.expect("open"),
        }
        for lang in ["zh", "en"] {
            for elder in [false, true] {
                // The language and the mode as a person sets them (the
                // mode kept with a member).
                c.goto(&app.url(&format!("/lang/{lang}?next=/")))
                    .await
                    .expect("language");
                let set = c
                    .execute_async(
                        "const [mode, done] = arguments;
                         const csrf = document.querySelector('input[name=csrf]').value;
                         fetch('/prefs/mode', {method: 'POST', credentials: 'same-origin', redirect: 'manual',
                           headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                           body: new URLSearchParams({csrf, mode, next: '/'})}).then(r => done(r.type));",
                        vec![serde_json::Value::from(if elder { "elder" } else { "standard" })],
                    )
                    .await
                    .expect("mode");
                assert_eq!(set, serde_json::Value::from("opaqueredirect"));
                for path in &paths {
                    c.goto(&app.url(path)).await.expect("open");
                    // Each page is what it claims: in the language and
                    // mode asked for, and not an error.
                    let html = c.find(Locator::Css("html")).await.expect("the page");
                    let class = html.attr("class").await.expect("class").unwrap_or_default();
                    assert_eq!(class == "elder", elder, "{path}: the mode");
                    let lang_attr = html.attr("lang").await.expect("lang").unwrap_or_default();
                    assert!(lang_attr.starts_with(lang), "{path}: {lang_attr}");
                    let title = c.title().await.expect("title");
                    assert!(
                        !title.starts_with("出错了") && !title.starts_with("Something went wrong"),
                        "{path}: {title}"
                    );
                    for violation in audit(&chrome, &axe, elder).await {
                        failures.push(format!(
                            "{} {lang} {} {path}: {violation}",
                            login.unwrap_or("public"),
                            if elder { "elder" } else { "standard" },
                        ));
                    }
                }
            }
        }
        chrome.stop().await;
    }
    assert!(
        failures.is_empty(),
        "{} serious or critical violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await;
}
