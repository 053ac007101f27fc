//! Questions proposed from a reading, written as a person setting a test
//! would: each asks about one sentence that stands on its own, names the
//! statute it comes from, and points to the article in its explanation.
//!
//! A question is about a *term*: a run of nouns read as one (人民 代表
//! 大会 → 人民代表大会), so a blank is always a whole term. A single-choice
//! question offers three other terms of the same kind from the same
//! material; a false statement swaps in one of them, so it stays
//! grammatical. An admin reviews each before it enters the bank. The words
//! and their parts of speech come from the caller (the segmenter lives
//! with the search index).

use std::collections::{HashMap, HashSet};

use super::{Answer, BLANK, Choice, Question};
use crate::library::ExcerptId;

/// The tag every generated question carries.
pub const GENERATED_TAG: &str = "自动生成";

/// A word of a text as a segmenter tags it: the word and its part of
/// speech in the ICTCLAS tags jieba uses (`n` noun, `nt` organization,
/// `ns` place, `nr` person, `nz` other proper noun, `vn` verbal noun, `x`
/// punctuation…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub tag: String,
}

impl Word {
    pub fn new(text: impl Into<String>, tag: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tag: tag.into(),
        }
    }

    /// Nouns make terms; verbal nouns (领导, 管理) do not, since a run
    /// through one swallows the verb of its sentence.
    fn is_noun(&self) -> bool {
        self.tag.starts_with('n')
    }
}

/// What kind a term is, for swaps and distractors: the class of its head
/// (the last word: an organization or not) and its last characters, which
/// Chinese terms of a kind share (机关, 法院, 委员会).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TermKind {
    class: char,
    last: char,
    /// The character before the last, which common nouns of a kind share
    /// too (集体经济, 国有经济; 公有制, 私有制).
    before_last: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    kind: TermKind,
    /// How many words it was read from.
    words: usize,
    /// Whether a modifier or verbal noun clings to it in its sentence
    /// (监察 委员会, 副 主席): then it is part of a longer term.
    bound: bool,
    /// A few characters either side of it where it was read.
    before: String,
    after: String,
}

/// How many characters either side of a term tell where it fits.
const CONTEXT: usize = 3;

/// Sentences shorter than this give too little to go on; longer ones make
/// a question nobody reads to the end.
const SHORTEST: usize = 10;
const LONGEST: usize = 90;
/// The longest term asked about, in characters.
const LONGEST_TERM: usize = 12;

/// Words that make a sentence lean on what is around it: amendments'
/// frames, references to "this law" or "the preceding paragraph", lists
/// announced, and dates of entry into force (trivia, not substance).
const LEANS_ON_CONTEXT: [&str; 25] = [
    "修改为",
    "修正为",
    "改为",
    "删去",
    "增加一条",
    "增加一款",
    "增加一项",
    "本法",
    "本修正案",
    "本条例",
    "本规定",
    "本决定",
    "本办法",
    "本章",
    "本节",
    "本条",
    "前款",
    "前两款",
    "前三款",
    "前条",
    "下列",
    "如下",
    "施行",
    "生效",
    "附件",
];

/// How a sentence that continues the one before begins.
const CONTINUES: [&str; 19] = [
    "但", "其", "该", "此", "上述", "前述", "同时", "并且", "或者", "以及", "这", "对此", "它",
    "他", "她", "从此", "因此", "为此", "此外",
];

/// What a term that is no term begins with: a quantifier or a pointer
/// (任何理由, 其他组织, 本级人民政府).
const NOT_A_TERM: [&str; 6] = ["任何", "一切", "各种", "其他", "有关", "本"];

/// Terms too general to test anyone on.
const GENERAL: [&str; 26] = [
    "规定",
    "情况",
    "活动",
    "工作",
    "事项",
    "方面",
    "问题",
    "范围",
    "条件",
    "要求",
    "行为",
    "方式",
    "办法",
    "措施",
    "内容",
    "其他",
    "人员",
    "国家",
    "有关部门",
    "法律",
    "法律规定",
    "有关",
    "有权",
    "中华人民共和国",
    "中国",
    "我国",
];

