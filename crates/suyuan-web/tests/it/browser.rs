//! Journeys in a real browser: Debian's headless Chromium driven through
//! WebDriver (chromedriver) against the real server, at phone width.
//! Skipped when chromedriver is absent, except under `CI=true`.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::{PASSWORD, TestApp};

/// Tapping as a thumb does: the element is scrolled to the middle of the
/// screen first, clear of the tab bar fixed at the bottom of a phone's
/// (WebDriver's own click scrolls it only just into view, under the bar).
pub(crate) trait Tap {
    async fn tap(&self) -> Result<(), fantoccini::error::CmdError>;
}

impl Tap for fantoccini::elements::Element {
    async fn tap(&self) -> Result<(), fantoccini::error::CmdError> {
        let me = serde_json::to_value(self).expect("an element reference");
        self.clone()
            .client()
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![me])
            .await?;
        self.click().await
    }
}

/// A DevTools command, through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// The narrowest phone the pages are made for (the issue asks for 375 px).
pub const PHONE: (u32, u32) = (375, 812);

pub struct Chrome {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

impl Chrome {
    /// Starts chromedriver and a headless Chromium session, or `None` when
    /// they are not installed (outside CI).
    pub async fn start() -> Option<Self> {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let browser_path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        if !std::path::Path::new(&driver_path).exists() {
            assert!(!in_ci(), "CI must have chromedriver at {driver_path}");
            eprintln!("skipping the browser test: no chromedriver at {driver_path}");
            return None;
        }
        // chromedriver cannot report a port it chose; take a free one.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // Wait for its "started successfully" line rather than sleeping.
        let stdout = driver.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .by_ref()
            .take(20)
            .map_while(Result::ok)
            .any(|line| line.contains("started successfully"));
        assert!(ready, "chromedriver did not start");
        std::thread::spawn(move || lines.for_each(drop));

        let profile = tempfile::tempdir().expect("profile dir");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": browser_path,
                "args": [
                    "--lang=zh-CN", "--lang=zh-CN", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={},{}", PHONE.0, PHONE.1),
                ],
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
                "mobileEmulation": {
                    "deviceMetrics": {"width": PHONE.0, "height": PHONE.1, "pixelRatio": 3.0, "touch": true}
                }
            }
        });
        let capabilities = capabilities.as_object().cloned().expect("an object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Some(Chrome {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Saves a screenshot under `target/screenshots/` for people to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }

    /// Whether the page is no wider than the phone (nothing sticks out).
    pub async fn fits_the_phone(&self) -> bool {
        let width = self
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .expect("script");
        width.as_u64().is_some_and(|w| w <= u64::from(PHONE.0))
    }

    /// Signs in through the real form and waits for the home page.
    pub async fn sign_in(&self, app: &TestApp, login: &str) {
        let c = &self.client;
        c.goto(&app.url("/login")).await.expect("open");
        for (field, value) in [("login", login), ("password", PASSWORD)] {
            c.find(Locator::Css(&format!("input[name={field}]")))
                .await
                .expect("a sign-in field")
                .send_keys(value)
                .await
                .expect("type");
        }
        c.find(Locator::Css("form.stack button[type=submit]"))
            .await
            .expect("the sign-in button")
            .tap()
            .await
            .expect("click");
        let home = url::Url::parse(&app.url("/")).expect("url");
        c.wait().for_url(&home).await.expect("the home page");
    }

    /// Signs out through the header's button and waits for the sign-in page.
    pub async fn sign_out(&self) {
        let c = &self.client;
        c.find(Locator::Css("form[action='/logout'] button"))
            .await
            .expect("the sign-out button")
            .tap()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Css("input[name=login]"))
            .await
            .expect("signed out");
    }

    /// Sends a Chrome DevTools Protocol command to the page (chromedriver's
    /// own endpoint for it): what WebDriver cannot do, such as cutting the
    /// network.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// Cuts the network, or gives it back: the page's, and its service
    /// workers' (which fetch on their own, beside the page's emulation).
    pub async fn set_offline(&self, offline: bool) {
        let conditions = json!({
            "offline": offline,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1
        });
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.emulateNetworkConditions", conditions.clone())
            .await;
        let targets = self.cdp("Target.getTargets", json!({})).await;
        let workers = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["type"] == "service_worker");
        for worker in workers {
            let attached = self
                .cdp(
                    "Target.attachToTarget",
                    json!({"targetId": worker["targetId"], "flatten": false}),
                )
                .await;
            for (id, method, params) in [
                (1, "Network.enable", json!({})),
                (2, "Network.emulateNetworkConditions", conditions.clone()),
            ] {
                let message = json!({"id": id, "method": method, "params": params});
                self.cdp(
                    "Target.sendMessageToTarget",
                    json!({"sessionId": attached["sessionId"], "message": message.to_string()}),
                )
                .await;
            }
        }
    }

    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test]
