//! Journeys for everyone in a real browser (headless Chromium at phone
//! width): a visitor without an account reads Article 38 of the
//! Constitution, shares its link, has it read aloud (or is told honestly
//! that the phone cannot) and takes the public quiz; a member reads
//! today's assignment with the network cut and it counts once when the
//! network returns; elder mode follows a person across pages and sign-ins.

use fantoccini::Locator;
use serde_json::json;
use suyuan_core::clock::Clock;
use suyuan_core::library::{ExcerptId, Markup, Visibility, parse_text};
use suyuan_core::questions::{Answer, Choice, Question};
use suyuan_store::library::{Imported, NewCollection};
use suyuan_store::questions::Status;

use crate::TestApp;
use crate::browser::{Chrome, Tap};

/// The opening and Article 38 of the Constitution, as the library holds
/// statutes.
const CONSTITUTION: &str = "# 中华人民共和国宪法\n\n1982年12月4日 通过\n\n<!-- INFO END -->\n\n## 第一章 总纲\n\n第一条 中华人民共和国是工人阶级领导的、以工农联盟为基础的人民民主专政的社会主义国家。\n\n## 第二章 公民的基本权利和义务\n\n第三十八条 中华人民共和国公民的人格尊严不受侵犯。禁止用任何方法对公民进行侮辱、诽谤和诬告陷害。\n";

/// The Constitution imported for everyone to read, with a question on
/// Article 38 published to the public quiz: Article 38's id.
pub(crate) async fn public_constitution(app: &TestApp) -> ExcerptId {
    let parsed = parse_text("宪法.md", CONSTITUTION, Markup::Markdown).expect("constitution");
    let imported = app
        .store
        .import_collections(
            &[NewCollection {
                category: "宪法",
                parsed: &parsed,
                owner: app.world.province.id,
                visibility: Visibility::Public,
            }],
            app.clock.now(),
        )
        .await
        .expect("import");
    let (Imported::Created { id, .. } | Imported::AlreadyThere { id, .. }) = &imported[0];
    let article = app
        .store
        .excerpts(*id, None)
        .await
        .expect("excerpts")
        .into_iter()
        .find(|e| e.label == "第三十八条")
        .expect("Article 38");
    let question = Question {
        explanation: "公民的人格尊严不受侵犯。".into(),
        excerpt: Some(article.id),
        ..Question::new(
            "根据宪法，公民的什么不受侵犯？",
            Answer::Single {
                choices: vec![Choice::right("人格尊严"), Choice::wrong("财产收益")],
            },
        )
    };
    let province = app.world.province.id;
    app.store
        .add_questions(province, &[question], Status::Active, app.clock.now())
        .await
        .expect("question");
    let admin = app
        .store
        .member_by_number(
            &suyuan_core::members::MemberNumber::parse("province-admin").expect("number"),
        )
        .await
        .expect("admin");
    let ids = app
        .store
        .all_questions(&suyuan_store::questions::QuestionFilter::bank(
            suyuan_store::questions::Owners::Within(app.world.province.path.clone()),
        ))
        .await
        .expect("bank")
        .iter()
        .map(|q| q.id)
        .collect::<Vec<_>>();
    app.store
        .publish_questions(province, &ids, admin.id, app.clock.now())
        .await
        .expect("publish");
    article.id
}