/// The terms of a body of material (a statute), with how often each
/// occurs: where distractors and swaps of the same kind come from.
#[derive(Debug, Clone, Default)]
pub struct Material {
    /// The statute's title, as a test names it: `宪法` for
    /// 中华人民共和国宪法.
    name: String,
    /// Terms that can stand in for others, most frequent first: single
    /// words, and runs of words seen more than once (a run seen once may
    /// be a verb the segmenter took for a noun).
    terms: Vec<Term>,
    /// Each term with what follows it, and what precedes it with the term,
    /// wherever it occurs: whether another term fits where one stands.
    follows: HashSet<(String, String)>,
    precedes: HashSet<(String, String)>,
    /// Terms seen at least once standing free; the others are always part
    /// of something longer (企业事业 of 企业事业组织) and make no option.
    whole: HashSet<String>,
}

impl Material {
    /// The material of a statute titled `title`, from its texts' words.
    pub fn new<'a>(title: &str, texts: impl IntoIterator<Item = &'a [Word]>) -> Self {
        let mut counts: HashMap<String, (usize, Term)> = HashMap::new();
        let mut follows = HashSet::new();
        let mut precedes = HashSet::new();
        let mut whole = HashSet::new();
        for words in texts {
            for term in terms_of(words) {
                if !term.bound {
                    whole.insert(term.text.clone());
                }
                follows.insert((term.text.clone(), term.after.clone()));
                precedes.insert((term.before.clone(), term.text.clone()));
                counts.entry(term.text.clone()).or_insert((0, term)).0 += 1;
            }
        }
        let mut terms: Vec<(usize, Term)> = counts
            .into_values()
            .filter(|(count, term)| term.words == 1 || *count > 1)
            .collect();
        terms.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.text.cmp(&b.1.text)));
        let name = title
            .strip_prefix("中华人民共和国")
            .filter(|rest| rest.chars().count() >= 2)
            .unwrap_or(title);
        Self {
            name: name.to_owned(),
            terms: terms.into_iter().map(|(_, term)| term).collect(),
            follows,
            precedes,
            whole,
        }
    }

    /// Whether `other` stands somewhere in the material where `term`
    /// stands here: before the same words, or after them. Then it is no
    /// wrong option, no false swap, and a blank there has two answers.
    fn fits_where(&self, other: &str, term: &Term) -> bool {
        let known = |context: &str| context.chars().count() >= 2;
        (known(&term.after)
            && self
                .follows
                .contains(&(other.to_owned(), term.after.clone())))
            || (known(&term.before)
                && self
                    .precedes
                    .contains(&(term.before.clone(), other.to_owned())))
    }

    /// Whether another term of the kind would fill `term`'s place too.
    fn fits_others(&self, term: &Term) -> bool {
        self.terms
            .iter()
            .filter(|t| t.text != term.text && t.kind.class == term.kind.class)
            .any(|t| self.fits_where(&t.text, term))
    }

    /// Whether a term of a sentence is one to ask about: one the material
    /// knows as a term, not part of a longer one the sentence holds
    /// (委员会 in 监察委员会, 行政区 in 特别行政区), specific, and not the
    /// sentence's subject.
    fn asks_about(&self, term: &Term, sentence: &str) -> bool {
        // A common noun of two characters (公民, 人民) has near-synonyms of
        // its kind, and a sentence's subject often fits other subjects of
        // the law: neither is asked about.
        let specific = (term.kind.class != 'n' || term.text.chars().count() >= 3)
            && !NOT_A_TERM.iter().any(|p| term.text.starts_with(p));
        let subject = sentence.starts_with(&term.text);
        let known =
            specific && !subject && !term.bound && self.terms.iter().any(|t| t.text == term.text);
        let inside_longer = self.terms.iter().any(|t| {
            t.text.len() > term.text.len()
                && t.text.contains(&term.text)
                && sentence.contains(&t.text)
        });
        known && !inside_longer
    }

    /// Up to `n` terms of `term`'s kind that do not fit where it stands
    /// and that `sentence` does not hold: for names of organizations,
    /// other organizations (the same last character first, then any
    /// within two characters in length); for common
    /// nouns, those that end in the same two characters (集体经济,
    /// 国有经济), nearest in length first.
    fn alike(&self, term: &Term, sentence: &str, n: usize) -> Vec<&str> {
        let fits = |other: &&Term| {
            other.text != term.text
                && !other.text.contains(&term.text)
                && !term.text.contains(&other.text)
                && !sentence.contains(&other.text)
                && !GENERAL.contains(&other.text.as_str())
                && !NOT_A_TERM.iter().any(|p| other.text.starts_with(p))
                && self.whole.contains(&other.text)
                && !near_synonyms(&other.text, &term.text)
                && !self.fits_where(&other.text, term)
        };
        let length = term.text.chars().count();
        let named = term.kind.class != 'n';
        let mut closest: Vec<&Term> = self
            .terms
            .iter()
            .filter(|o| {
                o.kind.class == term.kind.class
                    && o.kind.last == term.kind.last
                    && (named || o.kind.before_last == term.kind.before_last)
            })
            .filter(fits)
            .collect();
        // Stable: among terms as near in length, the more frequent first.
        closest.sort_by_key(|o| o.text.chars().count().abs_diff(length));
        let near = self
            .terms
            .iter()
            .filter(|o| {
                named
                    && o.kind.class == term.kind.class
                    && o.kind.last != term.kind.last
                    && o.text.chars().count().abs_diff(length) <= 2
            })
            .filter(fits);
        closest
            .into_iter()
            .chain(near)
            .take(n)
            .map(|t| t.text.as_str())
            .collect()
    }
}

