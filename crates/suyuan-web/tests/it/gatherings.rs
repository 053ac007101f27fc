//! Gatherings over HTTP: planning a series, checking in with the code on
//! the organizer's screen, leave, reflections, points, and the calendar
//! feed read by a strict third-party parser.

use chrono::{Duration, Timelike};
use reqwest::StatusCode;
use serde_json::Value;
use suyuan_core::campaigns::Topic;
use suyuan_core::clock::Clock;

use suyuan_core::gatherings::{Attendance, Review};
use suyuan_store::gatherings::GatheringId;

use crate::TestApp;

/// The code shown on the organizer's check-in screen.
pub fn code_on(page: &str) -> String {
    let marker = "id=\"check-in-code\" aria-live=\"polite\">";
    let start = page.find(marker).expect("a code on the screen") + marker.len();
    page[start..start + 6].to_owned()
}

#[tokio::test]
async fn marking_by_hand_keeps_the_place_says_so_once_and_the_forwarded_link_holds() {
    let app = TestApp::spawn().await;
    let id = app.gathering(&app.world.branch, Duration::minutes(5)).await;
    let organizer = app.signed_in("xihu-admin").await;
    let member = app.signed_in("cuiyuan-member").await;
    let roll = format!("/gatherings/{id}/roll");
    let me = app.world.xihu_member;

    // Nobody is marked yet, and nobody looks marked.
    let page = organizer.text(&roll).await;
    let row = &page[page
        .find(&format!("id=\"m-{me}\""))
        .expect("the member's row")..];
    let row = &row[..row.find("</li>").expect("row end")];
    assert!(
        row.contains("未登记") && row.contains("selected disabled"),
        "{row}"
    );

    let marked = organizer
        .submit(
            &roll,
            &format!("/gatherings/{id}/attendance"),
            &[("member", &me.to_string()), ("status", "present")],
        )
        .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::location(&marked),
        format!("/gatherings/{id}/roll#m-{me}"),
        "back to the row just marked"
    );
    let after = organizer.text(&roll).await;
    assert!(
        after.contains("class=\"done\"") && after.contains("已为陈晓燕登记"),
        "{after}"
    );
    let again = organizer.text(&roll).await;
    assert!(!again.contains("class=\"done\""), "a notice is said once");

    // Long before it starts, the roll offers leave only, and says when
    // the rest opens.
    let later = app.gathering(&app.world.branch, Duration::hours(3)).await;
    let early = organizer.text(&format!("/gatherings/{later}/roll")).await;
    assert!(early.contains("只能登记请假"), "{early}");
    assert!(
        early.contains("value=\"excused\"") && !early.contains("value=\"present\""),
        "{early}"
    );

    // A roll taken on paper: the district's unmarked, all at once.
    let district = app.gathering(&app.world.xihu, Duration::minutes(5)).await;
    let unmarked = format!("/gatherings/{district}/roll?show=unmarked");
    let page = organizer.text(&unmarked).await;
    let members: Vec<String> = page
        .match_indices("name=\"member\" value=\"")
        .map(|(at, marker)| {
            let rest = &page[at + marker.len()..];
            rest[..rest.find('"').expect("end")].to_owned()
        })
        .collect();
    assert!(members.len() >= 2, "{page}");
    let back = crate::hidden(&page, "back").expect("the view to return to");
    let mut form: Vec<(&str, &str)> = vec![("status", "absent"), ("back", &back)];
    // Each member once: the bulk form's list, not each row's own field.
    let mut listed: Vec<&str> = members.iter().map(String::as_str).collect();
    listed.sort_unstable();
    listed.dedup();
    form.extend(listed.iter().map(|m| ("member", *m)));
    let marked = organizer
        .submit(
            &unmarked,
            &format!("/gatherings/{district}/attendance/bulk"),
            &form,
        )
        .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::location(&marked),
        format!("/gatherings/{district}/roll?show=unmarked#roll")
    );
    let after = organizer.text(&unmarked).await;
    assert!(
        after.contains(&format!("已为 {} 人登记：缺席", listed.len())),
        "{after}"
    );
    assert!(!after.contains("id=\"m-"), "nobody is left unmarked");

    // The link to forward holds until check-in closes, long after the
    // code on the screen has rotated.
    let id = app
        .gathering(&app.world.branch, Duration::minutes(20))
        .await;
    let screen = organizer.text(&format!("/gatherings/{id}/run")).await;
    let marker = "id=\"check-in-link\"";
    let link_at = screen.find(marker).expect("a link to forward");
    let href = &screen[..link_at];
    let href = &href[href.rfind("href=\"").expect("href") + 6..];
    let code =
        &href[href.find("code=").expect("a code in the link") + 5..href.find('"').expect("end")];
    assert_eq!(code.len(), 10, "{href}");
    app.clock.advance(Duration::minutes(50));
    let page = format!("/gatherings/{id}");
    let checked = member
        .submit(
            &page,
            &format!("/gatherings/{id}/check-in"),
            &[("code", code)],
        )
        .await;
    assert_eq!(checked.status(), StatusCode::SEE_OTHER);
    assert!(member.text(&page).await.contains("已签到"));
    assert_eq!(
        app.store
            .presence(GatheringId(id), suyuan_core::members::MemberId(me))
            .await
            .expect("presence")
            .map(|p| p.status),
        Some(Attendance::Late)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_weekly_series_is_planned_in_the_campaign_zone_with_the_plan_topics() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await;
    let campaign = app.store.campaign(campaign).await.expect("campaign");
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    app.store
        .set_week_topic(&campaign, monday, &Topic::parse("宪法总纲").expect("topic"))
        .await
        .expect("topic");
    let admin = app.signed_in("xihu-admin").await;
    let plan = format!("/units/{}/gatherings", app.world.branch.id);
    let response = admin
        .submit(
            &plan,
            &plan,
            &[
                ("kind", "weekly_study"),
                ("title", "支部周学习"),
                ("campaign", &campaign.id.0.to_string()),
                ("date", "2026-11-23"),
                ("time", "19:30"),
                ("minutes", "90"),
                ("repeat", "weekly"),
                ("weekday", "2"),
                ("until", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let all = app
        .store
        .gatherings_within(
            &app.world.branch.path,
            app.clock.now() - Duration::days(30),
            app.clock.now() + Duration::days(60),
        )
        .await
        .expect("planned");
    // Wednesdays 11-25, 12-02, 12-09, 12-16.
    assert_eq!(all.len(), 4);
    for gathering in &all {
        let local = gathering
            .slot
            .starts_at
            .with_timezone(&campaign.calendar.zone);
        assert_eq!(chrono::Datelike::weekday(&local), chrono::Weekday::Wed);
        assert_eq!((local.hour(), local.minute()), (19, 30));
    }
    assert_eq!(
        all[0].details.topic, "宪法总纲",
        "the week's topic from the plan"
    );
    assert_eq!(all[1].details.topic, "", "no topic planned for that week");
    // The plan page lists them; a bad form changes nothing.
    assert!(admin.text(&plan).await.contains("支部周学习"));
    let refused = admin
        .submit(
            &plan,
            &plan,
            &[
                ("kind", "weekly_study"),
                ("title", "坏的"),
                ("date", "2026-11-23"),
                ("time", "25:00"),
                ("minutes", "90"),
                ("repeat", "once"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.expect("body").contains("time"));
    app.stop().await;
}

#[tokio::test]
async fn checking_in_with_the_code_on_the_screen_and_only_while_it_holds() {
    let app = TestApp::spawn().await;
    let id = app.gathering(&app.world.branch, Duration::minutes(5)).await;
    let organizer = app.signed_in("xihu-admin").await;
    let member = app.signed_in("cuiyuan-member").await;
    let run = format!("/gatherings/{id}/run");
    let page = format!("/gatherings/{id}");
    let check_in = format!("/gatherings/{id}/check-in");

    let screen = organizer.text(&run).await;
    let code = code_on(&screen);
    assert!(screen.contains("<svg"), "a QR code to scan");
    assert!(
        screen.contains(&format!("/gatherings/{id}?code=")),
        "a link to forward opens the form with a code"
    );

    // Two minutes on, that code has expired.
    app.clock.advance(Duration::minutes(2));
    let old = member.submit(&page, &check_in, &[("code", &code)]).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(old.text().await.expect("body").contains("expired"));
    // The code on the screen now works.
    let code = code_on(&organizer.text(&run).await);
    let checked = member.submit(&page, &check_in, &[("code", &code)]).await;
    assert_eq!(checked.status(), StatusCode::SEE_OTHER);
    let presence = app
        .store
        .presence(
            GatheringId(id),
            suyuan_core::members::MemberId(app.world.xihu_member),
        )
        .await
        .expect("presence");
    assert_eq!(presence.map(|p| p.status), Some(Attendance::Present));
    assert!(member.text(&page).await.contains("id=\"my-status\""));

    // Guessing is cut short: after ten wrong codes even the right one is
    // refused, and the organizer marks the member by hand.
    let guessed = app.gathering(&app.world.branch, Duration::minutes(5)).await;
    let guess_page = format!("/gatherings/{guessed}");
    for guess in 0..10 {
        let wrong = member
            .submit(
                &guess_page,
                &format!("/gatherings/{guessed}/check-in"),
                &[("code", &format!("{guess:06}"))],
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let right = code_on(&organizer.text(&format!("/gatherings/{guessed}/run")).await);
    let locked = member
        .submit(
            &guess_page,
            &format!("/gatherings/{guessed}/check-in"),
            &[("code", &right)],
        )
        .await;
    assert_eq!(locked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        locked
            .text()
            .await
            .expect("body")
            .contains("too many wrong codes")
    );

    // Another gathering, already over: its code is refused.
    let past = app.gathering(&app.world.branch, -Duration::hours(3)).await;
    let past_code = {
        let gathering = app.store.gathering(GatheringId(past)).await.expect("g");
        suyuan_core::gatherings::CheckInCode::new(&gathering.code_secret).at(app.clock.now())
    };
    let late = member
        .submit(
            &page,
            &format!("/gatherings/{past}/check-in"),
            &[("code", &past_code)],
        )
        .await;
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.text()
            .await
            .expect("body")
            .contains("check-in is open")
    );
    app.stop().await;
}

#[tokio::test]
async fn leave_reflections_absence_and_points() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign().await;
    // Both part of the campaign, so that attendance earns points.
    let id = app
        .gathering_in(&app.world.branch, Duration::hours(1), Some(campaign))
        .await;
    let other = app
        .gathering_in(&app.world.branch, Duration::hours(2), Some(campaign))
        .await;
    let organizer = app.signed_in("xihu-admin").await;
    let member = app.signed_in("cuiyuan-member").await;
    let me = suyuan_core::members::MemberId(app.world.xihu_member);
    let page = |g: i64| format!("/gatherings/{g}");

    // Leave from the second gathering, approved.
    let asked = member
        .submit(
            &page(other),
            &format!("/gatherings/{other}/leave"),
            &[("reason", "值班")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert!(organizer.text(&page(other)).await.contains("值班"));
    let approved = organizer
        .submit(
            &page(other),
            &format!("/gatherings/{other}/leaves/{}", me.0),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);

    // Attendance is not marked long before the gathering.
    let early = organizer
        .submit(
            &format!("/gatherings/{other}/run"),
            &format!("/gatherings/{other}/attendance"),
            &[("member", &me.0.to_string()), ("status", "present")],
        )
        .await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The first: marked present by hand once check-in opens, a reflection
    // returned then accepted.
    app.clock.advance(Duration::minutes(40));
    let marked = organizer
        .submit(
            &format!("/gatherings/{id}/run"),
            &format!("/gatherings/{id}/attendance"),
            &[("member", &me.0.to_string()), ("status", "present")],
        )
        .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    app.clock.advance(Duration::minutes(50));
    let reflect = |text: &'static str| {
        let member = &member;
        async move {
            member
                .submit(
                    &page(id),
                    &format!("/gatherings/{id}/reflection"),
                    &[("text", text)],
                )
                .await
        }
    };
    assert_eq!(reflect("学了宪法。").await.status(), StatusCode::SEE_OTHER);
    let review = |decision: &'static str, comment: &'static str| {
        let organizer = &organizer;
        async move {
            organizer
                .submit(
                    &page(id),
                    &format!("/gatherings/{id}/reflections/{}", me.0),
                    &[("decision", decision), ("comment", comment)],
                )
                .await
        }
    };
    assert_eq!(
        review("return", "请写具体体会").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(member.text(&page(id)).await.contains("请写具体体会"));
    assert_eq!(
        reflect("结合社区工作，学习宪法总纲的体会。").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(review("accept", "").await.status(), StatusCode::SEE_OTHER);
    let reflections = app
        .store
        .reflections(GatheringId(id), Some(me))
        .await
        .expect("reflections");
    assert_eq!(reflections[0].state, Review::Accepted);

    // Minutes once it has begun.
    let minutes = organizer
        .submit(
            &page(id),
            &format!("/gatherings/{id}/minutes"),
            &[("minutes", "学习了宪法总纲，三人发言。")],
        )
        .await;
    assert_eq!(minutes.status(), StatusCode::SEE_OTHER);
    assert!(member.text(&page(id)).await.contains("三人发言"));
    let edited = organizer
        .submit(
            &page(id),
            &format!("/gatherings/{id}/edit"),
            &[("title", "宪法总纲专题学习"), ("speaker", "支部书记")],
        )
        .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let shown = member.text(&page(id)).await;
    assert!(shown.contains("宪法总纲专题学习") && shown.contains("支部书记"));

    // After both end, whoever has no status is absent; the member keeps
    // "present" and "excused".
    app.clock.advance(Duration::hours(3));
    // The server's own sweep may have closed them already.
    app.store
        .close_ended(app.clock.now())
        .await
        .expect("closed");
    let status = |g: i64| {
        let store = app.store.clone();
        async move {
            store
                .presence(GatheringId(g), me)
                .await
                .expect("presence")
                .map(|p| p.status)
        }
    };
    assert_eq!(status(id).await, Some(Attendance::Present));
    assert_eq!(status(other).await, Some(Attendance::Excused));

    // Attendance and the accepted reflection earn points today.
    let token = app.token("cuiyuan-member").await;
    let today: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me/today"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("today")
        .json()
        .await
        .expect("json");
    let points = |rule: &str| {
        today["campaigns"][0]["points_today"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| r["points"].as_u64().expect("points"))
    };
    assert_eq!(points("attendance"), Some(3), "{today}");
    assert_eq!(points("reflection_accepted"), Some(3), "{today}");
    app.stop().await;
}

/// Parses a calendar with Python's `ical` package (strict RFC 5545) and
/// returns its events as JSON, or `None` when the package is missing
/// outside CI.
pub fn parse_strictly(feed: &str) -> Option<Value> {
    let script = r#"
import json, sys
from ical.calendar_stream import IcsCalendarStream
calendar = IcsCalendarStream.calendar_from_ics(sys.stdin.read())
print(json.dumps([
    {"uid": e.uid, "summary": e.summary, "status": e.status.value if e.status else None,
     "sequence": e.sequence, "start": e.dtstart.isoformat(), "location": e.location}
    for e in calendar.events
]))
"#;
    let probe = std::process::Command::new("python3")
        .args(["-c", "import ical.calendar_stream"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Python's ical package (.ci/run installs it)"
        );
        eprintln!("skipped: Python's ical package is not installed (pip install ical)");
        return None;
    }
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(feed.as_bytes())
            .expect("write");
    }
    let output = child.wait_with_output().expect("parsed");
    assert!(
        output.status.success(),
        "ical refused the feed: {}\n{feed}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("json"))
}

#[tokio::test]
async fn the_member_feed_is_strict_icalendar_and_carries_cancellations() {
    let app = TestApp::spawn().await;
    let kept = app.gathering(&app.world.branch, Duration::days(1)).await;
    let cancelled = app.gathering(&app.world.xihu, Duration::days(2)).await;
    let elsewhere = app.gathering(&app.world.xiajiang, Duration::days(1)).await;
    // Xihu District's group robot hears of the cancellation.
    let (robot, heard) = crate::reminders::robot().await;
    app.store
        .set_reminder_hook(app.world.xihu.id, Some(&robot), app.clock.now())
        .await
        .expect("hook");
    let organizer = app.signed_in("xihu-admin").await;
    let response = organizer
        .submit(
            &format!("/gatherings/{cancelled}"),
            &format!("/gatherings/{cancelled}/cancel"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let heard = heard.lock().expect("lock").clone();
    assert_eq!(heard.len(), 1, "{heard:?}");
    let text = heard[0]["text"]["content"].as_str().expect("text");
    assert!(
        text.contains("西湖区周学习") && text.contains("取消"),
        "{text}"
    );

    let token = app.token("cuiyuan-member").await;
    let calendar: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me/calendar"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("calendar")
        .json()
        .await
        .expect("json");
    let url = calendar["url"].as_str().expect("url");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with(".ics"),
        "{url}"
    );
    // The feed needs no sign-in.
    let response = reqwest::get(url).await.expect("feed");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let feed = response.text().await.expect("body");
    assert!(feed.lines().all(|line| line.len() <= 75));
    let Some(events) = parse_strictly(&feed) else {
        app.stop().await;
        return;
    };
    let events = events.as_array().expect("events");
    let uid = |id: i64| format!("gathering-{id}@suyuan");
    assert_eq!(events.len(), 2, "{events:?}");
    let find = |id: i64| {
        events
            .iter()
            .find(|e| e["uid"] == uid(id))
            .unwrap_or_else(|| panic!("gathering {id} in the feed"))
    };
    assert_eq!(find(kept)["status"], "CONFIRMED");
    assert_eq!(find(kept)["sequence"], 0);
    assert_eq!(find(cancelled)["status"], "CANCELLED");
    assert_eq!(find(cancelled)["sequence"], 1);
    assert!(!events.iter().any(|e| e["uid"] == uid(elsewhere)));

    // A single event downloads too, and parses.
    let member = app.signed_in("cuiyuan-member").await;
    let single = member.text(&format!("/gatherings/{kept}/event.ics")).await;
    let parsed = parse_strictly(&single).expect("parsed");
    assert_eq!(parsed[0]["uid"], uid(kept));
    // A wrong token opens nothing; a new link retires the old one.
    let wrong = reqwest::get(app.url("/calendar/0000.ics"))
        .await
        .expect("feed");
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let reset = member
        .submit("/gatherings", "/gatherings/feed/reset", &[])
        .await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        reqwest::get(url).await.expect("feed").status(),
        StatusCode::NOT_FOUND
    );
    let page = member.text("/gatherings").await;
    let fresh = &page[page.find("/calendar/").expect("a new link")..];
    let fresh = &fresh[..fresh.find(".ics").expect("ics") + 4];
    assert_eq!(
        reqwest::get(app.url(fresh)).await.expect("feed").status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn the_ledger_counts_each_gathering_and_opens_as_a_workbook() {
    let app = TestApp::spawn().await;
    let held = app.gathering(&app.world.branch, -Duration::hours(3)).await;
    let coming = app.gathering(&app.world.branch, Duration::days(2)).await;
    let organizer = app.signed_in("xihu-admin").await;
    let minutes = organizer
        .submit(
            &format!("/gatherings/{held}"),
            &format!("/gatherings/{held}/minutes"),
            &[("minutes", "学习宪法。")],
        )
        .await;
    assert_eq!(minutes.status(), StatusCode::SEE_OTHER);
    // Nobody checked in: once closed, the one member is absent.
    // The server's own sweep may have closed them already.
    app.store
        .close_ended(app.clock.now())
        .await
        .expect("closed");

    let period = "from=2026-11-01&to=2026-11-30";
    let page = organizer
        .text(&format!("/units/{}/ledger?{period}", app.world.xihu.id))
        .await;
    assert!(page.contains(&format!("/gatherings/{held}")));
    assert!(page.contains(&format!("/gatherings/{coming}")));
    let response = organizer
        .get(&format!(
            "/units/{}/ledger.xlsx?{period}",
            app.world.xihu.id
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains(".xlsx")
    );
    let bytes = response.bytes().await.expect("xlsx");
    let rows = suyuan_core::table::read(&bytes).expect("a workbook");
    assert_eq!(rows.len(), 3, "a header and two gatherings: {rows:?}");
    assert_eq!(rows[0][0], "日期");
    let held_row = &rows[1];
    let column = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    assert_eq!(held_row[column("应到")], "1");
    assert_eq!(held_row[column("缺席")], "1");
    assert_eq!(held_row[column("出勤率")], "0");
    assert_eq!(held_row[column("会议纪要")], "有");
    assert_eq!(held_row[column("状态")], "已举行");
    assert_eq!(rows[2][column("状态")], "计划中");
    // A real spreadsheet reader sees the same: numbers as numbers, the
    // rate formatted as a percentage, the header bold and frozen.
    if let Some(sheet) = read_with_openpyxl(&bytes) {
        assert_eq!(sheet["freeze"], "A2", "{sheet}");
        assert_eq!(sheet["header_bold"], true, "{sheet}");
        let row = &sheet["rows"][1];
        assert_eq!(row[column("应到")], 1, "{sheet}");
        assert_eq!(row[column("缺席")], 1, "{sheet}");
        assert_eq!(sheet["formats"][1][column("出勤率")], "0.0%", "{sheet}");
        assert_eq!(sheet["rows"][0][0], "日期");
        assert!(
            sheet["widths"]["D"].as_f64().is_some_and(|w| w > 8.0),
            "{sheet}"
        );
    }

    // A period that makes no sense is refused.
    let refused = organizer
        .get(&format!(
            "/units/{}/ledger?from=2026-12-01&to=2026-11-01",
            app.world.xihu.id
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

/// A small PNG, made here.
pub fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let picture =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

#[tokio::test]
async fn photos_are_re_encoded_and_served_only_as_images() {
    let app = TestApp::spawn().await;
    let id = app.gathering(&app.world.branch, -Duration::hours(3)).await;
    let organizer = app.signed_in("xihu-admin").await;
    let page = format!("/gatherings/{id}");
    let action = format!("/gatherings/{id}/photos");
    let uploaded = organizer
        .upload(&page, &action, "photo", "学习现场.png", &png())
        .await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    // A page passed off as a photo is refused, and nothing is kept.
    let html = organizer
        .upload(
            &page,
            &action,
            "photo",
            "photo.jpg",
            b"<html><script>alert(1)</script></html>",
        )
        .await;
    assert_eq!(html.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.text()
            .await
            .expect("body")
            .contains("not a JPEG, PNG or WebP")
    );
    let photos = app.store.photos(GatheringId(id)).await.expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!((photos[0].width, photos[0].height), (64, 48));

    let member = app.signed_in("cuiyuan-member").await;
    let src = format!("/photos/{}", photos[0].id);
    assert!(member.text(&page).await.contains(&src));
    let served = member.get(&src).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let bytes = served.bytes().await.expect("bytes");
    assert_eq!(
        image::guess_format(&bytes).expect("an image"),
        image::ImageFormat::Jpeg
    );
    // Not for those the gathering is not for.
    let outsider = app.signed_in("chunan-admin").await;
    assert_eq!(outsider.get(&src).await.status(), StatusCode::NOT_FOUND);
    // The organizer removes it.
    let removed = organizer
        .submit(
            &page,
            &format!("/gatherings/{id}/photos/{}/delete", photos[0].id),
            &[],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .photos(GatheringId(id))
            .await
            .expect("photos")
            .is_empty()
    );
    // A member cannot upload.
    let refused = member
        .upload(&page, &action, "photo", "a.png", &png())
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

/// A workbook as Python's openpyxl reads it (values, number formats, the
/// frozen cell, the header's boldness, column widths), or `None` when
/// openpyxl is missing outside CI.
pub fn read_with_openpyxl(xlsx: &[u8]) -> Option<Value> {
    let script = r#"
import io, json, sys
import openpyxl
book = openpyxl.load_workbook(io.BytesIO(sys.stdin.buffer.read()))
sheet = book.active
print(json.dumps({
    "rows": [[c.value for c in row] for row in sheet.iter_rows()],
    "formats": [[c.number_format for c in row] for row in sheet.iter_rows()],
    "freeze": sheet.freeze_panes,
    "header_bold": all(c.font.b for c in sheet[1] if c.value is not None),
    "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
    "sheets": book.sheetnames,
}, ensure_ascii=False))
"#;
    let probe = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Python's openpyxl (.ci/run installs it)"
        );
        eprintln!("skipped: Python's openpyxl is not installed (pip install openpyxl)");
        return None;
    }
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(xlsx)
            .expect("write");
    }
    let output = child.wait_with_output().expect("read");
    assert!(
        output.status.success(),
        "openpyxl could not read the workbook: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("json"))
}