async fn text_of(chrome: &Chrome, css: &str) -> String {
    chrome
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_visitor_reads_article_38_shares_it_hears_it_and_takes_the_quiz() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let article = public_constitution(&app).await;
    let c = &chrome.client;

    // From the front page to the Constitution and Article 38.
    c.goto(&app.url("/")).await.expect("open");
    c.find(Locator::XPath(
        "//main//a[contains(., '中华人民共和国宪法')]",
    ))
    .await
    .expect("the front page leads to the Constitution")
    .tap()
    .await
    .expect("tap");
    c.find(Locator::XPath(
        "//main//a[contains(., '第二章 公民的基本权利和义务')]",
    ))
    .await
    .expect("its chapters")
    .tap()
    .await
    .expect("tap");
    c.find(Locator::XPath("//main//a[contains(., '第三十八条')]"))
        .await
        .expect("the article")
        .tap()
        .await
        .expect("tap");
    let text = text_of(&chrome, "article.excerpt").await;
    assert!(text.contains("人格尊严不受侵犯"), "{text}");
    assert!(
        chrome.fits_the_phone().await,
        "the article is wider than a phone"
    );

    // Its link, to share: the phone's share sheet, the clipboard, or the
    // link selected to copy by hand — the page says which.
    let link = c
        .find(Locator::Css("input.share-url"))
        .await
        .expect("the link")
        .prop("value")
        .await
        .expect("value")
        .expect("a link");
    assert_eq!(link, app.url(&format!("/excerpts/{}", article.0)));
    c.find(Locator::Css("button.share-button"))
        .await
        .expect("the share button")
        .tap()
        .await
        .expect("tap");
    let said = text_of(&chrome, ".share-status:not(:empty)").await;
    assert!(
        said.contains("链接已复制") || said.contains("长按"),
        "{said}"
    );

    // Read aloud: the button is there; it reads, or says there is no voice.
    c.find(Locator::Css("button.speak"))
        .await
        .expect("a read-aloud button on the excerpt")
        .tap()
        .await
        .expect("tap");
    let answered = c
        .wait()
        .for_element(Locator::Css(".speak-note, #speak-bar:not([hidden])"))
        .await
        .expect("the button answers");
    if answered.attr("class").await.expect("class").as_deref() == Some("speak-note") {
        let note = answered.text().await.expect("text");
        assert!(note.contains("没有可用的朗读语音"), "{note}");
        let button = c.find(Locator::Css("button.speak")).await.expect("button");
        assert_eq!(button.text().await.expect("text"), "无法朗读");
        assert_eq!(
            button.attr("aria-disabled").await.expect("attr").as_deref(),
            Some("true")
        );
    }
    chrome.screenshot("article-38").await;

    // Someone opens the shared link: the same article, no account.
    let Some(friend) = Chrome::start().await else {
        return;
    };
    friend.client.goto(&link).await.expect("open the link");
    let text = text_of(&friend, "article.excerpt").await;
    assert!(text.contains("人格尊严不受侵犯"), "{text}");
    friend.stop().await;

    // The public quiz, from the front page.
    c.goto(&app.url("/")).await.expect("open");
    c.find(Locator::XPath("//main//a[contains(., '宪法知识答题')]"))
        .await
        .expect("the front page leads to the quiz")
        .tap()
        .await
        .expect("tap");
    c.find(Locator::Css("input[name=nickname]"))
        .await
        .expect("the nickname")
        .send_keys("老张")
        .await
        .expect("type");
    c.find(Locator::Css("form[action='/quiz'] button"))
        .await
        .expect("start")
        .tap()
        .await
        .expect("tap");
    c.wait()
        .for_element(Locator::Css("form#quiz"))
        .await
        .expect("the quiz");
    assert!(
        chrome.fits_the_phone().await,
        "the quiz is wider than a phone"
    );
    chrome.screenshot("quiz").await;
    c.find(Locator::XPath("//label[contains(., '人格尊严')]"))
        .await
        .expect("the right option")
        .tap()
        .await
        .expect("tap");
    c.find(Locator::Css("form#quiz .actions button"))
        .await
        .expect("hand in")
        .tap()
        .await
        .expect("tap");
    let score = text_of(&chrome, "#result .result").await;
    assert_eq!(score, "得分 100 分（满分 100）");
    chrome.screenshot("quiz-result").await;
    // The explanation leads to the article it rests on.
    c.find(Locator::Css("ol.review a[href^='/excerpts/']"))
        .await
        .expect("the article's link")
        .tap()
        .await
        .expect("tap");
    let text = text_of(&chrome, "article.excerpt").await;
    assert!(text.contains("人格尊严不受侵犯"), "{text}");
    chrome.stop().await;
    app.stop().await;
}

/// Waits until the page is controlled by our service worker.
async fn controlled(chrome: &Chrome) {
    let script = "const done = arguments[0];
        navigator.serviceWorker.ready.then(() => {
          const wait = () => navigator.serviceWorker.controller ? done(true) : setTimeout(wait, 50);
          wait();
        });";
    let controlled = chrome
        .client
        .execute_async(script, vec![])
        .await
        .expect("the service worker");
    assert_eq!(controlled, json!(true));
}

