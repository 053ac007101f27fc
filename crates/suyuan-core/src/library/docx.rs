//! DOCX, as offices compile their material in Word: paragraphs in the
//! Title style give the title, Heading 1–9 styles (or an outline level)
//! give chapters, and other paragraphs give the text. What Word shows is
//! what is read: list numbers (`第%1条` in `numbering.xml`) are written
//! before their paragraph, footnotes and endnotes become notes of their
//! excerpt, tables stay tables (`pieces`), line breaks start a new
//! paragraph, and of tracked changes only what is left stands.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::{HashMap, HashSet};

use super::{Block, MaterialError, ParsedCollection, assemble, chinese_number, table_lines};
use crate::archive;
use crate::text::xml_entity;

/// What a paragraph style makes of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Title,
    Heading(usize),
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn number_attribute<T: std::str::FromStr>(element: &BytesStart<'_>) -> Option<T> {
    attribute(element, "w:val").and_then(|v| v.trim().parse().ok())
}

/// An on/off property such as `<w:tblHeader/>`: on unless it says off.
fn is_on(element: &BytesStart<'_>) -> bool {
    !matches!(
        attribute(element, "w:val").as_deref(),
        Some("0" | "false" | "off")
    )
}

/// Elements whose content Word does not show as the text: deleted and
/// moved-away runs, the old properties of tracked changes, the fallback
/// copy of a drawing (the choice holds the same text), ruby annotations.
fn hidden(name: &str) -> bool {
    matches!(
        name,
        "w:del"
            | "w:moveFrom"
            | "w:pPrChange"
            | "w:rPrChange"
            | "w:sectPrChange"
            | "w:tblPrChange"
            | "w:trPrChange"
            | "w:tcPrChange"
            | "w:numberingChange"
            | "mc:Fallback"
            | "w:rt"
    )
}

/// A list a paragraph (or its style) is numbered in, and at which level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NumRef {
    num: Option<String>,
    level: Option<usize>,
}

#[derive(Debug, Default)]
struct Styles {
    roles: HashMap<String, Role>,
    numbering: HashMap<String, NumRef>,
}

