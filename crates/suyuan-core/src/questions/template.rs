//! Our own question template, for people who keep questions in a
//! spreadsheet: one question a row, under a header row naming the columns
//! (in English or Chinese, in any order):
//!
//! | column | 列名 | what goes in it |
//! | --- | --- | --- |
//! | `type` | 题型 | `single` 单选, `multiple` 多选, `true_false` 判断, `blank` 填空, `short` 简答 |
//! | `text` | 题干 | the question; `____` marks a blank's place |
//! | `A` … `J` | | a choice question's options |
//! | `answer` | 答案 | `B`; `ACD`; 对/错 (or true/false, T/F, √/×); accepted words split by `\|` (`%50%word` earns half the marks); a short answer's model answer |
//! | `scoring` | 评分 | multiple choice: `all_or_nothing` 全对得分 (the default) or `partial` 按比例 |
//! | `category` | 分类 | the category (default 默认) |
//! | `title` | 标题 | a short name |
//! | `difficulty` | 难度 | 1–5 or 易/中/难 (default 3) |
//! | `explanation` | 解析 | shown after the test |
//! | `tags` | 标签 | separated by `;` |
//! | `excerpt` | 出处 | the id of the excerpt it comes from |
//!
//! Only `type`, `text` and `answer` are required. Options carry no weights
//! or feedback here: a question that has them is better kept in GIFT or
//! Moodle XML.

use std::collections::{BTreeSet, HashMap};

use super::{
    Answer, DEFAULT_CATEGORY, Difficulty, FormatError, Kind, MAX_CHOICES, PartialAnswer, Question,
    Scoring, is_whole, weigh_choices, weight_text,
};
use crate::library::ExcerptId;
use crate::table;
use crate::text::{half_width, tidy};

/// The template's header row, in the order we write it.
pub const TEMPLATE_COLUMNS: [&str; 20] = [
    "type",
    "text",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "answer",
    "scoring",
    "category",
    "title",
    "difficulty",
    "explanation",
    "tags",
    "excerpt",
];

const LETTERS: &str = "ABCDEFGHIJ";

fn column_of(header: &str) -> Option<&'static str> {
    let key = tidy(&half_width(header)).to_lowercase().replace(' ', "_");
    let name = match key.as_str() {
        "题型" => "type",
        "题干" | "题目" => "text",
        "答案" => "answer",
        "评分" => "scoring",
        "分类" => "category",
        "标题" => "title",
        "难度" => "difficulty",
        "解析" => "explanation",
        "标签" => "tags",
        "出处" => "excerpt",
        other => {
            let upper = other.to_uppercase();
            let option = upper.strip_prefix("选项").unwrap_or(&upper);
            return TEMPLATE_COLUMNS
                .iter()
                .find(|c| c.eq_ignore_ascii_case(other) || **c == option)
                .copied();
        }
    };
    Some(name)
}

/// Reads the template from a CSV or XLSX file. All or nothing: the first
/// problem refuses the file, naming its row (as a spreadsheet numbers it).
pub fn parse_template(bytes: &[u8]) -> Result<Vec<Question>, FormatError> {
    let rows = table::read(bytes).map_err(|e| FormatError::new(1, e.to_string()))?;
    let header_at = rows
        .iter()
        .position(|row| row.iter().any(|cell| !cell.trim().is_empty()))
        .ok_or_else(|| FormatError::new(1, "the file is empty"))?;
    let header_line = header_at + 1;
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for (index, title) in rows[header_at].iter().enumerate() {
        if let Some(name) = column_of(title)
            && columns.insert(name, index).is_some()
        {
            return Err(FormatError::new(
                header_line,
                format!("the header names column {name} twice"),
            ));
        }
    }
    for required in ["type", "text", "answer"] {
        if !columns.contains_key(required) {
            return Err(FormatError::new(
                header_line,
                format!("the header has no column {required}"),
            ));
        }
    }
    let mut questions = Vec::new();
    for (index, row) in rows.iter().enumerate().skip(header_at + 1) {
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line = index + 1;
        let cell = |name: &str| -> String {
            columns
                .get(name)
                .and_then(|i| row.get(*i))
                .map_or(String::new(), |c| c.trim().to_owned())
        };
        let question = read_row(&cell).map_err(|reason| FormatError::new(line, reason))?;
        question
            .check()
            .map_err(|e| FormatError::new(line, e.to_string()))?;
        questions.push(question);
    }
    if questions.is_empty() {
        return Err(FormatError::new(
            header_line,
            "the file has a header but no questions",
        ));
    }
    Ok(questions)
}