#[tokio::test]
async fn a_member_finishes_today_s_reading_offline_and_it_counts_once() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.campaign().await;
    let token = app.token("cuiyuan-member").await;
    let read_by_api = || async {
        let today: serde_json::Value = reqwest::Client::new()
            .get(app.url("/api/v1/me/today"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("today")
            .json()
            .await
            .expect("json");
        today["campaigns"][0]["read"].as_bool().expect("read")
    };
    chrome.sign_in(&app, "cuiyuan-member").await;
    let c = &chrome.client;
    c.goto(&app.url("/today")).await.expect("open");
    controlled(&chrome).await;
    // Through the worker now, the page is kept on the phone.
    c.refresh().await.expect("reload");
    c.wait()
        .for_element(Locator::Css("form.read-form.timed"))
        .await
        .expect("the reading timer");

    // The network is cut; the page opens from the phone.
    chrome.set_offline(true).await;
    c.refresh().await.expect("reload offline");
    c.wait()
        .for_element(Locator::Css("form.read-form.timed"))
        .await
        .expect("today's reading, offline");
    let status = text_of(&chrome, "#net-status:not([hidden])").await;
    assert!(status.contains("现在没有网络"), "{status}");

    // Read to the end, offline: finished, kept, said to be waiting.
    app.clock.advance(chrono::Duration::seconds(30));
    c.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .expect("scroll");
    let kept = text_of(&chrome, "section.reading.read-kept .read-status").await;
    assert!(kept.contains("已记在这部手机上"), "{kept}");
    let status = text_of(&chrome, "#net-status").await;
    assert!(status.contains("1 次阅读等联网后发送"), "{status}");
    chrome.screenshot("today-offline").await;
    assert_eq!(app.store.count_marks().await.expect("count"), 0);
    assert!(!read_by_api().await);
    let waiting = c
        .execute("return localStorage.getItem('sy_pending_marks');", vec![])
        .await
        .expect("kept");
    let waiting: Vec<serde_json::Value> =
        serde_json::from_str(waiting.as_str().expect("a list")).expect("json");
    assert_eq!(waiting.len(), 1);

    // The network returns: it is sent, and counted.
    chrome.set_offline(false).await;
    c.wait()
        .for_element(Locator::Css("#net-status[hidden]"))
        .await
        .expect("nothing waits");
    assert!(read_by_api().await);
    // The page says so too, and the standing follows.
    c.wait()
        .for_element(Locator::Css("section.reading.read-done"))
        .await
        .expect("shown as done once sent");
    let marks = app.store.count_marks().await.expect("count");
    assert!(marks >= 1);

    // Sent again (a second replay from another tab, say): the same ids
    // count nothing more.
    let again = c
        .execute_async(
            "const [item, done] = arguments;
             fetch(item.action, {method: 'POST', body: item.body, credentials: 'same-origin',
               headers: {'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded'}})
               .then(r => done(r.status));",
            vec![waiting[0].clone()],
        )
        .await
        .expect("resend");
    assert_eq!(again, json!(200));
    assert_eq!(app.store.count_marks().await.expect("count"), marks);

    // Offline again, the pages come from the worker: a page the phone
    // never kept is our own "no network" page, today's reading is kept.
    chrome.set_offline(true).await;
    c.goto(&app.url(&format!("/library/{}", app.world.law)))
        .await
        .expect("open offline");
    let page = text_of(&chrome, "main h1").await;
    assert_eq!(page, "没有网络");
    c.goto(&app.url("/today")).await.expect("open offline");
    let text = text_of(&chrome, ".reading article.excerpt").await;
    assert!(text.contains("本法自公布之日起施行"), "{text}");
    chrome.set_offline(false).await;
    chrome.stop().await;
    app.stop().await;
}

/// The computed size of the first element `css` finds.
async fn size_of(chrome: &Chrome, css: &str) -> (f64, f64) {
    let element = chrome
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    let (_, _, width, height) = element.rectangle().await.expect("size");
    (width, height)
}

async fn font_px(chrome: &Chrome, css: &str) -> f64 {
    let px = chrome
        .client
        .execute(
            "return parseFloat(getComputedStyle(document.querySelector(arguments[0])).fontSize);",
            vec![json!(css)],
        )
        .await
        .expect("font size");
    px.as_f64().expect("a number")
}

#[tokio::test]
async fn elder_mode_follows_a_person_across_pages_and_sign_ins() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.campaign().await;
    let c = &chrome.client;
    c.goto(&app.url("/")).await.expect("open");
    c.find(Locator::Css(".elder-entry button"))
        .await
        .expect("the elder-mode entry on the front page")
        .tap()
        .await
        .expect("tap");
    c.wait()
        .for_element(Locator::Css("html.elder"))
        .await
        .expect("elder mode");
    assert!(font_px(&chrome, "main p").await >= 22.0);
    c.goto(&app.url("/library")).await.expect("open");
    assert!(
        c.find(Locator::Css("html.elder")).await.is_ok(),
        "kept across pages"
    );

    // Signed in: the simplest navigation, large and with room to tap.
    chrome.sign_in(&app, "cuiyuan-member").await;
    assert!(
        c.find(Locator::Css("html.elder")).await.is_ok(),
        "kept signing in"
    );
    let tabs = c.find_all(Locator::Css("nav.tabs a")).await.expect("tabs");
    assert_eq!(tabs.len(), 3);
    for tab in &tabs {
        let (_, _, width, height) = tab.rectangle().await.expect("size");
        assert!(width >= 60.0 && height >= 60.0, "{width}×{height}");
    }
    let (width, height) = size_of(&chrome, "a.button[href='/today']").await;
    assert!(width >= 60.0 && height >= 60.0, "{width}×{height}");
    assert!(font_px(&chrome, "main h1").await >= 22.0);
    assert!(
        chrome.fits_the_phone().await,
        "elder home is wider than a phone"
    );
    chrome.screenshot("home-elder").await;

    // Signed out and in again on a phone that forgot everything: the
    // person's own choice brings it back.
    chrome.sign_out().await;
    c.delete_all_cookies().await.expect("forget");
    chrome.sign_in(&app, "cuiyuan-member").await;
    assert!(
        c.find(Locator::Css("html.elder")).await.is_ok(),
        "kept with the person"
    );
    c.goto(&app.url("/today")).await.expect("open");
    assert!(c.find(Locator::Css("html.elder")).await.is_ok());
    chrome.screenshot("today-elder").await;
    chrome.stop().await;
    app.stop().await;
}
