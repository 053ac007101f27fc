use chrono::NaiveDate;
use suyuan_core::campaigns::Scoring;
use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
use suyuan_core::campaigns::{Campaign, CampaignId};
use suyuan_core::library::ExcerptId;
use suyuan_core::reading::{MarkId, MarkKind};
use suyuan_store::reading::{Marking, NewMark, Recorded, new_mark_id};
use suyuan_store::testing::each_backend;

use crate::{member, now, province};

fn mark(member: suyuan_core::members::MemberId, read_on: NaiveDate, kind: MarkKind) -> NewMark {
    NewMark {
        id: new_mark_id().expect("an id"),
        campaign: CampaignId(1),
        member,
        excerpt: ExcerptId(7),
        read_on,
        kind,
        seconds: 60,
        recorded_at: now(),
    }
}

/// A mark for the writer, in a campaign with nothing planned.
fn marking(mark: NewMark, unit: &suyuan_store::units::Unit) -> Marking {
    Marking {
        mark,
        unit: unit.path.clone(),
        scoring: std::sync::Arc::new(Scoring::new(Default::default(), Default::default())),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

#[tokio::test]
async fn marks_are_recorded_once_however_often_they_are_sent() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let reader = member(&store, &p.cuiyuan, "R1").await;
        let writer = store.mark_writer();
        let first = mark(reader, day(25), MarkKind::OnTime);
        let recorded = writer
            .submit(marking(first.clone(), &p.cuiyuan))
            .await
            .expect("recorded");
        assert_eq!(recorded, Recorded::New(first.clone()));
        // A retry with the same id, even with other details, gets the first.
        let retry = NewMark {
            seconds: 999,
            ..first.clone()
        };
        assert_eq!(
            writer
                .submit(marking(retry, &p.cuiyuan))
                .await
                .expect("again"),
            Recorded::Again(first.clone())
        );

        // Many at once, each sent twice, from many tasks: one row per id.
        let marks: Vec<NewMark> = (0..300)
            .map(|i| NewMark {
                excerpt: ExcerptId(100 + i64::from(i)),
                ..mark(reader, day(1 + i % 28), MarkKind::Late)
            })
            .collect();
        let mut tasks = Vec::new();
        for copy in 0..2 {
            for m in &marks {
                let writer = writer.clone();
                let m = marking(m.clone(), &p.cuiyuan);
                tasks.push(tokio::spawn(async move {
                    (copy, writer.submit(m).await.expect("recorded"))
                }));
            }
        }
        let mut new = 0;
        for task in tasks {
            if let (_, Recorded::New(_)) = task.await.expect("task") {
                new += 1;
            }
        }
        assert_eq!(new, 300, "each id is new exactly once");
        assert_eq!(store.count_marks().await.expect("count"), 301);
        let campaign = Campaign {
            id: CampaignId(1),
            owner: p.province.id,
            title: "学习".into(),
            theme: String::new(),
            calendar: Calendar::new(DEFAULT_ZONE, day(1), day(30)).expect("calendar"),
            evening: chrono::NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
            pace: Default::default(),
            rules: Default::default(),
            units: vec![p.province.id],
        };
        let mine = store.marks_of(reader, &campaign).await.expect("marks");
        assert_eq!(mine.len(), 301);
        assert_eq!(mine[0], first);
        let that_day = store
            .marks_on(reader, campaign.id, day(25))
            .await
            .expect("marks");
        assert_eq!(that_day[0], first);
        assert!(that_day.iter().all(|m| m.read_on == day(25)));
    })
    .await;
}

