//! Teaching sites from outside: the public pages without sign-in, an
//! outside group booking through the form (once, however often the form
//! is sent), following it by its code, the site manager checking it in by
//! typing the code, and the site's bookings as a strict calendar feed.

use reqwest::StatusCode;
use reqwest::multipart::Form;

use crate::{Browser, TestApp, hidden, location};

/// The first address on `page` that starts with `prefix`, up to its quote.
fn first_link(page: &str, prefix: &str) -> String {
    let start = page
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} on the page:\n{page}"));
    let end = page[start..].find(['"', '<']).expect("its end");
    page[start..start + end].replace("&amp;", "&")
}

/// Sends the booking form on `page` (at `form_path`) with `fields` on
/// top of what the form itself carries.
async fn send_form(
    browser: &Browser,
    page: &str,
    form_path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = Form::new();
    for name in ["csrf", "key", "issued", "identity", "waiting"] {
        if let Some(value) = hidden(page, name) {
            form = form.text(name, value);
        }
    }
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    browser
        .client
        .post(browser.url(form_path))
        .multipart(form)
        .send()
        .await
        .expect("POST")
}

const GROUP: [(&str, &str); 5] = [
    ("organization", "深圳市腾讯计算机系统有限公司"),
    ("credit_code", "914403001922038216"),
    ("contact_name", "王芳"),
    ("phone", "13800138000"),
    ("headcount", "30"),
];

