//! A member's own progress: reading on time, points, tests and gatherings
//! for a period, from what they did.

use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;

use suyuan_core::gatherings::Attendance;
use suyuan_core::members::MemberId;
use suyuan_core::reading::MarkKind;
use suyuan_store::gatherings::GatheringId;
use suyuan_store::reading::{NewMark, new_mark_id};

use crate::TestApp;

#[tokio::test]
async fn a_member_sees_their_own_progress_for_a_period() {
    let app = TestApp::spawn().await;
    let id = app.campaign().await;
    let campaign = app.store.campaign(id).await.expect("campaign");
    let me = MemberId(app.world.xihu_member);
    // Read day 23 in full on the day; miss day 24; today (25) still open.
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    let marks: Vec<NewMark> = app
        .store
        .plan_of(id)
        .await
        .expect("plan")
        .into_iter()
        .filter(|p| p.day == 0)
        .map(|p| NewMark {
            id: new_mark_id().expect("id"),
            campaign: id,
            member: me,
            excerpt: p.excerpt,
            read_on: day(23),
            kind: MarkKind::OnTime,
            seconds: 120,
            recorded_at: campaign.calendar.instant(day(23), chrono::NaiveTime::MIN),
        })
        .collect();
    assert!(!marks.is_empty());
    app.store.add_marks(&marks).await.expect("marks");
    // Marks added in bulk are counted by a rebuild, as the demo does.
    app.store
        .rebuild_progress(&campaign)
        .await
        .expect("rebuilt");
    // One gathering of the campaign held, and attended.
    let held = app
        .gathering_in(&app.world.branch, -Duration::hours(3), Some(id))
        .await;
    app.store
        .mark_attendance(
            GatheringId(held),
            me,
            Attendance::Present,
            me,
            app.clock_now(),
        )
        .await
        .expect("marked");

    let member = app.signed_in("cuiyuan-member").await;
    let page = member.text("/progress?period=campaign").await;
    assert!(
        page.contains("50.0%"),
        "one of two days due read on time: {page}"
    );
    assert!(page.contains("1/2 天按时读完"), "{page}");
    assert!(page.contains("参加 1/1 次"), "{page}");
    assert!(page.contains("11月23日–27日"), "{page}");
    let week = member.text("/progress").await;
    assert!(week.contains("aria-current=\"page\">本周"), "{week}");
    let refused = member.get("/progress?period=year").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

/// The share (of one) a figure has in the API's answer.
fn figure(json: &serde_json::Value, key: &str) -> f64 {
    json["figures"][key].as_f64().unwrap_or(f64::NAN)
}

#[tokio::test]
async fn an_admin_sees_their_units_progress_and_the_exports_agree_with_the_page() {
    let app = TestApp::spawn().await;
    let id = app.campaign().await;
    let w = &app.world;
    // The member reads today's assignment through the API, as the page
    // would: the real writer counts it.
    let token = app.token("cuiyuan-member").await;
    let client = reqwest::Client::new();
    let today: serde_json::Value = client
        .get(app.url("/api/v1/me/today"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("today")
        .json()
        .await
        .expect("json");
    let assignment = today["campaigns"][0]["assignment"]
        .as_array()
        .expect("an assignment")
        .clone();
    assert!(!assignment.is_empty());
    app.clock.advance(chrono::Duration::minutes(10));
    for excerpt in &assignment {
        let response = client
            .post(app.url("/api/v1/reading/marks"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "id": new_mark_id().expect("id").as_str(),
                "excerpt_id": excerpt["excerpt_id"],
                "campaign_id": id.0,
                "stamp": excerpt["stamp"],
                "seconds_on_page": 600,
                "reached_end": true,
            }))
            .send()
            .await
            .expect("mark");
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let members = app.store.count_members(&w.xihu.path).await.expect("count");
    let in_cuiyuan = app
        .store
        .count_members(&w.cuiyuan.path)
        .await
        .expect("count");

    // The API: Xihu's own figures and a row per unit below.
    let admin_token = app.token("xihu-admin").await;
    let query = format!("?campaign={}&period=2026-11-25", id.0);
    let json: serde_json::Value = client
        .get(app.url(&format!("/api/v1/progress{query}&unit={}", w.xihu.id)))
        .bearer_auth(&admin_token)
        .send()
        .await
        .expect("progress")
        .json()
        .await
        .expect("json");
    assert_eq!(json["period"], "2026-11-25");
    assert_eq!(figure(&json["unit"], "members"), members as f64);
    assert_eq!(figure(&json["unit"], "on_time"), 1.0 / members as f64);
    let cuiyuan = json["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["unit_id"] == w.cuiyuan.id.0)
        .expect("Cuiyuan's row");
    assert_eq!(figure(cuiyuan, "on_time"), 1.0 / in_cuiyuan as f64);
    assert_eq!(cuiyuan["rank"], 1);

    // The page shows the same, and Chun'an is not Xihu's to see.
    let browser = app.signed_in("xihu-admin").await;
    let page = browser
        .text(&format!("/units/{}/progress{query}", w.xihu.id))
        .await;
    let shown = format!("{:.1}%", 100.0 / members as f64);
    assert!(page.contains(&shown), "{shown} on {page}");
    assert!(page.contains(&w.cuiyuan.name), "{page}");
    assert!(page.contains("<svg class=\"chart trend\""), "{page}");
    let theirs = browser
        .get(&format!("/units/{}/progress", w.chunan.id))
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // The exports carry the same numbers, as numbers.
    let xlsx = browser
        .get(&format!("/units/{}/progress.xlsx{query}", w.xihu.id))
        .await
        .bytes()
        .await
        .expect("xlsx");
    if let Some(read) = crate::gatherings::read_with_openpyxl(&xlsx) {
        let rows = read["rows"].as_array().expect("rows");
        let header: Vec<&str> = rows[0]
            .as_array()
            .expect("header")
            .iter()
            .filter_map(|c| c.as_str())
            .collect();
        let on_time = header
            .iter()
            .position(|h| *h == "按时学习率")
            .expect("column");
        assert_eq!(rows[1][on_time].as_f64(), Some(1.0 / members as f64));
        assert_eq!(read["formats"][1][on_time], "0.0%");
        let cuiyuan_row = rows
            .iter()
            .find(|r| r[0] == w.cuiyuan.name.as_str())
            .expect("Cuiyuan's row");
        assert_eq!(cuiyuan_row[on_time].as_f64(), Some(1.0 / in_cuiyuan as f64));
        assert_eq!(read["freeze"], "A2");
        assert_eq!(read["header_bold"], true);
    }
    let report = browser
        .get(&format!("/units/{}/progress/report.xlsx{query}", w.xihu.id))
        .await
        .bytes()
        .await
        .expect("report");
    if let Some(read) = crate::gatherings::read_with_openpyxl(&report) {
        let sheets: Vec<&str> = read["sheets"]
            .as_array()
            .expect("sheets")
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        assert_eq!(sheets.len(), 13, "{sheets:?}");
        assert!(sheets.contains(&"按时学习率") && sheets.contains(&"汇总"));
    }
    let csv = browser
        .get(&format!("/units/{}/progress.csv{query}", w.xihu.id))
        .await
        .bytes()
        .await
        .expect("csv");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    assert!(text.contains(&w.cuiyuan.name), "{text}");

    // A period outside the campaign is refused with the reason.
    let outside = browser
        .get(&format!(
            "/units/{}/progress?campaign={}&period=2020-01",
            w.xihu.id, id.0
        ))
        .await;
    assert_eq!(outside.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let members_page = browser
        .text(&format!("/units/{}/progress/members{query}", w.branch.id))
        .await;
    assert!(members_page.contains("按时学习率"), "{members_page}");
    // A district's drill-down lists the members of the branches below it,
    // found by name.
    let district = browser
        .text(&format!("/units/{}/progress/members{query}", w.xihu.id))
        .await;
    assert!(
        district.contains("陈晓燕") && district.contains(&w.branch.name.to_string()),
        "{district}"
    );
    let found = browser
        .text(&format!(
            "/units/{}/progress/members{query}&q={}",
            w.xihu.id, "%E6%99%93%E7%87%95"
        ))
        .await;
    let row = |name: &str| format!("class=\"unit\">{name}</th>");
    assert!(
        district.contains(&row("沈丽华")),
        "the district's own admin too"
    );
    assert!(
        found.contains(&row("陈晓燕")) && !found.contains(&row("沈丽华")),
        "{found}"
    );
    app.stop().await;
}
