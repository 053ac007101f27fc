//! Requests from the people, on both backends: routing by category and
//! area, sending on and back, every clock with an injected clock
//! (acknowledged late, escalated twice, extended, working days across a
//! holiday and a make-up Saturday), rating and reopening, the contact read
//! only with a record, two rounds at once, and the figures kept on write
//! equal to a replay of the events.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use suyuan_core::requests::{
    Category, ClockRules, Clocks, Contact, DayKind, EventKind, RequestError, Span, Stars, State,
    Submission, Urgency,
};
use suyuan_store::requests::{NewRequest, Request, RequestCategory, RequestFilter, Response};
use suyuan_store::testing::each_backend;
use suyuan_store::units::Unit;
use suyuan_store::{Store, StoreError};

use crate::{member, province};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Hangzhou's local time.
fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    SHANGHAI
        .with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

async fn category(store: &Store, code: &str, clocks: ClockRules) -> RequestCategory {
    let category = Category::new(code, code, "", "", clocks).expect("category");
    store
        .save_request_category(&category, 0, true)
        .await
        .expect("saved")
}

async fn submit(
    store: &Store,
    category: &RequestCategory,
    area: &Unit,
    contact: &Contact,
    now: DateTime<Utc>,
) -> Request {
    let submission = Submission::new("路灯坏了，晚上很黑", "文三路 12 号", None, Urgency::Normal)
        .expect("submission");
    store
        .submit_request(
            NewRequest {
                category,
                submission: &submission,
                area,
                contact,
                zone: SHANGHAI,
                key: None,
                photos: &[],
            },
            now,
        )
        .await
        .expect("submitted")
}

async fn kinds(store: &Store, request: &Request) -> Vec<EventKind> {
    store
        .request_events(request.id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn figures_hold(store: &Store) {
    assert_eq!(
        store.kept_request_days().await.expect("kept"),
        store.recount_request_days().await.expect("recount")
    );
}

#[tokio::test]
async fn requests_are_routed_sent_on_and_sent_back_within_a_day() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.xihu, "xh-admin").await;
        let roads = category(&store, "roads", ClockRules::default()).await;
        let noise = category(&store, "noise", ClockRules::default()).await;
        // Roads anywhere in Hangzhou go to Xihu's district; anything in
        // Chun'an to the county.
        store
            .set_routing_rule(Some(&roads), &p.hangzhou, &p.xihu)
            .await
            .expect("rule");
        store
            .set_routing_rule(None, &p.chunan, &p.chunan)
            .await
            .expect("rule");
        let none = Contact::default();
        let road = submit(&store, &roads, &p.cuiyuan, &none, at(12, 7, 9)).await;
        assert_eq!(road.unit.id, p.xihu.id);
        assert_eq!(road.area.id, p.cuiyuan.id);
        assert_eq!(road.code.as_str().len(), 13);
        let loud = submit(&store, &noise, &p.cuiyuan, &none, at(12, 7, 9)).await;
        assert_eq!(loud.unit.id, p.cuiyuan.id, "no rule: the area's own unit");
        let village = submit(&store, &roads, &p.xiajiang, &none, at(12, 7, 9)).await;
        assert_eq!(village.unit.id, p.chunan.id);
        assert_eq!(
            store.request_by_code(&road.code).await.expect("by code").id,
            road.id
        );

        // On to the community below; not sideways.
        let refused = store
            .send_request_on(road.id, &p.chunan, "", admin, at(12, 7, 10))
            .await;
        assert!(matches!(
            refused,
            Err(StoreError::Request(RequestError::NotBelow))
        ));
        let sent = store
            .send_request_on(road.id, &p.cuiyuan, "社区处理", admin, at(12, 7, 10))
            .await
            .expect("sent on");
        assert_eq!(sent.unit.id, p.cuiyuan.id);
        assert_eq!(sent.handling.acknowledge_due, road.handling.acknowledge_due);
        // Back up, with a reason, within a day of arriving.
        let back = store
            .send_request_back(road.id, "不属于本社区", admin, at(12, 8, 9))
            .await
            .expect("sent back");
        assert_eq!(back.unit.id, p.xihu.id);
        let late = store
            .send_request_back(road.id, "再退回", admin, at(12, 9, 10))
            .await;
        assert!(matches!(
            late,
            Err(StoreError::Request(RequestError::SendBackTooLate))
        ));
        let reason = store
            .send_request_back(road.id, " ", admin, at(12, 8, 10))
            .await;
        assert!(matches!(reason, Err(StoreError::Request(e)) if e.field() == "reason"));
        // A dispatcher above reroutes it.
        let rerouted = store
            .reroute_request(road.id, &p.cuiyuan, "请社区处理", admin, at(12, 8, 11))
            .await
            .expect("rerouted");
        assert_eq!(rerouted.unit.id, p.cuiyuan.id);
        assert_eq!(
            kinds(&store, &road).await,
            [
                EventKind::Received,
                EventKind::SentOn,
                EventKind::SentBack,
                EventKind::Rerouted
            ]
        );
        let within = RequestFilter {
            within: Some(p.xihu.path.clone()),
            ..Default::default()
        };
        assert_eq!(store.count_requests(&within).await.expect("count"), 2);
        figures_hold(&store).await;
    })
    .await;
}

