//! Moodle XML, read and written: `<quiz>` with `<question type="…">`
//! elements. Categories come as `type="category"` questions; the types
//! we keep are `multichoice` (`<single>` true or false), `truefalse`,
//! `shortanswer`, `essay` and `multichoiceset` (the all-or-nothing plugin).
//! Descriptions are left out and reported; other types are refused with
//! the reason. Text in `html`, `moodle_auto_format` or `markdown` is read
//! into lines (see `markup`); we write `plain_text`. The difficulty and
//! the source excerpt are written as `<difficulty>` and `<excerpt>`, which
//! Moodle skips.

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};

use super::{
    Answer, Choice, DEFAULT_CATEGORY, Difficulty, FormatError, Parsed, PartialAnswer, Question,
    Scoring, Skip, Skipped, TextFormat, is_whole, weight_text,
};
use crate::library::ExcerptId;
use crate::text::xml_entity;

/// An element of the document, with the line it starts on.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
    line: usize,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `<text>` inside, read as its `format` says (HTML when it says
    /// nothing, as Moodle assumes).
    fn text_of(&self) -> String {
        let raw = self
            .child("text")
            .map_or(self.text.as_str(), |t| t.text.as_str());
        TextFormat::moodle_xml(self.attribute("format").unwrap_or("html")).to_text(raw)
    }

    /// The `<text>` inside as it stands (names, tags and categories are
    /// plain text).
    fn plain(&self) -> String {
        self.child("text")
            .map_or(self.text.as_str(), |t| t.text.as_str())
            .trim()
            .to_owned()
    }

    fn value(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_owned())
    }
}

