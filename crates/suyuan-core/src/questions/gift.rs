//! Moodle's GIFT format, read and written.
//!
//! Questions are separated by blank lines; `//` starts a comment line;
//! `$CATEGORY: path` sets the category of the questions after it;
//! `::title::` names a question; `[html]`, `[plain]`, `[markdown]` or
//! `[moodle]` says how its text is written (Moodle's own format when
//! none does), and its answers and feedback follow it unless they name
//! their own; the answers stand in braces:
//! `{=right ~wrong}` (one right option), `{~%50%a ~%50%b ~%-100%c}`
//! (several, by weight), `{T}`/`{FALSE}`, `{=word =%50%other}` (a typed
//! answer, some for part of the marks), `{}` (an essay); `#` gives an
//! answer its feedback and `####` the question's; braces in the middle of
//! the text make a missing-word question. `\` escapes `~ = # { } :` and
//! `\n` is a new line.
//!
//! Descriptions (text without braces) are left out and reported. Numeric
//! (`{#…}`) and matching (`{=a -> b}`) questions have no place in our
//! bank and are refused with the reason. Tags, the difficulty, the source excerpt and all-or-nothing
//! scoring ride in comments that Moodle ignores: `// [tag:…]`,
//! `// [difficulty:3]`, `// [excerpt:42]`, `// [scoring:all_or_nothing]`.

use super::{
    Answer, BLANK, Choice, DEFAULT_CATEGORY, Difficulty, FormatError, Parsed, PartialAnswer,
    Question, Scoring, Skip, Skipped, TextFormat, is_whole, weight_text,
};
use crate::library::ExcerptId;

/// What comments before a question said about it.
#[derive(Default)]
struct Notes {
    tags: Vec<String>,
    difficulty: Option<Difficulty>,
    excerpt: Option<ExcerptId>,
    all_or_nothing: bool,
}

/// Reads a GIFT file. All or nothing: the first problem refuses the file,
/// naming its line; descriptions are left out and reported.
pub fn parse_gift(text: &str) -> Result<Parsed, FormatError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut parsed = Parsed::default();
    let mut category = DEFAULT_CATEGORY.to_owned();
    let mut notes = Notes::default();
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (index, line) in text.lines().chain(std::iter::once("")).enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !block.is_empty() {
                match parse_block(&block, &category, std::mem::take(&mut notes))? {
                    Item::Question(question) => parsed.questions.push(question),
                    Item::Skipped(skipped) => parsed.skipped.push(skipped),
                }
                block.clear();
            }
        } else if let Some(comment) = trimmed.strip_prefix("//") {
            read_notes(comment, number, &mut notes)?;
        } else if block.is_empty()
            && let Some(path) = trimmed.strip_prefix("$CATEGORY:")
        {
            category = category_name(path);
        } else {
            block.push((number, line));
        }
    }
    if parsed.questions.is_empty() {
        return Err(FormatError::new(1, "the file holds no question"));
    }
    Ok(parsed)
}

/// What a block of lines is.
enum Item {
    Question(Question),
    Skipped(Skipped),
}

/// A Moodle category path (`$course$/top/Cat/Sub`) becomes our category
/// (`Cat/Sub`).
pub(super) fn category_name(path: &str) -> String {
    let parts: Vec<&str> = path
        .trim()
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('$') && *p != "top")
        .collect();
    if parts.is_empty() {
        DEFAULT_CATEGORY.to_owned()
    } else {
        parts.join("/")
    }
}

fn read_notes(comment: &str, line: usize, notes: &mut Notes) -> Result<(), FormatError> {
    let mut rest = comment;
    while let Some(start) = rest.find('[') {
        let Some(end) = rest[start..].find(']') else {
            break;
        };
        let note = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        let Some((key, value)) = note.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "tag" if !value.is_empty() => notes.tags.push(value.to_owned()),
            "difficulty" => {
                notes.difficulty = Some(
                    Difficulty::parse(value).map_err(|e| FormatError::new(line, e.to_string()))?,
                )
            }
            "excerpt" => {
                let id = value.parse::<i64>().map_err(|_| {
                    FormatError::new(line, format!("[excerpt:{value}] is not an excerpt id"))
                })?;
                notes.excerpt = Some(ExcerptId(id));
            }
            "scoring" => notes.all_or_nothing = value == "all_or_nothing",
            // Moodle's own notes ([id:…]) and anything else: ignored.
            _ => {}
        }
    }
    Ok(())
}

