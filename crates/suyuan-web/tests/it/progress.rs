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
    assert!(page.contains("2026-11-23 – 2026-11-27"), "{page}");
    let week = member.text("/progress").await;
    assert!(week.contains("aria-current=\"page\">本周"), "{week}");
    let refused = member.get("/progress?period=year").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
