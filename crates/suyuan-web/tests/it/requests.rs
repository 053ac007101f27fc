//! Requests from outside: a visitor without an account asks (a bad form
//! is named field by field and makes nothing), is shown the open request
//! like theirs, sends anyway, and follows theirs by its code to the
//! answer, rates it and reopens it; the contact is seen only by the
//! handling unit's admins, each look recorded for the admins above; the
//! honeypot, the stamp and the limits per address and per contact hold;
//! and a third-party Open311 client reads and writes through `/open311/v2`.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::multipart::Form;
use suyuan_core::clock::Clock;
use suyuan_core::requests::{Category, ClockRules, RequestId, State, TrackingCode};
use suyuan_store::requests::RequestFilter;

use crate::{Browser, TestApp, hidden, location};

/// A category for street lights, and Hangzhou's lights routed to Xihu's
/// district office.
async fn lights(app: &TestApp) {
    let category = Category::new(
        "lights",
        "路灯照明",
        "路灯不亮",
        "城市管理",
        ClockRules::default(),
    )
    .expect("category");
    let saved = app
        .store
        .save_request_category(&category, 0, true)
        .await
        .expect("category");
    app.store
        .set_routing_rule(Some(&saved), &app.world.hangzhou, &app.world.xihu)
        .await
        .expect("rule");
}

/// The request form as the page hands it out, filled in with `fields`,
/// sent a few (test-clock) seconds later, as a person would.
async fn ask(app: &TestApp, browser: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = browser.text("/requests/new").await;
    let mut form = Form::new();
    for name in ["csrf", "issued"] {
        form = form.text(name, hidden(&page, name).expect("hidden field"));
    }
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    app.clock.advance(Duration::seconds(5));
    browser
        .client
        .post(browser.url("/requests/new"))
        .multipart(form)
        .send()
        .await
        .expect("POST")
}

fn lamp<'a>(area: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("category", "lights"),
        ("area", area),
        ("description", "3 号楼前的路灯坏了一个多星期，晚上一片漆黑"),
        ("address", "翠苑一区 3 号楼前"),
        ("urgency", "normal"),
        ("name", "王阿姨"),
        ("phone", phone),
    ]
}

/// The code in a `/track/{code}` address.
fn code_of(address: &str) -> TrackingCode {
    TrackingCode::parse(address.trim_start_matches("/track/")).expect("a tracking address")
}