/// A question's text, as characters with what each escape meant.
struct Scanner {
    /// Each character, whether it was escaped, and its line.
    chars: Vec<(char, bool, usize)>,
}

impl Scanner {
    fn new(block: &[(usize, &str)]) -> Self {
        let mut chars = Vec::new();
        for (i, (line, text)) in block.iter().enumerate() {
            if i > 0 {
                chars.push(('\n', false, *line));
            }
            let mut iter = text.chars().peekable();
            while let Some(c) = iter.next() {
                if c == '\\' {
                    match iter.next() {
                        Some('n') => chars.push(('\n', true, *line)),
                        Some(next) => chars.push((next, true, *line)),
                        None => chars.push(('\\', true, *line)),
                    }
                } else {
                    chars.push((c, false, *line));
                }
            }
        }
        Self { chars }
    }

    fn text(&self, range: std::ops::Range<usize>) -> String {
        self.chars[range].iter().map(|(c, _, _)| *c).collect()
    }

    /// The position of the first unescaped `c` from `from`.
    fn find(&self, c: char, from: usize) -> Option<usize> {
        (from..self.chars.len()).find(|&i| self.chars[i].0 == c && !self.chars[i].1)
    }

    fn is(&self, at: usize, c: char) -> bool {
        self.chars
            .get(at)
            .is_some_and(|(x, escaped, _)| *x == c && !escaped)
    }

    fn line(&self, at: usize) -> usize {
        self.chars
            .get(at.min(self.chars.len().saturating_sub(1)))
            .map_or(1, |(_, _, line)| *line)
    }
}

fn parse_block(block: &[(usize, &str)], category: &str, notes: Notes) -> Result<Item, FormatError> {
    let first_line = block.first().map_or(1, |(line, _)| *line);
    let scan = Scanner::new(block);
    let mut start = 0;
    while scan
        .chars
        .get(start)
        .is_some_and(|(c, _, _)| c.is_whitespace())
    {
        start += 1;
    }
    let mut title = None;
    if scan.is(start, ':') && scan.is(start + 1, ':') {
        let end = (start + 2..scan.chars.len())
            .find(|&i| scan.is(i, ':') && scan.is(i + 1, ':'))
            .ok_or_else(|| FormatError::new(first_line, "a title opened with :: is not closed"))?;
        let name = scan.text(start + 2..end).trim().to_owned();
        title = (!name.is_empty()).then_some(name);
        start = end + 2;
    }
    let Some(open) = scan.find('{', start) else {
        // Text that asks nothing: Moodle's description.
        return Ok(Item::Skipped(Skipped {
            line: first_line,
            title,
            what: Skip::Description,
        }));
    };
    let close = scan.find('}', open + 1).ok_or_else(|| {
        FormatError::new(scan.line(open), "an answer opened with { is not closed")
    })?;
    let head = scan.text(start..open);
    let (format, before) = with_format(head.trim(), TextFormat::Moodle);
    let after = scan.text(close + 1..scan.chars.len()).trim().to_owned();
    if let Some(extra) = scan.find('{', close + 1) {
        return Err(FormatError::new(
            scan.line(extra),
            "a question has one answer in {…}; this one has more",
        ));
    }
    let text = if after.is_empty() {
        format.to_text(before)
    } else {
        // The blank's place is held by a character no format touches.
        format
            .to_text(&format!("{before}{BLANK_HOLDER}{after}"))
            .replace(BLANK_HOLDER, BLANK)
    };
    let (answer, explanation) =
        parse_answers(&scan, open + 1, close, notes.all_or_nothing, format)?;
    let question = Question {
        title,
        text,
        answer,
        category: category.to_owned(),
        tags: notes.tags,
        difficulty: notes.difficulty.unwrap_or_default(),
        explanation: explanation.unwrap_or_default(),
        excerpt: notes.excerpt,
    };
    question
        .check()
        .map_err(|e| FormatError::new(first_line, e.to_string()))?;
    Ok(Item::Question(question))
}