#[tokio::test]
async fn an_outside_group_books_once_follows_its_code_and_is_checked_in_at_the_door() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "中共杭州小组纪念馆", true).await;
    let visitor = app.browser();
    // Every public page opens without signing in.
    for path in [
        "/sites",
        &format!("/sites/{site}"),
        "/routes",
        "/api/v1/sites",
    ] {
        assert_eq!(visitor.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let site_page = visitor.text(&format!("/sites/{site}")).await;
    assert!(site_page.contains("中共杭州小组纪念馆") && site_page.contains("每批 5–60 人"));
    let form_path = first_link(&site_page, &format!("/sites/{site}/book?at="));
    let form_page = visitor.text(&form_path).await;
    assert!(form_page.contains("统一社会信用代码"), "{form_page}");

    // Sent at once after the form was handed out: a script, refused.
    let hurried = send_form(&visitor, &form_page, &form_path, &GROUP).await;
    assert_eq!(
        crate::retry_after(&hurried),
        3,
        "once the form has been open long enough"
    );
    app.clock.advance(chrono::Duration::seconds(5));

    // A mistyped credit code is named beside its field, in the page's
    // language, and nothing is booked.
    let mut mistyped = GROUP.to_vec();
    mistyped[1] = ("credit_code", "914403001922038316");
    let refused = send_form(&visitor, &form_page, &form_path, &mistyped).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.expect("page");
    assert!(refused.contains("最后一位应是 7"), "{refused}");
    assert!(refused.contains("credit_code-error"), "{refused}");

    // Sent twice (a retry): one booking, the same code both times.
    let first = send_form(&visitor, &form_page, &form_path, &GROUP).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let tracking = location(&first);
    assert!(tracking.starts_with("/bookings/"), "{tracking}");
    let again = send_form(&visitor, &form_page, &form_path, &GROUP).await;
    assert_eq!(location(&again), tracking);
    let code = tracking.trim_start_matches("/bookings/").to_owned();
    let page = visitor.text(&tracking).await;
    assert!(page.contains(&code) && page.contains("已预约"), "{page}");
    assert!(page.contains("<svg"), "the code as a QR code");
    // The code is found however it is typed.
    let found = visitor
        .get(&format!(
            "/bookings?code={}",
            code.to_lowercase().replace('-', " ")
        ))
        .await;
    assert_eq!(location(&found), tracking);

    // On the day, the site manager types the code at the door.
    let api: serde_json::Value = visitor
        .get(&format!("/api/v1/bookings/{code}"))
        .await
        .json()
        .await
        .expect("json");
    let starts = chrono::DateTime::parse_from_rfc3339(api[0]["starts_at"].as_str().expect("start"))
        .expect("time");
    let ahead = starts.with_timezone(&chrono::Utc) - suyuan_core::clock::Clock::now(&app.clock);
    app.clock.advance(ahead + chrono::Duration::minutes(5));
    let manager = app.signed_in("site-manager").await;
    let door = format!("/sites/{site}/door");
    let typed = code.to_lowercase().replace('-', "");
    let checked = manager
        .submit(
            &door,
            &format!("/sites/{site}/check-in"),
            &[("code", &typed), ("actual_headcount", "28")],
        )
        .await;
    assert_eq!(checked.status(), StatusCode::SEE_OTHER);
    let door_page = manager.text(&door).await;
    assert!(
        door_page.contains("已签到：深圳市腾讯计算机系统有限公司 28 人"),
        "{door_page}"
    );
    // A second scan counts once.
    manager
        .submit(
            &door,
            &format!("/sites/{site}/check-in"),
            &[("code", &typed)],
        )
        .await;
    let door_page = manager.text(&door).await;
    assert!(door_page.contains("不重复计数"), "{door_page}");
    let bookings = app
        .store
        .bookings_by_code(&suyuan_core::sites::BookingCode::parse(&code).expect("code"))
        .await
        .expect("bookings");
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].actual_headcount, Some(28));
    // The slot cannot be made smaller than what is booked in it.
    let at = starts.timestamp().to_string();
    let shrunk = manager
        .submit(
            &format!("/sites/{site}/bookings"),
            &format!("/sites/{site}/slots"),
            &[("at", &at), ("capacity", "10"), ("state", "open")],
        )
        .await;
    assert_eq!(shrunk.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = shrunk.text().await.expect("page");
    assert!(said.contains("不能少于已约的 30 人"), "{said}");
    // A code typed wrong is named as such, in the page's language.
    let wrong = visitor.get("/bookings?code=ABC").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.expect("page").contains("预约码是 8 位"));
    // The site's page counts the visit.
    let site_page = visitor.text(&format!("/sites/{site}")).await;
    assert!(site_page.contains("1 批 · 28 人次"), "{site_page}");

    // The site's bookings feed is strict iCalendar.
    let bookings_page = manager.text(&format!("/sites/{site}/bookings")).await;
    let feed_url = first_link(&bookings_page, "http://");
    let feed = reqwest::get(&feed_url)
        .await
        .expect("feed")
        .text()
        .await
        .expect("body");
    if let Some(events) = crate::gatherings::parse_strictly(&feed) {
        let events = events.as_array().expect("events");
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            events[0]["summary"]
                .as_str()
                .is_some_and(|s| s.contains("中共杭州小组纪念馆")),
            "{events:?}"
        );
    }
    // So is a booking's own event.
    let event = visitor.text(&format!("/bookings/{code}/event.ics")).await;
    crate::gatherings::parse_strictly(&event);
    app.stop().await;
}