async fn a_member_signs_in_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = &chrome.client;
    // Not signed in, the front page: what is open to all, and the way in.
    c.goto(&app.url("/")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the front page is wider than a phone"
    );
    chrome.screenshot("front").await;
    c.find(Locator::Css("#sign-in a.button"))
        .await
        .expect("the sign-in button")
        .tap()
        .await
        .expect("tap");
    let login = url::Url::parse(&app.url("/login")).expect("url");
    c.wait().for_url(&login).await.expect("the sign-in page");
    assert!(
        chrome.fits_the_phone().await,
        "the sign-in page is wider than a phone"
    );
    chrome.screenshot("login").await;

    chrome.sign_in(&app, "cuiyuan-member").await;
    let heading = c.find(Locator::Css("main h1")).await.expect("home heading");
    assert_eq!(heading.text().await.expect("text"), "你好，陈晓燕");
    let page = c.source().await.expect("source");
    assert!(page.contains("翠苑一区社区"));
    assert!(
        chrome.fits_the_phone().await,
        "the home page is wider than a phone"
    );
    chrome.screenshot("home-member").await;

    // The tab bar reaches the main areas from anywhere, with targets a
    // thumb can hit; the page's own tab says so.
    let tabs = c.find_all(Locator::Css("nav.tabs a")).await.expect("tabs");
    assert_eq!(tabs.len(), 5);
    for tab in &tabs {
        let (_, _, width, height) = tab.rectangle().await.expect("size");
        assert!(width >= 44.0 && height >= 44.0, "{width}×{height}");
    }
    tabs[1].tap().await.expect("today");
    let current = c
        .wait()
        .for_element(Locator::Css("nav.tabs a[aria-current=page]"))
        .await
        .expect("the current tab");
    assert_eq!(current.text().await.expect("text"), "今日学习");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/today"),
        "the tab leads to today's reading"
    );

    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_admin_sees_their_subtree_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = &chrome.client;
    chrome.sign_in(&app, "xihu-admin").await;
    let page = c.source().await.expect("source");
    assert!(page.contains("翠苑一区社区") && !page.contains("淳安县"));
    assert!(
        chrome.fits_the_phone().await,
        "the admin home page is wider than a phone"
    );
    chrome.screenshot("home-admin").await;

    let bank = suyuan_core::questions::Format::Gift
        .read(crate::questions::GIFT.as_bytes())
        .expect("questions")
        .questions;
    app.store
        .add_questions(
            app.world.xihu.id,
            &bank,
            suyuan_store::questions::Status::Active,
            app.clock_now(),
        )
        .await
        .expect("a bank");
    for (name, path) in [
        ("questions", "/questions".to_owned()),
        ("unit", format!("/units/{}", app.world.xihu.id)),
        ("members", format!("/units/{}/members", app.world.xihu.id)),
        ("import", "/members/import".to_owned()),
        ("password", "/account/password".to_owned()),
        ("compilations", "/library/compilations".to_owned()),
        ("draft", draft_with_items(&app).await),
        ("print", format!("/library/{}/print", app.world.law)),
    ] {
        c.goto(&app.url(&path)).await.expect("open");
        assert!(
            chrome.fits_the_phone().await,
            "{path} is wider than a phone"
        );
        chrome.screenshot(name).await;
    }
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_member_reads_a_statute_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    chrome.sign_in(&app, "cuiyuan-member").await;
    let c = &chrome.client;
    c.goto(&app.url("/library")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the library is wider than a phone"
    );
    chrome.screenshot("library").await;
    c.find(Locator::XPath("//a[contains(., '中华人民共和国示例法')]"))
        .await
        .expect("the statute")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::LinkText("第一章 总则"))
        .await
        .expect("the first chapter")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css(".reading h1"))
        .await
        .expect("a chapter heading");
    assert!(
        chrome.fits_the_phone().await,
        "the chapter is wider than a phone"
    );
    chrome.screenshot("chapter").await;
    c.find(Locator::LinkText("特大"))
        .await
        .expect("the largest text")
        .tap()
        .await
        .expect("click");
    let reading = c
        .wait()
        .for_element(Locator::Css(".reading.size-huge"))
        .await
        .expect("reading in huge text");
    let class = reading
        .attr("class")
        .await
        .expect("class")
        .unwrap_or_default();
    assert!(class.contains("size-huge"), "{class}");
    assert!(
        chrome.fits_the_phone().await,
        "huge text is wider than a phone"
    );
    chrome.screenshot("chapter-huge").await;
    c.wait()
        .for_element(Locator::LinkText("第二条"))
        .await
        .expect("an article")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("article.excerpt"))
        .await
        .expect("the excerpt");
    assert!(
        chrome.fits_the_phone().await,
        "the excerpt is wider than a phone"
    );
    chrome.screenshot("excerpt").await;

    c.goto(&app.url("/library")).await.expect("open");
    c.find(Locator::Css("form.search input[name=q]"))
        .await
        .expect("the search box")
        .send_keys("学习")
        .await
        .expect("type");
    c.find(Locator::Css("form.search button"))
        .await
        .expect("button")
        .tap()
        .await
        .expect("search");
    let hit = c
        .wait()
        .for_element(Locator::Css(".hits mark"))
        .await
        .expect("a highlighted hit");
    assert_eq!(hit.text().await.expect("text"), "学习");
    assert!(
        chrome.fits_the_phone().await,
        "the results are wider than a phone"
    );
    chrome.screenshot("search").await;

    // A phrase inside longer words ("公布之日起" is segmented 公布 / 之日起)
    // finds its article.
    c.goto(&app.url("/search?q=%E5%B8%83%E4%B9%8B%E6%97%A5")) // 布之日
        .await
        .expect("search");
    let hit = c
        .wait()
        .for_element(Locator::Css(".hits mark"))
        .await
        .expect("the phrase found");
    assert_eq!(hit.text().await.expect("text"), "布之日");
    c.find(Locator::Css(".hits a.hit-title"))
        .await
        .expect("the hit")
        .tap()
        .await
        .expect("click");
    let article = c
        .wait()
        .for_element(Locator::Css("article.excerpt"))
        .await
        .expect("the article");
    let text = article.text().await.expect("text");
    assert!(text.contains("本法自公布之日起施行"), "{text}");
    chrome.stop().await;
    app.stop().await;
}

