use chrono::{Duration, NaiveTime};
use suyuan_core::gatherings::Details;
use suyuan_core::gatherings::{
    Attendance, Kind, LeaveDecision, ReflectionReview, Review, Slot, Text,
};
use suyuan_core::members::MemberId;
use suyuan_store::Store;
use suyuan_store::gatherings::{FeedOwner, Gathering, NewGathering};
use suyuan_store::testing::each_backend;
use suyuan_store::units::Unit;

use crate::{member, now, province};

/// What a member wrote, checked as the web checks it.
pub fn said(text: &str) -> Text {
    Text::required("text", text).expect("a text")
}

/// A reflection accepted without a comment.
pub fn accepted() -> ReflectionReview {
    ReflectionReview::accept("").expect("a review")
}

/// A weekly study for `unit` starting an hour from `now()`.
async fn study(store: &Store, unit: &Unit, by: MemberId) -> Gathering {
    let starts_at = now() + Duration::hours(1);
    let ids = store
        .create_gatherings(
            vec![NewGathering {
                unit: unit.id,
                campaign: None,
                kind: Kind::WeeklyStudy,
                details: Details {
                    title: "  学习宪法总纲  ".into(),
                    ..Details::default()
                },
                slot: Slot {
                    starts_at,
                    ends_at: starts_at + Duration::minutes(90),
                },
            }],
            by,
            now(),
        )
        .await
        .expect("planned");
    store.gathering(ids[0]).await.expect("gathering")
}

#[tokio::test]
async fn attendance_leave_and_absent_at_the_end() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let organizer = member(&store, &p.xihu, "G0").await;
        let on_time = member(&store, &p.cuiyuan, "G1").await;
        let late = member(&store, &p.cuiyuan, "G2").await;
        let on_leave = member(&store, &p.cuiyuan, "G3").await;
        let away = member(&store, &p.cuiyuan, "G4").await;
        let elsewhere = member(&store, &p.xiajiang, "G5").await;
        let gathering = study(&store, &p.cuiyuan, organizer).await;
        assert_eq!(gathering.details.title, "学习宪法总纲");
        assert_eq!(gathering.code_secret.len(), 20);

        let start = gathering.slot.starts_at;
        let first = store
            .check_in(&gathering, on_time, start - Duration::minutes(5))
            .await
            .expect("checked in");
        assert_eq!(first.status, Attendance::Present);
        // Checking in again keeps the first check-in.
        let again = store
            .check_in(&gathering, on_time, start + Duration::minutes(40))
            .await
            .expect("again");
        assert_eq!(again, first);
        let came_late = store
            .check_in(&gathering, late, start + Duration::minutes(20))
            .await
            .expect("late");
        assert_eq!(came_late.status, Attendance::Late);

        // Leave: asked, approved: excused.
        // A reason must say something; `Text` checks it before the store.
        assert!(Text::required("reason", "  ").is_err());
        store
            .ask_leave(&gathering, on_leave, &said("出差"), now())
            .await
            .expect("asked");
        let leaves = store.leaves(gathering.id).await.expect("leaves");
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].state, Review::Pending);
        assert_eq!(leaves[0].reason, "出差");
        store
            .decide_leave(
                gathering.id,
                on_leave,
                LeaveDecision::Approve,
                organizer,
                now(),
            )
            .await
            .expect("approved");
        assert_eq!(
            store.leaves(gathering.id).await.expect("leaves")[0].state,
            Review::Accepted
        );

        // Nothing is absent before the end; after it, whoever has no status.
        let during = start + Duration::minutes(30);
        assert_eq!(store.close_ended(during).await.expect("sweep"), 0);
        let after = gathering.slot.ends_at + Duration::minutes(1);
        assert_eq!(store.close_ended(after).await.expect("sweep"), 1);
        assert_eq!(
            store.close_ended(after).await.expect("again"),
            0,
            "closed once"
        );
        let roll = store.roll(&gathering).await.expect("roll");
        let status = |id: MemberId| {
            roll.iter()
                .find(|(m, _)| m.id == id)
                .and_then(|(_, p)| p.as_ref())
                .map(|p| p.status)
        };
        assert_eq!(roll.len(), 4, "only the community's members are invited");
        assert_eq!(status(on_time), Some(Attendance::Present));
        assert_eq!(status(late), Some(Attendance::Late));
        assert_eq!(status(on_leave), Some(Attendance::Excused));
        assert_eq!(status(away), Some(Attendance::Absent));
        assert_eq!(status(elsewhere), None);
        assert!(store.gathering(gathering.id).await.expect("g").closed);

        // The organizer corrects a mark by hand.
        store
            .mark_attendance(gathering.id, away, Attendance::Present, organizer, after)
            .await
            .expect("marked");
        assert_eq!(
            store
                .presence(gathering.id, away)
                .await
                .expect("p")
                .map(|p| p.status),
            Some(Attendance::Present)
        );
        // Approved leave is not asked again; refusing it after all takes
        // the excuse back (absent, as the gathering is closed).
        assert!(
            store
                .ask_leave(&gathering, on_leave, &said("再请一次"), during)
                .await
                .is_err()
        );
        store
            .decide_leave(
                gathering.id,
                on_leave,
                LeaveDecision::Refuse,
                organizer,
                after,
            )
            .await
            .expect("refused after all");
        assert_eq!(
            store
                .presence(gathering.id, on_leave)
                .await
                .expect("p")
                .map(|p| p.status),
            Some(Attendance::Absent)
        );
        // Leave cannot be asked once it is over.
        assert!(
            store
                .ask_leave(&gathering, away, &said("迟到的请假"), after)
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn reflections_are_reviewed_once_and_returned_ones_revised() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let organizer = member(&store, &p.xihu, "R0").await;
        let writer = member(&store, &p.cuiyuan, "R1").await;
        let gathering = study(&store, &p.cuiyuan, organizer).await;
        let during = gathering.slot.starts_at + Duration::minutes(10);
        assert!(
            store
                .submit_reflection(&gathering, writer, &said("还没开始"), now())
                .await
                .is_err(),
            "not before it begins"
        );
        store
            .submit_reflection(
                &gathering,
                writer,
                &said("学习体会：宪法是根本法。"),
                during,
            )
            .await
            .expect("submitted");
        // Returning needs a comment.
        assert!(ReflectionReview::return_with(" ").is_err());
        store
            .review_reflection(
                gathering.id,
                writer,
                &ReflectionReview::return_with("请结合工作实际").expect("a comment"),
                organizer,
                during,
            )
            .await
            .expect("returned");
        assert!(
            store
                .review_reflection(gathering.id, writer, &accepted(), organizer, during)
                .await
                .is_err(),
            "a returned reflection waits for its revision"
        );
        store
            .submit_reflection(&gathering, writer, &said("结合社区工作再谈体会。"), during)
            .await
            .expect("revised");
        let mine = store
            .reflections(gathering.id, Some(writer))
            .await
            .expect("mine");
        assert_eq!(mine[0].state, Review::Pending);
        assert_eq!(
            mine[0].comment, "请结合工作实际",
            "the comment stays to be read"
        );
        store
            .review_reflection(gathering.id, writer, &accepted(), organizer, during)
            .await
            .expect("accepted");
        assert!(
            store
                .submit_reflection(&gathering, writer, &said("再改"), during)
                .await
                .is_err(),
            "an accepted reflection is final"
        );
        let all = store.reflections(gathering.id, None).await.expect("all");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].state, Review::Accepted);
        assert_eq!(all[0].name, "张三");
    })
    .await;
}