fn line_at(source: &str, offset: u64) -> usize {
    let offset = (offset as usize).min(source.len());
    source.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn element_from(start: &BytesStart<'_>, line: usize) -> Element {
    Element {
        name: start.name().as_ref().to_owned(),
        attributes: start
            .attributes()
            .flatten()
            .map(|a| {
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        line,
        ..Element::default()
    }
}

/// Reads the document into elements; only well-formed XML passes.
fn read_tree(source: &str) -> Result<Element, FormatError> {
    let mut reader = Reader::from_str(source);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            FormatError::new(line_at(source, at), format!("not well-formed XML: {e}"))
        })?;
        let line = line_at(source, at);
        match event {
            Event::Start(start) => stack.push(element_from(&start, line)),
            Event::Empty(start) => {
                let element = element_from(&start, line);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::End(end) => {
                let name = end.name().as_ref().to_owned();
                let element = match stack.pop() {
                    Some(element) if !stack.is_empty() && element.name == name => element,
                    _ => {
                        return Err(FormatError::new(
                            line,
                            format!("not well-formed XML: </{name}> closes nothing open"),
                        ));
                    }
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = reference
                    .resolve_char_ref()
                    .ok()
                    .flatten()
                    .or_else(|| xml_entity(&reference));
                match (resolved, stack.last_mut()) {
                    (Some(c), Some(current)) => current.text.push(c),
                    _ => {
                        return Err(FormatError::new(
                            line,
                            format!("unknown entity &{};", &*reference),
                        ));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        let open = stack.last().map_or(String::new(), |e| e.name.clone());
        return Err(FormatError::new(
            line_at(source, source.len() as u64),
            format!("not well-formed XML: <{open}> is not closed"),
        ));
    }
    stack
        .pop()
        .ok_or_else(|| FormatError::new(1, "the file is empty"))
}

/// Reads a Moodle XML file. All or nothing: the first problem refuses the
/// file, naming its line; descriptions are left out and reported.
pub fn parse_moodle_xml(source: &str) -> Result<Parsed, FormatError> {
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let document = read_tree(source)?;
    let quiz = document
        .child("quiz")
        .ok_or_else(|| FormatError::new(1, "a Moodle XML file has <quiz> at its root"))?;
    let mut category = DEFAULT_CATEGORY.to_owned();
    let mut parsed = Parsed::default();
    for element in quiz.children("question") {
        let kind = element.attribute("type").unwrap_or("");
        if kind == "category" {
            let path = element
                .child("category")
                .map(Element::plain)
                .unwrap_or_default();
            category = super::gift::category_name(&path);
            continue;
        }
        if kind == "description" {
            parsed.skipped.push(Skipped {
                line: element.line,
                title: title_of(element),
                what: Skip::Description,
            });
            continue;
        }
        let question = read_question(element, kind, &category)?;
        question
            .check()
            .map_err(|e| FormatError::new(element.line, e.to_string()))?;
        parsed.questions.push(question);
    }
    if parsed.questions.is_empty() {
        return Err(FormatError::new(quiz.line, "the file holds no question"));
    }
    Ok(parsed)
}

fn title_of(element: &Element) -> Option<String> {
    element
        .child("name")
        .map(Element::plain)
        .filter(|t| !t.is_empty())
}

fn read_question(element: &Element, kind: &str, category: &str) -> Result<Question, FormatError> {
    let line = element.line;
    let fraction = |answer: &Element| -> Result<f64, FormatError> {
        let text = answer.attribute("fraction").unwrap_or("0");
        let value = text.trim().parse::<f64>().map_err(|_| {
            FormatError::new(
                answer.line,
                format!("the fraction \"{text}\" is not a number"),
            )
        })?;
        if (-100.0..=100.0).contains(&value) {
            Ok(value)
        } else {
            Err(FormatError::new(
                answer.line,
                format!("the fraction {text} is not between -100 and 100"),
            ))
        }
    };
    let feedback = |answer: &Element| {
        answer
            .child("feedback")
            .map(Element::text_of)
            .filter(|f| !f.is_empty())
    };
    let choices = || -> Result<Vec<Choice>, FormatError> {
        element
            .children("answer")
            .map(|answer| {
                Ok(Choice {
                    text: answer.text_of(),
                    weight: fraction(answer)?,
                    feedback: feedback(answer),
                })
            })
            .collect()
    };
    let answer = match kind {
        "multichoice" => {
            let single = element
                .value("single")
                .is_none_or(|v| matches!(v.as_str(), "true" | "1"));
            if single {
                Answer::Single {
                    choices: choices()?,
                }
            } else {
                Answer::Multiple {
                    choices: choices()?,
                    scoring: Scoring::Partial,
                }
            }
        }
        "multichoiceset" => Answer::Multiple {
            choices: choices()?,
            scoring: Scoring::AllOrNothing,
        },
        "truefalse" => {
            let mut correct = None;
            let (mut if_true, mut if_false) = (None, None);
            for answer in element.children("answer") {
                let is_true = match answer.text_of().to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(FormatError::new(
                            answer.line,
                            format!("a true/false answer is true or false, not \"{other}\""),
                        ));
                    }
                };
                if fraction(answer)? > 0.0 {
                    correct = Some(is_true);
                }
                if is_true {
                    if_true = feedback(answer);
                } else {
                    if_false = feedback(answer);
                }
            }
            Answer::TrueFalse {
                correct: correct.ok_or_else(|| {
                    FormatError::new(line, "neither true nor false is marked right")
                })?,
                if_true,
                if_false,
            }
        }
        "shortanswer" => {
            let (mut accepted, mut partial) = (Vec::new(), Vec::new());
            for answer in element.children("answer") {
                let weight = fraction(answer)?;
                if is_whole(weight) {
                    accepted.push(answer.text_of());
                } else if weight > 0.0 {
                    partial.push(PartialAnswer {
                        text: answer.text_of(),
                        weight,
                    });
                } else if weight < 0.0 {
                    return Err(FormatError::new(
                        answer.line,
                        format!(
                            "a typed answer earns between 0% and 100% of the marks, not {}%",
                            weight_text(weight)
                        ),
                    ));
                }
                // A 0% answer is there for its feedback alone.
            }
            Answer::Blank { accepted, partial }
        }
        "essay" => Answer::Short {
            model: element
                .child("graderinfo")
                .map(Element::text_of)
                .filter(|m| !m.is_empty()),
        },
        "numerical" | "matching" | "cloze" | "multianswer" | "calculated" | "calculatedsimple"
        | "calculatedmulti" | "ddwtos" | "gapselect" | "ddmarker" | "ddimageortext"
        | "randomsamatch" | "ordering" => {
            return Err(FormatError::new(
                line,
                format!("{kind} questions are not supported"),
            ));
        }
        other => {
            return Err(FormatError::new(
                line,
                format!("unknown question type \"{other}\""),
            ));
        }
    };
    let difficulty = match element.value("difficulty") {
        Some(text) => {
            Difficulty::parse(&text).map_err(|e| FormatError::new(line, e.to_string()))?
        }
        None => Difficulty::DEFAULT,
    };
    let excerpt = match element.value("excerpt") {
        Some(text) => Some(ExcerptId(text.parse().map_err(|_| {
            FormatError::new(
                line,
                format!("<excerpt>{text}</excerpt> is not an excerpt id"),
            )
        })?)),
        None => None,
    };
    Ok(Question {
        title: title_of(element),
        text: element
            .child("questiontext")
            .map(Element::text_of)
            .unwrap_or_default(),
        answer,
        category: category.to_owned(),
        tags: element
            .child("tags")
            .map(|tags| {
                tags.children("tag")
                    .map(Element::plain)
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        difficulty,
        explanation: element
            .child("generalfeedback")
            .map(Element::text_of)
            .unwrap_or_default(),
        excerpt,
    })
}

/// Writes questions as Moodle XML that Moodle and `parse_moodle_xml` read.
pub fn write_moodle_xml(questions: &[Question]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut category: Option<&str> = None;
    for question in questions {
        if category != Some(question.category.as_str()) {
            out.push_str(&format!(
                "  <question type=\"category\">\n    <category><text>$course$/top/{}</text></category>\n  </question>\n",
                escape(question.category.as_str())
            ));
            category = Some(&question.category);
        }
        let kind = match &question.answer {
            Answer::Single { .. }
            | Answer::Multiple {
                scoring: Scoring::Partial,
                ..
            } => "multichoice",
            Answer::Multiple { .. } => "multichoiceset",
            Answer::TrueFalse { .. } => "truefalse",
            Answer::Blank { .. } => "shortanswer",
            Answer::Short { .. } => "essay",
        };
        out.push_str(&format!("  <question type=\"{kind}\">\n"));
        // Moodle names an unnamed question after its text itself.
        let name = question.title.as_deref().unwrap_or("");
        out.push_str(&format!("    <name><text>{}</text></name>\n", escape(name)));
        out.push_str(&text_element("questiontext", &question.text, 4));
        out.push_str(&text_element("generalfeedback", &question.explanation, 4));
        out.push_str("    <defaultgrade>1</defaultgrade>\n");
        match &question.answer {
            Answer::Single { choices } | Answer::Multiple { choices, .. } => {
                let single = matches!(question.answer, Answer::Single { .. });
                out.push_str(&format!("    <single>{single}</single>\n"));
                out.push_str("    <shuffleanswers>true</shuffleanswers>\n");
                for choice in choices {
                    answer_element(
                        &mut out,
                        choice.weight,
                        &choice.text,
                        choice.feedback.as_deref(),
                    );
                }
            }
            Answer::TrueFalse {
                correct,
                if_true,
                if_false,
            } => {
                let weight = |right: bool| if right { 100.0 } else { 0.0 };
                answer_element(&mut out, weight(*correct), "true", if_true.as_deref());
                answer_element(&mut out, weight(!*correct), "false", if_false.as_deref());
            }
            Answer::Blank { accepted, partial } => {
                out.push_str("    <usecase>0</usecase>\n");
                for word in accepted {
                    answer_element(&mut out, 100.0, word, None);
                }
                for answer in partial {
                    answer_element(&mut out, answer.weight, &answer.text, None);
                }
            }
            Answer::Short { model } => {
                out.push_str("    <responseformat>plain</responseformat>\n");
                if let Some(model) = model {
                    out.push_str(&text_element("graderinfo", model, 4));
                }
            }
        }
        out.push_str(&format!(
            "    <difficulty>{}</difficulty>\n",
            question.difficulty.level()
        ));
        if let Some(excerpt) = question.excerpt {
            out.push_str(&format!("    <excerpt>{excerpt}</excerpt>\n"));
        }
        if !question.tags.is_empty() {
            out.push_str("    <tags>\n");
            for tag in &question.tags {
                out.push_str(&format!(
                    "      <tag><text>{}</text></tag>\n",
                    escape(tag.as_str())
                ));
            }
            out.push_str("    </tags>\n");
        }
        out.push_str("  </question>\n");
    }
    out.push_str("</quiz>\n");
    out
}

fn text_element(name: &str, text: &str, indent: usize) -> String {
    format!(
        "{:indent$}<{name} format=\"plain_text\"><text>{}</text></{name}>\n",
        "",
        escape(text)
    )
}

fn answer_element(out: &mut String, weight: f64, text: &str, feedback: Option<&str>) {
    out.push_str(&format!(
        "    <answer fraction=\"{}\" format=\"plain_text\">\n      <text>{}</text>\n",
        weight_text(weight),
        escape(text)
    ));
    if let Some(feedback) = feedback {
        out.push_str(&text_element("feedback", feedback, 6));
    }
    out.push_str("    </answer>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::parse_gift;

    /// A file as Moodle exports it: HTML text in CDATA, entities, tags.
    const MOODLE_EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/默认 for 宪法学习/宪法</text>
    </category>
  </question>
  <question type="multichoice">
    <name>
      <text>权力属于人民</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p dir="ltr">中华人民共和国的一切权力属于<strong>谁</strong>？</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text>宪法第二条 &amp; 第三条</text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>人民</p>]]></text>
      <feedback format="html">
        <text>对</text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>政府</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <tags>
      <tag><text>宪法</text></tag>
    </tags>
  </question>
  <question type="multichoice">
    <name><text>基本权利</text></name>
    <questiontext format="html"><text>下列属于公民基本权利的是</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>选举权</text></answer>
    <answer fraction="50"><text>宗教信仰自由</text></answer>
    <answer fraction="-100"><text>纳税</text></answer>
  </question>
  <question type="truefalse">
    <name><text>根本法</text></name>
    <questiontext format="moodle_auto_format"><text>宪法是国家的根本法。</text></questiontext>
    <answer fraction="100"><text>true</text><feedback><text>是</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback><text></text></feedback></answer>
  </question>
  <question type="shortanswer">
    <name><text>修宪机关</text></name>
    <questiontext format="plain_text"><text>宪法的修改由谁通过？</text></questiontext>
    <usecase>0</usecase>
    <answer fraction="100"><text>全国人民代表大会</text></answer>
    <answer fraction="100"><text>全国人大</text></answer>
    <answer fraction="0"><text>国务院</text></answer>
  </question>
  <question type="essay">
    <name><text>宣誓</text></name>
    <questiontext format="html"><text>谈谈宪法宣誓制度。</text></questiontext>
    <graderinfo format="html"><text>言之有理即可。</text></graderinfo>
  </question>
</quiz>
"#;

    #[test]
    fn reads_what_moodle_exports() {
        let questions = parse_moodle_xml(MOODLE_EXPORT).expect("valid").questions;
        assert_eq!(questions.len(), 5);
        let q1 = &questions[0];
        assert_eq!(q1.category, "默认 for 宪法学习/宪法");
        assert_eq!(q1.title.as_deref(), Some("权力属于人民"));
        assert_eq!(q1.text, "中华人民共和国的一切权力属于谁？");
        assert_eq!(q1.explanation, "宪法第二条 & 第三条");
        assert_eq!(q1.tags, ["宪法"]);
        assert_eq!(q1.answer.choices()[0].text, "人民");
        assert_eq!(q1.answer.choices()[0].feedback.as_deref(), Some("对"));
        assert_eq!(q1.answer.choices()[1].feedback, None);
        assert!(matches!(
            questions[1].answer,
            Answer::Multiple {
                scoring: Scoring::Partial,
                ..
            }
        ));
        assert_eq!(
            questions[2].answer,
            Answer::TrueFalse {
                correct: true,
                if_true: Some("是".into()),
                if_false: None
            }
        );
        assert_eq!(
            questions[3].answer,
            Answer::Blank {
                accepted: vec!["全国人民代表大会".into(), "全国人大".into()],
                partial: vec![],
            }
        );
        assert_eq!(
            questions[4].answer,
            Answer::Short {
                model: Some("言之有理即可。".into())
            }
        );
    }

    #[test]
    fn writes_what_it_reads_and_agrees_with_gift() {
        let questions = parse_moodle_xml(MOODLE_EXPORT).expect("valid").questions;
        let written = write_moodle_xml(&questions);
        assert_eq!(
            parse_moodle_xml(&written).expect("valid").questions,
            questions,
            "{written}"
        );
        // The same bank through GIFT comes back the same (an essay's model
        // answer has no place in GIFT).
        let mut without_model = questions.clone();
        without_model[4].answer = Answer::Short { model: None };
        assert_eq!(
            parse_gift(&super::super::write_gift(&without_model))
                .expect("valid")
                .questions,
            without_model
        );
    }

    /// What Moodle 4 exports for formatted text, thirds, a short answer
    /// with partial credit and a description between questions.
    const FORMATTED_EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="description">
    <name><text>阅读材料</text></name>
    <questiontext format="html"><text><![CDATA[<p>阅读下列宪法条文，回答问题。</p>]]></text></questiontext>
    <defaultgrade>0</defaultgrade>
  </question>
  <question type="multichoice">
    <name><text>三分之一</text></name>
    <questiontext format="html">
      <text>&lt;p&gt;下列属于&lt;span style="color: red;"&gt;国家机构&lt;/span&gt;的是：&lt;/p&gt;&lt;ul&gt;&lt;li&gt;多选&lt;/li&gt;&lt;/ul&gt;</text>
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>宪法第三章。</p><p>国家机构&nbsp;&#x4E2D;</p><script>alert(1)</script>]]></text></generalfeedback>
    <single>false</single>
    <answer fraction="33.33333" format="html"><text><![CDATA[<p><span lang="zh-CN">国务院</span></p>]]></text>
      <feedback format="html"><text><![CDATA[<p>对<br>第八十五条</p>]]></text></feedback></answer>
    <answer fraction="33.33333" format="html"><text>最高人民法院&amp;nbsp;</text></answer>
    <answer fraction="33.33333" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/x.png" alt="中央军事委员会">]]></text></answer>
    <answer fraction="-100" format="html"><text>中国共产党</text></answer>
  </question>
  <question type="multichoice">
    <name><text>三分之二</text></name>
    <questiontext format="markdown"><text>宪法**第一条**：

1. 甲
2. 乙</text></questiontext>
    <single>false</single>
    <answer fraction="66.66667" format="plain_text"><text>甲</text></answer>
    <answer fraction="33.3333" format="plain_text"><text>乙</text></answer>
    <answer fraction="0" format="plain_text"><text><![CDATA[<b>丙</b>]]></text></answer>
  </question>
  <question type="shortanswer">
    <name><text>首都</text></name>
    <questiontext format="moodle_auto_format"><text>中国的首都是哪里？
请写城市名。</text></questiontext>
    <usecase>0</usecase>
    <answer fraction="100" format="moodle_auto_format"><text>北京</text></answer>
    <answer fraction="50" format="moodle_auto_format"><text>北京市</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>*</text><feedback format="html"><text>不对</text></feedback></answer>
  </question>
</quiz>
"#;

    #[test]
    fn formatted_text_thirds_partial_credit_and_descriptions() {
        use crate::questions::{Grade, Response, grade};
        let parsed = parse_moodle_xml(FORMATTED_EXPORT).expect("valid");
        assert_eq!(
            parsed.skipped,
            [Skipped {
                line: 3,
                title: Some("阅读材料".into()),
                what: Skip::Description
            }]
        );
        let [thirds, two_thirds, capital] = &parsed.questions[..] else {
            panic!("{parsed:?}")
        };
        assert_eq!(thirds.text, "下列属于国家机构的是：\n• 多选");
        assert_eq!(thirds.explanation, "宪法第三章。\n国家机构 中");
        let texts: Vec<&str> = thirds
            .answer
            .choices()
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(
            texts,
            ["国务院", "最高人民法院", "中央军事委员会", "中国共产党"]
        );
        assert_eq!(
            thirds.answer.choices()[0].feedback.as_deref(),
            Some("对\n第八十五条")
        );
        let all = Response::Chosen([0, 1, 2].into());
        assert!(grade(&thirds.answer, &all).is_full());
        assert!(grade(&two_thirds.answer, &Response::Chosen([0, 1].into())).is_full());

        assert_eq!(two_thirds.text, "宪法第一条：\n1. 甲\n2. 乙");
        assert_eq!(two_thirds.answer.choices()[2].text, "<b>丙</b>");

        assert_eq!(capital.text, "中国的首都是哪里？\n请写城市名。");
        assert_eq!(
            capital.answer,
            Answer::Blank {
                accepted: vec!["北京".into()],
                partial: vec![PartialAnswer {
                    text: "北京市".into(),
                    weight: 50.0
                }],
            }
        );
        assert_eq!(
            grade(&capital.answer, &Response::Text("北京市".into())),
            Grade::Scored(0.5)
        );

        // Written and read back (in both formats), nothing is lost.
        let written = write_moodle_xml(&parsed.questions);
        assert!(written.contains("fraction=\"50\""), "{written}");
        assert_eq!(
            parse_moodle_xml(&written).expect("valid").questions,
            parsed.questions
        );
        let gift = super::super::write_gift(&parsed.questions);
        assert_eq!(
            parse_gift(&gift).expect("valid").questions,
            parsed.questions
        );
    }

    #[test]
    fn refuses_bad_files_naming_the_line() {
        let wrap = |body: &str| format!("<?xml version=\"1.0\"?>\n<quiz>\n{body}\n</quiz>\n");
        let cases = [
            (
                wrap("<question type=\"numerical\"><name><text>n</text></name></question>"),
                3,
                "numerical questions are not supported",
            ),
            (
                wrap("<question type=\"matching\"></question>"),
                3,
                "not supported",
            ),
            (
                wrap("<question type=\"description\"></question>"),
                2,
                "no question",
            ),
            (
                wrap(
                    "<question type=\"shortanswer\"><questiontext><text>Q</text></questiontext>\n<answer fraction=\"-50\"><text>a</text></answer></question>",
                ),
                4,
                "between 0% and 100%",
            ),
            (
                wrap(
                    "<question type=\"multichoice\"><questiontext><text>Q</text></questiontext><single>false</single><answer fraction=\"50\"><text>a</text></answer><answer fraction=\"30\"><text>b</text></answer></question>",
                ),
                3,
                "add up to 80%",
            ),
            (
                wrap(
                    "<question type=\"multichoice\">\n<questiontext><text>Q</text></questiontext>\n<answer fraction=\"abc\"><text>a</text></answer></question>",
                ),
                5,
                "not a number",
            ),
            (
                wrap(
                    "<question type=\"multichoice\"><questiontext><text>Q</text></questiontext><answer fraction=\"0\"><text>a</text></answer><answer fraction=\"0\"><text>b</text></answer></question>",
                ),
                3,
                "no option is marked right",
            ),
            (
                wrap(
                    "<question type=\"truefalse\"><questiontext><text>Q</text></questiontext><answer fraction=\"100\"><text>maybe</text></answer></question>",
                ),
                3,
                "true or false",
            ),
            (
                wrap(
                    "<question type=\"multichoice\">\n<questiontext><text>Q</text></questiontext>\n",
                ),
                6,
                "not",
            ),
            (
                wrap(
                    "<question type=\"shortanswer\"><questiontext><text>Q &bogus; </text></questiontext></question>",
                ),
                3,
                "entity",
            ),
            ("<nothing/>".to_owned(), 1, "<quiz>"),
            (wrap(""), 2, "no question"),
        ];
        for (text, line, reason) in cases {
            let error = parse_moodle_xml(&text).expect_err("refused");
            assert!(error.reason.contains(reason), "{text}: {error}");
            assert_eq!(error.line, line, "{text}: {error}");
        }
    }
}
