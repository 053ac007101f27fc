//! The question bank: what a question is, how an answer to it is graded,
//! and the files questions come in and go out as (Moodle GIFT, Moodle XML,
//! and our own CSV/XLSX template).

mod generate;
mod gift;
mod markup;
mod moodle_xml;
mod template;

pub use generate::{GENERATED_TAG, Material, Reading, Word, propose};
pub use gift::{parse_gift, write_gift};
pub use markup::{TextFormat, html_to_text};
pub use moodle_xml::{parse_moodle_xml, write_moodle_xml};
pub use template::{TEMPLATE_COLUMNS, parse_template, template_rows};

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use thiserror::Error;

use crate::library::ExcerptId;
use crate::text::half_width;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuestionId(pub i64);

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One option of a choice question, with the share of the marks it earns
/// (a percentage, negative for a wrong option of a partial-credit
/// question) and what the member is told if they chose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

impl Choice {
    pub fn right(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            weight: 100.0,
            feedback: None,
        }
    }

    pub fn wrong(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            weight: 0.0,
            feedback: None,
        }
    }

    pub fn is_right(&self) -> bool {
        self.weight > 0.0
    }
}

/// How a multiple-choice question with several right options is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Full marks for exactly the right options, nothing otherwise.
    AllOrNothing,
    /// The sum of the chosen options' weights, at least nothing.
    Partial,
}

/// What a question asks for, and what counts as right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    /// One option is chosen.
    Single { choices: Vec<Choice> },
    /// Any number of options are chosen.
    Multiple {
        choices: Vec<Choice>,
        scoring: Scoring,
    },
    TrueFalse {
        correct: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        if_true: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        if_false: Option<String>,
    },
    /// A word or phrase is typed; any of the accepted ones counts, however
    /// it is spaced, in full-width or half-width characters, in any case.
    /// Some others may earn part of the marks (Moodle's short answers).
    Blank {
        accepted: Vec<String>,
        /// Absent from answers stored before it was known.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        partial: Vec<PartialAnswer>,
    },
    /// Written out and marked by hand.
    Short {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
    },
}

/// A typed answer that earns part of the marks: its share, a percentage
/// between 0 and 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialAnswer {
    pub text: String,
    pub weight: f64,
}

/// How far from 100% a weight (or the right options' weights together)
/// may be and still count as full marks: Moodle writes thirds as 33.33333
/// and people as 33.3, and Moodle itself compares to two places.
pub const WEIGHT_TOLERANCE: f64 = 0.5;

/// Whether a percentage is full marks, give or take `WEIGHT_TOLERANCE`.
pub fn is_whole(percent: f64) -> bool {
    (percent - 100.0).abs() <= WEIGHT_TOLERANCE
}

/// The kinds of question, as the API and the template name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    TrueFalse,
    Blank,
    Short,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Single,
        Kind::Multiple,
        Kind::TrueFalse,
        Kind::Blank,
        Kind::Short,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "true_false",
            Kind::Blank => "blank",
            Kind::Short => "short",
        }
    }

    /// Reads a kind by its code or its usual Chinese name.
    pub fn parse(input: &str) -> Option<Self> {
        let key = half_width(input)
            .trim()
            .to_lowercase()
            .replace(['-', ' '], "_");
        match key.as_str() {
            "single" | "单选" | "单选题" => Some(Kind::Single),
            "multiple" | "多选" | "多选题" => Some(Kind::Multiple),
            "true_false" | "truefalse" | "判断" | "判断题" => Some(Kind::TrueFalse),
            "blank" | "填空" | "填空题" => Some(Kind::Blank),
            "short" | "简答" | "简答题" => Some(Kind::Short),
            _ => None,
        }
    }
}

impl Answer {
    pub fn kind(&self) -> Kind {
        match self {
            Answer::Single { .. } => Kind::Single,
            Answer::Multiple { .. } => Kind::Multiple,
            Answer::TrueFalse { .. } => Kind::TrueFalse,
            Answer::Blank { .. } => Kind::Blank,
            Answer::Short { .. } => Kind::Short,
        }
    }