/// Holds a missing word's place while the text around it is converted.
const BLANK_HOLDER: char = '\u{E000}';

/// The format a piece of text names with its marker, or `default`, and the
/// text after the marker.
fn with_format(text: &str, default: TextFormat) -> (TextFormat, &str) {
    TextFormat::gift_marker(text).unwrap_or((default, text))
}

/// A piece of text (an answer, a feedback) read in the format it names or
/// else in its question's.
fn read_text(text: &str, default: TextFormat) -> String {
    let (format, text) = with_format(text, default);
    format.to_text(text)
}

/// One `=…` or `~…` of an answer block.
struct Choosable {
    right: bool,
    weight: Option<f64>,
    text: String,
    feedback: Option<String>,
    line: usize,
}

fn parse_answers(
    scan: &Scanner,
    start: usize,
    end: usize,
    all_or_nothing: bool,
    format: TextFormat,
) -> Result<(Answer, Option<String>), FormatError> {
    let line = scan.line(start);
    // The question's own feedback: after an unescaped `####`.
    let mut body_end = end;
    let mut explanation = None;
    if let Some(at) = (start..end).find(|&i| (0..4).all(|k| scan.is(i + k, '#'))) {
        explanation = Some(read_text(&scan.text(at + 4..end), format));
        body_end = at;
    }
    let body = scan.text(start..body_end);
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Ok((Answer::Short { model: None }, explanation));
    }
    let first = (start..body_end)
        .find(|&i| !scan.chars[i].0.is_whitespace())
        .unwrap_or(start);
    if scan.is(first, '#') {
        return Err(FormatError::new(
            line,
            "numeric questions ({#…}) are not supported: write the number as a fill-in-the-blank answer ({=42})",
        ));
    }
    if (start..body_end).any(|i| scan.is(i, '-') && scan.is(i + 1, '>')) {
        return Err(FormatError::new(
            line,
            "matching questions ({=a -> b}) are not supported",
        ));
    }
    if !scan.is(first, '=') && !scan.is(first, '~') {
        return true_false(scan, first, body_end, line, format).map(|a| (a, explanation));
    }
    let items = split_items(scan, first, body_end, format)?;
    let has_wrong = items.iter().any(|item| !item.right);
    if has_wrong {
        choice_question(items, all_or_nothing, line).map(|a| (a, explanation))
    } else {
        let (mut accepted, mut partial) = (Vec::new(), Vec::new());
        for item in items {
            let weight = item.weight.unwrap_or(100.0);
            if is_whole(weight) {
                accepted.push(item.text);
            } else if weight > 0.0 {
                partial.push(PartialAnswer {
                    text: item.text,
                    weight,
                });
            } else if weight < 0.0 {
                return Err(FormatError::new(
                    item.line,
                    format!(
                        "a typed answer earns between 0% and 100% of the marks, not {}%",
                        weight_text(weight)
                    ),
                ));
            }
            // Moodle keeps a 0% answer for its feedback alone.
        }
        Ok((Answer::Blank { accepted, partial }, explanation))
    }
}

fn true_false(
    scan: &Scanner,
    first: usize,
    end: usize,
    line: usize,
    format: TextFormat,
) -> Result<Answer, FormatError> {
    let mut parts = Vec::new();
    let mut from = first;
    while let Some(hash) = scan.find('#', from).filter(|&h| h < end) {
        parts.push(scan.text(from..hash));
        from = hash + 1;
    }
    parts.push(scan.text(from..end));
    let word = parts[0].trim();
    let correct = match word {
        "T" | "TRUE" => true,
        "F" | "FALSE" => false,
        other => {
            return Err(FormatError::new(
                line,
                format!(
                    "\"{other}\" is not an answer: options start with = or ~, and true/false is T, TRUE, F or FALSE"
                ),
            ));
        }
    };
    let feedback = |i: usize| {
        parts
            .get(i)
            .map(|t| read_text(t, format))
            .filter(|t| !t.is_empty())
    };
    // GIFT gives the feedback for a wrong answer first, then for a right one.
    let (wrong, right) = (feedback(1), feedback(2));
    let (if_true, if_false) = if correct {
        (right, wrong)
    } else {
        (wrong, right)
    };
    Ok(Answer::TrueFalse {
        correct,
        if_true,
        if_false,
    })
}

