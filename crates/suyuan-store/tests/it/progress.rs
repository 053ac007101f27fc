//! The summaries kept on write say what the raw records say.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use std::sync::Arc;

use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
use suyuan_core::gatherings::Details;
use suyuan_core::gatherings::{Attendance, Kind, Slot};
use suyuan_core::library::ExcerptId;
use suyuan_core::reading::{MarkKind, PointRules, ReadingPace};
use suyuan_store::campaigns::NewCampaign;
use suyuan_store::gatherings::NewGathering;
use suyuan_store::reading::{Marking, NewMark, new_mark_id};
use suyuan_store::testing::each_backend;

use crate::gatherings::{accepted, said};
use crate::{member, now, province, public_collection};

/// Six articles, read two a day over three days.
const LAW: &str = "# 示例法\n\n<!-- INFO END -->\n\n第一条 一。\n\n第二条 二。\n\n第三条 三。\n\n第四条 四。\n\n第五条 五。\n\n第六条 六。\n";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

#[tokio::test]
async fn summaries_kept_on_write_match_a_recount_from_the_raw_records() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let collection = public_collection(&store, &p.province, "law.md", LAW).await;
        let rules = PointRules {
            streak_every: 2,
            ..PointRules::default()
        };
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.province.id,
                    title: "学法".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(20), day(25)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: rules.clone(),
                    units: vec![p.province.id],
                    collections: vec![collection],
                },
                now(),
            )
            .await
            .expect("campaign");
        let scoring = Arc::new(store.scoring(&campaign).await.expect("scoring"));
        assert_eq!(scoring.rules, rules);
        let units = [&p.cuiyuan, &p.cuiyuan, &p.xihu, &p.xiajiang];
        let mut members = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            members.push((
                member(&store, unit, &format!("P{i}")).await,
                (*unit).clone(),
            ));
        }
        let excerpts: Vec<(NaiveDate, ExcerptId)> = scoring
            .plan
            .iter()
            .flat_map(|(day, set)| set.iter().map(move |e| (*day, *e)))
            .collect();
        assert!(excerpts.len() >= 6, "the plan spreads all six articles");

        // Each member reads in their own pattern, day by day: everything
        // on time (some twice), half of it, or catching up days later.
        let writer = store.mark_writer();
        let mut seed: u64 = 7;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for today in campaign.calendar.days() {
            let mut batch = Vec::new();
            for (who, (id, unit)) in members.iter().enumerate() {
                for (assigned, excerpt) in &excerpts {
                    let read = match (who, next(4)) {
                        (0, _) => *assigned == today,
                        (1, c) => *assigned == today && c > 0,
                        (_, c) => *assigned <= today && c == 0,
                    };
                    if !read {
                        continue;
                    }
                    let kind = MarkKind::of(Some(*assigned), today);
                    for _ in 0..=next(2) {
                        batch.push(Marking {
                            mark: NewMark {
                                id: new_mark_id().expect("id"),
                                campaign: campaign.id,
                                member: *id,
                                excerpt: *excerpt,
                                read_on: today,
                                kind,
                                seconds: 60,
                                recorded_at: now(),
                            },
                            unit: unit.path.clone(),
                            scoring: scoring.clone(),
                        });
                    }
                }
            }
            // Sent together, as at the morning peak, so that batches mix.
            let sent = batch.into_iter().map(|m| {
                let writer = writer.clone();
                tokio::spawn(async move { writer.submit(m).await })
            });
            for task in sent.collect::<Vec<_>>() {
                task.await.expect("task").expect("recorded");
            }
        }

        // A weekly study of the campaign: one checks in, the rest are
        // marked absent at the end; one reflection is accepted.
        let starts_at = Utc
            .with_ymd_and_hms(2026, 11, 22, 11, 0, 0)
            .single()
            .expect("time");
        let ids = store
            .create_gatherings(
                vec![NewGathering {
                    unit: p.cuiyuan.id,
                    campaign: Some(campaign.id),
                    kind: Kind::WeeklyStudy,
                    details: Details {
                        title: "周学".into(),
                        ..Details::default()
                    },
                    slot: Slot {
                        starts_at,
                        ends_at: starts_at + Duration::minutes(90),
                    },
                }],
                members[0].0,
                starts_at - Duration::days(1),
            )
            .await
            .expect("planned");
        let study = store.gathering(ids[0]).await.expect("gathering");
        store
            .check_in(&study, members[0].0, starts_at)
            .await
            .expect("checked in");
        store
            .mark_attendance(
                study.id,
                members[1].0,
                Attendance::Late,
                members[0].0,
                starts_at,
            )
            .await
            .expect("marked");
        store
            .close_ended(starts_at + Duration::hours(2))
            .await
            .expect("closed");
        store
            .submit_reflection(&study, members[0].0, &said("收获很多。"), starts_at)
            .await
            .expect("written");
        store
            .review_reflection(study.id, members[0].0, &accepted(), members[0].0, starts_at)
            .await
            .expect("accepted");

        let differences = store.recount_differences(&campaign).await.expect("recount");
        assert!(
            differences.is_empty(),
            "kept on write ≠ recount: {differences:?}"
        );
        let members_differ = store
            .recount_member_differences(&campaign)
            .await
            .expect("recount");
        assert!(members_differ.is_empty(), "{members_differ:?}");
        let days = store
            .unit_days(campaign.id, &[p.province.id], (day(20), day(25)))
            .await
            .expect("days");
        let total: i64 = days[&p.province.id].values().map(|c| c.read_on_time).sum();
        assert!(total >= 3, "member 0 read every day on time: {total}");
        let study_day = &days[&p.province.id][&day(22)];
        assert_eq!(study_day.gatherings(Kind::WeeklyStudy), (2, 2));

        // Cancelling is not allowed after the end, but a change of status
        // is counted again; so is a rebuild from scratch.
        store
            .mark_attendance(
                study.id,
                members[1].0,
                Attendance::Absent,
                members[0].0,
                starts_at,
            )
            .await
            .expect("marked");
        store.rebuild_progress(&campaign).await.expect("rebuilt");
        assert!(
            store
                .recount_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );
        assert!(
            store
                .recount_member_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );

        // Pledges keep their figures per unit and day the same way:
        // approved, done on time, counted overdue and then done late, and
        // confirmed.
        let zone = DEFAULT_ZONE;
        let at = |d: u32, h: u32| {
            zone.with_ymd_and_hms(2026, 11, d, h, 0, 0)
                .single()
                .expect("time")
                .with_timezone(&Utc)
        };
        let promise = suyuan_core::pledges::Promise::new("修好路灯", "更换路灯", "居民", "")
            .expect("promise");
        let timeline =
            suyuan_core::pledges::Timeline::new(day(22), zone, day(20)).expect("timeline");
        let (admin, member_unit) = (members[0].0, &members[0].1);
        let mut pledges = Vec::new();
        for pledger in [
            suyuan_core::pledges::Pledger::Unit(p.xihu.id),
            suyuan_core::pledges::Pledger::Member(admin),
            suyuan_core::pledges::Pledger::Unit(p.xiajiang.id),
        ] {
            let unit = match pledger {
                suyuan_core::pledges::Pledger::Unit(id) if id == p.xihu.id => &p.xihu,
                suyuan_core::pledges::Pledger::Unit(_) => &p.xiajiang,
                suyuan_core::pledges::Pledger::Member(_) => member_unit,
            };
            let made = store
                .create_pledge(unit, pledger, &promise, &timeline, admin, at(20, 9))
                .await
                .expect("pledge");
            pledges.push(made.id);
        }
        store
            .decide_pledge(pledges[1], true, "", admin, at(21, 9))
            .await
            .expect("approved");
        store
            .complete_pledge(pledges[0], "已更换", at(22, 20))
            .await
            .expect("on time");
        assert_eq!(
            store.count_overdue_pledges(at(23, 9)).await.expect("sweep"),
            2
        );
        store
            .complete_pledge(pledges[1], "已更换", at(24, 9))
            .await
            .expect("late");
        for key in ["a", "b", "a"] {
            store
                .confirm_pledge(pledges[0], key, at(23, 10))
                .await
                .expect("confirmed");
        }
        assert_eq!(
            store.kept_pledge_days().await.expect("kept"),
            store.recount_pledge_days().await.expect("recount"),
            "pledge figures kept on write ≠ recount"
        );

        // Requests: received, sent on, answered late, reopened, answered
        // again, rated and confirmed; another left to lapse; a third
        // escalated by the round.
        use suyuan_core::requests::{Category, ClockRules, Contact, Stars, Submission, Urgency};
        use suyuan_store::requests::{NewRequest, Response};
        let category =
            Category::new("lights", "路灯", "", "", ClockRules::default()).expect("category");
        let lights = store
            .save_request_category(&category, 0, true)
            .await
            .expect("category");
        let asked = Submission::new("路灯不亮，晚上很黑", "文三路", None, Urgency::Normal)
            .expect("submission");
        let mut requests = Vec::new();
        for area in [&p.xihu, &p.cuiyuan, &p.xiajiang] {
            let new = NewRequest {
                category: &lights,
                submission: &asked,
                area,
                contact: &Contact::default(),
                zone,
                key: None,
                photos: &[],
            };
            requests.push(
                store
                    .submit_request(new, at(20, 9))
                    .await
                    .expect("request")
                    .id,
            );
        }
        store
            .send_request_on(requests[0], &p.cuiyuan, "", admin, at(20, 10))
            .await
            .expect("sent on");
        store
            .answer_request(requests[0], "已修", admin, at(30, 9))
            .await
            .expect("answered late");
        store
            .respond_to_request(
                requests[0],
                &Response::Reopen {
                    stars: Some(Stars::new(1).expect("stars")),
                    reason: "没修好".into(),
                },
                at(30, 12),
            )
            .await
            .expect("reopened");
        store
            .answer_request(requests[0], "换了线路", admin, at(30, 18))
            .await
            .expect("answered again");
        store
            .respond_to_request(
                requests[0],
                &Response::Confirm(Stars::new(5).expect("stars")),
                at(30, 20),
            )
            .await
            .expect("confirmed");
        store
            .acknowledge_request(requests[1], admin, at(20, 10))
            .await
            .expect("acknowledged");
        store
            .answer_request(requests[1], "已修", admin, at(21, 9))
            .await
            .expect("answered");
        let round = store.request_round(at(30, 23)).await.expect("round");
        assert_eq!((round.lapsed, round.escalated.len()), (1, 1));
        assert_eq!(
            store.kept_request_days().await.expect("kept"),
            store.recount_request_days().await.expect("recount"),
            "request figures kept on write ≠ recount"
        );

        // Members per unit, subtree included, kept as members come.
        let sizes = store
            .unit_sizes(&[p.province.id, p.xihu.id, p.cuiyuan.id, p.chunan.id])
            .await
            .expect("sizes");
        for unit in [&p.province, &p.xihu, &p.cuiyuan, &p.chunan] {
            let counted = store.count_members(&unit.path).await.expect("count");
            assert_eq!(sizes[&unit.id], counted, "{:?}", unit.name);
        }
    })
    .await;
}