    /// The options a member picks from, if any (in the bank's order).
    pub fn choices(&self) -> &[Choice] {
        match self {
            Answer::Single { choices } | Answer::Multiple { choices, .. } => choices,
            _ => &[],
        }
    }

    /// Checks that the question can be answered right: choices to choose
    /// from with a right one among them, accepted words for a blank.
    pub fn check(&self) -> Result<(), QuestionError> {
        match self {
            Answer::Single { choices } => {
                check_choices(choices)?;
                if !choices.iter().any(|c| is_whole(c.weight)) {
                    return Err(QuestionError::NoRightChoice);
                }
            }
            Answer::Multiple { choices, scoring } => {
                check_choices(choices)?;
                if !choices.iter().any(Choice::is_right) {
                    return Err(QuestionError::NoRightChoice);
                }
                // Partial credit adds weights up: the right ones together
                // must make full marks, as Moodle requires.
                let total = right_weight(choices);
                if *scoring == Scoring::Partial && !is_whole(total) {
                    return Err(QuestionError::RightWeights(weight_text(total)));
                }
            }
            Answer::Blank { accepted, partial } => {
                if accepted.iter().all(|a| normalize_blank(a).is_empty()) {
                    return Err(QuestionError::NoAcceptedAnswer);
                }
                if let Some(answer) = partial
                    .iter()
                    .find(|p| !(p.weight > 0.0 && p.weight < 100.0))
                {
                    return Err(QuestionError::PartialWeight(answer.weight));
                }
                if partial.iter().any(|p| normalize_blank(&p.text).is_empty()) {
                    return Err(QuestionError::NoAcceptedAnswer);
                }
            }
            Answer::TrueFalse { .. } | Answer::Short { .. } => {}
        }
        Ok(())
    }
}

/// What the right options of a choice question weigh together.
fn right_weight(choices: &[Choice]) -> f64 {
    choices
        .iter()
        .filter(|c| c.is_right())
        .map(|c| c.weight)
        .sum()
}

/// The most options a choice question may have (A–J).
pub const MAX_CHOICES: usize = 10;

fn check_choices(choices: &[Choice]) -> Result<(), QuestionError> {
    if choices.len() < 2 {
        return Err(QuestionError::TooFewChoices);
    }
    if choices.len() > MAX_CHOICES {
        return Err(QuestionError::TooManyChoices(choices.len()));
    }
    if choices.iter().any(|c| c.text.trim().is_empty()) {
        return Err(QuestionError::EmptyChoice);
    }
    if let Some(choice) = choices
        .iter()
        .find(|c| !(-100.0..=100.0).contains(&c.weight))
    {
        return Err(QuestionError::Weight(choice.weight));
    }
    Ok(())
}

/// How hard a question is, from 1 (easy) to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Difficulty(u8);

impl Difficulty {
    pub const DEFAULT: Difficulty = Difficulty(3);

    pub fn new(level: u8) -> Result<Self, QuestionError> {
        if (1..=5).contains(&level) {
            Ok(Difficulty(level))
        } else {
            Err(QuestionError::Difficulty(level.to_string()))
        }
    }

    pub fn parse(input: &str) -> Result<Self, QuestionError> {
        let text = half_width(input);
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::DEFAULT);
        }
        let level = match text {
            "易" | "容易" | "easy" => 1,
            "中" | "中等" | "medium" => 3,
            "难" | "困难" | "hard" => 5,
            _ => text
                .parse::<u8>()
                .map_err(|_| QuestionError::Difficulty(text.to_owned()))?,
        };
        Self::new(level)
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

impl Default for Difficulty {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A question as the bank keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// A short name (GIFT's `::title::`, Moodle's `<name>`); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The question itself. A blank question may mark where its blank is
    /// with `BLANK`; otherwise the blank follows the text.
    pub text: String,
    pub answer: Answer,
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub difficulty: Difficulty,
    /// Shown with the right answer once a test is submitted.
    #[serde(default)]
    pub explanation: String,
    /// The excerpt the question comes from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<ExcerptId>,
}

