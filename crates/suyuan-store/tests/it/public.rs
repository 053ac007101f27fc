//! The public side: readers counted once a day however many instances
//! ask at once; a quiz handed in once however often it is sent; the day's
//! figures (kept in shards) equal a recount from the quizzes; the
//! featured page saved and replaced — on both backends.

use chrono::{Duration, NaiveDate};
use suyuan_core::public::Feature;
use suyuan_core::questions::{Answer, Choice, Grade, Question, Response};
use suyuan_store::StoreError;
use suyuan_store::public::{CONSTITUTION_DAY, QuizAnswer};
use suyuan_store::questions::{Owners, QuestionFilter, Status};
use suyuan_store::testing::each_backend;

use crate::{member, now, province};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
}

#[tokio::test]
async fn readers_and_quizzes_are_counted_once_and_kept_figures_equal_a_recount() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.province, "zj-admin").await;
        let question = Question::new(
            "公民的什么不受侵犯？",
            Answer::Single {
                choices: vec![Choice::right("人格尊严"), Choice::wrong("收益")],
            },
        );
        let written = Question::new("谈谈体会。", Answer::Short { model: None });
        store
            .add_questions(p.province.id, &[question, written], Status::Active, now())
            .await
            .expect("questions");
        let ids: Vec<_> = store
            .all_questions(&QuestionFilter::bank(Owners::Within(
                p.province.path.clone(),
            )))
            .await
            .expect("bank")
            .iter()
            .map(|q| q.id)
            .collect();
        // A written answer is never public; all or nothing.
        let refused = store
            .publish_questions(p.province.id, &ids, admin, now())
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
        assert!(
            store
                .public_question_ids()
                .await
                .expect("public")
                .is_empty()
        );
        assert_eq!(
            store
                .publish_questions(p.province.id, &ids[..1], admin, now())
                .await
                .expect("publish"),
            1
        );
        assert_eq!(store.public_question_ids().await.expect("public"), ids[..1]);

        // Readers: sixteen asks at once for one reader, and a second reader.
        let mut asks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let store = store.clone();
            asks.spawn(async move { store.count_public_reader(day(4), "00000000000000aa").await });
        }
        let mut first = 0;
        while let Some(asked) = asks.join_next().await {
            if asked.expect("task").expect("count") {
                first += 1;
            }
        }
        assert_eq!(first, 1);
        assert!(
            store
                .count_public_reader(day(4), "00000000000000bb")
                .await
                .expect("count")
        );

        // Quizzes: one handed in twice counts once; another the next day.
        let answers = |right: bool| {
            vec![QuizAnswer {
                response: Some(Response::Chosen([usize::from(!right)].into())),
                grade: Some(Grade::Scored(if right { 1.0 } else { 0.0 })),
            }]
        };
        let quiz = store
            .start_public_quiz(Some("老张".into()), &ids[..1], now())
            .await
            .expect("start");
        assert!(quiz.result.is_none());
        store
            .finish_public_quiz(&quiz.code, &answers(true), 100, day(4), now())
            .await
            .expect("hand in");
        let again = store
            .finish_public_quiz(&quiz.code, &answers(false), 0, day(4), now())
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let kept = store.public_quiz(&quiz.code).await.expect("quiz");
        assert_eq!(kept.result.expect("result").score, 100);
        let other = store
            .start_public_quiz(None, &ids[..1], now() + Duration::days(1))
            .await
            .expect("start");
        store
            .finish_public_quiz(&other.code, &answers(false), 0, day(5), now())
            .await
            .expect("hand in");

        let days = store.public_days(day(4), day(5)).await.expect("days");
        assert_eq!(days.len(), 2);
        assert_eq!(
            (days[0].readers, days[0].quizzes, days[0].score_sum),
            (2, 1, 100)
        );
        assert_eq!(
            (days[1].readers, days[1].quizzes, days[1].score_sum),
            (0, 1, 0)
        );
        assert_eq!(
            store.recount_public_quizzes().await.expect("recount"),
            (2, 100)
        );

        // Yesterday's readers forgotten: their count stays.
        store
            .forget_public_readers_before(day(5))
            .await
            .expect("forget");
        assert_eq!(
            store.public_days(day(4), day(4)).await.expect("days")[0].readers,
            2
        );

        // The featured page: saved, then replaced.
        assert_eq!(
            store
                .public_feature(CONSTITUTION_DAY)
                .await
                .expect("feature"),
            None
        );
        for featured in [true, false] {
            let feature = Feature::new("宪法日", "读宪法", featured).expect("feature");
            store
                .set_public_feature(CONSTITUTION_DAY, &feature, admin, now())
                .await
                .expect("save");
            assert_eq!(
                store
                    .public_feature(CONSTITUTION_DAY)
                    .await
                    .expect("feature"),
                Some(feature)
            );
        }
    })
    .await;
}