/// Paragraph style ids and what they mean, from `word/styles.xml`: a name
/// `heading N` or `Title`, or an outline level; and the list a style
/// numbers its paragraphs in.
fn styles(xml: &str) -> Styles {
    let mut styles = Styles::default();
    let mut reader = Reader::from_str(xml);
    let mut current: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "w:style" => {
                current = attribute(&e, "w:styleId");
            }
            Ok(Event::End(e)) if e.name().as_ref() == "w:style" => current = None,
            Ok(Event::Empty(e)) => {
                let Some(id) = &current else { continue };
                match e.name().as_ref() {
                    "w:name" => {
                        let name = attribute(&e, "w:val")
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        if name == "title" {
                            styles.roles.insert(id.clone(), Role::Title);
                        } else if let Some(level) = name
                            .strip_prefix("heading ")
                            .and_then(|n| n.trim().parse().ok())
                        {
                            styles.roles.insert(id.clone(), Role::Heading(level));
                        }
                    }
                    "w:outlineLvl" => {
                        if let Some(level) = number_attribute::<usize>(&e) {
                            styles
                                .roles
                                .entry(id.clone())
                                .or_insert(Role::Heading(level + 1));
                        }
                    }
                    "w:numId" => {
                        styles.numbering.entry(id.clone()).or_default().num = attribute(&e, "w:val")
                    }
                    "w:ilvl" => {
                        styles.numbering.entry(id.clone()).or_default().level = number_attribute(&e)
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    styles
}

/// One level of a list, from `word/numbering.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Level {
    start: u32,
    /// `w:numFmt`: decimal, chineseCounting, ideographTraditional, …
    format: String,
    /// `w:lvlText`, such as `第%1条` or `%1.%2`.
    text: String,
    /// `w:lvlRestart`: restart after a use of a level above this one
    /// (1-based); 0 never.
    restart: Option<usize>,
    /// Whether a space (or a tab) follows the number.
    spaced: bool,
    /// `w:isLgl`: every number of the label in Arabic digits.
    legal: bool,
    /// The paragraph style this level goes with.
    style: Option<String>,
}

impl Default for Level {
    fn default() -> Self {
        Self {
            start: 1,
            format: "decimal".into(),
            text: String::new(),
            restart: None,
            spaced: true,
            legal: false,
            style: None,
        }
    }
}

/// A `w:num`: an abstract list, with levels that start elsewhere or are
/// redefined.
#[derive(Debug, Default)]
struct Num {
    abstract_id: String,
    starts: HashMap<usize, u32>,
    levels: HashMap<usize, Level>,
}

#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<String, HashMap<usize, Level>>,
    nums: HashMap<String, Num>,
}

fn numbering(xml: &str) -> Numbering {
    let mut numbering = Numbering::default();
    let mut reader = Reader::from_str(xml);
    let mut in_abstract: Option<String> = None;
    let mut in_num: Option<String> = None;
    let mut override_level: Option<usize> = None;
    let mut level: Option<(usize, Level)> = None;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "w:abstractNum" => in_abstract = attribute(&e, "w:abstractNumId"),
                "w:num" => {
                    in_num = attribute(&e, "w:numId");
                    if let Some(id) = &in_num {
                        numbering.nums.entry(id.clone()).or_default();
                    }
                }
                "w:lvlOverride" => {
                    override_level = attribute(&e, "w:ilvl").and_then(|v| v.parse().ok())
                }
                "w:lvl" => {
                    level = attribute(&e, "w:ilvl")
                        .and_then(|v| v.parse().ok())
                        .map(|at| (at, Level::default()))
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "w:abstractNum" => in_abstract = None,
                "w:num" => in_num = None,
                "w:lvlOverride" => override_level = None,
                "w:lvl" => {
                    let Some((at, done)) = level.take() else {
                        continue;
                    };
                    if let Some(num) = in_num.as_ref().and_then(|id| numbering.nums.get_mut(id)) {
                        num.levels.insert(at, done);
                    } else if let Some(id) = &in_abstract {
                        numbering
                            .abstracts
                            .entry(id.clone())
                            .or_default()
                            .insert(at, done);
                    }
                }
                _ => {}
            },
            Event::Empty(e) => {
                let name = e.name();
                if let Some((_, level)) = level.as_mut() {
                    match name.as_ref() {
                        "w:start" => level.start = number_attribute(&e).unwrap_or(1),
                        "w:numFmt" => level.format = attribute(&e, "w:val").unwrap_or_default(),
                        "w:lvlText" => level.text = attribute(&e, "w:val").unwrap_or_default(),
                        "w:lvlRestart" => level.restart = number_attribute(&e),
                        "w:suff" => {
                            level.spaced = attribute(&e, "w:val").as_deref() != Some("nothing")
                        }
                        "w:isLgl" => level.legal = is_on(&e),
                        "w:pStyle" => level.style = attribute(&e, "w:val"),
                        _ => {}
                    }
                    continue;
                }
                let Some(num) = in_num.as_ref().and_then(|id| numbering.nums.get_mut(id)) else {
                    continue;
                };
                match name.as_ref() {
                    "w:abstractNumId" => {
                        num.abstract_id = attribute(&e, "w:val").unwrap_or_default()
                    }
                    "w:startOverride" => {
                        if let (Some(at), Some(start)) = (override_level, number_attribute(&e)) {
                            num.starts.insert(at, start);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    numbering
}

/// A number as a list level's format writes it.
fn format_number(n: u32, format: &str) -> String {
    const STEMS: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    const BRANCHES: [char; 12] = [
        '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
    ];
    let index = n.max(1) as usize - 1;
    match format {
        "decimalZero" => format!("{n:02}"),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or_else(|| n.to_string(), String::from)
        }
        "ideographTraditional" => STEMS[index % 10].to_string(),
        "ideographZodiac" => BRANCHES[index % 12].to_string(),
        "ideographDigital" => n
            .to_string()
            .chars()
            .map(|c| {
                "〇一二三四五六七八九"
                    .chars()
                    .nth(c as usize - '0' as usize)
                    .unwrap_or(c)
            })
            .collect(),
        "chineseLegalSimplified" => chinese_number(n)
            .chars()
            .map(|c| match c {
                '一' => '壹',
                '二' => '贰',
                '三' => '叁',
                '四' => '肆',
                '五' => '伍',
                '六' => '陆',
                '七' => '柒',
                '八' => '捌',
                '九' => '玖',
                '十' => '拾',
                '百' => '佰',
                '千' => '仟',
                other => other,
            })
            .collect(),
        "upperLetter" | "lowerLetter" => {
            // Word repeats the letter past Z: AA, BB, …
            let letter = char::from(b'A' + (index % 26) as u8);
            let letters = letter.to_string().repeat(index / 26 + 1);
            if format == "lowerLetter" {
                letters.to_lowercase()
            } else {
                letters
            }
        }
        "upperRoman" | "lowerRoman" => {
            let roman = roman(n);
            if format == "lowerRoman" {
                roman.to_lowercase()
            } else {
                roman
            }
        }
        f if f.starts_with("chinese") || f.contains("Counting") => chinese_number(n),
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    let mut out = String::new();
    for (value, letters) in [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ] {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

/// A list label as Word shows it before its paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Label {
    text: String,
    spaced: bool,
}

/// The running numbers of the document's lists. Lists that share an
/// abstract list count on together, as in Word, until a `w:num` with a
/// start override is first used (Word's "restart numbering").
struct Counters<'a> {
    numbering: &'a Numbering,
    values: HashMap<&'a str, [Option<u32>; 9]>,
    overridden: HashSet<(&'a str, usize)>,
}

impl<'a> Counters<'a> {
    fn new(numbering: &'a Numbering) -> Self {
        Self {
            numbering,
            values: HashMap::new(),
            overridden: HashSet::new(),
        }
    }

    fn level(&self, num: &'a Num, at: usize) -> Option<&'a Level> {
        num.levels.get(&at).or_else(|| {
            self.numbering
                .abstracts
                .get(&num.abstract_id)
                .and_then(|levels| levels.get(&at))
        })
    }

    /// The level a paragraph of `style` takes in a list, when only the
    /// style names the list.
    fn level_of_style(&self, num: &str, style: &str) -> Option<usize> {
        let num = self.numbering.nums.get(num)?;
        let levels = self.numbering.abstracts.get(&num.abstract_id)?;
        levels
            .iter()
            .find(|(_, level)| level.style.as_deref() == Some(style))
            .map(|(at, _)| *at)
    }

    /// Counts a paragraph numbered at `at` in list `num` and gives its
    /// label; `None` for bullets, empty labels and unknown lists.
    fn next(&mut self, num: &'a str, at: usize) -> Option<Label> {
        let numbering = self.numbering;
        let (num_id, num) = numbering.nums.get_key_value(num)?;
        let at = at.min(8);
        let level = self.level(num, at)?;
        let override_start = num
            .starts
            .get(&at)
            .filter(|_| self.overridden.insert((num_id.as_str(), at)))
            .copied();
        let values = self.values.entry(num.abstract_id.as_str()).or_default();
        values[at] = Some(match (override_start, values[at]) {
            (Some(start), _) => start,
            (None, Some(value)) => value.saturating_add(1),
            (None, None) => level.start,
        });
        for deeper in at + 1..9 {
            let restart = self.level(num, deeper).and_then(|l| l.restart);
            let values = self.values.entry(num.abstract_id.as_str()).or_default();
            if restart.is_none_or(|r| at < r) {
                values[deeper] = None;
            }
        }
        if level.format == "bullet" || level.format == "none" {
            return None;
        }
        // `第%1条`, `第%1章`: the number is read as Chinese, whatever the
        // format, so that the article is known as one.
        let chinese = level.text.contains("第%");
        let values = self.values.get(num.abstract_id.as_str())?;
        let mut text = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            let Some(k) = chars
                .peek()
                .and_then(|d| d.to_digit(10))
                .filter(|d| c == '%' && (1..=9).contains(d))
            else {
                text.push(c);
                continue;
            };
            chars.next();
            let of = k as usize - 1;
            let shown = self.level(num, of);
            let value = values[of].unwrap_or(shown.map_or(1, |l| l.start));
            text.push_str(&if chinese {
                chinese_number(value)
            } else if level.legal {
                value.to_string()
            } else {
                format_number(value, shown.map_or("decimal", |l| l.format.as_str()))
            });
        }
        let text = text.trim().to_owned();
        (!text.is_empty()).then_some(Label {
            text,
            spaced: level.spaced || chinese,
        })
    }
}

/// The footnotes or endnotes of a part: their text by id.
fn notes(xml: &str, element: &str) -> HashMap<String, String> {
    let mut notes = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut note: Option<(String, String)> = None;
    let mut in_text = false;
    let mut hiding = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        if hiding > 0 {
            match event {
                Event::Start(_) => hiding += 1,
                Event::End(_) => hiding -= 1,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(e) if hidden(e.name().as_ref()) => hiding = 1,
            Event::Start(e) if e.name().as_ref() == element => {
                // The separator lines Word keeps among the notes have a type.
                note = attribute(&e, "w:id")
                    .filter(|_| attribute(&e, "w:type").is_none_or(|t| t == "normal"))
                    .map(|id| (id, String::new()));
            }
            Event::End(e) if e.name().as_ref() == element => {
                if let Some((id, text)) = note.take() {
                    let text = crate::text::tidy(&text);
                    if !text.is_empty() {
                        notes.insert(id, text);
                    }
                }
            }
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == "w:p" => {
                if let Some((_, text)) = note.as_mut() {
                    text.push(' ');
                }
            }
            Event::Empty(e) if matches!(e.name().as_ref(), "w:tab" | "w:br" | "w:cr") => {
                if let Some((_, text)) = note.as_mut() {
                    text.push(' ');
                }
            }
            Event::Text(e) if in_text => {
                if let Some((_, text)) = note.as_mut() {
                    text.push_str(&e.xml10_content());
                }
            }
            Event::GeneralRef(e) if in_text => {
                if let Some((_, text)) = note.as_mut() {
                    text.extend(resolve(&e));
                }
            }
            _ => {}
        }
    }
    notes
}

fn resolve(reference: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    reference
        .resolve_char_ref()
        .ok()
        .flatten()
        .or_else(|| xml_entity(reference.as_ref()))
}

/// A paragraph being read.
#[derive(Debug, Default)]
struct Paragraph {
    /// `\n` where Word breaks the line.
    text: String,
    role: Option<Role>,
    style: Option<String>,
    numbering: NumRef,
    in_numbering: bool,
    /// `注1：…` for each note referenced here.
    notes: Vec<String>,
}

/// A table being read: rows of cells, each cell its paragraphs.
#[derive(Debug, Default)]
struct Table {
    rows: Vec<(bool, Vec<Vec<String>>)>,
    /// How many grid columns the open cell spans.
    span: usize,
    notes: Vec<String>,
}

impl Table {
    fn cell(&mut self) -> Option<&mut Vec<String>> {
        self.rows.last_mut().and_then(|(_, cells)| cells.last_mut())
    }

    /// The cells as text, and the header rows apart: those Word repeats
    /// on each page, when they are not the whole table.
    fn into_rows(self) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let heads = self.rows.iter().take_while(|(head, _)| *head).count();
        let heads = if heads == self.rows.len() { 0 } else { heads };
        let mut rows: Vec<Vec<String>> = self
            .rows
            .into_iter()
            .map(|(_, cells)| cells.iter().map(|c| c.join(" ")).collect())
            .collect();
        let body = rows.split_off(heads);
        (rows, body)
    }
}

/// The parts of the document that were read, and what the walk keeps.
struct Walk<'a> {
    styles: &'a Styles,
    counters: Counters<'a>,
    notes: &'a HashMap<(bool, String), String>,
    noted: usize,
    blocks: Vec<(usize, Block)>,
    title: String,
}

impl<'a> Walk<'a> {
    /// A note reference: its mark in the text, its note kept for later.
    fn reference(&mut self, paragraph: &mut Paragraph, endnote: bool, id: Option<String>) {
        let Some(note) = id.and_then(|id| self.notes.get(&(endnote, id))) else {
            return;
        };
        self.noted += 1;
        paragraph.text.push_str(&format!("〔注{}〕", self.noted));
        paragraph.notes.push(format!("注{}：{note}", self.noted));
    }

    fn label(&mut self, paragraph: &Paragraph) -> Option<Label> {
        let by_style = paragraph
            .style
            .as_ref()
            .and_then(|s| self.styles.numbering.get(s).map(|n| (s, n)));
        let num = paragraph
            .numbering
            .num
            .as_deref()
            .or_else(|| by_style.and_then(|(_, n)| n.num.as_deref()))
            .filter(|num| *num != "0")?;
        let level = paragraph
            .numbering
            .level
            .or_else(|| by_style.and_then(|(_, n)| n.level))
            .or_else(|| by_style.and_then(|(style, _)| self.counters.level_of_style(num, style)))
            .unwrap_or(0);
        let num = self.counters.numbering.nums.get_key_value(num)?.0.as_str();
        self.counters.next(num, level)
    }

    /// A paragraph read to its end: into the open table's cell, or as
    /// blocks.
    fn finish(&mut self, number: usize, paragraph: Paragraph, table: Option<&mut Table>) {
        let label = self.label(&paragraph);
        let with_label = |text: &str| match &label {
            Some(label) if label.spaced => format!("{} {text}", label.text),
            Some(label) => format!("{}{text}", label.text),
            None => text.to_owned(),
        };
        if let Some(table) = table {
            let text = crate::text::tidy(&with_label(&paragraph.text));
            if let Some(cell) = table.cell()
                && !text.is_empty()
            {
                cell.push(text);
            }
            table.notes.extend(paragraph.notes);
            return;
        }
        match paragraph.role {
            Some(role) => {
                let text = crate::text::tidy(&with_label(&paragraph.text));
                if text.is_empty() {
                    // An empty heading opens nothing.
                } else if role == Role::Title && self.title.is_empty() {
                    self.title = text;
                } else {
                    let depth = match role {
                        Role::Title => 1,
                        Role::Heading(level) => level + 1,
                    };
                    self.blocks.push((number, Block::Heading { depth, text }));
                }
            }
            None => {
                // A line break starts a new paragraph; the label goes
                // with the first.
                let mut first = true;
                for line in paragraph.text.split('\n') {
                    let line = crate::text::tidy(line);
                    if line.is_empty() {
                        continue;
                    }
                    let line = if first { with_label(&line) } else { line };
                    first = false;
                    self.blocks.push((number, Block::Text(line)));
                }
            }
        }
        self.blocks.extend(
            paragraph
                .notes
                .into_iter()
                .map(|note| (number, Block::Note(note))),
        );
    }

    /// A table read to its end: its rows, or, inside another table, its
    /// text in the enclosing cell.
    fn finish_table(&mut self, number: usize, mut table: Table, outer: Option<&mut Table>) {
        let notes = std::mem::take(&mut table.notes);
        // A table of one cell is a frame around text, not a table.
        if outer.is_none() && table.rows.len() == 1 && table.rows[0].1.len() == 1 {
            let paragraphs = table.rows.remove(0).1.remove(0);
            self.blocks.extend(
                paragraphs
                    .into_iter()
                    .map(|text| (number, Block::Text(text)))
                    .chain(notes.into_iter().map(|note| (number, Block::Note(note)))),
            );
            return;
        }
        let (head, body) = table.into_rows();
        if let Some(outer) = outer {
            let text = head
                .iter()
                .chain(&body)
                .flatten()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(cell) = outer.cell()
                && !text.is_empty()
            {
                cell.push(text);
            }
            outer.notes.extend(notes);
            return;
        }
        // An empty table (a layout grid) shows nothing.
        if !head.iter().chain(&body).flatten().all(String::is_empty) {
            self.blocks
                .push((number, Block::Text(table_lines(&head, &body))));
        }
        self.blocks
            .extend(notes.into_iter().map(|note| (number, Block::Note(note))));
    }
}

/// Reads a DOCX file into a collection.
pub fn parse_docx(file: &str, bytes: &[u8]) -> Result<ParsedCollection, MaterialError> {
    let fail = |line: usize, reason: String| MaterialError {
        file: file.to_owned(),
        line,
        reason,
    };
    let mut archive = archive::check(bytes).map_err(|e| fail(0, e.to_string()))?;
    let mut part =
        |name: &str| archive::text(&mut archive, name).map_err(|e| fail(0, e.to_string()));
    let document = part("word/document.xml")?
        .ok_or_else(|| fail(0, "not a Word document: it has no word/document.xml".into()))?;
    let styles = part("word/styles.xml")?
        .map(|xml| styles(&xml))
        .unwrap_or_default();
    let numbering = part("word/numbering.xml")?
        .map(|xml| numbering(&xml))
        .unwrap_or_default();
    let mut all_notes = HashMap::new();
    for (endnote, name, element) in [
        (false, "word/footnotes.xml", "w:footnote"),
        (true, "word/endnotes.xml", "w:endnote"),
    ] {
        if let Some(xml) = part(name)? {
            all_notes.extend(
                notes(&xml, element)
                    .into_iter()
                    .map(|(id, text)| ((endnote, id), text)),
            );
        }
    }

    let mut walk = Walk {
        styles: &styles,
        counters: Counters::new(&numbering),
        notes: &all_notes,
        noted: 0,
        blocks: Vec::new(),
        title: String::new(),
    };
    let mut reader = Reader::from_str(&document);
    // Open paragraphs (a text box's sit inside another) and tables.
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut in_text = false;
    // How deep inside an element whose content is not shown.
    let mut hiding = 0usize;
    // A content control that shows its placeholder ("click here…").
    let mut placeholder = false;
    let mut number = 0;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| fail(number, format!("the document's XML is broken: {e}")))?;
        if hiding > 0 {
            match event {
                Event::Start(_) => hiding += 1,
                Event::End(_) => hiding -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(e) => match e.name().as_ref() {
                name if hidden(name) => hiding = 1,
                "w:sdtContent" if placeholder => {
                    placeholder = false;
                    hiding = 1;
                }
                "w:p" => paragraphs.push(Paragraph::default()),
                "w:t" => in_text = true,
                "w:numPr" => {
                    if let Some(p) = paragraphs.last_mut() {
                        p.in_numbering = true;
                    }
                }
                "w:tbl" => tables.push(Table::default()),
                "w:tr" => {
                    if let Some(table) = tables.last_mut() {
                        table.rows.push((false, Vec::new()));
                    }
                }
                "w:tc" => {
                    if let Some(table) = tables.last_mut() {
                        table.span = 1;
                        if let Some((_, cells)) = table.rows.last_mut() {
                            cells.push(Vec::new());
                        }
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:sdt" => placeholder = false,
                "w:numPr" => {
                    if let Some(p) = paragraphs.last_mut() {
                        p.in_numbering = false;
                    }
                }
                "w:p" => {
                    number += 1;
                    if let Some(paragraph) = paragraphs.pop() {
                        walk.finish(number, paragraph, tables.last_mut());
                    }
                }
                "w:tc" => {
                    // A cell spanning columns keeps the rows aligned.
                    if let Some(table) = tables.last_mut() {
                        let extra = table.span.saturating_sub(1).min(63);
                        if let Some((_, cells)) = table.rows.last_mut() {
                            cells.extend(std::iter::repeat_n(Vec::new(), extra));
                        }
                    }
                }
                "w:tbl" => {
                    if let Some(table) = tables.pop() {
                        walk.finish_table(number, table, tables.last_mut());
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:p" => number += 1,
                "w:showingPlcHdr" => placeholder = is_on(&e),
                "w:tblHeader" => {
                    if let Some((head, _)) = tables.last_mut().and_then(|t| t.rows.last_mut()) {
                        *head = is_on(&e);
                    }
                }
                "w:gridSpan" => {
                    if let Some(table) = tables.last_mut() {
                        table.span = number_attribute(&e).unwrap_or(1);
                    }
                }
                name => {
                    let Some(paragraph) = paragraphs.last_mut() else {
                        continue;
                    };
                    match name {
                        "w:pStyle" => {
                            let style = attribute(&e, "w:val");
                            if let Some(role) = style.as_ref().and_then(|id| styles.roles.get(id)) {
                                paragraph.role = Some(*role);
                            }
                            paragraph.style = style;
                        }
                        "w:outlineLvl" => {
                            if let Some(level) = number_attribute::<usize>(&e)
                                && level < 9
                            {
                                paragraph.role.get_or_insert(Role::Heading(level + 1));
                            }
                        }
                        "w:numId" if paragraph.in_numbering => {
                            paragraph.numbering.num = attribute(&e, "w:val")
                        }
                        "w:ilvl" if paragraph.in_numbering => {
                            paragraph.numbering.level = number_attribute(&e)
                        }
                        "w:footnoteReference" | "w:endnoteReference" => {
                            let endnote = name == "w:endnoteReference";
                            walk.reference(paragraph, endnote, attribute(&e, "w:id"));
                        }
                        // A page or column break is not a new paragraph.
                        "w:br"
                            if matches!(
                                attribute(&e, "w:type").as_deref(),
                                Some("page" | "column")
                            ) => {}
                        "w:br" | "w:cr" => paragraph.text.push('\n'),
                        "w:tab" => paragraph.text.push(' '),
                        "w:noBreakHyphen" => paragraph.text.push('-'),
                        _ => {}
                    }
                }
            },
            Event::Text(e) if in_text => {
                if let Some(paragraph) = paragraphs.last_mut() {
                    paragraph.text.push_str(&e.xml10_content());
                }
            }
            Event::GeneralRef(e) if in_text => {
                if let Some(paragraph) = paragraphs.last_mut() {
                    paragraph.text.extend(resolve(&e));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let Walk {
        mut title,
        mut blocks,
        ..
    } = walk;
    // Without a Title paragraph, a first heading above all others names
    // the document; else the file does.
    if title.is_empty() {
        let shallowest = blocks
            .iter()
            .filter_map(|(_, b)| match b {
                Block::Heading { depth, .. } => Some(*depth),
                Block::Text(_) | Block::Note(_) => None,
            })
            .min();
        let heads = blocks
            .iter()
            .filter(
                |(_, b)| matches!(b, Block::Heading { depth, .. } if Some(*depth) == shallowest),
            )
            .count();
        if heads == 1
            && let Some((_, Block::Heading { text, .. })) = blocks.first().cloned()
        {
            title = text;
            blocks.remove(0);
        } else {
            title = super::file_stem(file);
        }
    }
    let (chapters, excerpts) = assemble(file, &blocks)?;
    if excerpts.is_empty() {
        return Err(fail(0, "there is no text to read in this document".into()));
    }
    Ok(ParsedCollection {
        title,
        subtitle: String::new(),
        edition: super::edition_from_name(file),
        source: String::new(),
        chapters,
        excerpts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal Word document: the parts this reader looks at.
    pub(crate) fn docx(document_body: &str, styles: &str) -> Vec<u8> {
        docx_with(document_body, styles, &[])
    }

    /// A Word document with more parts (`word/numbering.xml`, notes), each
    /// given as the content of its root element.
    fn docx_with(document_body: &str, styles: &str, parts: &[(&str, &str)]) -> Vec<u8> {
        const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{document_body}</w:body></w:document>"#
        );
        let styles =
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:styles {W}>{styles}</w:styles>"#);
        let mut entries = vec![
            ("[Content_Types].xml".to_owned(), "<Types/>".to_owned()),
            ("word/document.xml".to_owned(), document),
            ("word/styles.xml".to_owned(), styles),
        ];
        for (name, content) in parts {
            let root = match *name {
                "numbering" => "w:numbering",
                "footnotes" => "w:footnotes",
                "endnotes" => "w:endnotes",
                other => panic!("no part {other}"),
            };
            entries.push((
                format!("word/{name}.xml"),
                format!(r#"<?xml version="1.0" encoding="UTF-8"?><{root} {W}>{content}</{root}>"#),
            ));
        }
        for (name, text) in entries {
            zip.start_file(name, options).expect("entry");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    fn p(style: Option<&str>, text: &str) -> String {
        let style = style
            .map(|s| format!(r#"<w:pPr><w:pStyle w:val="{s}"/></w:pPr>"#))
            .unwrap_or_default();
        format!(r#"<w:p>{style}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    const STYLES: &str = r#"<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>"#;

    #[test]
    fn headings_become_chapters_and_articles_excerpts() {
        let body = [
            p(Some("a3"), "学习资料汇编"),
            p(Some("1"), "第一章 总则"),
            p(None, "第一条 为了学习&amp;实践，编写本资料。"),
            p(None, "本条第二款。"),
            p(Some("2"), "第一节 细则"),
            p(None, "第二条 细则的内容。"),
            p(Some("1"), "第二章 附则"),
            p(None, "第三条 自印发之日起施行。"),
            r#"<w:p/>"#.to_owned(),
        ]
        .concat();
        let parsed = parse_docx("资料.docx", &docx(&body, STYLES)).expect("parses");
        assert_eq!(parsed.title, "学习资料汇编");
        assert_eq!(parsed.chapters.len(), 3);
        assert_eq!(parsed.chapters[1].parent, Some(0));
        let labels: Vec<&str> = parsed.excerpts.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["第一条", "第二条", "第三条"]);
        assert_eq!(
            parsed.excerpts[0].text,
            "第一条 为了学习&实践，编写本资料。\n本条第二款。"
        );
        assert_eq!(
            parsed.heading_path(parsed.excerpts[1].chapter),
            ["第一章 总则", "第一节 细则"]
        );
    }

    #[test]
    fn outline_levels_and_plain_paragraphs() {
        let body = format!(
            r#"<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>讲话摘编</w:t></w:r></w:p>{}{}"#,
            p(None, "第一段。"),
            p(None, "第二段。")
        );
        let parsed = parse_docx("speech.docx", &docx(&body, "")).expect("parses");
        assert_eq!(parsed.title, "讲话摘编");
        assert_eq!(parsed.excerpts.len(), 2);
        assert!(parsed.chapters.is_empty());
    }

    #[test]
    fn broken_or_empty_documents_are_refused_by_name() {
        let err = parse_docx("x.docx", b"not a zip").expect_err("not a zip");
        assert!(err.to_string().starts_with("x.docx:"), "{err}");
        let err = parse_docx("empty.docx", &docx("", STYLES)).expect_err("nothing to read");
        assert!(err.to_string().contains("no text"), "{err}");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..1001 {
            zip.start_file(format!("f{i}"), options).expect("entry");
        }
        let bomb = zip.finish().expect("zip").into_inner();
        let err = parse_docx("many.docx", &bomb).expect_err("too many entries");
        assert!(err.to_string().contains("too large"), "{err}");
    }
    fn texts(parsed: &ParsedCollection) -> Vec<&str> {
        parsed.excerpts.iter().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn footnotes_and_endnotes_are_notes_of_their_excerpt() {
        let footnotes = r#"<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> 见《宪法》第五条。</w:t></w:r></w:p></w:footnote><w:footnote w:id="2"><w:p><w:r><w:t>本法所称</w:t></w:r></w:p><w:p><w:r><w:t>“单位”另有规定。</w:t></w:r></w:p></w:footnote>"#;
        let endnotes = r#"<w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t>2020年修正。</w:t></w:r></w:p></w:endnote>"#;
        let body = [
            p(Some("1"), "第一章 总则"),
            r#"<w:p><w:r><w:t>第一条 为了依法治国</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>，制定本法。</w:t></w:r></w:p>"#.to_owned(),
            p(None, "本条第二款。"),
            r#"<w:p><w:r><w:t>第二条 本法适用于各单位</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r><w:r><w:t>。</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r><w:r><w:footnoteReference w:id="9"/></w:r></w:p>"#.to_owned(),
        ]
        .concat();
        let bytes = docx_with(
            &body,
            STYLES,
            &[("footnotes", footnotes), ("endnotes", endnotes)],
        );
        let parsed = parse_docx("法.docx", &bytes).expect("parses");
        assert_eq!(
            texts(&parsed),
            [
                "第一条 为了依法治国〔注1〕，制定本法。\n本条第二款。\n注1：见《宪法》第五条。",
                "第二条 本法适用于各单位〔注2〕。〔注3〕\n注2：本法所称 “单位”另有规定。\n注3：2020年修正。",
            ]
        );
        // Text without articles: the note follows its paragraph.
        let body = [
            r#"<w:p><w:r><w:t>第一段</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>"#
                .to_owned(),
            p(None, "第二段。"),
        ]
        .concat();
        let bytes = docx_with(&body, "", &[("footnotes", footnotes)]);
        let parsed = parse_docx("讲话.docx", &bytes).expect("parses");
        assert_eq!(
            texts(&parsed),
            ["第一段〔注1〕\n注1：见《宪法》第五条。", "第二段。"]
        );
    }

    /// Lists as Word writes them: 0 for articles (`第%1条`, counted in
    /// Chinese from 1), 1 for chapters by the heading style, 2 for items
    /// (`（%1）`).
    const NUMBERING: &str = r#"<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="第%1章"/><w:pStyle w:val="1"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:start w:val="101"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1条"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num><w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num><w:num w:numId="4"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride></w:num><w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num>"#;

    fn numbered(num: &str, level: usize, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    #[test]
    fn word_list_numbers_make_articles_and_chapters() {
        let styles = r#"<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>"#;
        let body = [
            p(Some("1"), "总则"),
            numbered("1", 0, "国家实行依法治国。"),
            numbered("1", 1, "第一项；"),
            numbered("1", 1, "第二项。"),
            numbered("1", 0, "本法所称单位。"),
            numbered("1", 1, "又一项。"),
            numbered("5", 0, "要点"),
            p(Some("1"), "附则"),
            // Word's "continue numbering": a second list of the same kind.
            numbered("1", 0, "本法的解释。"),
            // Word's "restart numbering" at 11.
            numbered("4", 0, "自公布之日起施行。"),
            numbered("1", 0, "此前的规定废止。"),
        ]
        .concat();
        let bytes = docx_with(&body, styles, &[("numbering", NUMBERING)]);
        let parsed = parse_docx("示例法.docx", &bytes).expect("parses");
        let headings: Vec<&str> = parsed.chapters.iter().map(|c| c.heading.as_str()).collect();
        assert_eq!(headings, ["第一章 总则", "第二章 附则"]);
        let labels: Vec<&str> = parsed.excerpts.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            ["第一条", "第二条", "第三条", "第十一条", "第十二条"]
        );
        assert_eq!(
            parsed.excerpts[0].text,
            "第一条 国家实行依法治国。\n（一）第一项；\n（二）第二项。"
        );
        assert_eq!(
            parsed.excerpts[1].text,
            "第二条 本法所称单位。\n（一）又一项。\n要点"
        );
        assert_eq!(parsed.excerpts[3].chapter, Some(1));

        // Arabic numbering in an article's pattern reads as Chinese.
        let body = [numbered("3", 0, "甲。"), numbered("3", 0, "乙。")].concat();
        let bytes = docx_with(&body, "", &[("numbering", NUMBERING)]);
        let parsed = parse_docx("x.docx", &bytes).expect("parses");
        assert_eq!(texts(&parsed), ["第一百零一条 甲。", "第一百零二条 乙。"]);
    }

    #[test]
    fn list_formats_are_written_as_word_shows_them() {
        assert_eq!(format_number(3, "decimal"), "3");
        assert_eq!(format_number(3, "ideographTraditional"), "丙");
        assert_eq!(format_number(13, "ideographZodiac"), "子");
        assert_eq!(format_number(12, "chineseCounting"), "十二");
        assert_eq!(format_number(12, "chineseLegalSimplified"), "拾贰");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
        assert_eq!(format_number(2, "decimalEnclosedCircle"), "②");
        assert_eq!(format_number(105, "ideographDigital"), "一〇五");
    }

    fn cell(text: &str) -> String {
        format!("<w:tc>{}</w:tc>", p(None, text))
    }

    #[test]
    fn tables_stay_tables_inside_their_excerpt() {
        let table = format!(
            r#"<w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr>{}{}</w:tr><w:tr>{}<w:tc><w:p><w:r><w:t>每月</w:t></w:r></w:p><w:p><w:r><w:t>500元</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>{}</w:tc></w:tr></w:tbl>"#,
            cell("项目"),
            cell("标准"),
            cell("住房|补贴"),
            p(None, "合计另行规定")
        );
        let frame = format!(
            "<w:tbl><w:tr><w:tc>{}{}</w:tc></w:tr></w:tbl>",
            p(None, "第三条 框中的条文。"),
            p(None, "第二款。")
        );
        let body = [
            p(None, "第一条 标准如下："),
            table,
            p(None, "以上标准按年调整。"),
            p(None, "第二条 其他。"),
            frame,
        ]
        .concat();
        let parsed = parse_docx("标准.docx", &docx(&body, "")).expect("parses");
        assert_eq!(
            texts(&parsed),
            [
                "第一条 标准如下：\n| 项目 | 标准 |\n| --- | --- |\n| 住房｜补贴 | 每月 500元 |\n| 合计另行规定 |  |\n以上标准按年调整。",
                "第二条 其他。",
                "第三条 框中的条文。\n第二款。",
            ]
        );
        let pieces = crate::library::pieces(&parsed.excerpts[0].text);
        assert_eq!(pieces.len(), 3);
        let crate::library::Piece::Table(table) = &pieces[1] else {
            panic!("a table: {pieces:?}");
        };
        assert_eq!(table.head, [["项目", "标准"]]);
        assert_eq!(table.body[0], ["住房｜补贴", "每月 500元"]);
    }

    #[test]
    fn breaks_tabs_controls_links_and_tracked_changes() {
        let body = [
            // Soft line breaks: each line a paragraph, so articles are found.
            r#"<w:p><w:r><w:t>第一条 甲。</w:t><w:br/><w:t>第二条</w:t><w:tab/><w:t>乙</w:t></w:r><w:r><w:br w:type="page"/><w:t>续。</w:t></w:r></w:p>"#,
            // A hyperlink's runs, a content control's text, but not its
            // placeholder.
            r#"<w:p><w:r><w:t xml:space="preserve">第三条 见</w:t></w:r><w:hyperlink r:id="rId5" xmlns:r="r"><w:r><w:t>中国人大网</w:t></w:r></w:hyperlink><w:sdt><w:sdtPr><w:alias w:val="日期"/></w:sdtPr><w:sdtContent><w:r><w:t>（2024年）</w:t></w:r></w:sdtContent></w:sdt><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>单击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            // Tracked changes: what was inserted stands, what was deleted or
            // moved away does not.
            r#"<w:p><w:r><w:t xml:space="preserve">第四条 </w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>旧的</w:delText></w:r><w:r><w:t>删去的</w:t></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>新的</w:t></w:r></w:ins><w:moveFrom w:id="3"><w:r><w:t>移走的</w:t></w:r></w:moveFrom><w:r><w:t>规定。</w:t></w:r></w:p>"#,
            // A text box, in a drawing and again in its fallback.
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>框内文字。</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>框内文字。</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
        ]
        .concat();
        let parsed = parse_docx("杂.docx", &docx(&body, "")).expect("parses");
        assert_eq!(
            texts(&parsed),
            [
                "第一条 甲。",
                "第二条 乙续。",
                "第三条 见中国人大网（2024年）",
                "第四条 新的规定。\n框内文字。",
            ]
        );
    }
}