/// Whether one term is the other with characters left out (国家工作人员,
/// 国家机关工作人员): too near to tell apart as options.
fn near_synonyms(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|d| d == c))
}

/// One excerpt to ask about: its words, its key terms (most telling
/// first) and where it is (`第八十五条`, or the heading of an unnumbered
/// paragraph such as 序言).
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub excerpt: ExcerptId,
    pub place: &'a str,
    pub words: &'a [Word],
    pub key_terms: &'a [String],
}

/// The kinds of question made, in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Make {
    Single,
    Statement,
    Blank,
}

const TURNS: [Make; 3] = [Make::Single, Make::Statement, Make::Blank];

/// Up to `most` questions from a reading of `material`, each on its own
/// sentence, filed under `category`.
pub fn propose(
    reading: Reading<'_>,
    material: &Material,
    category: &str,
    most: usize,
) -> Vec<Question> {
    // Varies the first kind and where the right option sits by excerpt.
    let seed = reading.excerpt.0.unsigned_abs() as usize;
    let mut questions = Vec::new();
    for sentence in sentences(reading.words) {
        if questions.len() >= most {
            break;
        }
        let Some(text) = standalone(&sentence) else {
            continue;
        };
        let mut terms: Vec<Term> = terms_of(&sentence)
            .into_iter()
            .filter(|t| {
                text.matches(t.text.as_str()).count() == 1
                    && !material.name.contains(&t.text)
                    && !GENERAL.contains(&t.text.as_str())
                    && material.asks_about(t, &text)
            })
            .collect();
        // The most telling term first: a key term, then the longer.
        let rank = |t: &Term| {
            reading
                .key_terms
                .iter()
                .position(|k| t.text.contains(k.as_str()))
                .unwrap_or(usize::MAX)
        };
        terms.sort_by_key(|t| (rank(t), std::cmp::Reverse(t.text.chars().count())));
        let turn = seed + questions.len();
        let question = terms
            .iter()
            .find_map(|term| ask(TURNS[turn % TURNS.len()], term, &text, material, turn));
        if let Some(mut question) = question {
            question.category = category.to_owned();
            question.tags = vec![GENERATED_TAG.to_owned()];
            question.explanation = format!("见《{}》{}：“{text}。”", material.name, reading.place);
            question.excerpt = Some(reading.excerpt);
            questions.push(question);
        }
    }
    questions
}

