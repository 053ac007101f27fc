//! Questions proposed from a reading: a key term of a sentence blanked
//! out, or the sentence as a true/false statement, kept as it is or with
//! one key term swapped for another. An admin reviews each before it
//! enters the bank; the key terms come from the caller (keyword
//! extraction lives with the search index's segmenter).

use super::{Answer, BLANK, Question};
use crate::library::ExcerptId;

/// The tag every generated question carries.
pub const GENERATED_TAG: &str = "自动生成";

/// Sentences shorter than this give too little context; longer ones make
/// a question nobody reads to the end.
const SHORTEST: usize = 8;
const LONGEST: usize = 150;

/// Up to `most` questions from `text`, built on its key `terms` (most
/// telling first). Every third is a true/false statement; of those, every
/// other one is made false by swapping in another term, when one fits.
pub fn propose(
    text: &str,
    terms: &[String],
    excerpt: ExcerptId,
    category: &str,
    most: usize,
) -> Vec<Question> {
    let sentences: Vec<&str> = text
        .split(['。', '！', '？', '；', '\n'])
        .map(str::trim)
        .filter(|s| (SHORTEST..=LONGEST).contains(&s.chars().count()))
        .collect();
    let mut used: Vec<&str> = Vec::new();
    let mut questions = Vec::new();
    for term in terms {
        if questions.len() >= most {
            break;
        }
        let Some(sentence) = sentences
            .iter()
            .copied()
            .find(|s| !used.contains(s) && s.matches(term.as_str()).count() == 1)
        else {
            continue;
        };
        used.push(sentence);
        let n = questions.len();
        let statement = (n % 3 == 2).then(|| {
            // A swap is only fair with a term the sentence does not hold.
            let swap = terms
                .iter()
                .find(|other| *other != term && !sentence.contains(other.as_str()));
            match swap.filter(|_| (n / 3) % 2 == 0) {
                Some(other) => (false, sentence.replacen(term.as_str(), other, 1)),
                None => (true, sentence.to_owned()),
            }
        });
        let (text, answer) = match statement {
            Some((truth, statement)) => (
                format!("{statement}。"),
                Answer::TrueFalse {
                    correct: truth,
                    if_true: None,
                    if_false: None,
                },
            ),
            None => (
                format!("{}。", sentence.replacen(term.as_str(), BLANK, 1)),
                Answer::Blank {
                    accepted: vec![term.clone()],
                    partial: Vec::new(),
                },
            ),
        };
        let mut question = Question::new(text, answer);
        question.category = category.to_owned();
        question.tags = vec![GENERATED_TAG.to_owned()];
        question.explanation = format!("原文：{sentence}。");
        question.excerpt = Some(excerpt);
        questions.push(question);
    }
    questions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::{Grade, Response, grade};

    const TEXT: &str = "第二条 中华人民共和国的一切权力属于人民。人民行使国家权力的机关是全国人民代表大会和地方各级人民代表大会。人民依照法律规定，通过各种途径和形式，管理国家事务。";

    fn terms() -> Vec<String> {
        ["权力", "机关", "法律", "国家事务"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn blanks_hide_a_term_that_is_the_answer() {
        let questions = propose(TEXT, &terms(), ExcerptId(7), "宪法", 10);
        let first = &questions[0];
        assert_eq!(first.text, "第二条 中华人民共和国的一切____属于人民。");
        assert_eq!(
            grade(&first.answer, &Response::Text("权力".into())),
            Grade::Scored(1.0)
        );
        assert_eq!(first.excerpt, Some(ExcerptId(7)));
        assert_eq!(first.category, "宪法");
        assert!(questions.iter().all(|q| q.check().is_ok()));
        assert!(
            questions.iter().all(|q| q.tags == [GENERATED_TAG]),
            "generated questions say so"
        );
    }

    #[test]
    fn every_third_is_a_statement_and_a_swapped_one_is_false() {
        let questions = propose(TEXT, &terms(), ExcerptId(7), "宪法", 10);
        // "机关" occurs once in the second sentence; "法律" in the third,
        // which becomes a statement with "权力" swapped in.
        assert_eq!(questions.len(), 3, "{questions:#?}");
        let statement = &questions[2];
        assert!(matches!(
            statement.answer,
            Answer::TrueFalse { correct: false, .. }
        ));
        assert!(
            statement.text.contains("依照权力规定"),
            "{}",
            statement.text
        );
        assert!(statement.explanation.contains("依照法律规定"));
    }

    #[test]
    fn nothing_is_proposed_from_terms_the_text_lacks() {
        assert!(propose(TEXT, &["民法典".into()], ExcerptId(1), "宪法", 5).is_empty());
        assert!(propose("太短。", &["太短".into()], ExcerptId(1), "宪法", 5).is_empty());
        assert_eq!(propose(TEXT, &terms(), ExcerptId(1), "宪法", 1).len(), 1);
    }
}