/// The pages of a PDF, counted from its page objects.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type")
        .filter(|(at, _)| {
            let rest = text[at + 5..].trim_start();
            rest.starts_with("/Page") && !rest.starts_with("/Pages")
        })
        .count()
}

#[tokio::test]
async fn a_collection_prints_to_pdf_as_a_booklet() {
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&browser).exists() {
        assert!(!in_ci(), "CI must have Chromium at {browser}");
        eprintln!("skipping: no Chromium at {browser}");
        return;
    }
    let app = TestApp::spawn().await;
    let url = app.url(&format!("/library/{}/print", app.world.law));
    let page = reqwest::get(&url)
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("booklet.css") && page.contains("第一章 总则"),
        "{page}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("booklet.pdf");
    let profile = dir.path().join("profile");
    let (pdf_path, url_arg) = (pdf.clone(), url.clone());
    let status = tokio::task::spawn_blocking(move || {
        Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", pdf_path.display()))
            .arg(url_arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
    })
    .await
    .expect("join")
    .expect("run Chromium");
    assert!(status.success(), "Chromium failed to print");
    let bytes = std::fs::read(&pdf).expect("the PDF");
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    // Cover, contents, and a page for each of the two chapters.
    assert_eq!(pdf_pages(&bytes), 4);
    let _ = std::fs::copy(
        &pdf,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/screenshots/booklet.pdf"),
    );
    app.stop().await;
}

/// A draft of Xihu District with a heading and an excerpt, searched for
/// more: the compilation page as an admin sees it mid-work.
async fn draft_with_items(app: &TestApp) -> String {
    use suyuan_core::library::{CollectionId, Heading};
    let store = &app.store;
    let draft = store
        .create_draft(
            app.world.xihu.id,
            &Heading::parse("法治学习摘编").expect("title"),
            chrono::Utc::now(),
        )
        .await
        .expect("draft");
    store
        .add_to_draft(
            draft.id,
            Some(&Heading::parse("一、总体要求").expect("heading")),
            None,
        )
        .await
        .expect("heading");
    let excerpts = store
        .excerpts(CollectionId(app.world.law), None)
        .await
        .expect("excerpts");
    store
        .add_to_draft(draft.id, None, Some(excerpts[0].id))
        .await
        .expect("excerpt");
    format!("/library/compilations/{}?q=%E6%96%BD%E8%A1%8C", draft.id)
}

