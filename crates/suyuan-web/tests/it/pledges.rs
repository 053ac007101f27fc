//! Pledges on the web: so far, the round that counts pledges overdue —
//! once, however many instances run it at the same moment.

use chrono::Duration;
use suyuan_core::clock::Clock;
use suyuan_core::pledges::{Pledger, Promise, Timeline};

use crate::TestApp;

#[tokio::test]
async fn a_pledge_past_its_deadline_is_counted_overdue_once_by_one_instance() {
    let app = TestApp::spawn().await;
    let zone = chrono_tz::Asia::Shanghai;
    let today = app.clock.now().with_timezone(&zone).date_naive();
    let admin = app
        .store
        .member_by_number(&suyuan_core::members::MemberNumber::parse("xihu-admin").expect("number"))
        .await
        .expect("admin");
    let promise =
        Promise::new("修好楼道灯", "为居民更换楼道灯", "3 号楼住户", "").expect("promise");
    let timeline = Timeline::new(today + Duration::days(1), zone, today).expect("timeline");
    app.store
        .create_pledge(
            &app.world.cuiyuan,
            Pledger::Unit(app.world.cuiyuan.id),
            &promise,
            &timeline,
            admin.id,
            app.clock.now(),
        )
        .await
        .expect("pledge");
    let first = app.instance(&suyuan_web::ReminderSettings::default()).await;
    let second = app.instance(&suyuan_web::ReminderSettings::default()).await;
    assert_eq!(
        first.count_overdue_pledges().await.expect("round"),
        0,
        "not yet due"
    );
    app.clock.advance(Duration::days(3));
    let (a, b) = tokio::join!(
        first.count_overdue_pledges(),
        second.count_overdue_pledges()
    );
    assert_eq!(a.expect("round") + b.expect("round"), 1);
    assert_eq!(first.count_overdue_pledges().await.expect("round"), 0);
    app.stop().await;
}