/// A question of the kind due about `term` in `sentence`; a choice
/// question needs three terms of its kind, or it becomes a blank.
fn ask(
    make: Make,
    term: &Term,
    sentence: &str,
    material: &Material,
    turn: usize,
) -> Option<Question> {
    let lead = format!("根据《{}》，", material.name);
    let blanked = || format!("{lead}{}。", sentence.replacen(&term.text, BLANK, 1));
    match make {
        Make::Single => {
            let others = material.alike(term, sentence, 3);
            if others.len() < 3 {
                return ask(Make::Blank, term, sentence, material, turn);
            }
            let mut choices: Vec<Choice> = others.into_iter().map(Choice::wrong).collect();
            choices.insert(turn % 4, Choice::right(term.text.clone()));
            Some(Question::new(blanked(), Answer::Single { choices }))
        }
        Make::Statement => {
            // Every other statement is made false, when a term fits: not a
            // term in a list (its neighbours may be true in its place), nor
            // one a level names (各级, 本级: another body clashes with it).
            let in_list = term.before.ends_with('、') || term.after.starts_with('、');
            let levelled = term.before.ends_with('级');
            let swap = (turn / TURNS.len())
                .is_multiple_of(2)
                .then_some(())
                .filter(|()| !in_list && !levelled)
                .and_then(|()| material.alike(term, sentence, 1).pop());
            let statement = match swap {
                Some(other) => sentence.replacen(&term.text, other, 1),
                None => sentence.to_owned(),
            };
            Some(Question::new(
                format!("{lead}{statement}。"),
                Answer::TrueFalse {
                    correct: swap.is_none(),
                    if_true: None,
                    if_false: None,
                },
            ))
        }
        // A blank one types in: only for a term specific enough that the
        // sentence calls for it alone.
        Make::Blank if term.text.chars().count() >= 3 && !material.fits_others(term) => {
            Some(Question::new(
                blanked(),
                Answer::Blank {
                    accepted: vec![term.text.clone()],
                    partial: Vec::new(),
                },
            ))
        }
        Make::Blank => None,
    }
}

/// The sentences of a text, as words, without their closing mark; a
/// sentence not closed by 。！？ (a list item ending in ；, a heading) is
/// left out. An article's label (`第八十五条`) is not part of its first
/// sentence.
fn sentences(words: &[Word]) -> Vec<Vec<Word>> {
    let mut sentences = Vec::new();
    let mut current: Vec<Word> = Vec::new();
    for word in words {
        match word.text.as_str() {
            "。" | "！" | "？" => {
                let start = label_end(&current);
                sentences.push(current.split_off(start));
                current.clear();
            }
            text if text.contains('\n') => current.clear(),
            _ => current.push(word.clone()),
        }
    }
    sentences
}

/// How many leading words make up an article's label and the space after.
fn label_end(words: &[Word]) -> usize {
    let mut text = String::new();
    for (i, word) in words.iter().enumerate() {
        text.push_str(&word.text);
        if let Some(label) = crate::library::article_label(&text)
            && label.len() == text.trim_end().len()
        {
            let rest = words[i + 1..]
                .iter()
                .take_while(|w| w.text.trim().is_empty())
                .count();
            return i + 1 + rest;
        }
        if text.chars().count() > 12 {
            break;
        }
    }
    0
}

/// The sentence's text, if it stands on its own: long enough and not too
/// long, not a list item or a fragment of one, no unbalanced quotes or
/// brackets, and nothing that leans on the text around it.
fn standalone(words: &[Word]) -> Option<String> {
    let text: String = words.iter().map(|w| w.text.as_str()).collect();
    let text = text.trim().to_owned();
    let length = text.chars().count();
    let balanced = [
        ('“', '”'),
        ('《', '》'),
        ('（', '）'),
        ('(', ')'),
        ('‘', '’'),
    ]
    .iter()
    .all(|(open, close)| text.matches(*open).count() == text.matches(*close).count());
    let refers_to_an_article = words
        .windows(2)
        .any(|w| w[0].text.starts_with('第') && ["条", "款", "项"].iter().any(|u| w[1].text == *u))
        || words.iter().any(|w| {
            w.text.starts_with('第') && ["条", "款", "项"].iter().any(|u| w.text.ends_with(u))
        });
    let fine = (SHORTEST..=LONGEST).contains(&length)
        && balanced
        && !refers_to_an_article
        && !text.starts_with(['（', '(', '“', '”', '"', '：'])
        && !text.contains(['：', ':', '"', '\u{3000}'])
        && !text.ends_with('的')
        && !LEANS_ON_CONTEXT.iter().any(|w| text.contains(w))
        && !CONTINUES.iter().any(|w| text.starts_with(w))
        && !["这些", "上述", "前述"].iter().any(|w| text.contains(w))
        && crate::library::item_label(&text).is_none();
    fine.then_some(text)
}