#[tokio::test]
async fn a_member_reads_todays_assignment_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await.0;
    chrome.sign_in(&app, "cuiyuan-member").await;
    let c = &chrome.client;
    assert!(chrome.fits_the_phone().await, "home is wider than a phone");
    chrome.screenshot("home-reading").await;
    c.find(Locator::Css("a.button[href='/today']"))
        .await
        .expect("the home page leads to today's reading")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("form.read-form.timed"))
        .await
        .expect("the reading timer started");
    assert!(chrome.fits_the_phone().await, "today is wider than a phone");
    let source = c
        .find(Locator::Css(".reading .source a"))
        .await
        .expect("the excerpt's source")
        .text()
        .await
        .expect("text");
    assert!(
        source.starts_with("中华人民共和国示例法") && source.ends_with("第三条"),
        "{source}"
    );
    chrome.screenshot("today").await;
    // The server's clock moves on as the reader reads; the page's own
    // timer waits the plausible time (two seconds for this short article).
    app.clock.advance(chrono::Duration::seconds(30));
    c.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .expect("scroll");
    c.wait()
        .for_element(Locator::Css("section.reading.read-done"))
        .await
        .expect("the reading is marked read");
    assert_eq!(app.store.count_marks().await.expect("count"), 1);
    // The standing above the reading follows without a reload.
    c.wait()
        .for_element(Locator::Css("section.card.today.read-done"))
        .await
        .expect("the streak and points are brought up to date");
    let total = c
        .find(Locator::Css("section.card.today .points-total"))
        .await
        .expect("the points total")
        .text()
        .await
        .expect("text");
    assert_ne!(total, "0", "the day's reading earns its points at once");
    chrome.screenshot("today-read").await;
    c.refresh().await.expect("reload");
    let page = c.source().await.expect("source");
    assert!(
        page.contains("card today read-done") && !page.contains("read-form"),
        "read stays read"
    );

    for (name, path) in [
        ("calendar", "/reading/calendar".to_owned()),
        ("campaigns-member", "/campaigns".to_owned()),
        ("campaign", format!("/campaigns/{campaign}")),
    ] {
        c.goto(&app.url(&path)).await.expect("open");
        assert!(
            chrome.fits_the_phone().await,
            "{path} is wider than a phone"
        );
        chrome.screenshot(name).await;
    }
    chrome.stop().await;

    let Some(chrome) = Chrome::start().await else {
        return;
    };
    chrome.sign_in(&app, "xihu-admin").await;
    for (name, path) in [
        ("campaigns-admin", "/campaigns".to_owned()),
        ("campaign-admin", format!("/campaigns/{campaign}")),
    ] {
        chrome.client.goto(&app.url(&path)).await.expect("open");
        assert!(
            chrome.fits_the_phone().await,
            "{path} is wider than a phone"
        );
        chrome.screenshot(name).await;
    }
    chrome.stop().await;

    // The owner's admin edits it: the form opens in place.
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    chrome.sign_in(&app, "province-admin").await;
    chrome
        .client
        .goto(&app.url(&format!("/campaigns/{campaign}")))
        .await
        .expect("open");
    chrome
        .client
        .find(Locator::Css("details.card > summary"))
        .await
        .expect("the edit form")
        .tap()
        .await
        .expect("open the form");
    assert!(
        chrome.fits_the_phone().await,
        "the edit form is wider than a phone"
    );
    chrome.screenshot("campaign-edit").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_member_sits_a_test_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    crate::exams::set_test(&app).await;
    chrome.sign_in(&app, "cuiyuan-member").await;
    let c = &chrome.client;
    c.goto(&app.url("/tests")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the tests page is wider than a phone"
    );
    chrome.screenshot("tests").await;
    c.find(Locator::Css("form.inline-form button"))
        .await
        .expect("a start button")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("form#sitting"))
        .await
        .expect("the attempt page");
    assert!(
        chrome.fits_the_phone().await,
        "the attempt page is wider than a phone"
    );
    chrome.screenshot("attempt").await;

    // Answer each question as a member would: tap the right option, type
    // the blank. The page saves each answer as it is given.
    for fieldset in c
        .find_all(Locator::Css("fieldset.question"))
        .await
        .expect("questions")
    {
        let html = fieldset.html(true).await.expect("html");
        if html.contains("value=\"true\"") {
            // This one wrong, for the mistake book.
            fieldset
                .find(Locator::Css("input[value='false']"))
                .await
                .expect("false")
                .tap()
                .await
                .expect("tap");
        } else if html.contains("type=\"radio\"") {
            for option in fieldset
                .find_all(Locator::Css("label.option"))
                .await
                .expect("options")
            {
                if option.text().await.expect("text").contains("人民") {
                    option.tap().await.expect("tap");
                }
            }
        } else {
            fieldset
                .find(Locator::Css("input"))
                .await
                .expect("a blank")
                .send_keys("全国人大")
                .await
                .expect("type");
        }
    }
    chrome.screenshot("attempt-answered").await;
    c.find(Locator::Css("button[value='submit']"))
        .await
        .expect("hand in")
        .tap()
        .await
        .expect("click");
    let result = c
        .wait()
        .for_element(Locator::Css("p.result"))
        .await
        .expect("the result")
        .text()
        .await
        .expect("text");
    assert!(result.contains("66.7"), "{result}");
    let page = c.source().await.expect("source");
    assert!(page.contains("宪法第二条"), "the review explains");
    assert!(
        chrome.fits_the_phone().await,
        "the review is wider than a phone"
    );
    chrome.screenshot("review").await;

    // The wrong answer comes back in the mistake book a little later.
    app.clock.advance(chrono::Duration::minutes(5));
    c.goto(&app.url("/practice")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the mistake book is wider than a phone"
    );
    chrome.screenshot("practice").await;
    c.find(Locator::Css("input[value='true']"))
        .await
        .expect("the true/false question is due")
        .tap()
        .await
        .expect("tap");
    c.find(Locator::Css(".actions button"))
        .await
        .expect("check")
        .tap()
        .await
        .expect("click");
    let outcome = c
        .wait()
        .for_element(Locator::Css("p.result.passed"))
        .await
        .expect("right this time")
        .text()
        .await
        .expect("text");
    assert!(outcome.contains("答对了"), "{outcome}");
    chrome.screenshot("practice-done").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_admin_sets_tests_reviews_questions_and_reads_results_on_a_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await.0;
    let test = crate::exams::set_test(&app).await;
    let c = &chrome.client;

    // The province admin runs the campaign: its ten-day tests page.
    chrome.sign_in(&app, "province-admin").await;
    c.goto(&app.url(&format!("/campaigns/{campaign}/tests")))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the ten-day tests page is wider than a phone"
    );
    chrome.screenshot("campaign-tests").await;
    // Questions proposed from the campaign's readings, to review.
    c.goto(&app.url("/questions/proposed")).await.expect("open");
    c.find(Locator::Css("form[action='/questions/generate'] button"))
        .await
        .expect("the generate button")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("what was proposed");
    let page = c.source().await.expect("source");
    assert!(page.contains("/accept"), "a proposal to accept: {page}");
    assert!(
        chrome.fits_the_phone().await,
        "the proposals page is wider than a phone"
    );
    chrome.screenshot("proposals").await;
    // Filtered to one type, every question of the page accepted at once.
    let kind = c
        .find(Locator::Css("ol.questions .badge"))
        .await
        .expect("a proposal's type")
        .text()
        .await
        .expect("text");
    c.find(Locator::Css("select[name='kind']"))
        .await
        .expect("the type filter")
        .select_by_label(&kind)
        .await
        .expect("choose a type");
    c.find(Locator::Css("form.filters button"))
        .await
        .expect("filter")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("select[name='kind'] option[selected]"))
        .await
        .expect("the filtered list");
    let shown = c
        .find_all(Locator::Css("ol.questions > li"))
        .await
        .expect("the filtered list");
    for item in &shown {
        let badge = item
            .find(Locator::Css(".badge"))
            .await
            .expect("badge")
            .text()
            .await
            .expect("text");
        assert_eq!(badge, kind, "the filter keeps one type");
    }
    c.find(Locator::Css("form#bulk button[value='page']"))
        .await
        .expect("accept the ticked")
        .tap()
        .await
        .expect("click");
    let said = c
        .wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("what was accepted")
        .text()
        .await
        .expect("text");
    assert!(
        said.contains(&format!("已采纳 {} 道题", shown.len())),
        "{said}"
    );
    let url = c.current_url().await.expect("url");
    assert!(
        url.as_str().contains("kind="),
        "back to the same filter: {url}"
    );
    chrome.screenshot("proposals-accepted").await;
    chrome.sign_out().await;

    // Xihu's admin reads the results of the test a member sat.
    chrome.sign_in(&app, "cuiyuan-member").await;
    c.goto(&app.url("/tests")).await.expect("open");
    c.find(Locator::Css("form.inline-form button"))
        .await
        .expect("a start button")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("form#sitting"))
        .await
        .expect("the attempt page");
    // One answer given, and wrong; handed in with the rest unanswered,
    // the page asks once.
    c.find(Locator::Css("form#sitting input[autocomplete='off']"))
        .await
        .expect("the fill-in-the-blank question")
        .send_keys("地方政府")
        .await
        .expect("type");
    c.find(Locator::Css("button[value='submit']"))
        .await
        .expect("hand in")
        .tap()
        .await
        .expect("click");
    let ask = c
        .wait()
        .for_element(Locator::Css("#hand-in"))
        .await
        .expect("asked to confirm");
    assert!(
        ask.text().await.expect("text").contains("题没有作答"),
        "says how many are unanswered"
    );
    chrome.screenshot("hand-in-confirm").await;
    ask.find(Locator::Css("button"))
        .await
        .expect("hand in anyway")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("p.result"))
        .await
        .expect("the result");
    // The result says how many were right, marks each answer in words,
    // and leads to the mistake book, where the wrong one is due at once.
    let tally = c
        .find(Locator::Css("p.tally"))
        .await
        .expect("how many were right")
        .text()
        .await
        .expect("text");
    assert!(tally.contains("答对 0 题"), "{tally}");
    let verdicts = c
        .find(Locator::Css("ol.review"))
        .await
        .expect("the review")
        .text()
        .await
        .expect("text");
    assert!(
        verdicts.contains("答错") && verdicts.contains("未作答"),
        "{verdicts}"
    );
    assert!(
        chrome.fits_the_phone().await,
        "the result page is wider than a phone"
    );
    chrome.screenshot("test-result").await;
    c.find(Locator::Css("a.button[href='/practice']"))
        .await
        .expect("review the mistakes")
        .tap()
        .await
        .expect("click");
    let question = c
        .wait()
        .for_element(Locator::Css("fieldset.question .question-text"))
        .await
        .expect("the wrong answer, due in the mistake book")
        .text()
        .await
        .expect("text");
    assert!(
        question.contains("修改"),
        "the blank answered wrong: {question}"
    );
    chrome.screenshot("mistake-book-after-test").await;
    chrome.sign_out().await;
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url(&format!("/tests/{test}/results")))
        .await
        .expect("open");
    c.find(Locator::Css("svg.chart"))
        .await
        .expect("the score chart");
    assert!(
        chrome.fits_the_phone().await,
        "the results page is wider than a phone"
    );
    chrome.screenshot("test-results").await;
    c.goto(&app.url(&format!("/tests/{test}/marking")))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the marking page is wider than a phone"
    );
    chrome.screenshot("marking").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_member_checks_in_with_the_code_on_the_organizers_phone() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await;
    let id = app
        .gathering_in(
            &app.world.branch,
            chrono::Duration::minutes(10),
            Some(campaign),
        )
        .await;
    let c = &chrome.client;

    // The organizer opens the check-in screen on their phone.
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url(&format!("/units/{}/gatherings", app.world.branch.id)))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the plan page is wider than a phone"
    );
    chrome.screenshot("gatherings-plan").await;
    c.goto(&app.url(&format!("/gatherings/{id}/run")))
        .await
        .expect("open");
    let code = c
        .find(Locator::Id("check-in-code"))
        .await
        .expect("the code on the screen")
        .text()
        .await
        .expect("text");
    assert_eq!(code.trim().len(), 6, "{code:?}");
    assert!(
        chrome.fits_the_phone().await,
        "the check-in screen is wider than a phone"
    );
    chrome.screenshot("gathering-run").await;
    chrome.sign_out().await;

    // The member types it on theirs.
    chrome.sign_in(&app, "cuiyuan-member").await;
    c.goto(&app.url("/gatherings")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "my gatherings are wider than a phone"
    );
    chrome.screenshot("gatherings").await;
    c.find(Locator::Css(&format!("a[href='/gatherings/{id}']")))
        .await
        .expect("the gathering in my list")
        .tap()
        .await
        .expect("tap");
    c.find(Locator::Css("#check-in input[name=code]"))
        .await
        .expect("the code field")
        .send_keys(code.trim())
        .await
        .expect("type");
    chrome.screenshot("gathering-check-in").await;
    c.find(Locator::Css("#check-in button[type=submit]"))
        .await
        .expect("the check-in button")
        .tap()
        .await
        .expect("tap");
    let status = c
        .wait()
        .for_element(Locator::Id("my-status"))
        .await
        .expect("checked in")
        .text()
        .await
        .expect("text");
    assert_eq!(status, "出席");
    assert!(
        chrome.fits_the_phone().await,
        "the gathering page is wider than a phone"
    );
    chrome.screenshot("gathering").await;
    c.goto(&app.url("/progress")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "my progress is wider than a phone"
    );
    chrome.screenshot("my-progress").await;
    chrome.sign_out().await;

    // The organizer sees it on the roll, and in the ledger.
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url(&format!("/gatherings/{id}/run")))
        .await
        .expect("open");
    c.find(Locator::Css(&format!("a[href='/gatherings/{id}/roll']")))
        .await
        .expect("the way to the roll")
        .tap()
        .await
        .expect("click");
    let roll = c
        .wait()
        .for_element(Locator::Css(".roll"))
        .await
        .expect("the roll")
        .text()
        .await
        .expect("text");
    assert!(roll.contains("陈晓燕") && roll.contains("出席"), "{roll}");
    c.goto(&app.url(&format!("/units/{}/ledger", app.world.xihu.id)))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the ledger is wider than a phone"
    );
    chrome.screenshot("ledger").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_organizer_marks_three_by_hand_in_a_row_without_losing_the_place() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    // A branch of a dozen, so that the roll runs past a phone's screen.
    let names = [
        "王一", "王二", "王三", "王四", "王五", "王六", "王七", "王八", "王九", "王十",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        ids.push(
            crate::person(
                &app.store,
                &app.world.branch,
                &format!("B{i:02}"),
                name,
                suyuan_core::access::Role::Member,
                "unused",
            )
            .await,
        );
    }
    let id = app
        .gathering(&app.world.branch, chrono::Duration::minutes(10))
        .await;
    let c = &chrome.client;
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url(&format!("/gatherings/{id}/roll")))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the roll is wider than a phone"
    );
    chrome.screenshot("roll").await;
    // The last three on the roll, one after another.
    for (member, status) in ids[7..].iter().zip(["present", "late", "excused"]) {
        let row = c
            .find(Locator::Id(&format!("m-{member}")))
            .await
            .expect("the member's row");
        assert!(
            row.text().await.expect("text").contains("未登记"),
            "unmarked shows as unmarked"
        );
        row.find(Locator::Css("select"))
            .await
            .expect("the status")
            .select_by_value(status)
            .await
            .expect("choose");
        row.find(Locator::Css("button"))
            .await
            .expect("mark")
            .tap()
            .await
            .expect("click");
        let back =
            url::Url::parse(&app.url(&format!("/gatherings/{id}/roll#m-{member}"))).expect("url");
        c.wait()
            .for_url(&back)
            .await
            .expect("back at the row just marked");
        let said = c
            .find(Locator::Css("p.done"))
            .await
            .expect("the page says it is marked")
            .text()
            .await
            .expect("text");
        assert!(
            said.contains(names[ids.iter().position(|i| i == member).expect("one of them")]),
            "{said}"
        );
        // Back where the organizer was: the row just marked is in view,
        // below the notice, and marked.
        let placed = c
            .execute(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect();\
                 return r.top >= 0 && r.bottom <= window.innerHeight;",
                vec![serde_json::json!(format!("m-{member}"))],
            )
            .await
            .expect("script");
        assert_eq!(placed, serde_json::json!(true), "the marked row is in view");
        let row = c
            .find(Locator::Id(&format!("m-{member}")))
            .await
            .expect("row")
            .text()
            .await
            .expect("text");
        assert!(!row.contains("未登记"), "{row}");
    }
    chrome.screenshot("roll-marked").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_district_admin_finds_a_member_of_a_branch_below_by_name() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.campaign().await;
    let c = &chrome.client;
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url(&format!("/units/{}/progress", app.world.xihu.id)))
        .await
        .expect("open");
    c.find(Locator::Css("a[href*='/progress/members']"))
        .await
        .expect("the member drill-down")
        .tap()
        .await
        .expect("click");
    let search = c
        .wait()
        .for_element(Locator::Css("form.filters input[name='q']"))
        .await
        .expect("a search by name");
    search.send_keys("晓燕").await.expect("type");
    c.find(Locator::Css("form.filters button"))
        .await
        .expect("search")
        .tap()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("input[name='q'][value='晓燕']"))
        .await
        .expect("the search's result");
    let rows = c
        .find_all(Locator::Css("table tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "one member found");
    let row = rows[0].text().await.expect("text");
    assert!(
        row.contains("陈晓燕") && row.contains(&app.world.branch.name.to_string()),
        "{row}"
    );
    assert!(
        chrome.fits_the_phone().await,
        "the drill-down is wider than a phone"
    );
    chrome.screenshot("member-drill-down").await;
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_outside_group_books_a_visit_on_a_phone_and_is_checked_in_at_the_door() {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "中共杭州小组纪念馆", true).await;
    let c = &chrome.client;
    let tap = |css: &'static str| async move {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
            .tap()
            .await
            .expect("tap");
    };
    let type_in = |css: &'static str, text: String| async move {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
            .send_keys(&text)
            .await
            .expect("type");
    };

    // A visitor without an account finds the site and a free slot.
    c.goto(&app.url("/sites")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the network is wider than a phone"
    );
    chrome.screenshot("sites").await;
    c.find(Locator::Css(&format!("a[href='/sites/{site}']")))
        .await
        .expect("the site in the list")
        .tap()
        .await
        .expect("tap");
    assert!(
        chrome.fits_the_phone().await,
        "the site's page is wider than a phone"
    );
    chrome.screenshot("site").await;
    tap("ul.slots li.open a").await;

    // The group fills in the form.
    for (css, text) in [
        ("input[name=organization]", "深圳市腾讯计算机系统有限公司"),
        ("input[name=credit_code]", "914403001922038216"),
        ("input[name=contact_name]", "王芳"),
        ("input[name=phone]", "13800138000"),
        ("input[name=headcount]", "30"),
    ] {
        type_in(css, text.to_owned()).await;
    }
    assert!(
        chrome.fits_the_phone().await,
        "the booking form is wider than a phone"
    );
    chrome.screenshot("site-book").await;
    // People take longer than a script to fill it in.
    app.clock.advance(chrono::Duration::seconds(30));
    tap("form.stack button[type=submit]").await;
    let code = c
        .wait()
        .for_element(Locator::Css("h1.booking-code"))
        .await
        .expect("the booking's page")
        .text()
        .await
        .expect("text");
    let notice = c
        .find(Locator::Css("p.done"))
        .await
        .expect("the booking is confirmed")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("预约成功"), "{notice}");
    assert!(
        chrome.fits_the_phone().await,
        "the booking's page is wider than a phone"
    );
    chrome.screenshot("booking").await;

    // Later, the group finds its booking again by its code.
    c.goto(&app.url("/sites")).await.expect("open");
    type_in("#find-code", code.to_lowercase()).await;
    tap("form[action='/bookings'] button").await;
    let found = c
        .wait()
        .for_element(Locator::Css("h1.booking-code"))
        .await
        .expect("found by its code")
        .text()
        .await
        .expect("text");
    assert_eq!(found, code);
    let page = c.source().await.expect("source");
    assert!(page.contains("已预约"));

    // On the day, the site manager types the code at the door.
    let bookings = app
        .store
        .bookings_by_code(&suyuan_core::sites::BookingCode::parse(&code).expect("code"))
        .await
        .expect("booking");
    let until = bookings[0].starts_at - suyuan_core::clock::Clock::now(&app.clock);
    app.clock.advance(until + chrono::Duration::minutes(3));
    chrome.sign_in(&app, "site-manager").await;
    c.goto(&app.url(&format!("/sites/{site}/door")))
        .await
        .expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the door is wider than a phone"
    );
    type_in("#code input[name=code]", code.replace('-', "")).await;
    tap("#code button[type=submit]").await;
    let done = c
        .wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("checked in")
        .text()
        .await
        .expect("text");
    assert!(done.contains("已签到") && done.contains("30 人"), "{done}");
    chrome.screenshot("site-door").await;
    let booking = app
        .store
        .bookings_by_code(&suyuan_core::sites::BookingCode::parse(&code).expect("code"))
        .await
        .expect("booking");
    assert_eq!(
        booking[0].status,
        suyuan_core::sites::BookingStatus::CheckedIn
    );
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_filters_the_pledges_by_district_and_comments_once_a_moderator_shows_it() {
    use suyuan_core::clock::Clock;
    use suyuan_core::pledges::{Pledger, Promise, Timeline};
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let zone = chrono_tz::Asia::Shanghai;
    let now = app.clock.now();
    let made = now - chrono::Duration::days(10);
    let made_day = made.with_timezone(&zone).date_naive();
    let admin = suyuan_core::members::MemberId(app.world.xihu_member);
    let mut ids = Vec::new();
    for (unit, title) in [
        (&app.world.cuiyuan, "为 3 号楼加装楼道扶手"),
        (&app.world.chunan, "修通下姜村到茶园的机耕路"),
    ] {
        let promise = Promise::new(title, "加装扶手", "3 号楼住户", "").expect("promise");
        let timeline =
            Timeline::new(made_day + chrono::Duration::days(5), zone, made_day).expect("timeline");
        let pledge = app
            .store
            .create_pledge(
                unit,
                Pledger::Unit(unit.id),
                &promise,
                &timeline,
                admin,
                made,
            )
            .await
            .expect("pledge");
        ids.push(pledge.id.0);
    }
    // The server's own round may have counted one already.
    app.store.count_overdue_pledges(now).await.expect("sweep");
    let c = &chrome.client;
    let tap = |css: String| async move {
        c.find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
            .tap()
            .await
            .expect("tap");
    };

    // A visitor opens the board and narrows it to Xihu District.
    c.goto(&app.url("/pledges")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the board is wider than a phone"
    );
    c.find(Locator::Css("select[name=unit]"))
        .await
        .expect("the unit filter")
        .select_by_value(&app.world.xihu.id.to_string())
        .await
        .expect("choose Xihu");
    tap("form.filters button[type=submit]".into()).await;
    // The page that answers has Xihu chosen.
    let chosen = format!(
        "select[name=unit] option[selected][value='{}']",
        app.world.xihu.id
    );
    c.wait()
        .for_element(Locator::Css(&chosen))
        .await
        .expect("the filtered board");
    let board = c.source().await.expect("source");
    assert!(board.contains("为 3 号楼加装楼道扶手") && board.contains("已逾期"));
    assert!(
        !board.contains("修通下姜村到茶园的机耕路"),
        "Chun'an is filtered out"
    );
    chrome.screenshot("pledges").await;

    // It opens the overdue pledge and leaves a comment.
    tap(format!("a[href='/pledges/{}']", ids[0])).await;
    c.find(Locator::Css("textarea[name=text]"))
        .await
        .expect("the comment box")
        .send_keys("扶手装好后请通知一下，谢谢")
        .await
        .expect("type");
    app.clock.advance(chrono::Duration::seconds(20));
    tap("form[action$='/comments'] button[type=submit]".into()).await;
    let notice = c
        .wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("the comment is taken")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("审核后公开显示"), "{notice}");
    let page = c.source().await.expect("source");
    assert!(!page.contains("扶手装好后请通知一下"), "held, not shown");
    assert!(
        chrome.fits_the_phone().await,
        "the pledge is wider than a phone"
    );
    chrome.screenshot("pledge").await;

    // Xihu's admin shows it from the desk.
    chrome.sign_in(&app, "xihu-admin").await;
    c.goto(&app.url("/pledges/desk")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the desk is wider than a phone"
    );
    tap("#comments button[value=shown]".into()).await;
    c.wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("shown");
    chrome.sign_out().await;

    // Now the visitor sees it.
    c.goto(&app.url(&format!("/pledges/{}", ids[0])))
        .await
        .expect("open");
    let page = c.source().await.expect("source");
    assert!(
        page.contains("扶手装好后请通知一下"),
        "shown after moderation"
    );
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_sees_a_similar_request_sends_anyway_and_follows_the_code_to_reopen_it() {
    use suyuan_core::clock::Clock;
    use suyuan_core::requests::{
        Category, ClockRules, Contact, State, Submission, TrackingCode, Urgency,
    };
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let category = Category::new("lights", "路灯照明", "", "城市管理", ClockRules::default())
        .expect("category");
    let lights = app
        .store
        .save_request_category(&category, 0, true)
        .await
        .expect("category");
    // Someone already wrote about the lamp in front of building 3.
    let earlier = Submission::new(
        "3 号楼前的路灯坏了，晚上一片漆黑",
        "翠苑一区 3 号楼前",
        None,
        Urgency::Normal,
    )
    .expect("submission");
    let first = app
        .store
        .submit_request(
            suyuan_store::requests::NewRequest {
                category: &lights,
                submission: &earlier,
                area: &app.world.cuiyuan,
                contact: &Contact::default(),
                zone: chrono_tz::Asia::Shanghai,
                key: None,
                photos: &[],
            },
            app.clock.now(),
        )
        .await
        .expect("the earlier request");
    let c = &chrome.client;
    let tap = |css: String| async move {
        c.find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
            .tap()
            .await
            .expect("tap");
    };
    let choose = |name: &'static str, value: String| async move {
        c.find(Locator::Css(&format!("select[name={name}]")))
            .await
            .unwrap_or_else(|_| panic!("the {name} choice"))
            .select_by_value(&value)
            .await
            .expect("choose");
    };
    let type_in = |css: &'static str, text: &'static str| async move {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
            .send_keys(text)
            .await
            .expect("type");
    };

    // A visitor, not signed in, writes about the same lamp.
    c.goto(&app.url("/requests/new")).await.expect("open");
    assert!(
        chrome.fits_the_phone().await,
        "the form is wider than a phone"
    );
    choose("category", "lights".into()).await;
    choose("area", app.world.cuiyuan.id.to_string()).await;
    type_in("#description", "3 号楼前的路灯坏了好几天，晚上一片漆黑").await;
    type_in("#address", "翠苑一区 3 号楼").await;
    type_in("#phone", "13800001111").await;
    app.clock.advance(chrono::Duration::seconds(20));
    tap("#send".into()).await;

    // It is shown the open request first, and sends anyway.
    c.wait()
        .for_element(Locator::Css("#similar"))
        .await
        .expect("similar requests shown");
    let page = c.source().await.expect("source");
    assert!(
        page.contains(&format!("/requests/{}", first.id.0)),
        "the earlier one"
    );
    assert!(
        chrome.fits_the_phone().await,
        "the similar list is wider than a phone"
    );
    chrome.screenshot("request-similar").await;
    app.clock.advance(chrono::Duration::seconds(20));
    tap("#send".into()).await;
    let code = c
        .wait()
        .for_element(Locator::Css("#tracking-code"))
        .await
        .expect("the tracking page")
        .text()
        .await
        .expect("the code");
    let code = TrackingCode::parse(&code).expect("a tracking code");
    let mine = app.store.request_by_code(&code).await.expect("request");
    assert_ne!(mine.id, first.id);

    // Cuiyuan answers; the visitor comes back by the code alone.
    let admin = suyuan_core::members::MemberId(app.world.xihu_member);
    app.store
        .answer_request(
            mine.id,
            "已更换灯泡，请您晚上看看。",
            admin,
            app.clock.now(),
        )
        .await
        .expect("answered");
    c.goto(&app.url("/track")).await.expect("open");
    let typed = code.to_string().to_lowercase();
    c.find(Locator::Css("#code"))
        .await
        .expect("the code box")
        .send_keys(&typed)
        .await
        .expect("type");
    tap("form[action='/track'] button[type=submit]".into()).await;
    c.wait()
        .for_element(Locator::Css("#respond"))
        .await
        .expect("the answer and the form");
    let page = c.source().await.expect("source");
    assert!(page.contains("已更换灯泡"));
    assert!(
        chrome.fits_the_phone().await,
        "the tracking page is wider than a phone"
    );

    // Two stars, and reopened with a reason.
    tap("#stars-2".into()).await;
    type_in("#reason", "灯还是不亮").await;
    tap("#respond button[value=reopen]".into()).await;
    let notice = c
        .wait()
        .for_element(Locator::Css("p.done"))
        .await
        .expect("reopened")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("重新打开"), "{notice}");
    chrome.screenshot("request-reopened").await;
    let after = app.store.request(mine.id).await.expect("request");
    assert_eq!(after.state(), State::Acknowledged);
    assert_eq!(
        (after.reopened, after.stars.map(|s| s.value())),
        (1, Some(2))
    );
    chrome.stop().await;
    app.stop().await;
}