/// Where a blank question's blank is, in its text.
pub const BLANK: &str = "____";

/// The category of questions that name none.
pub const DEFAULT_CATEGORY: &str = "默认";

impl Question {
    pub fn new(text: impl Into<String>, answer: Answer) -> Self {
        Self {
            title: None,
            text: text.into(),
            answer,
            category: DEFAULT_CATEGORY.to_owned(),
            tags: Vec::new(),
            difficulty: Difficulty::DEFAULT,
            explanation: String::new(),
            excerpt: None,
        }
    }

    /// Checks what every question needs, whatever file it came from.
    pub fn check(&self) -> Result<(), QuestionError> {
        if self.text.trim().is_empty() {
            return Err(QuestionError::NoText);
        }
        if self.text.chars().count() > MAX_TEXT {
            return Err(QuestionError::TooLong(MAX_TEXT));
        }
        self.answer.check()
    }
}

/// The longest question text, in characters.
pub const MAX_TEXT: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum QuestionError {
    #[error("the question has no text")]
    NoText,
    #[error("the question is longer than {0} characters")]
    TooLong(usize),
    #[error("a choice question needs at least two options")]
    TooFewChoices,
    #[error("a choice question has at most 10 options, not {0}")]
    TooManyChoices(usize),
    #[error("an option is empty")]
    EmptyChoice,
    #[error("no option is marked right")]
    NoRightChoice,
    #[error("a blank question needs at least one accepted answer")]
    NoAcceptedAnswer,
    #[error("an option's weight must be between -100% and 100%, not {0}%")]
    Weight(f64),
    #[error("the right options' weights add up to {0}%, not 100%")]
    RightWeights(String),
    #[error("an answer earning part of the marks earns more than 0% and less than 100%, not {0}%")]
    PartialWeight(f64),
    #[error("the difficulty must be 1 to 5 (or 易/中/难), not \"{0}\"")]
    Difficulty(String),
}

/// What a member gave as their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Response {
    /// Options chosen, by their index in the bank's order.
    Chosen(BTreeSet<usize>),
    Bool(bool),
    Text(String),
}

/// The longest written answer, in characters.
pub const MAX_ANSWER: usize = 5_000;

impl Response {
    /// A written answer, refused when it is longer than `MAX_ANSWER`.
    pub fn written(text: String) -> Result<Self, crate::text::TextError> {
        if text.chars().count() > MAX_ANSWER {
            return Err(crate::text::TextError::TooLong {
                field: "answer",
                limit: MAX_ANSWER,
            });
        }
        Ok(Response::Text(text))
    }
}

/// The outcome of grading one answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// The share of the question's marks earned, from 0 to 1.
    Scored(f64),
    /// Marked by hand later.
    Pending,
}

impl Grade {
    pub fn is_full(self) -> bool {
        matches!(self, Grade::Scored(share) if share >= 1.0 - 1e-9)
    }
}

/// Grades a response; a response of the wrong shape (text for a choice
/// question, say) earns nothing.
pub fn grade(answer: &Answer, response: &Response) -> Grade {
    let percent = match (answer, response) {
        (Answer::Single { choices }, Response::Chosen(chosen)) => match chosen.len() {
            1 => chosen
                .first()
                .and_then(|i| choices.get(*i))
                .map_or(0.0, |c| c.weight),
            _ => 0.0,
        },
        (Answer::Multiple { choices, scoring }, Response::Chosen(chosen)) => {
            if chosen.iter().any(|i| *i >= choices.len()) {
                0.0
            } else {
                match scoring {
                    Scoring::AllOrNothing => {
                        let right: BTreeSet<usize> = (0..choices.len())
                            .filter(|i| choices[*i].is_right())
                            .collect();
                        if *chosen == right { 100.0 } else { 0.0 }
                    }
                    Scoring::Partial => chosen.iter().map(|i| choices[*i].weight).sum::<f64>(),
                }
            }
        }
        (Answer::TrueFalse { correct, .. }, Response::Bool(given)) if given == correct => 100.0,
        (Answer::Blank { accepted, partial }, Response::Text(given)) => {
            let given = normalize_blank(given);
            let matches = |text: &str| !given.is_empty() && normalize_blank(text) == given;
            if accepted.iter().any(|a| matches(a)) {
                100.0
            } else {
                partial
                    .iter()
                    .filter(|p| matches(&p.text))
                    .map(|p| p.weight)
                    .fold(0.0, f64::max)
            }
        }
        (Answer::Short { .. }, Response::Text(_)) => return Grade::Pending,
        _ => 0.0,
    };
    // Thirds written to a few places still make full marks together.
    let share = if is_whole(percent) {
        1.0
    } else {
        percent / 100.0
    };
    Grade::Scored(share.clamp(0.0, 1.0))
}