#[tokio::test]
async fn a_year_of_reading_stands_the_same_kept_as_recounted() {
    each_backend(|store| async move {
        let p = province(&store).await;
        // Two paragraphs a day for a year.
        let mut law = String::from("# 全年读本\n\n<!-- INFO END -->\n\n");
        for i in 0..730 {
            law.push_str(&format!("第{i}段：学习内容。\n\n"));
        }
        let collection = public_collection(&store, &p.province, "year.md", &law).await;
        let (first, last) = (day(1) - Duration::days(364), day(1));
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.province.id,
                    title: "全年".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, first, last).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![p.cuiyuan.id],
                    collections: vec![collection],
                },
                now(),
            )
            .await
            .expect("campaign");
        let scoring = Arc::new(store.scoring(&campaign).await.expect("scoring"));
        assert!(scoring.plan.len() >= 360, "{} days", scoring.plan.len());
        let reader = member(&store, &p.cuiyuan, "Y1").await;
        let writer = store.mark_writer();
        let mut seed: u64 = 11;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let extra = *scoring.plan[&last].first().expect("last day's reading");
        // Most days read on time, some missed and caught up a few days
        // later, some read beyond the plan.
        let mut owed: Vec<(NaiveDate, ExcerptId)> = Vec::new();
        for today in campaign.calendar.days() {
            let mut readings: Vec<(ExcerptId, MarkKind)> = Vec::new();
            for excerpt in scoring.plan.get(&today).into_iter().flatten() {
                match next(10) {
                    0 => owed.push((today, *excerpt)),
                    1 => {}
                    _ => readings.push((*excerpt, MarkKind::OnTime)),
                }
            }
            if next(5) == 0 {
                for (_, excerpt) in owed.drain(..) {
                    readings.push((excerpt, MarkKind::Late));
                }
            }
            if next(20) == 0 && today < last {
                readings.push((extra, MarkKind::Extra));
            }
            let sent: Vec<_> = readings
                .into_iter()
                .map(|(excerpt, kind)| {
                    let writer = writer.clone();
                    let m = Marking {
                        mark: NewMark {
                            id: new_mark_id().expect("id"),
                            campaign: campaign.id,
                            member: reader,
                            excerpt,
                            read_on: today,
                            kind,
                            seconds: 60,
                            recorded_at: now(),
                        },
                        unit: p.cuiyuan.path.clone(),
                        scoring: scoring.clone(),
                    };
                    tokio::spawn(async move { writer.submit(m).await })
                })
                .collect();
            for task in sent {
                task.await.expect("task").expect("recorded");
            }
        }
        let marks: Vec<_> = store
            .marks_of(reader, &campaign)
            .await
            .expect("marks")
            .into_iter()
            .map(|m| (m.read_on, m.kind, m.excerpt))
            .collect();
        assert!(marks.len() > 500, "{} marks", marks.len());
        // Where the member stands on the year's last day: from the kept
        // tables and that day's marks, and from every mark.
        let recounted =
            suyuan_core::reading::Standing::of(&scoring.rules, &scoring.plan, &marks, &[], last);
        let kept = store
            .member_standings(reader, &[(campaign.id, last)])
            .await
            .expect("standing")[&campaign.id];
        let (points, run) = (kept.points, kept.run);
        assert_eq!(kept.today.read_on_time > 0, recounted.read_today);
        let todays: Vec<_> = store
            .marks_on(reader, campaign.id, last)
            .await
            .expect("marks")
            .into_iter()
            .map(|m| (m.read_on, m.kind, m.excerpt))
            .collect();
        let kept = suyuan_core::reading::Standing::kept(
            &scoring.rules,
            scoring.plan.get(&last),
            run,
            points,
            &todays,
            &[],
            last,
        );
        assert_eq!(kept, recounted);
        assert!(recounted.points > 500, "{recounted:?}");
        let whole = store
            .member_record(campaign.id, reader, (first, last))
            .await
            .expect("record");
        let derived =
            suyuan_core::progress::counts::reading_days(&scoring.rules, &scoring.plan, &marks);
        assert_eq!(whole, derived);
        assert!(
            store
                .recount_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );
        assert!(
            store
                .recount_member_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );
    })
    .await;
}

