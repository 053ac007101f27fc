use suyuan_core::library::ExcerptId;
use suyuan_core::questions::{Answer, Choice, Kind, Question};
use suyuan_store::StoreError;
use suyuan_store::questions::{Added, Owners, QuestionFilter, Status};
use suyuan_store::testing::each_backend;

use crate::{now, province};

fn single(text: &str, category: &str) -> Question {
    let mut question = Question::new(
        text,
        Answer::Single {
            choices: vec![Choice::right("人民"), Choice::wrong("政府")],
        },
    );
    question.category = category.into();
    question.tags = vec!["宪法".into()];
    question
}

fn blank(text: &str) -> Question {
    Question::new(
        text,
        Answer::Blank {
            accepted: vec!["全国人大".into()],
            partial: vec![],
        },
    )
}

#[tokio::test]
async fn a_bank_is_shared_down_its_subtree_and_holds_each_question_once() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let province_bank = [single("权力属于谁？", "宪法"), blank("修宪由____通过。")];
        let added = store
            .add_questions(p.province.id, &province_bank, Status::Active, now())
            .await
            .expect("added");
        assert_eq!(
            added,
            Added {
                added: 2,
                already: 0
            }
        );
        // The same file again adds nothing.
        let again = store
            .add_questions(p.province.id, &province_bank, Status::Active, now())
            .await
            .expect("added again");
        assert_eq!(
            again,
            Added {
                added: 0,
                already: 2
            }
        );
        store
            .add_questions(
                p.xihu.id,
                &[single("西湖区的题", "区情")],
                Status::Active,
                now(),
            )
            .await
            .expect("added for Xihu");
        store
            .add_questions(
                p.chunan.id,
                &[single("淳安县的题", "县情")],
                Status::Active,
                now(),
            )
            .await
            .expect("added for Chun'an");

        // Cuiyuan sees the province's and Xihu's questions, not Chun'an's.
        let (total, seen) = store
            .questions(&QuestionFilter::bank(Owners::SeenFrom(
                p.cuiyuan.path.clone(),
            )))
            .await
            .expect("listed");
        assert_eq!(total, 3);
        let texts: Vec<&str> = seen.iter().map(|q| q.question.text.as_str()).collect();
        assert!(
            texts.contains(&"西湖区的题") && !texts.contains(&"淳安县的题"),
            "{texts:?}"
        );
        let stored = seen
            .iter()
            .find(|q| q.question.text == "权力属于谁？")
            .expect("the province's question");
        assert_eq!(stored.question, province_bank[0]);

        // Xihu's admins manage what Xihu's subtree owns only.
        let (within, _) = store
            .questions(&QuestionFilter::bank(Owners::Within(p.xihu.path.clone())))
            .await
            .expect("listed");
        assert_eq!(within, 1);

        let mut blanks = QuestionFilter::bank(Owners::SeenFrom(p.cuiyuan.path.clone()));
        blanks.kind = Some(Kind::Blank);
        assert_eq!(store.questions(&blanks).await.expect("listed").0, 1);
        let categories = store
            .question_categories(&QuestionFilter::bank(Owners::SeenFrom(
                p.cuiyuan.path.clone(),
            )))
            .await
            .expect("categories");
        assert_eq!(
            categories,
            [
                ("区情".to_owned(), 1),
                ("宪法".to_owned(), 1),
                ("默认".to_owned(), 1)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn an_import_with_a_bad_question_adds_nothing() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let mut sourced = single("出处不存在", "宪法");
        sourced.excerpt = Some(ExcerptId(424242));
        let error = store
            .add_questions(p.xihu.id, &[single("好题", "宪法"), sourced], Status::Active, now())
            .await
            .expect_err("refused");
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.contains("question 2") && m.contains("424242")),
            "{error}"
        );
        let unanswerable = Question::new(
            "？",
            Answer::Blank {
                accepted: vec![],
                partial: vec![],
            },
        );
        let error = store
            .add_questions(p.xihu.id, &[unanswerable], Status::Active, now())
            .await
            .expect_err("refused");
        assert!(matches!(&error, StoreError::Invalid(m) if m.contains("question 1")), "{error}");
        let (total, _) = store
            .questions(&QuestionFilter::bank(Owners::Within(p.xihu.path.clone())))
            .await
            .expect("listed");
        assert_eq!(total, 0);
    })
    .await;
}

#[tokio::test]
async fn proposed_questions_wait_for_review() {
    each_backend(|store| async move {
        let p = province(&store).await;
        store
            .add_questions(
                p.xihu.id,
                &[blank("甲____"), blank("乙____")],
                Status::Proposed,
                now(),
            )
            .await
            .expect("proposed");
        let bank = QuestionFilter::bank(Owners::Within(p.xihu.path.clone()));
        assert_eq!(store.questions(&bank).await.expect("bank").0, 0);
        let mut proposed = bank.clone();
        proposed.status = Status::Proposed;
        let (_, waiting) = store.questions(&proposed).await.expect("proposed");
        store
            .accept_question(waiting[0].id)
            .await
            .expect("accepted");
        store
            .drop_proposed_question(waiting[1].id)
            .await
            .expect("dropped");
        assert_eq!(store.questions(&bank).await.expect("bank").0, 1);
        assert_eq!(store.questions(&proposed).await.expect("proposed").0, 0);
        // A question in the bank is no longer a proposal to drop.
        assert!(matches!(
            store.drop_proposed_question(waiting[0].id).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}
