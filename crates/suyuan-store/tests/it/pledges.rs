//! Pledges: a member's waits for approval before it is public; deadlines
//! decide on time, late and overdue with an injected clock; comments wait
//! for a moderator; confirmations count once; and the figures kept on
//! write equal a recount from the pledges — on both backends.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use suyuan_core::members::MemberId;
use suyuan_core::pledges::{Approval, CommentState, Pledger, Promise, Standing, Timeline};
use suyuan_store::Store;
use suyuan_store::pledges::PledgeCounts;
use suyuan_store::testing::each_backend;
use suyuan_store::units::Unit;

use crate::{member, province};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Hangzhou's local time on a day of December 2026.
fn at(day: u32, hour: u32) -> DateTime<Utc> {
    SHANGHAI
        .with_ymd_and_hms(2026, 12, day, hour, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, day).expect("date")
}

async fn pledge(
    store: &Store,
    unit: &Unit,
    pledger: Pledger,
    title: &str,
    deadline: u32,
    by: MemberId,
) -> suyuan_store::pledges::Pledge {
    let promise = Promise::new(title, "为居民办一件实事", "社区居民", "翠苑一区").expect("promise");
    let timeline = Timeline::new(date(deadline), SHANGHAI, date(1)).expect("timeline");
    store
        .create_pledge(unit, pledger, &promise, &timeline, by, at(1, 9))
        .await
        .expect("pledge")
}

#[tokio::test]
async fn a_member_s_pledge_is_public_once_approved_and_deadlines_decide_its_standing() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.cuiyuan, "cy-admin").await;
        let party_member = member(&store, &p.cuiyuan, "cy-member").await;
        let own = pledge(
            &store,
            &p.cuiyuan,
            Pledger::Member(party_member),
            "为独居老人修门铃",
            10,
            party_member,
        )
        .await;
        assert_eq!(own.approval, Approval::Awaiting);
        assert!(
            store
                .pledges_within(&p.xihu.path, None)
                .await
                .expect("list")
                .is_empty()
        );
        let approved = store
            .decide_pledge(own.id, true, "", admin, at(2, 10))
            .await
            .expect("approved");
        assert_eq!(approved.approval, Approval::Approved);
        assert!(
            store
                .decide_pledge(own.id, false, "again", admin, at(2, 11))
                .await
                .is_err()
        );
        let unit_pledge = pledge(
            &store,
            &p.cuiyuan,
            Pledger::Unit(p.cuiyuan.id),
            "修好楼道灯",
            5,
            admin,
        )
        .await;
        let late = pledge(
            &store,
            &p.cuiyuan,
            Pledger::Unit(p.cuiyuan.id),
            "疏通下水道",
            3,
            admin,
        )
        .await;
        assert_eq!(
            store
                .pledges_within(&p.xihu.path, None)
                .await
                .expect("list")
                .len(),
            3
        );

        // Done on the deadline's evening: on time.
        store
            .complete_pledge(unit_pledge.id, "已更换 12 盏灯", at(5, 21))
            .await
            .expect("done");
        // Past its deadline undone: overdue, counted once by the sweep.
        assert_eq!(
            store.count_overdue_pledges(at(4, 1)).await.expect("sweep"),
            1
        );
        assert_eq!(
            store.count_overdue_pledges(at(4, 2)).await.expect("sweep"),
            0
        );
        let overdue = store.pledge(late.id).await.expect("pledge");
        assert_eq!(overdue.standing(at(4, 9)), Standing::Overdue);
        let kept = |from, to| {
            let store = store.clone();
            let unit = p.xihu.id;
            async move { store.pledge_counts(unit, from, to).await.expect("counts") }
        };
        assert_eq!(
            kept(date(1), date(31)).await,
            PledgeCounts {
                pledged: 3,
                done_on_time: 1,
                overdue: 1,
                ..Default::default()
            }
        );
        // Done a week late: late, and no longer overdue.
        let done = store
            .complete_pledge(late.id, "已疏通", at(10, 9))
            .await
            .expect("done");
        assert_eq!(done.standing(at(10, 10)), Standing::DoneLate);
        assert_eq!(
            kept(date(1), date(31)).await,
            PledgeCounts {
                pledged: 3,
                done_on_time: 1,
                done_late: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            kept(date(2), date(2)).await.pledged,
            1,
            "the member's pledge counts from the day it was approved"
        );
        assert_eq!(
            store.kept_pledge_days().await.expect("kept"),
            store.recount_pledge_days().await.expect("recount")
        );
    })
    .await;
}

#[tokio::test]
async fn comments_wait_for_a_moderator_and_confirmations_count_once() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.cuiyuan, "cy-admin").await;
        let made = pledge(
            &store,
            &p.cuiyuan,
            Pledger::Unit(p.cuiyuan.id),
            "修好楼道灯",
            20,
            admin,
        )
        .await;
        let comment = store
            .add_pledge_comment(made.id, "灯已经亮了，谢谢！", "3 号楼住户", at(3, 9))
            .await
            .expect("comment");
        assert!(
            store
                .pledge_comments(made.id, false)
                .await
                .expect("public")
                .is_empty()
        );
        assert_eq!(
            store
                .pledge_comments(made.id, true)
                .await
                .expect("all")
                .len(),
            1
        );
        store
            .moderate_comment(made.id, comment, CommentState::Shown, admin, at(3, 10))
            .await
            .expect("shown");
        assert_eq!(
            store
                .pledge_comments(made.id, false)
                .await
                .expect("public")
                .len(),
            1
        );
        store
            .moderate_comment(made.id, comment, CommentState::Hidden, admin, at(3, 11))
            .await
            .expect("hidden");
        let all = store.pledge_comments(made.id, true).await.expect("all");
        assert_eq!(
            (all[0].state, all[0].moderated_by),
            (CommentState::Hidden, Some(admin))
        );
        assert!(
            store
                .pledge_comments(made.id, false)
                .await
                .expect("public")
                .is_empty()
        );

        assert!(
            store
                .confirm_pledge(made.id, "address:10.0.0.1", at(4, 9))
                .await
                .expect("confirmed")
        );
        assert!(
            !store
                .confirm_pledge(made.id, "address:10.0.0.1", at(4, 10))
                .await
                .expect("again")
        );
        assert!(
            store
                .confirm_pledge(made.id, "address:10.0.0.2", at(5, 9))
                .await
                .expect("another")
        );
        assert_eq!(store.confirmations(made.id).await.expect("count"), 2);
        assert_eq!(
            store
                .pledge_counts(p.province.id, date(1), date(31))
                .await
                .expect("counts")
                .confirmed,
            2
        );
        assert_eq!(
            store.kept_pledge_days().await.expect("kept"),
            store.recount_pledge_days().await.expect("recount")
        );
    })
    .await;
}