/// The terms of some words: each maximal run of nouns, read as one.
fn terms_of(words: &[Word]) -> Vec<Term> {
    // Tags of words that make the noun beside them part of a longer term.
    let clings = |word: Option<&Word>| {
        word.is_some_and(|w| ["vn", "b", "j", "a", "d"].contains(&w.tag.as_str()))
    };
    // Heads of longer terms that the segmenter may take for verbs
    // (企业事业 组织).
    let heads = |word: Option<&Word>| {
        word.is_some_and(|w| ["组织", "单位", "机构", "制度"].contains(&w.text.as_str()))
    };
    let mut terms = Vec::new();
    let mut start = 0;
    while start < words.len() {
        if !words[start].is_noun() {
            start += 1;
            continue;
        }
        let end = start + words[start..].iter().take_while(|w| w.is_noun()).count();
        let run = &words[start..end];
        let text: String = run.iter().map(|w| w.text.as_str()).collect();
        let length = text.chars().count();
        if (2..=LONGEST_TERM).contains(&length) && text.chars().all(crate::text::is_chinese) {
            let head = &run[run.len() - 1];
            // Organizations are a closed class the segmenter knows well;
            // the names it guesses of people and places are often words.
            let class = if head.tag == "nt" { 't' } else { 'n' };
            let mut tail = text.chars().rev();
            let last = tail.next().unwrap_or(' ');
            let before_last = tail.next().unwrap_or(' ');
            // The last few characters before the run, read backwards.
            let mut before: Vec<char> = words[..start]
                .iter()
                .rev()
                .flat_map(|w| w.text.chars().rev())
                .take(CONTEXT)
                .collect();
            before.reverse();
            let before: String = before.into_iter().collect();
            let after: String = words[end..]
                .iter()
                .flat_map(|w| w.text.chars())
                .take(CONTEXT)
                .collect();
            terms.push(Term {
                text,
                kind: TermKind {
                    class,
                    last,
                    before_last,
                },
                before,
                after,
                words: run.len(),
                bound: clings(start.checked_sub(1).and_then(|i| words.get(i)))
                    || clings(words.get(end))
                    || heads(words.get(end)),
            });
        }
        start = end;
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::{Grade, Response, grade};

    /// Words as jieba tags them, written `word/tag` and separated by spaces.
    fn words(tagged: &str) -> Vec<Word> {
        tagged
            .split(' ')
            .map(|w| {
                let (text, tag) = w.rsplit_once('/').expect("word/tag");
                Word::new(text.replace('_', " "), tag)
            })
            .collect()
    }

    const ARTICLE: &str = "第八十五条/m _/x 国务院/nt ，/x 即/v 中央人民政府/nt ，/x 是/v 最高/a 国家/n 行政/n 机关/n 。/x 国务院/nt 由/p 总理/n 组成/v 。/x";
    const OTHERS: &str = "全国人民代表大会/nt 是/v 最高/a 国家/n 权力/n 机关/n 。/x 最高人民法院/nt 是/v 最高/a 审判/vn 机关/n 。/x 最高人民检察院/nt 是/v 国家/n 的/uj 法律/n 监督/vn 机关/n 。/x 中央军事委员会/nt 领导/v 全国/n 武装力量/n 。/x 地方/n 人民政府/nt 是/v 地方/n 国家/n 行政/n 机关/n 。/x";

    fn material() -> Material {
        let article = words(ARTICLE);
        let others = words(OTHERS);
        Material::new(
            "中华人民共和国宪法",
            [article.as_slice(), others.as_slice()],
        )
    }

    fn reading(words: &[Word]) -> Reading<'_> {
        Reading {
            excerpt: ExcerptId(0),
            place: "第八十五条",
            words,
            key_terms: &[],
        }
    }

    #[test]
    fn a_single_choice_offers_terms_of_the_same_kind_and_cites_its_article() {
        let words = words(ARTICLE);
        let questions = propose(reading(&words), &material(), "宪法", 3);
        let first = &questions[0];
        assert!(first.text.starts_with("根据《宪法》，"), "{}", first.text);
        assert!(first.text.contains(BLANK), "{}", first.text);
        let Answer::Single { choices } = &first.answer else {
            panic!("a single choice first: {first:?}");
        };
        assert_eq!(choices.len(), 4);
        let right: Vec<&str> = choices
            .iter()
            .filter(|c| c.is_right())
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(right.len(), 1);
        // Organizations against organizations.
        let organizations = [
            "中央人民政府",
            "地方人民政府",
            "全国人民代表大会",
            "最高人民法院",
            "最高人民检察院",
            "中央军事委员会",
        ];
        assert!(
            choices
                .iter()
                .all(|c| organizations.contains(&c.text.as_str())),
            "{choices:?}"
        );
        assert_eq!(
            first.explanation,
            "见《宪法》第八十五条：“国务院，即中央人民政府，是最高国家行政机关。”"
        );
        assert_eq!(first.excerpt, Some(ExcerptId(0)));
        assert!(questions.iter().all(|q| q.check().is_ok()));
        assert!(questions.iter().all(|q| q.tags == [GENERATED_TAG]));
    }

    #[test]
    fn a_false_statement_swaps_a_term_of_the_same_kind() {
        let words = words(ARTICLE);
        let mut reading = reading(&words);
        // The second question is a statement, made false on this turn.
        reading.excerpt = ExcerptId(1);
        let questions = propose(reading, &material(), "宪法", 1);
        let statement = &questions[0];
        assert!(
            matches!(statement.answer, Answer::TrueFalse { correct: false, .. }),
            "{statement:?}"
        );
        assert!(statement.text.starts_with("根据《宪法》，"));
        assert!(!statement.text.contains(BLANK));
        assert!(statement.explanation.contains("中央人民政府"));
        // Another organization stands where the government stood.
        assert!(!statement.text.contains("中央人民政府"));
        assert!(
            [
                "全国人民代表大会",
                "最高人民法院",
                "最高人民检察院",
                "中央军事委员会"
            ]
            .iter()
            .any(|o| statement.text.contains(o)),
            "{}",
            statement.text
        );
    }

    #[test]
    fn a_blank_is_a_whole_term() {
        let words = words(ARTICLE);
        let mut reading = reading(&words);
        reading.excerpt = ExcerptId(2);
        let questions = propose(reading, &material(), "宪法", 1);
        let blank = &questions[0];
        let Answer::Blank { accepted, .. } = &blank.answer else {
            panic!("a blank: {blank:?}");
        };
        // 中央人民政府 is blanked whole, never 人民政府 inside it.
        assert!(
            ["中央人民政府", "国家行政机关"].contains(&accepted[0].as_str()),
            "{accepted:?}"
        );
        assert_eq!(
            grade(&blank.answer, &Response::Text(accepted[0].clone())),
            Grade::Scored(1.0)
        );
    }

    #[test]
    fn sentences_that_lean_on_their_context_are_passed_over() {
        for tagged in [
            // An amendment's frame.
            "宪法/n 第九条/m 修改/v 为/p ：/x “/x 国家/n 保障/v 自然资源/n 的/uj 合理/a 利用/vn 。/x",
            // "This law" trivia.
            "本法/r 自/p 公布/v 之/u 日/m 起/v 施行/v 。/x",
            // A list item and the list's announcement.
            "（/x 四/m ）/x 危害/v 国家/n 安全/an 的/uj 。/x",
            "公民/n 有/v 下列/b 权利/n ：/x",
            // A reference to another article.
            "依照/p 第三十条/m 规定/n 设立/v 的/uj 自治州/ns 。/x",
            // Continues the sentence before.
            "但是/c 法律/n 另有/v 规定/n 的/uj 除外/v 。/x",
            // Not closed: a list item ending in a semicolon.
            "国家/n 举办/v 各种/r 学校/n ；/x",
        ] {
            let words = words(tagged);
            assert!(
                propose(reading(&words), &material(), "宪法", 3).is_empty(),
                "{tagged}"
            );
        }
    }
}