#[tokio::test]
async fn clocks_acknowledge_late_escalate_twice_and_extend() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.cuiyuan, "cy-admin").await;
        let above = member(&store, &p.xihu, "xh-admin").await;
        let lights = category(&store, "lights", ClockRules::default()).await;
        let none = Contact::default();
        let first = submit(&store, &lights, &p.cuiyuan, &none, at(12, 7, 9)).await;
        // Four hours to acknowledge: 13:00. Reminded at 12:00.
        assert_eq!(first.handling.acknowledge_due, at(12, 7, 13));
        let round = store.request_round(at(12, 7, 11)).await.expect("round");
        assert!(round.reminders.is_empty());
        let (one, two) = tokio::join!(
            store.request_round(at(12, 7, 12)),
            store.request_round(at(12, 7, 12))
        );
        let reminded = one.expect("round").reminders.len() + two.expect("round").reminders.len();
        assert_eq!(reminded, 1, "two instances remind once");
        // Missed: a level up at once, to Xihu; a day later to Hangzhou.
        let round = store.request_round(at(12, 7, 13)).await.expect("round");
        assert_eq!(round.escalated.len(), 1);
        assert_eq!(round.escalated[0].1, p.xihu.id);
        let round = store.request_round(at(12, 7, 20)).await.expect("round");
        assert!(round.escalated.is_empty(), "once a level");
        let (one, two) = tokio::join!(
            store.request_round(at(12, 8, 13)),
            store.request_round(at(12, 8, 13))
        );
        let escalated: Vec<_> = one
            .expect("round")
            .escalated
            .into_iter()
            .chain(two.expect("round").escalated)
            .collect();
        assert_eq!(escalated.len(), 1, "two instances escalate once");
        assert_eq!(escalated[0].1, p.hangzhou.id);
        assert_eq!(escalated[0].0.escalation, 2);
        // Acknowledged late.
        let taken = store
            .acknowledge_request(first.id, admin, at(12, 8, 14))
            .await
            .expect("acknowledged");
        assert_eq!(taken.state(), State::Acknowledged);
        assert!(matches!(
            store
                .acknowledge_request(first.id, admin, at(12, 8, 15))
                .await,
            Err(StoreError::Request(RequestError::NotNow(
                State::Acknowledged
            )))
        ));
        // Five working days from Monday 7 December: the end of Monday 14.
        assert_eq!(taken.handling.resolve_due, at(12, 15, 0));
        let asked = store
            .ask_request_extension(
                first.id,
                at(12, 18, 0),
                "需要协调供电公司",
                admin,
                at(12, 9, 9),
            )
            .await
            .expect("asked");
        assert_eq!(asked.handling.extension_asked, Some(at(12, 18, 0)));
        let granted = store
            .decide_request_extension(first.id, true, "同意", above, at(12, 9, 10))
            .await
            .expect("granted");
        assert_eq!(granted.handling.resolve_due, at(12, 18, 0));
        assert_eq!(granted.handling.extension_asked, None);
        let answered = store
            .answer_request(first.id, "已更换灯泡", admin, at(12, 16, 9))
            .await
            .expect("answered");
        assert_eq!(answered.state(), State::Answered);

        let counts = store
            .request_counts(
                p.xihu.id,
                at(12, 1, 0).date_naive(),
                at(12, 31, 0).date_naive(),
            )
            .await
            .expect("counts");
        assert_eq!(counts.received, 1);
        assert_eq!((counts.acknowledged, counts.acknowledged_on_time), (1, 0));
        assert_eq!(counts.escalated, 2);
        figures_hold(&store).await;
    })
    .await;
}

#[tokio::test]
async fn working_days_skip_holidays_and_count_a_make_up_saturday() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let clocks = ClockRules {
            normal: Clocks {
                acknowledge: Span::WorkingDays(1),
                resolve: Span::WorkingDays(4),
            },
            ..ClockRules::default()
        };
        let housing = category(&store, "housing", clocks).await;
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
        let mut days: Vec<_> = (1..=7).map(|d| (day(10, d), DayKind::Holiday)).collect();
        days.push((day(10, 10), DayKind::Workday));
        store
            .set_calendar_year(2026, &days)
            .await
            .expect("calendar");
        assert!(
            store
                .set_calendar_year(2027, &[(day(10, 1), DayKind::Holiday)])
                .await
                .is_err()
        );
        // In on Wednesday 30 September: acknowledged by the end of 8
        // October; resolved by the end of 12 October (8, 9, the Saturday
        // worked on the 10th, then Monday 12).
        let request = submit(
            &store,
            &housing,
            &p.cuiyuan,
            &Contact::default(),
            at(9, 30, 10),
        )
        .await;
        assert_eq!(request.handling.acknowledge_due, at(10, 9, 0));
        assert_eq!(request.handling.resolve_due, at(10, 13, 0));
    })
    .await;
}

