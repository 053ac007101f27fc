use chrono::{DateTime, Duration, Utc};
use suyuan_core::exams::{DrawRule, Window};
use suyuan_core::questions::{Answer, Choice, Grade, Question, Response};
use suyuan_store::StoreError;
use suyuan_store::exams::NewExam;
use suyuan_store::questions::Status;
use suyuan_store::testing::each_backend;
use suyuan_store::units::Unit;

use crate::{member, now, province};

/// Ten single-choice questions whose right option is the first, and two
/// true/false ones (true).
fn bank() -> Vec<Question> {
    let mut questions: Vec<Question> = (1..=10)
        .map(|i| {
            Question::new(
                format!("第{i}题"),
                Answer::Single {
                    choices: vec![
                        Choice::right("对的"),
                        Choice::wrong("错的"),
                        Choice::wrong("也错"),
                    ],
                },
            )
        })
        .collect();
    for i in 1..=2 {
        let mut question = Question::new(
            format!("判断{i}"),
            Answer::TrueFalse {
                correct: true,
                if_true: None,
                if_false: None,
            },
        );
        question.category = "判断".into();
        questions.push(question);
    }
    questions
}

fn minutes(m: i64) -> DateTime<Utc> {
    now() + Duration::minutes(m)
}

fn test_of(owner: &Unit) -> NewExam {
    NewExam {
        owner: owner.id,
        campaign: None,
        title: "十一月下旬测试".into(),
        window: Window {
            opens: minutes(0),
            closes: minutes(120),
            limit: Duration::minutes(30),
            attempts_allowed: 2,
        },
        pass_mark: 60,
        rules: vec![
            DrawRule {
                category: Some("默认".into()),
                difficulty: None,
                from_readings: false,
                count: 4,
            },
            DrawRule {
                category: Some("判断".into()),
                difficulty: None,
                from_readings: false,
                count: 1,
            },
        ],
        mistakes: 0,
        readings: None,
    }
}