/// What two typed answers are compared as: full-width forms folded to
/// half-width, whitespace removed, letters in lower case.
pub fn normalize_blank(input: &str) -> String {
    half_width(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Why a file of questions was refused: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The line (GIFT, Moodle XML) or row (CSV/XLSX) at fault, from 1.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for FormatError {}

impl FormatError {
    pub fn new(line: usize, reason: impl Into<String>) -> Self {
        Self {
            line,
            reason: reason.into(),
        }
    }
}

/// What a file of questions holds: its questions, and the items that are
/// not questions, left out and reported.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub questions: Vec<Question>,
    pub skipped: Vec<Skipped>,
}

/// An item of a file left out of the bank, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its line in the file, from 1.
    pub line: usize,
    /// Its name in the file, if it has one.
    pub title: Option<String>,
    pub what: Skip,
}

/// Why an item was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Text that asks nothing (Moodle's "description"), shown between
    /// questions in a Moodle quiz; our tests draw questions one by one.
    Description,
}

/// The files a bank is imported from and exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Gift,
    MoodleXml,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Gift, Format::MoodleXml, Format::Csv, Format::Xlsx];

    pub fn code(self) -> &'static str {
        match self {
            Format::Gift => "gift",
            Format::MoodleXml => "moodle-xml",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Gift => "gift.txt",
            Format::MoodleXml => "xml",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Gift => "text/plain; charset=utf-8",
            Format::MoodleXml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// Reads a file of questions in this format, all or nothing.
    pub fn read(self, bytes: &[u8]) -> Result<Parsed, FormatError> {
        match self {
            Format::Gift => parse_gift(&text_of(bytes)?),
            Format::MoodleXml => parse_moodle_xml(&text_of(bytes)?),
            Format::Csv | Format::Xlsx => Ok(Parsed {
                questions: parse_template(bytes)?,
                skipped: Vec::new(),
            }),
        }
    }

    /// Writes questions in this format.
    pub fn write(self, questions: &[Question]) -> Vec<u8> {
        match self {
            Format::Gift => write_gift(questions).into_bytes(),
            Format::MoodleXml => write_moodle_xml(questions).into_bytes(),
            Format::Csv => crate::table::write_csv(&template_rows(questions)),
            // Writing a workbook to memory fails only on a bad sheet name,
            // and ours is fixed.
            Format::Xlsx => {
                crate::table::write_xlsx("questions", &template_rows(questions)).unwrap_or_default()
            }
        }
    }
}

/// A text file's contents: UTF-8, or GB18030 as Chinese Windows saves it.
fn text_of(bytes: &[u8]) -> Result<String, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                Err(FormatError::new(1, "the text is neither UTF-8 nor GB18030"))
            } else {
                Ok(text.into_owned())
            }
        }
    }
}

/// Files questions under a category: those in the default one go straight
/// in, the others become its subcategories.
pub fn file_under(questions: &mut [Question], category: &str) {
    let category = category.trim().trim_matches('/');
    if category.is_empty() {
        return;
    }
    for question in questions {
        question.category = if question.category == DEFAULT_CATEGORY {
            category.to_owned()
        } else {
            format!("{category}/{}", question.category)
        };
    }
}

