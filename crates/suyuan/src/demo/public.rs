//! The demo's public side: the province's questions on the Constitution
//! published to the public quiz, the Constitution Day page featured on
//! the front page, and two weeks of public participation played through
//! the same store calls a visitor's reading and quizzes make (readers on
//! each day, quizzes answered with varying skill and handed in).

use anyhow::Result;
use chrono::{DateTime, Days, Duration, Utc};

use suyuan_core::campaigns::DEFAULT_ZONE;
use suyuan_core::library::Visibility;
use suyuan_core::members::MemberNumber;
use suyuan_core::public::{Feature, QUIZ_LENGTH, may_be_public, score};
use suyuan_core::questions::{Answer, Grade, Response, grade};
use suyuan_core::units::UnitCode;
use suyuan_store::Store;
use suyuan_store::public::{CONSTITUTION_DAY, QuizAnswer};
use suyuan_store::questions::{Owners, QuestionFilter};

use super::{Dice, PROVINCE_CODE};

/// Days of participation before today.
const DAYS: u64 = 14;

pub async fn seed_public(store: &Store, now: DateTime<Utc>) -> Result<()> {
    if !store.public_question_ids().await?.is_empty() {
        return Ok(());
    }
    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    let admin = store
        .member_by_number(&MemberNumber::parse("province-admin")?)
        .await?;
    // The province's own questions that rest on a public article.
    let bank = store
        .all_questions(&QuestionFilter::bank(Owners::Within(province.path.clone())))
        .await?;
    let mut publishable = Vec::new();
    for q in bank.iter().filter(|q| q.owner == province.id) {
        if !may_be_public(&q.question.answer) {
            continue;
        }
        let Some(excerpt) = q.question.excerpt else {
            continue;
        };
        let excerpt = store.excerpt(excerpt).await?;
        if store.collection(excerpt.collection).await?.visibility == Visibility::Public {
            publishable.push(q.id);
        }
    }
    if publishable.is_empty() {
        return Ok(());
    }
    store
        .publish_questions(province.id, &publishable, admin.id, now)
        .await?;
    let feature = Feature::new(
        "国家宪法日 · 一起学宪法",
        "12月4日是国家宪法日。\n读一读宪法，答一答题，看看自己对宪法了解多少。",
        true,
    )?;
    store
        .set_public_feature(CONSTITUTION_DAY, &feature, admin.id, now)
        .await?;

    let questions = store.questions_by_id(&publishable).await?;
    let mut dice = Dice(0x5359_5541_4E00_0031);
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let mut quizzes = 0;
    for back in (0..=DAYS).rev() {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            continue;
        };
        // More on Constitution Day itself, fewer at the weekend.
        let busy = if day.format("%m-%d").to_string() == "12-04" {
            4
        } else {
            1
        };
        let readers = busy * (20 + dice.next() % 40);
        for n in 0..readers {
            store
                .count_public_reader(day, &format!("{:016x}", dice.next() ^ n))
                .await?;
        }
        let at = now - Duration::days(back as i64);
        for _ in 0..busy * (3 + dice.next() % 8) {
            let mut ids = publishable.clone();
            for i in (1..ids.len()).rev() {
                ids.swap(i, (dice.next() % (i as u64 + 1)) as usize);
            }
            ids.truncate(QUIZ_LENGTH);
            let name = dice
                .next()
                .is_multiple_of(3)
                .then(|| dice.pick(&["老张", "小李", "王老师", "学习者"]).to_owned());
            let quiz = store.start_public_quiz(name, &ids, at).await?;
            let skill = 40 + dice.next() % 60;
            let answers: Vec<QuizAnswer> = ids
                .iter()
                .filter_map(|id| questions.get(id))
                .map(|q| {
                    let response = answer(&q.answer, dice.next() % 100 < skill, &mut dice);
                    QuizAnswer {
                        grade: Some(grade(&q.answer, &response)),
                        response: Some(response),
                    }
                })
                .collect();
            let grades: Vec<Grade> = answers.iter().filter_map(|a| a.grade).collect();
            store
                .finish_public_quiz(&quiz.code, &answers, score(&grades), day, at)
                .await?;
            quizzes += 1;
        }
    }
    println!(
        "Published {} questions to the public quiz, featured Constitution Day, and played {quizzes} public quizzes over {DAYS} days.",
        publishable.len()
    );
    Ok(())
}

/// A response to `answer`: the right one when `right`, else a wrong one.
fn answer(answer: &Answer, right: bool, dice: &mut Dice) -> Response {
    match answer {
        Answer::Single { choices } | Answer::Multiple { choices, .. } => {
            let chosen = choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_right() == right)
                .map(|(i, _)| i)
                .take(if right { choices.len() } else { 1 });
            let chosen: std::collections::BTreeSet<usize> = chosen.collect();
            if chosen.is_empty() {
                Response::Chosen([(dice.next() % choices.len().max(1) as u64) as usize].into())
            } else {
                Response::Chosen(chosen)
            }
        }
        Answer::TrueFalse { correct, .. } => Response::Bool(*correct == right),
        Answer::Blank { accepted, .. } => Response::Text(if right {
            accepted.first().cloned().unwrap_or_default()
        } else {
            "不知道".to_owned()
        }),
        Answer::Short { .. } => Response::Text(String::new()),
    }
}