#[tokio::test]
async fn an_excerpt_is_marked_once_a_day_whatever_the_client_id() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let reader = member(&store, &p.cuiyuan, "R1").await;
        let other = member(&store, &p.cuiyuan, "R2").await;
        let writer = store.mark_writer();
        let first = mark(reader, day(25), MarkKind::OnTime);
        assert_eq!(
            writer
                .submit(marking(first.clone(), &p.cuiyuan))
                .await
                .expect("recorded"),
            Recorded::New(first.clone())
        );
        // The same reading under a new id, alone and in a burst: the first.
        let again = mark(reader, day(25), MarkKind::OnTime);
        assert_eq!(
            writer
                .submit(marking(again, &p.cuiyuan))
                .await
                .expect("again"),
            Recorded::Again(first.clone())
        );
        let burst: Vec<_> = (0..20)
            .map(|_| {
                let writer = writer.clone();
                let m = marking(mark(reader, day(25), MarkKind::OnTime), &p.cuiyuan);
                tokio::spawn(async move { writer.submit(m).await })
            })
            .collect();
        for task in burst {
            assert_eq!(
                task.await.expect("task").expect("recorded"),
                Recorded::Again(first.clone())
            );
        }
        // Within one batch, the first of two new ones is kept.
        let (a, b) = (
            mark(reader, day(26), MarkKind::OnTime),
            mark(reader, day(26), MarkKind::OnTime),
        );
        let both = [a.clone(), b].map(|m| {
            let writer = writer.clone();
            let m = marking(m, &p.cuiyuan);
            tokio::spawn(async move { writer.submit(m).await })
        });
        let mut answers = Vec::new();
        for task in both {
            answers.push(task.await.expect("task").expect("recorded"));
        }
        let kept = match &answers[0] {
            Recorded::New(mark) => mark.clone(),
            Recorded::Again(mark) => mark.clone(),
        };
        assert!(
            answers.contains(&Recorded::New(kept.clone())),
            "{answers:?}"
        );
        assert!(answers.contains(&Recorded::Again(kept)), "{answers:?}");
        // Another member, another day or another excerpt is another mark.
        for fresh in [
            mark(other, day(25), MarkKind::OnTime),
            mark(reader, day(27), MarkKind::OnTime),
            NewMark {
                excerpt: ExcerptId(8),
                ..mark(reader, day(25), MarkKind::OnTime)
            },
        ] {
            assert_eq!(
                writer
                    .submit(marking(fresh.clone(), &p.cuiyuan))
                    .await
                    .expect("recorded"),
                Recorded::New(fresh)
            );
        }
        assert_eq!(store.count_marks().await.expect("count"), 5);
    })
    .await;
}

#[tokio::test]
async fn completion_counts_members_within_a_subtree_who_read_on_time() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let a = member(&store, &p.cuiyuan, "A").await;
        let b = member(&store, &p.cuiyuan, "B").await;
        let _c = member(&store, &p.xihu, "C").await;
        let far = member(&store, &p.xiajiang, "D").await;
        store
            .add_marks(&[
                mark(a, day(25), MarkKind::OnTime),
                mark(a, day(25), MarkKind::OnTime),
                mark(b, day(25), MarkKind::Late),
                mark(b, day(24), MarkKind::OnTime),
                mark(far, day(25), MarkKind::OnTime),
            ])
            .await
            .expect("marks");
        let xihu = store
            .completion(CampaignId(1), &p.xihu.path, day(25), 1)
            .await
            .expect("completion");
        assert_eq!(xihu, (1, 3), "A read on time; B only caught up; C did not");
        let province_wide = store
            .completion(CampaignId(1), &p.province.path, day(25), 1)
            .await
            .expect("completion");
        assert_eq!(province_wide, (2, 4));
        // A day of two excerpts is read when both are.
        let mut other = mark(far, day(25), MarkKind::OnTime);
        other.excerpt = ExcerptId(8);
        store.add_marks(&[other]).await.expect("mark");
        let both = store
            .completion(CampaignId(1), &p.province.path, day(25), 2)
            .await
            .expect("completion");
        assert_eq!(both, (1, 4), "only D read both");
        assert!(MarkId::parse(new_mark_id().expect("an id").as_str()).is_ok());
    })
    .await;
}