#[tokio::test]
async fn a_full_slot_offers_its_waiting_list_and_a_cancellation_offers_the_places() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "纪念馆", false).await;
    let visitor = app.browser();
    // Three days ahead: cancelling is open until the day before.
    let site_page = visitor
        .text(&format!(
            "/sites/{site}?from={}",
            (suyuan_core::clock::Clock::now(&app.clock) + chrono::Duration::days(3))
                .format("%Y-%m-%d")
        ))
        .await;
    let form_path = first_link(&site_page, &format!("/sites/{site}/book?at="));
    let form_page = visitor.text(&form_path).await;
    app.clock.advance(chrono::Duration::seconds(5));
    let mut big = GROUP.to_vec();
    big[4] = ("headcount", "40");
    let booked = send_form(&visitor, &form_page, &form_path, &big).await;
    assert_eq!(booked.status(), StatusCode::SEE_OTHER);
    let first = location(&booked);
    // Twenty places left: a group of thirty is told so, and offered the
    // waiting list.
    let form_page = visitor.text(&form_path).await;
    app.clock.advance(chrono::Duration::seconds(5));
    let mut thirty = GROUP.to_vec();
    thirty[4] = ("headcount", "30");
    let too_big = send_form(&visitor, &form_page, &form_path, &thirty).await;
    assert_eq!(too_big.status(), StatusCode::CONFLICT);
    let offered = too_big.text().await.expect("page");
    assert!(
        offered.contains("只剩 20 个名额") && offered.contains("加入候补"),
        "{offered}"
    );
    let mut rest = GROUP.to_vec();
    rest[4] = ("headcount", "20");
    let filled = send_form(&visitor, &form_page, &form_path, &rest).await;
    assert_eq!(filled.status(), StatusCode::SEE_OTHER);
    // The slot is full: its form now puts a group on the waiting list.
    let form_page = visitor.text(&form_path).await;
    assert!(form_page.contains("加入候补"), "{form_page}");
    app.clock.advance(chrono::Duration::seconds(5));
    let mut other = GROUP.to_vec();
    other[0] = ("organization", "另一家公司");
    other[1] = ("credit_code", "91110000802100433B");
    let waiting = send_form(&visitor, &form_page, &form_path, &other).await;
    let second = location(&waiting);
    assert!(visitor.text(&second).await.contains("候补中"));
    // The first group cancels; the second is offered the places.
    let cancelled = visitor
        .submit(&first, &format!("{first}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    assert!(visitor.text(&first).await.contains("已取消"));
    let offer = visitor.text(&second).await;
    assert!(
        offer.contains("有名额待确认") && offer.contains("确认参观"),
        "{offer}"
    );
    let taken = visitor
        .submit(&second, &format!("{second}/accept"), &[])
        .await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
    assert!(visitor.text(&second).await.contains("已预约"));
    app.stop().await;
}

#[tokio::test]
async fn an_activity_day_books_its_slot_at_a_site_from_the_gathering_form() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xiajiang, "下姜村", false).await;
    let admin = app.signed_in("xihu-admin").await;
    let plan = format!("/units/{}/gatherings", app.world.branch.id);
    let day = (suyuan_core::clock::Clock::now(&app.clock) + chrono::Duration::days(5))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string();
    let site_id = site.to_string();
    let fields = |time: &'static str| {
        vec![
            ("kind", "activity_day".to_owned()),
            ("title", "走进下姜村".to_owned()),
            ("date", day.clone()),
            ("time", time.to_owned()),
            ("minutes", "90".to_owned()),
            ("repeat", "once".to_owned()),
            ("site", site_id.clone()),
            ("headcount", "25".to_owned()),
            ("contact_phone", "13800138000".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        let plan = plan.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.submit(&plan, &plan, &fields).await
        }
    };
    // 10:00 is not one of the site's slot starts: refused, nothing planned.
    let refused = send(fields("10:00")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.expect("page");
    assert!(body.contains("09:00") && body.contains("10:30"), "{body}");
    // At 09:00 the slot is booked for the day, and the day is planned.
    let planned = send(fields("09:00")).await;
    assert_eq!(planned.status(), StatusCode::SEE_OTHER);
    let gathering = location(&planned);
    let page = admin.text(&gathering).await;
    assert!(
        page.contains("预约的参观") && page.contains("下姜村"),
        "{page}"
    );
    let id: i64 = gathering
        .trim_start_matches("/gatherings/")
        .parse()
        .expect("a gathering");
    let bookings = app.store.gathering_bookings(id).await.expect("bookings");
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].headcount, 25);
    assert_eq!(bookings[0].org_unit, Some(app.world.branch.id));
    app.stop().await;
}