fn read_row(cell: &dyn Fn(&str) -> String) -> Result<Question, String> {
    let kind_text = cell("type");
    let kind = Kind::parse(&kind_text).ok_or_else(|| {
        format!("column type: \"{kind_text}\" is not single, multiple, true_false, blank or short")
    })?;
    let answer_text = cell("answer");
    let options: Vec<String> = LETTERS
        .chars()
        .map(|letter| cell(&letter.to_string()))
        .collect();
    let last = options.iter().rposition(|o| !o.is_empty());
    let options: Vec<String> = options[..last.map_or(0, |l| l + 1)].to_vec();
    if !matches!(kind, Kind::Single | Kind::Multiple) && !options.is_empty() {
        return Err(format!(
            "column A: a {} question has no options",
            kind.code()
        ));
    }
    let answer = match kind {
        Kind::Single | Kind::Multiple => {
            if let Some(gap) = options.iter().position(String::is_empty) {
                return Err(format!(
                    "column {}: an option is missing between others",
                    &LETTERS[gap..=gap]
                ));
            }
            let right = letters(&answer_text, options.len())?;
            if kind == Kind::Single {
                if right.len() != 1 {
                    return Err(format!(
                        "column answer: a single-choice question has one right option, not \"{answer_text}\""
                    ));
                }
                Answer::Single {
                    choices: weigh_choices(options, &right, Scoring::AllOrNothing),
                }
            } else {
                let scoring = match cell("scoring").as_str() {
                    "" | "all_or_nothing" | "全对得分" => Scoring::AllOrNothing,
                    "partial" | "按比例" => Scoring::Partial,
                    other => {
                        return Err(format!(
                            "column scoring: \"{other}\" is not all_or_nothing or partial"
                        ));
                    }
                };
                Answer::Multiple {
                    choices: weigh_choices(options, &right, scoring),
                    scoring,
                }
            }
        }
        Kind::TrueFalse => {
            let correct = match half_width(&answer_text).trim().to_lowercase().as_str() {
                "对" | "正确" | "是" | "true" | "t" | "√" | "✓" => true,
                "错" | "错误" | "否" | "false" | "f" | "×" | "✗" => false,
                _ => {
                    return Err(format!(
                        "column answer: \"{answer_text}\" is not 对 or 错 (true or false)"
                    ));
                }
            };
            Answer::TrueFalse {
                correct,
                if_true: None,
                if_false: None,
            }
        }
        Kind::Blank => {
            let (mut accepted, mut partial) = (Vec::new(), Vec::new());
            for word in answer_text
                .split(['|', '｜'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                match weighted(word)? {
                    Some((weight, text)) if is_whole(weight) => accepted.push(text.to_owned()),
                    Some((weight, text)) => partial.push(PartialAnswer {
                        text: text.to_owned(),
                        weight,
                    }),
                    None => accepted.push(word.to_owned()),
                }
            }
            Answer::Blank { accepted, partial }
        }
        Kind::Short => Answer::Short {
            model: (!answer_text.is_empty()).then_some(answer_text),
        },
    };
    let category = cell("category");
    let excerpt = match cell("excerpt") {
        text if text.is_empty() => None,
        text => Some(ExcerptId(text.parse().map_err(|_| {
            format!("column excerpt: \"{text}\" is not an excerpt id")
        })?)),
    };
    let title = cell("title");
    Ok(Question {
        title: (!title.is_empty()).then_some(title),
        text: cell("text"),
        answer,
        category: if category.is_empty() {
            DEFAULT_CATEGORY.to_owned()
        } else {
            category
        },
        tags: cell("tags")
            .split([';', '；'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        difficulty: Difficulty::parse(&cell("difficulty"))
            .map_err(|e| format!("column difficulty: {e}"))?,
        explanation: cell("explanation"),
        excerpt,
    })
}

/// A typed answer's leading weight (`%50%北京市`), as GIFT writes it.
fn weighted(word: &str) -> Result<Option<(f64, &str)>, String> {
    let Some(rest) = word.strip_prefix('%') else {
        return Ok(None);
    };
    let Some((weight, text)) = rest.split_once('%') else {
        return Ok(None);
    };
    let weight = weight
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("column answer: the weight %{weight}% is not a number"))?;
    Ok(Some((weight, text.trim())))
}

/// Option letters (`ACD`, `A,C`, `a c`) as indices of `count` options.
fn letters(text: &str, count: usize) -> Result<BTreeSet<usize>, String> {
    let mut right = BTreeSet::new();
    for c in half_width(text).chars() {
        if c.is_whitespace() || matches!(c, ',' | '、' | ';') {
            continue;
        }
        let index = LETTERS
            .find(c.to_ascii_uppercase())
            .filter(|i| *i < count.min(MAX_CHOICES))
            .ok_or_else(|| {
                format!("column answer: \"{c}\" is not one of the question's option letters")
            })?;
        right.insert(index);
    }
    if right.is_empty() {
        return Err("column answer: no right option is given".into());
    }
    Ok(right)
}

/// The questions as template rows, the header first: what the CSV and
/// XLSX exports write. Option weights and feedback are not kept.
pub fn template_rows(questions: &[Question]) -> Vec<Vec<String>> {
    let mut rows = vec![TEMPLATE_COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for question in questions {
        let mut row = vec![String::new(); TEMPLATE_COLUMNS.len()];
        let mut set = |name: &str, value: String| {
            if let Some(i) = TEMPLATE_COLUMNS.iter().position(|c| *c == name) {
                row[i] = value;
            }
        };
        set("type", question.answer.kind().code().to_owned());
        set("text", question.text.clone());
        for (i, choice) in question.answer.choices().iter().enumerate() {
            set(&LETTERS[i..=i], choice.text.clone());
        }
        let answer = match &question.answer {
            Answer::Single { choices } | Answer::Multiple { choices, .. } => choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_right())
                .map(|(i, _)| &LETTERS[i..=i])
                .collect(),
            Answer::TrueFalse { correct, .. } => if *correct { "对" } else { "错" }.to_owned(),
            Answer::Blank { accepted, partial } => accepted
                .iter()
                .map(|word| {
                    // A leading % would read as a weight: give one first.
                    if word.starts_with('%') {
                        format!("%100%{word}")
                    } else {
                        word.clone()
                    }
                })
                .chain(
                    partial
                        .iter()
                        .map(|p| format!("%{}%{}", weight_text(p.weight), p.text)),
                )
                .collect::<Vec<_>>()
                .join("|"),
            Answer::Short { model } => model.clone().unwrap_or_default(),
        };
        set("answer", answer);
        if let Answer::Multiple { scoring, .. } = &question.answer {
            set(
                "scoring",
                match scoring {
                    Scoring::AllOrNothing => "all_or_nothing",
                    Scoring::Partial => "partial",
                }
                .to_owned(),
            );
        }
        set("category", question.category.clone());
        set("title", question.title.clone().unwrap_or_default());
        set("difficulty", question.difficulty.level().to_string());
        set("explanation", question.explanation.clone());
        set("tags", question.tags.join(";"));
        set(
            "excerpt",
            question.excerpt.map(|e| e.to_string()).unwrap_or_default(),
        );
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{write_csv, write_xlsx};

    const CSV: &str = "\u{FEFF}题型,题干,A,B,C,D,答案,评分,分类,难度,解析,标签,出处\n\
单选,一切权力属于谁？,人民,政府,,,A,,宪法,易,宪法第二条,宪法;总纲,\n\
多选,属于国家机构的是,国务院,最高人民法院,中国共产党,,\"A,B\",partial,宪法,,,,12\n\
判断,宪法是根本法。,,,,,对,,,,,,\n\
填空,宪法由____通过。,,,,,全国人民代表大会｜全国人大,,,,,,\n\
简答,谈谈宪法宣誓。,,,,,,,,5,,,\n";

    #[test]
    fn reads_the_template_with_chinese_headers() {
        let questions = parse_template(CSV.as_bytes()).expect("valid");
        assert_eq!(questions.len(), 5);
        assert_eq!(questions[0].difficulty.level(), 1);
        assert_eq!(questions[0].tags, ["宪法", "总纲"]);
        assert_eq!(questions[0].answer.choices().len(), 2);
        let Answer::Multiple { choices, scoring } = &questions[1].answer else {
            panic!()
        };
        assert_eq!(*scoring, Scoring::Partial);
        assert_eq!(
            choices.iter().map(|c| c.weight).collect::<Vec<_>>(),
            [50.0, 50.0, -50.0]
        );
        assert_eq!(questions[1].excerpt, Some(ExcerptId(12)));
        assert_eq!(
            questions[3].answer,
            Answer::Blank {
                accepted: vec!["全国人民代表大会".into(), "全国人大".into()],
                partial: vec![],
            }
        );
        assert_eq!(questions[4].category, DEFAULT_CATEGORY);
        assert_eq!(questions[4].answer, Answer::Short { model: None });
    }

    #[test]
    fn round_trips_through_csv_and_xlsx() {
        let questions = parse_template(CSV.as_bytes()).expect("valid");
        let rows = template_rows(&questions);
        assert_eq!(parse_template(&write_csv(&rows)).expect("valid"), questions);
        assert_eq!(
            parse_template(&write_xlsx("questions", &rows).expect("valid")).expect("valid"),
            questions
        );
    }

    #[test]
    fn refuses_bad_rows_naming_row_and_column() {
        let cases = [
            ("type,text\n", 1, "no column answer"),
            ("type,text,answer,答案\n", 1, "twice"),
            ("type,text,answer\n", 1, "no questions"),
            ("type,text,answer\nquiz,Q,A\n", 2, "column type"),
            (
                "type,text,A,B,answer\nsingle,Q,a,b,C\n",
                2,
                "option letters",
            ),
            (
                "type,text,A,B,answer\nsingle,Q,a,b,AB\n",
                2,
                "one right option",
            ),
            (
                "type,text,A,B,C,answer\n\nsingle,Q,a,,c,A\n",
                3,
                "missing between",
            ),
            ("type,text,answer\ntrue_false,Q,maybe\n", 2, "not 对 or 错"),
            ("type,text,A,answer\nblank,Q,a,x\n", 2, "has no options"),
            ("type,text,answer\nblank,Q,\n", 2, "accepted answer"),
            ("type,text,answer\nblank,Q,a|%x%b\n", 2, "not a number"),
            ("type,text,answer\nblank,Q,%50%b\n", 2, "accepted answer"),
            (
                "type,text,answer,difficulty\nshort,Q,,9\n",
                2,
                "column difficulty",
            ),
            (
                "type,text,answer,excerpt\nshort,Q,,x\n",
                2,
                "column excerpt",
            ),
            ("type,text,answer\nshort,,\n", 2, "no text"),
        ];
        for (text, line, reason) in cases {
            let error = parse_template(text.as_bytes()).expect_err("refused");
            assert!(error.reason.contains(reason), "{text}: {error}");
            assert_eq!(error.line, line, "{text}: {error}");
        }
    }
}