#[tokio::test]
async fn reschedule_and_cancel_bump_the_sequence_and_feeds_have_one_token() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let organizer = member(&store, &p.xihu, "C0").await;
        let reader = member(&store, &p.cuiyuan, "C1").await;
        let gathering = study(&store, &p.cuiyuan, organizer).await;
        let later = Slot::local(
            chrono_tz::Asia::Shanghai,
            now().date_naive() + Duration::days(2),
            NaiveTime::from_hms_opt(19, 0, 0).expect("time"),
            60,
        );
        store
            .reschedule(gathering.id, later, now())
            .await
            .expect("moved");
        store
            .cancel_gathering(gathering.id, now())
            .await
            .expect("cancelled");
        let changed = store.gathering(gathering.id).await.expect("g");
        assert_eq!(changed.slot, later);
        assert!(changed.cancelled);
        assert_eq!(changed.sequence, 2);
        assert!(store.reschedule(gathering.id, later, now()).await.is_err());

        // Invited members see it (cancelled) among theirs; others do not.
        let window = (now() - Duration::days(1), now() + Duration::days(7));
        let theirs = store
            .gatherings_for(&p.cuiyuan.path, window.0, window.1)
            .await
            .expect("for");
        assert_eq!(theirs.len(), 1);
        assert!(
            store
                .gatherings_for(&p.xiajiang.path, window.0, window.1)
                .await
                .expect("for")
                .is_empty()
        );
        assert_eq!(
            store
                .gatherings_within(&p.xihu.path, window.0, window.1)
                .await
                .expect("within")
                .len(),
            1
        );

        let token = store
            .feed_token(FeedOwner::Member(reader), now())
            .await
            .expect("token");
        assert!(token.len() >= 43, "unguessable");
        assert_eq!(
            store
                .feed_token(FeedOwner::Member(reader), now())
                .await
                .expect("again"),
            token
        );
        assert_eq!(
            store.feed_owner(&token).await.expect("owner"),
            Some(FeedOwner::Member(reader))
        );
        let unit_token = store
            .feed_token(FeedOwner::Unit(p.cuiyuan.id), now())
            .await
            .expect("unit token");
        assert_ne!(unit_token, token);
        assert_eq!(store.feed_owner("nope").await.expect("none"), None);
    })
    .await;
}