#[tokio::test]
async fn the_requester_rates_reopens_and_confirms_and_an_unopened_answer_lapses() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.cuiyuan, "cy-admin").await;
        let lights = category(&store, "lights", ClockRules::default()).await;
        let none = Contact::default();
        let request = submit(&store, &lights, &p.cuiyuan, &none, at(12, 7, 9)).await;
        let stars = |n| Stars::new(n).expect("stars");
        assert!(matches!(
            store
                .respond_to_request(request.id, &Response::Confirm(stars(5)), at(12, 7, 10))
                .await,
            Err(StoreError::Request(RequestError::NotNow(State::Open)))
        ));
        // Answered at once: acknowledged by it.
        store
            .answer_request(request.id, "已修好", admin, at(12, 7, 10))
            .await
            .expect("answered");
        let reopened = store
            .respond_to_request(
                request.id,
                &Response::Reopen {
                    stars: Some(stars(2)),
                    reason: "灯还是不亮".into(),
                },
                at(12, 8, 20),
            )
            .await
            .expect("reopened");
        assert_eq!(reopened.state(), State::Acknowledged);
        assert_eq!(reopened.reopened, 1);
        assert_eq!(reopened.stars, Some(stars(2)));
        // The resolve clock starts again: five working days from Tuesday.
        assert_eq!(reopened.handling.resolve_due, at(12, 16, 0));
        store
            .answer_request(request.id, "换了整条线路", admin, at(12, 10, 9))
            .await
            .expect("answered again");
        let resolved = store
            .respond_to_request(request.id, &Response::Confirm(stars(5)), at(12, 10, 12))
            .await
            .expect("confirmed");
        assert_eq!(resolved.state(), State::Resolved);
        assert_eq!(
            kinds(&store, &request).await,
            [
                EventKind::Received,
                EventKind::Acknowledged,
                EventKind::Answered,
                EventKind::Rated,
                EventKind::Reopened,
                EventKind::Answered,
                EventKind::Rated,
                EventKind::Confirmed
            ]
        );

        // Another, answered and left: resolved a week later, not before.
        let other = submit(&store, &lights, &p.cuiyuan, &none, at(12, 7, 9)).await;
        store
            .answer_request(other.id, "已处理", admin, at(12, 7, 11))
            .await
            .expect("answered");
        let round = store.request_round(at(12, 14, 10)).await.expect("round");
        assert_eq!(round.lapsed, 0);
        let round = store.request_round(at(12, 14, 12)).await.expect("round");
        assert_eq!(round.lapsed, 1);
        assert_eq!(
            store.request(other.id).await.expect("other").state(),
            State::Resolved
        );
        let late = store
            .respond_to_request(
                other.id,
                &Response::Reopen {
                    stars: None,
                    reason: "没修".into(),
                },
                at(12, 14, 13),
            )
            .await;
        assert!(late.is_err());

        let counts = store
            .request_counts(
                p.province.id,
                at(12, 1, 0).date_naive(),
                at(12, 31, 0).date_naive(),
            )
            .await
            .expect("counts");
        assert_eq!((counts.received, counts.answered), (2, 3));
        assert_eq!((counts.resolved, counts.resolved_on_time), (2, 2));
        assert_eq!((counts.rated, counts.satisfied, counts.stars), (2, 1, 7));
        assert_eq!(counts.reopened, 1);
        assert_eq!(counts.reopen_rate().percent(), "33.3%");
        figures_hold(&store).await;
    })
    .await;
}

#[tokio::test]
async fn a_contact_is_read_only_with_a_record_and_hidden_text_is_kept() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.cuiyuan, "cy-admin").await;
        let lights = category(&store, "lights", ClockRules::default()).await;
        let contact = Contact::new("王阿姨", "13800001111", "").expect("contact");
        let request = submit(&store, &lights, &p.cuiyuan, &contact, at(12, 7, 9)).await;
        assert!(request.has_contact);
        assert!(
            store
                .request_contact_views(request.id)
                .await
                .expect("views")
                .is_empty()
        );
        let read = store
            .request_contact(request.id, admin, at(12, 7, 10))
            .await
            .expect("contact");
        assert_eq!(read, contact);
        let views = store
            .request_contact_views(request.id)
            .await
            .expect("views");
        assert_eq!(views.len(), 1);
        assert_eq!((views[0].member, views[0].at), (admin, at(12, 7, 10)));

        let hidden = store
            .set_request_hidden(request.id, true, "辱骂", admin, at(12, 7, 11))
            .await
            .expect("hidden");
        assert!(hidden.hidden);
        assert_eq!(
            hidden.submission.description,
            request.submission.description
        );
        assert!(
            store
                .set_request_hidden(request.id, true, "", admin, at(12, 7, 12))
                .await
                .is_err()
        );
    })
    .await;
}