#[tokio::test]
async fn an_attempt_resumes_refuses_late_answers_and_grades_on_submission() {
    each_backend(|store| async move {
        let p = province(&store).await;
        store
            .add_questions(p.xihu.id, &bank(), Status::Active, now())
            .await
            .expect("bank");
        let exam = store
            .create_exam(test_of(&p.xihu), now())
            .await
            .expect("exam");
        let reader = member(&store, &p.cuiyuan, "E1").await;

        let attempt = store
            .start_attempt(&exam, reader, minutes(1))
            .await
            .expect("started");
        assert_eq!(attempt.items.len(), 5);
        assert_eq!(attempt.deadline, minutes(31));
        // Starting again (a reload, another phone) resumes the same one.
        let again = store
            .start_attempt(&exam, reader, minutes(2))
            .await
            .expect("resumed");
        assert_eq!(again, attempt);

        // Answer every question right, through the shown order.
        for (position, item) in attempt.items.iter().enumerate() {
            let response = if item.options.is_empty() {
                Response::Bool(true)
            } else {
                Response::Chosen([0].into())
            };
            store
                .save_answer(attempt.id, reader, position, &response, minutes(3))
                .await
                .expect("saved");
        }
        // The last one changed to a wrong option, at the deadline itself.
        let last = attempt.items.len() - 1;
        let wrong = if attempt.items[last].options.is_empty() {
            Response::Bool(false)
        } else {
            Response::Chosen([1].into())
        };
        store
            .save_answer(attempt.id, reader, last, &wrong, minutes(31))
            .await
            .expect("in time");
        // One second late is refused.
        let late = store
            .save_answer(
                attempt.id,
                reader,
                0,
                &Response::Bool(true),
                minutes(31) + Duration::seconds(1),
            )
            .await
            .expect_err("too late");
        assert!(
            matches!(&late, StoreError::Invalid(m) if m.contains("time was up")),
            "{late}"
        );
        // Someone else's attempt is not found.
        let other = member(&store, &p.cuiyuan, "E2").await;
        assert!(matches!(
            store
                .save_answer(attempt.id, other, 0, &Response::Bool(true), minutes(3))
                .await,
            Err(StoreError::NotFound)
        ));

        let submitted = store
            .submit_attempt(attempt.id, minutes(10))
            .await
            .expect("submitted");
        let score = submitted.score.expect("a score");
        assert_eq!((score.earned, score.possible), (4.0, 5.0));
        assert_eq!(score.percent(), 80.0);
        let answers = store.answers(attempt.id).await.expect("answers");
        assert_eq!(answers[last].grade, Some(Grade::Scored(0.0)));
        assert_eq!(answers[0].grade, Some(Grade::Scored(1.0)));
        // Submitting twice changes nothing; answering after it is refused.
        assert_eq!(
            store
                .submit_attempt(attempt.id, minutes(11))
                .await
                .expect("again"),
            submitted
        );
        assert!(
            store
                .save_answer(attempt.id, reader, 0, &Response::Bool(true), minutes(12))
                .await
                .is_err()
        );

        // A second attempt draws afresh; a third is not allowed.
        let second = store
            .start_attempt(&exam, reader, minutes(40))
            .await
            .expect("second");
        assert_eq!(second.number, 2);
        store
            .submit_attempt(second.id, minutes(41))
            .await
            .expect("submitted");
        let third = store
            .start_attempt(&exam, reader, minutes(42))
            .await
            .expect_err("no more");
        assert!(
            matches!(&third, StoreError::Invalid(m) if m.contains("2 attempts")),
            "{third}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_attempt_left_open_is_submitted_at_its_deadline() {
    each_backend(|store| async move {
        let p = province(&store).await;
        store
            .add_questions(p.xihu.id, &bank(), Status::Active, now())
            .await
            .expect("bank");
        let exam = store
            .create_exam(test_of(&p.xihu), now())
            .await
            .expect("exam");
        let reader = member(&store, &p.cuiyuan, "E3").await;
        let attempt = store
            .start_attempt(&exam, reader, minutes(100))
            .await
            .expect("started");
        // Near the close, the deadline is the close.
        assert_eq!(attempt.deadline, minutes(120));
        store
            .save_answer(
                attempt.id,
                reader,
                0,
                &Response::Chosen([0].into()),
                minutes(101),
            )
            .await
            .expect("saved");
        assert!(
            store
                .overdue_attempts(minutes(120))
                .await
                .expect("overdue")
                .is_empty()
        );
        let overdue = store.overdue_attempts(minutes(121)).await.expect("overdue");
        assert_eq!(overdue, [attempt.id]);
        let submitted = store
            .submit_attempt(attempt.id, attempt.deadline)
            .await
            .expect("auto");
        assert_eq!(submitted.submitted_at, Some(minutes(120)));
        assert!(submitted.score.expect("score").earned <= 1.0);
        assert!(
            store
                .overdue_attempts(minutes(121))
                .await
                .expect("overdue")
                .is_empty()
        );
        // After the close, no new attempt starts.
        let closed = store
            .start_attempt(&exam, reader, minutes(121))
            .await
            .expect_err("closed");
        assert!(
            matches!(&closed, StoreError::Invalid(m) if m.contains("closed")),
            "{closed}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_test_its_bank_cannot_fill_is_refused() {
    each_backend(|store| async move {
        let p = province(&store).await;
        store
            .add_questions(p.xihu.id, &bank(), Status::Active, now())
            .await
            .expect("bank");
        let mut test = test_of(&p.xihu);
        test.rules[1].count = 3;
        let error = store.create_exam(test, now()).await.expect_err("too few");
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.contains("rule 2 wants 3")),
            "{error}"
        );
        // Chun'an's tests cannot draw on Xihu's bank.
        let error = store
            .create_exam(test_of(&p.chunan), now())
            .await
            .expect_err("no bank");
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.contains("rule 1")),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn wrong_answers_enter_the_mistake_book_and_come_back() {
    each_backend(|store| async move {
        let p = province(&store).await;
        store
            .add_questions(p.xihu.id, &bank(), Status::Active, now())
            .await
            .expect("bank");
        let exam = store
            .create_exam(test_of(&p.xihu), now())
            .await
            .expect("exam");
        let reader = member(&store, &p.cuiyuan, "M1").await;
        let attempt = store
            .start_attempt(&exam, reader, minutes(1))
            .await
            .expect("started");
        // The first question answered wrong, the second right, the rest
        // left blank.
        let wrong = |item: &suyuan_store::exams::Item| {
            if item.options.is_empty() {
                Response::Bool(false)
            } else {
                Response::Chosen([1].into())
            }
        };
        let right = |item: &suyuan_store::exams::Item| {
            if item.options.is_empty() {
                Response::Bool(true)
            } else {
                Response::Chosen([0].into())
            }
        };
        store
            .save_answer(attempt.id, reader, 0, &wrong(&attempt.items[0]), minutes(2))
            .await
            .expect("saved");
        store
            .save_answer(attempt.id, reader, 1, &right(&attempt.items[1]), minutes(2))
            .await
            .expect("saved");
        store
            .submit_attempt(attempt.id, minutes(3))
            .await
            .expect("submitted");
        // Submitting again notes nothing twice.
        store
            .submit_attempt(attempt.id, minutes(4))
            .await
            .expect("again");

        let book = store.mistakes(reader).await.expect("book");
        assert_eq!(book.len(), 1);
        let missed = book[0].question;
        assert_eq!(missed, attempt.items[0].question);
        assert_eq!(book[0].schedule.reviews(), 1);
        let due = book[0].schedule.due();
        assert_eq!(due, minutes(3), "due for a first review at once");
        assert!(
            store
                .due_mistakes(reader, due - Duration::seconds(1), 10)
                .await
                .expect("due")
                .is_empty()
        );
        assert_eq!(
            store
                .due_mistakes(reader, due, 10)
                .await
                .expect("due")
                .len(),
            1
        );

        // Practised right when due, it moves further out.
        let graded = store
            .practise(reader, missed, &right(&attempt.items[0]), due)
            .await
            .expect("practised");
        assert_eq!(graded, Grade::Scored(1.0));
        let later = store.mistakes(reader).await.expect("book")[0]
            .schedule
            .due();
        assert!(later - due > due - minutes(3), "{later} after {due}");

        // A test that draws due mistakes brings it back.
        let mut with_mistakes = test_of(&p.xihu);
        with_mistakes.title = "复习测试".into();
        with_mistakes.mistakes = 1;
        with_mistakes.window.opens = later;
        with_mistakes.window.closes = later + Duration::hours(2);
        let second = store.create_exam(with_mistakes, later).await.expect("exam");
        let drawn = store
            .start_attempt(&second, reader, later)
            .await
            .expect("started");
        assert!(
            drawn.items.iter().any(|i| i.question == missed),
            "{drawn:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_campaign_gets_a_test_per_dekad_and_its_results_add_up() {
    use chrono::{NaiveDate, NaiveTime};
    use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
    use suyuan_core::exams::{Results, TenDayTests, hardest};
    use suyuan_core::reading::{PointRules, ReadingPace};
    use suyuan_store::campaigns::NewCampaign;

    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    each_backend(|store| async move {
        let p = province(&store).await;
        let articles: String = (1..=9).map(|i| format!("第{i}条 内容{i}。\n\n")).collect();
        let law = format!("# 示例法\n\n{articles}");
        let collection = crate::public_collection(&store, &p.province, "law.md", &law).await;
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.xihu.id,
                    title: "学法月".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(18), day(26)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![p.xihu.id],
                    collections: vec![collection],
                },
                now(),
            )
            .await
            .expect("campaign");
        // Two questions on what is read on the 21st and the 22nd.
        let mut questions = bank();
        for date in [day(21), day(22)] {
            let read = store.reading_on(&campaign, date).await.expect("reading");
            let mut question = Question::new(
                format!("{date}读的是哪一条？"),
                Answer::TrueFalse {
                    correct: true,
                    if_true: None,
                    if_false: None,
                },
            );
            question.excerpt = Some(read[0].id);
            questions.push(question);
        }
        store
            .add_questions(p.xihu.id, &questions, Status::Active, now())
            .await
            .expect("bank");
        let plan = TenDayTests {
            questions: 5,
            from_readings: 3,
            limit: Duration::minutes(20),
            attempts_allowed: 1,
            pass_mark: 60,
            mistakes: 0,
        };
        let title = |d: suyuan_core::campaigns::Dekad| format!("{}月第{}旬", d.month, d.index);
        let set = store
            .set_ten_day_tests(campaign.id, p.xihu.id, plan, title, now())
            .await
            .expect("set");
        assert_eq!((set.set, set.already), (2, 0));
        let again = store
            .set_ten_day_tests(campaign.id, p.xihu.id, plan, title, now())
            .await
            .expect("set again");
        assert_eq!((again.set, again.already), (0, 2));
        let tests = store.exams_of(campaign.id).await.expect("tests");
        assert_eq!(
            tests
                .iter()
                .map(|t| t.test.title.as_str())
                .collect::<Vec<_>>(),
            ["11月第2旬", "11月第3旬"]
        );
        // The second dekad read nothing with questions; the third takes both.
        let counts = |e: &suyuan_store::exams::Exam| -> Vec<(bool, usize)> {
            e.test
                .rules
                .iter()
                .map(|r| (r.from_readings, r.count))
                .collect()
        };
        assert_eq!(counts(&tests[0]), [(false, 5)]);
        assert_eq!(counts(&tests[1]), [(true, 2), (false, 3)]);
        assert_eq!(tests[1].test.readings, Some((day(21), day(26))));

        // Two members sit the current test: one gets all right, one none.
        let exam = &tests[1];
        let at = exam.test.window.opens + Duration::hours(10);
        let mut sat = Vec::new();
        for (number, right) in [("R1", true), ("R2", false)] {
            let who = member(&store, &p.cuiyuan, number).await;
            let attempt = store.start_attempt(exam, who, at).await.expect("start");
            for (position, item) in attempt.items.iter().enumerate() {
                let response = match (item.options.is_empty(), right) {
                    (true, truth) => Response::Bool(truth),
                    (false, true) => Response::Chosen([0].into()),
                    (false, false) => Response::Chosen([1].into()),
                };
                store
                    .save_answer(attempt.id, who, position, &response, at)
                    .await
                    .expect("saved");
            }
            store.submit_attempt(attempt.id, at).await.expect("submit");
            sat.push(who);
        }
        member(&store, &p.cuiyuan, "R3").await;
        let sittings = store
            .sittings(exam.id, &p.xihu.path)
            .await
            .expect("sittings");
        assert_eq!(sittings.len(), 2);
        let expected = store.count_members(&p.xihu.path).await.expect("count") as usize;
        let results = Results::of(&sittings, expected, 60);
        assert_eq!((results.sat, results.expected, results.passed), (2, 3, 1));
        assert_eq!(results.average, 50.0);
        assert_eq!(results.bins[0] + results.bins[9], 2);
        // Both sat the two reading questions (and maybe more of the bank),
        // one right and one wrong: each earned half, on two sittings.
        let hard = hardest(&sittings, 2, 10);
        assert!(hard.len() >= 2, "{hard:?}");
        assert!(
            hard.iter().all(|q| q.drawn == 2 && q.earned == 50.0),
            "{hard:?}"
        );
        // Nobody outside the subtree is counted.
        assert!(
            store
                .sittings(exam.id, &p.chunan.path)
                .await
                .expect("none")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn short_answers_wait_to_be_marked_by_hand_once() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let mut short = Question::new(
            "用自己的话说说宪法的地位。",
            Answer::Short {
                model: Some("宪法是国家的根本法。".into()),
            },
        );
        short.category = "简答".into();
        store
            .add_questions(p.xihu.id, &[short], Status::Active, now())
            .await
            .expect("bank");
        let mut test = test_of(&p.xihu);
        test.rules = vec![DrawRule {
            category: Some("简答".into()),
            difficulty: None,
            from_readings: false,
            count: 1,
        }];
        let exam = store.create_exam(test, now()).await.expect("exam");
        let reader = member(&store, &p.cuiyuan, "S1").await;
        let attempt = store
            .start_attempt(&exam, reader, minutes(1))
            .await
            .expect("started");
        store
            .save_answer(
                attempt.id,
                reader,
                0,
                &Response::Text("它是根本大法。".into()),
                minutes(2),
            )
            .await
            .expect("saved");
        let submitted = store
            .submit_attempt(attempt.id, minutes(3))
            .await
            .expect("submitted");
        assert_eq!(submitted.score.expect("score").pending, 1);

        let waiting = store
            .answers_to_mark(exam.id, &p.xihu.path, 10)
            .await
            .expect("to mark");
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].response, Response::Text("它是根本大法。".into()));
        assert!(
            store
                .answers_to_mark(exam.id, &p.chunan.path, 10)
                .await
                .expect("none")
                .is_empty(),
            "not outside the subtree"
        );
        assert!(
            store
                .mark_by_hand(attempt.id, 0, 1.5, minutes(4))
                .await
                .is_err(),
            "a share is at most 1"
        );
        let marked = store
            .mark_by_hand(attempt.id, 0, 0.5, minutes(4))
            .await
            .expect("marked");
        let score = marked.score.expect("score");
        assert_eq!((score.earned, score.pending), (0.5, 0));
        assert_eq!(score.percent(), 50.0);
        assert_eq!(
            store.answers(attempt.id).await.expect("answers")[0].grade,
            Some(Grade::Scored(0.5))
        );
        // Half right: it enters the mistake book. Marked once only.
        assert_eq!(store.mistakes(reader).await.expect("book").len(), 1);
        assert!(
            store
                .mark_by_hand(attempt.id, 0, 1.0, minutes(5))
                .await
                .is_err()
        );
        assert!(
            store
                .answers_to_mark(exam.id, &p.xihu.path, 10)
                .await
                .expect("none left")
                .is_empty()
        );
    })
    .await;
}