fn split_items(
    scan: &Scanner,
    first: usize,
    end: usize,
    format: TextFormat,
) -> Result<Vec<Choosable>, FormatError> {
    let starts: Vec<usize> = (first..end)
        .filter(|&i| scan.is(i, '=') || scan.is(i, '~'))
        .collect();
    let mut items = Vec::new();
    for (n, &at) in starts.iter().enumerate() {
        let stop = starts.get(n + 1).copied().unwrap_or(end);
        let right = scan.is(at, '=');
        let line = scan.line(at);
        let mut from = at + 1;
        let mut weight = None;
        if scan.is(from, '%') {
            let close = scan
                .find('%', from + 1)
                .filter(|&c| c < stop)
                .ok_or_else(|| FormatError::new(line, "a weight opened with % is not closed"))?;
            let value = scan.text(from + 1..close);
            let parsed = value.trim().parse::<f64>().map_err(|_| {
                FormatError::new(line, format!("the weight %{value}% is not a number"))
            })?;
            if !(-100.0..=100.0).contains(&parsed) {
                return Err(FormatError::new(
                    line,
                    format!("the weight %{value}% is not between -100 and 100"),
                ));
            }
            weight = Some(parsed);
            from = close + 1;
        }
        let (text_end, feedback) = match scan.find('#', from).filter(|&h| h < stop) {
            Some(hash) => (hash, Some(read_text(&scan.text(hash + 1..stop), format))),
            None => (stop, None),
        };
        let text = read_text(&scan.text(from..text_end), format);
        if text.is_empty() {
            return Err(FormatError::new(line, "an answer is empty"));
        }
        items.push(Choosable {
            right,
            weight,
            text,
            feedback: feedback.filter(|f| !f.is_empty()),
            line,
        });
    }
    Ok(items)
}

fn choice_question(
    items: Vec<Choosable>,
    all_or_nothing: bool,
    line: usize,
) -> Result<Answer, FormatError> {
    // As Moodle reads GIFT: an option marked = makes a single-choice
    // question; options weighted with ~%…% only, a multiple-choice one.
    let single = items.iter().any(|item| item.right);
    if single && items.iter().filter(|item| item.right).count() > 1 {
        return Err(FormatError::new(
            line,
            "a single-choice question has one right option (=); weight several with ~%50% to make a multiple-choice one",
        ));
    }
    let choices: Vec<Choice> = items
        .into_iter()
        .map(|item| Choice {
            weight: item.weight.unwrap_or(if item.right { 100.0 } else { 0.0 }),
            text: item.text,
            feedback: item.feedback,
        })
        .collect();
    Ok(if single {
        Answer::Single { choices }
    } else {
        Answer::Multiple {
            choices,
            scoring: if all_or_nothing {
                Scoring::AllOrNothing
            } else {
                Scoring::Partial
            },
        }
    })
}