/// A database from before one mark a day: repeats of a reading under
/// other ids, no members' days kept. Opened by this release, it keeps the
/// first of each reading and counts every campaign again.
#[tokio::test]
async fn an_upgrade_keeps_one_mark_a_day_and_counts_again() {
    let mut dbs = vec![suyuan_store::testing::TestDb::sqlite()];
    dbs.extend(suyuan_store::testing::TestDb::postgres().await);
    for db in dbs {
        let store = db.open().await;
        let p = province(&store).await;
        let collection = public_collection(&store, &p.province, "law.md", LAW).await;
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.province.id,
                    title: "学法".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(20), day(25)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![p.province.id],
                    collections: vec![collection],
                },
                now(),
            )
            .await
            .expect("campaign");
        let reader = member(&store, &p.cuiyuan, "U1").await;
        let plan = store.plan_of(campaign.id).await.expect("plan");
        let first_day = campaign.calendar.start;
        let read = |copy: u8| -> Vec<NewMark> {
            plan.iter()
                .filter(|p| p.day == 0)
                .map(|p| NewMark {
                    id: new_mark_id().expect("id"),
                    campaign: campaign.id,
                    member: reader,
                    excerpt: p.excerpt,
                    read_on: first_day,
                    kind: MarkKind::OnTime,
                    seconds: 60 + u32::from(copy),
                    recorded_at: now(),
                })
                .collect()
        };
        let kept = read(0);
        store.add_marks(&kept).await.expect("marks");
        // Back to the earlier schema, where the same reading could be
        // stored again under a new id.
        store
            .run_sql(&[
                "DROP INDEX reading_marks_once",
                "DROP TABLE member_reading_days",
                "DROP TABLE progress_stale",
                "DELETE FROM seaql_migrations WHERE version = 'm0013_one_mark_a_day'",
            ])
            .await;
        for copy in 1..=2 {
            store.add_marks(&read(copy)).await.expect("repeats");
        }
        assert_eq!(
            store.count_marks().await.expect("count"),
            3 * kept.len() as u64
        );
        store.close().await.expect("close");

        let store = db.open().await;
        let marks = store.marks_of(reader, &campaign).await.expect("marks");
        assert_eq!(marks, kept, "the first of each reading is kept");
        assert!(
            store
                .recount_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );
        assert!(
            store
                .recount_member_differences(&campaign)
                .await
                .expect("recount")
                .is_empty()
        );
        let standing = store
            .member_standings(reader, &[(campaign.id, first_day)])
            .await
            .expect("standing")[&campaign.id];
        assert_eq!(
            standing.points,
            2 * kept.len() as u64,
            "two points an article, once"
        );
        assert_eq!(standing.run, Some((first_day, 1)));
        assert_eq!(standing.today.read_on_time, 1);
        store.close().await.expect("close");
        db.drop_database().await;
    }
}