/// Writes a weight as Moodle does: whole where it is whole, otherwise
/// with up to five decimals (33.33333).
fn weight_text(weight: f64) -> String {
    let rounded = (weight * 100_000.0).round() / 100_000.0;
    let text = format!("{rounded:.5}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Options whose weights say which are right, for a question that names
/// its right options only: an equal share each, and (for partial credit)
/// the same share taken away for each wrong one chosen.
pub fn weigh_choices(texts: Vec<String>, right: &BTreeSet<usize>, scoring: Scoring) -> Vec<Choice> {
    let share = 100.0 / right.len().max(1) as f64;
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| Choice {
            text,
            weight: if right.contains(&i) {
                share
            } else if scoring == Scoring::Partial {
                -share
            } else {
                0.0
            },
            feedback: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(indices: &[usize]) -> Response {
        Response::Chosen(indices.iter().copied().collect())
    }

    fn multiple(scoring: Scoring) -> Answer {
        Answer::Multiple {
            choices: weigh_choices(
                ["A", "B", "C", "D"].map(String::from).to_vec(),
                &[0, 2].into_iter().collect(),
                scoring,
            ),
            scoring,
        }
    }

    #[test]
    fn single_choice_earns_the_chosen_options_weight() {
        let answer = Answer::Single {
            choices: vec![
                Choice::right("宪法"),
                Choice::wrong("民法典"),
                Choice {
                    weight: 50.0,
                    ..Choice::wrong("宪法修正案")
                },
            ],
        };
        assert_eq!(grade(&answer, &chosen(&[0])), Grade::Scored(1.0));
        assert_eq!(grade(&answer, &chosen(&[1])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[2])), Grade::Scored(0.5));
        // Two options for a single choice, none, or one that is not there.
        assert_eq!(grade(&answer, &chosen(&[0, 1])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[7])), Grade::Scored(0.0));
        assert_eq!(
            grade(&answer, &Response::Text("A".into())),
            Grade::Scored(0.0)
        );
    }

    #[test]
    fn multiple_choice_all_or_nothing_wants_exactly_the_right_set() {
        let answer = multiple(Scoring::AllOrNothing);
        assert_eq!(grade(&answer, &chosen(&[0, 2])), Grade::Scored(1.0));
        assert_eq!(grade(&answer, &chosen(&[0])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[0, 1, 2])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[0, 2, 9])), Grade::Scored(0.0));
    }

    #[test]
    fn multiple_choice_partial_credit_adds_weights_and_never_goes_below_zero() {
        let answer = multiple(Scoring::Partial);
        assert_eq!(grade(&answer, &chosen(&[0, 2])), Grade::Scored(1.0));
        assert_eq!(grade(&answer, &chosen(&[2])), Grade::Scored(0.5));
        assert_eq!(grade(&answer, &chosen(&[0, 1])), Grade::Scored(0.0));
        assert_eq!(grade(&answer, &chosen(&[1, 3])), Grade::Scored(0.0));
        // Choosing everything does not pay.
        assert_eq!(grade(&answer, &chosen(&[0, 1, 2, 3])), Grade::Scored(0.0));
    }

    #[test]
    fn true_false_compares_the_given_truth() {
        let answer = Answer::TrueFalse {
            correct: false,
            if_true: None,
            if_false: None,
        };
        assert_eq!(grade(&answer, &Response::Bool(false)), Grade::Scored(1.0));
        assert_eq!(grade(&answer, &Response::Bool(true)), Grade::Scored(0.0));
    }

    #[test]
    fn blanks_tolerate_width_space_and_case() {
        let answer = Answer::Blank {
            accepted: vec!["全国人民代表大会".into(), "NPC".into(), "第 3 条".into()],
            partial: vec![],
        };
        for given in [
            "全国人民代表大会",
            " 全国 人民代表大会\u{3000}",
            "npc",
            "ＮＰＣ",
            "第3条",
            "第３条",
        ] {
            assert_eq!(
                grade(&answer, &Response::Text(given.into())),
                Grade::Scored(1.0),
                "{given}"
            );
        }
        for given in ["全国人大常委会", "", "  "] {
            assert_eq!(
                grade(&answer, &Response::Text(given.into())),
                Grade::Scored(0.0),
                "{given}"
            );
        }
    }

    #[test]
    fn thirds_and_partial_typed_answers_grade_as_moodle_does() {
        let third = |text: &str, weight: f64| Choice {
            weight,
            ..Choice::wrong(text)
        };
        for weight in [33.33333, 33.3333, 33.3] {
            let answer = Answer::Multiple {
                choices: vec![
                    third("A", weight),
                    third("B", weight),
                    third("C", weight),
                    third("D", -100.0),
                ],
                scoring: Scoring::Partial,
            };
            assert_eq!(answer.check(), Ok(()));
            assert!(grade(&answer, &chosen(&[0, 1, 2])).is_full(), "{weight}");
            assert_eq!(grade(&answer, &chosen(&[0, 1, 2, 3])), Grade::Scored(0.0));
        }
        let two_thirds = Answer::Multiple {
            choices: vec![third("A", 66.66667), third("B", 33.33333), third("C", 0.0)],
            scoring: Scoring::Partial,
        };
        assert!(grade(&two_thirds, &chosen(&[0, 1])).is_full());
        let short = Answer::Multiple {
            choices: vec![third("A", 40.0), third("B", 40.0), third("C", 0.0)],
            scoring: Scoring::Partial,
        };
        assert_eq!(short.check(), Err(QuestionError::RightWeights("80".into())));

        let capital = Answer::Blank {
            accepted: vec!["首都".into()],
            partial: vec![PartialAnswer {
                text: "北京市".into(),
                weight: 50.0,
            }],
        };
        let typed = |text: &str| grade(&capital, &Response::Text(text.into()));
        assert_eq!(typed("首都"), Grade::Scored(1.0));
        assert_eq!(typed("北京 市"), Grade::Scored(0.5));
        assert_eq!(typed("上海"), Grade::Scored(0.0));
    }

    #[test]
    fn blanks_stored_before_partial_credit_still_read_and_hash_the_same() {
        let stored = r#"{"type":"blank","accepted":["全国人大"]}"#;
        let answer: Answer = serde_json::from_str(stored).expect("reads");
        assert_eq!(
            answer,
            Answer::Blank {
                accepted: vec!["全国人大".into()],
                partial: vec![],
            }
        );
        assert_eq!(serde_json::to_string(&answer).expect("writes"), stored);
    }

    #[test]
    fn short_answers_wait_for_a_person() {
        let answer = Answer::Short { model: None };
        assert_eq!(
            grade(&answer, &Response::Text("依法治国".into())),
            Grade::Pending
        );
    }

    #[test]
    fn a_question_must_be_answerable() {
        let mut question = Question::new(
            "？",
            Answer::Single {
                choices: vec![Choice::wrong("a"), Choice::wrong("b")],
            },
        );
        assert_eq!(question.check(), Err(QuestionError::NoRightChoice));
        question.answer = Answer::Single {
            choices: vec![Choice::right("a")],
        };
        assert_eq!(question.check(), Err(QuestionError::TooFewChoices));
        question.answer = Answer::Blank {
            accepted: vec![" ".into()],
            partial: vec![],
        };
        assert_eq!(question.check(), Err(QuestionError::NoAcceptedAnswer));
        question.answer = Answer::Blank {
            accepted: vec!["a".into()],
            partial: vec![PartialAnswer {
                text: "b".into(),
                weight: 100.0,
            }],
        };
        assert_eq!(question.check(), Err(QuestionError::PartialWeight(100.0)));
        question.answer = Answer::Blank {
            accepted: vec!["a".into()],
            partial: vec![],
        };
        question.text = " ".into();
        assert_eq!(question.check(), Err(QuestionError::NoText));
    }

    #[test]
    fn difficulty_reads_numbers_and_words() {
        assert_eq!(Difficulty::parse("").expect("valid"), Difficulty::DEFAULT);
        assert_eq!(Difficulty::parse("难").expect("valid").level(), 5);
        assert_eq!(Difficulty::parse("２").expect("valid").level(), 2);
        assert!(Difficulty::parse("6").is_err());
        assert!(Difficulty::parse("hardest").is_err());
    }

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        /// Text with every character the formats treat specially.
        fn text() -> impl Strategy<Value = String> {
            let special: Vec<char> = "ab宪法第条 ~=#{}:\\<>&\"'%\n-[]/".chars().collect();
            proptest::collection::vec(prop::sample::select(special), 0..12)
                .prop_map(|t| t.into_iter().collect::<String>().trim().to_owned())
                .prop_filter("not empty", |t| !t.is_empty())
        }

        fn answer() -> impl Strategy<Value = Answer> {
            prop_oneof![
                (
                    proptest::collection::vec(text(), 2..5),
                    any::<prop::sample::Index>()
                )
                    .prop_map(|(texts, right)| {
                        let right = right.index(texts.len());
                        Answer::Single {
                            choices: weigh_choices(texts, &[right].into(), Scoring::AllOrNothing),
                        }
                    }),
                (proptest::collection::vec(text(), 2..5), any::<bool>()).prop_map(
                    |(texts, partial)| {
                        let scoring = if partial {
                            Scoring::Partial
                        } else {
                            Scoring::AllOrNothing
                        };
                        let right = [0, texts.len() - 1].into();
                        Answer::Multiple {
                            choices: weigh_choices(texts, &right, scoring),
                            scoring,
                        }
                    }
                ),
                any::<bool>().prop_map(|correct| Answer::TrueFalse {
                    correct,
                    if_true: None,
                    if_false: None
                }),
                (
                    proptest::collection::vec(text(), 1..3),
                    proptest::option::of((
                        text(),
                        prop::sample::select(vec![12.5, 33.33333, 50.0])
                    ))
                )
                    .prop_map(|(accepted, partial)| Answer::Blank {
                        accepted,
                        partial: partial
                            .map(|(text, weight)| PartialAnswer { text, weight })
                            .into_iter()
                            .collect(),
                    }),
                Just(Answer::Short { model: None }),
            ]
        }

        fn question() -> impl Strategy<Value = Question> {
            (
                text(),
                answer(),
                text(),
                proptest::option::of(text()),
                1u8..=5,
                proptest::option::of(0i64..1000),
            )
                .prop_map(
                    |(text, answer, explanation, title, level, excerpt)| Question {
                        title,
                        text,
                        answer,
                        category: "宪法/总纲".into(),
                        tags: vec!["宪法".into()],
                        difficulty: Difficulty::new(level).unwrap_or_default(),
                        explanation,
                        excerpt: excerpt.map(ExcerptId),
                    },
                )
                .prop_filter("answerable", |q| q.check().is_ok())
        }

        proptest! {
            #[test]
            fn questions_come_back_from_every_format(questions in proptest::collection::vec(question(), 1..4)) {
                let gift = write_gift(&questions);
                prop_assert_eq!(&parse_gift(&gift).map_err(|e| TestCaseError::fail(format!("{e}\n{gift}")))?.questions, &questions);
                let xml = write_moodle_xml(&questions);
                prop_assert_eq!(&parse_moodle_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?.questions, &questions);
                let rows = template_rows(&questions);
                let csv = crate::table::write_csv(&rows);
                prop_assert_eq!(&parse_template(&csv).map_err(|e| TestCaseError::fail(e.to_string()))?, &questions);
            }
        }
    }

    #[test]
    fn weights_are_written_as_moodle_writes_them() {
        assert_eq!(weight_text(100.0), "100");
        assert_eq!(weight_text(100.0 / 3.0), "33.33333");
        assert_eq!(weight_text(-50.0), "-50");
        assert_eq!(weight_text(12.5), "12.5");
    }
}