/// Writes questions as GIFT that Moodle and `parse_gift` read back.
pub fn write_gift(questions: &[Question]) -> String {
    let mut out = String::new();
    let mut category: Option<&str> = None;
    for question in questions {
        if category != Some(question.category.as_str()) {
            out.push_str(&format!(
                "$CATEGORY: $course$/top/{}\n\n",
                question.category
            ));
            category = Some(&question.category);
        }
        for tag in &question.tags {
            out.push_str(&format!("// [tag:{tag}]\n"));
        }
        out.push_str(&format!(
            "// [difficulty:{}]\n",
            question.difficulty.level()
        ));
        if let Some(excerpt) = question.excerpt {
            out.push_str(&format!("// [excerpt:{excerpt}]\n"));
        }
        if let Answer::Multiple {
            scoring: Scoring::AllOrNothing,
            ..
        } = question.answer
        {
            out.push_str("// [scoring:all_or_nothing]\n");
        }
        if let Some(title) = &question.title {
            out.push_str(&format!("::{}::", escape(title)));
        }
        // Text without a marker is read in Moodle's format (tags and
        // entities are HTML); text that would read differently so, or as a
        // comment, says it is plain, and its answers follow it.
        if question.text.starts_with("//")
            || question.text.starts_with('[')
            || !texts_of(question).all(reads_as_itself)
        {
            out.push_str("[plain]");
        }
        let answers = answer_block(&question.answer, &question.explanation);
        match question.text.split_once(BLANK) {
            Some((before, after)) => {
                out.push_str(&format!("{} {answers} {}", escape(before), escape(after)))
            }
            None => out.push_str(&format!("{} {answers}", escape(&question.text))),
        }
        out.push_str("\n\n");
    }
    out
}

fn answer_block(answer: &Answer, explanation: &str) -> String {
    let mut block = String::from("{");
    match answer {
        Answer::Single { choices } | Answer::Multiple { choices, .. } => {
            let single = matches!(answer, Answer::Single { .. });
            for choice in choices {
                block.push_str("\n\t");
                // A leading % would read as a weight: give one first.
                let plain = !choice.text.starts_with('%');
                if single && choice.weight >= 100.0 && plain {
                    block.push('=');
                } else if choice.weight == 0.0 && plain {
                    block.push('~');
                } else if single && choice.weight >= 100.0 {
                    block.push_str("=%100%");
                } else {
                    block.push_str(&format!("~%{}%", weight_text(choice.weight)));
                }
                block.push_str(&escape_answer(&choice.text));
                if let Some(feedback) = &choice.feedback {
                    block.push_str(&format!(" #{}", escape_answer(feedback)));
                }
            }
            block.push('\n');
        }
        Answer::TrueFalse {
            correct,
            if_true,
            if_false,
        } => {
            block.push_str(if *correct { "TRUE" } else { "FALSE" });
            let (wrong, right) = if *correct {
                (if_false, if_true)
            } else {
                (if_true, if_false)
            };
            if wrong.is_some() || right.is_some() {
                block.push_str(&format!(
                    "#{}#{}",
                    escape_answer(wrong.as_deref().unwrap_or("")),
                    escape_answer(right.as_deref().unwrap_or(""))
                ));
            }
        }
        Answer::Blank { accepted, partial } => {
            for word in accepted {
                let weight = if word.starts_with('%') { "%100%" } else { "" };
                block.push_str(&format!("={weight}{} ", escape_answer(word)));
            }
            for answer in partial {
                block.push_str(&format!(
                    "=%{}%{} ",
                    weight_text(answer.weight),
                    escape_answer(&answer.text)
                ));
            }
        }
        Answer::Short { .. } => {}
    }
    if !explanation.is_empty() {
        block.push_str(&format!("####{}", escape_answer(explanation)));
    }
    block.push('}');
    block
}

/// Every piece of text a question has, but its title and category.
fn texts_of(question: &Question) -> impl Iterator<Item = &str> {
    let answer: Vec<&str> = match &question.answer {
        Answer::Single { choices } | Answer::Multiple { choices, .. } => choices
            .iter()
            .flat_map(|c| std::iter::once(c.text.as_str()).chain(c.feedback.as_deref()))
            .collect(),
        Answer::TrueFalse {
            if_true, if_false, ..
        } => if_true.iter().chain(if_false).map(String::as_str).collect(),
        Answer::Blank { accepted, partial } => accepted
            .iter()
            .map(String::as_str)
            .chain(partial.iter().map(|p| p.text.as_str()))
            .collect(),
        Answer::Short { .. } => Vec::new(),
    };
    [question.text.as_str(), question.explanation.as_str()]
        .into_iter()
        .chain(answer)
}

/// Whether Moodle's format reads a text as it stands.
fn reads_as_itself(text: &str) -> bool {
    let plain = !text.contains(['<', '&', '\n', '\r', '\t', '\u{a0}', '\u{c}', BLANK_HOLDER])
        && !text.contains("  ")
        && text.trim() == text;
    plain || TextFormat::Moodle.to_text(text) == text
}