#[tokio::test]
async fn a_roster_comes_with_the_booking_and_a_longer_one_is_refused() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "纪念馆", false).await;
    let visitor = app.browser();
    let site_page = visitor.text(&format!("/sites/{site}")).await;
    let form_path = first_link(&site_page, &format!("/sites/{site}/book?at="));
    let page = visitor.text(&form_path).await;
    app.clock.advance(chrono::Duration::seconds(5));
    let send = |roster: &'static str, headcount: &'static str| {
        let (visitor, page, form_path) = (&visitor, &page, &form_path);
        async move {
            let mut form = Form::new();
            for name in ["csrf", "key", "issued", "identity"] {
                if let Some(value) = hidden(page, name) {
                    form = form.text(name, value);
                }
            }
            for (name, value) in GROUP {
                let value = if name == "headcount" {
                    headcount
                } else {
                    value
                };
                form = form.text(name, value);
            }
            let part =
                reqwest::multipart::Part::bytes(roster.as_bytes().to_vec()).file_name("名单.csv");
            visitor
                .client
                .post(visitor.url(form_path))
                .multipart(form.part("roster", part))
                .send()
                .await
                .expect("POST")
        }
    };
    let refused = send("序号,姓名\n1,张三\n2,李四\n3,王五\n", "2").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page_text = refused.text().await.expect("page");
    assert!(
        page_text.contains("名单有 3 人，多于预约人数 2 人"),
        "{page_text}"
    );
    let booked = send("序号,姓名\n1,张三\n2,李四\n3,王五\n", "6").await;
    assert_eq!(booked.status(), StatusCode::SEE_OTHER);
    let tracking = visitor.text(&location(&booked)).await;
    assert!(tracking.contains("6 人 · 名单 3 人"), "{tracking}");
    app.stop().await;
}

#[tokio::test]
async fn an_api_booking_needs_a_usable_idempotency_key_when_it_sends_one() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "纪念馆", false).await;
    let token = app.token("cuiyuan-member").await;
    let detail: serde_json::Value = reqwest::get(app.url(&format!("/api/v1/sites/{site}")))
        .await
        .expect("site")
        .json()
        .await
        .expect("json");
    let start = detail["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["bookable"] == true)
        .expect("a bookable slot")["starts_at"]
        .clone();
    let body = serde_json::json!({
        "starts_at": start,
        "organization": "翠苑一区社区",
        "contact_name": "陈晓燕",
        "phone": "13800138000",
        "headcount": 10,
    });
    let send = |key: &'static str| {
        let (token, body) = (&token, &body);
        let url = app.url(&format!("/api/v1/sites/{site}/bookings"));
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(body)
                .send()
                .await
                .expect("POST")
        }
    };
    assert_eq!(send("").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(send("visit-2026-12-08").await.status(), StatusCode::CREATED);
    assert_eq!(send("visit-2026-12-08").await.status(), StatusCode::OK);
    app.stop().await;
}

/// A visitor over the limit is turned away before the roster they sent is
/// read: once its sender is refused, a spreadsheet costs nothing.
#[tokio::test]
async fn a_visitor_over_the_limit_is_turned_away_before_the_roster_is_read() {
    let app = TestApp::spawn().await;
    let site = app.site(&app.world.xihu, "中共杭州小组纪念馆", true).await;
    let visitor = app.browser();
    let site_page = visitor.text(&format!("/sites/{site}")).await;
    let form_path = first_link(&site_page, &format!("/sites/{site}/book?at="));
    let form_page = visitor.text(&form_path).await;
    app.clock.advance(chrono::Duration::seconds(5));
    // Six tries a day from one phone, each refused for its credit code.
    let mut mistyped = GROUP.to_vec();
    mistyped[1] = ("credit_code", "914403001922038316");
    for _ in 0..6 {
        let refused = send_form(&visitor, &form_page, &form_path, &mistyped).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut form = Form::new();
    for name in ["csrf", "key", "issued", "identity"] {
        if let Some(value) = hidden(&form_page, name) {
            form = form.text(name, value);
        }
    }
    for (name, value) in mistyped {
        form = form.text(name, value);
    }
    let not_a_workbook = reqwest::multipart::Part::bytes(b"PK\x03\x04 no workbook".to_vec())
        .file_name("roster.xlsx");
    let turned = visitor
        .client
        .post(visitor.url(&form_path))
        .multipart(form.part("roster", not_a_workbook))
        .send()
        .await
        .expect("POST");
    assert_eq!(turned.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = turned.text().await.expect("page");
    // Its fields are checked as typed (cheap); the file was never opened.
    assert!(
        !page.contains("roster-error"),
        "the roster was read past the limit: {page}"
    );
}