#[tokio::test]
async fn a_visitor_asks_follows_by_code_rates_and_reopens_and_only_the_handler_sees_the_contact() {
    let app = TestApp::spawn().await;
    lights(&app).await;
    let cuiyuan = app.world.cuiyuan.id.0.to_string();
    let visitor = app.browser();

    // A bad form: each error beside its field; nothing is made.
    let mut bad = lamp(&cuiyuan, "12ab");
    bad[2].1 = "";
    let refused = ask(&app, &visitor, &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("body");
    assert!(page.contains("id=\"description-error\"") && page.contains("id=\"phone-error\""));
    assert!(page.contains("手机号码格式不对"), "{page}");
    let all = RequestFilter::default();
    assert_eq!(app.store.count_requests(&all).await.expect("count"), 0);

    // The first is sent, routed by the rule to Xihu, and followed by its code.
    let sent = ask(&app, &visitor, &lamp(&cuiyuan, "13800001111")).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let track = location(&sent);
    let code = code_of(&track);
    let page = visitor.text(&track).await;
    assert!(
        page.contains(&code.to_string()) && page.contains("西湖区"),
        "{page}"
    );
    let first = app.store.request_by_code(&code).await.expect("request");
    assert_eq!(first.unit.id, app.world.xihu.id);
    // Typed in lower case with spaces, the code still finds it.
    let typed = code.as_str().to_lowercase();
    let found = visitor.get(&format!("/track?code={}%20", &typed)).await;
    assert_eq!(location(&found), track);

    // Someone else writing about the same lamp is shown it first, and
    // can send theirs anyway.
    let neighbour = app.browser();
    let shown = ask(&app, &neighbour, &lamp(&cuiyuan, "13900002222")).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let page = shown.text().await.expect("body");
    assert!(page.contains("已经有人反映过类似的事"));
    assert!(page.contains(&format!("/requests/{}", first.id.0)));
    let mut anyway = lamp(&cuiyuan, "13900002222");
    anyway.push(("anyway", "1"));
    assert_eq!(
        ask(&app, &neighbour, &anyway).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.count_requests(&all).await.expect("count"), 2);

    // The contact: never on the public page, nor for a member, a sibling
    // county's admin or the province above; Xihu's admin sees it, once
    // recorded, and the province reads the record.
    let public = visitor.text(&format!("/requests/{}", first.id.0)).await;
    assert!(!public.contains("13800001111") && !public.contains("王阿姨"));
    let contact = format!("/requests/{}/contact", first.id.0);
    let page = format!("/requests/{}", first.id.0);
    for login in ["cuiyuan-member", "chunan-admin", "province-admin"] {
        let someone = app.signed_in(login).await;
        let refused = someone.submit(&page, &contact, &[]).await;
        assert!(
            matches!(
                refused.status(),
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{login}: {}",
            refused.status()
        );
        assert!(
            !someone.text(&page).await.contains("13800001111"),
            "{login}"
        );
    }
    assert!(
        app.store
            .request_contact_views(first.id)
            .await
            .expect("views")
            .is_empty()
    );
    let xihu = app.signed_in("xihu-admin").await;
    let read = xihu.submit(&page, &contact, &[]).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.text().await.expect("body").contains("13800001111"));
    assert!(
        !xihu.text(&page).await.contains("13800001111"),
        "shown once"
    );
    let views = app
        .store
        .request_contact_views(first.id)
        .await
        .expect("views");
    assert_eq!(views.len(), 1);
    let province = app.signed_in("province-admin").await;
    assert!(province.text(&page).await.contains("沈丽华"), "the record");

    // Xihu takes it on and answers; the requester rates it 2 and reopens.
    let acknowledge = format!("/requests/{}/steps/acknowledge", first.id.0);
    assert_eq!(
        xihu.submit(&page, &acknowledge, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let chunan = app.signed_in("chunan-admin").await;
    let answer = format!("/requests/{}/steps/answer", first.id.0);
    let foreign = chunan
        .submit("/requests", &answer, &[("text", "不是我们的")])
        .await;
    assert!(matches!(
        foreign.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    xihu.submit(&page, &answer, &[("text", "已更换灯泡，路灯恢复正常。")])
        .await;
    let page_now = visitor.text(&track).await;
    assert!(page_now.contains("已更换灯泡") && page_now.contains("name=\"stars\""));
    let respond = format!("{track}/response");
    let no_reason = visitor
        .submit(&track, &respond, &[("stars", "2"), ("action", "reopen")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reopened = visitor
        .submit(
            &track,
            &respond,
            &[
                ("stars", "2"),
                ("reason", "灯还是不亮"),
                ("action", "reopen"),
            ],
        )
        .await;
    assert_eq!(reopened.status(), StatusCode::SEE_OTHER);
    let after = app.store.request(first.id).await.expect("request");
    assert_eq!(after.state(), State::Acknowledged);
    assert_eq!(
        (after.reopened, after.stars.map(|s| s.value())),
        (1, Some(2))
    );
    let page_now = visitor.text(&track).await;
    assert!(page_now.contains("提出人重新打开") && page_now.contains("灯还是不亮"));
    // A code that is not one answers "not found", not someone's request.
    assert_eq!(
        visitor.get("/track/ABCDEFGHJKMNP").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn scripts_and_floods_are_turned_away_and_change_nothing() {
    let app = TestApp::spawn().await;
    lights(&app).await;
    let cuiyuan = app.world.cuiyuan.id.0.to_string();
    let all = RequestFilter::default();

    // The honeypot filled in: turned away.
    let bot = app.browser();
    let mut trap = lamp(&cuiyuan, "13800001111");
    trap.push(("website", "http://spam.example"));
    trap.push(("anyway", "1"));
    assert_eq!(
        ask(&app, &bot, &trap).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.store.count_requests(&all).await.expect("count"), 0);

    // One phone: five a day, from however many addresses.
    for n in 0..6 {
        let someone = app.browser();
        let mut fields = lamp(&cuiyuan, "138 0000 3333");
        let text = format!("第 {n} 次反映：楼道灯坏了");
        fields[2].1 = &text;
        fields.push(("anyway", "1"));
        let sent = ask(&app, &someone, &fields).await;
        if n < 5 {
            assert_eq!(sent.status(), StatusCode::SEE_OTHER, "request {n}");
        } else {
            // A phone's five a day: the next passes a day after the first.
            let wait = crate::retry_after(&sent);
            assert!(
                (23 * 3600..=24 * 3600).contains(&wait),
                "request {n}: {wait}"
            );
        }
    }
    assert_eq!(app.store.count_requests(&all).await.expect("count"), 5);
}

/// Runs a Python script against the server; its exit code is the verdict.
/// Skips outside CI when the Open311 client is not installed.
async fn python(script: &'static str, args: Vec<String>) -> Option<(bool, String)> {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import georeport, requests"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have the georeport package (.ci/run installs it)"
        );
        eprintln!("skipped: Python's georeport package is not installed (pip install georeport)");
        return None;
    }
    // Off the runtime's thread: the server answers on it meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
            .expect("python3")
    })
    .await
    .expect("joined");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status.success(), said))
}

/// The GeoReport v2 calls, through the `georeport` client where it makes
/// them (services, a service's definition, the list with its filters, one
/// request) and through `requests` by the standard where it does not
/// (sending a request, a token, the errors).
const OPEN311_CLIENT: &str = r#"
import sys, requests
from georeport import GeoReport
base, key = sys.argv[1], sys.argv[2]
client = GeoReport(base, api_key=key)

discovery = requests.get(f"{base}/discovery.json").json()
assert discovery["endpoints"][0]["formats"] == ["application/json"], discovery

services = client.get_service_list()
assert [s["service_code"] for s in services] == ["lights"], services
assert services[0]["service_name"] == "路灯照明" and services[0]["metadata"] is False
assert client.get_service_definition("lights")["service_code"] == "lights"

# No key, a wrong key, an unknown service: the standard's errors.
refused = requests.post(f"{base}/requests.json", data={"service_code": "lights"})
assert refused.status_code == 403 and refused.json()[0]["code"] == 403, refused.text
wrong = requests.post(f"{base}/requests.json", data={"api_key": "nope", "service_code": "lights"})
assert wrong.status_code == 403, wrong.text
unknown = requests.post(f"{base}/requests.json", data={
    "api_key": key, "service_code": "potholes", "lat": "30.27", "long": "120.13",
    "description": "路面有个大坑"})
assert unknown.status_code == 400 and "service_code" in unknown.json()[0]["description"], unknown.text

sent = requests.post(f"{base}/requests.json", data={
    "api_key": key, "service_code": "lights", "lat": "30.2741", "long": "120.1315",
    "address_string": "文三路 12 号", "description": "路灯一闪一闪的，晚上看不清路",
    "email": "resident@example.cn", "first_name": "芳", "last_name": "王"})
assert sent.status_code == 201, sent.text
created = sent.json()[0]
request_id, token = created["service_request_id"], created["token"]

by_token = requests.get(f"{base}/tokens/{token}.json").json()
assert by_token[0]["service_request_id"] == request_id, by_token

one = client.get_service_request(request_id)
assert one["status"] == "open" and one["service_code"] == "lights", one
assert one["lat"] == 30.2741 and one["address"] == "文三路 12 号", one
assert "resident@example.cn" not in str(one) and "王" not in one["description"], one

listed = client.get_service_requests(status="open", service_code="lights")
assert request_id in [r["service_request_id"] for r in listed], listed
assert client.get_service_requests(status="closed") == []
both = client.get_service_requests(service_request_id=f"{request_id},999999")
assert [r["service_request_id"] for r in both] == [request_id], both
bad_date = requests.get(f"{base}/requests.json", params={"start_date": "yesterday"})
assert bad_date.status_code == 400 and bad_date.json()[0]["code"] == 400, bad_date.text
missing = requests.get(f"{base}/requests/999999.json")
assert missing.status_code == 404 and missing.json()[0]["code"] == 404, missing.text
xml = requests.get(f"{base}/services.xml")
assert xml.status_code == 404, xml.status_code
print(request_id)
"#;

#[tokio::test]
async fn a_third_party_open311_client_lists_sends_and_follows_requests() {
    let app = TestApp::spawn().await;
    lights(&app).await;
    let admin = app
        .store
        .member_by_number(&suyuan_core::members::MemberNumber::parse("xihu-admin").expect("number"))
        .await
        .expect("admin");
    let (_, key) = app
        .store
        .issue_open311_key(
            &app.world.cuiyuan,
            "翠苑一区小程序",
            admin.id,
            app.clock.now(),
        )
        .await
        .expect("key");
    let Some((passed, said)) = python(
        OPEN311_CLIENT,
        vec![app.url("/open311/v2"), key.expose().to_owned()],
    )
    .await
    else {
        return;
    };
    assert!(passed, "{said}");
    let id: i64 = said.trim().parse().expect("the id printed");
    let request = app.store.request(RequestId(id)).await.expect("request");
    assert_eq!(request.area.id, app.world.cuiyuan.id, "the key's unit");
    assert_eq!(request.unit.id, app.world.xihu.id, "routed");
    assert!(request.has_contact);
}

#[tokio::test]
async fn the_top_admin_sets_clocks_and_imports_a_calendar_all_or_nothing() {
    let app = TestApp::spawn().await;
    let province = app.signed_in("province-admin").await;
    let settings = "/requests/settings";

    // A clock that is not one is named, and nothing is saved.
    let fields = [
        ("code", "housing"),
        ("name", "住房保障"),
        ("group", "民生保障"),
        ("normal_acknowledge", "1wd"),
        ("normal_resolve", "ten days"),
        ("urgent_acknowledge", "1h"),
        ("urgent_resolve", "24h"),
        ("active", "1"),
    ];
    let refused = province
        .submit(settings, "/requests/settings/categories", &fields)
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("normal_resolve")
    );
    assert!(
        app.store
            .request_categories(false)
            .await
            .expect("list")
            .is_empty()
    );
    let mut good = fields;
    good[4].1 = "10wd";
    let saved = province
        .submit(settings, "/requests/settings/categories", &good)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let categories = app.store.request_categories(false).await.expect("list");
    assert_eq!(categories.len(), 1);
    assert_eq!(
        categories[0].category.clocks.normal.resolve.to_string(),
        "10wd"
    );

    // Only the top unit's admins set what holds for everyone.
    let xihu = app.signed_in("xihu-admin").await;
    let denied = xihu
        .submit(settings, "/requests/settings/categories", &good)
        .await;
    assert!(matches!(
        denied.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));

    // A calendar with a bad third line: named, and the year untouched.
    let import = |csv: &'static str| {
        let province = &province;
        async move {
            let csrf = province.csrf(settings).await;
            let form = Form::new().text("csrf", csrf).text("year", "2027").part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("2027.csv"),
            );
            province
                .client
                .post(province.url("/requests/settings/calendar"))
                .multipart(form)
                .send()
                .await
                .expect("POST")
        }
    };
    let bad = import("日期,类型\n2027-10-01,休\n2027-10-09,上课\n").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.expect("body").contains("line 3"));
    assert_eq!(
        app.store
            .work_calendar()
            .await
            .expect("calendar")
            .days()
            .count(),
        0
    );
    let good = import("日期,类型\n2027-10-01,休\n2027-10-09,班\n").await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    let calendar = app.store.work_calendar().await.expect("calendar");
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2027, m, d).expect("day");
    assert!(!calendar.is_working_day(day(10, 1)));
    assert!(calendar.is_working_day(day(10, 9)), "a Saturday worked");

    // Xihu routes within its own subtree, and issues a key shown once.
    let rule = xihu
        .submit(
            settings,
            "/requests/settings/routes",
            &[
                ("category", "housing"),
                ("area", &app.world.cuiyuan.id.0.to_string()),
                ("unit", &app.world.xihu.id.0.to_string()),
            ],
        )
        .await;
    assert_eq!(rule.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.routing_rules().await.expect("rules").len(), 1);
    // The province sends the same requests to itself; Xihu may not undo
    // a rule set above it, nor delete it.
    let cuiyuan = app.world.cuiyuan.id.0.to_string();
    let to_province = app.world.province.id.0.to_string();
    let above = province
        .submit(
            settings,
            "/requests/settings/routes",
            &[
                ("category", "housing"),
                ("area", &cuiyuan),
                ("unit", &to_province),
            ],
        )
        .await;
    assert_eq!(above.status(), StatusCode::SEE_OTHER);
    let undo = xihu
        .submit(
            settings,
            "/requests/settings/routes",
            &[
                ("category", "housing"),
                ("area", &cuiyuan),
                ("unit", &app.world.xihu.id.0.to_string()),
            ],
        )
        .await;
    assert!(matches!(
        undo.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let rules = app.store.routing_rules().await.expect("rules");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].route.unit, app.world.province.id);
    let delete = xihu
        .submit(
            settings,
            &format!("/requests/settings/routes/{}/delete", rules[0].id),
            &[],
        )
        .await;
    assert!(matches!(
        delete.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let outside = xihu
        .submit(
            settings,
            "/requests/settings/routes",
            &[
                ("area", &app.world.xiajiang.id.0.to_string()),
                ("unit", &app.world.xihu.id.0.to_string()),
            ],
        )
        .await;
    assert!(matches!(
        outside.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let issued = xihu
        .submit(settings, "/requests/settings/keys", &[("name", "区小程序")])
        .await;
    let page = issued.text().await.expect("body");
    let marker = "id=\"new-key\" class=\"break\">";
    let start = page.find(marker).expect("the key") + marker.len();
    let key = &page[start..start + 64];
    assert!(app.store.open311_key(key).await.expect("key").is_some());
    assert!(!xihu.text(settings).await.contains(key), "shown once");
}

#[tokio::test]
async fn the_round_reminds_the_unit_once_and_escalates_once_across_instances() {
    use crate::reminders::{mail_server, robot};
    let app = TestApp::spawn().await;
    lights(&app).await;
    let category = app
        .store
        .request_category(&suyuan_core::requests::CategoryCode::parse("lights").expect("code"))
        .await
        .expect("category");
    let asked = suyuan_core::requests::Submission::new(
        "路灯坏了，晚上很黑",
        "文三路 12 号",
        None,
        suyuan_core::requests::Urgency::Normal,
    )
    .expect("submission");
    let request = app
        .store
        .submit_request(
            suyuan_store::requests::NewRequest {
                category: &category,
                submission: &asked,
                area: &app.world.cuiyuan,
                contact: &suyuan_core::requests::Contact::default(),
                zone: chrono_tz::Asia::Shanghai,
                key: None,
                photos: &[],
            },
            app.clock.now(),
        )
        .await
        .expect("request");
    assert_eq!(request.unit.id, app.world.xihu.id);
    let admin = app
        .store
        .member_by_number(&suyuan_core::members::MemberNumber::parse("xihu-admin").expect("number"))
        .await
        .expect("admin");
    let email = suyuan_core::members::Email::parse("shen@example.org").expect("email");
    app.store
        .set_email(admin.id, Some(&email))
        .await
        .expect("email");
    let (robot_url, posts) = robot().await;
    let (smtp_url, mails) = mail_server().await;
    app.store
        .set_reminder_hook(app.world.xihu.id, Some(&robot_url), app.clock.now())
        .await
        .expect("hook");
    let settings = suyuan_web::OutboundSettings {
        smtp_url: Some(smtp_url),
        mail_from: Some("溯源 <study@example.org>".into()),
        allow: vec!["127.0.0.1".into()],
    };
    let first = app.instance(&settings).await;
    let second = app.instance(&settings).await;

    // Four hours to acknowledge: at three and a half, Xihu is reminded,
    // once, by e-mail and by its robot.
    app.clock.advance(Duration::minutes(210));
    let (a, b) = tokio::join!(first.request_round(), second.request_round());
    let (a, b) = (a.expect("round"), b.expect("round"));
    assert_eq!(a.reminded + b.reminded, 1);
    assert_eq!(a.emails + b.emails, 1);
    assert_eq!(mails.lock().expect("lock").len(), 1);
    assert!(
        posts.lock().expect("lock")[0]
            .to_string()
            .contains("路灯照明")
    );
    assert_eq!(first.request_round().await.expect("round").reminded, 0);
    let home = app.signed_in("xihu-admin").await.text("/").await;
    assert!(home.contains("诉求一天内到期"), "the home page says it too");

    // Past the deadline: escalated to Hangzhou, once.
    app.clock.advance(Duration::minutes(40));
    let (a, b) = tokio::join!(first.request_round(), second.request_round());
    let (a, b) = (a.expect("round"), b.expect("round"));
    assert_eq!(a.escalated + b.escalated, 1);
    let escalated = app.store.request(request.id).await.expect("request");
    assert_eq!(escalated.escalation, 1);
    let page = app
        .browser()
        .text(&format!("/requests/{}", request.id.0))
        .await;
    assert!(page.contains("上报杭州市督办"), "{page}");
    app.stop().await;
}