/// An answer or a feedback: one that would read as naming its own format
/// says it is plain.
fn escape_answer(text: &str) -> String {
    if text.starts_with('[') {
        format!("[plain]{}", escape(text))
    } else {
        escape(text)
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    for c in text.chars() {
        match c {
            '~' | '=' | '#' | '{' | '}' | ':' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // `->` would read as a matching pair.
            '>' if previous == Some('-') => out.push_str("\\>"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
        previous = Some(c);
    }
    out
}

/// The right options of a choice question, by index.
#[cfg(test)]
fn right_options(answer: &Answer) -> std::collections::BTreeSet<usize> {
    answer
        .choices()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_right())
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"// A bank in GIFT, as Moodle documents it.
$CATEGORY: $course$/top/宪法/总纲

// [tag:宪法] [tag:国家机构]
// [difficulty:2]
::Q1:: 中华人民共和国的一切权力属于谁？ {
	=人民 #对，宪法第二条。
	~全国人民代表大会 #人大是行使权力的机关。
	~国务院
	####宪法第二条第一款。
}

::Q2:: [html]<p>宪法规定，国家实行<b>依法治国</b>。</p> {T}

宪法修正案由 {=全国人民代表大会 =全国人大} 以全体代表的三分之二以上的多数通过。

::Q3:: 下列属于公民基本权利的是 {
	~%50%选举权
	~%50%宗教信仰自由
	~%-100%纳税
}

// [scoring:all_or_nothing]
下列属于国家机构的是 {~%50%国务院 ~%50%最高人民法院 ~中国共产党}

::escapes:: 1 \= 1\: \{ok\} \# \~ {=yes\: really ~no}

谈谈你对宪法宣誓制度的理解。 {}

$CATEGORY: 民法典
宪法是国家的根本法。{FALSE#错：是的，它就是。#对}
"#;

    #[test]
    fn reads_the_whole_format() {
        let questions = parse_gift(SAMPLE).expect("valid").questions;
        assert_eq!(questions.len(), 8);

        let q1 = &questions[0];
        assert_eq!(q1.title.as_deref(), Some("Q1"));
        assert_eq!(q1.category, "宪法/总纲");
        assert_eq!(q1.tags, ["宪法", "国家机构"]);
        assert_eq!(q1.difficulty.level(), 2);
        assert_eq!(q1.text, "中华人民共和国的一切权力属于谁？");
        assert_eq!(q1.explanation, "宪法第二条第一款。");
        let Answer::Single { choices } = &q1.answer else {
            panic!("{:?}", q1.answer)
        };
        assert_eq!(choices.len(), 3);
        assert_eq!(choices[0].weight, 100.0);
        assert_eq!(choices[0].feedback.as_deref(), Some("对，宪法第二条。"));
        assert_eq!(choices[2].feedback, None);

        let q2 = &questions[1];
        assert_eq!(q2.text, "宪法规定，国家实行依法治国。");
        assert!(matches!(q2.answer, Answer::TrueFalse { correct: true, .. }));
        // Comments belong to the question after them only.
        assert!(q2.tags.is_empty());
        assert_eq!(q2.difficulty, Difficulty::DEFAULT);

        let q3 = &questions[2];
        assert_eq!(
            q3.text,
            format!("宪法修正案由{BLANK}以全体代表的三分之二以上的多数通过。")
        );
        assert_eq!(
            q3.answer,
            Answer::Blank {
                accepted: vec!["全国人民代表大会".into(), "全国人大".into()],
                partial: vec![],
            }
        );

        let q4 = &questions[3];
        assert!(matches!(
            q4.answer,
            Answer::Multiple {
                scoring: Scoring::Partial,
                ..
            }
        ));
        assert_eq!(right_options(&q4.answer), [0, 1].into());
        assert_eq!(q4.answer.choices()[2].weight, -100.0);

        assert!(matches!(
            questions[4].answer,
            Answer::Multiple {
                scoring: Scoring::AllOrNothing,
                ..
            }
        ));

        let q6 = &questions[5];
        assert_eq!(q6.text, "1 = 1: {ok} # ~");
        assert_eq!(q6.answer.choices()[0].text, "yes: really");

        assert_eq!(questions[6].answer, Answer::Short { model: None });

        let q8 = &questions[7];
        assert_eq!(q8.category, "民法典");
        assert_eq!(
            q8.answer,
            Answer::TrueFalse {
                correct: false,
                if_true: Some("错：是的，它就是。".into()),
                if_false: Some("对".into()),
            }
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let questions = parse_gift(SAMPLE).expect("valid").questions;
        let written = write_gift(&questions);
        assert_eq!(
            parse_gift(&written).expect("valid").questions,
            questions,
            "{written}"
        );
    }

    /// Questions as Moodle exports them in HTML, with markers on answers
    /// and feedback too.
    const FORMATTED: &str = r#"::格式::[html]<p dir\="ltr" style\="text-align\: left;">下列说法<b>正确</b>的是：<br></p><ol><li>宪法是根本法</li><li>宪法&nbsp;&amp;&nbsp;法律</li></ol>{
	=<span lang\="zh">甲</span>#<p>对</p>
	~乙&nbsp;#[plain]<p>错</p>
	~[markdown]**丙**
	####<div>第一行</div><div>第二行</div>
}

::MD::[markdown]宪法是**根本法**：\n\n- 第一项\n- 第二项 {=对 ~[html]<i>错</i>}

::P::[plain]<b>不是标签</b> {T#[html]<p>错&lt;了</p>#[moodle]对\n了}

::M::[moodle]第一行\n<b>第二行</b> {}

[html]<p>首都是 {=%100%<span>北京</span> =%50%北京&nbsp;市} 。</p>
"#;

    #[test]
    fn format_markers_are_formats_and_html_becomes_lines() {
        let parsed = parse_gift(FORMATTED).expect("valid");
        let [html, markdown, plain, moodle, blank] = &parsed.questions[..] else {
            panic!("{parsed:?}")
        };
        assert_eq!(
            html.text,
            "下列说法正确的是：\n1. 宪法是根本法\n2. 宪法 & 法律"
        );
        let choices = html.answer.choices();
        assert_eq!(choices[0].text, "甲");
        assert_eq!(choices[0].feedback.as_deref(), Some("对"));
        assert_eq!(choices[1].text, "乙");
        // An answer's own marker wins over its question's.
        assert_eq!(choices[1].feedback.as_deref(), Some("<p>错</p>"));
        assert_eq!(choices[2].text, "丙");
        assert_eq!(html.explanation, "第一行\n第二行");

        assert_eq!(markdown.text, "宪法是根本法：\n• 第一项\n• 第二项");
        assert_eq!(markdown.answer.choices()[1].text, "错");

        assert_eq!(plain.text, "<b>不是标签</b>");
        assert_eq!(
            plain.answer,
            Answer::TrueFalse {
                correct: true,
                if_true: Some("对\n了".into()),
                if_false: Some("错<了".into()),
            }
        );
        assert_eq!(moodle.text, "第一行\n第二行");
        assert_eq!(moodle.answer, Answer::Short { model: None });

        assert_eq!(blank.text, format!("首都是{BLANK}。"));
        assert_eq!(
            blank.answer,
            Answer::Blank {
                accepted: vec!["北京".into()],
                partial: vec![PartialAnswer {
                    text: "北京 市".into(),
                    weight: 50.0
                }],
            }
        );

        // What was read is written so that it reads back the same.
        let written = write_gift(&parsed.questions);
        assert!(written.contains("::P::[plain]<b>不是标签</b>"), "{written}");
        assert_eq!(
            parse_gift(&written).expect("valid").questions,
            parsed.questions,
            "{written}"
        );
    }

    #[test]
    fn thirds_add_up_to_full_marks() {
        use crate::questions::{Grade, Response, grade};
        for third in ["33.33333", "33.3333", "33.3"] {
            let gift = format!(
                "Which? {{~%{third}%A ~%{third}%B ~%{third}%C ~%-100%D}}\n\n                 // [scoring:all_or_nothing]\nWhich? {{~%{third}%A ~%{third}%B ~%{third}%C ~D}}"
            );
            let parsed = parse_gift(&gift).expect("thirds are valid");
            for question in &parsed.questions {
                let all = Response::Chosen([0, 1, 2].into());
                assert!(grade(&question.answer, &all).is_full(), "{third}");
            }
            let two = grade(
                &parsed.questions[0].answer,
                &Response::Chosen([0, 1].into()),
            );
            assert!(
                matches!(two, Grade::Scored(share) if (share - 2.0 / 3.0).abs() < 0.01),
                "{two:?}"
            );
        }
        let error = parse_gift("Which? {~%40%A ~%40%B ~C}").expect_err("80% is not whole");
        assert!(error.reason.contains("add up to 80%"), "{error}");
    }

    #[test]
    fn typed_answers_keep_partial_credit() {
        use crate::questions::{Grade, Response, grade};
        let parsed = parse_gift("::首都:: 中国的首都是 {=%100%北京 =%50%北京市 =%0%上海#不对}")
            .expect("valid");
        let answer = &parsed.questions[0].answer;
        assert_eq!(
            answer,
            &Answer::Blank {
                accepted: vec!["北京".into()],
                partial: vec![PartialAnswer {
                    text: "北京市".into(),
                    weight: 50.0
                }],
            }
        );
        let graded = |text: &str| grade(answer, &Response::Text(text.into()));
        assert_eq!(graded("北京"), Grade::Scored(1.0));
        assert_eq!(graded("北京 市"), Grade::Scored(0.5));
        assert_eq!(graded("上海"), Grade::Scored(0.0));
        let written = write_gift(&parsed.questions);
        assert!(written.contains("=%50%北京市"), "{written}");
        assert_eq!(parse_gift(&written).expect("valid"), parsed);
    }

    #[test]
    fn descriptions_are_left_out_and_reported() {
        let gift = "::Intro:: Read the following articles of the Constitution.\n\n            ::Q1:: 一切权力属于谁？ {=人民 ~政府}\n\n            // a comment\n[html]<p>第二段说明</p>\n";
        let parsed = parse_gift(gift).expect("valid");
        assert_eq!(parsed.questions.len(), 1);
        assert_eq!(
            parsed.skipped,
            [
                Skipped {
                    line: 1,
                    title: Some("Intro".into()),
                    what: Skip::Description
                },
                Skipped {
                    line: 6,
                    title: None,
                    what: Skip::Description
                }
            ]
        );
        // A file of descriptions alone holds nothing to import.
        let error = parse_gift("::Intro:: Read this.").expect_err("nothing");
        assert!(error.reason.contains("no question"), "{error}");
    }

    #[test]
    fn refuses_what_the_bank_cannot_hold_naming_the_line() {
        let cases = [
            ("Q1 {=a ~b}\n\nHow many? {#3:1}", 3, "numeric"),
            ("\n\nMatch {=a -> 1 =b -> 2}", 3, "matching"),
            ("Q {T}\n\n// c\nBad {=a ~b", 4, "not closed"),
            ("Open {=a ~b", 1, "not closed"),
            ("Which {~a ~b}", 1, "no option is marked right"),
            ("Which {=a =b ~c}", 1, "one right option"),
            ("Which {=a ~%x%b}", 1, "not a number"),
            ("Which {=a ~%150%b}", 1, "between -100 and 100"),
            ("Which {maybe}", 1, "not an answer"),
            ("Type {=a =%-50%b}", 1, "between 0% and 100%"),
            ("Type {=%50%b}", 1, "accepted answer"),
            ("// [difficulty:9]\nQ {T}", 1, "difficulty"),
            ("", 1, "no question"),
            ("Q {T} and {F}", 1, "more"),
        ];
        for (text, line, reason) in cases {
            let error = parse_gift(text).expect_err("refused");
            assert_eq!(error.line, line, "{text}: {error}");
            assert!(error.reason.contains(reason), "{text}: {error}");
        }
    }
}
